"""Matrices (SPEC §8.9) from Python: TSV and .npy round trips in both byte
orders, name lookups, pandas, and damaged files refused."""

import numpy as np
import pytest

import tribit


def seeded(rows, cols, dtype, seed=7):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return (rng.integers(-2**20, 2**20, size=(rows, cols)) / 8).astype(dtype)
    native = np.dtype(dtype).newbyteorder("=")
    return rng.integers(0, np.iinfo(native).max - 1, size=(rows, cols), dtype=native).astype(dtype)


@pytest.mark.parametrize("order", ["little", "big"])
@pytest.mark.parametrize("dtype", ["<f4", ">f8", "<u2", ">u4"])
def test_npy_round_trip_is_exact(tmp_path, cli, order, dtype):
    a = seeded(37, 70, dtype)
    np.save(tmp_path / "a.npy", a)
    out = tmp_path / "a.tbit"
    cli("import", "matrix", tmp_path / "a.npy", "-o", out, "--name", "m", "--byte-order", order,
        "--tile-rows", "5")
    m = tribit.File(str(out)).matrices["m"]
    assert m.shape == (37, 70)
    assert m.dtype == np.dtype(dtype).newbyteorder("=")
    got = m.to_numpy()
    assert np.array_equal(got, a)
    # Positions in any order, repeats included, as numpy fancy indexing gives.
    rows, cols = [36, 0, 5, 5], [69, 3, 4, 64, 0]
    assert np.array_equal(m.iloc[rows, cols], a[np.ix_(rows, cols)])
    assert np.array_equal(m.iloc[3:9, -1], a[3:9, -1:])


@pytest.mark.parametrize("order", ["little", "big"])
def test_tsv_round_trip_names_and_nulls(tmp_path, cli, order):
    a = seeded(25, 9, np.float32)
    rows = [f"SRR{i:04d}" for i in range(25)]
    cols = [f"G{j}" for j in range(9)]
    lines = ["run\t" + "\t".join(cols)]
    for i, r in enumerate(rows):
        cells = ["" if (i * 9 + j) % 13 == 0 else repr(float(a[i, j])) for j in range(9)]
        lines.append(r + "\t" + "\t".join(cells))
    (tmp_path / "m.tsv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "m.tbit"
    cli("import", "matrix", tmp_path / "m.tsv", "-o", out, "--name", "expr", "--byte-order", order)
    f = tribit.File(str(out))
    assert list(f.matrices) == ["expr"]
    m = f.matrices["expr"]
    assert m.row_names == rows and m.col_names == cols
    assert m.null_value == 0x7FC00001
    got = m.loc[["SRR0024", "SRR0003"], ["G8", "G0"]]
    for gi, i in enumerate([24, 3]):
        for gj, j in enumerate([8, 0]):
            if (i * 9 + j) % 13 == 0:
                assert np.isnan(got[gi, gj])
            else:
                assert got[gi, gj] == a[i, j]
    df = m.to_pandas(rows=["SRR0001"], cols=["G1", "G2"])
    assert list(df.columns) == ["G1", "G2"] and list(df.index) == ["SRR0001"]
    assert df.loc["SRR0001", "G2"] == a[1, 2]
    with pytest.raises(tribit.NotFoundError, match="no row named 'nope'"):
        m.loc[["nope"], :]
    with pytest.raises(tribit.NotFoundError, match="no matrix 'x'"):
        f.matrices["x"]


def test_integer_nulls_become_pandas_na(tmp_path, cli):
    (tmp_path / "c.tsv").write_text("run\ta\tb\nr1\t1\t\nr2\t3\t4\n")
    out = tmp_path / "c.tbit"
    cli("import", "matrix", tmp_path / "c.tsv", "-o", out, "--type", "u32")
    m = tribit.File(str(out)).matrices["c"]
    assert m.null_value == 0xFFFFFFFF
    df = m.to_pandas()
    assert df.loc["r1", "b"] is pd_na() and df.loc["r2", "b"] == 4


def pd_na():
    import pandas as pd
    return pd.NA


def test_damaged_tile_and_truncated_file_are_refused(tmp_path, cli):
    a = seeded(40, 64, np.float32)
    np.save(tmp_path / "a.npy", a)
    out = tmp_path / "a.tbit"
    cli("import", "matrix", tmp_path / "a.npy", "-o", out, "--name", "m")
    data = bytearray(out.read_bytes())
    # The tiles are the first section: flip a bit of cell (0, 0).
    data[64] ^= 1
    m = tribit.File.from_bytes(bytes(data)).matrices["m"]
    assert np.array_equal(m.iloc[[39], [63]], a[[39]][:, [63]])   # another tile reads
    with pytest.raises(tribit.ChecksumError, match=r"\[MX7\]"):
        m.iloc[[0], [0]]
    with pytest.raises(tribit.Error):
        tribit.File.from_bytes(out.read_bytes()[:-100])
