//! Tables (SPEC §8): every type and null round-trips in both byte orders;
//! index lookups equal a naive scan (single, composite, IN, AND); forced hash
//! collisions never return a wrong row.

mod common;

use common::reseal;

use std::io::Cursor;

use tribit::container::{ByteOrder, Container};
use tribit::index::IndexLayout;
use tribit::table::{RowSet, Schema, TableOptions, TableSet, TablesWriter, Value};

fn all_types_schema() -> Schema {
    Schema::parse("B:bool?,A:i8,C:i16?,D:i32,E:i64?,F:u8,G:u16,H:u32?,I:u64,J:f32?,K:f64,L:str(5)?,M:dict?").unwrap()
}

fn row(i: u64) -> Vec<Value<'static>> {
    const WORDS: [&str; 4] = ["", "é", "abcde", "x"];
    let null = i.is_multiple_of(3);
    let n = |v: Value<'static>| if null { Value::Null } else { v };
    vec![
        n(Value::Bool(i.is_multiple_of(2))),
        Value::Int([i8::MIN as i64, -1, 0, i8::MAX as i64][i as usize % 4]),
        n(Value::Int(i16::MIN as i64 + i as i64)),
        Value::Int(i32::MAX as i64 - i as i64),
        n(Value::Int(i64::MIN + i as i64)),
        Value::UInt(u8::MAX as u64 - i % 7),
        Value::UInt(i * 3),
        n(Value::UInt(u32::MAX as u64)),
        Value::UInt(u64::MAX - i),
        n(Value::F32([0.1, -0.0, f32::MAX, 1e-45][i as usize % 4])),
        Value::F64([0.1, f64::MIN_POSITIVE, -1e300, 123.456][i as usize % 4]),
        n(Value::Str(WORDS[i as usize % 4])),
        n(Value::Str(["TP53", "BRCA1", "ÅÄÖ"][i as usize % 3])),
    ]
}

fn write(order: ByteOrder, rows: u64, opts: &TableOptions) -> Vec<u8> {
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), order).unwrap();
    let mut t = w.table("all", all_types_schema(), opts).unwrap();
    for i in 0..rows {
        t.push_row(&row(i)).unwrap();
    }
    t.finish().unwrap();
    w.finish().unwrap().into_inner()
}

fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::F32(x), Value::F32(y)) => x.to_bits() == y.to_bits(),
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

#[test]
fn every_type_and_null_round_trips_in_both_byte_orders() {
    let opts = TableOptions {
        indexes: vec![vec!["M".into()], vec!["A".into(), "L".into()]],
    };
    let le = write(ByteOrder::Little, 50, &opts);
    let be = write(ByteOrder::Big, 50, &opts);
    assert_ne!(le, be);
    for bytes in [&le, &be] {
        let c = Container::parse(bytes).unwrap();
        assert_eq!(
            (c.header.major, c.header.minor),
            (1, 8),
            "tables make a 1.1 file, compact indexes (SPEC §8.4) a 1.8 one"
        );
        let ts = TableSet::new(bytes, &c).unwrap();
        let t = ts.table("all").unwrap();
        assert_eq!(t.row_count(), 50);
        assert_eq!(t.schema(), &all_types_schema());
        for r in 0..50 {
            let want = row(r);
            for (ci, w) in want.iter().enumerate() {
                let got = t.cell(r, ci).unwrap();
                assert!(same(&got, w), "row {r} col {ci}: {got:?} != {w:?}");
            }
        }
        let j = t.column::<f32>("J").unwrap();
        assert_eq!(j.get(0), None);
        assert_eq!(j.get(1).map(f32::to_bits), Some((-0.0f32).to_bits()));
        assert!(t.column::<f64>("J").is_err());
        assert_eq!(t.column::<u64>("I").unwrap().iter().next(), Some(Some(u64::MAX)));
        assert!(
            tribit::validate::validate(bytes).is_valid(),
            "{:?}",
            tribit::validate::validate(bytes).problems
        );
    }
    assert_eq!(write(ByteOrder::Little, 50, &opts), le, "deterministic");
}

#[test]
fn rows_are_naturally_aligned_and_the_file_reads_at_any_offset() {
    let bytes = write(ByteOrder::Little, 10, &TableOptions::default());
    let c = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &c).unwrap();
    let t = ts.table("all").unwrap();
    for col in t.columns() {
        let a = col.def.ty.align();
        assert_eq!(col.offset % a, 0, "{} at {}", col.def.name, col.offset);
    }
    assert_eq!(t.row_width() % 8, 0);
    // Shifted copies decode the same (decoding never assumes alignment).
    for shift in 1..8 {
        let mut v = vec![0u8; shift];
        v.extend_from_slice(&bytes);
        let ts2 = TableSet::new(&v[shift..], &c).unwrap();
        let t2 = ts2.table("all").unwrap();
        for r in 0..10 {
            for ci in 0..13 {
                assert!(same(&t.cell(r, ci).unwrap(), &t2.cell(r, ci).unwrap()));
            }
        }
    }
}

/// A file where keys repeat in runs and scattered, so postings hold both
/// single rows and ranges.
fn keyed(order: ByteOrder, hash: Option<fn(&[u8]) -> u64>) -> Vec<u8> {
    keyed_chunked(order, hash, None)
}

/// [`keyed`], with chunk checksums in chunks of 2^`shift` bytes (SPEC
/// §3.2) when `shift` is given.
fn keyed_chunked(order: ByteOrder, hash: Option<fn(&[u8]) -> u64>, shift: Option<u32>) -> Vec<u8> {
    keyed_in(order, hash, shift, IndexLayout::Compact)
}

/// [`keyed_chunked`] with its indexes in `layout` (SPEC §8.4).
fn keyed_in(order: ByteOrder, hash: Option<fn(&[u8]) -> u64>, shift: Option<u32>, layout: IndexLayout) -> Vec<u8> {
    let schema = Schema::parse("PATIENT:u32,PROBE:dict,GENE:str(8),RAW:f32?").unwrap();
    let opts = TableOptions {
        indexes: vec![
            vec!["PATIENT".into()],
            vec!["PROBE".into()],
            vec!["GENE".into(), "PROBE".into(), "PATIENT".into()],
        ],
    };
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), order).unwrap();
    if let Some(shift) = shift {
        w.set_chunk_shift(shift);
    }
    w.set_index_layout(layout);
    let mut t = w.table("expr", schema, &opts).unwrap();
    if let Some(h) = hash {
        t.set_index_hash(h);
    }
    let probes: Vec<String> = (0..37).map(|p| format!("{p}_at")).collect();
    for patient in 0..23u64 {
        for (p, probe) in probes.iter().enumerate() {
            let gene = format!("G{}", p % 5);
            let raw = if (patient + p as u64).is_multiple_of(11) {
                Value::Null
            } else {
                Value::F32(patient as f32 + p as f32 / 100.0)
            };
            t.push_row(&[Value::UInt(patient), Value::Str(probe), Value::Str(&gene), raw])
                .unwrap();
        }
    }
    t.finish().unwrap();
    w.finish().unwrap().into_inner()
}

fn naive(t: &tribit::table::Table<'_>, conds: &[(usize, Vec<Value<'_>>)]) -> RowSet {
    RowSet::from_rows((0..t.row_count()).filter(|&r| {
        conds
            .iter()
            .all(|(c, vals)| vals.iter().any(|v| same(&t.cell(r, *c).unwrap(), v)))
    }))
}

#[test]
fn lookups_equal_a_naive_scan() {
    let layouts = [IndexLayout::Classic, IndexLayout::Compact];
    for (order, layout) in [ByteOrder::Little, ByteOrder::Big]
        .into_iter()
        .flat_map(|o| layouts.map(|l| (o, l)))
    {
        let b = keyed_in(order, None, None, layout);
        let f = tribit::File::from_bytes(b.clone()).unwrap();
        let t = f.table("expr").unwrap();
        assert_eq!(t.indexes().len(), 3);
        assert!(t.indexes().iter().all(|ix| ix.layout() == layout));
        assert!(tribit::validate::validate(&b).is_valid());
        // Every key of every index, one at a time and in one batch.
        for (i, ix) in t.indexes().iter().enumerate() {
            let cols: Vec<usize> = ix.columns().iter().map(|&c| c as usize).collect();
            let keys: Vec<Vec<Value<'_>>> = (0..t.row_count())
                .step_by(5)
                .map(|r| cols.iter().map(|&c| t.cell(r, c).unwrap()).collect())
                .collect();
            let refs: Vec<&[Value<'_>]> = keys.iter().map(|k| k.as_slice()).collect();
            let many = t.index_lookup_many(i, &refs).unwrap();
            for (k, got) in keys.iter().zip(many) {
                let conds: Vec<(usize, Vec<Value<'_>>)> = cols.iter().zip(k).map(|(&c, v)| (c, vec![*v])).collect();
                let want = naive(t, &conds);
                assert_eq!(got, want, "{layout:?} index {i} key {k:?}");
                assert_eq!(t.index_lookup(i, k).unwrap(), want);
            }
        }
        // A patient owns one run of 37 rows: one range in its posting list.
        let p = t.lookup(&[("PATIENT", Value::UInt(5))]).unwrap();
        assert_eq!(p.ranges().len(), 1);
        assert_eq!((p.ranges()[0].start, p.ranges()[0].end), (185, 222));
        for patient in [0u64, 7, 22, 23, 999] {
            for probe in ["0_at", "36_at", "nope"] {
                let want = naive(t, &[(0, vec![Value::UInt(patient)]), (1, vec![Value::Str(probe)])]);
                let got = t
                    .lookup(&[("PATIENT", Value::UInt(patient)), ("PROBE", Value::Str(probe))])
                    .unwrap();
                assert_eq!(got, want, "{patient} {probe}");
                let gene = format!("G{}", probe.trim_end_matches("_at").parse::<usize>().unwrap_or(0) % 5);
                let (got, plan) = t
                    .select(&[
                        ("GENE", vec![Value::Str(&gene)]),
                        ("PROBE", vec![Value::Str(probe)]),
                        ("PATIENT", vec![Value::UInt(patient)]),
                    ])
                    .unwrap();
                assert_eq!(
                    plan,
                    vec![tribit::table::Plan::Index(vec![
                        "GENE".into(),
                        "PROBE".into(),
                        "PATIENT".into()
                    ])]
                );
                assert_eq!(got, want);
            }
        }
        // IN-list union AND an unindexed column (scan).
        let ins = vec![Value::UInt(1), Value::UInt(3), Value::UInt(20)];
        let genes = vec![Value::Str("G1"), Value::Str("G4")];
        let (got, plan) = t.select(&[("PATIENT", ins.clone()), ("GENE", genes.clone())]).unwrap();
        assert_eq!(got, naive(t, &[(0, ins), (2, genes)]));
        assert_eq!(
            plan,
            vec![
                tribit::table::Plan::Index(vec!["PATIENT".into()]),
                tribit::table::Plan::Scan("GENE".into())
            ]
        );
        let (got, _) = t.select(&[("RAW", vec![Value::Null])]).unwrap();
        assert_eq!(got, naive(t, &[(3, vec![Value::Null])]));
        assert!(!got.is_empty());
        assert!(t.lookup(&[("NOPE", Value::UInt(1))]).is_err());
    }
}

fn narrow(b: &[u8]) -> u64 {
    // Four distinct hash values for hundreds of keys: nearly every lookup collides.
    tribit::index::key_hash(b) & 0x3
}

#[test]
fn forced_hash_collisions_never_return_a_wrong_row() {
    // Compact: the four hashes share one fingerprint (0) in every bucket.
    for layout in [IndexLayout::Classic, IndexLayout::Compact] {
        forced_collisions(layout);
    }
}

fn forced_collisions(layout: IndexLayout) {
    let f = tribit::File::from_bytes(keyed_in(ByteOrder::Little, Some(narrow), None, layout)).unwrap();
    let t = f.table("expr").unwrap();
    assert_eq!(t.indexes()[2].layout(), layout);
    assert!(t.indexes()[1].entry_count() == 37);
    for p in 0..40 {
        let probe = format!("{p}_at");
        let got = t.index_lookup_with(1, &[Value::Str(&probe)], narrow).unwrap();
        assert_eq!(got, naive(t, &[(1, vec![Value::Str(&probe)])]), "{probe}");
    }
    for patient in 0..25u64 {
        let got = t.index_lookup_with(0, &[Value::UInt(patient)], narrow).unwrap();
        assert_eq!(got, naive(t, &[(0, vec![Value::UInt(patient)])]));
        let got = t
            .index_lookup_with(2, &[Value::Str("G2"), Value::Str("7_at"), Value::UInt(patient)], narrow)
            .unwrap();
        assert_eq!(
            got,
            naive(
                t,
                &[
                    (2, vec![Value::Str("G2")]),
                    (1, vec![Value::Str("7_at")]),
                    (0, vec![Value::UInt(patient)])
                ]
            )
        );
    }
}

#[test]
fn bad_rows_are_refused_with_the_column_named() {
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    let schema = Schema::parse("A:u8,S:str(3)").unwrap();
    let mut t = w.table("t", schema.clone(), &TableOptions::default()).unwrap();
    let e = t.push_row(&[Value::UInt(256), Value::Str("a")]).unwrap_err();
    assert!(e.to_string().contains("'A'"), "{e}");
    let e = t.push_row(&[Value::UInt(1), Value::Str("abcd")]).unwrap_err();
    assert!(e.to_string().contains("longer"), "{e}");
    let e = t.push_row(&[Value::Null, Value::Str("a")]).unwrap_err();
    assert!(e.to_string().contains("not nullable"), "{e}");
    t.finish().unwrap();
    assert!(w.table("t", schema, &TableOptions::default()).is_err());
}

#[test]
fn files_without_tables_stay_version_1_0() {
    let mut w = tribit::WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
    w.add_sequence(b"s", b"ACGT", 60).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    assert_eq!(Container::parse(&bytes).unwrap().header.minor, 0);
}

#[test]
fn the_validator_checks_tables() {
    use tribit::validate::validate;
    let good = keyed(ByteOrder::Little, None);
    assert!(validate(&good).is_valid(), "{:?}", validate(&good).problems);
    // An index built with another hash: every entry's hash is wrong [HI9].
    let narrow = keyed(ByteOrder::Little, Some(narrow));
    assert!(validate(&narrow).has("HI9"));
    // The same file claiming version 1.0 [D12].
    let mut old = good.clone();
    old[14] = 0;
    let sum = tribit::container::checksum(&old[..56]);
    old[56..64].copy_from_slice(&sum.to_le_bytes());
    assert!(validate(&old).has("D12"));
    // A bool cell that is neither 0 nor 1 [T9], resealed.
    let bytes = write(ByteOrder::Little, 4, &TableOptions::default());
    let c = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &c).unwrap();
    let t = ts.table("all").unwrap();
    let at = c.sections[0].offset as usize + t.row_width() as usize + t.columns()[0].offset as usize; // row 1, column B
    let mut bad = bytes.clone();
    bad[at] = 7;
    reseal(&mut bad);
    let r = validate(&bad);
    assert!(r.has("T9"), "{:?}", r.problems);
    // A null cell (row 0, column B) that is not zero [T11].
    let mut bad = bytes.clone();
    bad[at - t.row_width() as usize] = 1;
    reseal(&mut bad);
    assert!(validate(&bad).has("T11"));
    // A reserved byte of the table header [T12].
    let len = c.sections[0].length as usize;
    let s0 = c.sections[0].offset as usize;
    let ho = u64::from_le_bytes(bytes[s0 + len - 8..s0 + len].try_into().unwrap()) as usize;
    let mut bad = bytes.clone();
    bad[s0 + ho + 40] = 1;
    reseal(&mut bad);
    let r = validate(&bad);
    assert!(r.has("T12") && !r.has("T11"), "{:?}", r.problems);
}

/// SPEC §8.5 and §8.7: the key encoding, its hashes and the worked example.
#[test]
fn spec_worked_example() {
    use tribit::index::{encode_key_value, key_hash};
    use tribit::table::ColumnType;
    let mut k = Vec::new();
    encode_key_value(&mut k, ColumnType::Dict, Value::Str("TP53"));
    assert_eq!(k, [0x0D, 0x01, 4, 0, 0, 0, b'T', b'P', b'5', b'3']);
    assert_eq!(key_hash(&k), 0x7748_E4C0_AF43_4D1E);
    k.clear();
    encode_key_value(&mut k, ColumnType::Dict, Value::Str("BRCA1"));
    assert_eq!(key_hash(&k), 0x2664_BB2A_DA8B_99A8);

    let text = "ID,GENE,RAW\n1,TP53,0.5\n2,TP53,\n3,BRCA1,2\n";
    let schema = Schema::parse("ID:u16,GENE:dict,RAW:f32?").unwrap();
    let opts = TableOptions {
        indexes: vec![vec!["GENE".into()]],
    };
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    let mut t = w.table("expr", schema, &opts).unwrap();
    tribit::convert::csv::import_csv(text.as_bytes(), b',', &mut t, |_| {}).unwrap();
    t.finish().unwrap();
    let b = w.finish().unwrap().into_inner();
    assert_eq!(b.len(), 720);
    assert_eq!(&b[12..16], &[1, 0, 8, 0], "version 1.8: a compact index");
    let c = Container::parse(&b).unwrap();
    let placed: Vec<(u32, u64, u64)> = c.sections.iter().map(|e| (e.kind, e.offset, e.length)).collect();
    assert_eq!(placed, [(0x201, 0x40, 224), (0x202, 0x140, 65), (0x203, 0x1C0, 120)]);
    assert_eq!(&b[0x40..0x4C], &[0, 0, 0, 0, 0, 0, 0, 0x3F, 1, 0, 0, 0]);
    assert_eq!(&b[0x4C..0x58], &[0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0]);
    assert_eq!(&b[0x118..0x120], &[0x28, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(b[0x1E4], 1, "layout = compact");
    assert_eq!(&b[0x208..0x210], &[0, 0, 0, 0, 2, 0, 0, 0], "buckets[0..2] as u32");
    #[rustfmt::skip]
    assert_eq!(&b[0x210..0x220], &[
        0x2A, 0xBB, 0x64, 0x26, 0x02, 0x00, 0x00, 0x00, // entry 0: fp(BRCA1), row 2 inline
        0xC0, 0xE4, 0x48, 0x77, 0x00, 0x00, 0x00, 0x80, // entry 1: fp(TP53), list at word 0
    ]);
    assert_eq!(&b[0x220..0x228], &[2, 0, 0, 0, 0, 0, 0, 0], "word 0: n = 2");
    assert_eq!(&b[0x228..0x238], &[0, 0, 0, 0, 0, 0, 0, 0x80, 2, 0, 0, 0, 0, 0, 0, 0]);
    let ts = TableSet::new(&b, &c).unwrap();
    let t = ts.table("expr").unwrap();
    let rows = t.lookup(&[("GENE", Value::Str("TP53"))]).unwrap();
    assert_eq!(rows.rows().collect::<Vec<_>>(), [0, 1]);
    let rows = t.lookup(&[("GENE", Value::Str("BRCA1"))]).unwrap();
    assert_eq!(rows.rows().collect::<Vec<_>>(), [2]);
    assert!(tribit::validate::validate(&b).is_valid());
    // The classic dump of SPEC §8.7.
    let b = spec_example();
    assert_eq!(&b[12..16], &[1, 0, 1, 0], "version 1.1: a classic index");
    assert_eq!(&b[0x240..0x250], &[0, 0, 0, 0, 0, 0, 0, 0x80, 2, 0, 0, 0, 0, 0, 0, 0]);
}

/// Every byte of a table file corrupted in turn (with checksums resealed so
/// the damage reaches the table code): errors, never a panic.
#[test]
fn corrupted_tables_give_errors_not_panics() {
    let opts = TableOptions {
        indexes: vec![vec!["M".into()], vec!["A".into(), "L".into()]],
    };
    let good = write(ByteOrder::Little, 6, &opts);
    let dir = u64::from_le_bytes(good[32..40].try_into().unwrap()) as usize;
    for at in 64..dir {
        for x in [0xFFu8, 0x01, 0x80] {
            let mut b = good.clone();
            b[at] ^= x;
            reseal(&mut b);
            let _ = tribit::validate::validate(&b);
            let Ok(c) = Container::parse(&b) else { continue };
            // Every error about the bytes names its SPEC rule, so the
            // validator reports it under that label.
            let (ts, errors) = TableSet::new_partial(&b, &c, true);
            for e in &errors {
                assert!(e.rule().is_some(), "byte {at}: {e}");
            }
            assert_eq!(TableSet::new(&b, &c).is_ok(), errors.is_empty(), "byte {at}");
            for t in ts.tables() {
                for u in t.unusable_indexes() {
                    assert!(u.rule.is_some(), "byte {at}: {u}");
                }
                for r in 0..t.row_count() {
                    for ci in 0..t.columns().len() {
                        if let Err(e) = t.cell(r, ci) {
                            assert!(e.rule().is_some(), "byte {at}: {e}");
                        }
                    }
                }
                let _ = t.select(&[("M", vec![Value::Str("TP53")]), ("A", vec![Value::Int(0)])]);
                let _ = t.lookup(&[("A", Value::Int(-1)), ("L", Value::Str("x"))]);
            }
        }
    }
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// The (offset, length) of the `n`th section of `kind`.
fn nth_section(b: &[u8], kind: u32, n: usize) -> (usize, usize) {
    let c = Container::parse(b).unwrap();
    let e = c.sections.iter().filter(|e| e.kind == kind).nth(n).unwrap();
    (e.offset as usize, e.length as usize)
}

/// A file of the given sections (kind, required, group, bytes).
fn file_of(sections: &[(u32, bool, u32, &[u8])]) -> Vec<u8> {
    let mut c = tribit::container::ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    for (kind, required, group, bytes) in sections {
        c.add_section(*kind, *required, *group, bytes).unwrap();
    }
    c.finish().unwrap().into_inner()
}

/// SPEC [HI6]: an index whose entries are out of hash order (resealed, so
/// the checksums hold) is refused by the first lookup that reads the broken
/// bucket (opening reads no bucket), and its conditions are scanned from
/// then on: every key still gives its rows, never too few.
#[test]
fn an_index_out_of_order_is_refused_not_answered_short() {
    for layout in [IndexLayout::Classic, IndexLayout::Compact] {
        out_of_order(layout);
    }
}

fn out_of_order(layout: IndexLayout) {
    use tribit::spec::kind;
    use tribit::validate::validate;
    let good = keyed_in(ByteOrder::Little, None, None, layout);
    let (ix0, _) = nth_section(&good, kind::HASH_INDEX, 0); // on PATIENT
    let bits = u32::from_le_bytes(good[ix0 + 4..ix0 + 8].try_into().unwrap());
    let entry_count = le64(&good, ix0 + 8) as usize;
    assert!(entry_count >= 2);
    // SPEC §8.4: directory and entry widths of the layout.
    let (dw, ew) = match layout {
        IndexLayout::Classic => (8, 16),
        IndexLayout::Compact => (4, 8),
    };
    let entries = ix0 + 72 + (dw * ((1usize << bits) + 1)).next_multiple_of(8);
    // Swap the first two entries of the first bucket holding two, else the
    // first two entries.
    let dir = |b: usize| {
        let at = ix0 + 72 + dw * b;
        match dw {
            8 => le64(&good, at) as usize,
            _ => u32::from_le_bytes(good[at..at + 4].try_into().unwrap()) as usize,
        }
    };
    let e = (0..1usize << bits).find(|&b| dir(b + 1) - dir(b) >= 2).map_or(0, dir);
    let mut b = good.clone();
    let (x, y) = (entries + ew * e, entries + ew * (e + 1));
    let first: Vec<u8> = b[x..x + ew].to_vec();
    b.copy_within(y..y + ew, x);
    b[y..y + ew].copy_from_slice(&first);
    reseal(&mut b);
    let f = tribit::File::from_bytes(b.clone()).unwrap();
    let t = f.table("expr").unwrap();
    assert!(t.unusable_indexes().is_empty());
    let mut plans = Vec::new();
    for p in 0..40u64 {
        let (got, plan) = t.select(&[("PATIENT", vec![Value::UInt(p)])]).unwrap();
        assert_eq!(got, naive(t, &[(0, vec![Value::UInt(p)])]), "patient {p}");
        plans.push(plan);
    }
    let u = t.unusable_indexes();
    assert_eq!(u.len(), 1, "{u:?}");
    assert_eq!(u[0].section_offset, ix0 as u64);
    assert!(u[0].rule == Some("HI6"), "{}", u[0]);
    // Once found broken, the index is not asked again.
    let scan = vec![tribit::table::Plan::Scan("PATIENT".into())];
    assert!(plans.contains(&scan), "{plans:?}");
    let last = plans.iter().rposition(|p| p != &scan).map_or(0, |i| i + 1);
    assert!(plans[last..].iter().all(|p| p == &scan) && last < plans.len());
    assert_eq!(t.select(&[("PATIENT", vec![Value::UInt(0)])]).unwrap().1, scan);
    let r = validate(&b);
    assert!(r.has("HI6"), "{:?}", r.problems);
}

/// SPEC §8.4 "Older readers": a compact index read as classic (its layout
/// byte ignored, as a 1.7 reader ignores a reserved byte) never has the
/// classic length, so [HI5] sets it aside and the table is scanned.
#[test]
fn a_compact_index_read_as_classic_fails_its_length_and_is_scanned() {
    use tribit::spec::kind;
    let good = keyed(ByteOrder::Little, None);
    let mut b = good.clone();
    for n in 0..3 {
        let (ix, _) = nth_section(&b, kind::HASH_INDEX, n);
        assert_eq!(b[ix + 36], 1, "compact");
        b[ix + 36] = 0;
    }
    reseal(&mut b);
    let f = tribit::File::from_bytes(b).unwrap();
    let t = f.table("expr").unwrap();
    assert!(t.indexes().is_empty());
    let u = t.unusable_indexes();
    assert_eq!(u.len(), 3);
    assert!(u.iter().all(|u| u.rule == Some("HI5")), "{u:?}");
    let (got, plan) = t.select(&[("PROBE", vec![Value::Str("3_at")])]).unwrap();
    assert_eq!(plan, vec![tribit::table::Plan::Scan("PROBE".into())]);
    assert_eq!(got, naive(t, &[(1, vec![Value::Str("3_at")])]));
}

/// SPEC §8.4: a writer falls back to the classic layout when the rows do
/// not fit a 31-bit reference, and writes a compact index as version 1.8.
#[test]
fn compact_only_where_rows_fit_31_bits() {
    use tribit::container::{ContainerWriter, DirectoryEntry};
    use tribit::index::{encode_key_value, IndexBuilder};
    use tribit::table::ColumnType;
    let layout_of = |rows: u64| {
        let mut c = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
        let mut ix = IndexBuilder::new(vec![0]);
        let mut key = Vec::new();
        for r in 0..3u64 {
            key.clear();
            encode_key_value(&mut key, ColumnType::U64, Value::UInt(r % 2));
            ix.add(&key, rows - 3 + r);
        }
        ix.write_section(&mut c, 1, rows).unwrap();
        let b = c.finish().unwrap().into_inner();
        let e: &DirectoryEntry = &Container::parse(&b).unwrap().sections[0];
        (b[e.offset as usize + 36], u16::from_le_bytes([b[14], b[15]]))
    };
    assert_eq!(layout_of(1 << 31), (0, 1), "2^31 rows: classic, version 1.1");
    assert_eq!(layout_of((1 << 31) - 1), (1, 8), "2^31 - 1 rows: compact, version 1.8");
}

/// SPEC [HI1]: an index with another hash function, or a bad checksum, is
/// skipped, not the table: its conditions are scanned and give the same rows.
#[test]
fn an_unusable_index_leaves_the_table_readable_by_scan() {
    use tribit::spec::kind;
    use tribit::validate::{validate, Class};
    let good = keyed(ByteOrder::Little, None);
    let (ix0, _) = nth_section(&good, kind::HASH_INDEX, 0); // on PATIENT
    let (ix1, _) = nth_section(&good, kind::HASH_INDEX, 1); // on PROBE
    let mut b = good.clone();
    b[ix0 + 32] = 2; // hash = 2
    b[ix1 + 32] = 3;
    reseal(&mut b);
    let f = tribit::File::from_bytes(b.clone()).unwrap();
    let t = f.table("expr").unwrap();
    assert_eq!(t.indexes().len(), 1);
    let u = t.unusable_indexes();
    assert_eq!(u.len(), 2);
    assert_eq!(u[0].section_offset, ix0 as u64);
    assert_eq!(u[0].kind, tribit::ErrorKind::Unsupported);
    assert!(u[0].rule == Some("HI1"), "{}", u[0]);
    let (got, plan) = t.select(&[("PATIENT", vec![Value::UInt(5)])]).unwrap();
    assert_eq!(plan, vec![tribit::table::Plan::Scan("PATIENT".into())]);
    assert_eq!(got, naive(t, &[(0, vec![Value::UInt(5)])]));
    assert_eq!(got.len(), 37);
    let got = t.lookup(&[("PROBE", Value::Str("3_at"))]).unwrap();
    assert_eq!(got, naive(t, &[(1, vec![Value::Str("3_at")])]));
    // The validator reports both indexes, and still checks the table.
    let (t0, _) = nth_section(&b, kind::TABLE, 0);
    let ho = le64(&good, t0 + nth_section(&good, kind::TABLE, 0).1 - 8) as usize;
    b[t0 + ho + 40] = 1; // a reserved byte of the table header
    reseal(&mut b);
    let r = validate(&b);
    let hi1: Vec<_> = r.problems.iter().filter(|p| p.label == "HI1").collect();
    assert_eq!(hi1.len(), 2, "{:?}", r.problems);
    assert!(hi1.iter().all(|p| p.class == Class::Unsupported));
    assert!(r.has("T12"), "{:?}", r.problems);

    // A checksum mismatch in an index (a reserved byte changed, not resealed):
    // verified, the index is skipped; unverified, its structure is fine.
    let mut b = good.clone();
    b[ix0 + 40] = 1;
    let c = Container::parse(&b).unwrap();
    let ts = TableSet::new(&b, &c).unwrap();
    let t = ts.table("expr").unwrap();
    assert_eq!(t.indexes().len(), 2);
    assert_eq!(t.unusable_indexes()[0].kind, tribit::ErrorKind::Checksum);
    let (got, _) = t.select(&[("PATIENT", vec![Value::UInt(22)])]).unwrap();
    assert_eq!(got, naive(t, &[(0, vec![Value::UInt(22)])]));
    let ts = TableSet::new_unverified(&b, &c).unwrap();
    assert_eq!(ts.tables()[0].indexes().len(), 3);
    let r = validate(&b);
    assert!(r.has("D5") && r.has("HI10"), "{:?}", r.problems);
}

/// TableSet::new verifies every checksum; new_unverified checks only
/// bounds and structure.
#[test]
fn unverified_tables_skip_checksums_but_not_structure() {
    use tribit::spec::kind;
    let good = keyed(ByteOrder::Little, None);
    let (t0, len) = nth_section(&good, kind::TABLE, 0);
    let mut b = good.clone();
    b[t0] ^= 1; // row 0, not resealed
    let c = Container::parse(&b).unwrap();
    let e = TableSet::new(&b, &c).unwrap_err();
    assert_eq!(e.kind(), tribit::ErrorKind::Checksum);
    let ts = TableSet::new_unverified(&b, &c).unwrap();
    assert_eq!(ts.tables()[0].row_count(), 23 * 37);
    // A broken header is refused either way.
    let mut b = good.clone();
    b[t0 + len - 8] = 3; // header_offset no longer a multiple of 8
    let c = Container::parse(&b).unwrap();
    let e = TableSet::new_unverified(&b, &c).unwrap_err();
    assert_eq!(e.kind(), tribit::ErrorKind::Format);
    assert!(e.rule() == Some("T1"), "{e}");
}

/// A TABLE of no rows, by hand: one nullable u8 column placed after a null
/// bitmap of `null_len` bytes, in rows of `row_width` bytes; `extra_pad`
/// zero bytes more before the trailer.
fn rowless_table(row_width: u32, null_len: u32, null_bit: u32, extra_pad: usize) -> Vec<u8> {
    let mut s = Vec::new();
    s.extend_from_slice(&0u64.to_le_bytes()); // row_count = 0
    s.extend_from_slice(&row_width.to_le_bytes()); // row_width
    s.extend_from_slice(&1u32.to_le_bytes()); // column_count = 1
    s.extend_from_slice(&0u32.to_le_bytes()); // null_offset = 0
    s.extend_from_slice(&null_len.to_le_bytes()); // null_len
    s.extend_from_slice(&1u32.to_le_bytes()); // name_len = 1
    s.extend_from_slice(&32u32.to_le_bytes()); // column_entry_len = 32
    s.resize(64, 0); // reserved
    s.push(6); // type = u8
    s.push(1); // flags: nullable
    s.extend_from_slice(&[0, 0]); // reserved
    s.extend_from_slice(&null_len.to_le_bytes()); // offset: just after the bitmap
    s.extend_from_slice(&1u32.to_le_bytes()); // width = 1
    s.extend_from_slice(&null_bit.to_le_bytes()); // null_bit
    s.extend_from_slice(&1u32.to_le_bytes()); // name_len = 1
    s.resize(64 + 32, 0); // reserved
    s.extend_from_slice(b"tA"); // table name "t", column name "A"
    s.resize(s.len().next_multiple_of(8) + extra_pad, 0); // padding
    s.extend_from_slice(&0u64.to_le_bytes()); // header_offset = 0
    s
}

/// A table of no rows may declare rows of 4 GiB and a bitmap of 3.75 GiB:
/// 8 x null_len does not fit a u32 ([T8] is computed in u64), and the
/// validator allocates nothing of that size from a 100-byte section.
#[test]
fn a_rowless_table_with_a_huge_row_is_read_and_validated_cheaply() {
    use tribit::spec::kind;
    use tribit::validate::validate;
    let table = rowless_table(0xFFFF_FFF8, 0xF000_0000, 0x8000_0001, 0);
    assert!(table.len() <= 112);
    let b = file_of(&[(kind::TABLE, true, 1, &table)]);
    let c = Container::parse(&b).unwrap();
    let ts = TableSet::new(&b, &c).unwrap();
    let t = ts.table("t").unwrap();
    assert_eq!((t.row_count(), t.row_width()), (0, 0xFFFF_FFF8));
    assert!(t.select(&[("A", vec![Value::UInt(1)])]).unwrap().0.is_empty());
    let r = validate(&b);
    assert!(r.is_valid(), "{:?}", r.problems);
    // A null bit at 8 x null_len is still refused.
    let b = file_of(&[(
        kind::TABLE,
        true,
        1,
        &rowless_table(0xFFFF_FFF8, 0x1000_0000, 0x8000_0000, 0),
    )]);
    let c = Container::parse(&b).unwrap();
    assert!(TableSet::new(&b, &c).unwrap_err().rule() == Some("T8"));
    // [T13]: names that end 8 or more bytes before the trailer.
    let b = file_of(&[(kind::TABLE, true, 1, &rowless_table(16, 1, 0, 8))]);
    let labels: Vec<_> = validate(&b).problems.iter().map(|p| p.label).collect();
    assert_eq!(labels, ["T13"]);
}

/// The bytes of the SPEC §8.7 worked example, its index in the classic layout.
fn spec_example() -> Vec<u8> {
    let text = "ID,GENE,RAW\n1,TP53,0.5\n2,TP53,\n3,BRCA1,2\n";
    let schema = Schema::parse("ID:u16,GENE:dict,RAW:f32?").unwrap();
    let opts = TableOptions {
        indexes: vec![vec!["GENE".into()]],
    };
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    w.set_index_layout(tribit::index::IndexLayout::Classic);
    let mut t = w.table("expr", schema, &opts).unwrap();
    tribit::convert::csv::import_csv(text.as_bytes(), b',', &mut t, |_| {}).unwrap();
    t.finish().unwrap();
    let b = w.finish().unwrap().into_inner();
    assert_eq!(b.len(), 784);
    b
}

fn tp53(b: &[u8]) -> tribit::Result<Vec<u64>> {
    let c = Container::parse(b).unwrap();
    let ts = TableSet::new(b, &c)?;
    let rows = ts.tables()[0].index_lookup(0, &[Value::Str("TP53")])?;
    Ok(rows.rows().collect())
}

/// SPEC [HI8]: rows strictly ascend; adjacent single-row words are allowed.
#[test]
fn adjacent_single_row_postings_are_accepted() {
    use tribit::validate::validate;
    let good = spec_example();
    // TP53's posting list (words 1-2 at 0x240) is the range [0, 2).
    assert_eq!(tp53(&good).unwrap(), [0, 1]);
    let with = |w1: u64, w2: u64| {
        let mut b = good.clone();
        b[0x240..0x248].copy_from_slice(&w1.to_le_bytes());
        b[0x248..0x250].copy_from_slice(&w2.to_le_bytes());
        reseal(&mut b);
        b
    };
    let b = with(0, 1); // rows 0 and 1 as two single words
    assert_eq!(tp53(&b).unwrap(), [0, 1]);
    assert!(validate(&b).is_valid(), "{:?}", validate(&b).problems);
    for (w1, w2) in [(1, 0), (0, 0)] {
        let b = with(w1, w2); // descending, repeated
        let e = tp53(&b).unwrap_err();
        assert!(e.rule() == Some("HI8"), "{e}");
        assert!(validate(&b).has("HI8"));
    }
}

/// SPEC [HI7]: first(0) = 0, so no posting word lies outside every entry.
#[test]
fn the_validator_checks_the_first_entry_starts_at_word_0() {
    use tribit::spec::kind;
    use tribit::validate::validate;
    let good = spec_example();
    let c = Container::parse(&good).unwrap();
    let part = |e: &tribit::container::DirectoryEntry| &good[e.offset as usize..(e.offset + e.length) as usize];
    let (table, dict, index) = (&c.sections[0], &c.sections[1], &c.sections[2]);
    let mut ix = part(index).to_vec();
    ix[16..24].copy_from_slice(&4u64.to_le_bytes()); // word_count = 4
    ix[0x60..0x68].copy_from_slice(&1u64.to_le_bytes()); // entry 0 (BRCA1): first word 1
    ix[0x70..0x78].copy_from_slice(&2u64.to_le_bytes()); // entry 1 (TP53): first word 2
    ix.splice(0x78..0x78, 2u64.to_le_bytes()); // word 0: row 2, in no entry
    let b = file_of(&[
        (kind::TABLE, true, table.group, part(table)),
        (kind::DICTIONARY, true, dict.group, part(dict)),
        (kind::HASH_INDEX, false, index.group, &ix),
    ]);
    assert_eq!(tp53(&b).unwrap(), [0, 1], "lookups are still right");
    let labels: Vec<_> = validate(&b).problems.iter().map(|p| p.label).collect();
    assert_eq!(labels, ["HI7"]);
}

/// SPEC [T13]: the padding after the rows and after the names is zero.
#[test]
fn the_validator_checks_table_padding() {
    use tribit::validate::validate;
    let good = spec_example();
    assert!(validate(&good).is_valid());
    for at in [0x65, 0x116] {
        let mut b = good.clone();
        b[at] = 1;
        reseal(&mut b);
        let r = validate(&b);
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        assert_eq!((r.problems[0].label, r.problems[0].offset), ("T13", at as u64));
        assert!(tp53(&b).is_ok(), "the reader does not check padding");
    }
}

/// SPEC [DI3], checked once over the string data and at every boundary:
/// a boundary inside a character is refused though the data is UTF-8.
#[test]
fn dictionary_strings_split_inside_a_character_are_refused() {
    use tribit::validate::validate;
    let mut b = spec_example();
    // "TP53" "BRCA1" becomes "TP5\xC3" "\xA9RCA1": the data is "TP5éRCA1".
    b[0x178..0x181].copy_from_slice(b"TP5\xC3\xA9RCA1");
    reseal(&mut b);
    let e = tp53(&b).unwrap_err();
    assert!(e.rule() == Some("DI3"), "{e}");
    let r = validate(&b);
    assert!(r.has("DI3"), "{:?}", r.problems);
    // Invalid data: the string holding the bad byte is named.
    b[0x178..0x181].copy_from_slice(b"TP53\xFFRCA1");
    reseal(&mut b);
    let e = tp53(&b).unwrap_err();
    assert!(
        e.message().contains("string 1 is not UTF-8") && e.rule() == Some("DI3"),
        "{e}"
    );
}

/// [DI3] repeated strings are reported at the DICTIONARY, not the TABLE.
#[test]
fn repeated_dictionary_strings_are_reported_at_the_dictionary() {
    use tribit::spec::kind;
    let mut b = keyed(ByteOrder::Little, None);
    let (d, len) = nth_section(&b, kind::DICTIONARY, 0);
    let at = d + b[d..d + len].windows(4).position(|w| w == b"2_at").unwrap();
    b[at] = b'1'; // "2_at" becomes a second "1_at"
    reseal(&mut b);
    let r = tribit::validate::validate(&b);
    let p = r.problems.iter().find(|p| p.label == "DI3").expect("DI3");
    assert_eq!(p.offset, d as u64);
}

/// Keys must have one value per key column, each of its column's type.
#[test]
fn keys_of_the_wrong_arity_or_type_are_input_errors() {
    use tribit::ErrorKind::Input;
    let bytes = keyed(ByteOrder::Little, None);
    let c = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &c).unwrap();
    let t = ts.table("expr").unwrap();
    let e = t.index_lookup(2, &[Value::Str("G2")]).unwrap_err();
    assert_eq!(e.kind(), Input);
    assert!(e.message().contains("takes 3 key values, not 1"), "{e}");
    assert_eq!(t.index_lookup(0, &[]).unwrap_err().kind(), Input);
    assert_eq!(
        t.index_lookup(0, &[Value::UInt(1), Value::UInt(2)]).unwrap_err().kind(),
        Input
    );
    let e = t.index_lookup(0, &[Value::Str("5")]).unwrap_err();
    assert!(e.message().contains("'PATIENT'") && e.message().contains("u32"), "{e}");
    // The writer's canonicalisation: a non-negative Int fits an unsigned column.
    let by_int = t.lookup(&[("PATIENT", Value::Int(5))]).unwrap();
    assert_eq!(by_int, t.lookup(&[("PATIENT", Value::UInt(5))]).unwrap());
    assert_eq!(by_int.len(), 37);
    for (col, v) in [
        ("PATIENT", Value::Int(-1)),
        ("GENE", Value::UInt(1)), // scanned: no index on GENE alone
        ("RAW", Value::F64(1.0)),
        ("PROBE", Value::Bool(true)),
    ] {
        let e = t.lookup(&[(col, v)]).unwrap_err();
        assert_eq!(e.kind(), Input, "{col} {v:?}: {e}");
    }
    assert!(t.lookup(&[("RAW", Value::Null)]).is_ok());
    // A UInt up to i64::MAX fits a signed column.
    let bytes = write(ByteOrder::Little, 8, &TableOptions::default());
    let c = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &c).unwrap();
    let t = ts.table("all").unwrap();
    let a = t.lookup(&[("A", Value::UInt(0))]).unwrap();
    assert_eq!(a, t.lookup(&[("A", Value::Int(0))]).unwrap());
    assert!(!a.is_empty());
    assert_eq!(t.lookup(&[("A", Value::UInt(u64::MAX))]).unwrap_err().kind(), Input);
}

/// Scans (no index) against the naive twin, for every column type: dict
/// columns by code, short lists by value, long lists by encoded key.
#[test]
fn scans_equal_a_naive_scan_for_every_type() {
    let bytes = write(ByteOrder::Big, 60, &TableOptions::default());
    let c = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &c).unwrap();
    let t = ts.table("all").unwrap();
    assert!(t.indexes().is_empty());
    let names: Vec<String> = t.schema().columns.iter().map(|c| c.name.clone()).collect();
    for (ci, name) in names.iter().enumerate() {
        let cells: Vec<Value<'_>> = (0..t.row_count()).map(|r| t.cell(r, ci).unwrap()).collect();
        let short = vec![cells[1], cells[2], Value::Null];
        let long: Vec<Value<'_>> = cells.iter().step_by(3).copied().collect();
        assert!(long.len() > 16);
        for vals in [vec![cells[4]], short, long] {
            let (got, plan) = t.select(&[(name.as_str(), vals.clone())]).unwrap();
            assert_eq!(plan, vec![tribit::table::Plan::Scan(name.clone())]);
            assert_eq!(got, naive(t, &[(ci, vals.clone())]), "{name} {vals:?}");
        }
    }
    // Strings absent from the dictionary match nothing.
    assert!(t.lookup(&[("M", Value::Str("absent"))]).unwrap().is_empty());
}

/// A bool view agrees with cell(): a byte other than 0 or 1 is no value,
/// and cell() reports it at the cell's absolute offset.
#[test]
fn a_bool_view_never_reads_a_bad_byte_as_true() {
    let mut bytes = write(ByteOrder::Little, 4, &TableOptions::default());
    let c = Container::parse(&bytes).unwrap();
    let (row_width, col) = {
        let ts = TableSet::new(&bytes, &c).unwrap();
        let t = ts.table("all").unwrap();
        (t.row_width() as usize, t.columns()[0].offset as usize)
    };
    let at = c.sections[0].offset as usize + row_width + col; // row 1, column B
    bytes[at] = 2;
    reseal(&mut bytes);
    let c = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &c).unwrap();
    let t = ts.table("all").unwrap();
    let view = t.column::<bool>("B").unwrap();
    assert_eq!(view.get(1), None);
    assert_eq!(view.get(2), Some(true));
    let e = t.cell(1, 0).unwrap_err();
    assert!(e.rule() == Some("T9"), "{e}");
    assert_eq!(
        e.location(),
        &tribit::Location::Byte {
            section: Some(tribit::spec::kind::TABLE),
            offset: at as u64
        }
    );
}

/// SPEC §3.2: a damaged chunk whose section checksum was resealed (so only
/// the chunk checksum can see it) is found where it is read. In an index,
/// the lookup that reads it marks the index unusable and scans, so every
/// key still gives exactly its rows; in the rows, reading a cell of that
/// chunk is a checksum error while the other chunks read fine.
#[test]
fn a_damaged_chunk_is_refused_where_it_is_read() {
    use tribit::spec::kind;
    let good = keyed_in(ByteOrder::Little, None, Some(6), IndexLayout::Classic);
    let c = Container::parse(&good).unwrap();
    assert_eq!(c.header.minor, 7);
    let sums = c.sections.iter().filter(|e| e.kind == kind::CHUNK_SUMS).count();
    assert!(sums >= 4, "{sums} CHUNK_SUMS"); // TABLE, dictionary, three indexes
                                             // The first posting word of the PATIENT index: a row number, so an
                                             // unchecked change would move rows between keys.
    let (ix0, _) = nth_section(&good, kind::HASH_INDEX, 0);
    let bits = u32::from_le_bytes(good[ix0 + 4..ix0 + 8].try_into().unwrap());
    let entry_count = le64(&good, ix0 + 8) as usize;
    let words = ix0 + 72 + 8 * ((1usize << bits) + 1) + 16 * entry_count;
    let mut b = good.clone();
    b[words] ^= 1;
    reseal(&mut b);
    let f = tribit::File::from_bytes(b.clone()).unwrap();
    let t = f.table("expr").unwrap();
    assert!(t.unusable_indexes().is_empty());
    for p in 0..23u64 {
        let (got, _) = t.select(&[("PATIENT", vec![Value::UInt(p)])]).unwrap();
        assert_eq!(got, naive(t, &[(0, vec![Value::UInt(p)])]), "patient {p}");
    }
    let u = t.unusable_indexes();
    assert_eq!(u.len(), 1, "{u:?}");
    assert_eq!(
        (u[0].section_offset, u[0].kind),
        (ix0 as u64, tribit::ErrorKind::Checksum)
    );
    assert!(u[0].rule == Some("CS3"), "{}", u[0]);
    assert!(tribit::validate::validate(&b).has("CS3"));
    // A row of the TABLE's third 64-byte chunk.
    let (t0, _) = nth_section(&good, kind::TABLE, 0);
    let mut b = good.clone();
    b[t0 + 130] ^= 1;
    reseal(&mut b);
    let f = tribit::File::from_bytes(b).unwrap();
    let t = f.table("expr").unwrap();
    let w = t.row_width() as u64;
    assert!(t.cell(0, 0).is_ok());
    let e = t.cell(130 / w, 0).unwrap_err();
    assert_eq!(e.kind(), tribit::ErrorKind::Checksum);
    assert!(t.column::<u32>("PATIENT").is_err());
}
