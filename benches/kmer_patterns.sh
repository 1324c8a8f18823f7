#!/usr/bin/env bash
# Many exact 21-mers in one pass (`kmer count --patterns`, SPEC §14) over
# one seeded genome, with Jellyfish (count every 21-mer, then query the
# patterns) side by side where it is installed.
#
#   benches/kmer_patterns.sh [--scale F] [--counts "10 1000 10000 100000"]
#                            [--runs N] [--no-peer] [--no-build]
#
#   --scale F    genome size, F x 3,088,269,832 bases (default 0.05)
#   --counts L   pattern counts to time (default "10 1000 10000 100000")
#   --runs N     scans per tribit process; the fastest is reported (default 2)
#   --no-peer    skip Jellyfish
#
# Patterns are 21-base windows of the genome at seeded positions (windows
# with a letter other than A, C, G, T are skipped), so most occur. Each row
# gives tribit's whole process (`tribit kmer count ... -t 2`, warm page
# cache, blocks verified), its best scan in the process (`--json --repeat`),
# and, for up to 100 patterns, the best scan of the bit-parallel kernels
# alone (`--hash-from` above the pattern count).
# Jellyfish: `jellyfish count -m 21 -t 2` of the whole FASTA (forward
# strand, as tribit counts by default) plus `jellyfish query` of the
# patterns; the ratio is Jellyfish's total over tribit's whole process, and
# the counts of both are compared.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCALE=0.05
COUNTS="10 1000 10000 100000"
RUNS=2
PEER=1
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE="$2"; shift 2 ;;
    --counts) COUNTS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --no-peer) PEER=0; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "kmer_patterns: unknown option $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=benches/modes_genome.sh
. "$ROOT/benches/modes_genome.sh"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
command -v jellyfish >/dev/null || PEER=0

now() { python3 -c 'import time; print(time.monotonic())'; }
since() { python3 -c "import sys, time; print(f'{time.monotonic() - float(sys.argv[1]):.3f}')" "$1"; }

# Seeded 21-mers of the genome, ACGT only, over every sequence.
sizes="$("$TRIBIT" export sizes "$TB")"
max="$(echo "$COUNTS" | tr ' ' '\n' | sort -n | tail -1)"
python3 - "$max" "$TMP/regions.txt" <<PY
import random, sys
random.seed(21)
seqs = [(n, int(l)) for n, l in (line.split('\t') for line in """$sizes""".strip().split('\n')) if int(l) > 100]
total = sum(l for _, l in seqs)
with open(sys.argv[2], 'w') as out:
    for _ in range(int(sys.argv[1]) * 3):
        x = random.randrange(total)
        for n, l in seqs:
            if x < l:
                s = min(x, l - 21)
                out.write(f'{n}:{s + 1}-{s + 21}\n')
                break
            x -= l
PY
"$TRIBIT" get "$TB" -r "$TMP/regions.txt" -n 0 | grep -v '^>' | tr 'acgt' 'ACGT' | grep -x '[ACGT]\{21\}' > "$TMP/all.txt"

echo "genome: $(echo "$sizes" | awk '{s += $2} END {print s}') bases (scale $SCALE), 2 threads, best of $RUNS scans per process"
# Jellyfish's table is counted once per genome and kept in bench-data with
# the time the count took.
JF="$DATA/modes-$SCALE.jf21"
if [ "$PEER" = 1 ]; then
  if [ ! -s "$JF" ] || [ ! -s "$JF.seconds" ]; then
    t0="$(now)"
    jellyfish count -m 21 -s "$(echo "$sizes" | awk '{s += $2} END {print s}')" -t 2 -o "$JF" "$FA"
    since "$t0" > "$JF.seconds"
  fi
  JF_COUNT="$(cat "$JF.seconds")"
  echo "jellyfish $(jellyfish --version | cut -d' ' -f2): count -m 21 -t 2 of the whole FASTA: $JF_COUNT s"
fi
printf '%-9s %10s %10s %12s %12s %14s %8s\n' patterns "tribit" "best scan" "kernels only" "jellyfish" "jf / tribit" "counts"
for n in $COUNTS; do
  head -n "$n" "$TMP/all.txt" > "$TMP/p.txt"
  got=$(wc -l < "$TMP/p.txt")
  t0="$(now)"
  "$TRIBIT" kmer count "$TB" --patterns "$TMP/p.txt" -t 2 > "$TMP/tribit.txt"
  whole="$(since "$t0")"
  best="$("$TRIBIT" kmer count "$TB" --patterns "$TMP/p.txt" -t 2 --json --repeat "$RUNS" |
    python3 -c 'import json, sys; print("%.3f" % json.load(sys.stdin)["seconds"])')"
  kernels="-"
  if [ "$got" -le 100 ]; then
    kernels="$("$TRIBIT" kmer count "$TB" --patterns "$TMP/p.txt" -t 2 --json --repeat "$RUNS" --hash-from 1000000000 |
      python3 -c 'import json, sys; print("%.3f" % json.load(sys.stdin)["seconds"])')"
  fi
  jf="-"; ratio="-"; same="-"
  if [ "$PEER" = 1 ]; then
    awk '{print ">" NR; print $1}' "$TMP/p.txt" > "$TMP/p.fa"
    t0="$(now)"
    jellyfish query "$JF" -s "$TMP/p.fa" > "$TMP/jf.txt"
    q="$(since "$t0")"
    jf="$(python3 -c "import sys; print(f'{float(sys.argv[1]) + float(sys.argv[2]):.3f}')" "$JF_COUNT" "$q")"
    ratio="$(python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.1f}x')" "$jf" "$whole")"
    if cmp -s <(sort "$TMP/jf.txt" | tr ' ' '\t') <(sort "$TMP/tribit.txt"); then same=equal; else same=DIFFER; fi
  fi
  printf '%-9s %10s %10s %12s %12s %14s %8s\n' "$got" "${whole}s" "${best}s" "$kernels" "$jf" "$ratio" "$same"
done
