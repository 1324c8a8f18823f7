//! The table writer's shortcuts (predicted dictionary codes, runs of equal
//! keys in the index builder, two-thread CSV import) against the plain
//! definitions they stand for.

use std::io::Cursor;

use tribit::container::{ByteOrder, Container};
use tribit::convert::csv::{import_csv, infer_schema};
use tribit::table::{ColumnType, RowSet, Schema, TableOptions, TableSet, TablesWriter, Value};

fn write(schema: &str, index: &[&str], rows: &[Vec<Value<'_>>]) -> Vec<u8> {
    write_in(ByteOrder::Little, schema, index, rows)
}

/// A file of one table `t` with one index on `index`; rows the writer
/// refuses are left out.
fn write_in(order: ByteOrder, schema: &str, index: &[&str], rows: &[Vec<Value<'_>>]) -> Vec<u8> {
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), order).unwrap();
    let opts = TableOptions {
        indexes: vec![index.iter().map(|s| s.to_string()).collect()],
    };
    let mut t = w.table("t", Schema::parse(schema).unwrap(), &opts).unwrap();
    for r in rows {
        let _ = t.push_row(r);
    }
    t.finish().unwrap();
    w.finish().unwrap().into_inner()
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn a_refused_row_leaves_no_trace_in_the_dictionary() {
    // Row 2 is refused for its out-of-range ID after its new GENE string was
    // seen: the file must equal one written without that row.
    let with = write(
        "GENE:dict,ID:u8",
        &["GENE"],
        &[
            vec![Value::Str("TP53"), Value::UInt(1)],
            vec![Value::Str("EGFR"), Value::UInt(300)],
            vec![Value::Str("BRCA1"), Value::UInt(3)],
        ],
    );
    let without = write(
        "GENE:dict,ID:u8",
        &["GENE"],
        &[
            vec![Value::Str("TP53"), Value::UInt(1)],
            vec![Value::Str("BRCA1"), Value::UInt(3)],
        ],
    );
    assert_eq!(with, without);
    let c = Container::parse(&with).unwrap();
    let ts = TableSet::new(&with, &c).unwrap();
    let d = ts.tables()[0].dictionary(0).unwrap();
    assert_eq!((d.len(), d.get(0), d.get(1)), (2, Some("TP53"), Some("BRCA1")));
}

#[test]
fn dictionary_codes_are_first_appearance_order_whatever_the_pattern() {
    // Repeating blocks (predicted), then a changed order, then noise: the
    // codes must be those of a plain first-appearance numbering.
    let names: Vec<String> = (0..50).map(|i| format!("P{i}")).collect();
    let mut seq: Vec<usize> = Vec::new();
    for _ in 0..3 {
        seq.extend(0..40);
    }
    seq.extend((0..50).rev());
    let mut rng = Rng(7);
    seq.extend((0..500).map(|_| (rng.next() % 50) as usize));
    let rows: Vec<Vec<Value<'_>>> = seq.iter().map(|&i| vec![Value::Str(&names[i])]).collect();
    let bytes = write("P:dict", &["P"], &rows);
    let c = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &c).unwrap();
    let t = &ts.tables()[0];
    let mut first: Vec<usize> = Vec::new();
    for &i in &seq {
        if !first.contains(&i) {
            first.push(i);
        }
    }
    let d = t.dictionary(0).unwrap();
    assert_eq!(d.len(), first.len() as u64);
    for (code, &i) in first.iter().enumerate() {
        assert_eq!(d.get(code as u32), Some(names[i].as_str()));
    }
    for (r, &i) in seq.iter().enumerate() {
        assert_eq!(t.cell(r as u64, 0).unwrap(), Value::Str(&names[i]));
    }
}

#[test]
fn index_postings_equal_a_scan_for_runs_and_scattered_rows() {
    // Keys in runs of random length, some keys recurring later, so the
    // builder's run elements, single rows and their merging are all used.
    let mut rng = Rng(42);
    let mut keys: Vec<u64> = Vec::new();
    while keys.len() < 5000 {
        let k = rng.next() % 40;
        let run = 1 + (rng.next() % 7) as usize;
        keys.extend(std::iter::repeat_n(k, run));
    }
    let rows: Vec<Vec<Value<'_>>> = keys.iter().map(|&k| vec![Value::UInt(k)]).collect();
    let bytes = write("K:u32", &["K"], &rows);
    let c = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &c).unwrap();
    let t = &ts.tables()[0];
    for k in 0..41u64 {
        let got = t.index_lookup(0, &[Value::UInt(k)]).unwrap();
        let want = RowSet::from_rows((0..keys.len() as u64).filter(|&r| keys[r as usize] == k));
        assert_eq!(got.ranges(), want.ranges(), "key {k}");
    }
}

#[test]
fn inferred_types_never_refuse_their_own_file() {
    // 1e400 parses as an infinite f64 but is an overflow for the importer:
    // inference must not pick f64 for it.
    let text = "A,B\n1e400,2.5\n3,1e10\n";
    let schema = infer_schema(text.as_bytes(), b',').unwrap();
    assert_eq!(schema.columns[0].ty, ColumnType::Dict);
    assert_eq!(schema.columns[1].ty, ColumnType::F64);
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    let mut t = w.table("t", schema, &TableOptions::default()).unwrap();
    assert_eq!(import_csv(text.as_bytes(), b',', &mut t, |_| {}).unwrap(), 2);
}

#[test]
fn csv_import_over_many_batches_keeps_every_row_and_locates_errors() {
    // More rows than one batch of the parsing thread, then a bad field far
    // into the file: the error names its line.
    let mut text = String::from("ID,V\n");
    for i in 0..10_000u32 {
        text.push_str(&format!("{i},{}\n", i as f32 * 0.5));
    }
    let schema = Schema::parse("ID:u32,V:f32").unwrap();
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    let mut t = w.table("t", schema.clone(), &TableOptions::default()).unwrap();
    assert_eq!(import_csv(text.as_bytes(), b',', &mut t, |_| {}).unwrap(), 10_000);
    t.finish().unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let c = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &c).unwrap();
    let v = ts.tables()[0].column::<f32>("V").unwrap();
    assert_eq!((v.len(), v.get(9_999)), (10_000, Some(9_999.0 * 0.5)));

    text.push_str("10000,oops\n");
    for i in 10_001..12_000u32 {
        text.push_str(&format!("{i},1\n"));
    }
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    let mut t = w.table("t", schema, &TableOptions::default()).unwrap();
    let e = import_csv(text.as_bytes(), b',', &mut t, |_| {}).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("line 10002") && msg.contains("'oops'"), "{msg}");
}

#[test]
fn batched_lookups_equal_one_at_a_time() {
    // A composite key over 3,000 rows, looked up in batches larger and
    // smaller than the lookup's group: present keys, absent keys, a key whose
    // parts exist but not together, and keys owning several rows.
    let genes = ["TP53", "BRCA1", "EGFR", "MYC", "KRAS"];
    let mut rows = Vec::new();
    for r in 0..3000u64 {
        rows.push(vec![
            Value::Str(genes[(r % 5) as usize]),
            Value::UInt(r / 7),
            Value::F32(r as f32),
        ]);
    }
    let bytes = write_in(ByteOrder::Big, "G:dict,P:u32,X:f32", &["G", "P"], &rows);
    let c = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &c).unwrap();
    let t = &ts.tables()[0];
    let mut rng = Rng(99);
    let mut keys: Vec<[Value<'_>; 2]> = Vec::new();
    for _ in 0..1000 {
        let g = ["TP53", "BRCA1", "EGFR", "MYC", "KRAS", "NOPE"][(rng.next() % 6) as usize];
        keys.push([Value::Str(g), Value::UInt(rng.next() % 450)]);
    }
    for n in [0, 1, 31, 32, 33, 1000] {
        let refs: Vec<&[Value<'_>]> = keys[..n].iter().map(|k| &k[..]).collect();
        let many = t.index_lookup_many(0, &refs).unwrap();
        assert_eq!(many.len(), n);
        for (k, got) in keys[..n].iter().zip(&many) {
            let one = t.index_lookup(0, k).unwrap();
            assert_eq!(got.ranges(), one.ranges(), "{k:?}");
            let want = RowSet::from_rows((0..3000u64).filter(|&r| rows[r as usize][..2] == k[..]));
            assert_eq!(got.ranges(), want.ranges(), "{k:?}");
        }
    }
    // Some keys must be found and some not, or the test proves little.
    let refs: Vec<&[Value<'_>]> = keys.iter().map(|k| &k[..]).collect();
    let found = t
        .index_lookup_many(0, &refs)
        .unwrap()
        .iter()
        .filter(|r| !r.is_empty())
        .count();
    assert!(found > 100 && found < 900, "{found}");
    let bad: Vec<&[Value<'_>]> = vec![&keys[0][..1]];
    assert!(t.index_lookup_many(0, &bad).is_err());
}

#[test]
fn in_lists_on_a_composite_key_use_the_index_and_equal_a_scan() {
    use tribit::table::Plan;
    let genes = ["TP53", "BRCA1", "EGFR", "MYC", "KRAS"];
    let mut rows = Vec::new();
    for r in 0..2000u64 {
        rows.push(vec![
            Value::Str(genes[(r % 5) as usize]),
            Value::UInt(r / 9),
            Value::UInt(r % 3),
        ]);
    }
    let bytes = write_in(ByteOrder::Little, "G:dict,P:u32,C:u8", &["G", "P"], &rows);
    let c = Container::parse(&bytes).unwrap();
    let ts = TableSet::new(&bytes, &c).unwrap();
    let t = &ts.tables()[0];
    let scan = |g: &[&str], p: &[u64], c: Option<u64>| {
        RowSet::from_rows((0..2000u64).filter(|&r| {
            let row = &rows[r as usize];
            let Value::Str(rg) = row[0] else { unreachable!() };
            let Value::UInt(rp) = row[1] else { unreachable!() };
            let Value::UInt(rc) = row[2] else { unreachable!() };
            g.contains(&rg) && p.contains(&rp) && c.is_none_or(|c| c == rc)
        }))
    };
    let gs = ["TP53", "EGFR", "NOPE"];
    let ps = [1u64, 2, 3, 100, 221, 5000];
    let gv: Vec<Value<'_>> = gs.iter().map(|g| Value::Str(g)).collect();
    let pv: Vec<Value<'_>> = ps.iter().map(|&p| Value::UInt(p)).collect();
    // Both columns as IN-lists, then with a third condition scanned.
    let (got, plan) = t.select(&[("P", pv.clone()), ("G", gv.clone())]).unwrap();
    assert_eq!(got.ranges(), scan(&gs, &ps, None).ranges());
    assert_eq!(plan, vec![Plan::Index(vec!["G".into(), "P".into()])]);
    let (got, plan) = t
        .select(&[("G", gv.clone()), ("P", pv.clone()), ("C", vec![Value::UInt(1)])])
        .unwrap();
    assert_eq!(got.ranges(), scan(&gs, &ps, Some(1)).ranges());
    assert_eq!(plan.len(), 2);
    assert!(!got.is_empty());
    // Too many combinations: answered by scanning, still right.
    let many_p: Vec<u64> = (0..300).collect();
    let many_g: Vec<String> = (0..300)
        .map(|i| if i < 5 { genes[i].to_string() } else { format!("X{i}") })
        .collect();
    let mg: Vec<&str> = many_g.iter().map(String::as_str).collect();
    let (got, plan) = t
        .select(&[
            ("G", mg.iter().map(|g| Value::Str(g)).collect()),
            ("P", many_p.iter().map(|&p| Value::UInt(p)).collect()),
        ])
        .unwrap();
    assert_eq!(got.ranges(), scan(&mg, &many_p, None).ranges());
    // The plan says why the index was passed over: the key limit.
    assert!(
        plan.iter()
            .all(|p| matches!(p, Plan::ScanPastKeyLimit { keys: 90_000, index, .. } if index == &["G", "P"])),
        "{plan:?}"
    );
    // An empty IN-list matches nothing.
    let (got, _) = t.select(&[("G", vec![]), ("P", pv)]).unwrap();
    assert!(got.is_empty());
}
