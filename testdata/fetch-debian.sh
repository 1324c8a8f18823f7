#!/usr/bin/env bash
# Install (if missing) the Debian packages that the real test FASTA files in
# testdata/ come from, and print the paths of the larger FASTA files they ship
# (bacterial genomes, 1-4.6 MB each), one path per line on stdout, so tests and
# benches can use bigger real genomes without committing them.
#
# Usage: testdata/fetch-debian.sh [--min-bytes N] [--decompress DIR] [--no-install]
#   --min-bytes N     only list files whose uncompressed size is >= N (default 1000000)
#   --decompress DIR  gunzip each listed file into DIR (once; reused later) and
#                     print the decompressed paths instead of the .gz paths
#   --no-install      never run apt-get; fail if a package is missing
# Messages go to stderr. Exit status: 0 ok, 1 a package is unavailable or
# shipped no FASTA, 2 bad usage or no apt-get/dpkg on this system.
set -euo pipefail

PACKAGES=(bowtie2-examples lastz-examples ragout-examples samtools)
MIN_BYTES=1000000
DECOMPRESS_DIR=
INSTALL=1

die() { local code=$1; shift; echo "fetch-debian.sh: $*" >&2; exit "$code"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --min-bytes) [ $# -ge 2 ] || die 2 "--min-bytes needs a value"; MIN_BYTES=$2; shift 2 ;;
    --decompress) [ $# -ge 2 ] || die 2 "--decompress needs a directory"; DECOMPRESS_DIR=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die 2 "unknown argument: $1 (see --help)" ;;
  esac
done
case "$MIN_BYTES" in ''|*[!0-9]*) die 2 "--min-bytes must be a non-negative integer" ;; esac

command -v dpkg-query >/dev/null 2>&1 || die 2 "dpkg-query not found: this script needs a Debian/Ubuntu system"

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]; }

missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done

if [ ${#missing[@]} -gt 0 ]; then
  [ "$INSTALL" = 1 ] || die 1 "packages not installed: ${missing[*]} (run without --no-install, or: apt-get install ${missing[*]})"
  command -v apt-get >/dev/null 2>&1 || die 2 "apt-get not found; cannot install: ${missing[*]}"
  SUDO=
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || die 1 "need root (or sudo) to install: ${missing[*]}"
    SUDO=sudo
  fi
  echo "fetch-debian.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
    echo "fetch-debian.sh: install failed; running apt-get update and retrying" >&2
    $SUDO apt-get update >&2 || die 1 "apt-get update failed (no network or no package mirror?)"
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
      || die 1 "could not install: ${missing[*]} (packages unavailable on this system?)"
  fi
  for p in "${missing[@]}"; do installed "$p" || die 1 "package $p is still not installed"; done
fi

# FASTA files shipped by the example packages (samtools ships none).
mapfile -t files < <(dpkg-query -L bowtie2-examples lastz-examples ragout-examples 2>/dev/null \
  | grep -E '\.(fa|fasta|fna)(\.gz)?$' | sort -u)
[ ${#files[@]} -gt 0 ] || die 1 "the example packages are installed but list no FASTA files"

uncompressed_size() {
  case "$1" in
    *.gz) gzip -dc -- "$1" | wc -c ;;
    *) wc -c < "$1" ;;
  esac
}

if [ -n "$DECOMPRESS_DIR" ]; then mkdir -p -- "$DECOMPRESS_DIR"; fi

count=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  size=$(uncompressed_size "$f" | tr -d ' ')
  [ "$size" -ge "$MIN_BYTES" ] || continue
  if [ -n "$DECOMPRESS_DIR" ]; then
    # Prefix with the package's example folder so same-named files do not clash.
    rel=${f#/usr/share/doc/}
    out="$DECOMPRESS_DIR/$(echo "${rel%.gz}" | tr '/' '_')"
    if [ ! -s "$out" ]; then
      case "$f" in
        *.gz) gzip -dc -- "$f" > "$out.tmp.$$" ;;
        *) cp -- "$f" "$out.tmp.$$" ;;
      esac
      mv -- "$out.tmp.$$" "$out"
    fi
    echo "$out"
  else
    echo "$f"
  fi
  count=$((count + 1))
done

[ "$count" -gt 0 ] || die 1 "no FASTA file of at least $MIN_BYTES bytes found in the example packages"
echo "fetch-debian.sh: $count file(s) listed" >&2
