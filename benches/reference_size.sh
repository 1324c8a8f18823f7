#!/usr/bin/env bash
# Size and import time of reference-escaped tribit files (SPEC §9) beside
# the raw and zstd files of the same genome, on the genome pairs of the
# Debian ragout-examples package: E. coli DH1 and the MG1655 contigs
# against MG1655 K-12, S. aureus N315 against COL. For each pair: bytes and
# bits/base of raw .tbit, zstd .tbit and `import fasta --reference`, the
# reference file as a share of the raw one, import time raw vs reference
# (median of 3, whole process), and the round trip checked with cmp.
#
#   benches/reference_size.sh [--no-build]
#
# Data go to bench-data/reference/ (ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/bench-data/reference"
EX=/usr/share/doc/ragout/examples
BUILD=1
[ "${1:-}" = "--no-build" ] && BUILD=0
[ "$BUILD" = 1 ] && (cd "$ROOT" && cargo build --release -q)
T="$ROOT/target/release/tribit"
if [ ! -d "$EX" ]; then
  echo "ragout-examples is not installed (apt-get install ragout-examples)" >&2
  exit 1
fi
mkdir -p "$DATA"

median3() { # median wall seconds of a command run 3 times
  for _ in 1 2 3; do
    /usr/bin/time -f '%e' "$@" 2>&1 >/dev/null | tail -1
  done | sort -n | sed -n 2p
}

printf '| genome | reference | bases | raw .tbit | zstd .tbit | with --reference | share of raw | import raw | import --reference |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
pair() { # name fasta.gz reference-name reference-fasta.gz
  local name="$1" fa="$2" rname="$3" rfa="$4"
  local ref="$DATA/$rname.tbit" raw="$DATA/$name.raw.tbit" z="$DATA/$name.zstd.tbit" esc="$DATA/$name.ref.tbit"
  "$T" import fasta "$rfa" -o "$ref" -f -q
  "$T" import fasta "$fa" -o "$raw" -f -q
  "$T" import fasta "$fa" -o "$z" -f -q --compress zstd
  "$T" import fasta "$fa" -o "$esc" -f -q --reference "$ref"
  zcat -f "$fa" > "$DATA/$name.fa"
  "$T" export fasta "$esc" | cmp - "$DATA/$name.fa"
  local bases; bases=$("$T" info "$raw" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_bases"])')
  local sr sz se; sr=$(stat -c %s "$raw"); sz=$(stat -c %s "$z"); se=$(stat -c %s "$esc")
  local tr te
  tr=$(median3 "$T" import fasta "$fa" -o "$DATA/t.tbit" -f -q)
  te=$(median3 "$T" import fasta "$fa" -o "$DATA/t.tbit" -f -q --reference "$ref")
  python3 - "$name" "$rname" "$bases" "$sr" "$sz" "$se" "$tr" "$te" <<'PY'
import sys
name, rname, bases, sr, sz, se, tr, te = sys.argv[1:]
bases, sr, sz, se = int(bases), int(sr), int(sz), int(se)
bpb = lambda n: "%d B (%.3f b/b)" % (n, n * 8 / bases)
print("| %s | %s | %d | %s | %s | %s | %.2f %% | %s s | %s s |"
      % (name, rname, bases, bpb(sr), bpb(sz), bpb(se), 100.0 * se / sr, tr, te))
PY
}
pair DH1 "$EX/E.Coli/references/DH1.fasta.gz" MG1655-K12 "$EX/E.Coli/references/MG1655-K12.fasta.gz"
pair mg1655_contigs "$EX/E.Coli/mg1655_contigs.fasta.gz" MG1655-K12 "$EX/E.Coli/references/MG1655-K12.fasta.gz"
pair N315 "$EX/S.Aureus/references/N315.fasta.gz" COL "$EX/S.Aureus/references/COL.fasta.gz"
pair USA300_contigs "$EX/S.Aureus/usa300_contigs.fasta.gz" USA300_FPR3757 "$EX/S.Aureus/references/USA300_FPR3757.fasta.gz"
