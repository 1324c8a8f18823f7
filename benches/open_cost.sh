#!/usr/bin/env bash
# Open cost against table size (SPEC §3.2, chunk checksums): one indexed
# count, whole process, on tranSMART-shaped tables of two sizes, verified,
# and the same files read as a reader that ignores CHUNK_SUMS reads them
# (every table section hashed whole before use), and with --no-verify.
#
#   benches/open_cost.sh [--reps N] [--no-build]
#
#   --reps N      runs per case, median reported (default 11)
#   --no-build    do not run cargo build
#
# Data (bench-data/, git-ignored, made once and reused): the seeded CSVs of
# examples/gen_transmart for 559 patients x 5,000 and x 54,675 probesets
# (2.8 M and 30.6 M rows; the files are 10.6x apart), imported with the
# indexes of benches/table_peer.sh. The "whole" copy of each file has its
# CHUNK_SUMS sections relabelled as a private kind (directory and header
# checksums resealed), so the same binary verifies each section whole, as
# a 1.6 reader does.
#
# Query: `tribit query FILE --where PATIENT_ID=1000001 --count` (54,675 or
# 5,000 rows from the PATIENT_ID index), and a point lookup through the
# three-column index. Page cache warm (each file read once first).
# Prints wall-clock medians (ms) and the peak RSS (MiB) of the last run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/bench-data"
REPS=11
BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --reps) REPS="${2:?--reps needs a value}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "open_cost: unknown option $1" >&2; exit 2 ;;
  esac
done

cd "$ROOT"
if [[ $BUILD = 1 ]]; then
  cargo build --release --quiet --bin tribit --example gen_transmart
fi
T="$ROOT/target/release/tribit"
GEN="$ROOT/target/release/examples/gen_transmart"
SCHEMA="TRIAL_NAME:dict,PATIENT_ID:u32,GENE_SYMBOL:dict,PROBESET_ID:dict,RAW:f64,LOG:f32,ZSCORE:f32"
mkdir -p "$DATA"
python3 -c 'import xxhash' 2>/dev/null || python3 -m pip install --quiet xxhash 2>/dev/null \
  || python3 -m pip install --quiet --break-system-packages xxhash

# whole IN OUT: OUT is IN with every CHUNK_SUMS entry relabelled 0x80000001.
whole() {
  python3 - "$1" "$2" <<'EOF'
import struct, sys, xxhash
b = bytearray(open(sys.argv[1], "rb").read())
assert struct.unpack_from("<I", b, 8)[0] == 0x0A1B2C3D, "little-endian files only"
dir_off, count, entry_len = struct.unpack_from("<Q", b, 32)[0], struct.unpack_from("<I", b, 40)[0], struct.unpack_from("<I", b, 44)[0]
for i in range(count):
    at = dir_off + i * entry_len
    if struct.unpack_from("<I", b, at)[0] == 0x0001:
        struct.pack_into("<I", b, at, 0x80000001)
struct.pack_into("<Q", b, 48, xxhash.xxh3_64_intdigest(bytes(b[dir_off:dir_off + count * entry_len])))
struct.pack_into("<Q", b, 56, xxhash.xxh3_64_intdigest(bytes(b[:56])))
open(sys.argv[2], "wb").write(b)
EOF
}

for m in 5000 54675; do
  stem="$DATA/open-p559-m$m"
  [[ -f "$stem.csv" ]] || "$GEN" -q --probesets "$m" -o "$stem.csv"
  if [[ ! -f "$stem.tbit" || "$stem.tbit" -ot "$T" ]]; then
    "$T" --quiet import csv "$stem.csv" -o "$stem.tbit" -f --table expr --schema "$SCHEMA" \
      --index PATIENT_ID --index GENE_SYMBOL,PROBESET_ID,PATIENT_ID
    whole "$stem.tbit" "$stem.whole.tbit"
  fi
done

# median_ms CMD...: median wall ms of REPS runs; the last run's peak RSS
# (KiB) is left in $DATA/open.rss.
median_ms() {
  local times=() t0 t1
  for _ in $(seq "$REPS"); do
    t0=$(date +%s%N)
    /usr/bin/time -f %M -o "$DATA/open.rss" "$@" > /dev/null
    t1=$(date +%s%N)
    times+=("$(( (t1 - t0) / 1000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)] / 1000}'
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %10s %12s %9s\n' case size_MB median_ms rss_MiB
for m in 5000 54675; do
  stem="$DATA/open-p559-m$m"
  size=$(( $(stat -c %s "$stem.tbit") / 1000000 ))
  cat "$stem.tbit" "$stem.whole.tbit" > /dev/null
  for variant in chunks whole no-verify; do
    f="$stem.tbit"; extra=()
    [[ $variant = whole ]] && f="$stem.whole.tbit"
    [[ $variant = no-verify ]] && extra=(--no-verify)
    ms=$(median_ms "$T" query "$f" "${extra[@]}" --where PATIENT_ID=1000001 --count)
    printf '%-34s %10s %12s %9s\n' "m$m count, $variant" "$size" "$ms" "$(( $(cat "$DATA/open.rss") / 1024 ))"
    ms=$(median_ms "$T" query "$f" "${extra[@]}" --where GENE_SYMBOL=PSM18 --where PROBESET_ID=1000_at \
      --where PATIENT_ID=1000001 --count)
    printf '%-34s %10s %12s %9s\n' "m$m point lookup, $variant" "$size" "$ms" "$(( $(cat "$DATA/open.rss") / 1024 ))"
  done
done
