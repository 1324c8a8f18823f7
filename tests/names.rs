//! Sequence names that are not UTF-8 are refused at import (they could be
//! stored but never looked up); descriptions keep any bytes.

mod common;

use common::{entries, s, tribit, tribit_ok};

#[test]
fn a_name_that_is_not_utf8_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("latin1.fa");
    std::fs::write(&fa, b">ok\nACGT\n>caf\xe9 desc\nACGT\n").unwrap();
    let out = dir.path().join("x.tbit");
    let o = tribit(&["import", "fasta", s(&fa), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 3") && err.contains("not UTF-8") && err.contains("0xe9"),
        "{err}"
    );
    assert_eq!(entries(dir.path()), ["latin1.fa"]);
}

#[test]
fn a_description_that_is_not_utf8_round_trips_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("desc.fa");
    let text = b">chr1 caf\xe9 \xff\nACGT\n";
    std::fs::write(&fa, text).unwrap();
    let out = dir.path().join("x.tbit");
    tribit_ok(&["import", "fasta", s(&fa), "-o", s(&out), "-q"]);
    assert_eq!(tribit_ok(&["export", "fasta", s(&out)]), text);
    assert_eq!(tribit_ok(&["get", s(&out), "chr1"]), b">chr1\nACGT\n");
}
