//! The conformance vector generator, shared by `examples/gen_conformance.rs`
//! (which writes conformance/) and `tests/conformance.rs` (which checks that
//! the committed vectors are exactly what this code makes).
//!
//! Valid vectors are written by the reference writer; each invalid vector is
//! a valid file with one planted defect, its checksums recomputed unless the
//! defect is a checksum. Numbers follow dependency order: 0xx valid, 1xx
//! container defects, 2xx sequence defects, 3xx (rules/) one vector per
//! labelled rule the others leave unshown.
#![allow(dead_code)]

use std::io::Cursor;

use tribit::container::{ByteOrder, ContainerWriter};
use tribit::convert::fasta;
use tribit::spec::kind;
use tribit::WriterBuilder;

#[path = "rules/mod.rs"]
mod rules;

/// One vector: its file name stem, bytes and manifest fields.
pub struct Vector {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    /// None for a valid vector; Some((class, label)) for an invalid one.
    pub invalid: Option<(&'static str, &'static str)>,
    /// An invalid vector whose rule only validators must check (SPEC
    /// §13.1, §13.3): a reader may read it.
    pub validator_only: bool,
    pub spec: &'static str,
    pub description: &'static str,
    /// The reference file a reference-escaped vector (SPEC §9) was written
    /// against, stored beside it as `NAME.ref.tbit`, the path it records.
    pub reference: Option<Vec<u8>>,
}

impl Vector {
    /// Runs `f` with the path of this vector's reference written to a
    /// temporary folder (None when it has none).
    pub fn with_reference<T>(&self, f: impl FnOnce(Option<&std::path::Path>) -> T) -> T {
        match &self.reference {
            None => f(None),
            Some(bytes) => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let p = dir.path().join(format!("{}.ref.tbit", self.name));
                std::fs::write(&p, bytes).expect("write the reference");
                f(Some(&p))
            }
        }
    }

    /// Opens the vector as the reference reader does, with its reference.
    pub fn open(&self) -> tribit::Result<tribit::Reader> {
        self.with_reference(|p| match p {
            Some(p) => tribit::Reader::from_bytes_with_reference(self.bytes.clone(), p),
            None => tribit::Reader::from_bytes(self.bytes.clone()),
        })
    }
}

/// Deterministic bases for the reference vectors.
fn bases(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            b"ACGT"[(x >> 62) as usize]
        })
        .collect()
}

fn revcomp(s: &[u8]) -> Vec<u8> {
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

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// Byte offset of the directory entry of the first section of `kind` in a
/// little-endian file.
pub fn entry(b: &[u8], kind: u32) -> usize {
    let dir = u64_at(b, 32) as usize;
    let count = u32_at(b, 40) as usize;
    (0..count)
        .map(|i| dir + 48 * i)
        .find(|&e| u32_at(b, e) == kind)
        .expect("section present")
}

/// Offset and length of the first section of `kind` in a little-endian file.
pub fn section(b: &[u8], kind: u32) -> (usize, usize) {
    let e = entry(b, kind);
    (u64_at(b, e + 8) as usize, u64_at(b, e + 16) as usize)
}

/// Recomputes every section checksum, the directory checksum and the header
/// checksum of a little-endian file, so one planted defect hides behind
/// valid checksums.
pub fn reseal(b: &mut [u8]) {
    use xxhash_rust::xxh3::xxh3_64;
    let dir = u64_at(b, 32) as usize;
    let count = u32_at(b, 40) as usize;
    let has = |k: u32| (0..count).any(|i| u32_at(b, dir + 48 * i) == k);
    if has(kind::BLOCK_INDEX) && has(kind::BLOCKS) {
        let (bi, bl) = (section(b, kind::BLOCK_INDEX), section(b, kind::BLOCKS));
        for e in (bi.0..bi.0 + bi.1).step_by(48) {
            let (off, len) = (u64_at(b, e) as usize, u64_at(b, e + 8) as usize);
            if off.checked_add(len).is_some_and(|end| end <= bl.1) {
                let sum = xxh3_64(&b[bl.0 + off..bl.0 + off + len]);
                b[e + 16..e + 24].copy_from_slice(&sum.to_le_bytes());
            }
        }
    }
    for i in 0..count {
        let e = dir + 48 * i;
        let (off, len) = (u64_at(b, e + 8) as usize, u64_at(b, e + 16) as usize);
        if off + len <= b.len() {
            let sum = xxh3_64(&b[off..off + len]);
            b[e + 24..e + 32].copy_from_slice(&sum.to_le_bytes());
        }
    }
    reseal_directory(b);
}

/// Recomputes only the directory and header checksums.
pub fn reseal_directory(b: &mut [u8]) {
    use xxhash_rust::xxh3::xxh3_64;
    let dir = u64_at(b, 32) as usize;
    let count = u32_at(b, 40) as usize;
    let sum = xxh3_64(&b[dir..dir + 48 * count]);
    b[48..56].copy_from_slice(&sum.to_le_bytes());
    reseal_header(b);
}

/// Recomputes only the header checksum.
pub fn reseal_header(b: &mut [u8]) {
    let sum = xxhash_rust::xxh3::xxh3_64(&b[..56]);
    b[56..64].copy_from_slice(&sum.to_le_bytes());
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

/// Rewrites the zstd blocks of a little-endian file: block k's stored
/// bytes become `f(k, raw block)`; BLOCKS and BLOCK_INDEX are rebuilt
/// around them and every checksum recomputed.
fn restore_zstd(b: &[u8], f: impl Fn(usize, &[u8]) -> Vec<u8>) -> Vec<u8> {
    let (bi, _) = section(b, kind::BLOCK_INDEX);
    let (bl, bl_len) = section(b, kind::BLOCKS);
    let count = section(b, kind::BLOCK_INDEX).1 / 48;
    let mut blocks = Vec::new();
    let mut index = b[bi..bi + 48 * count].to_vec();
    for k in 0..count {
        let e = bi + 48 * k;
        let (off, len) = (u64_at(b, e) as usize, u64_at(b, e + 8) as usize);
        let stored = &b[bl + off..bl + off + len];
        let new = if b[e + 28] == 1 {
            let raw = zstd::bulk::decompress(stored, 3 * 64 * 8).expect("frame");
            f(k, &raw)
        } else {
            while blocks.len() % 64 != 0 {
                blocks.push(0);
            }
            stored.to_vec()
        };
        index[48 * k..48 * k + 8].copy_from_slice(&(blocks.len() as u64).to_le_bytes());
        index[48 * k + 8..48 * k + 16].copy_from_slice(&(new.len() as u64).to_le_bytes());
        blocks.extend_from_slice(&new);
    }
    let _ = bl_len;
    let mut out = rebuild(b, |k, data| match k {
        kind::BLOCKS => blocks.clone(),
        kind::BLOCK_INDEX => index.clone(),
        _ => data.to_vec(),
    });
    reseal(&mut out);
    out
}

/// A FASTA whose sequences cross 512-position block boundaries, with masks
/// and exceptions on both sides of them (deterministic).
fn boundaries_fasta() -> Vec<u8> {
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

const EVERY_CODE: &[u8] = b">all every code\nACGTNnacgtRYKMSWBDHVU-ryk\nmswbdhvu\n";
const TWO: &[u8] = b">a one\nACGTNNacgtRYRY\n>b\nGATTACA\n";

/// Four sequences: one in run form, one with both dense forms (every
/// letter, alternating case), one with a dense mask only and one with dense
/// exceptions only (SPEC §6.6).
fn dense_fasta() -> Vec<u8> {
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

/// Absolute offset of the dense array of record `i` in section `k`.
fn dense_array(b: &[u8], k: u32, i: usize) -> usize {
    let (off, _) = section(b, k);
    off + u64_at(b, off + 8 * i) as usize
}

/// Position (relative to BLOCKS) of plane `p`, byte `j` of block 0 of a file
/// with 512-position blocks.
fn plane_byte(b: &[u8], p: usize, j: usize) -> usize {
    let (off, _) = section(b, kind::BLOCKS);
    off + 64 * p + j
}

/// Sets the 3-bit code of stream position `pos` (< 512) in block 0.
fn set_code(b: &mut [u8], pos: usize, code: u8) {
    for p in 0..3 {
        let at = plane_byte(b, p, pos / 8);
        if code >> p & 1 == 1 {
            b[at] |= 1 << (pos % 8);
        } else {
            b[at] &= !(1 << (pos % 8));
        }
    }
}

/// Rewrites a little-endian file section by section with the reference
/// container writer, passing each section's bytes through `f`.
fn rebuild(b: &[u8], f: impl Fn(u32, &[u8]) -> Vec<u8>) -> Vec<u8> {
    let c = tribit::container::Container::parse(b).expect("valid input");
    let mut secs = c.sections.clone();
    secs.sort_by_key(|e| e.offset);
    let mut w = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).expect("container");
    for e in secs {
        let data = &b[e.offset as usize..(e.offset + e.length) as usize];
        w.add_section(e.kind, e.required(), e.group, &f(e.kind, data))
            .expect("section");
    }
    w.finish().expect("finish").into_inner()
}

/// A file with a 128-byte header and 64-byte directory entries (what a later
/// minor version may write), holding one private optional section.
fn longer_header_and_entries() -> Vec<u8> {
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

/// Every vector, in manifest order.
pub fn vectors() -> Vec<Vector> {
    let mut v = Vec::new();
    let mut valid = |name, bytes, spec, description| {
        v.push(Vector {
            name,
            bytes,
            invalid: None,
            validator_only: false,
            spec,
            description,
            reference: None,
        });
    };

    let empty = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little)
        .and_then(|c| c.finish())
        .expect("empty")
        .into_inner();
    valid(
        "000_empty_container",
        empty.clone(),
        "§2, §3",
        "a 64-byte header and an empty directory: no sequences",
    );
    valid(
        "001_one_sequence",
        import(b">s\nACGT\n", ByteOrder::Little, 512, false),
        "§4–§6",
        "one sequence of four bases",
    );
    let every = import(EVERY_CODE, ByteOrder::Little, 512, false);
    valid(
        "002_every_code",
        every.clone(),
        "§4, §6.3, §6.4",
        "every stored letter in both cases: A C G T N, the twelve exception letters, masks",
    );
    valid(
        "003_big_endian",
        import(EVERY_CODE, ByteOrder::Big, 512, false),
        "§2.2",
        "002 written big-endian: integer fields swapped, planes identical",
    );
    valid("004_block_boundaries", import(&boundaries_fasta(), ByteOrder::Little, 512, false), "§5, §5.1", "sequences of 511, 512, 0, 1100 and 3 bases across 512-position blocks, with masks and exceptions at block edges");
    let layout = b"> s1\tdescription after a tab\r\nACGT\r\nAC\r\n\r\n\r\n>s2 x\r\nGG";
    valid("005_fasta_layout", import(layout, ByteOrder::Little, 512, false), "§6.1, §7", "CR LF endings, a space before the name, a tab before the description, blank lines after a record, no final newline");
    valid(
        "006_refget",
        import(TWO, ByteOrder::Little, 512, true),
        "§6.1",
        "refget digests present (index flag bit 0)",
    );
    let with_private = {
        let mut c = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).expect("container");
        c.add_section(0x8000_0001, false, 7, b"an application's own bytes")
            .expect("private");
        let mut w = WriterBuilder::default()
            .set_block_bases(512)
            .build_with(c)
            .expect("writer");
        fasta::read_fasta(TWO, &mut w).expect("fasta");
        w.finish().expect("finish").into_inner()
    };
    valid(
        "007_unknown_optional_section",
        with_private.clone(),
        "§3.1, §10",
        "a private optional section before the sequences: readers skip it",
    );
    let newer_minor = {
        let mut c = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).expect("container");
        c.add_section(0x0110, false, 9, b"defined by a later minor version")
            .expect("future");
        let mut w = WriterBuilder::default()
            .set_block_bases(512)
            .build_with(c)
            .expect("writer");
        fasta::read_fasta(TWO, &mut w).expect("fasta");
        let mut b = w.finish().expect("finish").into_inner();
        b[14] = 1; // minor = 1
        reseal_header(&mut b);
        b
    };
    valid(
        "008_newer_minor_version",
        newer_minor,
        "§2.3, §10",
        "minor version 1 with an optional section kind this version does not define",
    );
    let shorties = include_bytes!("../testdata/shorties.fa");
    valid(
        "009_real_shorties",
        import(shorties, ByteOrder::Little, 1 << 14, false),
        "all",
        "20 real sequences (lastz-examples shorties.fa, MIT)",
    );
    let many: Vec<u8> = (0..300)
        .flat_map(|i| format!(">contig_{i}\nAC{}\n", "GT".repeat(i % 5)).into_bytes())
        .collect();
    valid(
        "010_many_names",
        import(&many, ByteOrder::Little, 512, false),
        "§6.2",
        "300 names: the name hash has probe chains",
    );

    valid(
        "011_longer_header_and_entries",
        longer_header_and_entries(),
        "§2, §3, §13.1",
        "header_len 128 and directory_entry_len 64: readers accept the longer structures and ignore their extra bytes",
    );
    let two = import(TWO, ByteOrder::Little, 512, false);
    let longer_records = rebuild(&two, |k, d| {
        if k != kind::SEQUENCE_INDEX {
            return d.to_vec();
        }
        let mut out = d[..64].to_vec();
        out[20..24].copy_from_slice(&144u32.to_le_bytes());
        for rec in d[64..].chunks(128) {
            out.extend_from_slice(rec);
            out.extend_from_slice(&[0; 16]);
        }
        out
    });
    valid(
        "012_longer_records",
        longer_records,
        "§6, §13.1",
        "record_len 144: readers step over the 16 extra bytes of each record",
    );

    valid(
        "013_table",
        table_file(ByteOrder::Little),
        "§8.1–§8.5",
        "a table of every column type with nulls, a dictionary, and two hash indexes (one composite)",
    );
    valid(
        "014_table_big_endian",
        table_file(ByteOrder::Big),
        "§2.2, §8",
        "013 written big-endian: cells, dictionary and index in big-endian",
    );
    valid(
        "020_grown_file",
        grown_file(),
        "§3, §8, §15",
        "sequences, then a table added later, a second table with a dictionary and an index, then an index added to the first table: its HASH_INDEX follows the second table's sections",
    );
    valid(
        "030_dense_forms",
        import(&dense_fasta(), ByteOrder::Little, 512, false),
        "§6.5, §6.6",
        "version 1.2: a mask bitmap and exception nibbles for sequences whose runs are short, beside a sequence in run form",
    );
    valid(
        "031_dense_forms_big_endian",
        import(&dense_fasta(), ByteOrder::Big, 512, false),
        "§2.2, §6.6",
        "030 written big-endian: the offset tables swapped, bitmaps and nibbles identical",
    );
    let index_file = index_file(&table_file(ByteOrder::Little));
    valid(
        "040_index_file",
        index_file.clone(),
        "§8.4, §8.8",
        "version 1.3: an index file for the table of 013, with indexes on (CODE) and (U16, ID) tied to it by an INDEX_TARGET",
    );
    valid(
        "050_zstd_blocks",
        import_zstd(&boundaries_fasta(), ByteOrder::Little),
        "§5.3",
        "version 1.4: 004's sequences in zstd blocks of 512 positions, stored back to back at offsets that are not multiples of 64",
    );
    valid(
        "051_zstd_blocks_big_endian",
        import_zstd(&boundaries_fasta(), ByteOrder::Big),
        "§2.2, §5.3",
        "050 written big-endian: integer fields swapped, the zstd frames identical",
    );
    valid(
        "070_matrix",
        matrix_file(ByteOrder::Little),
        "§8.9",
        "version 1.5: an f32 matrix of 5 x 7 in tiles of 2 x 3 (a short last band, two padding columns) with null cells, and a u16 matrix, each with its name tables",
    );
    valid(
        "071_matrix_big_endian",
        matrix_file(ByteOrder::Big),
        "§2.2, §8.9",
        "070 written big-endian: header, checksums and cells swapped",
    );
    valid(
        "090_chunk_sums_table",
        table_file_chunked(ByteOrder::Little, Some(6)),
        "§3.2, §8",
        "version 1.7: the table of 013 with chunk checksums in chunks of 64 bytes after its TABLE, its dictionary and both indexes (each longer than one chunk)",
    );
    valid(
        "091_chunk_sums_table_big_endian",
        table_file_chunked(ByteOrder::Big, Some(6)),
        "§2.2, §3.2",
        "090 written big-endian: the chunk checksum header and sums swapped",
    );
    for (name, order, description) in [
        (
            "080_reference_escape",
            ByteOrder::Little,
            "version 1.6: three sequences written against the reference 080_reference_escape.ref.tbit beside it: a forward run with one literal substitution, a reverse-complement run under a mask, and a sequence with no run",
        ),
        (
            "081_reference_escape_big_endian",
            ByteOrder::Big,
            "080 written big-endian: REFERENCES swapped, planes identical",
        ),
    ] {
        let (bytes, reference) = reference_pair(name, order, false);
        v.push(Vector {
            name,
            bytes,
            invalid: None,
            validator_only: false,
            spec: "§9",
            description,
            reference: Some(reference),
        });
    }
    {
        let (bytes, reference) = reference_pair("280_wrong_reference", ByteOrder::Little, true);
        v.push(Vector {
            name: "280_wrong_reference",
            bytes,
            invalid: Some(("mismatch", "RF6")),
            validator_only: false,
            spec: "§9",
            description: "080's file beside a reference whose r1 has the same name and length but one other base: its MD5 differs, and no base may be returned",
            reference: Some(reference),
        });
        let (mut bytes, _) = reference_pair("281_run_outside_reference", ByteOrder::Little, false);
        // The first run's ref_start moved past the end of its sequence.
        let (off, _) = section(&bytes, kind::REFERENCES);
        let n = u64_at(&bytes, off) as usize;
        let run = off + 64 + 48 * n;
        bytes[run + 16..run + 24].copy_from_slice(&1000u64.to_le_bytes());
        reseal(&mut bytes);
        let (_, reference) = reference_pair("281_run_outside_reference", ByteOrder::Little, false);
        v.push(Vector {
            name: "281_run_outside_reference",
            bytes,
            invalid: Some(("format", "RF3")),
            validator_only: false,
            spec: "§9",
            description:
                "080 with its first run mapped onto reference positions [1000, +80) of a sequence of 120 bases",
            reference: Some(reference),
        });
    }
    {
        // SPEC §3.2. 290: chunk 1 of the TABLE damaged, neither its
        // directory checksum nor its chunk checksum resealed: every reader
        // refuses it. 291-294 break a rule only validators must check: a
        // reader may not use the chunk checksums, or must not use unusable
        // ones, and then reads the table.
        let chunked = table_file_chunked(ByteOrder::Little, Some(6));
        let sums = section(&chunked, kind::CHUNK_SUMS).0;
        let mut damaged = chunked.clone();
        damaged[section(&chunked, kind::TABLE).0 + 70] ^= 0x10;
        let mut count = chunked.clone();
        count[sums + 24] += 1;
        reseal(&mut count);
        let mut target = chunked.clone();
        target[sums..sums + 8].copy_from_slice(&8u64.to_le_bytes());
        reseal(&mut target);
        let mut sum = chunked.clone();
        sum[sums + 32 + 8] ^= 1; // chunk 1's checksum
        reseal(&mut sum);
        let mut older = chunked.clone();
        older[14..16].copy_from_slice(&6u16.to_le_bytes());
        reseal_header(&mut older);
        for (name, bytes, invalid, validator_only, description) in [
            (
                "290_table_chunk_damaged",
                damaged,
                ("checksum", "CS3"),
                false,
                "090 with one bit of the TABLE's second 64-byte chunk flipped: the chunk's checksum and the section's both fail",
            ),
            (
                "291_chunk_sums_count",
                count,
                ("format", "CS1"),
                true,
                "090 with the first CHUNK_SUMS count one above the target's chunks: the sums are not used, the TABLE is verified whole",
            ),
            (
                "292_chunk_sums_target",
                target,
                ("format", "CS2"),
                true,
                "090 with the first CHUNK_SUMS naming byte 8 as its target, where no section starts",
            ),
            (
                "293_chunk_sum_wrong",
                sum,
                ("checksum", "CS3"),
                true,
                "090 with chunk 1's stored checksum changed (every section checksum resealed): a reader that uses the chunk sums refuses the table, one that verifies it whole reads it",
            ),
            (
                "294_chunk_sums_in_1_6",
                older,
                ("format", "D17"),
                true,
                "090 labelled minor version 6: CHUNK_SUMS is defined in 1.7",
            ),
        ] {
            v.push(Vector {
                name,
                bytes,
                invalid: Some(invalid),
                spec: "§3.2",
                description,
                reference: None,
                validator_only,
            });
        }
    }
    let table = table_file(ByteOrder::Little);

    let mut bad = |name, class, label, spec, description, bytes: Vec<u8>| {
        v.push(Vector {
            name,
            bytes,
            invalid: Some((class, label)),
            validator_only: false,
            spec,
            description,
            reference: None,
        });
    };
    let edit = |base: &[u8], f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = base.to_vec();
        f(&mut b);
        b
    };
    bad(
        "100_empty_file",
        "format",
        "H6",
        "§2.4 step 1",
        "zero bytes",
        Vec::new(),
    );
    bad(
        "101_bad_magic",
        "format",
        "H1",
        "§2.4 step 2",
        "first byte 0x88",
        edit(&two, &|b| b[0] = 0x88),
    );
    bad(
        "102_bad_signature",
        "format",
        "H2",
        "§2.4 step 3",
        "byte-order signature neither order",
        edit(&two, &|b| b[8] = 0),
    );
    bad(
        "103_unknown_major_version",
        "unsupported",
        "H3",
        "§2.4 step 5",
        "major version 2",
        edit(&two, &|b| {
            b[12] = 2;
            reseal_header(b);
        }),
    );
    bad(
        "104_header_checksum",
        "checksum",
        "H10",
        "§2.4 step 6",
        "a header byte changed without its checksum",
        edit(&two, &|b| b[20] ^= 1),
    );
    bad(
        "105_truncated",
        "format",
        "H6",
        "§2.4 step 8",
        "the last 48 bytes cut off",
        edit(&two, &|b| b.truncate(b.len() - 48)),
    );
    bad(
        "106_trailing_bytes",
        "format",
        "H6",
        "§2.4 step 8",
        "64 zero bytes appended",
        edit(&two, &|b| b.extend_from_slice(&[0; 64])),
    );
    bad(
        "107_directory_checksum",
        "checksum",
        "H9",
        "§2.4 step 11",
        "a reserved directory byte changed without the directory checksum",
        edit(&two, &|b| {
            let e = entry(b, kind::MASKS);
            b[e + 40] ^= 1;
        }),
    );
    bad(
        "108_section_checksum",
        "checksum",
        "D5",
        "§2.4 step 16",
        "a SEQUENCE_NAMES byte changed without its checksum",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::SEQUENCE_NAMES);
            b[off] = b'z';
        }),
    );
    bad(
        "109_block_checksum",
        "checksum",
        "BI3",
        "§2.4 step 23, §5.1",
        "a plane bit flipped without the block checksum",
        edit(&two, &|b| {
            let at = plane_byte(b, 0, 0);
            b[at] ^= 1;
        }),
    );
    bad(
        "110_section_out_of_bounds",
        "format",
        "D4",
        "§2.4 step 12b",
        "a section length reaching past the directory",
        edit(&two, &|b| {
            let e = entry(b, kind::MASKS);
            b[e + 16..e + 24].copy_from_slice(&(1u64 << 40).to_le_bytes());
            reseal_directory(b);
        }),
    );
    bad(
        "111_misaligned_section",
        "format",
        "D3",
        "§2.4 step 12b",
        "a section offset not a multiple of 64",
        edit(&two, &|b| {
            let e = entry(b, kind::SEQUENCE_NAMES);
            let off = u64_at(b, e + 8) + 8;
            b[e + 8..e + 16].copy_from_slice(&off.to_le_bytes());
            reseal_directory(b);
        }),
    );
    bad(
        "112_overlapping_sections",
        "format",
        "D7",
        "§2.4 step 13",
        "SEQUENCE_NAMES placed over BLOCK_INDEX",
        edit(&two, &|b| {
            let (bi, _) = section(b, kind::BLOCK_INDEX);
            let e = entry(b, kind::SEQUENCE_NAMES);
            b[e + 8..e + 16].copy_from_slice(&(bi as u64).to_le_bytes());
            reseal_directory(b);
        }),
    );
    bad(
        "113_unknown_required_section",
        "unsupported",
        "D10",
        "§2.4 step 12c, §10",
        "a private section marked required",
        edit(&with_private, &|b| {
            let e = entry(b, 0x8000_0001);
            b[e + 4] = 1;
            reseal_directory(b);
        }),
    );
    bad(
        "114_missing_sequence_section",
        "format",
        "K2",
        "§2.4 step 15, §3.1",
        "EXCEPTIONS relabelled as an optional private kind",
        edit(&two, &|b| {
            let e = entry(b, kind::EXCEPTIONS);
            b[e..e + 4].copy_from_slice(&0x8000_0107u32.to_le_bytes());
            b[e + 4] = 0;
            reseal_directory(b);
        }),
    );
    let alone = {
        let mut c = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).expect("container");
        c.add_section(0x8000_0001, true, 0, b"needed to read this file")
            .expect("private");
        c.finish().expect("finish").into_inner()
    };
    bad(
        "115_unknown_required_section_alone",
        "unsupported",
        "D10",
        "§2.4 step 12c, §10",
        "only a required private section: refusing needs no sequence support",
        alone,
    );
    bad(
        "200_bad_block_bases",
        "format",
        "X2",
        "§2.4 step 17, §6",
        "block_bases 500",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::SEQUENCE_INDEX);
            b[off + 16..off + 20].copy_from_slice(&500u32.to_le_bytes());
            reseal(b);
        }),
    );
    bad(
        "201_record_outside_names",
        "format",
        "R3",
        "§2.4 step 22, §6.1",
        "a header line past the end of SEQUENCE_NAMES",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::SEQUENCE_INDEX);
            b[off + 64 + 128 + 16] = 200;
            reseal(b);
        }),
    );
    bad(
        "210_final_newline_not_last",
        "format",
        "R11",
        "§2.4 step 22, §6.1, §7.2",
        "flag bit 0 (no final newline) on the first of two records",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::SEQUENCE_INDEX);
            b[off + 64 + 124] |= 1;
            reseal(b);
        }),
    );
    bad(
        "202_end_inside_sequence",
        "format",
        "R2",
        "§6.5, §4",
        "an END code at position 1 of the first sequence",
        edit(&two, &|b| {
            set_code(b, 1, 5);
            reseal(b);
        }),
    );
    bad(
        "203_exception_without_run",
        "format",
        "E3",
        "§6.5, §6.4",
        "code 7 at a position no exception run covers",
        edit(&two, &|b| {
            set_code(b, 0, 7);
            reseal(b);
        }),
    );
    bad(
        "204_bad_exception_letter",
        "format",
        "E4",
        "§6.5, §6.4",
        "exception letter 'X'",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::EXCEPTIONS);
            b[off + 12] = b'X';
            reseal(b);
        }),
    );
    bad(
        "205_unsupported_block_encoding",
        "unsupported",
        "BI10",
        "§2.4 step 23, §5.1",
        "block encoding 2",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::BLOCK_INDEX);
            b[off + 28] = 2;
            reseal(b);
        }),
    );
    bad(
        "206_reference_escape",
        "unsupported",
        "C1",
        "§4, §9",
        "code 6 (reference escape) at position 2",
        edit(&two, &|b| {
            set_code(b, 2, 6);
            reseal(b);
        }),
    );
    bad(
        "207_block_count_mismatch",
        "format",
        "X4",
        "§2.4 step 17",
        "block_count 2 for a one-block stream",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::SEQUENCE_INDEX);
            b[off + 24] = 2;
            reseal(b);
        }),
    );
    bad(
        "211_dictionary_without_table",
        "format",
        "T2",
        "§2.4 T-a, §8",
        "the TABLE relabelled as an optional private kind: its DICTIONARY is left in a group without a TABLE",
        edit(&table, &|b| {
            let e = entry(b, kind::TABLE);
            b[e..e + 4].copy_from_slice(&0x8000_0201u32.to_le_bytes());
            b[e + 4] = 0;
            reseal_directory(b);
        }),
    );
    bad(
        "208_table_columns_overlap",
        "format",
        "T7",
        "§8.1",
        "the second column's offset moved onto the first column's bytes",
        edit(&table, &|b| {
            let (off, len) = section(b, kind::TABLE);
            let h = off + u64_at(b, off + len - 8) as usize;
            let col1 = h + 64 + 32;
            let first = u32_at(b, h + 64 + 4);
            b[col1 + 4..col1 + 8].copy_from_slice(&first.to_le_bytes());
            reseal(b);
        }),
    );
    bad(
        "209_dictionary_code_out_of_range",
        "format",
        "DI4",
        "§8.3",
        "a dict cell holds code 7 of a 3-string dictionary",
        edit(&table, &|b| {
            let (off, len) = section(b, kind::TABLE);
            let h = off + u64_at(b, off + len - 8) as usize;
            let ncol = u32_at(b, h + 12) as usize;
            let d = (0..ncol)
                .map(|i| h + 64 + 32 * i)
                .find(|&d| b[d] == 13)
                .expect("dict column");
            let at = off + u32_at(b, d + 4) as usize;
            b[at..at + 4].copy_from_slice(&7u32.to_le_bytes());
            reseal(b);
        }),
    );
    let zstd = import_zstd(&boundaries_fasta(), ByteOrder::Little);
    bad(
        "250_zstd_content_short",
        "format",
        "Z1",
        "§5.3",
        "block 1 is a zstd frame of 191 bytes, one short of its raw block; checksums match",
        restore_zstd(&zstd, |k, raw| {
            let n = if k == 1 { raw.len() - 1 } else { raw.len() };
            zstd::bulk::compress(&raw[..n], 3).expect("compress")
        }),
    );
    bad(
        "251_zstd_two_frames",
        "format",
        "Z1",
        "§5.3",
        "block 1 is two zstd frames that together hold its raw block; checksums match",
        restore_zstd(&zstd, |k, raw| {
            let mut f = zstd::bulk::compress(&raw[..if k == 1 { 96 } else { raw.len() }], 3).expect("compress");
            if k == 1 {
                f.extend(zstd::bulk::compress(&raw[96..], 3).expect("compress"));
            }
            f
        }),
    );
    bad(
        "252_zstd_not_a_frame",
        "format",
        "Z1",
        "§5.3",
        "the first byte of block 0's frame (the zstd magic) is changed; checksums match",
        edit(&zstd, &|b| {
            let (bi, _) = section(b, kind::BLOCK_INDEX);
            let (bl, _) = section(b, kind::BLOCKS);
            let at = bl + u64_at(b, bi) as usize;
            b[at] ^= 0xFF;
            reseal(b);
        }),
    );
    let dense = import(&dense_fasta(), ByteOrder::Little, 512, false);
    bad(
        "230_dense_offset_outside",
        "format",
        "DF2",
        "§6.6",
        "the bitmap offset of record 1 points past the end of MASK_BITMAP",
        edit(&dense, &|b| {
            let (off, len) = section(b, kind::MASK_BITMAP);
            b[off + 8..off + 16].copy_from_slice(&(len as u64).to_le_bytes());
            reseal(b);
        }),
    );
    bad(
        "231_dense_and_runs",
        "format",
        "DF3",
        "§6.6",
        "record 1 has a mask bitmap and also claims the mask run of record 0",
        edit(&dense, &|b| {
            let (idx, _) = section(b, kind::SEQUENCE_INDEX);
            let rec = idx + 64 + 128;
            b[rec + 40..rec + 48].copy_from_slice(&0u64.to_le_bytes());
            b[rec + 48..rec + 56].copy_from_slice(&1u64.to_le_bytes());
            reseal(b);
        }),
    );
    bad(
        "232_nibble_above_12",
        "format",
        "DF6",
        "§6.5, §6.6",
        "the nibble of a code-7 position is 13",
        edit(&dense, &|b| {
            let a = dense_array(b, kind::EXCEPTION_NIBBLES, 1);
            b[a] = (b[a] & 0x0F) | 0xD0;
            reseal(b);
        }),
    );
    bad(
        "233_nibble_without_code_7",
        "format",
        "DF6",
        "§6.5, §6.6",
        "a nibble of 1 (R) at a position whose code is 0 (A)",
        edit(&dense, &|b| {
            let a = dense_array(b, kind::EXCEPTION_NIBBLES, 1);
            b[a] = (b[a] & 0xF0) | 0x01;
            reseal(b);
        }),
    );
    bad(
        "234_code_7_nibble_0",
        "format",
        "DF6",
        "§6.5, §6.6",
        "a code-7 position whose nibble is 0",
        edit(&dense, &|b| {
            let a = dense_array(b, kind::EXCEPTION_NIBBLES, 1);
            b[a] &= 0x0F;
            reseal(b);
        }),
    );
    bad(
        "240_index_target_length",
        "format",
        "IT1",
        "§8.8",
        "the INDEX_TARGET's name_len is one byte longer than the section holds",
        edit(&index_file, &|b| {
            let (off, _) = section(b, kind::INDEX_TARGET);
            b[off + 28] += 1;
            reseal(b);
        }),
    );
    let matrix = matrix_file(ByteOrder::Little);
    bad(
        "270_matrix_tile_checksum",
        "checksum",
        "MX7",
        "§8.9",
        "one cell of the first matrix's tile 0 changed; the section checksums resealed, the tile checksum not",
        edit(&matrix, &|b| {
            let (off, _) = section(b, kind::MATRIX_TILES);
            b[off] ^= 0x40;
            reseal(b);
        }),
    );
    bad(
        "241_index_without_target",
        "format",
        "T2",
        "§8, §8.8",
        "a HASH_INDEX moved to a group with neither a TABLE nor an INDEX_TARGET",
        edit(&index_file, &|b| {
            let e = entry(b, kind::HASH_INDEX);
            b[e + 32..e + 36].copy_from_slice(&7u32.to_le_bytes());
            reseal(b);
        }),
    );
    bad(
        "271_matrix_tile_count",
        "format",
        "MX2",
        "§8.9",
        "tile_rows 3 where the tiles were written with 2: tile_count no longer matches",
        edit(&matrix, &|b| {
            let (off, _) = section(b, kind::MATRIX);
            b[off + 16..off + 20].copy_from_slice(&3u32.to_le_bytes());
            reseal(b);
        }),
    );
    bad(
        "272_matrix_names_table_missing",
        "format",
        "MX6",
        "§8.9",
        "the row names table renamed from 'expr:rows' to 'expr:rowz': the matrix names a table the file lacks",
        edit(&matrix, &|b| {
            let (t, len) = section(b, kind::TABLE);
            let at = (t..t + len - 8)
                .find(|&i| &b[i..i + 9] == b"expr:rows")
                .expect("table name");
            b[at + 8] = b'z';
            reseal(b);
        }),
    );
    rules::vectors(&mut v);
    v
}

/// An index file (SPEC §8.8) for the table of the little-endian table
/// file `data`: indexes on (CODE) and (U16, ID), in group 1.
fn index_file(data: &[u8]) -> Vec<u8> {
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
fn matrix_file(order: ByteOrder) -> Vec<u8> {
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
/// indexes, written by the reference writer in `order`.
fn table_file(order: ByteOrder) -> Vec<u8> {
    table_file_chunked(order, None)
}

/// [`table_file`], with chunk checksums (SPEC §3.2) in chunks of
/// 2^`shift` bytes when `shift` is given.
fn table_file_chunked(order: ByteOrder, shift: Option<u32>) -> Vec<u8> {
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
fn grown_file() -> Vec<u8> {
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

/// The manifest for `vectors`, as pretty JSON with a final newline.
pub fn manifest(vs: &[Vector]) -> String {
    let items: Vec<serde_json::Value> = vs
        .iter()
        .map(|x| {
            let dir = if x.invalid.is_some() { "invalid" } else { "valid" };
            let mut m = serde_json::json!({
                "name": x.name,
                "file": format!("vectors/{dir}/{}.tbit", x.name),
                "expect": if x.invalid.is_some() { "invalid" } else { "valid" },
                "spec": x.spec,
                "description": x.description,
            });
            if x.reference.is_some() {
                m["reference"] = format!("vectors/{dir}/{}.ref.tbit", x.name).into();
            }
            match x.invalid {
                Some((class, label)) => {
                    m["class"] = class.into();
                    m["label"] = label.into();
                    if x.validator_only {
                        m["validator_only"] = true.into();
                    }
                }
                None => {
                    m["json"] = format!("vectors/valid/{}.json", x.name).into();
                    if x.reference.is_none() && kmer_queries(&x.bytes).is_some_and(|q| !q.is_empty()) {
                        m["kmers"] = format!("vectors/valid/{}.kmers.json", x.name).into();
                    }
                    if lookup_expectations(&x.bytes).is_some() {
                        m["lookups"] = format!("vectors/valid/{}.lookups.json", x.name).into();
                    }
                }
            }
            m
        })
        .collect();
    let doc = serde_json::json!({ "format": "tribit", "spec_version": "1.7", "vectors": items });
    serde_json::to_string_pretty(&doc).expect("json") + "\n"
}

/// Every file of the suite: (path relative to conformance/, bytes). Expected
/// JSON comes from the reference reader; the independent Python reader in
/// conformance/python/ checks it against SPEC.md.
pub fn files(vs: &[Vector]) -> tribit::Result<Vec<(String, Vec<u8>)>> {
    let mut out = vec![("manifest.json".to_string(), manifest(vs).into_bytes())];
    for x in vs {
        if let Some(r) = &x.reference {
            let dir = if x.invalid.is_some() { "invalid" } else { "valid" };
            out.push((format!("vectors/{dir}/{}.ref.tbit", x.name), r.clone()));
        }
        match x.invalid {
            Some(_) => out.push((format!("vectors/invalid/{}.tbit", x.name), x.bytes.clone())),
            None => {
                out.push((format!("vectors/valid/{}.tbit", x.name), x.bytes.clone()));
                let r = x.open()?;
                let j = tribit::convert::canonical::to_json(&r)?;
                let text = serde_json::to_string_pretty(&j).expect("json") + "\n";
                out.push((format!("vectors/valid/{}.json", x.name), text.into_bytes()));
                if x.reference.is_some() {
                    continue;
                }
                if let Some(k) = kmer_expectations(&x.bytes)? {
                    out.push((
                        format!("vectors/valid/{}.kmers.json", x.name),
                        kmers_text(&k).into_bytes(),
                    ));
                }
                if let Some(l) = lookup_expectations(&x.bytes) {
                    let text = serde_json::to_string_pretty(&l).expect("json") + "\n";
                    out.push((format!("vectors/valid/{}.lookups.json", x.name), text.into_bytes()));
                }
            }
        }
    }
    Ok(out)
}

/// The k-mer queries asked of a valid vector (SPEC §14): taken from its
/// first sequence with an ACGT run — a 1-mer, the first 3 and the first 8
/// ACGT letters (as uppercase) — plus the palindrome ACGT; deduplicated.
/// None when the file has no sequence set or reads as unsupported.
fn kmer_queries(bytes: &[u8]) -> Option<Vec<String>> {
    let r = tribit::Reader::from_bytes(bytes.to_vec()).ok()?;
    if r.is_empty() {
        return None;
    }
    let mut run = Vec::new();
    let mut buf = Vec::new();
    for i in 0..r.len() {
        let seq = r.sequence(i).ok()?;
        buf.clear();
        r.fetch_from(&seq, 0, seq.len(), &mut buf).ok()?;
        buf.make_ascii_uppercase();
        // The longest run of ACGT up to 8 letters, first found.
        for w in buf.split(|b| !matches!(b, b'A' | b'C' | b'G' | b'T')) {
            if w.len() > run.len() {
                run = w[..w.len().min(8)].to_vec();
            }
            if run.len() == 8 {
                break;
            }
        }
        if run.len() == 8 {
            break;
        }
    }
    let mut q: Vec<String> = Vec::new();
    for k in [1, 3, 8] {
        if run.len() >= k {
            q.push(String::from_utf8_lossy(&run[..k]).into_owned());
        }
    }
    q.push("ACGT".into());
    q.dedup();
    let mut seen = std::collections::HashSet::new();
    q.retain(|s| seen.insert(s.clone()));
    Some(q)
}

/// The k-mer expectations as JSON text with one match per line, so the
/// files stay small and diff well.
fn kmers_text(k: &serde_json::Value) -> String {
    let mut out = String::from("{\"queries\": [\n");
    let qs = k["queries"].as_array().map(Vec::as_slice).unwrap_or_default();
    for (i, q) in qs.iter().enumerate() {
        out += &format!(
            "  {{\"kmer\": {}, \"strands\": {}, \"count\": {}, \"matches\": [",
            q["kmer"], q["strands"], q["count"]
        );
        let ms = q["matches"].as_array().map(Vec::as_slice).unwrap_or_default();
        for (j, m) in ms.iter().enumerate() {
            out += if j == 0 { "\n    " } else { ",\n    " };
            out += &m.to_string();
        }
        out += if ms.is_empty() { "]}" } else { "\n  ]}" };
        out += if i + 1 < qs.len() { ",\n" } else { "\n" };
    }
    out + "]}\n"
}

/// The expected matches of [`kmer_queries`] on each strand setting, from
/// the naive scan over the decoded letters (`tribit::kmer::naive`), as the
/// BED lines of `tribit kmer locate` would give them: `[sequence name,
/// start, end, strand]`, sorted.
fn kmer_expectations(bytes: &[u8]) -> tribit::Result<Option<serde_json::Value>> {
    let Some(queries) = kmer_queries(bytes) else {
        return Ok(None);
    };
    if queries.is_empty() {
        return Ok(None);
    }
    let r = tribit::Reader::from_bytes(bytes.to_vec())?;
    let mut items = Vec::new();
    for q in &queries {
        let query = tribit::kmer::Query::new(q)?;
        for (strands, both) in [("forward", false), ("both", true)] {
            let ms = tribit::kmer::naive::locate(&r, std::slice::from_ref(&query), both)?;
            let mut rows: Vec<(String, u64, u64, char)> = Vec::new();
            for m in &ms {
                let name = r.sequence(m.sequence)?.name_str().into_owned();
                rows.push((name, m.start, m.start + q.len() as u64, m.strand.symbol()));
            }
            rows.sort();
            let matches: Vec<serde_json::Value> = rows
                .into_iter()
                .map(|(n, s, e, st)| serde_json::json!([n, s, e, st.to_string()]))
                .collect();
            items.push(serde_json::json!({
                "kmer": q,
                "strands": strands,
                "count": matches.len(),
                "matches": matches,
            }));
        }
    }
    Ok(Some(serde_json::json!({ "queries": items })))
}

/// The index lookups asked of a valid vector with tables (SPEC §8.4): for
/// each index of each table, every distinct key of its rows and one key
/// that is absent, with the rows that hold it — found by comparing decoded
/// cells, not through the index. Values are given as text as `tribit query
/// --where COL=VALUE` takes them (floats in shortest form, null as empty).
/// None when the file has no table.
fn lookup_expectations(bytes: &[u8]) -> Option<serde_json::Value> {
    use tribit::table::{ColumnType, TableSet};
    let c = tribit::container::Container::parse(bytes).ok()?;
    let ts = TableSet::new(bytes, &c).ok()?;
    if ts.tables().is_empty() {
        return None;
    }
    let mut items = Vec::new();
    for t in ts.tables() {
        for ix in t.indexes() {
            let cols: Vec<usize> = ix.columns().iter().map(|&c| c as usize).collect();
            let key_of = |r: u64| -> Vec<String> {
                cols.iter()
                    .map(|&c| format!("{}", t.cell(r, c).expect("cell")))
                    .collect()
            };
            let debug_of = |r: u64| -> Vec<String> {
                cols.iter()
                    .map(|&c| format!("{:?}", t.cell(r, c).expect("cell")))
                    .collect()
            };
            let mut keys: Vec<(Vec<String>, Vec<String>)> = Vec::new();
            for r in 0..t.row_count() {
                let k = (debug_of(r), key_of(r));
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            for (dbg, text) in &keys {
                let rows: Vec<u64> = (0..t.row_count()).filter(|&r| debug_of(r) == *dbg).collect();
                let wh: Vec<serde_json::Value> = cols
                    .iter()
                    .zip(text)
                    .map(|(&c, v)| serde_json::json!([t.schema().columns[c].name, v]))
                    .collect();
                items.push(serde_json::json!({ "table": t.name(), "where": wh, "rows": rows }));
            }
            // A key that no row holds: the first key with its first string
            // value changed (only where the first key column holds strings).
            let first = &t.schema().columns[cols[0]];
            if let (Some((_, text)), ColumnType::Dict | ColumnType::Str(_)) = (keys.first(), first.ty) {
                let mut absent = text.clone();
                absent[0] = "NO_SUCH".into();
                let wh: Vec<serde_json::Value> = cols
                    .iter()
                    .zip(&absent)
                    .map(|(&c, v)| serde_json::json!([t.schema().columns[c].name, v]))
                    .collect();
                items.push(serde_json::json!({ "table": t.name(), "where": wh, "rows": [] }));
            }
        }
    }
    Some(serde_json::json!({ "queries": items }))
}
