//! Criterion benches of the sequence paths: FASTA import, region fetch,
//! name lookup and export, on a seeded synthetic genome built in memory.
//!
//! Run: `cargo bench --bench sequence`. Figures are in benches/README.md.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tribit::convert::fasta;
use tribit::{Compression, Reader, WriterBuilder};

mod common;

use common::{genome, Rng};

fn import(text: &[u8]) -> Vec<u8> {
    import_with(text, Compression::None, 1 << 14)
}

fn import_with(text: &[u8], c: Compression, block_bases: u32) -> Vec<u8> {
    let mut w = WriterBuilder::default()
        .set_compression(c)
        .set_block_bases(block_bases)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    fasta::read_fasta(text, &mut w).unwrap();
    w.finish().unwrap().into_inner()
}

fn benches(c: &mut Criterion) {
    let text = genome(8, 4_000_000, 42);
    let bases: u64 = 8 * 4_000_000;

    let mut g = c.benchmark_group("import");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(10);
    g.bench_function("fasta/32Mbases", |b| b.iter(|| import(black_box(&text))));
    g.bench_function("fasta-zstd3/32Mbases", |b| {
        b.iter(|| import_with(black_box(&text), Compression::Zstd(3), 1 << 16))
    });
    g.finish();

    let bytes = import(&text);
    let mut reader = Reader::from_bytes(bytes).unwrap();
    let mut r = Rng(7);
    let regions: Vec<(usize, u64)> = (0..10_000)
        .map(|_| ((r.next() % 8) as usize, r.next() % (4_000_000 - 100)))
        .collect();

    let mut g = c.benchmark_group("fetch");
    g.throughput(Throughput::Elements(regions.len() as u64));
    for verify in [true, false] {
        reader.set_verify_blocks(verify);
        let name = if verify {
            "raw/100bp/verified"
        } else {
            "raw/100bp/unverified"
        };
        let mut out = Vec::with_capacity(128);
        g.bench_function(name, |b| {
            b.iter(|| {
                for &(i, s) in &regions {
                    out.clear();
                    reader.fetch(black_box(i), s, s + 100, &mut out).unwrap();
                }
                out.len()
            })
        });
    }
    // SPEC §5.3: each fetch decompresses the block it touches (random
    // regions rarely hit the reader's 8-block cache).
    for (name, bb) in [("zstd/100bp/B16384", 1u32 << 14), ("zstd/100bp/B65536", 1 << 16)] {
        let z = Reader::from_bytes(import_with(&text, Compression::Zstd(3), bb)).unwrap();
        let mut out = Vec::with_capacity(128);
        g.bench_function(name, |b| {
            b.iter(|| {
                for &(i, s) in &regions {
                    out.clear();
                    z.fetch(black_box(i), s, s + 100, &mut out).unwrap();
                }
                out.len()
            })
        });
    }
    g.finish();

    let names: Vec<String> = (0..10_000).map(|k| format!("chr{}", k % 8 + 1)).collect();
    let mut g = c.benchmark_group("lookup");
    g.throughput(Throughput::Elements(names.len() as u64));
    g.bench_function("name/10k", |b| {
        b.iter(|| {
            names
                .iter()
                .filter(|n| reader.find(black_box(n.as_bytes())).unwrap().is_some())
                .count()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("export");
    g.throughput(Throughput::Elements(bases));
    g.sample_size(10);
    g.bench_function("fasta/32Mbases", |b| {
        b.iter_batched(
            || Vec::with_capacity(text.len()),
            |mut out| {
                fasta::write_fasta(&reader, &mut out).unwrap();
                out
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(sequence, benches);
criterion_main!(sequence);
