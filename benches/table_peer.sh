#!/usr/bin/env bash
# Peer comparison on the tranSMART-shaped table: tribit vs SQLite vs DuckDB,
# same machine, same run, same CSV, same patients and keys.
#
#   benches/table_peer.sh [options]
#
#   --patients N     patients of the synthetic CSV (default 559)
#   --probesets M    probesets of the synthetic CSV (default 54675;
#                    559 x 54675 = 30,563,325 rows, ~1.76 GB of CSV)
#   --seed S         seed of the CSV, the patients and the keys (default 24080)
#   --reps N         timed repetitions per case, median reported (default 5;
#                    tribit uses 2N+1 of them, it is cheap)
#   --slow-reps N    repetitions of the slow peer cases: SQLite G, DuckDB's
#                    10,000 point queries (default 3)
#   --threads N      threads of tribit's _tN variants (default 2)
#   --no-build       do not run cargo build
#   --skip-peers     tribit only (no SQLite, no DuckDB)
#   --reuse-peers    keep existing SQLite/DuckDB databases (no load timing)
#   -h, --help
#
# Steps, each timed (wall clock, date +%s%N) and, where /usr/bin/time is
# there, with its peak RSS (-v "Maximum resident set size"):
#  1. cargo build --release --bin tribit --example gen_transmart
#     --example table_queries
#  2. generate bench-data/transmart-pN-mM-sS.csv with examples/gen_transmart
#     if it is not there (same options => byte-identical file)
#  3. warm the page cache with the CSV (cat > /dev/null), then
#     `tribit import csv` with --schema and two indexes, PATIENT_ID and
#     GENE_SYMBOL,PROBESET_ID,PATIENT_ID
#  4. examples/table_queries on the .tbit (writes the plan: patients, keys,
#     probeset, for the peers)
#  5. benches/table_peer.py --engine sqlite, then --engine duckdb (pip
#     install duckdb if it is missing)
#  6. compare rows and sums across engines, print the table of times and
#     ratios (peer / tribit)
#
# Schema: TRIAL_NAME:dict,PATIENT_ID:u32,GENE_SYMBOL:dict,PROBESET_ID:dict,
# RAW:f64,LOG:f32,ZSCORE:f32. RAW is f64 so that each stored RAW is the very
# binary64 SQLite (REAL) and DuckDB (DOUBLE) parse from the same text: the
# sums then differ only by summation order (checked to a relative 1e-9),
# never by f32 rounding of every value. LOG and ZSCORE are not summed: f32,
# as DuckDB's FLOAT. Row width: 32 bytes.
#
# Data go to bench-data/ at the repository root (git-ignored).
#
# Exit status: 0 ok; 1 a command failed; 3 rows or sums differ between the
# engines (the table is still printed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/bench-data"

PATIENTS=559
PROBESETS=54675
SEED=24080
REPS=5
SLOW_REPS=3
THREADS=2
BUILD=1
PEERS=1
REUSE=""

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "table_peer: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --patients) PATIENTS="${2:?--patients needs a value}"; shift 2 ;;
    --probesets) PROBESETS="${2:?--probesets needs a value}"; shift 2 ;;
    --seed) SEED="${2:?}"; shift 2 ;;
    --reps) REPS="${2:?}"; shift 2 ;;
    --slow-reps) SLOW_REPS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --skip-peers) PEERS=0; shift ;;
    --reuse-peers) REUSE="--reuse"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

mkdir -p "$DATA"
cd "$ROOT"
STEM="$DATA/transmart-p${PATIENTS}-m${PROBESETS}-s${SEED}"
CSV="$STEM.csv"
TBIT="$STEM.tbit"
PLAN="$STEM.plan.json"
RUN="$STEM.run"            # per-run outputs: JSON lines, logs
mkdir -p "$RUN"
STEPS="$RUN/steps.tsv"
: > "$STEPS"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

TIMEV=""
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true 2>/dev/null; then TIMEV=/usr/bin/time; fi

now() { date +%s%N; }
# step NAME LOG CMD...: runs CMD (stdout to LOG.out, stderr to LOG.err),
# records wall seconds and peak RSS (KiB) in $STEPS.
step() {
  local name="$1" log="$2"; shift 2
  local t0 t1 rss="" rc=0
  echo "table_peer: [$name] $*" >&2
  t0=$(now)
  if [[ -n "$TIMEV" ]]; then
    "$TIMEV" -v -o "$log.time" "$@" > "$log.out" 2> "$log.err" || rc=$?
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log.time" 2>/dev/null || true)
  else
    "$@" > "$log.out" 2> "$log.err" || rc=$?
  fi
  t1=$(now)
  if [[ $rc -ne 0 ]]; then
    cat "$log.err" >&2
    die "step $name failed (exit $rc)"
  fi
  local secs
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  printf '%s\t%s\t%s\n' "$name" "$secs" "${rss:-}" >> "$STEPS"
  echo "table_peer: [$name] ${secs} s${rss:+, peak RSS $((rss / 1024)) MiB}" >&2
}

# 1. build
if [[ $BUILD -eq 1 ]]; then
  step build "$RUN/build" cargo build --release --bin tribit --example gen_transmart --example table_queries
fi
# Snapshot the binaries, so a concurrent build in target/ cannot swap them mid-run.
mkdir -p "$RUN/bin"
for b in tribit examples/gen_transmart examples/table_queries; do
  [[ -x "$ROOT/target/release/$b" ]] || die "missing target/release/$b (run without --no-build)"
  cp "$ROOT/target/release/$b" "$RUN/bin/"
done
TRIBIT="$RUN/bin/tribit"
GEN="$RUN/bin/gen_transmart"
TQ="$RUN/bin/table_queries"

# 2. CSV
if [[ ! -s "$CSV" ]]; then
  step generate "$RUN/generate" "$GEN" --patients "$PATIENTS" --probesets "$PROBESETS" --seed "$SEED" -o "$CSV.tmp"
  mv "$CSV.tmp" "$CSV"
  cat "$RUN/generate.err" >&2
else
  echo "table_peer: reusing $CSV" >&2
fi

# 3. import
cat "$CSV" > /dev/null
SCHEMA='TRIAL_NAME:dict,PATIENT_ID:u32,GENE_SYMBOL:dict,PROBESET_ID:dict,RAW:f64,LOG:f32,ZSCORE:f32'
rm -f "$TBIT"
step import "$RUN/import" "$TRIBIT" --quiet import csv "$CSV" -o "$TBIT" --table expr --schema "$SCHEMA" \
  --index PATIENT_ID --index GENE_SYMBOL,PROBESET_ID,PATIENT_ID

# 4. tribit queries
cat "$TBIT" > /dev/null
step tribit_queries "$RUN/tribit" "$TQ" "$TBIT" --seed "$SEED" --reps $((2 * REPS + 1)) --threads "$THREADS" \
  --plan-out "$PLAN"
cp "$RUN/tribit.out" "$RUN/tribit.jsonl"

# 5. peers
: > "$RUN/sqlite.jsonl"
: > "$RUN/duckdb.jsonl"
if [[ $PEERS -eq 1 ]]; then
  if ! python3 -c 'import duckdb' 2>/dev/null; then
    echo "table_peer: installing duckdb (pip)" >&2
    python3 -m pip install --quiet duckdb 2>/dev/null \
      || python3 -m pip install --quiet --break-system-packages duckdb \
      || die "cannot install duckdb"
  fi
  step sqlite "$RUN/sqlite" python3 "$ROOT/benches/table_peer.py" --engine sqlite --csv "$CSV" --plan "$PLAN" \
    --db "$STEM.sqlite" --reps "$REPS" --slow-reps "$SLOW_REPS" $REUSE
  cp "$RUN/sqlite.out" "$RUN/sqlite.jsonl"
  step duckdb "$RUN/duckdb" python3 "$ROOT/benches/table_peer.py" --engine duckdb --csv "$CSV" --plan "$PLAN" \
    --db "$STEM.duckdb" --reps "$REPS" --slow-reps "$SLOW_REPS" $REUSE
  cp "$RUN/duckdb.out" "$RUN/duckdb.jsonl"
fi

# 6. compare and print
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
python3 - "$RUN" "$STEPS" "$CSV" "$TBIT" "$STEM" "$THREADS" "$LOAD_START" "$LOAD_END" <<'PY'
import json, os, sys

run, steps_file, csv_path, tbit, stem, threads, load_start, load_end = sys.argv[1:9]
res = {}
for eng in ("tribit", "sqlite", "duckdb"):
    path = os.path.join(run, eng + ".jsonl")
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line:
                o = json.loads(line)
                res[(o["engine"], o["case"])] = o
steps = {}
for line in open(steps_file):
    name, secs, rss = (line.rstrip("\n").split("\t") + ["", ""])[:3]
    steps[name] = (float(secs), int(rss) if rss else None)

def get(eng, case):
    return res.get((eng, case))

def secs(eng, case):
    o = get(eng, case)
    return None if o is None else o["seconds"]

def fmt_s(x):
    if x is None:
        return "—"
    if x >= 100:
        return f"{x:.0f} s"
    if x >= 1:
        return f"{x:.2f} s"
    if x >= 1e-3:
        return f"{x * 1e3:.2f} ms"
    return f"{x * 1e6:.1f} µs"

def ratio(a, b):
    if a is None or b is None or b <= 0:
        return "—"
    r = a / b
    if r < 0.01:
        return f"{r:.2g}x"
    return f"{r:.0f}x" if r >= 100 else f"{r:.1f}x" if r >= 10 else f"{r:.2f}x"

bad = []
def agree(case, a, b, rel=1e-9):
    x, y = get(*a), get(*b)
    if x is None or y is None:
        return
    if x["rows"] != y["rows"]:
        bad.append(f"{case}: rows {a[0]}/{a[1]} {x['rows']} != {b[0]}/{b[1]} {y['rows']}")
    sx, sy = float(x["sum"]), float(y["sum"])
    if abs(sx - sy) > rel * max(abs(sx), abs(sy), 1e-300):
        bad.append(f"{case}: sum {a[0]}/{a[1]} {sx!r} != {b[0]}/{b[1]} {sy!r}")

for case in ("A1", "G", "L", "P"):
    for peer in ("sqlite", "duckdb"):
        agree(case, ("tribit", case), (peer, case))
t = threads
for var, base in ((f"A1_t{t}", "A1"), (f"G_t{t}", "G"), ("L_lookup", "L"), ("L_many", "L"), ("P_select", "P"), ("P_scan", "P"), ("P_codescan", "P")):
    agree(var, ("tribit", var), ("tribit", base))
agree("L_batch", ("duckdb", "L_batch"), ("duckdb", "L"))
n = get("tribit", "open")
if n and get("sqlite", "load") and get("sqlite", "load")["rows"] != n["rows"]:
    bad.append(f"rows loaded: sqlite {get('sqlite', 'load')['rows']} != tribit {n['rows']}")
if n and get("duckdb", "load") and get("duckdb", "load")["rows"] != n["rows"]:
    bad.append(f"rows loaded: duckdb {get('duckdb', 'load')['rows']} != tribit {n['rows']}")

rows = n["rows"] if n else 0
size = lambda p: os.path.getsize(p) if os.path.exists(p) else None
mb = lambda b: "—" if b is None else f"{b / 1e6:,.0f} MB"
imp = steps.get("import", (None, None))
print()
print(f"tranSMART-shaped table: {rows:,} rows, CSV {mb(size(csv_path))}; "
      f"tribit {mb(size(tbit))}, SQLite {mb(size(stem + '.sqlite'))}, DuckDB {mb(size(stem + '.duckdb'))}")
print()
print("| step | tribit | SQLite | DuckDB | SQLite / tribit | DuckDB / tribit |")
print("| --- | --- | --- | --- | --- | --- |")
sl, si, sli, dl = secs("sqlite", "load"), secs("sqlite", "index"), secs("sqlite", "load_index"), secs("duckdb", "load")
rss = f", {imp[1] / 1024:.0f} MiB peak RSS" if imp[1] else ""
print(f"| CSV import with two indexes (tribit: whole process; SQLite: load + indexes; DuckDB: load, no index) "
      f"| {fmt_s(imp[0])}{rss} | {fmt_s(sli)} ({fmt_s(sl)} + {fmt_s(si)}) | {fmt_s(dl)} | {ratio(sli, imp[0])} | {ratio(dl, imp[0])} |")
labels = {
    "A1": "A1: all rows of {p} patients, sum RAW ({r:,} rows)",
    "G": "G: all rows of all {p} patients, sum RAW ({r:,} rows)",
    "L": "L: {k:,} point lookups by (GENE_SYMBOL, PROBESET_ID, PATIENT_ID), total",
    "P": "P: one probeset across all patients, sum RAW ({r:,} rows)",
}
for case in ("A1", "G", "L", "P"):
    o = get("tribit", case) or {}
    lab = labels[case].format(p=o.get("patients", "?"), r=o.get("rows", 0), k=o.get("lookups", 0))
    print(f"| {lab} | {fmt_s(secs('tribit', case))} | {fmt_s(secs('sqlite', case))} | {fmt_s(secs('duckdb', case))} "
          f"| {ratio(secs('sqlite', case), secs('tribit', case))} | {ratio(secs('duckdb', case), secs('tribit', case))} |")
    if case == "L":
        per = lambda e: (get(e, "L") or {}).get("us_per_lookup")
        f = lambda x: "—" if x is None else f"{x:.2f} µs"
        print(f"| L: per lookup | {f(per('tribit'))} | {f(per('sqlite'))} | {f(per('duckdb'))} "
              f"| {ratio(per('sqlite'), per('tribit'))} | {ratio(per('duckdb'), per('tribit'))} |")
print()
print("On-CPU time of the same runs (median; tribit and SQLite: the timing thread; DuckDB: all its threads),")
print("which waiting for a CPU on a loaded machine does not inflate:")
print()
print("| case | tribit | SQLite | DuckDB | SQLite / tribit | DuckDB / tribit |")
print("| --- | --- | --- | --- | --- | --- |")
cpu = lambda e, c: (get(e, c) or {}).get("cpu_seconds")
for case in ("A1", "G", "L", "P"):
    print(f"| {case} | {fmt_s(cpu('tribit', case))} | {fmt_s(cpu('sqlite', case))} | {fmt_s(cpu('duckdb', case))} "
          f"| {ratio(cpu('sqlite', case), cpu('tribit', case))} | {ratio(cpu('duckdb', case), cpu('tribit', case))} |")
print()
print("Variants (same rows and sums, checked):")
print()
print("| variant | seconds | vs |")
print("| --- | --- | --- |")
for eng, case, base, note in (
    ("tribit", f"A1_t{t}", ("tribit", "A1"), f"A1 summed by {t} threads"),
    ("tribit", f"G_t{t}", ("tribit", "G"), f"G summed by {t} threads"),
    ("tribit", "L_lookup", ("tribit", "L"), "L through Table::lookup (planner) instead of index_lookup"),
    ("tribit", "L_many", ("tribit", "L"), "L as one Table::index_lookup_many call (keys' reads overlap)"),
    ("tribit", "P_select", ("tribit", "P"), "P as one Table::select with the patients as an IN-list (batched lookups)"),
    ("tribit", "P_scan", ("tribit", "P"), "P by Table::lookup on PROBESET_ID alone (library scan)"),
    ("tribit", "P_codescan", ("tribit", "P"), "P by comparing stored dict codes of every row"),
    ("tribit", "open", None, "map, section checksums, parse (first open)"),
    ("duckdb", "L_batch", ("duckdb", "L"), "DuckDB: the 10,000 keys as one join"),
):
    s = secs(eng, case)
    if s is None:
        continue
    vs = "" if base is None else f"{ratio(s, secs(*base))} of {base[0]} {base[1]}"
    print(f"| {eng} {case}: {note} | {fmt_s(s)} | {vs} |")
print()
print(f"Wall time of each step (peak RSS); load average at start {load_start}, at end {load_end}, "
      f"{os.cpu_count()} CPUs:")
print()
for name, (s, r) in steps.items():
    print(f"  {name:<15} {s:9.2f} s" + (f"   {r / 1024:8.0f} MiB" if r else ""))
print()
if bad:
    print("MISMATCH between engines:")
    for b in bad:
        print("  " + b)
    sys.exit(3)
print("rows and sums agree across engines (relative 1e-9)")
PY
