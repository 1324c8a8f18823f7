//! Reference escape (SPEC §9): lossless round trips against a reference
//! that shares, mutates and reverses parts of the input, in both byte
//! orders; the same k-mer answers as a plain file; a missing, truncated or
//! different reference refused with exit 2 and no output; the validator's
//! REFERENCES rules.

mod common;

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use common::run::{fails, ok, s, tribit};
use common::{export, testdata, Rng};
use proptest::prelude::*;
use tribit::container::ByteOrder;
use tribit::convert::fasta;
use tribit::kmer::{self, Query, ScanOptions};
use tribit::sequence::matcher::Matcher;
use tribit::validate::validate_with_reference;
use tribit::{Compression, ErrorKind, Reader, WriterBuilder};

fn write(text: &[u8], order: ByteOrder, c: Compression, reference: Option<Arc<Matcher>>) -> Vec<u8> {
    let mut b = WriterBuilder::default()
        .set_byte_order(order)
        .set_block_bases(4096)
        .set_compression(c);
    if let Some(m) = reference {
        b = b.set_reference(m);
    }
    let mut w = b.build(Cursor::new(Vec::new())).unwrap();
    fasta::read_fasta(text, &mut w).unwrap();
    w.finish().unwrap().into_inner()
}

fn fasta_text(seqs: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut t = Vec::new();
    for (name, seq) in seqs {
        t.extend_from_slice(format!(">{name} d\n").as_bytes());
        for line in seq.chunks(60) {
            t.extend_from_slice(line);
            t.push(b'\n');
        }
    }
    t
}

fn random(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| b"ACGT"[rng.below(4) as usize]).collect()
}

fn revcomp(s: &[u8]) -> Vec<u8> {
    s.iter()
        .rev()
        .map(|&b| match b.to_ascii_uppercase() {
            b'A' => b'T',
            b'C' => b'G',
            b'G' => b'C',
            b'T' => b'A',
            x => x,
        })
        .collect()
}

/// A sequence built from pieces of `r`: copies (some reverse
/// complemented), SNPs, insertions, deletions, lowercase, N and IUPAC.
fn derived(rng: &mut Rng, r: &[u8], pieces: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..pieces {
        let len = 1 + rng.below(3000.min(r.len() as u64)) as usize;
        let at = rng.below((r.len() - len + 1) as u64) as usize;
        let mut piece = r[at..at + len].to_vec();
        for _ in 0..rng.below(4) {
            let p = rng.below(len as u64) as usize;
            piece[p] = b"ACGTNRacgt"[rng.below(10) as usize];
        }
        if rng.below(3) == 0 {
            piece = revcomp(&piece);
        }
        if rng.below(4) == 0 {
            let (a, b) = (rng.below(len as u64) as usize, rng.below(len as u64) as usize);
            piece[a.min(b)..a.max(b)].make_ascii_lowercase();
        }
        out.extend_from_slice(&piece);
        if rng.below(3) == 0 {
            let n = 1 + rng.below(50) as usize;
            let extra = random(rng, n);
            out.extend_from_slice(&extra);
        }
    }
    out
}

/// A reference file of `seqs` written to `dir`, and a matcher over it.
fn reference(dir: &Path, seqs: &[(String, Vec<u8>)]) -> (std::path::PathBuf, Arc<Matcher>) {
    let path = dir.join("ref.tbit");
    std::fs::write(
        &path,
        write(&fasta_text(seqs), ByteOrder::Little, Compression::None, None),
    )
    .unwrap();
    let r = Reader::open(&path).unwrap();
    let m = Matcher::build(&r, path.to_str().unwrap().as_bytes()).unwrap();
    (path, Arc::new(m))
}

fn escaped(bytes: &[u8]) -> u64 {
    let r = Reader::from_bytes(bytes.to_vec()).unwrap();
    r.references().map_or(0, |x| x.runs.iter().map(|r| r.length).sum())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn round_trips_against_a_reference_that_shares_mutates_and_reverses(seed in any::<u64>(), pieces in 1usize..12) {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = Rng(seed);
        let refs: Vec<(String, Vec<u8>)> = (0..3).map(|i| {
            let n = 2000 + rng.below(6000) as usize;
            (format!("r{i}"), random(&mut rng, n))
        }).collect();
        let (rpath, m) = reference(dir.path(), &refs);
        // Pieces of every reference sequence, in any order.
        let targets: Vec<(String, Vec<u8>)> = (0..2)
            .map(|i| {
                let t: Vec<u8> = (0..pieces).flat_map(|_| { let j = rng.below(3) as usize; derived(&mut rng, &refs[j].1, 1) }).collect();
                (format!("t{i}"), t)
            })
            .collect();
        let text = fasta_text(&targets);
        for order in [ByteOrder::Little, ByteOrder::Big] {
            for c in [Compression::None, Compression::Zstd(3)] {
                let bytes = write(&text, order, c, Some(m.clone()));
                let r = Reader::from_bytes_with_reference(bytes.clone(), &rpath).unwrap();
                prop_assert_eq!(export(&r), text.clone());
                let report = validate_with_reference(&bytes, None, Some(&rpath));
                prop_assert!(report.is_valid(), "{:?}", report.problems);
                prop_assert_eq!(bytes[14], if order == ByteOrder::Little { 6 } else { 0 });
            }
        }
    }
}

#[test]
fn copies_cost_almost_nothing_and_kmer_answers_match() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(3);
    let refs = vec![("chr".to_string(), random(&mut rng, 200_000))];
    let (rpath, m) = reference(dir.path(), &refs);
    let mut t = refs[0].1[10_000..150_000].to_vec();
    for k in 0..100 {
        t[k * 1000 + 7] = b'A';
    }
    t.extend_from_slice(&revcomp(&refs[0].1[150_000..190_000]));
    let text = fasta_text(&[("t".into(), t)]);
    let plain = Reader::from_bytes(write(&text, ByteOrder::Little, Compression::Zstd(3), None)).unwrap();
    let bytes = write(&text, ByteOrder::Little, Compression::Zstd(3), Some(m));
    assert!(escaped(&bytes) > 179_000, "escaped {}", escaped(&bytes));
    assert!(
        bytes.len() * 8 < plain.bytes().len(),
        "{} vs {}",
        bytes.len(),
        plain.bytes().len()
    );
    let r = Reader::from_bytes_with_reference(bytes, &rpath).unwrap();
    let queries: Vec<Query> = ["ACGTA", "GATTACA", "CG", "TTTTTTTT"]
        .iter()
        .map(|q| Query::new(q).unwrap())
        .collect();
    for both in [false, true] {
        let o = ScanOptions::default().set_both_strands(both);
        let a = kmer::count(&plain, &queries, &o).unwrap();
        let b = kmer::count(&r, &queries, &o).unwrap();
        assert_eq!(a.kmers, b.kmers);
        assert!(b.kmers.iter().map(|k| k.total()).sum::<u64>() > 1000);
    }
}

/// A strain with a substitution every 50 bases or so and short clusters of
/// them: one run per copied stretch, every substitution a literal inside
/// it, the same FASTA back.
#[test]
fn substitutions_cost_no_runs_and_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(41);
    let refs = vec![("chr".to_string(), random(&mut rng, 120_000))];
    let (rpath, m) = reference(dir.path(), &refs);
    let mut t = refs[0].1[5_000..105_000].to_vec();
    let mut changed = 0;
    let mut q = 10;
    while q < t.len() - 10 {
        let cluster = if rng.below(20) == 0 { 6 } else { 1 };
        for b in &mut t[q..q + cluster] {
            *b = match *b {
                b'A' => b'C',
                b'C' => b'G',
                b'G' => b'T',
                _ => b'A',
            };
            changed += 1;
        }
        q += 30 + rng.below(40) as usize;
    }
    let text = fasta_text(&[("t".into(), t)]);
    let bytes = write(&text, ByteOrder::Little, Compression::Zstd(3), Some(m));
    let r = Reader::from_bytes_with_reference(bytes.clone(), &rpath).unwrap();
    let runs = &r.references().unwrap().runs;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!((runs[0].start, runs[0].length, runs[0].ref_start), (0, 100_000, 5_000));
    assert!(changed > 1900, "{changed} substitutions");
    assert_eq!(export(&r), text);
}

#[test]
fn a_different_reference_is_refused_naming_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(5);
    let refs = vec![("chr".to_string(), random(&mut rng, 20_000))];
    let (rpath, m) = reference(dir.path(), &refs);
    let text = fasta_text(&[("t".into(), refs[0].1[100..9000].to_vec())]);
    let bytes = write(&text, ByteOrder::Little, Compression::None, Some(m));
    // Same name and length, one base changed: the MD5 differs.
    let mut other = refs.clone();
    other[0].1[5] = if other[0].1[5] == b'A' { b'C' } else { b'A' };
    let opath = dir.path().join("other.tbit");
    std::fs::write(
        &opath,
        write(&fasta_text(&other), ByteOrder::Little, Compression::None, None),
    )
    .unwrap();
    let e = Reader::from_bytes_with_reference(bytes.clone(), &opath).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Mismatch);
    assert!(e.to_string().contains("MD5"), "{e}");
    // Another name.
    let renamed = vec![("chrX".to_string(), refs[0].1.clone())];
    std::fs::write(
        &opath,
        write(&fasta_text(&renamed), ByteOrder::Little, Compression::None, None),
    )
    .unwrap();
    let e = Reader::from_bytes_with_reference(bytes.clone(), &opath).unwrap_err();
    assert!(e.to_string().contains("no sequence 'chr'"), "{e}");
    // Missing: reading an escaped position fails, never a wrong base.
    std::fs::remove_file(&rpath).unwrap();
    let r = Reader::from_bytes(bytes).unwrap();
    assert!(r.reference_error().is_some());
    let mut out = Vec::new();
    let e = r.fetch(0, 0, 100, &mut out).unwrap_err();
    assert!(e.to_string().contains("was not found"), "{e}");
}

/// The CLI on a real genome: a mutated copy of Vibrio cholerae chr II
/// (SNPs, a deletion, an insertion, a reversed segment) against the
/// original, both byte orders, then wrong, missing and truncated references.
#[test]
fn cli_round_trip_and_refusals_on_a_real_genome() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = testdata("vibrio_cholerae_O1_chrII.fa");
    let refp = d.join("ref.tbit");
    ok(&["import", "fasta", s(&src), "-o", s(&refp), "-q"]);
    let text = std::fs::read(&src).unwrap();
    let recs = common::naive_records(&text);
    let mut seq = recs[0].1.clone();
    let mut rng = Rng(11);
    for _ in 0..200 {
        let p = rng.below(seq.len() as u64) as usize;
        seq[p] = if seq[p] == b'A' { b'G' } else { b'A' };
    }
    seq.drain(300_000..300_500);
    seq.splice(500_000..500_000, random(&mut rng, 700));
    let rc = revcomp(&seq[600_000..650_000]);
    seq.splice(600_000..650_000, rc);
    let fa = d.join("mut.fa");
    std::fs::write(&fa, fasta_text(&[("mutant".into(), seq)])).unwrap();
    let want = std::fs::read(&fa).unwrap();
    for order in ["little", "big"] {
        let out = d.join(format!("mut.{order}.tbit"));
        ok(&[
            "import",
            "fasta",
            s(&fa),
            "-o",
            s(&out),
            "--reference",
            s(&refp),
            "--byte-order",
            order,
            "-q",
        ]);
        assert_eq!(ok(&["export", "fasta", s(&out)]), want, "{order}");
        let raw = std::fs::metadata(&refp).unwrap().len();
        let size = std::fs::metadata(&out).unwrap().len();
        assert!(size * 20 < raw, "{size} bytes against {raw} raw");
        let info = String::from_utf8(ok(&["info", s(&out)])).unwrap();
        assert!(info.contains("reference   ") && info.contains("found at"), "{info}");
        ok(&["validate", s(&out)]);
    }
    let data = d.join("mut.little.tbit");
    // A different reference: same name and length, other bases.
    let mut other = recs[0].1.clone();
    other[10] = if other[10] == b'A' { b'C' } else { b'A' };
    let ofa = d.join("other.fa");
    std::fs::write(&ofa, fasta_text(&[(recs[0].0.clone(), other)])).unwrap();
    let oref = d.join("other.tbit");
    ok(&["import", "fasta", s(&ofa), "-o", s(&oref), "-q"]);
    let out = d.join("out.fa");
    let e = fails(&["export", "fasta", s(&data), "--reference", s(&oref), "-o", s(&out)]);
    assert!(e.contains("MD5") && e.contains("same name and length"), "{e}");
    assert!(!out.exists());
    // Truncated.
    let trunc = d.join("trunc.tbit");
    let bytes = std::fs::read(&refp).unwrap();
    std::fs::write(&trunc, &bytes[..bytes.len() / 2]).unwrap();
    let e = fails(&["get", s(&data), "mutant:1-100", "--reference", s(&trunc)]);
    assert!(e.contains("truncated"), "{e}");
    // Missing: the recorded path no longer exists.
    std::fs::rename(&refp, d.join("moved.tbit")).unwrap();
    let e = fails(&["export", "fasta", s(&data), "-o", s(&out)]);
    assert!(e.contains("was not found") && e.contains("--reference"), "{e}");
    assert!(!out.exists());
    let e = fails(&["kmer", "count", s(&data), "ACGTACGT"]);
    assert!(e.contains("was not found"), "{e}");
    // Named on the command line, it is found again.
    let moved = d.join("moved.tbit");
    assert_eq!(ok(&["export", "fasta", s(&data), "--reference", s(&moved)]), want);
    let v = tribit(&["validate", s(&data)]);
    assert_eq!(v.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&v.stdout).contains("RF6"));
}

/// Real genomes of the ragout examples, when installed: DH1 against
/// MG1655 round-trips byte for byte and is a few percent of its raw file.
#[test]
fn ecoli_dh1_against_mg1655_when_installed() {
    let base = Path::new("/usr/share/doc/ragout/examples/E.Coli/references");
    if !base.join("DH1.fasta.gz").exists() {
        eprintln!("skipped: ragout-examples is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (mg, raw, esc) = (d.join("mg.tbit"), d.join("dh1.tbit"), d.join("dh1.ref.tbit"));
    ok(&[
        "import",
        "fasta",
        s(&base.join("MG1655-K12.fasta.gz")),
        "-o",
        s(&mg),
        "-q",
    ]);
    ok(&["import", "fasta", s(&base.join("DH1.fasta.gz")), "-o", s(&raw), "-q"]);
    ok(&[
        "import",
        "fasta",
        s(&base.join("DH1.fasta.gz")),
        "-o",
        s(&esc),
        "--reference",
        s(&mg),
        "-q",
    ]);
    assert_eq!(ok(&["export", "fasta", s(&esc)]), ok(&["export", "fasta", s(&raw)]));
    let (a, b) = (
        std::fs::metadata(&esc).unwrap().len(),
        std::fs::metadata(&raw).unwrap().len(),
    );
    assert!(a * 20 < b, "{a} vs {b}");
}
