//! The bodies of the fuzz targets. cargo-fuzz runs them under libFuzzer;
//! `tests/fuzz_bodies.rs` runs the same code over the seed corpus and a
//! fixed number of seeded random inputs, so they run in every CI build.
#![allow(dead_code)]

use std::io::Cursor;

use arbitrary::Arbitrary;
use tribit::convert::{canonical, fasta};
use tribit::validate::validate;
use tribit::{Reader, Region, WriterBuilder};

/// Arbitrary bytes through every public reader entry point: open, records,
/// name lookup, region strings, fetches, runs, planes, summary, tables, JSON.
pub fn open(data: &[u8]) {
    let Ok(r) = Reader::from_bytes(data.to_vec()) else {
        return;
    };
    let _ = r.summary();
    if let Some(h) = r.index_header() {
        for b in 0..h.block_count.min(64) {
            let _ = r.block_planes(b);
        }
    }
    for i in 0..r.len().min(64) {
        let Ok(s) = r.sequence(i) else { continue };
        let _ = r.find(s.name);
        let _ = r.mask_runs(&s).map(|v| v.len());
        let _ = r.exception_runs(&s).map(|v| v.len());
        let n = s.len();
        let mut out = Vec::new();
        for (a, b) in [(0, n.min(1 << 20)), (n / 3, n / 2), (n.saturating_sub(7), n)] {
            out.clear();
            let _ = r.fetch_from(&s, a, b, &mut out);
        }
        let text = format!("{}:2-9", s.name_str());
        let _ = Region::resolve(&r, &text);
    }
    let _ = r.find(b"chr1");
    let _ = Region::resolve(&r, "x:1-10");
    // SPEC §8: tables, their cells, typed columns and index lookups.
    if let Ok(ts) = tribit::table::TableSet::new(r.bytes(), r.container()) {
        use tribit::table::Value;
        for t in ts.tables().iter().take(8) {
            for row in 0..t.row_count().min(256) {
                for c in 0..t.columns().len() {
                    let _ = t.cell(row, c);
                }
            }
            if let Ok(col) = t.column::<f32>("RAW") {
                let _ = col.iter().take(256).count();
            }
            for ix in 0..t.indexes().len() {
                let _ = t.index_lookup(ix, &[Value::Str("TP53"), Value::UInt(1)]);
                let _ = t.index_lookup(ix, &[Value::Int(-1), Value::Null]);
            }
            if let Some(c) = t.schema().columns.first() {
                let _ = t.select(&[(c.name.as_str(), vec![Value::UInt(2), Value::Str("x")])]);
            }
        }
    }
    if data.len() < 1 << 16 {
        let _ = canonical::to_json(&r);
    }
}

/// Arbitrary bytes through the validator; a file it passes must read fully.
pub fn validate_bytes(data: &[u8]) {
    let report = validate(data);
    if report.is_valid() {
        let r = Reader::from_bytes(data.to_vec()).expect("a file the validator passes must open");
        canonical::to_json(&r).expect("a file the validator passes must read fully");
    }
}

/// Arbitrary bytes as FASTA: a rejected input gives an error; an accepted one
/// gives a file the validator passes, with the parser's sequence count.
pub fn fasta_text(data: &[u8]) {
    let Ok(mut w) = WriterBuilder::default()
        .set_block_bases(512)
        .build(Cursor::new(Vec::new()))
    else {
        return;
    };
    let Ok(summary) = fasta::read_fasta(data, &mut w) else {
        return;
    };
    let bytes = w.finish().expect("finish after a good import").into_inner();
    let report = validate(&bytes);
    assert!(report.is_valid(), "writer output invalid: {:?}", report.problems);
    let r = Reader::from_bytes(bytes).expect("reopen");
    assert_eq!(r.len() as u64, summary.sequences);
    let mut out = Vec::new();
    fasta::write_fasta(&r, &mut out).expect("export");
}

/// Arbitrary bytes as CSV, with an inferred schema and with a fixed one of
/// every column type: a rejected input gives an error; an accepted one gives
/// a file the validator passes, whose export imports again to the same cells.
/// Returns how many of the two schemas imported the input.
pub fn csv_text(data: &[u8]) -> usize {
    let mut imported = 0;
    use tribit::container::ByteOrder;
    use tribit::convert::csv::{export_table, import_csv, infer_schema};
    use tribit::table::{Schema, TableOptions, TableSet, TablesWriter};
    let fixed = Schema::parse("A:bool?,B:i8,C:u64?,D:f32,E:f64?,F:str(4)?,G:dict,H:i64").expect("schema");
    let schemas = [infer_schema(data, b',').ok(), Some(fixed)];
    for schema in schemas.into_iter().flatten() {
        let import = |text: &[u8], schema: Schema| -> Option<Vec<u8>> {
            let n = schema.columns.len();
            let opts = TableOptions {
                indexes: vec![
                    vec![schema.columns[0].name.clone()],
                    schema.columns.iter().take(n.min(3)).map(|c| c.name.clone()).collect(),
                ],
            };
            let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).ok()?;
            let mut t = w.table("t", schema, &opts).ok()?;
            import_csv(text, b',', &mut t, |_| {}).ok()?;
            t.finish().expect("finish after a good import");
            Some(w.finish().expect("finish").into_inner())
        };
        let Some(bytes) = import(data, schema.clone()) else {
            continue;
        };
        imported += 1;
        let report = validate(&bytes);
        assert!(report.is_valid(), "table writer output invalid: {:?}", report.problems);
        let c = tribit::container::Container::parse(&bytes).expect("reopen");
        let ts = TableSet::new(&bytes, &c).expect("tables");
        let mut out = Vec::new();
        export_table(&ts.tables()[0], &mut out, b',', None).expect("export");
        let again = import(&out, schema).expect("the export of a table imports again");
        let c2 = tribit::container::Container::parse(&again).expect("reopen");
        let ts2 = TableSet::new(&again, &c2).expect("tables");
        let (t1, t2) = (&ts.tables()[0], &ts2.tables()[0]);
        assert_eq!(t1.row_count(), t2.row_count());
        for r in 0..t1.row_count().min(1000) {
            for col in 0..t1.columns().len() {
                let (a, b) = (t1.cell(r, col).expect("cell"), t2.cell(r, col).expect("cell"));
                // A nullable string column cannot tell "" from null in CSV.
                let same = format!("{a:?}") == format!("{b:?}")
                    || matches!((a, b), (tribit::table::Value::Str(""), tribit::table::Value::Null));
                assert!(same, "row {r} column {col}: {a:?} exported and imported as {b:?}");
            }
        }
    }
    imported
}

/// A letter tribit stores.
#[derive(Debug, Clone, Copy)]
pub struct Letter(pub u8);

impl<'a> Arbitrary<'a> for Letter {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        const L: &[u8] = b"ACGTACGTACGTacgtacgtNnRYKMSWBDHVUrykmswbdhvu-";
        Ok(Letter(*u.choose(L)?))
    }
}

/// A sequence to write: a name suffix, letters and a line width.
#[derive(Debug, Arbitrary)]
pub struct Seq {
    pub desc: bool,
    pub letters: Vec<Letter>,
    pub runs: Vec<(Letter, u8)>,
    pub width: u8,
}

/// Writer operations: sequences and options.
#[derive(Debug, Arbitrary)]
pub struct RoundTrip {
    pub big_endian: bool,
    pub block_lines: u8,
    pub refget: bool,
    pub seqs: Vec<Seq>,
}

/// Structure-aware round trip: write arbitrary sequences, read them back
/// equal, and the validator passes the file.
pub fn roundtrip(input: RoundTrip) {
    use tribit::container::ByteOrder;
    let order = if input.big_endian {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    let mut w = WriterBuilder::default()
        .set_byte_order(order)
        .set_block_bases(512 * (1 + input.block_lines as u32 % 4))
        .set_refget(input.refget)
        .build(Cursor::new(Vec::new()))
        .expect("writer");
    let mut want = Vec::new();
    for (i, s) in input.seqs.iter().take(50).enumerate() {
        let mut letters: Vec<u8> = s.letters.iter().map(|l| l.0).collect();
        for (l, n) in &s.runs {
            letters.extend(std::iter::repeat_n(l.0, *n as usize));
        }
        let header = if s.desc {
            format!("s{i} some description")
        } else {
            format!("s{i}")
        };
        w.add_sequence(header.as_bytes(), &letters, s.width as u64)
            .expect("add");
        want.push(letters);
    }
    let bytes = w.finish().expect("finish").into_inner();
    let report = validate(&bytes);
    assert!(report.is_valid(), "{:?}", report.problems);
    let r = Reader::from_bytes(bytes).expect("open");
    assert_eq!(r.len(), want.len());
    let mut out = Vec::new();
    for (i, letters) in want.iter().enumerate() {
        out.clear();
        r.fetch(i, 0, letters.len() as u64, &mut out).expect("fetch");
        assert_eq!(&out, letters);
        assert_eq!(r.find(format!("s{i}").as_bytes()).expect("find"), Some(i));
    }
}
