//! The validator against valid files, single planted defects, and a sweep
//! of bit flips over a whole file; and the reader against the same flips.

mod common;

use common::{import, reseal, section, testdata, REAL};
use tribit::container::ByteOrder;
use tribit::spec::kind;
use tribit::validate::{validate, Class};
use tribit::Reader;

#[test]
fn every_file_the_writer_makes_is_valid() {
    for name in REAL {
        let text = std::fs::read(testdata(name)).unwrap();
        for (order, bb) in [(ByteOrder::Little, 1 << 14), (ByteOrder::Big, 512)] {
            let r = import(&text, order, bb);
            let report = validate(r.bytes());
            assert!(report.problems.is_empty(), "{name} {order:?}: {:?}", report.problems);
        }
    }
    for e in std::fs::read_dir(testdata("edge")).unwrap() {
        let p = e.unwrap().path();
        let f = p.file_name().unwrap().to_string_lossy().into_owned();
        if f.starts_with("ok_") || f.starts_with("norm_") {
            let r = import(&std::fs::read(&p).unwrap(), ByteOrder::Little, 512);
            assert!(validate(r.bytes()).problems.is_empty(), "{f}");
        }
    }
}

fn planted(text: &[u8], kind: u32, edit: impl Fn(&mut [u8])) -> Vec<u8> {
    let r = import(text, ByteOrder::Little, 512);
    let mut b = r.bytes().to_vec();
    let (off, len) = section(&b, kind);
    edit(&mut b[off..off + len]);
    reseal(&mut b);
    b
}

fn labels(b: &[u8]) -> Vec<&'static str> {
    validate(b).problems.iter().map(|p| p.label).collect()
}

#[test]
fn each_planted_defect_is_reported_with_its_label() {
    let text = b">a one\nACGTNNacgtRYRY\n>b\nGATTACA\n";
    // n_count of record 0 (record at 64 + 0*128, field at 72).
    let b = planted(text, kind::SEQUENCE_INDEX, |s| s[64 + 72] += 1);
    assert_eq!(labels(&b), ["R8"]);
    // An END code inside record 0: set plane-2 and plane-0 bits of position 1 (C -> END is 001 -> 101).
    let b = planted(text, kind::BLOCKS, |s| s[128] |= 0b10);
    let l = labels(&b);
    assert!(l.contains(&"R2") && l.contains(&"R9"), "{l:?}");
    // A duplicate name: record 1's name 'b' becomes 'a'.
    let b = planted(text, kind::SEQUENCE_NAMES, |s| {
        let at = s.iter().rposition(|&c| c == b'b').unwrap();
        s[at] = b'a';
    });
    let l = labels(&b);
    assert!(l.contains(&"R12") && l.contains(&"NH3"), "{l:?}");
    // A mask run past the sequence.
    let b = planted(text, kind::MASKS, |s| s[8] = 200);
    assert!(labels(&b).contains(&"M1"));
    // An exception run moved onto a plain base.
    let b = planted(text, kind::EXCEPTIONS, |s| s[0] = 9);
    assert!(labels(&b).contains(&"E3"));
    // A wrong block hint.
    let b = planted(text, kind::BLOCK_INDEX, |s| s[32] = 7);
    assert_eq!(labels(&b), ["BI8"]);
    // A summary bit cleared.
    let b = planted(text, kind::NONACGT_SUMMARY, |s| s[0] = 0);
    assert_eq!(labels(&b), ["S2"]);
    // A padding bit set in plane 0 (positions past the block's end).
    let b = planted(text, kind::BLOCKS, |s| s[63] = 0x80);
    assert!(labels(&b).contains(&"B1"));
    // A reserved field.
    let b = planted(text, kind::SEQUENCE_INDEX, |s| s[50] = 1);
    assert_eq!(labels(&b), ["X6"]);
    // A name-hash slot moved away from its probe chain.
    let b = planted(text, kind::SEQUENCE_NAME_HASH, |s| {
        let slots = u64::from_le_bytes(s[..8].try_into().unwrap()) as usize;
        let full: Vec<usize> = (0..slots)
            .filter(|k| s[24 + 16 * k..32 + 16 * k] != [0xFF; 8])
            .collect();
        let empty = (0..slots).find(|k| !full.contains(k)).unwrap();
        let from = full[0];
        let entry = s[16 + 16 * from..32 + 16 * from].to_vec();
        s[16 + 16 * empty..32 + 16 * empty].copy_from_slice(&entry);
        s[16 + 16 * from..24 + 16 * from].fill(0);
        s[24 + 16 * from..32 + 16 * from].fill(0xFF);
    });
    let l = labels(&b);
    assert_eq!(l, ["NH5"]);
}

#[test]
fn every_bit_flip_is_detected_and_no_reader_call_panics() {
    let text = std::fs::read(testdata("shorties.fa")).unwrap();
    let good = import(&text, ByteOrder::Little, 512).bytes().to_vec();
    assert!(validate(&good).is_valid());
    for i in 0..good.len() {
        let mut b = good.clone();
        b[i] ^= 1 << (i % 8);
        let report = validate(&b);
        assert!(!report.is_valid(), "flip at byte {i} went unnoticed");
        // The reader may refuse the file or a fetch; it must not panic, and
        // whatever it refuses the validator refuses too.
        if let Ok(r) = Reader::from_bytes(b) {
            for s in 0..r.len() {
                if let Ok(seq) = r.sequence(s) {
                    let mut out = Vec::new();
                    let _ = r.fetch_from(&seq, 0, seq.len(), &mut out);
                    let _ = r.find(seq.name);
                }
            }
        }
    }
    for cut in [0, 1, 63, 64, 100, good.len() / 2, good.len() - 1] {
        let b = good[..cut].to_vec();
        assert!(!validate(&b).is_valid());
        assert!(Reader::from_bytes(b).is_err(), "truncated at {cut}");
    }
}

#[test]
fn reader_refusals_match_validator_classes() {
    // Unknown required and optional private sections, and a newer minor version.
    use std::io::Cursor;
    use tribit::container::ContainerWriter;
    let mut c = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    c.add_section(0x8000_0001, false, 5, b"skip me").unwrap();
    let b = c.finish().unwrap().into_inner();
    assert!(validate(&b).is_valid());
    assert!(Reader::from_bytes(b).unwrap().is_empty());

    let mut c = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    c.add_section(0x8000_0001, true, 5, b"needed").unwrap();
    let b = c.finish().unwrap().into_inner();
    let report = validate(&b);
    assert_eq!(report.problems.len(), 1);
    assert_eq!(
        (report.problems[0].label, report.problems[0].class),
        ("D10", Class::Unsupported)
    );
    assert_eq!(
        Reader::from_bytes(b).unwrap_err().kind(),
        tribit::ErrorKind::Unsupported
    );
}

#[test]
fn every_label_the_code_reports_is_defined_in_spec() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SPEC.md")).unwrap();
    // Labels are named where their rule is checked: every string of the
    // validator, and the `with_rule("T9")` and `report("M1", ..)` of the
    // readers' checkers across src/.
    fn sources(dir: &std::path::Path, all: bool, out: &mut String) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                sources(&p, all || p.ends_with("validate"), out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                if all {
                    out.push_str(&text);
                } else {
                    for call in ["with_rule(\"", "report(\""] {
                        for (i, _) in text.match_indices(call) {
                            let rest = &text[i + call.len()..];
                            let label = &rest[..rest.find('"').unwrap()];
                            out.push_str(&format!(" \"{label}\" "));
                        }
                    }
                }
            }
        }
    }
    let mut src = String::new();
    sources(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        false,
        &mut src,
    );
    let mut n = 0;
    for part in src.split('"').skip(1).step_by(2) {
        let is_label = part.len() <= 4
            && part.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && part.chars().last().is_some_and(|c| c.is_ascii_digit())
            && part.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if is_label {
            assert!(
                spec.contains(&format!("[{part}]")),
                "label {part} is not defined in SPEC.md"
            );
            n += 1;
        }
    }
    assert!(n > 50, "found only {n} labels");
}
