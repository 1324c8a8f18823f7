#!/usr/bin/env python3
"""tribit from Python beside its Python peers, in one run on one machine.

    python_peer.py sequences --fasta G.fa [--tbit G.tbit] [--regions 10000] [--reps 7]
    python_peer.py tables --csv EXPR.csv [--tbit EXPR.tbit] [--reps 7]

sequences: 10,000 random 100-bp regions of the longest sequence (seeded),
  fetched one by one as `f[name][a:b]` (and through a record bound once), by
  one batch call (list of str, and one uint8 array), by pyfaidx
  (`Fasta(..., as_raw=True)`, `fa[name][a:b]`), and by py2bit on a .2bit
  of the same genome that this script writes (py2bit only reads). Every
  peer's letters are checked against tribit's (py2bit upper-cased: it drops
  the soft mask unless asked).
tables: the tranSMART shape of examples/gen_transmart.rs. A1 = all rows of
  213/559 of the patients (seeded), sum RAW: tribit selects the rows by the
  PATIENT_ID index and sums RAW through the zero-copy numpy view; DuckDB's
  Python API runs `SELECT sum(RAW) ... WHERE PATIENT_ID IN (...)` on a
  table loaded from the same CSV (in memory). Then the same rows as a pandas
  DataFrame: `Table.to_pandas(rows=...)` against DuckDB's `.df()`. And the
  resident memory (anonymous, i.e. copies, and file-backed, i.e. mapped
  pages touched) that opening, a column view and reading it cost.

One untimed warm-up, then --reps timed runs; medians, and the ratio
peer/tribit (above 1: tribit is faster). Needs: numpy, pandas, pyarrow,
pyfaidx, py2bit (optional), duckdb, and the tribit package.
"""

import argparse
import json
import os
import random
import statistics
import struct
import sys
import tempfile
import time

import numpy as np

import tribit


def median_time(fn, reps):
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def rss():
    """(anonymous, file-backed) resident bytes of this process."""
    got = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("RssAnon:", "RssFile:")):
                k, v = line.split(":")
                got[k] = int(v.split()[0]) * 1024
    return got["RssAnon"], got["RssFile"]


def report(rows):
    for r in rows:
        print(json.dumps(r))
    print()
    w = max(len(r["case"]) for r in rows)
    for r in rows:
        extra = f"  x{r['ratio']:.2f} vs tribit" if "ratio" in r else ""
        print(f"{r['case']:<{w}}  {r['engine']:<8}  {r['value']:>12.3f} {r['unit']}{extra}")


# ---------------------------------------------------------------- 2bit


def write_2bit(fasta, out):
    """A UCSC .2bit of `fasta` (N runs and soft mask kept), for py2bit."""
    seqs = []
    name, parts = None, []
    with open(fasta) as f:
        for line in f:
            if line.startswith(">"):
                if name is not None:
                    seqs.append((name, "".join(parts)))
                name, parts = line[1:].split()[0], []
            else:
                parts.append(line.strip())
    if name is not None:
        seqs.append((name, "".join(parts)))
    code = bytes.maketrans(b"TCAGtcag", b"\x00\x01\x02\x03\x00\x01\x02\x03")

    def runs(s, pred):
        starts, sizes, i = [], [], 0
        n = len(s)
        while i < n:
            if pred(s[i]):
                j = i
                while j < n and pred(s[j]):
                    j += 1
                starts.append(i)
                sizes.append(j - i)
                i = j
            else:
                i += 1
        return starts, sizes

    records = []
    for name, s in seqs:
        nst, nsz = runs(s, lambda c: c in "Nn")
        mst, msz = runs(s, str.islower)
        b = np.frombuffer(s.encode().translate(code), dtype=np.uint8).copy()
        b[b > 3] = 0  # N and other letters: stored as T, masked by N runs
        pad = (-len(b)) % 4
        b = np.concatenate([b, np.zeros(pad, np.uint8)]).reshape(-1, 4)
        packed = (b[:, 0] << 6 | b[:, 1] << 4 | b[:, 2] << 2 | b[:, 3]).astype(np.uint8).tobytes()
        rec = struct.pack("<II", len(s), len(nst))
        rec += struct.pack(f"<{len(nst)}I", *nst) + struct.pack(f"<{len(nsz)}I", *nsz)
        rec += struct.pack("<I", len(mst)) + struct.pack(f"<{len(mst)}I", *mst) + struct.pack(f"<{len(msz)}I", *msz)
        rec += struct.pack("<I", 0) + packed
        records.append((name, rec))
    index_len = sum(1 + len(n.encode()) + 4 for n, _ in records)
    offset = 16 + index_len
    with open(out, "wb") as f:
        f.write(struct.pack("<IIII", 0x1A412743, 0, len(records), 0))
        for name, rec in records:
            f.write(struct.pack("<B", len(name.encode())) + name.encode() + struct.pack("<I", offset))
            offset += len(rec)
        for _, rec in records:
            f.write(rec)


# ---------------------------------------------------------------- sequences


def sequences(a):
    import pyfaidx

    tbit = a.tbit or os.path.join(tempfile.mkdtemp(), "g.tbit")
    if not a.tbit or not os.path.exists(tbit):
        tribit.import_fasta(a.fasta, tbit)
    f = tribit.open(tbit)
    name = max(f.keys(), key=lambda k: len(f[k]))
    n = len(f[name])
    rng = random.Random(a.seed)
    starts = [rng.randrange(0, n - 100) for _ in range(a.regions)]
    regions = [(name, s, s + 100) for s in starts]
    want = f.fetch_many(regions)
    rows = []

    def add(case, engine, seconds, per=a.regions):
        rows.append({"case": case, "engine": engine, "value": seconds / per * 1e6, "unit": "us/region", "seconds": seconds})

    def single():
        for s in starts:
            f[name][s:s + 100]

    rec = f[name]

    def single_bound():
        for s in starts:
            rec[s:s + 100]

    add("fetch single f[name][a:b]", "tribit", median_time(single, a.reps))
    add("fetch single rec[a:b]", "tribit", median_time(single_bound, a.reps))
    add("fetch batch (list of str)", "tribit", median_time(lambda: f.fetch_many(regions), a.reps))
    add("fetch batch (uint8 array)", "tribit", median_time(lambda: f.fetch_many(regions, as_array=True), a.reps))
    base = rows[0]["value"]

    fa = pyfaidx.Fasta(a.fasta, as_raw=True, sequence_always_upper=False)
    assert [fa[name][s:s + 100] for s in starts[:500]] == want[:500], "pyfaidx letters differ"

    def pyfaidx_single():
        for s in starts:
            fa[name][s:s + 100]

    add("fetch single f[name][a:b]", "pyfaidx", median_time(pyfaidx_single, a.reps))
    rows[-1]["ratio"] = rows[-1]["value"] / base
    try:
        import py2bit
    except ImportError:
        print("py2bit is not installed: skipped", file=sys.stderr)
    else:
        tb2 = os.path.join(os.path.dirname(tbit), "g.2bit")
        write_2bit(a.fasta, tb2)
        t2 = py2bit.open(tb2)
        assert [t2.sequence(name, s, s + 100) for s in starts[:500]] == [w.upper() for w in want[:500]], "py2bit letters differ"

        def py2bit_single():
            for s in starts:
                t2.sequence(name, s, s + 100)

        add("fetch single f[name][a:b]", "py2bit", median_time(py2bit_single, a.reps))
        rows[-1]["ratio"] = rows[-1]["value"] / base
    print(f"# {a.regions} random 100-bp regions of {name} ({n:,} bases), genome {os.path.getsize(a.fasta):,} bytes of FASTA")
    report(rows)


# ---------------------------------------------------------------- tables

SCHEMA = "TRIAL_NAME:dict,PATIENT_ID:i32,GENE_SYMBOL:dict,PROBESET_ID:dict,RAW:f64,LOG:f32,ZSCORE:f32"


def tables(a):
    import duckdb

    tbit = a.tbit or os.path.join(tempfile.mkdtemp(), "expr.tbit")
    if not a.tbit or not os.path.exists(tbit):
        tribit.import_csv(a.csv, tbit, table="expr", schema=SCHEMA,
                          index=["PATIENT_ID", "GENE_SYMBOL,PROBESET_ID,PATIENT_ID"])
    # Drop the file's pages from the page cache first where allowed, so the
    # file-backed figures count what this process touches.
    with open(tbit, "rb") as fh:
        os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    rss0 = rss()
    t = tribit.open(tbit).tables["expr"]  # opening verifies every checksum: reads the file once
    rss_open = rss()
    raw = t.column("RAW")
    rss_view = rss()
    patients_all = np.unique(t.column("PATIENT_ID")).tolist()
    rng = random.Random(a.seed)
    k = max(1, round(len(patients_all) * 213 / 559))
    patients = sorted(rng.sample(patients_all, k))

    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM read_csv(?, header=true, columns={"
        "'TRIAL_NAME':'VARCHAR','PATIENT_ID':'INTEGER','GENE_SYMBOL':'VARCHAR','PROBESET_ID':'VARCHAR',"
        "'RAW':'DOUBLE','LOG':'FLOAT','ZSCORE':'FLOAT'})",
        [a.csv],
    )
    load = time.perf_counter() - t0
    in_list = ",".join(map(str, patients))
    sql_sum = f"SELECT count(*), sum(RAW) FROM t WHERE PATIENT_ID IN ({in_list})"
    sql_rows = f"SELECT * FROM t WHERE PATIENT_ID IN ({in_list})"

    def tribit_a1():
        ranges = t.select(PATIENT_ID=patients, ranges=True)
        col = t.column("RAW")
        return int((ranges[:, 1] - ranges[:, 0]).sum()), float(sum(col[s:e].sum() for s, e in ranges))

    def duck_a1():
        return con.execute(sql_sum).fetchall()[0]

    n1, s1 = tribit_a1()
    n2, s2 = duck_a1()
    assert n1 == n2 and abs(s1 - s2) <= 1e-9 * abs(s2), (n1, s1, n2, s2)
    rows = []
    tr = median_time(tribit_a1, a.reps)
    rows.append({"case": "A1 select + sum RAW", "engine": "tribit", "value": tr * 1e3, "unit": "ms", "rows": n1})
    du = median_time(duck_a1, a.reps)
    rows.append({"case": "A1 select + sum RAW", "engine": "duckdb", "value": du * 1e3, "unit": "ms", "rows": n2, "ratio": du / tr})

    sel = t.select(PATIENT_ID=patients)
    df1 = t.to_pandas(rows=sel)
    df2 = con.execute(sql_rows).df()
    assert len(df1) == len(df2) and abs(df1["RAW"].sum() - df2["RAW"].sum()) <= 1e-9 * abs(df2["RAW"].sum())
    tr = median_time(lambda: t.to_pandas(rows=t.select(PATIENT_ID=patients)), a.reps)
    rows.append({"case": "A1 rows to pandas", "engine": "tribit", "value": tr * 1e3, "unit": "ms", "rows": len(df1)})
    du = median_time(lambda: con.execute(sql_rows).df(), a.reps)
    rows.append({"case": "A1 rows to pandas", "engine": "duckdb", "value": du * 1e3, "unit": "ms", "rows": len(df2), "ratio": du / tr})

    # Memory: a column view costs nothing until read; reading a tenth of it
    # maps only those pages.
    before = rss()
    part = float(raw[: len(raw) // 10].sum())
    after = rss()
    mib = 2**20
    size = os.path.getsize(tbit) / mib
    rows.append({"case": "RSS anon: open (verify)", "engine": "tribit", "value": (rss_open[0] - rss0[0]) / mib, "unit": "MiB"})
    rows.append({"case": "RSS file: open (verify)", "engine": "tribit", "value": (rss_open[1] - rss0[1]) / mib, "unit": "MiB",
                 "file_mib": size})
    rows.append({"case": "RSS anon+file: column view", "engine": "tribit",
                 "value": (sum(rss_view) - sum(rss_open)) / mib, "unit": "MiB"})
    rows.append({"case": "RSS anon: sum 1/10 of view", "engine": "tribit", "value": (after[0] - before[0]) / mib, "unit": "MiB",
                 "sum": part})
    print(f"# {len(t):,} rows, {len(patients_all)} patients, A1 = {len(patients)} patients; DuckDB load {load:.2f} s (in memory)")
    report(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    s = sub.add_parser("sequences")
    s.add_argument("--fasta", required=True)
    s.add_argument("--tbit")
    s.add_argument("--regions", type=int, default=10000)
    s.add_argument("--reps", type=int, default=7)
    s.add_argument("--seed", type=int, default=42)
    t = sub.add_parser("tables")
    t.add_argument("--csv", required=True)
    t.add_argument("--tbit")
    t.add_argument("--reps", type=int, default=7)
    t.add_argument("--seed", type=int, default=24080)
    a = p.parse_args()
    sequences(a) if a.what == "sequences" else tables(a)


if __name__ == "__main__":
    main()
