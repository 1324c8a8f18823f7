//! The conformance suite: committed vectors equal the generator's output,
//! the reference reader and validator give every expected verdict, and
//! files with offsets past 4 GiB work.

#[path = "../conformance/generate.rs"]
mod generate;

use std::path::Path;

use tribit::validate::Class;
use tribit::Reader;

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance")
}

#[test]
fn committed_vectors_are_exactly_what_the_generator_makes() {
    let vectors = generate::vectors();
    for (path, bytes) in generate::files(&vectors).unwrap() {
        let committed = std::fs::read(root().join(&path))
            .unwrap_or_else(|e| panic!("{path}: {e}; run `cargo run --release --example gen_conformance`"));
        assert!(
            committed == bytes,
            "{path} differs from the generator; regenerate only for a deliberate change"
        );
    }
    let on_disk = std::fs::read_dir(root().join("vectors/valid")).unwrap().count()
        + std::fs::read_dir(root().join("vectors/invalid")).unwrap().count();
    let generated = generate::files(&vectors)
        .unwrap()
        .iter()
        .filter(|(p, _)| p.starts_with("vectors/"))
        .count();
    assert_eq!(on_disk, generated, "stray files under conformance/vectors");
}

#[test]
fn reference_reader_and_validator_give_every_expected_verdict() {
    for v in generate::vectors() {
        let report = v.with_reference(|p| tribit::validate::validate_with_reference(&v.bytes, None, p));
        let read = v.open().and_then(|r| tribit::convert::canonical::to_json(&r));
        match v.invalid {
            None => {
                assert!(report.is_valid(), "{}: {:?}", v.name, report.problems);
                assert!(read.is_ok(), "{}: {:?}", v.name, read.err());
            }
            Some((class, label)) => {
                // A validator-only rule (SPEC §13.1): the reader may read
                // the file, or refuse it with the vector's class.
                match (read, v.validator_only) {
                    (Ok(_), true) => {}
                    (Ok(_), false) => panic!("{}: the reader accepted it", v.name),
                    (Err(e), _) => {
                        let got = match e.kind() {
                            tribit::ErrorKind::Checksum => "checksum",
                            tribit::ErrorKind::Unsupported => "unsupported",
                            tribit::ErrorKind::Mismatch => "mismatch",
                            _ => "format",
                        };
                        assert_eq!(got, class, "{}: reader said {e}", v.name);
                    }
                }
                assert!(
                    report.has(label),
                    "{}: validator did not report {label}: {:?}",
                    v.name,
                    report.problems
                );
                let want = match class {
                    "checksum" => Class::Checksum,
                    "unsupported" => Class::Unsupported,
                    "mismatch" => Class::Mismatch,
                    _ => Class::Format,
                };
                assert!(
                    report.problems.iter().any(|p| p.label == label && p.class == want),
                    "{}",
                    v.name
                );
            }
        }
    }
}

/// SPEC §14: a count of totals, a count per sequence and a locate give
/// the same verdict on every vector with sequences (each reads every
/// record first).
#[test]
fn every_kind_of_kmer_scan_gives_one_verdict() {
    use tribit::kmer::{self, Query, ScanOptions};
    let q = [Query::new("AC").unwrap(), Query::new("N").unwrap()];
    for v in generate::vectors() {
        let Ok(r) = Reader::from_bytes(v.bytes.clone()) else {
            continue;
        };
        if r.is_empty() {
            continue;
        }
        let totals = kmer::count(&r, &q, &ScanOptions::default()).map(|_| ());
        let per = kmer::count(&r, &q, &ScanOptions::default().set_per_sequence(true)).map(|_| ());
        let located = kmer::locate(&r, &q, &ScanOptions::default(), |_| Ok(())).map(|_| ());
        let kind = |x: &tribit::Result<()>| x.as_ref().err().map(|e| e.kind());
        assert_eq!(
            kind(&totals),
            kind(&per),
            "{}: totals {totals:?}, per sequence {per:?}",
            v.name
        );
        assert_eq!(
            kind(&totals),
            kind(&located),
            "{}: count {totals:?}, locate {located:?}",
            v.name
        );
    }
}

/// A sparse file whose sequence sections lie past 4 GiB: every offset is
/// 64-bit. The hole is not written, so the file costs no disk space.
#[test]
fn large_offsets() {
    use tribit::container::{ByteOrder, ContainerWriter};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.tbit");
    let file = std::fs::File::create(&path).unwrap();
    let mut c = ContainerWriter::new(file, ByteOrder::Little).unwrap();
    c.begin_section(0x8000_0002, false, 3).unwrap();
    c.write_zeros(4 * (1 << 30) + 4096).unwrap();
    c.end_section().unwrap();
    let mut w = tribit::WriterBuilder::default().build_with(c).unwrap();
    w.add_sequence(b"far away", b"ACGTNNacgtRY", 60).unwrap();
    w.finish().unwrap();
    let r = Reader::open(&path).unwrap();
    assert!(r
        .container()
        .sections
        .iter()
        .all(|s| s.kind == 0x8000_0002 || s.offset > u32::MAX as u64));
    assert!(r.container().header.file_len > 4 << 30);
    let mut out = Vec::new();
    r.fetch(r.find(b"far").unwrap().unwrap(), 0, 12, &mut out).unwrap();
    assert_eq!(out, b"ACGTNNacgtRY");
}
