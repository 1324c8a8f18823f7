#!/usr/bin/env bash
# k-mer count: tribit vs peers, same machine, same run (SPEC §14).
#
#   benches/kmer_peer.sh [options]
#
#   --fasta FILE     genome FASTA (default bench-data/full.fa: make it with
#                    `cargo run --release --example gen_genome -- --scale 1.0
#                    -o bench-data/full.fa`)
#   --tbit FILE      its tribit import (default: FASTA with .tbit; imported
#                    if missing)
#   --kmers "A B"    k-mers to count (default: a 7-mer, and a 21-mer from a
#                    repeat family of the synthetic genome: 73 copies)
#   --threads N      threads for every tool (default 2)
#   --runs N         timed runs, best reported (default 5)
#   --slice NAME     sequence cut out for seqkit (default chr21)
#   --paths "P..."   tribit CPU paths to time (default: scalar avx2 avx512,
#                    those this CPU has)
#   --no-build       do not run cargo build
#   -h, --help
#
# What is timed, all with 2 threads and a warm page cache, in this order:
#   tribit   `tribit kmer count FILE KMER --no-verify --json --repeat RUNS`:
#            "scan_s" is the best of RUNS scans in one process (pages
#            mapped), "first_s" the first (it maps 1.2 GB of pages: page
#            faults), "process_s" a whole `tribit kmer count` process. The
#            +ck rows check every block's checksum first (the default; one scan).
#   floor    a plain multi-threaded sum over a buffer the size of all three
#            planes (the BLOCKS section), and over plane 0 alone: the memory
#            bandwidth floor of a scan that reads them.
#   ascii    benches/kmer_peer.c: the FASTA loaded into RAM, line ends
#            stripped and uppercased (not timed in scan_s), then an AVX2
#            four-anchor scanner with memcmp confirmation.
#   seqkit   `seqkit locate -i [-P] -p KMER` on one sequence (--slice),
#            whole process, best of up to 3; Gbases/s and the time scaled
#            to the genome.
# Counts are compared: every tool must agree with tribit (exit 3 if not).
#
# The page cache of this machine holds about 3 GB: tribit's file (1.2 GB)
# is read first and timed warm; the ASCII peer then reads the FASTA (3.1 GB)
# into its own memory, which may evict the tribit file — tribit is timed
# before, never after.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FASTA="$ROOT/bench-data/full.fa"
TBIT=""
KMERS="ACGTACG AAAGAATTAGCAAAGTTTGAT"
THREADS=2
RUNS=5
SLICE=chr21
PATHS=""
BUILD=1

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "kmer_peer: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --fasta) FASTA="${2:?}"; shift 2 ;;
    --tbit) TBIT="${2:?}"; shift 2 ;;
    --kmers) KMERS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --runs) RUNS="${2:?}"; shift 2 ;;
    --slice) SLICE="${2:?}"; shift 2 ;;
    --paths) PATHS="${2:?}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[[ -f "$FASTA" ]] || die "no FASTA at $FASTA (see --help)"
TBIT="${TBIT:-${FASTA%.*}.tbit}"
TRIBIT="$ROOT/target/release/tribit"
OUT="$ROOT/target/kmer-peer"
mkdir -p "$OUT"

if [[ $BUILD = 1 ]]; then
  (cd "$ROOT" && cargo build --release --quiet)
fi
cc -O3 -mavx2 -pthread "$ROOT/benches/kmer_peer.c" -o "$OUT/kmer_peer"
[[ -f "$TBIT" ]] || "$TRIBIT" import fasta "$FASTA" -o "$TBIT" -q

if [[ -z "$PATHS" ]]; then
  PATHS="scalar"
  grep -qw avx2 /proc/cpuinfo && PATHS="$PATHS avx2"
  grep -qw avx512_vbmi2 /proc/cpuinfo && PATHS="$PATHS avx512"
fi

now() { date +%s.%N; }
json_field() { sed -n "s/.*\"$1\": *\([^,}]*\).*/\1/p" | head -1 | tr -d '"'; }

echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB RAM"
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews timings)"
echo "# genome: $FASTA ($(stat -c %s "$FASTA") bytes), $TBIT ($(stat -c %s "$TBIT") bytes)"
echo "# threads: $THREADS, best of $RUNS runs"

# ---- tribit (warm) ---------------------------------------------------------
cat "$TBIT" > /dev/null
INFO="$("$TRIBIT" info "$TBIT" --json)"
POSITIONS="$("$TRIBIT" kmer count "$TBIT" A --no-verify --json | json_field positions)"
BLOCKS_BYTES="$(echo "$INFO" | tr -d '\n ' | sed 's/},{/}\n{/g' | grep '"name":"BLOCKS' | json_field length)"
BLOCKS_BYTES="${BLOCKS_BYTES:-$(stat -c %s "$TBIT")}"
GBASES="$(awk -v p="$POSITIONS" 'BEGIN{printf "%.3f", p/1e9}')"
echo "# positions scanned: $POSITIONS ($GBASES G); planes: $BLOCKS_BYTES bytes"
echo

printf '%-8s %-9s %-4s %-8s %10s %10s %10s %9s %s\n' tool path k strands scan_s first_s process_s Gbases/s count
declare -A TRIBIT_S TRIBIT_COUNT ASCII_S

tribit_run() { # path kmer strands verify
  local path="$1" kmer="$2" strands="$3" verify="$4"
  local args=(kmer count "$TBIT" "$kmer" -t "$THREADS" --json --cpu-path "$path")
  [[ $strands = both ]] && args+=(--both-strands)
  [[ $verify = no ]] && args+=(--no-verify)
  local out best first count t0 t1 proc
  if [[ $verify = no ]]; then
    out="$("$TRIBIT" "${args[@]}" --repeat "$RUNS")"
  else
    out="$("$TRIBIT" "${args[@]}")"
  fi
  best="$(echo "$out" | json_field seconds)"
  first="$(echo "$out" | json_field first_seconds)"
  count="$(echo "$out" | tr -d '\n ' | sed 's/.*"count":\([0-9]*\).*/\1/')"
  t0="$(now)"; "$TRIBIT" "${args[@]}" > /dev/null; t1="$(now)"
  proc="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}')"
  local tag="$path"; [[ $verify = yes ]] && tag="$path+ck"
  printf '%-8s %-9s %-4s %-8s %10.4f %10.4f %10.4f %9.1f %s\n' tribit "$tag" "${#kmer}" "$strands" "$best" "$first" \
    "$proc" "$(awk -v g="$GBASES" -v s="$best" 'BEGIN{print g/s}')" "$count"
  TRIBIT_S["$kmer/$strands/$path/$verify"]="$best"
  TRIBIT_COUNT["$kmer/$strands"]="$count"
}

for kmer in $KMERS; do
  cat "$TBIT" > /dev/null # warm again: other work may have evicted it
  for strands in forward both; do
    for path in $PATHS; do
      tribit_run "$path" "$kmer" "$strands" no
    done
  done
  BEST_PATH="${PATHS##* }"
  tribit_run "$BEST_PATH" "$kmer" forward yes
done

# ---- memory-bandwidth floor ----------------------------------------------
floor_line() {
  local what="$1" bytes="$2" r
  r="$("$OUT/kmer_peer" floor "$bytes" "$THREADS" "$RUNS")"
  local s; s="$(echo "$r" | sed 's/.*sum_s=\([0-9.]*\).*/\1/')"
  printf '%-8s %-9s %-4s %-8s %10s %10s %10s %9s %s\n' floor "$what" - - "$s" - - \
    "$(awk -v s="$s" -v b="$bytes" 'BEGIN{printf "%.1fGB/s", b/s/1e9}')" "$bytes"
}
floor_line planes "$BLOCKS_BYTES"
floor_line plane0 "$((BLOCKS_BYTES / 3))"

# ---- ASCII scanner over the FASTA in RAM ------------------------------------
SPECS=()
for kmer in $KMERS; do SPECS+=("$kmer" "$kmer:both"); done
STATUS=0
while IFS=$'\t' read -r tool a b c d; do
  if [[ $tool = ascii-load ]]; then
    echo "# ascii peer: $a $b $c (load and prepare not in scan_s)"
    continue
  fi
  kmer="${a#kmer=}"; strands="${b#strands=}"; s="${c#scan_s=}"; count="${d#count=}"
  printf '%-8s %-9s %-4s %-8s %10.4f %10s %10s %9.1f %s\n' ascii avx2 "${#kmer}" "$strands" "$s" - - \
    "$(awk -v g="$GBASES" -v s="$s" 'BEGIN{print g/s}')" "$count"
  ASCII_S["$kmer/$strands"]="$s"
  if [[ "$count" != "${TRIBIT_COUNT[$kmer/$strands]}" ]]; then
    echo "kmer_peer: ascii count $count differs from tribit's ${TRIBIT_COUNT[$kmer/$strands]}" >&2; STATUS=3
  fi
done < <("$OUT/kmer_peer" ascii "$FASTA" "$THREADS" "$RUNS" "${SPECS[@]}")

# ---- seqkit locate on a slice ------------------------------------------------
declare -A SEQKIT_FULL
if command -v seqkit > /dev/null; then
  SL="$OUT/$(basename "${FASTA%.*}")-$SLICE.fa"
  if [[ ! -s "$SL" ]]; then
    if command -v samtools > /dev/null; then samtools faidx "$FASTA" "$SLICE" > "$SL"
    else awk -v n=">$SLICE" '/^>/{p=($1==n)} p' "$FASTA" > "$SL"; fi
  fi
  "$TRIBIT" import fasta "$SL" -o "${SL%.fa}.tbit" -q
  SL_BASES="$("$TRIBIT" kmer count "${SL%.fa}.tbit" A --json | json_field positions)"
  for kmer in $KMERS; do
    for strands in forward both; do
      flags=(-i -j "$THREADS" -p "$kmer")
      [[ $strands = forward ]] && flags+=(-P)
      s=999
      for ((i = 0; i < (RUNS < 3 ? RUNS : 3); i++)); do # best of up to 3
        t0="$(now)"; count="$(seqkit locate "${flags[@]}" "$SL" | tail -n +2 | wc -l)"; t1="$(now)"
        s="$(awk -v a="$t0" -v b="$t1" -v s="$s" 'BEGIN{d=b-a; printf "%.3f", (d<s)?d:s}')"
      done
      targs=(kmer count "${SL%.fa}.tbit" "$kmer"); [[ $strands = both ]] && targs+=(--both-strands)
      want="$("$TRIBIT" "${targs[@]}" | cut -f2)"
      full="$(awk -v s="$s" -v b="$SL_BASES" -v p="$POSITIONS" 'BEGIN{printf "%.1f", s*p/b}')"
      printf '%-8s %-9s %-4s %-8s %10s %10s %10s %9.3f %s (on %s, %s bases; %s s scaled to the genome)\n' seqkit locate \
        "${#kmer}" "$strands" - - "$s" "$(awk -v b="$SL_BASES" -v s="$s" 'BEGIN{print b/1e9/s}')" "$count" "$SLICE" \
        "$SL_BASES" "$full"
      SEQKIT_FULL["$kmer/$strands"]="$full"
      if [[ "$count" != "$want" ]]; then
        echo "kmer_peer: seqkit count $count differs from tribit's $want on $SLICE" >&2; STATUS=3
      fi
    done
  done
else
  echo "# seqkit not installed (apt-get install seqkit): skipped"
fi

# ---- ratios --------------------------------------------------------------
echo
echo "# ratios: peer time / tribit scan time (${PATHS##* } path, no block check)"
for kmer in $KMERS; do
  for strands in forward both; do
    t="${TRIBIT_S[$kmer/$strands/${PATHS##* }/no]}"
    a="${ASCII_S[$kmer/$strands]:-}"
    q="${SEQKIT_FULL[$kmer/$strands]:-}"
    printf 'k=%-3s %-8s tribit %.4f s' "${#kmer}" "$strands" "$t"
    [[ -n "$a" ]] && printf '  ascii-avx2 %.1fx' "$(awk -v a="$a" -v t="$t" 'BEGIN{print a/t}')"
    [[ -n "$q" ]] && printf '  seqkit (scaled) %.0fx' "$(awk -v a="$q" -v t="$t" 'BEGIN{print a/t}')"
    echo
  done
done
exit $STATUS
