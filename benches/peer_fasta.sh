#!/usr/bin/env bash
# Peer comparison: tribit vs samtools faidx (and faToTwoBit when available)
# on one FASTA, same machine, same run.
#
#   benches/peer_fasta.sh [options]
#
#   --scale F        synthetic genome size, F * 3.09 Gbases (default 0.1)
#   --full           same as --scale 1.0 (GRCh38-sized, ~3.1 GB of FASTA)
#   --seed N         seed for the synthetic genome and the regions (default 42)
#   --fasta FILE     use this FASTA instead of generating one (plain text;
#                    it is symlinked into bench-data/ so its .fai lands there)
#   --runs N         timed runs per measurement, median reported (default 3)
#   --regions N      random regions to fetch (default 10000)
#   --region-len L   length of each region (default 100)
#   --tribit PATH    tribit binary (default target/release/tribit, built with
#                    `cargo build --release` unless --no-build)
#   --no-build       do not run cargo build
#   --skip-tribit    samtools (and faToTwoBit) only
#   -h, --help
#
# Environment: GEN_GENOME=PATH uses a prebuilt gen_genome binary instead of
# building the example.
#
# Data go to bench-data/ at the repository root (git-ignored). The synthetic
# genome comes from `cargo run --release --example gen_genome` and is reused
# if already there (same seed and options => byte-identical file).
#
# Timing: whole-process wall clock (date +%s%N around the command), peak RSS
# from /usr/bin/time -f %M; median of --runs runs. Import runs start from a
# warm page cache of the FASTA (read once first); fetch runs are preceded by
# one untimed run of each tool, whose outputs are compared with cmp.
#
# Exit status: 0 ok; 1 a command failed (or a tool is missing); 3 the tribit
# and samtools fetch outputs differ (the table is still printed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/bench-data"

SCALE=0.1
SEED=42
FASTA_IN=""
RUNS=3
NREG=10000
REGLEN=100
TRIBIT="$ROOT/target/release/tribit"
BUILD=1
SKIP_TRIBIT=0

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "peer_fasta: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --scale) SCALE="${2:?--scale needs a value}"; shift 2 ;;
    --full) SCALE=1.0; shift ;;
    --seed) SEED="${2:?}"; shift 2 ;;
    --fasta) FASTA_IN="${2:?}"; shift 2 ;;
    --runs) RUNS="${2:?}"; shift 2 ;;
    --regions) NREG="${2:?}"; shift 2 ;;
    --region-len) REGLEN="${2:?}"; shift 2 ;;
    --tribit) TRIBIT="${2:?}"; BUILD=0; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --skip-tribit) SKIP_TRIBIT=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"

# ------------------------------------------------------------------ tools
apt_install() { # install Debian packages quietly (root only)
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then return 1; fi
  if [[ -z "${APT_UPDATED:-}" ]]; then apt-get update -qq >/dev/null 2>&1 || true; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}
[[ -x /usr/bin/time ]] || apt_install time || die "/usr/bin/time missing (apt-get install time)"
command -v samtools >/dev/null || apt_install samtools || die "samtools missing (apt-get install samtools)"

FATOTWOBIT=""
if command -v faToTwoBit >/dev/null; then
  FATOTWOBIT="$(command -v faToTwoBit)"
else
  # Debian Med ships it as ucsc-fatotwobit in some releases; skip if absent.
  if [[ $(id -u) -eq 0 ]] && command -v apt-cache >/dev/null; then
    if ! compgen -G '/var/lib/apt/lists/*Packages*' >/dev/null; then
      apt-get update -qq >/dev/null 2>&1 || true; APT_UPDATED=1
    fi
    if apt-cache show ucsc-fatotwobit >/dev/null 2>&1; then
      timeout 300 env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ucsc-fatotwobit >/dev/null 2>&1 || true
      FATOTWOBIT="$(command -v faToTwoBit || true)"
    fi
  fi
fi

mkdir -p "$DATA"
TMPD="$(mktemp -d "$DATA/.peer_fasta.XXXXXX")"
trap 'rm -rf "$TMPD"' EXIT

if [[ $SKIP_TRIBIT -eq 0 && $BUILD -eq 1 ]]; then
  echo "# cargo build --release" >&2
  (cd "$ROOT" && cargo build --release --quiet) || die "cargo build --release failed"
fi
if [[ $SKIP_TRIBIT -eq 0 ]]; then
  [[ -x "$TRIBIT" ]] || die "tribit binary not found at $TRIBIT (build it, or --skip-tribit)"
fi

# ------------------------------------------------------------------ data
GEN="${GEN_GENOME:-}"   # env override: a prebuilt gen_genome binary
gen_genome() { # args...
  if [[ -z "$GEN" ]]; then
    (cd "$ROOT" && cargo build --release --quiet --example gen_genome) \
      || die "cargo build --release --example gen_genome failed"
    GEN="$ROOT/target/release/examples/gen_genome"
  fi
  "$GEN" "$@"
}

if [[ -n "$FASTA_IN" ]]; then
  [[ -f "$FASTA_IN" ]] || die "no such FASTA: $FASTA_IN"
  case "$FASTA_IN" in *.gz|*.bgz) die "--fasta must be uncompressed (samtools faidx needs plain or bgzip)";; esac
  NAME="$(basename "$FASTA_IN")"; NAME="${NAME%.*}"
  FA="$DATA/$NAME.fa"
  [[ "$(realpath "$FASTA_IN")" == "$(realpath -m "$FA")" ]] || ln -sfn "$(realpath "$FASTA_IN")" "$FA"
  REG="$DATA/$NAME.regions-${NREG}x${REGLEN}-seed$SEED.txt"
  if [[ ! -s "$REG" ]]; then
    samtools faidx "$FA" || die "samtools faidx $FA failed"
    # uniform over the genome, seeded; regions that overhang are redrawn
    awk -v n="$NREG" -v l="$REGLEN" -v seed="$SEED" '
      { name[NR] = $1; len[NR] = $2; cum[NR] = tot += $2 }
      END {
        srand(seed); k = 0
        for (tries = 0; k < n && tries < 100 * n + 1000; tries++) {
          g = int(rand() * tot); lo = 1; hi = NR
          while (lo < hi) { m = int((lo + hi) / 2); if (cum[m] > g) hi = m; else lo = m + 1 }
          s = g - (cum[lo] - len[lo])
          if (s + l <= len[lo]) { printf "%s:%d-%d\n", name[lo], s + 1, s + l; k++ }
        }
        if (k < n) exit 1
      }' "$FA.fai" > "$REG.tmp" || die "could not draw regions from $FA.fai"
    mv "$REG.tmp" "$REG"
  fi
else
  NAME="synth-scale$SCALE-seed$SEED"
  FA="$DATA/$NAME.fa"
  REG="$DATA/$NAME.regions-${NREG}x${REGLEN}.txt"
  if [[ ! -s "$FA" ]]; then
    echo "# generating $FA" >&2
    gen_genome --scale "$SCALE" --seed "$SEED" -o "$FA.tmp" || die "gen_genome failed"
    mv "$FA.tmp" "$FA"
  fi
  if [[ ! -s "$REG" ]]; then
    gen_genome --scale "$SCALE" --seed "$SEED" --regions "$NREG" --region-len "$REGLEN" \
      --regions-out "$REG.tmp" || die "gen_genome --regions failed"
    mv "$REG.tmp" "$REG"
  fi
fi
TBIT="$DATA/$NAME.tbit"
TWOBIT="$DATA/$NAME.2bit"

# ------------------------------------------------------------------ timing
# measure KEY STDOUT_FILE PRE_CMD -- CMD...: one run; PRE_CMD (eval'd, untimed)
# prepares it (e.g. removes the previous output). Appends secs/RSS to lists.
declare -A SECS RSS
measure() {
  local key="$1" out="$2" pre="$3"; shift 4
  eval "$pre"
  local t0 t1 rc=0
  t0=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$TMPD/rss" "$@" > "$out" 2> "$TMPD/stderr" || rc=$?
  t1=$(date +%s%N)
  if [[ $rc -ne 0 ]]; then
    echo "peer_fasta: command failed (exit $rc): $*" >&2
    sed 's/^/  | /' "$TMPD/stderr" | tail -20 >&2
    exit 1
  fi
  SECS[$key]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }') "
  RSS[$key]+="$(tail -1 "$TMPD/rss") "
}
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END {
  if (NR == 0) { print "nan"; exit }
  if (NR % 2) printf "%.4f", v[(NR + 1) / 2]; else printf "%.4f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxof() { tr ' ' '\n' | awk 'NF' | sort -g | tail -1; }

bench() { # KEY STDOUT PRE -- CMD...
  local key="$1" i
  for ((i = 0; i < RUNS; i++)); do measure "$@"; done
  echo "#   $key: ${SECS[$key]}s" >&2
}

cat "$FA" > /dev/null   # warm the page cache

echo "# import ($RUNS runs each)" >&2
bench "samtools faidx" /dev/null "rm -f '$FA.fai'" -- samtools faidx "$FA"
if [[ $SKIP_TRIBIT -eq 0 ]]; then
  bench "tribit import" /dev/null "rm -f '$TBIT'" -- "$TRIBIT" import fasta "$FA" -o "$TBIT"
fi
if [[ -n "$FATOTWOBIT" ]]; then
  bench "faToTwoBit" /dev/null "rm -f '$TWOBIT'" -- "$FATOTWOBIT" "$FA" "$TWOBIT"
fi
[[ -s "$FA.fai" ]] || die "samtools did not write $FA.fai"

BASES=$(awk '{ s += $2 } END { print s }' "$FA.fai")
NSEQ=$(wc -l < "$FA.fai")

echo "# fetch: $NREG regions of $REGLEN bp, warm-up + $RUNS runs each" >&2
MISMATCH=0
measure "warm-samtools" "$TMPD/samtools.out" ":" -- samtools faidx "$FA" -r "$REG"
bench "samtools faidx -r" /dev/null ":" -- samtools faidx "$FA" -r "$REG"
if [[ $SKIP_TRIBIT -eq 0 ]]; then
  measure "warm-tribit" "$TMPD/tribit.out" ":" -- "$TRIBIT" get "$TBIT" --regions "$REG"
  bench "tribit get --regions" /dev/null ":" -- "$TRIBIT" get "$TBIT" --regions "$REG"
  bench "tribit get --no-verify" /dev/null ":" -- "$TRIBIT" get "$TBIT" --regions "$REG" --no-verify
  if ! cmp -s "$TMPD/samtools.out" "$TMPD/tribit.out"; then
    MISMATCH=1
    echo "peer_fasta: MISMATCH: tribit get and samtools faidx outputs differ:" >&2
    cmp "$TMPD/samtools.out" "$TMPD/tribit.out" >&2 || true
    diff <(head -c 1000000 "$TMPD/samtools.out") <(head -c 1000000 "$TMPD/tribit.out") \
      | head -10 >&2 || true
    cp "$TMPD/samtools.out" "$DATA/$NAME.fetch.samtools.fa"
    cp "$TMPD/tribit.out" "$DATA/$NAME.fetch.tribit.fa"
    echo "peer_fasta: outputs kept in $DATA/$NAME.fetch.{samtools,tribit}.fa" >&2
  fi
fi

# ------------------------------------------------------------------ report
bpb() { awk -v s="$1" -v b="$BASES" 'BEGIN { printf "%.3f", s * 8 / b }'; }
fsize() { stat -L -c %s "$1"; }
mb() { awk -v s="$1" 'BEGIN { printf "%.1f", s / 1048576 }'; }
row() { # tool step key ref_key
  local s r ratio="-"
  s=$(median <<< "${SECS[$3]}")
  r=$(maxof <<< "${RSS[$3]}")
  if [[ -n "$4" && -n "${SECS[$4]:-}" ]]; then
    ratio=$(awk -v a="$(median <<< "${SECS[$4]}")" -v b="$s" 'BEGIN { printf "%.2fx", a / b }')
  fi
  printf '%-8s %-24s %10s %12s %18s\n' "$1" "$2" "$s" "$(awk -v k="$r" 'BEGIN { printf "%.1f", k / 1024 }')" "$ratio"
}

echo
echo "== peer_fasta: $(basename "$FA"): $NSEQ sequences, $BASES bases, $(mb "$(fsize "$FA")") MiB FASTA"
echo "   host: $(nproc) cpus, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(samtools --version | head -1)"
[[ $SKIP_TRIBIT -eq 1 ]] || echo "   tribit: $TRIBIT ($("$TRIBIT" --version 2>/dev/null | head -1 || echo '?'))"
echo "   runs: $RUNS (median), regions: $NREG x $REGLEN bp from $(basename "$REG"), seed $SEED"
echo
printf '%-8s %-24s %10s %12s %18s\n' step tool seconds peak_RSS_MiB samtools/tribit
row import "samtools faidx" "samtools faidx" ""
[[ $SKIP_TRIBIT -eq 1 ]] || row import "tribit import fasta" "tribit import" "samtools faidx"
[[ -z "$FATOTWOBIT" ]] || row import "faToTwoBit" "faToTwoBit" ""
row fetch "samtools faidx -r" "samtools faidx -r" ""
[[ $SKIP_TRIBIT -eq 1 ]] || row fetch "tribit get --regions" "tribit get --regions" "samtools faidx -r"
[[ $SKIP_TRIBIT -eq 1 ]] || row fetch "tribit get --no-verify" "tribit get --no-verify" "samtools faidx -r"
echo
printf '%-28s %14s %10s\n' file bytes bits/base
printf '%-28s %14s %10s\n' "FASTA" "$(fsize "$FA")" "$(bpb "$(fsize "$FA")")"
printf '%-28s %14s %10s\n' "samtools .fai" "$(fsize "$FA.fai")" "$(bpb "$(fsize "$FA.fai")")"
printf '%-28s %14s %10s\n' "samtools FASTA+.fai" "$(( $(fsize "$FA") + $(fsize "$FA.fai") ))" \
  "$(bpb $(( $(fsize "$FA") + $(fsize "$FA.fai") )))"
[[ $SKIP_TRIBIT -eq 1 ]] || printf '%-28s %14s %10s\n' "tribit .tbit" "$(fsize "$TBIT")" "$(bpb "$(fsize "$TBIT")")"
if [[ -n "$FATOTWOBIT" ]]; then
  printf '%-28s %14s %10s\n' "faToTwoBit .2bit" "$(fsize "$TWOBIT")" "$(bpb "$(fsize "$TWOBIT")")"
else
  echo "(faToTwoBit not available: no faToTwoBit on PATH and no ucsc-fatotwobit Debian package; skipped)"
fi
if [[ $SKIP_TRIBIT -eq 0 ]]; then
  if [[ $MISMATCH -eq 0 ]]; then echo "fetch outputs: identical (cmp)"; else echo "fetch outputs: DIFFER"; fi
fi
exit $(( MISMATCH ? 3 : 0 ))
