//! Criterion benches of the k-mer scan (SPEC §14): every CPU path, a 7-mer
//! and a 21-mer, forward and both strands, 2 threads, on a seeded synthetic
//! genome built in memory (about 5% N in runs, half soft-masked, rare IUPAC
//! codes).
//!
//! Run: `cargo bench --bench kmer`. Set `TRIBIT_BENCH_TBIT=PATH` to bench a
//! file instead (e.g. bench-data/full.tbit, the GRCh38-sized genome; warm
//! its page cache first). Peers and the memory-bandwidth floor are in
//! benches/kmer_peer.sh; figures in benches/README.md.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tribit::convert::fasta;
use tribit::kmer::{self, CpuPath, Query, ScanOptions};
use tribit::{Reader, WriterBuilder};

/// splitmix64, so the bench data is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A FASTA of `n` sequences of `len` bases.
fn genome(n: usize, len: usize, seed: u64) -> Vec<u8> {
    let mut r = Rng(seed);
    let mut out = Vec::with_capacity(n * (len + len / 60 + 32));
    for i in 0..n {
        out.extend_from_slice(format!(">chr{}\n", i + 1).as_bytes());
        let mut seq = Vec::with_capacity(len);
        let mut lower = false;
        while seq.len() < len {
            let run = 50 + (r.next() % 3000) as usize;
            let kind = r.next() % 100;
            for _ in 0..run.min(len - seq.len()) {
                let mut b = if kind < 5 {
                    b'N'
                } else {
                    b"ACGT"[(r.next() & 3) as usize]
                };
                if r.next().is_multiple_of(2_000_000) {
                    b = b'R';
                }
                seq.push(if lower { b.to_ascii_lowercase() } else { b });
            }
            lower = !lower;
        }
        for line in seq.chunks(60) {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }
    out
}

fn reader() -> Reader {
    if let Ok(path) = std::env::var("TRIBIT_BENCH_TBIT") {
        let mut r = Reader::open(&path).expect("open TRIBIT_BENCH_TBIT");
        r.set_verify_blocks(false);
        return r;
    }
    // `cargo test --all-targets` runs each bench once: keep that quick.
    let bench = std::env::args().any(|a| a == "--bench");
    let text = if bench {
        genome(8, 4_000_000, 42)
    } else {
        genome(2, 200_000, 42)
    };
    let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
    fasta::read_fasta(&text[..], &mut w).unwrap();
    Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap()
}

fn bench_scan(c: &mut Criterion) {
    let r = reader();
    let positions = r.index_header().map_or(0, |h| h.stream_len);
    let big = positions > 1_000_000_000;
    let mut g = c.benchmark_group("kmer/count");
    g.throughput(Throughput::Elements(positions));
    if big {
        g.sample_size(10);
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    for path in CpuPath::ALL.into_iter().filter(|p| p.is_available()) {
        for q in ["ACGTACG", "AAAGAATTAGCAAAGTTTGAT"] {
            for both in [false, true] {
                let queries = [Query::new(q).unwrap()];
                let opts = ScanOptions::default().set_cpu_path(Some(path)).set_both_strands(both);
                let name = format!("{}/k{}/{}", path.name(), q.len(), if both { "both" } else { "forward" });
                // Verify every block once, outside the timing.
                kmer::count(&r, &queries, &opts).unwrap();
                g.bench_function(name, |b| {
                    b.iter(|| pool.install(|| kmer::count(black_box(&r), black_box(&queries), &opts).unwrap()))
                });
            }
        }
    }
    g.finish();
}

criterion_group!(benches, bench_scan);
criterion_main!(benches);
