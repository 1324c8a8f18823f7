//! zstd-compressed blocks (SPEC §5.3): lossless on real genomes in both
//! byte orders, the same k-mer answers as raw files, region fetches that
//! decompress only the blocks they touch, and damaged frames refused.

mod common;

use std::io::Cursor;

use common::run::{fails, ok, s};
use common::{export, testdata, Rng, REAL};
use proptest::prelude::*;
use tribit::container::ByteOrder;
use tribit::convert::fasta;
use tribit::convert::recode::recode;
use tribit::kmer::{self, Query, ScanOptions};
use tribit::validate::validate;
use tribit::{Compression, Reader, WriterBuilder};

fn write(text: &[u8], order: ByteOrder, block_bases: u32, c: Compression) -> Vec<u8> {
    let mut w = WriterBuilder::default()
        .set_byte_order(order)
        .set_block_bases(block_bases)
        .set_compression(c)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    fasta::read_fasta(text, &mut w).unwrap();
    w.finish().unwrap().into_inner()
}

fn minor(bytes: &[u8], order: ByteOrder) -> u16 {
    match order {
        ByteOrder::Little => u16::from_le_bytes([bytes[14], bytes[15]]),
        ByteOrder::Big => u16::from_be_bytes([bytes[14], bytes[15]]),
    }
}

/// Random DNA with repeats, soft-masked stretches, N runs and IUPAC codes.
fn genome(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut g: Vec<u8> = (0..n).map(|_| b"ACGT"[rng.below(4) as usize]).collect();
    for _ in 0..n / 2000 {
        let (a, len) = (rng.below(n as u64 - 600) as usize, 1 + rng.below(500) as usize);
        match rng.below(4) {
            0 => g[a..a + len].make_ascii_lowercase(),
            1 => g[a..a + len].fill(b'N'),
            2 => g[a] = b"RYKMSWBDHV"[rng.below(10) as usize],
            _ => {
                let from = rng.below(n as u64 - 600) as usize;
                let copy = g[from..from + len].to_vec();
                g[a..a + len].copy_from_slice(&copy);
            }
        }
    }
    g
}

fn fasta_text(seqs: &[(&str, &[u8])]) -> Vec<u8> {
    let mut t = Vec::new();
    for (name, seq) in seqs {
        t.extend_from_slice(format!(">{name} test\n").as_bytes());
        for line in seq.chunks(70) {
            t.extend_from_slice(line);
            t.push(b'\n');
        }
    }
    t
}

#[test]
fn real_genomes_round_trip_in_both_byte_orders() {
    for name in REAL {
        let text = std::fs::read(testdata(name)).unwrap();
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let raw = write(&text, order, 4096, Compression::None);
            let z = write(&text, order, 4096, Compression::Zstd(3));
            let r = Reader::from_bytes(z.clone()).unwrap();
            assert_eq!(export(&r), text, "{name} {order:?}");
            assert!(validate(&z).is_valid(), "{name}: {:?}", validate(&z).problems);
            // A file with a zstd block is 1.4; the raw one keeps its version.
            assert_eq!(minor(&z, order), 4, "{name}");
            assert!(minor(&raw, order) < 4, "{name}");
            // Decompressing again gives the raw writer's bytes exactly.
            let back = recode(&r, Cursor::new(Vec::new()), Compression::None)
                .unwrap()
                .into_inner();
            assert_eq!(back, raw, "{name} {order:?}");
            // And compressing the raw file gives the zstd writer's bytes.
            let raw_r = Reader::from_bytes(raw).unwrap();
            let again = recode(&raw_r, Cursor::new(Vec::new()), Compression::Zstd(3))
                .unwrap()
                .into_inner();
            assert_eq!(again, z, "{name} {order:?}");
        }
    }
}

#[test]
fn kmer_answers_match_the_raw_file() {
    let mut rng = Rng(7);
    let a = genome(&mut rng, 300_000);
    let b = genome(&mut rng, 77_777);
    let text = fasta_text(&[("a", &a), ("b", &b)]);
    let raw = Reader::from_bytes(write(&text, ByteOrder::Little, 8192, Compression::None)).unwrap();
    let z = Reader::from_bytes(write(&text, ByteOrder::Big, 8192, Compression::Zstd(5))).unwrap();
    let queries: Vec<Query> = ["ACGTA", "GATTACA", "ACGTACGTACGTAC", "TTTTTTTTTTTTTTTTTTTTT", "CG"]
        .iter()
        .map(|q| Query::new(q).unwrap())
        .chain((0..5).map(|i| {
            let at = 1000 + 40_000 * i;
            Query::new(std::str::from_utf8(&a[at..at + 21]).unwrap()).unwrap()
        }))
        .collect();
    for both in [false, true] {
        let o = ScanOptions::default().set_both_strands(both);
        let cr = kmer::count(&raw, &queries, &o).unwrap();
        let cz = kmer::count(&z, &queries, &o).unwrap();
        assert_eq!(cr.kmers, cz.kmers, "both strands {both}");
        assert!(cz.kmers.iter().map(|k| k.total()).sum::<u64>() > 100);
        let (mut lr, mut lz) = (Vec::new(), Vec::new());
        kmer::locate(&raw, &queries, &o, |m| {
            lr.push((m.sequence, m.start, m.query));
            Ok(())
        })
        .unwrap();
        kmer::locate(&z, &queries, &o, |m| {
            lz.push((m.sequence, m.start, m.query));
            Ok(())
        })
        .unwrap();
        lr.sort();
        lz.sort();
        assert_eq!(lr, lz);
    }
}

#[test]
fn region_fetch_decompresses_only_the_touched_blocks() {
    let mut rng = Rng(11);
    let g = genome(&mut rng, 100_000);
    let text = fasta_text(&[("g", &g)]);
    let r = Reader::from_bytes(write(&text, ByteOrder::Little, 4096, Compression::Zstd(3))).unwrap();
    let raw = Reader::from_bytes(write(&text, ByteOrder::Little, 4096, Compression::None)).unwrap();
    assert_eq!(r.decompressions(), 0, "opening decompresses nothing");
    let (mut out, mut want) = (Vec::new(), Vec::new());
    // Inside block 5 (positions 20480..24576).
    r.fetch(0, 21_000, 21_100, &mut out).unwrap();
    raw.fetch(0, 21_000, 21_100, &mut want).unwrap();
    assert_eq!(out, want);
    assert_eq!(r.decompressions(), 1);
    // The same block again comes from the cache.
    out.clear();
    r.fetch(0, 22_000, 22_100, &mut out).unwrap();
    assert_eq!(r.decompressions(), 1);
    // Across blocks 5 and 6: only 6 is new.
    out.clear();
    r.fetch(0, 24_500, 24_700, &mut out).unwrap();
    assert_eq!(r.decompressions(), 2);
    // Ten blocks far away: ten more, and the cache (8 blocks) keeps the last ones.
    out.clear();
    want.clear();
    r.fetch(0, 50_000, 90_000, &mut out).unwrap();
    raw.fetch(0, 50_000, 90_000, &mut want).unwrap();
    assert_eq!(out, want);
    assert_eq!(r.decompressions(), 2 + 10);
    assert_eq!(raw.decompressions(), 0);
}

#[test]
fn a_block_that_does_not_shrink_stays_raw() {
    // Three planes of random bits (no N, so plane 2 is zero): zstd saves
    // a little; a tiny block may be stored raw. Either way it reads back.
    let mut rng = Rng(3);
    let g: Vec<u8> = (0..1000).map(|_| b"ACGT"[rng.below(4) as usize]).collect();
    let text = fasta_text(&[("g", &g)]);
    let z = write(&text, ByteOrder::Little, 512, Compression::Zstd(19));
    let r = Reader::from_bytes(z.clone()).unwrap();
    assert_eq!(export(&r), text);
    let encodings: Vec<u8> = (0..2).map(|b| r.block_entry(b).unwrap().encoding).collect();
    assert!(encodings.iter().all(|&e| e <= 1), "{encodings:?}");
    assert!(validate(&z).is_valid(), "{:?}", validate(&z).problems);
}

/// Offset in `bytes` of the stored bytes of block 0 and its length.
fn block0(r: &Reader) -> (usize, usize) {
    let blocks = r
        .container()
        .sections
        .iter()
        .find(|e| e.kind == tribit::spec::kind::BLOCKS)
        .unwrap();
    let e = r.block_entry(0).unwrap();
    ((blocks.offset + e.offset) as usize, e.stored_len as usize)
}

#[test]
fn damaged_frames_are_refused_by_reader_validator_and_cli() {
    let text = std::fs::read(testdata("lambda_virus.fa")).unwrap();
    let z = write(&text, ByteOrder::Little, 4096, Compression::Zstd(3));
    let r = Reader::from_bytes(z.clone()).unwrap();
    let (at, len) = block0(&r);
    assert_eq!(r.block_entry(0).unwrap().encoding, 1);
    // A flipped byte: the checksum over the stored bytes catches it.
    let mut bad = z.clone();
    bad[at + len / 2] ^= 0x40;
    let rb = Reader::from_bytes(bad.clone()).unwrap();
    let r = rb;
    let err = r.fetch(0, 0, 10, &mut Vec::new()).unwrap_err();
    assert_eq!(err.kind(), tribit::ErrorKind::Checksum, "{err}");
    assert!(validate(&bad).has("BI3"));
    // Through the CLI: exit 2, the block named.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.tbit");
    let mut bad = z.clone();
    bad[at + 3] ^= 0xFF;
    std::fs::write(&p, &bad).unwrap();
    let msg = fails(&["get", s(&p), "gi|9626243|ref|NC_001416.1|:1-10"]);
    assert!(msg.contains("block 0"), "{msg}");
    let v = common::run::tribit(&["validate", s(&p)]);
    assert_eq!(v.status.code(), Some(1));
}

#[test]
fn cli_import_convert_info_validate() {
    let dir = tempfile::tempdir().unwrap();
    let fa = testdata("vibrio_cholerae_O1_chrII.fa");
    let (raw, z, back) = (
        dir.path().join("r.tbit"),
        dir.path().join("z.tbit"),
        dir.path().join("b.tbit"),
    );
    ok(&["import", "fasta", s(&fa), "-o", s(&raw), "-q"]);
    ok(&["import", "fasta", s(&fa), "-o", s(&z), "--compress", "zstd:9", "-q"]);
    let zsize = std::fs::metadata(&z).unwrap().len();
    let rsize = std::fs::metadata(&raw).unwrap().len();
    assert!(zsize * 10 < rsize * 7, "zstd {zsize} vs raw {rsize}");
    let info = String::from_utf8(ok(&["info", s(&z)])).unwrap();
    assert!(
        info.contains("tribit 1.4") && info.contains("zstd-compressed"),
        "{info}"
    );
    let json: serde_json::Value = serde_json::from_slice(&ok(&["info", s(&z), "--json"])).unwrap();
    assert!(json["zstd_blocks"].as_u64().unwrap() > 0);
    assert_eq!(ok(&["export", "fasta", s(&z)]), std::fs::read(&fa).unwrap());
    ok(&["validate", s(&z)]);
    // convert back to raw with the same block size: the raw import's bytes.
    ok(&[
        "import",
        "fasta",
        s(&fa),
        "-o",
        s(&raw),
        "-q",
        "-f",
        "--block-bases",
        "65536",
    ]);
    ok(&["convert", s(&z), "-o", s(&back), "--compress", "none", "-q"]);
    assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(&raw).unwrap());
    // Same answers from get and kmer.
    let text = std::fs::read_to_string(&fa).unwrap();
    let name = text[1..].split_whitespace().next().unwrap();
    let region = format!("{name}:1000-1100");
    assert_eq!(ok(&["get", s(&z), &region]), ok(&["get", s(&raw), &region]));
    assert_eq!(
        ok(&["kmer", "count", s(&z), "GATTACA", "--both-strands"]),
        ok(&["kmer", "count", s(&raw), "GATTACA", "--both-strands"])
    );
    // Bad level: exit 2, nothing written.
    let nope = dir.path().join("nope.tbit");
    let msg = fails(&["convert", s(&z), "-o", s(&nope), "--compress", "zstd:40"]);
    assert!(msg.contains("LEVEL"), "{msg}");
    assert!(!nope.exists());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Any sequences, any block size, any level: zstd reads as raw does.
    #[test]
    fn zstd_reads_as_raw(seed in any::<u64>(), sizes in proptest::collection::vec(0usize..20_000, 1..4),
                         bb in 1u32..5, level in 1i32..8) {
        let mut rng = Rng(seed);
        let seqs: Vec<Vec<u8>> = sizes.iter().map(|&n| if n < 700 {
            (0..n).map(|_| b"ACGTNacgtnRY"[rng.below(12) as usize]).collect()
        } else { genome(&mut rng, n) }).collect();
        let names: Vec<String> = (0..seqs.len()).map(|i| format!("s{i}")).collect();
        let pairs: Vec<(&str, &[u8])> = names.iter().map(|n| n.as_str()).zip(seqs.iter().map(|s| s.as_slice())).collect();
        let text = fasta_text(&pairs);
        let z = Reader::from_bytes(write(&text, ByteOrder::Little, 512 * bb, Compression::Zstd(level))).unwrap();
        prop_assert_eq!(export(&z), text);
    }
}
