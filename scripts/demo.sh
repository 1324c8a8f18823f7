#!/usr/bin/env bash
# Demo of tribit's main jobs: on the real genomes in testdata/, FASTA in, a
# compact random-access file out, regions fetched, k-mers counted, FASTA back
# byte for byte; then a small seeded expression table (tranSMART-shaped):
# CSV in with two hash-key indexes, queries by key, CSV back.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin tribit --example gen_transmart
T=target/release/tribit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

for fa in testdata/vibrio_cholerae_O1_chrII.fa testdata/pseudocat.fa testdata/lambda_virus.fa; do
  name=$(basename "$fa" .fa)
  step "$T" import fasta "$fa" -o "$work/$name.tbit"
done

# An existing output is kept unless --force (README "Output files").
if "$T" import fasta testdata/lambda_virus.fa -o "$work/lambda_virus.tbit" -q 2>/dev/null; then
  echo "an existing output was replaced without --force" >&2
  exit 1
fi
step "$T" import fasta testdata/lambda_virus.fa -o "$work/lambda_virus.tbit" --force -q

step "$T" info "$work/vibrio_cholerae_O1_chrII.tbit"

# Soft-masked (lowercase) bases, IUPAC codes and N come back exactly.
step "$T" get "$work/pseudocat.tbit" cat:291-380
step "$T" get "$work/vibrio_cholerae_O1_chrII.tbit" "gi|12057213|gb|AE003853.1|:413,150-413,209"

for fa in testdata/vibrio_cholerae_O1_chrII.fa testdata/pseudocat.fa testdata/lambda_virus.fa; do
  name=$(basename "$fa" .fa)
  "$T" export fasta "$work/$name.tbit" -o "$work/$name.back.fa"
  if cmp -s "$fa" "$work/$name.back.fa"; then
    printf '%-28s FASTA %9d bytes -> tribit %8d bytes; export is byte-identical\n' \
      "$name" "$(stat -c %s "$fa")" "$(stat -c %s "$work/$name.tbit")"
  else
    echo "$name: export differs from the input" >&2
    exit 1
  fi
done

# k-mers: overlapping counts over every sequence, forward or both strands,
# and their positions as BED.
step "$T" kmer count "$work/lambda_virus.tbit" GGCGGCG ACGTACGT --both-strands
step "$T" kmer locate "$work/lambda_virus.tbit" GGCGGCG --both-strands

# A table: 20 patients x 500 probesets of a GSE24080-shaped expression CSV.
target/release/examples/gen_transmart --patients 20 --probesets 500 -q -o "$work/expr.csv"
step head -3 "$work/expr.csv"
step "$T" import csv "$work/expr.csv" -o "$work/expr.tbit" --table expr \
  --schema 'TRIAL_NAME:dict,PATIENT_ID:u32,GENE_SYMBOL:dict,PROBESET_ID:dict,RAW:f64,LOG:f64,ZSCORE:f64' \
  --index PATIENT_ID --index GENE_SYMBOL,PROBESET_ID,PATIENT_ID
step "$T" info "$work/expr.tbit"
probe=$(sed -n 2p "$work/expr.csv" | cut -d, -f3,4)
step "$T" query "$work/expr.tbit" --table expr --where "GENE_SYMBOL=${probe%%,*}" \
  --where "PROBESET_ID=${probe##*,}" --where PATIENT_ID=1000007 --explain
printf '1000003\n1000011\n' >"$work/patients.txt"
step "$T" query "$work/expr.tbit" --table expr --in PATIENT_ID "$work/patients.txt" --count --explain
"$T" export csv "$work/expr.tbit" --table expr -o "$work/expr.back.csv"
# Floats come back in their shortest round-trip form (147.00 -> 147.0):
# every field is equal as a value, and a second round trip is byte-identical.
if paste -d, "$work/expr.csv" "$work/expr.back.csv" | awk -F, 'NR > 1 {
    for (i = 1; i <= 4; i++) if ($i != $(i + 7)) bad++
    for (i = 5; i <= 7; i++) if ($i + 0 != $(i + 7) + 0) bad++ }
    END { exit bad > 0 }'; then
  "$T" import csv "$work/expr.back.csv" -o "$work/expr2.tbit" --table expr -q \
    --schema 'TRIAL_NAME:dict,PATIENT_ID:u32,GENE_SYMBOL:dict,PROBESET_ID:dict,RAW:f64,LOG:f64,ZSCORE:f64'
  "$T" export csv "$work/expr2.tbit" --table expr -o "$work/expr2.back.csv"
  cmp -s "$work/expr.back.csv" "$work/expr2.back.csv"
  printf '%-28s CSV %11d bytes -> tribit %8d bytes (with both indexes); every value exported equal\n' \
    expr "$(stat -c %s "$work/expr.csv")" "$(stat -c %s "$work/expr.tbit")"
else
  echo "expr: a CSV value differs after export" >&2
  exit 1
fi
