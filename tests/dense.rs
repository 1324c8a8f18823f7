//! The dense mask and exception forms (SPEC §6.6): pathological inputs
//! round-trip, stay small, and read exactly as the run form does.

mod common;

use std::io::Cursor;

use common::{export, import};
use proptest::prelude::*;
use tribit::container::ByteOrder;
use tribit::convert::fasta;
use tribit::spec::kind;
use tribit::validate::validate;
use tribit::{Reader, WriterBuilder};

/// FASTA text of one sequence with 60-letter lines.
fn fasta_of(name: &str, seq: &[u8]) -> Vec<u8> {
    let mut t = format!(">{name}\n").into_bytes();
    for line in seq.chunks(60) {
        t.extend_from_slice(line);
        t.push(b'\n');
    }
    t
}

fn write(text: &[u8], order: ByteOrder, dense: bool) -> Vec<u8> {
    let mut w = WriterBuilder::default()
        .set_byte_order(order)
        .set_block_bases(4096)
        .set_dense_forms(dense)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    fasta::read_fasta(text, &mut w).unwrap();
    w.finish().unwrap().into_inner()
}

fn has(r: &Reader, k: u32) -> bool {
    r.container().find(k).unwrap().is_some()
}

fn minor(r: &Reader) -> u16 {
    r.container().header.minor
}

/// Alternating case, alternating IUPAC letters, both at once, and a long
/// ordinary stretch followed by an alternating one.
fn pathological() -> Vec<(&'static str, Vec<u8>)> {
    let n = 50_000;
    let case: Vec<u8> = (0..n).map(|p| if p % 2 == 0 { b'A' } else { b'c' }).collect();
    let iupac: Vec<u8> = (0..n).map(|p| if p % 2 == 0 { b'G' } else { b'R' }).collect();
    let letters = b"RYKMSWBDHVU-";
    let both: Vec<u8> = (0..n)
        .map(|p| match p % 4 {
            0 => b'T',
            1 => letters[(p / 4) % 12].to_ascii_lowercase(),
            2 => letters[(p / 4 + 5) % 12],
            _ => b'n',
        })
        .collect();
    let mut late: Vec<u8> = b"ACGT".repeat(10_000);
    late.extend((0..n).map(|p| if p % 3 == 0 { b'y' } else { b'A' }));
    vec![("case", case), ("iupac", iupac), ("both", both), ("late", late)]
}

#[test]
fn pathological_inputs_round_trip_byte_for_byte_in_both_byte_orders() {
    for (name, seq) in pathological() {
        let text = fasta_of(name, &seq);
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let bytes = write(&text, order, true);
            assert!(validate(&bytes).is_valid(), "{name} {order:?}: {:?}", validate(&bytes));
            // Runs cost 16 bytes each, up to 8 a base; the dense forms
            // cost at most 5/8 of a byte a base.
            assert!(
                bytes.len() < text.len() + 4096,
                "{name} {order:?}: {} bytes for {} of FASTA",
                bytes.len(),
                text.len()
            );
            let r = Reader::from_bytes(bytes).unwrap();
            assert_eq!(minor(&r), 2, "{name}: a dense section makes the file 1.2");
            assert!(export(&r) == text, "{name} ({order:?}) did not round-trip");
        }
    }
}

#[test]
fn each_dense_form_is_used_only_where_it_pays() {
    let [case, iupac, ..] = &pathological()[..] else {
        unreachable!()
    };
    let r = Reader::from_bytes(write(&fasta_of("c", &case.1), ByteOrder::Little, true)).unwrap();
    assert!(has(&r, kind::MASK_BITMAP) && !has(&r, kind::EXCEPTION_NIBBLES));
    let r = Reader::from_bytes(write(&fasta_of("i", &iupac.1), ByteOrder::Little, true)).unwrap();
    assert!(!has(&r, kind::MASK_BITMAP) && has(&r, kind::EXCEPTION_NIBBLES));
    // Ordinary input: runs, no dense section, the version of before.
    let r = import(b">s\nACGTNacgtRYRY\n>t\nGATTACA\n", ByteOrder::Little, 512);
    assert!(!has(&r, kind::MASK_BITMAP) && !has(&r, kind::EXCEPTION_NIBBLES));
    assert_eq!(minor(&r), 0);
}

#[test]
fn dense_forms_off_writes_runs_only() {
    let (_, seq) = &pathological()[2];
    let bytes = write(&fasta_of("b", seq), ByteOrder::Little, false);
    let r = Reader::from_bytes(bytes).unwrap();
    assert!(!has(&r, kind::MASK_BITMAP) && !has(&r, kind::EXCEPTION_NIBBLES));
    assert_eq!(minor(&r), 0);
}

/// A sequence whose case and IUPAC letters change at random intervals,
/// short (dense) or long (runs), from a seed.
fn random_sequence(seed: u64, len: usize, mean_run: u64) -> Vec<u8> {
    let mut rng = common::Rng(seed);
    let alphabet = b"ACGTNRYKMSWBDHVU-";
    let mut out = Vec::with_capacity(len);
    let (mut lower, mut letter) = (false, b'A');
    while out.len() < len {
        if rng.below(mean_run) == 0 {
            lower = !lower;
        }
        if rng.below(mean_run) == 0 {
            letter = alphabet[rng.below(alphabet.len() as u64) as usize];
        } else if rng.below(2) == 0 {
            letter = b"ACGT"[rng.below(4) as usize];
        }
        out.push(if lower { letter.to_ascii_lowercase() } else { letter });
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Dense and run forms of the same input read the same letters, runs
    /// and digests, for the whole sequence and for any range.
    #[test]
    fn dense_and_run_forms_read_the_same(seed in any::<u64>(), len in 0usize..6000, mean_run in 1u64..40, a in 0u64..6000, b in 0u64..6000) {
        let seq = random_sequence(seed, len, mean_run);
        let text = format!("{}{}", String::from_utf8_lossy(&fasta_of("x", &seq)), ">y\nACGT\n").into_bytes();
        let dense = Reader::from_bytes(write(&text, ByteOrder::Little, true)).unwrap();
        let runs = Reader::from_bytes(write(&text, ByteOrder::Big, false)).unwrap();
        prop_assert!(!has(&runs, kind::MASK_BITMAP) && !has(&runs, kind::EXCEPTION_NIBBLES));
        let (sd, sr) = (dense.sequence(0).unwrap(), runs.sequence(0).unwrap());
        prop_assert_eq!(sd.record.md5, sr.record.md5);
        prop_assert_eq!(dense.mask_runs(&sd).unwrap(), runs.mask_runs(&sr).unwrap());
        prop_assert_eq!(dense.exception_runs(&sd).unwrap(), runs.exception_runs(&sr).unwrap());
        let (a, b) = (a.min(len as u64), b.min(len as u64));
        let (a, b) = (a.min(b), a.max(b));
        let (mut x, mut y) = (Vec::new(), Vec::new());
        dense.fetch(0, a, b, &mut x).unwrap();
        runs.fetch(0, a, b, &mut y).unwrap();
        prop_assert_eq!(&x, &y);
        prop_assert_eq!(&x[..], &seq[a as usize..b as usize]);
        prop_assert!(export(&dense) == text);
    }
}

/// A little-endian file with one alternating-case sequence of 2000 bases
/// (dense mask, one table entry) holding a '-' at position 100.
fn dense_mask_file() -> Vec<u8> {
    let seq: Vec<u8> = (0..2000)
        .map(|p| match p {
            100 => b'-',
            _ if p % 2 == 0 => b'A',
            _ => b'c',
        })
        .collect();
    write(&fasta_of("m", &seq), ByteOrder::Little, true)
}

fn labels(b: &[u8]) -> Vec<&'static str> {
    validate(b).problems.iter().map(|p| p.label).collect()
}

#[test]
fn the_validator_reports_each_dense_rule() {
    use common::{reseal, section};
    let good = dense_mask_file();
    assert!(labels(&good).is_empty(), "{:?}", labels(&good));
    let (off, len) = section(&good, kind::MASK_BITMAP);
    assert_eq!(len, 8 + 256);
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = good.clone();
        f(&mut b);
        reseal(&mut b);
        labels(&b)
    };
    // [D13]: a dense section in a file that says 1.1.
    assert_eq!(edit(&|b| b[14] = 1), ["D13"]);
    // [DF2]: the array does not start right after the table.
    assert!(edit(&|b| b[off] = 16).contains(&"DF2"));
    // [DF3]: the record also claims a mask run (MASKS is empty, so the
    // record is past MASKS as well; DF3 is what the dense check says).
    let (idx, _) = section(&good, kind::SEQUENCE_INDEX);
    assert!(edit(&|b| b[idx + 64 + 48] = 1).contains(&"DF3"));
    // [DF4]: a padding bit past the sequence's 2000 bases.
    assert_eq!(edit(&|b| b[off + 8 + 250] = 1), ["DF4"]);
    // [DF5]: the '-' at position 100 masked (byte 12, bit 4).
    assert_eq!(edit(&|b| b[off + 8 + 12] |= 1 << 4), ["DF5"]);
    // [K4]: the bitmap in another group than the sequence set.
    let dir = u64::from_le_bytes(good[32..40].try_into().unwrap()) as usize;
    let count = u32::from_le_bytes(good[40..44].try_into().unwrap()) as usize;
    let e = (0..count)
        .map(|i| dir + 48 * i)
        .find(|&e| u32::from_le_bytes(good[e..e + 4].try_into().unwrap()) == kind::MASK_BITMAP)
        .unwrap();
    assert_eq!(edit(&|b| b[e + 32] = 3), ["K4"]);
}

#[test]
fn the_reader_refuses_a_bitmap_outside_its_section() {
    use common::{reseal, section};
    let mut b = dense_mask_file();
    let (off, len) = section(&b, kind::MASK_BITMAP);
    b[off..off + 8].copy_from_slice(&(len as u64 - 8).to_le_bytes());
    reseal(&mut b);
    let r = Reader::from_bytes(b).unwrap();
    let e = r.fetch(0, 0, 10, &mut Vec::new()).unwrap_err();
    assert_eq!(e.kind(), tribit::ErrorKind::Format);
    assert!(e.to_string().contains("MASK_BITMAP"), "{e}");
}
