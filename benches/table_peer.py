#!/usr/bin/env python3
"""Peers of examples/table_queries.rs: SQLite (stdlib sqlite3) and DuckDB
(pip `duckdb`) on the same tranSMART-shaped CSV, with the same patients,
keys and probeset (the plan JSON that `table_queries --plan-out` writes).

    table_peer.py --engine sqlite|duckdb --csv FILE --plan PLAN.json \
                  --db FILE [--reps N] [--slow-reps N] [--reuse]

Load (timed, printed as JSON lines `load` and, for SQLite, `index`):

* SQLite: a file database; `CREATE TABLE` with declared types (TEXT,
  INTEGER, REAL), then in ONE transaction: the rows by `executemany` from
  `csv.reader` (fields passed as text: column affinity converts them to
  INTEGER/REAL in C, as a typed load would), timed as `load`; then the
  index on PATIENT_ID and the one on (GENE_SYMBOL, PROBESET_ID,
  PATIENT_ID) and the COMMIT, timed as `index`. Bulk-load settings:
  journal_mode=OFF, synchronous=OFF, cache_size 1 GiB.
* DuckDB: a file database; `CREATE TABLE t AS SELECT * FROM read_csv(...)`
  with the column types given (RAW DOUBLE as tribit's f64, LOG and ZSCORE
  FLOAT as tribit's f32, PATIENT_ID INTEGER) and a CHECKPOINT, timed as
  `load`. No index (DuckDB's zone maps prune row groups by PATIENT_ID, as
  the rows are ordered by patient).

Cases (one untimed warm-up, then timed runs; median):

* A1: `SELECT count(*), sum(RAW) FROM t WHERE PATIENT_ID IN (?, ...)` with
  the plan's a1_patients (213 at full scale), one prepared statement;
* G: the same with every patient;
* L: the plan's keys, one prepared point query each in a Python loop:
  `SELECT RAW FROM t WHERE GENE_SYMBOL=? AND PROBESET_ID=? AND PATIENT_ID=?`
  (SQLite: the statement cache of sqlite3 keeps it prepared; DuckDB's
  Python API has no prepared-statement object, so each `execute` with
  parameters re-binds the same SQL text: that is the loop a DuckDB user
  writes, and what is timed). us_per_lookup is reported;
* L_batch (DuckDB only, for information): the same keys in one query, a
  join with a temporary table of the keys (a different, batch question);
* P: `SELECT count(*), sum(RAW) FROM t WHERE GENE_SYMBOL=? AND
  PROBESET_ID=?` for the plan's probeset (SQLite answers it from the
  prefix of the composite index).

Slow cases (SQLite G, DuckDB L) use --slow-reps timed runs (default 3).
Each JSON line: {"engine", "case", "seconds", "min_seconds", "rows",
"sum", "reps", "cpu_seconds", ...}; cpu_seconds is the median on-CPU time
(SQLite: of the calling thread; DuckDB: of the whole process, all its
threads), to tell work from waiting for a CPU on a loaded machine.
"""

import argparse
import csv
import json
import os
import statistics
import sys
import time


def emit(engine, case, seconds, rows, total, reps, **extra):
    o = {"engine": engine, "case": case, "seconds": seconds, "rows": rows, "sum": total, "reps": reps}
    if case not in ("load", "index", "load_index") and LAST_CPU[0] is not None:
        o["cpu_seconds"] = LAST_CPU[0]
    o.update(extra)
    print(json.dumps(o), flush=True)
    print(f"table_peer: {engine:<7} {case:<8} {seconds:12.6f} s rows {rows} sum {total!r}", file=sys.stderr, flush=True)


# On-CPU time: SQLite runs in the calling thread (thread_time); DuckDB runs
# on its own worker threads too (process_time: all threads of the process).
CPU_CLOCK = time.thread_time
LAST_CPU = [None]


def bench(reps, fn):
    """One untimed warm-up, then `reps` timed runs; (median, min, rows, sum).
    The median on-CPU time is left in LAST_CPU[0]."""
    first = fn()
    times, cpu = [], []
    for _ in range(reps):
        c = CPU_CLOCK()
        t = time.perf_counter()
        got = fn()
        times.append(time.perf_counter() - t)
        cpu.append(CPU_CLOCK() - c)
        # Rows must repeat exactly; a parallel sum (DuckDB) may change in
        # its last bits with the order of the partial sums.
        if got[0] != first[0] or abs((got[1] or 0.0) - (first[1] or 0.0)) > 1e-12 * abs(first[1] or 1.0):
            sys.exit(f"table_peer: a repetition gave {got}, the first {first}")
    LAST_CPU[0] = statistics.median(cpu)
    return statistics.median(times), min(times), first[0], first[1]


def placeholders(n):
    return ",".join("?" * n)


def sql_string(s):
    return "'" + s.replace("'", "''") + "'"


def run_sqlite(a, plan):
    import sqlite3

    engine = "sqlite"
    if not a.reuse or not os.path.exists(a.db):
        for suffix in ("", "-journal", "-wal", "-shm"):
            if os.path.exists(a.db + suffix):
                os.remove(a.db + suffix)
        con = sqlite3.connect(a.db, isolation_level=None)
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-1048576")
        con.execute(
            "CREATE TABLE t (TRIAL_NAME TEXT, PATIENT_ID INTEGER, GENE_SYMBOL TEXT, "
            "PROBESET_ID TEXT, RAW REAL, LOG REAL, ZSCORE REAL)"
        )
        t0 = time.perf_counter()
        con.execute("BEGIN")
        with open(a.csv, newline="") as f:
            r = csv.reader(f)
            header = next(r)
            if header != ["TRIAL_NAME", "PATIENT_ID", "GENE_SYMBOL", "PROBESET_ID", "RAW", "LOG", "ZSCORE"]:
                sys.exit(f"table_peer: unexpected CSV header {header}")
            con.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?)", r)
        t1 = time.perf_counter()
        con.execute("CREATE INDEX ix_patient ON t (PATIENT_ID)")
        con.execute("CREATE INDEX ix_key ON t (GENE_SYMBOL, PROBESET_ID, PATIENT_ID)")
        con.execute("COMMIT")
        t2 = time.perf_counter()
        (n,) = con.execute("SELECT count(*) FROM t").fetchone()
        emit(engine, "load", t1 - t0, n, 0.0, 1)
        emit(engine, "index", t2 - t1, n, 0.0, 1)
        emit(engine, "load_index", t2 - t0, n, 0.0, 1, db_bytes=os.path.getsize(a.db))
        types = con.execute("SELECT typeof(PATIENT_ID), typeof(RAW) FROM t LIMIT 1").fetchone()
        if types != ("integer", "real"):
            sys.exit(f"table_peer: SQLite stored PATIENT_ID, RAW as {types}")
        con.close()
    con = sqlite3.connect(a.db, isolation_level=None, cached_statements=256)
    con.execute("PRAGMA cache_size=-1048576")
    cur = con.cursor()

    def in_list(ids):
        sql = f"SELECT count(*), sum(RAW) FROM t WHERE PATIENT_ID IN ({placeholders(len(ids))})"
        plan_rows = con.execute("EXPLAIN QUERY PLAN " + sql, ids).fetchall()
        return sql, " | ".join(str(p[-1]) for p in plan_rows)

    for case, ids, reps in (
        ("A1", plan["a1_patients"], a.reps),
        ("G", plan["all_patients"], a.slow_reps),
    ):
        sql, qp = in_list(ids)
        med, mn, rows, total = bench(reps, lambda: tuple(cur.execute(sql, ids).fetchone()))
        emit(engine, case, med, rows, total or 0.0, reps, min_seconds=mn, plan=qp)

    keys = [tuple(k) for k in plan["keys"]]
    sql = "SELECT RAW FROM t WHERE GENE_SYMBOL=? AND PROBESET_ID=? AND PATIENT_ID=?"
    qp = " | ".join(str(p[-1]) for p in con.execute("EXPLAIN QUERY PLAN " + sql, keys[0]).fetchall())

    def lookups():
        found, total = 0, 0.0
        for k in keys:
            for (raw,) in cur.execute(sql, k):
                found += 1
                total += raw
        return found, total

    med, mn, rows, total = bench(a.reps, lookups)
    emit(engine, "L", med, rows, total, a.reps, min_seconds=mn, lookups=len(keys),
         us_per_lookup=med * 1e6 / max(1, len(keys)), plan=qp)

    p = plan["probe"]
    sql = "SELECT count(*), sum(RAW) FROM t WHERE GENE_SYMBOL=? AND PROBESET_ID=?"
    args = (p["gene"], p["probeset"])
    qp = " | ".join(str(x[-1]) for x in con.execute("EXPLAIN QUERY PLAN " + sql, args).fetchall())
    med, mn, rows, total = bench(a.reps, lambda: tuple(cur.execute(sql, args).fetchone()))
    emit(engine, "P", med, rows, total or 0.0, a.reps, min_seconds=mn, plan=qp)
    con.close()


def run_duckdb(a, plan):
    import duckdb

    global CPU_CLOCK
    CPU_CLOCK = time.process_time
    engine = "duckdb"
    if not a.reuse or not os.path.exists(a.db):
        for suffix in ("", ".wal"):
            if os.path.exists(a.db + suffix):
                os.remove(a.db + suffix)
        con = duckdb.connect(a.db)
        t0 = time.perf_counter()
        con.execute(
            "CREATE TABLE t AS SELECT * FROM read_csv(" + sql_string(a.csv) + ", header=true, delim=',', "
            "columns={'TRIAL_NAME': 'VARCHAR', 'PATIENT_ID': 'INTEGER', 'GENE_SYMBOL': 'VARCHAR', "
            "'PROBESET_ID': 'VARCHAR', 'RAW': 'DOUBLE', 'LOG': 'FLOAT', 'ZSCORE': 'FLOAT'})"
        )
        con.execute("CHECKPOINT")
        t1 = time.perf_counter()
        (n,) = con.execute("SELECT count(*) FROM t").fetchone()
        emit(engine, "load", t1 - t0, n, 0.0, 1, db_bytes=os.path.getsize(a.db))
        con.close()
    con = duckdb.connect(a.db)
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]

    for case, ids in (("A1", plan["a1_patients"]), ("G", plan["all_patients"])):
        sql = f"SELECT count(*), sum(RAW) FROM t WHERE PATIENT_ID IN ({placeholders(len(ids))})"
        med, mn, rows, total = bench(a.reps, lambda: tuple(con.execute(sql, ids).fetchone()))
        emit(engine, case, med, rows, total or 0.0, a.reps, min_seconds=mn, threads=threads)

    keys = [list(k) for k in plan["keys"]]
    sql = "SELECT RAW FROM t WHERE GENE_SYMBOL=? AND PROBESET_ID=? AND PATIENT_ID=?"

    def lookups():
        found, total = 0, 0.0
        for k in keys:
            for (raw,) in con.execute(sql, k).fetchall():
                found += 1
                total += raw
        return found, total

    med, mn, rows, total = bench(a.slow_reps, lookups)
    emit(engine, "L", med, rows, total, a.slow_reps, min_seconds=mn, lookups=len(keys),
         us_per_lookup=med * 1e6 / max(1, len(keys)), threads=threads)

    con.execute("CREATE OR REPLACE TEMP TABLE keys (i INTEGER, g VARCHAR, p VARCHAR, id INTEGER)")
    con.executemany("INSERT INTO keys VALUES (?, ?, ?, ?)", [[i] + k for i, k in enumerate(keys)])
    sql = ("SELECT count(*), sum(t.RAW) FROM keys k JOIN t ON t.GENE_SYMBOL = k.g AND "
           "t.PROBESET_ID = k.p AND t.PATIENT_ID = k.id")
    med, mn, rows, total = bench(a.reps, lambda: tuple(con.execute(sql).fetchone()))
    emit(engine, "L_batch", med, rows, total or 0.0, a.reps, min_seconds=mn, lookups=len(keys), threads=threads)

    p = plan["probe"]
    sql = "SELECT count(*), sum(RAW) FROM t WHERE GENE_SYMBOL=? AND PROBESET_ID=?"
    args = [p["gene"], p["probeset"]]
    med, mn, rows, total = bench(a.reps, lambda: tuple(con.execute(sql, args).fetchone()))
    emit(engine, "P", med, rows, total or 0.0, a.reps, min_seconds=mn, threads=threads)
    con.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", choices=["sqlite", "duckdb"], required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--plan", required=True, help="JSON from table_queries --plan-out")
    ap.add_argument("--db", required=True, help="database file (re-created unless --reuse)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--slow-reps", type=int, default=3)
    ap.add_argument("--reuse", action="store_true", help="keep an existing database (no load timing)")
    a = ap.parse_args()
    with open(a.plan) as f:
        plan = json.load(f)
    if a.engine == "sqlite":
        run_sqlite(a, plan)
    else:
        run_duckdb(a, plan)


if __name__ == "__main__":
    main()
