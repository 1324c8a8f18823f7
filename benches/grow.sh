#!/usr/bin/env bash
# Adding an index to an existing table: what rewrite-and-rename costs, and
# what an append-only commit (new sections, new directory, new header)
# could at best save: the copy of the bytes that stay.
#
# Usage: benches/grow.sh [PATIENTS] [WORKDIR]
#   PATIENTS  tranSMART-shaped patients x 54,675 probesets (default 56:
#             3.06 M rows, a tenth of the full 30.56 M)
#   WORKDIR   where the files go (default: a temporary directory)
# Prints, for the file with two indexes built at import (GENE_SYMBOL and
# PATIENT_ID,PROBESET_ID), the time of
#   add:   tribit index add --columns PROBESET_ID (rewrite and rename,
#          fsync included)
#   copy:  copying the same file and fsyncing it (what the rewrite pays on
#          top of building and writing the new index)
#   index file: tribit index add --index-file (SPEC §8.8: the data file is
#          only read; a new index file holds the index)
# and their ratios. Run it on a quiet machine; each figure is the best of 3.
set -euo pipefail
cd "$(dirname "$0")/.."
PATIENTS=${1:-56}
WORK=${2:-$(mktemp -d)}
mkdir -p "$WORK"
cargo build --release --quiet --example gen_transmart --bin tribit
T=target/release/tribit
csv="$WORK/t.csv"
[ -s "$csv" ] || target/release/examples/gen_transmart --patients "$PATIENTS" -q -o "$csv"
base="$WORK/base.tbit"
$T import csv "$csv" -o "$base" --table expr --index GENE_SYMBOL --index PATIENT_ID,PROBESET_ID -q
size=$(stat -c %s "$base")
rows=$($T query "$base" --count)
best() { sort -n | head -1; }
now() { date +%s.%N; }
adds=(); copies=(); sides=()
for _ in 1 2 3; do
  cp "$base" "$WORK/g.tbit"; sync
  a=$(now); $T index add "$WORK/g.tbit" --table expr --columns PROBESET_ID -q; b=$(now)
  adds+=("$(echo "$b - $a" | bc)")
  rm -f "$WORK/c.tbit"; sync
  a=$(now); cp "$base" "$WORK/c.tbit"; sync "$WORK/c.tbit"; b=$(now)
  copies+=("$(echo "$b - $a" | bc)")
  rm -f "$WORK/s.tbit"; sync
  a=$(now); $T index add "$base" --table expr --columns PROBESET_ID --index-file "$WORK/s.tbit" -q; b=$(now)
  sides+=("$(echo "$b - $a" | bc)")
done
add=$(printf '%s\n' "${adds[@]}" | best)
copy=$(printf '%s\n' "${copies[@]}" | best)
side=$(printf '%s\n' "${sides[@]}" | best)
grown=$(stat -c %s "$WORK/g.tbit")
echo "rows $rows, file $size bytes, with the new index $grown bytes"
echo "add (rewrite and rename): ${add} s"
echo "copy + fsync of the file: ${copy} s"
echo "share of the rewrite an append-only commit could save: $(echo "scale=2; $copy / $add" | bc)"
echo "add to an index file (data file only read): ${side} s, index file $(stat -c %s "$WORK/s.tbit") bytes"
echo "rewrite and rename / index file: $(echo "scale=2; $add / $side" | bc)"
