"""Tables from Python: numpy views without copies, index-backed select,
Arrow to pandas, pyarrow, polars and DuckDB, checked against pandas.read_csv,
the CLI's Parquet and the CLI's query engine."""

import io
import os
import subprocess

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tribit

from conftest import EVERY_TYPE_CSV, ROOT


def as_plain(df):
    """Categoricals as objects, so frames compare by value."""
    out = df.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object)
    return out


def test_schema_len_and_table_mapping(every_type):
    f = tribit.open(every_type[1])
    assert list(f.tables) == ["every"] and "every" in f.tables and len(f.tables) == 1
    t = f.tables["every"]
    assert len(t) == 5
    assert t.schema[:3] == [("ID", "i64", False), ("FLAG", "bool", True), ("SMALL", "i8", False)]
    assert t.columns == ["ID", "FLAG", "SMALL", "COUNT", "SCORE", "NAME", "CODE", "GENE"]
    with pytest.raises(tribit.NotFoundError) as e:
        f.tables["nope"]
    assert "no table 'nope' (tables: every)" in str(e.value)


def test_to_pandas_equals_read_csv(every_type):
    csv, tb = every_type
    t = tribit.open(tb).tables["every"]
    ours = as_plain(t.to_pandas())
    theirs = pd.read_csv(io.StringIO(EVERY_TYPE_CSV), keep_default_na=False, na_values=[""])
    assert list(ours.columns) == list(theirs.columns)
    # Same dtypes where pandas infers the same thing: int64, float64 with
    # NaN for a null (the u32 column with a null arrives as float64 too).
    for c in ["ID", "COUNT", "SCORE"]:
        assert ours[c].dtype == theirs[c].dtype, c
        pd.testing.assert_series_equal(ours[c], theirs[c])
    assert ours["SMALL"].tolist() == theirs["SMALL"].tolist()
    for c in ["NAME", "CODE", "GENE", "FLAG"]:
        a = [None if pd.isna(v) else v for v in ours[c]]
        b = [None if pd.isna(v) else v for v in theirs[c]]
        assert a == b, c
    assert ours["NAME"][0] == "Müller, Jürgen" and ours["NAME"][1] == 'say "hi"' and ours["NAME"][3] == "two\nlines"
    # Chosen columns and rows, in the order asked.
    sub = as_plain(t.to_pandas(columns=["GENE", "ID"], rows=[4, 0, 1]))
    assert sub.to_dict("list") == {"GENE": ["TP53", "TP53", "BRCA1"], "ID": [5, 1, 2]}


def test_arrow_types_dictionaries_and_validity(every_type):
    t = tribit.open(every_type[1]).tables["every"]
    a = t.to_arrow()
    assert a.schema.field("NAME").type == pa.dictionary(pa.uint32(), pa.string())
    assert a.schema.field("SMALL").type == pa.int8() and a.schema.field("COUNT").type == pa.uint32()
    assert a.column("COUNT").null_count == 1 and a.column("FLAG").null_count == 1
    assert a.column("CODE").to_pylist() == ["AB", "CD", None, "EF", "GH"]
    # The PyCapsule interface directly.
    assert pa.table(t).equals(a)
    assert pa.RecordBatchReader.from_stream(t).read_all().equals(a)
    with pytest.raises(tribit.InputError):
        t.to_arrow(columns=["NOPE"])
    with pytest.raises(tribit.RangeError):
        t.to_arrow(rows=[7])
    with pytest.raises(TypeError):
        t.to_arrow(rows=["a"])


def test_parquet_and_arrow_files_from_the_cli_read_back_equal(every_type, cli, tmp_path):
    t = tribit.open(every_type[1]).tables["every"]
    pq_path, ipc_path = tmp_path / "e.parquet", tmp_path / "e.arrow"
    cli("export", "parquet", every_type[1], "--table", "every", "-o", pq_path)
    cli("export", "arrow", every_type[1], "--table", "every", "-o", ipc_path)
    want = t.to_arrow()
    got = pq.read_table(pq_path)
    assert got.schema.names == want.schema.names
    for name in want.schema.names:
        assert got.column(name).to_pylist() == want.column(name).to_pylist(), name
    assert pa.ipc.open_file(ipc_path).read_all().equals(want)
    r = cli("export", "parquet", every_type[1], "--table", "nope", "-o", tmp_path / "x.parquet", check=False)
    assert r.returncode == 2 and "no such table" in r.stderr and not (tmp_path / "x.parquet").exists()


def mapped_ranges(path):
    """(start, end) of every mapping of `path` in this process."""
    real = os.path.realpath(path)
    out = []
    with open("/proc/self/maps") as m:
        for line in m:
            parts = line.split()
            if len(parts) >= 6 and parts[5] == real:
                a, b = parts[0].split("-")
                out.append((int(a, 16), int(b, 16)))
    return out


def test_column_and_to_numpy_are_views_over_the_memory_map(transmart):
    csv, tb = transmart
    t = tribit.open(tb).tables["expr"]
    raw = t.column("RAW")
    theirs = pd.read_csv(csv)
    assert raw.dtype == np.dtype("<f8") and len(raw) == len(theirs)
    np.testing.assert_array_equal(raw, theirs["RAW"].to_numpy())
    assert not raw.flags.writeable and not raw.flags.owndata
    with pytest.raises(ValueError):
        raw[0] = 1.0
    # The data lies inside the file's memory map: nothing was copied.
    ptr = raw.__array_interface__["data"][0]
    maps = mapped_ranges(tb)
    assert maps and any(a <= ptr < b for a, b in maps), (hex(ptr), maps)
    assert raw.strides == (t.to_numpy().dtype.itemsize,)
    # Two calls see the same memory.
    assert np.shares_memory(raw, t.column("RAW"))
    rows = t.to_numpy()
    assert np.shares_memory(rows, raw)
    np.testing.assert_array_equal(rows["RAW"], raw)
    np.testing.assert_array_equal(rows["PATIENT_ID"], theirs["PATIENT_ID"].to_numpy())
    np.testing.assert_allclose(rows["LOG"], theirs["LOG"].to_numpy(), rtol=1e-6)
    codes = t.column("GENE_SYMBOL")
    genes = np.array(t.dictionary("GENE_SYMBOL"), dtype=object)
    assert (genes[codes] == theirs["GENE_SYMBOL"].to_numpy()).all()
    # The view keeps the file alive after every other reference is gone.
    del t, rows
    assert float(raw.sum()) == pytest.approx(float(theirs["RAW"].sum()))


def test_nulls_mask_and_fixed_width_strings(every_type):
    t = tribit.open(every_type[1]).tables["every"]
    assert t.nulls("ID") is None
    assert t.nulls("COUNT").tolist() == [False, True, False, False, False]
    assert t.column("CODE").tolist() == [b"AB", b"CD", b"", b"EF", b"GH"]
    assert t.column("FLAG").dtype == np.bool_
    with pytest.raises(tribit.InputError):
        t.column("NOPE")


def test_select_by_index_equals_pandas(transmart):
    csv, tb = transmart
    t = tribit.open(tb).tables["expr"]
    df = pd.read_csv(csv)
    patients = [1000003, 1000010, 1000011, 1000029]
    rows = t.select(PATIENT_ID=patients)
    assert rows.dtype == np.uint64
    want = np.flatnonzero(df["PATIENT_ID"].isin(patients).to_numpy())
    np.testing.assert_array_equal(rows, want)
    ranges = t.select(PATIENT_ID=patients, ranges=True)
    assert ranges.shape[1] == 2 and sum(int(b - a) for a, b in ranges) == len(want)
    rows = t.select(GENE_SYMBOL="G5", PROBESET_ID="200005_at", PATIENT_ID=1000002)
    want = df.index[(df.GENE_SYMBOL == "G5") & (df.PROBESET_ID == "200005_at") & (df.PATIENT_ID == 1000002)]
    assert rows.tolist() == want.tolist() and len(rows) == 1
    assert t.select(GENE_SYMBOL="no such gene").tolist() == []
    sub = t.to_pandas(columns=["PATIENT_ID", "RAW"], rows=t.select(PATIENT_ID=patients))
    exp = df[df.PATIENT_ID.isin(patients)][["PATIENT_ID", "RAW"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(sub, exp, check_dtype=False)
    with pytest.raises(tribit.InputError):
        t.select(NOPE=1)
    with pytest.raises(tribit.InputError):
        t.select(PATIENT_ID="not a number")
    with pytest.raises(TypeError):
        t.select(PATIENT_ID=[object()])


def test_duckdb_over_the_arrow_stream_matches_the_rust_engine(transmart, cli, tmp_path):
    csv, tb = transmart
    t = tribit.open(tb).tables["expr"]
    patients = [1000001, 1000004, 1000017, 1000018, 1000025]
    plist = tmp_path / "patients.txt"
    plist.write_text("".join(f"{p}\n" for p in patients))
    out = cli("query", tb, "--table", "expr", "--in", "PATIENT_ID", plist, "--columns", "RAW").stdout
    rust = pd.read_csv(io.StringIO(out))["RAW"]
    view = t.arrow(columns=["PATIENT_ID", "RAW"])  # noqa: F841 - read by DuckDB by name
    n, s = duckdb.sql(f"SELECT count(*), sum(RAW) FROM view WHERE PATIENT_ID IN ({','.join(map(str, patients))})").fetchall()[0]
    assert n == len(rust)
    assert s == pytest.approx(rust.sum(), rel=1e-12)
    # The table object itself is a stream too.
    total = duckdb.sql("SELECT sum(RAW) FROM t").fetchall()[0][0]
    assert total == pytest.approx(float(t.column("RAW").sum()), rel=1e-12)
    # A selection handed to DuckDB as a stream of its rows.
    sel = t.arrow(columns=["RAW"], rows=t.select(PATIENT_ID=patients))
    assert len(sel) == len(rust)
    assert duckdb.sql("SELECT sum(RAW) FROM sel").fetchall()[0][0] == pytest.approx(rust.sum(), rel=1e-12)


def test_polars_reads_the_stream(transmart):
    pl = pytest.importorskip("polars")
    t = tribit.open(transmart[1]).tables["expr"]
    df = pl.DataFrame(t.arrow(columns=["PATIENT_ID", "RAW"]))
    assert df.height == len(t)
    assert df["RAW"].sum() == pytest.approx(float(t.column("RAW").sum()), rel=1e-12)


def test_import_csv_inferred_and_bad_input(tmp_path):
    csv = tmp_path / "x.csv"
    csv.write_text(EVERY_TYPE_CSV, encoding="utf-8")
    out = tmp_path / "x.tbit"
    assert tribit.import_csv(csv, out, index=["GENE"], allow_multiline=True) == 5
    t = tribit.open(out).tables["x"]
    assert dict((n, ty) for n, ty, _ in t.schema)["ID"] == "i64"
    assert t.select(GENE="TP53").tolist() == [0, 2, 4]
    # A line break inside quotes is taken for a quote left open unless allowed.
    with pytest.raises(tribit.InputError, match="allow-multiline"):
        tribit.import_csv(csv, tmp_path / "strict.tbit", index=["GENE"])
    assert not (tmp_path / "strict.tbit").exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("A,B\n1,2\n3,x\n")
    with pytest.raises(tribit.InputError) as e:
        tribit.import_csv(bad, tmp_path / "bad.tbit", schema="A:i32,B:i32")
    assert e.value.line == 3 and "bad.csv" in str(e.value)
    assert not (tmp_path / "bad.tbit").exists()
    with pytest.raises(tribit.InputError):
        tribit.import_csv(csv, tmp_path / "y.tbit", delimiter="ab")
    with pytest.raises(tribit.InputError):
        tribit.import_csv(csv, tmp_path / "y.tbit", index=["NOPE"])


def test_a_damaged_table_raises_on_first_touch(every_type, tmp_path):
    data = bytearray(every_type[1].read_bytes())
    data[70] ^= 0x01  # a row byte: the TABLE section starts at 64
    bad = tmp_path / "bad.tbit"
    bad.write_bytes(bytes(data))
    f = tribit.open(bad)  # the header and directory are fine
    with pytest.raises(tribit.ChecksumError):
        f.tables["every"]


def test_threads_share_tables(transmart):
    from concurrent.futures import ThreadPoolExecutor

    t = tribit.open(transmart[1]).tables["expr"]
    want = t.to_arrow(columns=["RAW"]).column("RAW").to_pylist()
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: t.to_arrow(columns=["RAW"]).column("RAW").to_pylist(), range(8)))
    assert all(g == want for g in got)


def test_no_crash_on_hostile_calls(every_type):
    """Wrong types and odd values raise; the interpreter survives."""
    f = tribit.open(every_type[1])
    t = f.tables["every"]
    for call in [
        lambda: t.column(5),
        lambda: t.select(ID={"a": 1}),
        lambda: t.to_pandas(columns="ID"),
        lambda: t.to_arrow(rows=np.array([-1])),
        lambda: f.fetch("x"),
        lambda: f.kmer_count(5),
        lambda: tribit.open(None),
    ]:
        with pytest.raises(Exception):
            call()
    # Still alive, still answering.
    assert len(t) == 5
    r = subprocess.run(["python3", "-c", "print(1)"], capture_output=True)
    assert r.returncode == 0


def test_big_endian_files_give_the_same_views_and_arrow(tmp_path):
    csv = tmp_path / "e.csv"
    csv.write_text(EVERY_TYPE_CSV, encoding="utf-8")
    schema = "ID:i64,FLAG:bool?,SMALL:i8,COUNT:u32?,SCORE:f64?,NAME:dict,CODE:str(4)?,GENE:dict"
    tables = []
    for order in ["little", "big"]:
        out = tmp_path / f"{order}.tbit"
        tribit.import_csv(csv, out, schema=schema, index=["GENE"], byte_order=order, allow_multiline=True)
        tables.append(tribit.open(out).tables["e"])
    le, be = tables
    assert be.column("ID").dtype == np.dtype(">i8")
    for c in ["ID", "SMALL", "COUNT", "SCORE", "NAME"]:
        np.testing.assert_array_equal(le.column(c), be.column(c))
    assert le.to_numpy().tolist() == be.to_numpy().tolist()
    assert le.to_arrow().equals(be.to_arrow())
    assert le.select(GENE="TP53").tolist() == be.select(GENE="TP53").tolist() == [0, 2, 4]
    with pytest.raises(tribit.InputError):
        tribit.import_csv(csv, tmp_path / "x.tbit", byte_order="middle")


def test_index_files_answer_select_and_refuse_a_changed_table(transmart, cli, tmp_path):
    import pickle

    csv, tb = transmart
    side = tmp_path / "probeset.idx.tbit"
    cli("index", "add", tb, "--table", "expr", "--columns", "PROBESET_ID", "--index-file", side)
    f = tribit.open(tb, index_files=[str(side)])
    assert f.index_files == [str(side)]
    df = pd.read_csv(csv)
    rows = f.tables["expr"].select(PROBESET_ID="200007_at")
    want = np.flatnonzero((df["PROBESET_ID"] == "200007_at").to_numpy())
    np.testing.assert_array_equal(rows, want)
    # The index file travels with the file (pickle reopens both).
    g = pickle.loads(pickle.dumps(f))
    assert g.index_files == [str(side)]
    np.testing.assert_array_equal(g.tables["expr"].select(PROBESET_ID="200007_at"), want)
    # Another table of the same name: refused at open, saying what differs.
    other = tmp_path / "other.tbit"
    head = tmp_path / "head.csv"
    head.write_text("".join(open(csv).readlines()[:101]))
    cli("import", "csv", head, "-o", other, "--table", "expr")
    with pytest.raises(tribit.MismatchError) as e:
        tribit.open(other, index_files=[str(side)])
    assert "changed since the index file was built" in str(e.value)


def test_errors_name_the_spec_rule_they_break():
    """A FormatError names the SPEC.md rule as data (``.rule``), not only
    in its text: a column that overlaps another breaks [T7] at open."""
    bad = ROOT / "conformance" / "vectors" / "invalid" / "208_table_columns_overlap.tbit"
    with pytest.raises(tribit.FormatError) as e:
        tribit.open(bad).tables()
    assert e.value.rule == "T7"
    assert str(e.value).endswith("[T7]") and "[T7]" not in e.value.message
    # The header and directory rules (SPEC §2-§3) are named too.
    with pytest.raises(tribit.FormatError) as e:
        tribit.File.from_bytes(b"not a tribit file at all")
    assert e.value.rule == "H6"
    with pytest.raises(tribit.FormatError) as e:
        tribit.File.from_bytes(b"not a tribit file, but 64 bytes or more of it: " + bytes(64))
    assert e.value.rule == "H1"
