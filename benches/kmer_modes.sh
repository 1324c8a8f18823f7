#!/usr/bin/env bash
# k-mer modes side by side in one run: exact, IUPAC and mismatches (SPEC
# §14), and many patterns in one pass, over one seeded genome.
#
#   benches/kmer_modes.sh [--scale F] [--runs N] [--no-peer] [--no-build]
#
#   --scale F   genome size, F x 3,088,269,832 bases (default 0.05)
#   --runs N    scans per process; the fastest is reported (default 3)
#   --no-peer   skip seqkit
#
# Each row is `tribit kmer count FILE ... --json --repeat N` with 2
# threads and a warm page cache: "best" is the fastest scan in the process,
# and the ratio is against the exact scan of the same k in the same run.
# Then, where seqkit is installed, the degenerate and mismatch queries as
# whole processes on both strands: `tribit kmer count --both-strands -t 2`
# (blocks verified) against `seqkit locate -i -j 2 [--degenerate | -m M]`
# on the FASTA, with both counts (seqkit lists a window that matches on
# both strands twice, tribit counts it once, so they may differ slightly).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCALE=0.05
RUNS=3
PEER=1
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --no-peer) PEER=0; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "kmer_modes: unknown option $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=benches/modes_genome.sh
. "$ROOT/benches/modes_genome.sh"
PATS="$(mktemp)"
trap 'rm -f "$PATS"' EXIT

best() {
  "$TRIBIT" kmer count "$TB" "$@" -t 2 --json --repeat "$RUNS" |
    python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["seconds"], sum(k["count"] for k in d["kmers"]))'
}
row() {
  local label="$1" base="$2"; shift 2
  read -r s n < <(best "$@")
  python3 -c "import sys; s, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{sys.argv[3]:<42} {s:9.4f} s  {s / b:7.2f}x  {sys.argv[4]:>12} matches')" "$s" "$base" "$label" "$n"
}
echo "genome: $("$TRIBIT" export sizes "$TB" | awk '{s += $2} END {print s}') bases (scale $SCALE), best of $RUNS per process, 2 threads"
printf '%-42s %11s  %8s  %20s\n' "query" "best" "ratio" ""
# The exact scans are the bases of the ratios: best of two processes.
e7="$( (best ACGTACG; best ACGTACG) | sort -g | head -1 | cut -d' ' -f1)"
row "7-mer exact ACGTACG" "$e7" ACGTACG
row "7-mer, 2 degenerate ACNTASG" "$e7" ACNTASG
row "7-mer, 2 degenerate TATAWAW" "$e7" TATAWAW
e21="$( (best AAAGAATTAGCAAAGTTTGAT; best AAAGAATTAGCAAAGTTTGAT) | sort -g | head -1 | cut -d' ' -f1)"
row "21-mer exact" "$e21" AAAGAATTAGCAAAGTTTGAT
row "21-mer, 1 mismatch" "$e21" AAAGAATTAGCAAAGTTTGAT -m 1
row "21-mer, 2 mismatches" "$e21" AAAGAATTAGCAAAGTTTGAT -m 2
row "21-mer, 3 mismatches" "$e21" AAAGAATTAGCAAAGTTTGAT -m 3
CHR1="$("$TRIBIT" export sizes "$TB" | awk '$1 == "chr1" {print $2}')"
for n in 10 100; do
  "$TRIBIT" get "$TB" -r <(python3 -c "
import random, sys
random.seed($n)
for _ in range($n):
    s = random.randrange(1, min(12_000_000, $CHR1 - 21))
    print(f'chr1:{s}-{s + 20}')
") -n 0 | grep -v '^>' | tr 'acgtn' 'ACGTA' | tr -c 'ACGT\n' 'A' > "$PATS"
  row "$n 21-mers (--patterns), one pass" "$e21" --patterns "$PATS"
done

if [ "$PEER" = 1 ] && command -v seqkit > /dev/null; then
  echo
  echo "whole process, both strands: tribit kmer count --both-strands -t 2 vs seqkit locate -i -j 2 ($(seqkit version))"
  printf '%-34s %9s %12s %9s %12s %8s\n' "query" "tribit" "count" "seqkit" "count" "ratio"
  now() { date +%s.%N; }
  peer() {
    local label="$1" q="$2"; shift 2
    local t0 t1 t2 tn sn
    t0="$(now)"; tn="$("$TRIBIT" kmer count "$TB" "$q" "$@" --both-strands -t 2 | awk '{s += $2} END {print s}')"; t1="$(now)"
    sn="$(seqkit locate -i -j 2 -p "$q" "${SEQKIT_FLAGS[@]}" "$FA" | tail -n +2 | wc -l)"; t2="$(now)"
    python3 -c "import sys; a, b, c = map(float, sys.argv[1:4]); t, s = b - a, c - b; print(f'{sys.argv[4]:<34} {t:8.3f}s {sys.argv[5]:>12} {s:8.3f}s {sys.argv[6]:>12} {s / t:7.1f}x')" \
      "$t0" "$t1" "$t2" "$label" "$tn" "$sn"
  }
  SEQKIT_FLAGS=(--degenerate); peer "7-mer, 2 degenerate ACNTASG" ACNTASG
  SEQKIT_FLAGS=(-m 1); peer "21-mer, 1 mismatch" AAAGAATTAGCAAAGTTTGAT -m 1
  SEQKIT_FLAGS=(-m 2); peer "21-mer, 2 mismatches" AAAGAATTAGCAAAGTTTGAT -m 2
elif [ "$PEER" = 1 ]; then
  echo "# seqkit not installed (apt-get install seqkit): peer rows skipped"
fi
