#!/usr/bin/env python3
"""SkyMap-shaped matrix questions: tribit against its peers, in one run.

A seeded f32 matrix of ROWS runs x COLS genes (default 20,000 x 20,000,
1.6 GB) is written as a .npy, imported with `tribit import matrix`, and
stored for the peers: numpy memmap row-major (runs contiguous, SkyMap's
choice) and column-major, HDF5 (h5py, chunked 256 x 256), Parquet
(pyarrow, one column per gene). Then, warm, each question is timed
(median of REPS) on each store:

  gene      one gene across all runs
  block     all genes of 1,000 neighbouring runs
  random    all genes of 1,000 random runs
  names     a 100 x 100 sub-block by run and gene names (tribit only: the
            peers have no names; their time for the same positions is shown)

With --shapes RxC,... the same matrix is also imported in those tile
shapes (rows x cells) and tribit alone is timed on each, for the choice of
the writer's default tile shape (SPEC §8.9).

Usage: python benches/matrix_peer.py [ROWS COLS] [--dir DIR] [--reps N] [--shapes RxC,...]
Needs numpy, h5py, pyarrow and the tribit package; TRIBIT_BIN or
target/release/tribit for the import.
"""

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np


def med(f, reps):
    """Median of REPS timed calls after a warm one (which also verifies the
    tiles it touches); a store whose first timed call takes over a second
    (Parquet and HDF5 on rows of a big matrix) is timed that once only.
    Returns (median, calls timed)."""
    f()  # warm
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
        if ts[0] > 1.0:
            break
    return statistics.median(ts), len(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", nargs="?", type=int, default=20000)
    ap.add_argument("cols", nargs="?", type=int, default=20000)
    ap.add_argument("--dir", default="/tmp/tribit_matrix_bench")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--shapes", default="", help="tile shapes to compare, e.g. 16x64,8x128")
    a = ap.parse_args()
    import h5py
    import pyarrow as pa
    import pyarrow.parquet as pq

    import tribit

    d = pathlib.Path(a.dir)
    d.mkdir(parents=True, exist_ok=True)
    R, C = a.rows, a.cols
    rng = np.random.default_rng(2024)
    rm = d / "rowmajor.npy"
    if not rm.exists():
        m = np.lib.format.open_memmap(rm, mode="w+", dtype="<f4", shape=(R, C))
        for i in range(0, R, 1000):
            m[i:i + 1000] = rng.random((min(1000, R - i), C), dtype=np.float32)
        m.flush()
        del m
    rowmajor = np.load(rm, mmap_mode="r")
    cm = d / "colmajor.npy"
    if not cm.exists():
        out = np.lib.format.open_memmap(cm, mode="w+", dtype="<f4", shape=(R, C), fortran_order=True)
        for j in range(0, C, 1000):
            out[:, j:j + 1000] = rowmajor[:, j:j + 1000]
        out.flush()
        del out
    colmajor = np.load(cm, mmap_mode="r")
    runs = [f"SRR{i:08d}" for i in range(R)]
    genes = [f"ENSG{j:011d}" for j in range(C)]
    tb = d / "m.tbit"
    exe = os.environ.get("TRIBIT_BIN", str(pathlib.Path(__file__).resolve().parents[1] / "target/release/tribit"))
    if not tb.exists():
        (d / "runs.txt").write_text("\n".join(runs) + "\n")
        (d / "genes.txt").write_text("\n".join(genes) + "\n")
        t = time.perf_counter()
        subprocess.run([exe, "-q", "import", "matrix", str(rm), "-o", str(tb), "--name", "expr",
                        "--row-names", str(d / "runs.txt"), "--col-names", str(d / "genes.txt")], check=True)
        print(f"tribit import: {time.perf_counter() - t:.1f} s")
    h5 = d / "m.h5"
    if not h5.exists():
        with h5py.File(h5, "w") as f:
            ds = f.create_dataset("expr", shape=(R, C), dtype="<f4", chunks=(256, 256))
            for i in range(0, R, 1024):
                ds[i:i + 1024] = rowmajor[i:i + 1024]
    pqf = d / "m.parquet"
    if not pqf.exists():
        w = None
        for i in range(0, R, 2000):
            block = np.asarray(rowmajor[i:i + 2000])
            t = pa.table({genes[j]: block[:, j] for j in range(C)})
            if w is None:
                w = pq.ParquetWriter(pqf, t.schema)
            w.write_table(t)
        w.close()
    m = tribit.File(str(tb)).matrices["expr"]
    h = h5py.File(h5, "r")["expr"]
    pf = pq.ParquetFile(pqf)
    g = C // 3
    b0 = R // 2
    rand = np.sort(rng.choice(R, size=min(1000, R), replace=False))
    sub_r = [runs[i] for i in rng.choice(R, 100, replace=False)]
    sub_c = [genes[j] for j in rng.choice(C, 100, replace=False)]
    sub_ri = [int(s[3:]) for s in sub_r]
    sub_ci = [int(s[4:]) for s in sub_c]
    questions = {
        "gene": {
            "tribit": lambda: m.iloc[:, g],
            "numpy row-major": lambda: np.array(rowmajor[:, g]),
            "numpy col-major": lambda: np.array(colmajor[:, g]),
            "hdf5 chunked": lambda: h[:, g],
            "parquet": lambda: pf.read(columns=[genes[g]]).column(0).to_numpy(),
        },
        "block": {
            "tribit": lambda: m.iloc[b0:b0 + 1000, :],
            "numpy row-major": lambda: np.array(rowmajor[b0:b0 + 1000]),
            "numpy col-major": lambda: np.array(colmajor[b0:b0 + 1000]),
            "hdf5 chunked": lambda: h[b0:b0 + 1000, :],
            "parquet": lambda: pq.read_table(pqf).slice(b0, 1000),
        },
        "random": {
            "tribit": lambda: m.iloc[rand, :],
            "numpy row-major": lambda: rowmajor[rand],
            "numpy col-major": lambda: colmajor[rand],
            "hdf5 chunked": lambda: h[rand, :],
            "parquet": lambda: pq.read_table(pqf).take(rand),
        },
        "names": {
            "tribit": lambda: m.loc[sub_r, sub_c],
            "numpy row-major": lambda: rowmajor[np.ix_(sub_ri, sub_ci)],
            "numpy col-major": lambda: colmajor[np.ix_(sub_ri, sub_ci)],
            "hdf5 chunked": lambda: h[np.sort(sub_ri), :][:, np.sort(sub_ci)],
        },
    }
    assert np.array_equal(m.iloc[:, g].ravel(), np.asarray(rowmajor[:, g]))
    assert np.array_equal(m.iloc[rand, :], rowmajor[rand])
    assert np.array_equal(m.loc[sub_r, sub_c], rowmajor[np.ix_(sub_ri, sub_ci)])
    print(f"matrix {R} x {C} f32 ({R * C * 4 / 1e9:.2f} GB raw); medians of {a.reps}, warm; ratio = time / tribit")
    raw = R * C * 4
    print("load average (1 min) at start: %.1f on %d cores" % (os.getloadavg()[0], os.cpu_count()))
    print(f"sizes: tribit {tb.stat().st_size / raw:.4f} x raw, hdf5 {h5.stat().st_size / raw:.4f} x, "
          f"parquet {pqf.stat().st_size / raw:.4f} x")
    for q, peers in questions.items():
        times = {name: med(f, a.reps) for name, f in peers.items()}
        base = times["tribit"][0]
        line = "  ".join(f"{k} {v * 1e3:.3f} ms ({v / base:.2f}x{'' if n == a.reps else f', {n} call'})"
                         for k, (v, n) in times.items())
        print(f"{q:7s} {line}", flush=True)
    for shape in filter(None, a.shapes.split(",")):
        tr, tc = shape.split("x")
        p = d / f"m_{tr}x{tc}.tbit"
        if not p.exists():
            subprocess.run([exe, "-q", "import", "matrix", str(rm), "-o", str(p), "--name", "expr",
                            "--tile-rows", tr, "--tile-cols", tc], check=True)
        t = tribit.File(str(p)).matrices["expr"]
        qs = {"gene": lambda: t.iloc[:, g], "block": lambda: t.iloc[b0:b0 + 1000, :],
              "random": lambda: t.iloc[rand, :]}
        print(f"tiles {shape:8s} " + "  ".join(f"{q} {med(f, a.reps)[0] * 1e3:.3f} ms" for q, f in qs.items()),
              flush=True)
    print("load average (1 min) at end: %.1f" % os.getloadavg()[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
