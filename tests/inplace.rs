//! A file rewritten in place by another program while a reader holds it
//! (SPEC §13.1 forbids it of writers; README "Output files"): the k-mer
//! scan checks each block after reading it, so the change fails the scan
//! instead of being counted.

mod common;

use std::io::{Seek, SeekFrom, Write};

use tribit::kmer::{self, Query, ScanOptions};
use tribit::{ErrorKind, Reader};

#[test]
fn a_block_changed_after_a_first_scan_fails_the_next_scan() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.tbit");
    let mut rng = common::Rng(7);
    let seq: Vec<u8> = (0..200_000).map(|_| b"ACGT"[rng.below(4) as usize]).collect();
    let mut w = tribit::WriterBuilder::default().build_to_path(&path).unwrap();
    w.add_sequence(b"s", &seq, 60).unwrap();
    w.finish().unwrap().commit().unwrap();

    let reader = Reader::open(&path).unwrap();
    let q = [Query::new("ACGTA").unwrap()];
    let opts = ScanOptions::default().set_threads(Some(2));
    let first = kmer::count(&reader, &q, &opts).unwrap();
    assert!(first.kmers[0].forward > 0);

    // Another program overwrites plane 0 of the first block in place: the
    // shared map sees it. Every code becomes C (plane 0 set), so ACGTA can
    // no longer match there.
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.seek(SeekFrom::Start(64)).unwrap();
    f.write_all(&[0xff; 4096]).unwrap();
    f.sync_all().unwrap();

    let e = kmer::count(&reader, &q, &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Checksum, "{e}");
    // Unverified scans still read what is there.
    let mut unverified = Reader::open(&path).unwrap();
    unverified.set_verify_blocks(false);
    assert!(kmer::count(&unverified, &q, &opts).is_ok());
}
