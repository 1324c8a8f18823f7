#!/usr/bin/env bash
# Demo of tribit's main job on the real genomes in testdata/: FASTA in,
# a compact random-access file out, regions fetched, FASTA back byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
T=target/release/tribit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

for fa in testdata/vibrio_cholerae_O1_chrII.fa testdata/pseudocat.fa testdata/lambda_virus.fa; do
  name=$(basename "$fa" .fa)
  step "$T" import fasta "$fa" -o "$work/$name.tbit"
done

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
