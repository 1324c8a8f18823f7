//! Criterion benches of the table paths on a seeded table shaped like
//! tranSMART/GEO GSE24080 (patients x probesets, patient-major), scaled down
//! so that it builds in memory in a second: point lookups by the composite
//! key (GENE_SYMBOL, PROBESET_ID, PATIENT_ID), the "case A1" query (all rows
//! of 38% of the patients, sum RAW), and the write with two indexes.
//!
//! Run: `cargo bench --bench table`. Peers (SQLite, DuckDB) are not run here.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tribit::container::{ByteOrder, Container};
use tribit::table::{Schema, TableOptions, TableSet, TablesWriter, Value};

const PATIENTS: u64 = 200;
const PROBES: u64 = 2_000;

mod common;

use common::Rng;

fn build() -> Vec<u8> {
    let schema = Schema::parse("PATIENT_ID:u32,PROBESET_ID:dict,GENE_SYMBOL:dict,RAW:f32?,LOG2:f32?").unwrap();
    let opts = TableOptions {
        indexes: vec![
            vec!["PATIENT_ID".into()],
            vec!["GENE_SYMBOL".into(), "PROBESET_ID".into(), "PATIENT_ID".into()],
        ],
    };
    let probes: Vec<String> = (0..PROBES).map(|p| format!("{}_at", 1_000_000 + p)).collect();
    let genes: Vec<String> = (0..PROBES).map(|p| format!("GENE{}", p / 3)).collect();
    let mut r = Rng(24080);
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    let mut t = w.table("expr", schema, &opts).unwrap();
    for patient in 0..PATIENTS {
        for p in 0..PROBES as usize {
            let raw = (r.next() % 100_000) as f32 / 10.0;
            t.push_row(&[
                Value::UInt(patient),
                Value::Str(&probes[p]),
                Value::Str(&genes[p]),
                Value::F32(raw),
                Value::F32(raw.max(1.0).log2()),
            ])
            .unwrap();
        }
    }
    t.finish().unwrap();
    w.finish().unwrap().into_inner()
}

fn benches(c: &mut Criterion) {
    let bytes = build();
    let container = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &container).unwrap();
    let t = ts.table("expr").unwrap();
    let mut g = c.benchmark_group("table");

    let mut r = Rng(7);
    let keys: Vec<(String, String, u64)> = (0..1000)
        .map(|_| {
            let p = r.next() % PROBES;
            (
                format!("GENE{}", p / 3),
                format!("{}_at", 1_000_000 + p),
                r.next() % PATIENTS,
            )
        })
        .collect();
    g.throughput(Throughput::Elements(keys.len() as u64));
    g.bench_function("lookup/composite3", |b| {
        b.iter(|| {
            let mut n = 0;
            for (gene, probe, patient) in &keys {
                n += t
                    .index_lookup(1, &[Value::Str(gene), Value::Str(probe), Value::UInt(*patient)])
                    .unwrap()
                    .len();
            }
            black_box(n)
        })
    });

    let chosen: Vec<Value<'_>> = (0..PATIENTS).filter(|p| p % 8 < 3).map(Value::UInt).collect();
    let raw = t.column::<f32>("RAW").unwrap();
    g.throughput(Throughput::Elements(chosen.len() as u64 * PROBES));
    g.bench_function("a1/in_list_sum_raw", |b| {
        b.iter(|| {
            let (rows, _) = t.select(&[("PATIENT_ID", chosen.clone())]).unwrap();
            let sum: f64 = rows.rows().filter_map(|r| raw.get(r)).map(f64::from).sum();
            black_box(sum)
        })
    });
    g.throughput(Throughput::Elements(PATIENTS * PROBES));
    g.sample_size(10);
    g.bench_function("write/two_indexes", |b| b.iter(|| black_box(build().len())));
    g.finish();
}

criterion_group!(table, benches);
criterion_main!(table);
