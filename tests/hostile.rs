//! Files whose checksums are valid but whose content breaks a rule: the
//! reader must answer with an error or the right bases, never a panic.

mod common;

use common::{import, reseal, section};
use tribit::container::ByteOrder;
use tribit::spec::kind;
use tribit::Reader;

fn fetch_all_ranges(r: &Reader) -> Vec<Result<Vec<u8>, String>> {
    let mut v = Vec::new();
    for i in 0..r.len() {
        let n = r.sequence(i).unwrap().len();
        for a in 0..=n {
            for b in a..=n {
                let mut out = Vec::new();
                v.push(r.fetch(i, a, b, &mut out).map(|_| out).map_err(|e| e.to_string()));
            }
        }
    }
    v
}

#[test]
fn unsorted_mask_runs_do_not_panic() {
    let r = import(b">a\nacGTACGTac\n", ByteOrder::Little, 512);
    let mut b = r.bytes().to_vec();
    let (off, len) = section(&b, kind::MASKS);
    assert_eq!(len, 32);
    // Swap the two runs: (8,10) then (0,2).
    let (first, second) = (b[off..off + 16].to_vec(), b[off + 16..off + 32].to_vec());
    b[off..off + 16].copy_from_slice(&second);
    b[off + 16..off + 32].copy_from_slice(&first);
    reseal(&mut b);
    let r = Reader::from_bytes(b).unwrap();
    assert!(!fetch_all_ranges(&r).is_empty());
}

#[test]
fn a_wrong_block_hint_costs_time_not_correctness() {
    let text = b">a\nACGTNacgtRY\n";
    let r = import(text, ByteOrder::Little, 512);
    let good = fetch_all_ranges(&r);
    let mut b = r.bytes().to_vec();
    let (off, _) = section(&b, kind::BLOCK_INDEX);
    for (field, value) in [(32, 5u64), (40, 3u64), (32, u64::MAX)] {
        let mut bad = b.clone();
        bad[off + field..off + field + 8].copy_from_slice(&value.to_le_bytes());
        reseal(&mut bad);
        let r = Reader::from_bytes(bad).unwrap();
        assert_eq!(fetch_all_ranges(&r), good, "hint at byte {field} = {value}");
    }
    b.clear();
}

#[test]
fn a_bad_exception_letter_is_a_located_error() {
    let r = import(b">a\nACGTRY\n", ByteOrder::Little, 512);
    let mut b = r.bytes().to_vec();
    let (off, _) = section(&b, kind::EXCEPTIONS);
    b[off + 12] = b'>';
    reseal(&mut b);
    let r = Reader::from_bytes(b).unwrap();
    let mut out = Vec::new();
    let e = r.fetch(0, 0, 6, &mut out).unwrap_err();
    assert!(
        e.to_string().contains("EXCEPTIONS") && e.to_string().contains("0x3e"),
        "{e}"
    );
}

#[test]
fn an_exception_over_a_plain_base_is_an_error() {
    let r = import(b">a\nACGTRY\n", ByteOrder::Little, 512);
    let mut b = r.bytes().to_vec();
    let (off, _) = section(&b, kind::EXCEPTIONS);
    b[off..off + 8].copy_from_slice(&1u64.to_le_bytes()); // run now starts on 'C'
    reseal(&mut b);
    let r = Reader::from_bytes(b).unwrap();
    let mut out = Vec::new();
    assert!(r.fetch(0, 0, 6, &mut out).unwrap_err().to_string().contains("not 7"));
}
