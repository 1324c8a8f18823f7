//! Tables (SPEC §8): every type and null round-trips in both byte orders;
//! index lookups equal a naive scan (single, composite, IN, AND); forced hash
//! collisions never return a wrong row.

use std::io::Cursor;

use tribit::container::{ByteOrder, Container};
use tribit::table::{RowSet, Schema, TableOptions, TableSet, TablesWriter, Value};

fn all_types_schema() -> Schema {
    Schema::parse("B:bool?,A:i8,C:i16?,D:i32,E:i64?,F:u8,G:u16,H:u32?,I:u64,J:f32?,K:f64,L:str(5)?,M:dict?").unwrap()
}

fn row(i: u64) -> Vec<Value<'static>> {
    const WORDS: [&str; 4] = ["", "é", "abcde", "x"];
    let null = i % 3 == 0;
    let n = |v: Value<'static>| if null { Value::Null } else { v };
    vec![
        n(Value::Bool(i % 2 == 0)),
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
        assert_eq!((c.header.major, c.header.minor), (1, 1), "tables make a 1.1 file");
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
    let schema = Schema::parse("PATIENT:u32,PROBE:dict,GENE:str(8),RAW:f32?").unwrap();
    let opts = TableOptions {
        indexes: vec![
            vec!["PATIENT".into()],
            vec!["PROBE".into()],
            vec!["GENE".into(), "PROBE".into(), "PATIENT".into()],
        ],
    };
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), order).unwrap();
    let mut t = w.table("expr", schema, &opts).unwrap();
    if let Some(h) = hash {
        t.set_index_hash(h);
    }
    let probes: Vec<String> = (0..37).map(|p| format!("{p}_at")).collect();
    for patient in 0..23u64 {
        for (p, probe) in probes.iter().enumerate() {
            let gene = format!("G{}", p % 5);
            let raw = if (patient + p as u64) % 11 == 0 {
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
    for order in [ByteOrder::Little, ByteOrder::Big] {
        let bytes = keyed(order, None);
        let c = Container::parse(&bytes).unwrap();
        let ts = TableSet::new(&bytes, &c).unwrap();
        let t = ts.table("expr").unwrap();
        assert_eq!(t.indexes().len(), 3);
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
    let bytes = keyed(ByteOrder::Little, Some(narrow));
    let c = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &c).unwrap();
    let t = ts.table("expr").unwrap();
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

/// Recomputes the section, directory and header checksums of a
/// little-endian file.
fn reseal(b: &mut [u8]) {
    use tribit::container::checksum;
    let le64 = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    let dir = le64(b, 32) as usize;
    let count = u32::from_le_bytes(b[40..44].try_into().unwrap()) as usize;
    for i in 0..count {
        let e = dir + 48 * i;
        let (off, len) = (le64(b, e + 8) as usize, le64(b, e + 16) as usize);
        let sum = checksum(&b[off..off + len]);
        b[e + 24..e + 32].copy_from_slice(&sum.to_le_bytes());
    }
    let sum = checksum(&b[dir..dir + 48 * count]);
    b[48..56].copy_from_slice(&sum.to_le_bytes());
    let sum = checksum(&b[..56]);
    b[56..64].copy_from_slice(&sum.to_le_bytes());
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
    assert_eq!(b.len(), 784);
    let c = Container::parse(&b).unwrap();
    let placed: Vec<(u32, u64, u64)> = c.sections.iter().map(|e| (e.kind, e.offset, e.length)).collect();
    assert_eq!(placed, [(0x201, 0x40, 224), (0x202, 0x140, 65), (0x203, 0x1C0, 144)]);
    assert_eq!(&b[0x40..0x4C], &[0, 0, 0, 0, 0, 0, 0, 0x3F, 1, 0, 0, 0]);
    assert_eq!(&b[0x4C..0x58], &[0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0]);
    assert_eq!(&b[0x118..0x120], &[0x28, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&b[0x240..0x250], &[0, 0, 0, 0, 0, 0, 0, 0x80, 2, 0, 0, 0, 0, 0, 0, 0]);
    let ts = TableSet::new(&b, &c).unwrap();
    let rows = ts
        .table("expr")
        .unwrap()
        .lookup(&[("GENE", Value::Str("TP53"))])
        .unwrap();
    assert_eq!(rows.rows().collect::<Vec<_>>(), [0, 1]);
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
            let Ok(ts) = TableSet::new(&b, &c) else { continue };
            for t in ts.tables() {
                for r in 0..t.row_count() {
                    for ci in 0..t.columns().len() {
                        let _ = t.cell(r, ci);
                    }
                }
                let _ = t.select(&[("M", vec![Value::Str("TP53")]), ("A", vec![Value::Int(0)])]);
                let _ = t.lookup(&[("A", Value::Int(-1)), ("L", Value::Str("x"))]);
            }
        }
    }
}
