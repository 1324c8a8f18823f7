//! The inputs of the vectors and the valid files the reference writer
//! makes of them: deterministic FASTA texts, reference pairs, tables,
//! index files, matrices and a grown file.

use super::*;

/// Deterministic bases for the reference vectors.
pub(super) fn bases(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            b"ACGT"[(x >> 62) as usize]
        })
        .collect()
}

pub(super) fn revcomp(s: &[u8]) -> Vec<u8> {
    s.iter()
        .rev()
        .map(|&b| b"TGCA"[b"ACGT".iter().position(|&x| x == b).unwrap_or(0)])
        .collect()
}

/// SPEC §9: a reference of two sequences, and a file of three written
/// against it: t1 copies r1[10, 90) with one substitution, t2 is the
/// reverse complement of r2[0, 60) in lowercase, t3 copies nothing. With
/// `wrong`, the reference returned has r1's base 50 changed: same names
/// and lengths, another MD5.
pub fn reference_pair(name: &str, order: ByteOrder, wrong: bool) -> (Vec<u8>, Vec<u8>) {
    let (r1, r2) = (bases(1, 120), bases(2, 80));
    let ref_text = |r1: &[u8]| {
        let mut t = b">r1 reference\n".to_vec();
        t.extend_from_slice(r1);
        t.extend_from_slice(b"\n>r2\n");
        t.extend_from_slice(&r2);
        t.push(b'\n');
        t
    };
    let reference = import(&ref_text(&r1), ByteOrder::Little, 512, false);
    let mut t1 = r1[10..90].to_vec();
    t1[40] = if t1[40] == b'A' { b'C' } else { b'A' };
    let t2 = revcomp(&r2[..60]).to_ascii_lowercase();
    let mut text = b">t1 copied\n".to_vec();
    text.extend_from_slice(&t1);
    text.extend_from_slice(b"\n>t2 reversed\n");
    text.extend_from_slice(&t2);
    text.extend_from_slice(b"\n>t3\nACGTNNNNGATTACA\n");
    let r = tribit::Reader::from_bytes(reference.clone()).expect("reference");
    let path = format!("{name}.ref.tbit");
    // Runs as short as these sequences: the example shows the layout, not
    // what pays on a genome.
    let m = tribit::sequence::matcher::Matcher::build(&r, path.as_bytes())
        .expect("matcher")
        .set_min_score(0);
    let mut w = WriterBuilder::default()
        .set_byte_order(order)
        .set_block_bases(512)
        .set_reference(std::sync::Arc::new(m))
        .build(Cursor::new(Vec::new()))
        .expect("writer");
    fasta::read_fasta(&text[..], &mut w).expect("valid FASTA");
    let data = w.finish().expect("finish").into_inner();
    let companion = if wrong {
        let mut r1 = r1.clone();
        r1[50] = if r1[50] == b'A' { b'C' } else { b'A' };
        import(&ref_text(&r1), ByteOrder::Little, 512, false)
    } else {
        reference
    };
    (data, companion)
}

/// FASTA → tribit bytes with the reference writer.
pub fn import(text: &[u8], order: ByteOrder, block_bases: u32, refget: bool) -> Vec<u8> {
    let mut w = WriterBuilder::default()
        .set_byte_order(order)
        .set_block_bases(block_bases)
        .set_refget(refget)
        .build(Cursor::new(Vec::new()))
        .expect("writer");
    fasta::read_fasta(text, &mut w).expect("valid FASTA");
    w.finish().expect("finish").into_inner()
}

/// FASTA → tribit bytes with every block the reference writer can shrink
/// stored as a zstd frame (SPEC §5.3).
pub fn import_zstd(text: &[u8], order: ByteOrder) -> Vec<u8> {
    let mut w = WriterBuilder::default()
        .set_byte_order(order)
        .set_block_bases(512)
        .set_compression(tribit::Compression::Zstd(3))
        .build(Cursor::new(Vec::new()))
        .expect("writer");
    fasta::read_fasta(text, &mut w).expect("valid FASTA");
    w.finish().expect("finish").into_inner()
}

/// A FASTA whose sequences cross 512-position block boundaries, with masks
/// and exceptions on both sides of them (deterministic).
pub(super) fn boundaries_fasta() -> Vec<u8> {
    let mut out = Vec::new();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for (i, len) in [511usize, 512, 0, 1100, 3].into_iter().enumerate() {
        out.extend_from_slice(format!(">b{i} len={len}\n").as_bytes());
        let mut seq = Vec::with_capacity(len);
        for p in 0..len {
            let r = next();
            let mut c = b"ACGT"[(r & 3) as usize];
            if (500..520).contains(&p) && r % 7 == 0 {
                c = b"RYN"[(r % 3) as usize];
            }
            if (p / 37) % 3 == 1 {
                c = c.to_ascii_lowercase();
            }
            seq.push(c);
        }
        for line in seq.chunks(61) {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }
    out
}

pub(super) const EVERY_CODE: &[u8] = b">all every code\nACGTNnacgtRYKMSWBDHVU-ryk\nmswbdhvu\n";
pub(super) const TWO: &[u8] = b">a one\nACGTNNacgtRYRY\n>b\nGATTACA\n";

/// Four sequences: one in run form, one with both dense forms (every
/// letter, alternating case), one with a dense mask only and one with dense
/// exceptions only (SPEC §6.6).
pub(super) fn dense_fasta() -> Vec<u8> {
    let mut t = b">runs\nACGTNacgtRY\n>both\n".to_vec();
    let both: Vec<u8> = (0..240)
        .map(|p| {
            if p % 2 == 0 {
                b"ACGTN"[(p / 2) % 5]
            } else {
                b"RYKMSWBDHVU-"[(p / 2) % 12].to_ascii_lowercase()
            }
        })
        .collect();
    let mask_only: Vec<u8> = (0..200).map(|p| if p % 2 == 0 { b'A' } else { b'c' }).collect();
    let exc_only: Vec<u8> = (0..300).map(|p| b"RYG"[p % 3]).collect();
    for (name, seq) in [
        (None, both),
        (Some(&b"maskonly"[..]), mask_only),
        (Some(&b"exconly"[..]), exc_only),
    ] {
        if let Some(n) = name {
            t.push(b'>');
            t.extend_from_slice(n);
            t.push(b'\n');
        }
        for line in seq.chunks(60) {
            t.extend_from_slice(line);
            t.push(b'\n');
        }
    }
    t
}

/// A file with a 128-byte header and 64-byte directory entries (what a later
/// minor version may write), holding one private optional section.
pub(super) fn longer_header_and_entries() -> Vec<u8> {
    let payload = b"bytes of a private section";
    let (hl, el) = (128u64, 64u64);
    let dir = hl + 64;
    let mut b = vec![0u8; (dir + el) as usize];
    b[..8].copy_from_slice(&tribit::spec::MAGIC);
    b[8..12].copy_from_slice(&tribit::spec::SIGNATURE.to_le_bytes());
    b[12..14].copy_from_slice(&1u16.to_le_bytes());
    b[16..20].copy_from_slice(&(hl as u32).to_le_bytes());
    b[24..32].copy_from_slice(&(dir + el).to_le_bytes());
    b[32..40].copy_from_slice(&dir.to_le_bytes());
    b[40..44].copy_from_slice(&1u32.to_le_bytes());
    b[44..48].copy_from_slice(&(el as u32).to_le_bytes());
    b[hl as usize..hl as usize + payload.len()].copy_from_slice(payload);
    let e = dir as usize;
    b[e..e + 4].copy_from_slice(&0x8000_0003u32.to_le_bytes());
    b[e + 8..e + 16].copy_from_slice(&hl.to_le_bytes());
    b[e + 16..e + 24].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    b[e + 24..e + 32].copy_from_slice(&xxhash_rust::xxh3::xxh3_64(payload).to_le_bytes());
    let sum = xxhash_rust::xxh3::xxh3_64(&b[e..e + el as usize]);
    b[48..56].copy_from_slice(&sum.to_le_bytes());
    reseal_header(&mut b);
    b
}

/// An index file (SPEC §8.8) for the table of the little-endian table
/// file `data`: indexes on (CODE) and (U16, ID), in group 1, in the classic
/// layout (SPEC §8.4).
pub(super) fn index_file(data: &[u8]) -> Vec<u8> {
    index_file_in(data, tribit::index::IndexLayout::Classic)
}

/// [`index_file`] with its indexes in `layout`.
pub(super) fn index_file_in(data: &[u8], layout: tribit::index::IndexLayout) -> Vec<u8> {
    use tribit::container::Container;
    use tribit::index::{encode_key_value, IndexBuilder, IndexTarget};
    use tribit::table::TableSet;
    let c = Container::parse(data).expect("table file");
    let ts = TableSet::new(data, &c).expect("tables");
    let t = &ts.tables()[0];
    let target = IndexTarget::of_table(t, &c, "013_table.tbit").expect("target");
    let mut w = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).expect("writer");
    w.add_section(kind::INDEX_TARGET, true, 1, &target.encode(ByteOrder::Little))
        .expect("target");
    for cols in [vec![10u32], vec![6, 0]] {
        let mut b = IndexBuilder::new(cols.clone());
        b.set_layout(layout);
        let mut key = Vec::new();
        for r in 0..t.row_count() {
            key.clear();
            for &col in &cols {
                let ty = t.schema().columns[col as usize].ty;
                encode_key_value(&mut key, ty, t.cell(r, col as usize).expect("cell"));
            }
            b.add(&key, r);
        }
        b.write_section(&mut w, 1, t.row_count()).expect("index");
    }
    w.finish().expect("finish").into_inner()
}

/// Two matrices (SPEC §8.9), written by the reference writer in `order`:
/// `expr`, f32, 5 x 7 in tiles of 2 x 3 with null cells, and `counts`,
/// u16, 3 x 2 in tiles of 16 rows (more than it has) x 2.
pub(super) fn matrix_file(order: ByteOrder) -> Vec<u8> {
    use tribit::matrix::MatrixOptions;
    use tribit::table::{ColumnType, TablesWriter, Value};
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), order).expect("writer");
    let cols: Vec<String> = ["TP53", "BRCA1", "EGFR", "MYC", "KRAS", "ÅÄÖ", "PTEN"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut o = MatrixOptions::new(ColumnType::F32);
    o.tile_rows = Some(2);
    o.tile_cols = Some(3);
    let mut m = w.matrix("expr", &cols, &o).expect("matrix");
    for r in 0..5 {
        let row: Vec<Value> = (0..7)
            .map(|c| match (r * 7 + c) % 11 {
                0 => Value::Null,
                k => Value::F64(k as f64 * 0.25 - 1.0),
            })
            .collect();
        m.push_row(&format!("SRR{}", 100 + r), &row).expect("row");
    }
    m.finish().expect("finish matrix");
    let cols = vec!["a".to_string(), "b".to_string()];
    let mut o = MatrixOptions::new(ColumnType::U16);
    o.tile_rows = Some(16);
    let mut m = w.matrix("counts", &cols, &o).expect("matrix");
    for r in 0..3u64 {
        m.push_row(&format!("run{r}"), &[Value::UInt(r * 1000), Value::UInt(65534 - r)])
            .expect("row");
    }
    m.finish().expect("finish matrix");
    w.finish().expect("finish").into_inner()
}

/// A small table of every column type, with nulls, a dictionary and two
/// indexes in the classic layout (SPEC §8.4), written by the reference
/// writer in `order`.
pub(super) fn table_file(order: ByteOrder) -> Vec<u8> {
    table_file_chunked(order, None)
}

/// [`table_file`], with chunk checksums (SPEC §3.2) in chunks of
/// 2^`shift` bytes when `shift` is given.
pub(super) fn table_file_chunked(order: ByteOrder, shift: Option<u32>) -> Vec<u8> {
    table_file_with(order, shift, tribit::index::IndexLayout::Classic)
}

/// [`table_file`] with its indexes in the compact layout (version 1.8):
/// the index on GENE has keys of several rows (posting lists), the one on
/// (GENE, ID) one row per key (inline).
pub(super) fn table_file_compact(order: ByteOrder) -> Vec<u8> {
    table_file_with(order, None, tribit::index::IndexLayout::Compact)
}

fn table_file_with(order: ByteOrder, shift: Option<u32>, layout: tribit::index::IndexLayout) -> Vec<u8> {
    use tribit::table::{Schema, TableOptions, TablesWriter, Value};
    let schema = Schema::parse(
        "ID:u32,OK:bool?,SMALL:i8,MID:i16?,BIG:i64,U8:u8?,U16:u16,U64:u64?,RAW:f32?,LOG:f64,CODE:str(6)?,GENE:dict",
    )
    .expect("schema");
    let opts = TableOptions {
        indexes: vec![vec!["GENE".into()], vec!["GENE".into(), "ID".into()]],
    };
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), order).expect("writer");
    if let Some(shift) = shift {
        w.set_chunk_shift(shift);
    }
    w.set_index_layout(layout);
    let mut t = w.table("expr", schema, &opts).expect("table");
    let genes = ["TP53", "TP53", "TP53", "BRCA1", "ÅÄÖ", "TP53"];
    for (i, gene) in genes.iter().enumerate() {
        let i = i as i64;
        let null = i % 2 == 1;
        let n = |v: Value<'static>| if null { Value::Null } else { v };
        t.push_row(&[
            Value::UInt(i as u64 + 1),
            n(Value::Bool(i % 4 == 0)),
            Value::Int(-128 + i),
            n(Value::Int(32767 - i)),
            Value::Int(i64::MIN + i),
            n(Value::UInt(255)),
            Value::UInt(65535 - i as u64),
            n(Value::UInt(u64::MAX)),
            n(Value::F32(0.1 * i as f32)),
            Value::F64(-1.5e300 / (i + 1) as f64),
            n(Value::Str(["", "abcdef", "é"][i as usize % 3])),
            Value::Str(gene),
        ])
        .expect("row");
    }
    t.finish().expect("finish table");
    w.finish().expect("finish").into_inner()
}

/// A file changed after it was written (SPEC §15), by the reference
/// writer's rewrite and rename: two sequences; table `samples` added; table
/// `calls` (a dictionary, an index on GENE) added; an index on (SITE, DEPTH)
/// added to `samples`, whose rows stay where they were.
pub(super) fn grown_file() -> Vec<u8> {
    use tribit::grow::Grow;
    use tribit::table::{Schema, TableOptions};
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("grown.tbit");
    std::fs::write(
        &path,
        import(
            b">chr1 first\nACGTNNacgt\n>chr2\nGGGGCC\n",
            ByteOrder::Little,
            512,
            false,
        ),
    )
    .expect("write");
    let none = TableOptions::default();
    let samples = "SITE,DEPTH,AF\n1,30,0.5\n2,12,0.25\n1,30,1\n3,7,0\n";
    Grow::open(&path)
        .and_then(|g| {
            let schema = Schema::parse("SITE:u32,DEPTH:u16,AF:f64")?;
            g.add_csv_table(
                "samples",
                schema,
                &none,
                false,
                samples.as_bytes(),
                Default::default(),
                |_| {},
            )
        })
        .expect("add samples");
    let calls = "GENE,CALL\nTP53,true\nBRCA1,false\nTP53,\n";
    let by_gene = TableOptions {
        indexes: vec![vec!["GENE".into()]],
    };
    Grow::open(&path)
        .and_then(|g| {
            let schema = Schema::parse("GENE:dict,CALL:bool?")?;
            g.add_csv_table(
                "calls",
                schema,
                &by_gene,
                false,
                calls.as_bytes(),
                Default::default(),
                |_| {},
            )
        })
        .expect("add calls");
    Grow::open(&path)
        .and_then(|g| g.add_index("samples", &["SITE".into(), "DEPTH".into()]))
        .expect("add index");
    std::fs::read(&path).expect("read")
}

/// TWO written after a private optional section (kind 0x8000_0001).
pub(super) fn with_private_section() -> Vec<u8> {
    let mut c = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).expect("container");
    c.add_section(0x8000_0001, false, 7, b"an application's own bytes")
        .expect("private");
    let mut w = WriterBuilder::default()
        .set_block_bases(512)
        .build_with(c)
        .expect("writer");
    fasta::read_fasta(TWO, &mut w).expect("fasta");
    w.finish().expect("finish").into_inner()
}
