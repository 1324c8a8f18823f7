#!/usr/bin/env bash
# Size of zstd-compressed tribit files (SPEC §5.3) beside their peers, on
# the real genomes of the Debian example packages and a seeded genome:
# bits per base of raw 3-bit .tbit, zstd .tbit, `gzip -6` and
# `zstd -19 --long` of the FASTA, and UCSC .2bit (`tribit export 2bit`);
# then import time raw vs zstd (median of 3, whole process) on the
# seeded genome, and the round trip checked with cmp.
#
#   benches/zstd_size.sh [--scale F] [--level L] [--no-build]
#
#   --scale F   seeded genome of F * 3.09 Gbases (default 0.03, 93 Mbases)
#   --level L   zstd level of the .tbit (default 3)
#
# Genomes used when installed (apt-get install ragout-examples
# lastz-examples bowtie2-examples): E. coli MG1655 and DH1, S. aureus N315
# and COL, H. pylori SJM180 contigs (ragout-examples); pseudopig2 and
# pseudocat (lastz-examples, soft-masked); lambda phage (bowtie2-examples).
# bits/base = file bytes * 8 / bases. Data go to bench-data/ (ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/bench-data/zstd"
SCALE=0.03
LEVEL=3
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE="$2"; shift 2 ;;
    --level) LEVEL="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done
mkdir -p "$DATA"
cd "$ROOT"
if [ "$BUILD" = 1 ]; then
  cargo build --release --quiet
  cargo build --release --quiet --example gen_genome
fi
T="$ROOT/target/release/tribit"
for tool in gzip zstd; do
  command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done

genomes=()
add() { [ -f "$1" ] && genomes+=("$1") || echo "(not installed: $1)" >&2; }
R=/usr/share/doc/ragout/examples
add "$R/E.Coli/references/MG1655-K12.fasta.gz"
add "$R/E.Coli/references/DH1.fasta.gz"
add "$R/S.Aureus/references/N315.fasta.gz"
add "$R/S.Aureus/references/COL.fasta.gz"
add "$R/H.Pylori/SJM180_contigs.fasta.gz"
L=/usr/share/doc/lastz/examples/test_data
add "$L/pseudopig2.fa.gz"
add "$L/pseudocat.fa.gz"
add /usr/share/doc/bowtie2/examples/reference/lambda_virus.fa.gz
SEEDED="$DATA/seeded-$SCALE.fa"
[ -f "$SEEDED" ] || "$ROOT/target/release/examples/gen_genome" --scale "$SCALE" -o "$SEEDED"
genomes+=("$SEEDED")

bpb() { awk -v b="$1" -v n="$2" 'BEGIN { printf "%.3f", b * 8 / n }'; }
size() { stat -c %s "$1"; }
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

printf '%-28s %12s %7s %7s %7s %7s %7s %9s\n' genome bases raw zstd gzip-6 zstd-19 2bit "zstd/2bit"
for g in "${genomes[@]}"; do
  n=$(basename "$g"); n=${n%.gz}
  fa="$DATA/$n"
  case "$g" in *.gz) gzip -dc "$g" > "$fa" ;; *) [ "$g" = "$fa" ] || cp "$g" "$fa" ;; esac
  "$T" import fasta "$fa" -o "$DATA/$n.raw.tbit" -f -q
  "$T" import fasta "$fa" -o "$DATA/$n.zstd.tbit" -f -q --compress "zstd:$LEVEL"
  "$T" export fasta "$DATA/$n.zstd.tbit" -o "$DATA/$n.back" -f -q
  cmp -s "$fa" "$DATA/$n.back" || { echo "$n: zstd round trip differs" >&2; exit 3; }
  bases=$("$T" info "$DATA/$n.raw.tbit" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_bases"])')
  gz=$(gzip -6 -c "$fa" | wc -c)
  zs=$(zstd -19 --long -q -c "$fa" | wc -c)
  if "$T" export 2bit "$DATA/$n.raw.tbit" -o "$DATA/$n.2bit" -f -q 2>/dev/null; then
    tb=$(size "$DATA/$n.2bit"); tbb=$(bpb "$tb" "$bases")
    ratio=$(awk -v a="$(size "$DATA/$n.zstd.tbit")" -v b="$tb" 'BEGIN { printf "%.3f", a / b }')
  else
    tbb="(IUPAC)"; ratio="-"
  fi
  printf '%-28s %12s %7s %7s %7s %7s %7s %9s\n' "$n" "$bases" \
    "$(bpb "$(size "$DATA/$n.raw.tbit")" "$bases")" "$(bpb "$(size "$DATA/$n.zstd.tbit")" "$bases")" \
    "$(bpb "$gz" "$bases")" "$(bpb "$zs" "$bases")" "$tbb" "$ratio"
done

echo
echo "import of $(basename "$SEEDED") (whole process, warm cache, median of 3):"
cat "$SEEDED" > /dev/null
for c in none "zstd:$LEVEL"; do
  times=()
  for _ in 1 2 3; do
    t0=$(date +%s%N)
    "$T" import fasta "$SEEDED" -o "$DATA/import.tbit" -f -q --compress "$c"
    times+=("$(ms "$t0")")
  done
  med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  printf '  %-8s %6s ms\n' "$c" "$med"
done

echo
echo "kmer count of one 21-mer over $(basename "$SEEDED"), 2 threads (whole process, median of 3):"
"$T" import fasta "$SEEDED" -o "$DATA/seeded.raw.tbit" -f -q
"$T" import fasta "$SEEDED" -o "$DATA/seeded.zstd.tbit" -f -q --compress "zstd:$LEVEL"
K=$(grep -v "^>" "$SEEDED" | grep -v -i n | sed -n 1000p | cut -c1-21 | tr a-z A-Z)
for f in raw zstd; do
  times=()
  for _ in 1 2 3; do
    t0=$(date +%s%N)
    out=$("$T" kmer count "$DATA/seeded.$f.tbit" "$K" --both-strands)
    times+=("$(ms "$t0")")
  done
  med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  printf '  %-5s %6s ms   %s\n' "$f" "$med" "$(echo "$out" | tr '\n' ' ' | cut -c1-60)"
done
