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

mod common;

use common::genome;

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
