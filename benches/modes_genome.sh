# Sourced by the k-mer bench scripts: builds tribit and the generator
# (unless BUILD=0), then makes the seeded genome of scale $SCALE and its
# .tbit under bench-data/ once, reusing them on later runs. Sets TRIBIT,
# DATA, FA and TB. Needs ROOT, SCALE and BUILD.
cd "$ROOT"
[ "$BUILD" = 0 ] || cargo build --release --quiet --bin tribit --example gen_genome
TRIBIT="$ROOT/target/release/tribit"
DATA="$ROOT/bench-data"
mkdir -p "$DATA"
FA="$DATA/modes-$SCALE.fa"
TB="$DATA/modes-$SCALE.tbit"
[ -s "$FA" ] || "$ROOT/target/release/examples/gen_genome" --scale "$SCALE" -q -o "$FA"
[ -s "$TB" ] || "$TRIBIT" import fasta "$FA" -o "$TB" -q -f
