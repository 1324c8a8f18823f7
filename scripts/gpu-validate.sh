#!/usr/bin/env bash
# Validates the GPU k-mer path on a machine with an NVIDIA GPU.
#
#   scripts/gpu-validate.sh [--scale F] [--work DIR] [--no-build]
#
#   --scale F    size of the seeded genome, F x 3,088,269,832 bases
#                (default 1.0: the 3.09 Gbase genome of the benchmarks)
#   --work DIR   where the genome and its .tbit go (default bench-data/gpu)
#   --no-build   use target/release/tribit as it is
#
# Steps, in order; the script stops at the first that needs a GPU when
# there is none, and says so (exit 3):
#   1. build with --features cuda (the binary and the tests);
#   2. find NVRTC (CUDA 13 or 12; the pip packages nvidia-cuda-nvrtc-cu13
#      and -cu12 are searched too) and the driver;
#   3. every GPU test, library and integration, with TRIBIT_REQUIRE_GPU=1
#      (a skip is a failure);
#   4. a seeded genome: GPU = CPU per sequence, forward and both strands,
#      for k = 1 2 7 8 12 21 31 33 64 65 130 512 and a poly-A 40-mer that
#      crosses N runs; IUPAC queries and 0-3 mismatches, both strands;
#   5. timings of the GPU path and the CPU path on the same file
#      (`--json`: first scan, which includes context creation, kernel load
#      and the upload, then the best of 5 in one process);
#   6. compute-sanitizer memcheck on a small file, where installed.
# Exit 0: everything ran and agreed; 1: a check failed; 3: no GPU here.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCALE=1.0
WORK="$ROOT/bench-data/gpu"
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "gpu-validate: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
cd "$ROOT"
say() { printf '\n== %s\n' "$*"; }
no_gpu() { say "STOP: $* — the remaining steps need a GPU"; exit 3; }

if [ "$BUILD" = 1 ]; then
  say "1. build with --features cuda"
  cargo build --release --features cuda
  cargo test --release --features cuda --no-run --lib --test kmer_kernel --test kmer
fi
TRIBIT="$ROOT/target/release/tribit"

say "2. NVRTC and the driver"
for d in $(python3 - 2>/dev/null <<'EOF'
import importlib, os
for mod in ("nvidia.cuda_nvrtc", "nvidia.cu13"):
    try:
        m = importlib.import_module(mod)
    except Exception:
        continue
    for p in m.__path__:
        lib = os.path.join(p, "lib")
        if os.path.isdir(lib):
            print(lib)
EOF
); do
  case ":${LD_LIBRARY_PATH:-}:" in *":$d:"*) ;; *) LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ;; esac
done
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
else
  echo "nvidia-smi: not installed"
fi
TINY="$(mktemp -d)"
trap 'rm -rf "$TINY"' EXIT
printf '>t\nACGTACGTNNACGT\n' > "$TINY/t.fa"
"$TRIBIT" import fasta "$TINY/t.fa" -o "$TINY/t.tbit" -q
if ! probe="$("$TRIBIT" kmer count "$TINY/t.tbit" ACG --device gpu 2>&1)"; then
  no_gpu "$probe"
fi
echo "GPU path answers: $probe"

say "3. every GPU test with TRIBIT_REQUIRE_GPU=1"
TRIBIT_REQUIRE_GPU=1 cargo test --release --features cuda --lib kmer::
TRIBIT_REQUIRE_GPU=1 cargo test --release --features cuda --test kmer_kernel --test kmer

say "4. GPU = CPU on a seeded genome (scale $SCALE)"
mkdir -p "$WORK"
FA="$WORK/genome-$SCALE.fa"
TB="$WORK/genome-$SCALE.tbit"
[ -s "$FA" ] || cargo run --release --example gen_genome -- --scale "$SCALE" -o "$FA"
[ -s "$TB" ] || "$TRIBIT" import fasta "$FA" -o "$TB" -f
FIRST="$("$TRIBIT" export sizes "$TB" | head -1 | cut -f1)"
kmers=()
for k in 1 2 7 8 12 21 31 33 64 65 130 512; do
  # A k-mer taken from the genome itself, so that it occurs.
  seq="$("$TRIBIT" get "$TB" "$FIRST:1000001-$((1000000 + k))" -n 0 | tail -n +2 | tr 'acgtn' 'ACGTA' | tr -c 'ACGT\n' 'A')"
  kmers+=("$seq")
done
kmers+=("$(printf 'A%.0s' $(seq 40))")
fail=0
for strands in "" "--both-strands"; do
  for q in "${kmers[@]}"; do
    cpu="$("$TRIBIT" kmer count "$TB" "$q" --per-sequence $strands)"
    gpu="$("$TRIBIT" kmer count "$TB" "$q" --per-sequence $strands --device gpu)"
    if [ "$cpu" = "$gpu" ]; then
      echo "ok   k=${#q} ${strands:-forward}: $(echo "$cpu" | awk '{s += $NF} END {print s}') matches"
    else
      echo "FAIL k=${#q} ${strands:-forward}: GPU and CPU differ"; fail=1
    fi
  done
done
# IUPAC letters and mismatches (SPEC §14), both strands.
for m in 0 1 2 3; do
  for q in TATAWAW GGNCC "${kmers[5]}"; do
    cpu="$("$TRIBIT" kmer count "$TB" "$q" --both-strands --mismatches "$m")"
    gpu="$("$TRIBIT" kmer count "$TB" "$q" --both-strands --mismatches "$m" --device gpu)"
    if [ "$cpu" = "$gpu" ]; then
      echo "ok   $q, $m mismatches: $(echo "$cpu" | awk '{s += $NF} END {print s}') matches"
    else
      echo "FAIL $q, $m mismatches: GPU and CPU differ"; fail=1
    fi
  done
done
[ "$fail" = 0 ] || { say "GPU and CPU disagree"; exit 1; }

say "5. timings (seconds; GPU first = context + kernel load + upload + scan)"
for dev in cpu gpu; do
  "$TRIBIT" kmer count "$TB" "${kmers[5]}" --device "$dev" --json --repeat 5 |
    python3 -c 'import json, sys; d = json.load(sys.stdin); print(f"{d[\"device\"]}: first {d[\"first_seconds\"]:.4f}  best of 5 {d[\"seconds\"]:.4f}  ({d[\"positions\"] / d[\"seconds\"] / 1e9:.2f} Gpositions/s)")'
done
for dev in cpu gpu; do
  /usr/bin/time -f "$dev whole process: %e s, %M KB max RSS" "$TRIBIT" kmer count "$TB" "${kmers[5]}" --device "$dev" >/dev/null
done

say "6. compute-sanitizer memcheck"
if command -v compute-sanitizer >/dev/null 2>&1; then
  compute-sanitizer --tool memcheck --error-exitcode 1 "$TRIBIT" kmer count "$TINY/t.tbit" ACG A ACGTACGTNNACGT --device gpu --per-sequence
else
  echo "compute-sanitizer: not installed (it ships with the CUDA toolkit)"
fi
say "done: the GPU path agrees with the CPU path"
