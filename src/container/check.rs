//! SPEC §2–§3, the header and directory rules, stated once: the reader
//! ([`Container::parse`]) stops at the first fault, the validator lists
//! them all and adds the rules only it checks ([`Sink::deep`]).

use super::{checksum, checksum_matches, from_bytes, known_kind, ByteOrder, Container, DirectoryEntry, FileHeader};
use crate::error::{section_name, Error, ErrorKind};
use crate::spec::{self, kind};

/// One broken rule of the header or directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    /// The SPEC label, e.g. `H6`.
    pub rule: &'static str,
    /// *Format*, *checksum* or *unsupported*.
    pub kind: ErrorKind,
    /// The section the offset lies in, if any.
    pub section: Option<u32>,
    /// Absolute byte offset of the offending field.
    pub offset: u64,
    /// What was found and what was expected.
    pub message: String,
    /// A reserved field set in a file of a newer minor version (SPEC §10
    /// rule 9): a note, not an error.
    pub note: bool,
}

impl Fault {
    pub fn new(rule: &'static str, kind: ErrorKind, section: Option<u32>, offset: u64, message: String) -> Fault {
        Fault {
            rule,
            kind,
            section,
            offset,
            message,
            note: false,
        }
    }

    /// A *format* fault.
    pub fn format(rule: &'static str, section: Option<u32>, offset: u64, message: String) -> Fault {
        Fault::new(rule, ErrorKind::Format, section, offset, message)
    }

    /// A reserved field that is not zero, in a file of minor version
    /// `minor`: a note when the file is newer than this implementation.
    pub fn reserved(rule: &'static str, section: Option<u32>, offset: u64, what: &str, minor: u16) -> Fault {
        Fault {
            note: minor > spec::VERSION_MINOR,
            ..Fault::format(rule, section, offset, format!("{what} is reserved and must be zero"))
        }
    }

    /// The fault as this crate's error, carrying its rule.
    pub fn into_error(self) -> Error {
        Error::new(self.kind, self.message)
            .at_byte(self.section, self.offset)
            .with_rule(self.rule)
    }
}

/// Where [`check`] sends its faults.
pub(crate) trait Sink {
    /// Takes a fault; returns whether to go on checking.
    fn fault(&mut self, f: Fault) -> bool;
    /// Whether to check the rules a reader may leave to validators too:
    /// reserved bytes, required flags of known kinds, section checksums,
    /// padding and section counts.
    fn deep(&self) -> bool;
}

/// The reader's sink: the first fault ends the check.
#[derive(Default)]
pub(crate) struct First(pub Option<Fault>);

impl First {
    /// The fault as an error; a generic *format* error when the check
    /// stopped without one (bytes that do not decode).
    pub fn into_error(self) -> Error {
        self.0
            .map(Fault::into_error)
            .unwrap_or_else(|| Error::format(None, 0, "cannot decode a structure of the file"))
    }
}

impl Sink for First {
    fn fault(&mut self, f: Fault) -> bool {
        self.0.get_or_insert(f);
        false
    }
    fn deep(&self) -> bool {
        false
    }
}

fn range(off: u64, len: u64, limit: u64) -> Option<std::ops::Range<usize>> {
    let end = off.checked_add(len)?;
    (end <= limit).then_some(off as usize..end as usize)
}

/// Checks the header and directory of `b` (SPEC §2.4 "Opening a file"),
/// sending each fault to `sink`. Returns the container when the directory
/// could be read and `sink` let the check go on; entries that break
/// \[D1], \[D3] or \[D4] are left out of it.
pub(crate) fn check(b: &[u8], sink: &mut dyn Sink) -> Option<Container> {
    let len = b.len() as u64;
    let format = Fault::format;
    macro_rules! fault {
        ($f:expr) => {
            if !sink.fault($f) {
                return None;
            }
        };
    }
    if len < spec::HEADER_LEN as u64 {
        let m = format!("file is {len} bytes, shorter than the 64-byte tribit header (truncated or not a tribit file)");
        sink.fault(format("H6", None, len, m));
        return None;
    }
    if b[..8] != spec::MAGIC {
        let m = "bad magic: not a tribit file (expected 89 54 42 54 0D 0A 1A 0A)".to_string();
        sink.fault(format("H1", None, 0, m));
        return None;
    }
    let sig = [b[8], b[9], b[10], b[11]];
    let order = if u32::from_le_bytes(sig) == spec::SIGNATURE {
        ByteOrder::Little
    } else if u32::from_be_bytes(sig) == spec::SIGNATURE {
        ByteOrder::Big
    } else {
        let m = format!(
            "bad byte-order signature {sig:02X?}: expected 3D 2C 1B 0A (little-endian) or 0A 1B 2C 3D (big-endian)"
        );
        sink.fault(format("H2", None, 8, m));
        return None;
    };
    // 64 bytes of fixed-width fields always decode.
    let h: FileHeader = from_bytes(&b[..64], order, None, 0).ok()?;
    if h.major != spec::VERSION_MAJOR {
        let m = format!(
            "major version {}.{} is not supported: this reader reads major version {}",
            h.major,
            h.minor,
            spec::VERSION_MAJOR
        );
        sink.fault(Fault::new("H3", ErrorKind::Unsupported, None, 12, m));
        return None;
    }
    let deep = sink.deep();
    let reserved = |rule, section, offset, what: &str| Fault::reserved(rule, section, offset, what, h.minor);
    let sum = |rule, section, offset, bytes: &[u8], stored: u64, what: &str| {
        let got = checksum(bytes);
        let m = format!("{what} checksum mismatch: stored {stored:016x}, computed {got:016x}");
        (!checksum_matches(stored, got)).then(|| Fault::new(rule, ErrorKind::Checksum, section, offset, m))
    };
    if let Some(f) = sum(
        "H10",
        None,
        56,
        &b[..spec::HEADER_CHECKSUMMED_LEN],
        h.header_checksum,
        "header",
    ) {
        fault!(f);
    }
    if h.header_len < spec::HEADER_LEN || h.header_len as u64 > len {
        let m = format!("header_len {} is below 64 or past the end of the file", h.header_len);
        sink.fault(format("H4", None, 16, m));
        return None;
    }
    if deep && h.flags != 0 {
        fault!(reserved("H5", None, 20, "header flags"));
    }
    if h.file_len != len {
        let what = if h.file_len > len {
            "is truncated"
        } else {
            "has trailing bytes"
        };
        let m = format!("file {what}: header says {} bytes, file has {len}", h.file_len);
        fault!(format("H6", None, 24, m));
    }
    let el = h.directory_entry_len as u64;
    if el < spec::DIRECTORY_ENTRY_LEN as u64 {
        sink.fault(format("H8", None, 44, format!("directory_entry_len {el} is below 48")));
        return None;
    }
    let dir_off = h.directory_offset;
    let dir = (h.directory_count as u64)
        .checked_mul(el)
        .and_then(|n| range(dir_off, n, len))
        .filter(|d| {
            dir_off.is_multiple_of(spec::SECTION_ALIGN) && dir_off >= h.header_len as u64 && d.end as u64 == len
        });
    let Some(dir) = dir else {
        let m = format!(
            "directory at {dir_off} with {} entries of {el} bytes does not end the {len}-byte file on a 64-byte boundary",
            h.directory_count
        );
        sink.fault(format("H7", None, 32, m));
        return None;
    };
    if let Some(f) = sum("H9", None, dir_off, &b[dir.clone()], h.directory_checksum, "directory") {
        fault!(f);
    }
    let mut sections = Vec::with_capacity(h.directory_count as usize);
    for (i, raw) in b[dir].chunks_exact(el as usize).enumerate() {
        let at = dir_off + i as u64 * el;
        let Ok(e) = from_bytes::<DirectoryEntry>(&raw[..48], order, None, at) else {
            continue;
        };
        let s = Some(e.kind);
        if e.kind == 0 {
            fault!(format("D1", None, at, "directory entry has section kind 0".into()));
            continue;
        }
        if deep && e.flags & !spec::SECTION_FLAG_REQUIRED != 0 {
            fault!(reserved("D2", s, at + 4, "flag bits 1-31"));
        }
        if deep && (e.reserved0 != 0 || e.reserved1 != 0) {
            fault!(reserved("D6", s, at + 32, "directory entry bytes 36-47"));
        }
        if !e.offset.is_multiple_of(spec::SECTION_ALIGN) || e.offset < h.header_len as u64 {
            let m = format!(
                "{} at offset {} is not 64-byte aligned or lies before the end of the header",
                section_name(e.kind),
                e.offset
            );
            fault!(format("D3", s, at + 8, m));
            continue;
        }
        let Some(bytes) = range(e.offset, e.length, dir_off) else {
            let m = format!(
                "{} [{}, +{}) runs past the directory at {dir_off}",
                section_name(e.kind),
                e.offset,
                e.length
            );
            fault!(format("D4", s, at + 16, m));
            continue;
        };
        if deep && e.kind == kind::REFERENCES && h.minor < spec::VERSION_MINOR_REFERENCE {
            let m = format!("{} in a file of version 1.{}", section_name(e.kind), h.minor);
            fault!(format("D16", s, at, m));
        }
        if known_kind(e.kind) {
            let want = !matches!(e.kind, kind::NONACGT_SUMMARY | kind::HASH_INDEX | kind::CHUNK_SUMS);
            if deep && e.required() != want {
                fault!(format("D9", s, at + 4, format!("required flag must be {}", want as u8)));
            }
        } else if e.required() {
            let m = format!(
                "required {} is not known to this reader (version {}.{}); the file needs a newer tribit",
                section_name(e.kind),
                spec::VERSION_MAJOR,
                spec::VERSION_MINOR
            );
            fault!(Fault::new("D10", ErrorKind::Unsupported, s, at, m));
        }
        if deep {
            if let Some(f) = sum("D5", s, e.offset, &b[bytes], e.checksum, &section_name(e.kind)) {
                fault!(f);
            }
        }
        sections.push(e);
    }
    let mut live: Vec<&DirectoryEntry> = sections.iter().filter(|e| e.length > 0).collect();
    live.sort_by_key(|e| e.offset);
    for w in live.windows(2) {
        if w[0].offset + w[0].length > w[1].offset {
            let m = format!("{} overlaps {}", section_name(w[1].kind), section_name(w[0].kind));
            fault!(format("D7", Some(w[1].kind), w[1].offset, m));
        }
    }
    if deep {
        let mut covered = vec![(0u64, h.header_len as u64), (dir_off, len)];
        covered.extend(sections.iter().map(|e| (e.offset, e.offset + e.length)));
        covered.sort();
        let mut pos = 0u64;
        for (s, e) in covered {
            if s > pos {
                if let Some(k) = b[pos as usize..s as usize].iter().position(|&x| x != 0) {
                    let m = "padding between sections is not zero".to_string();
                    fault!(format("D8", None, pos + k as u64, m));
                }
            }
            pos = pos.max(e);
        }
        let count = |k: u32| sections.iter().filter(|e| e.kind == k).count();
        for k in spec::SEQUENCE_SET.iter().copied().chain([kind::NONACGT_SUMMARY]) {
            if count(k) > 1 {
                fault!(format(
                    "K1",
                    Some(k),
                    dir_off,
                    format!("{} sections of this kind", count(k))
                ));
            }
        }
        if count(kind::REFERENCES) > 1 {
            let m = format!("{} REFERENCES sections", count(kind::REFERENCES));
            fault!(format("RF7", Some(kind::REFERENCES), dir_off, m));
        }
        for k in [kind::MASK_BITMAP, kind::EXCEPTION_NIBBLES] {
            if count(k) > 1 {
                fault!(format(
                    "K4",
                    Some(k),
                    dir_off,
                    format!("{} sections of this kind", count(k))
                ));
            }
            if let Some(e) = sections.iter().find(|e| e.kind == k) {
                if h.minor < spec::VERSION_MINOR_DENSE {
                    let m = format!("{} in a file of version {}.{}", section_name(k), h.major, h.minor);
                    fault!(format("D13", Some(k), e.offset, m));
                }
            }
        }
    }
    Some(Container {
        header: h,
        order,
        sections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WriterBuilder;
    use std::io::Cursor;

    fn file() -> Vec<u8> {
        let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
        w.add_sequence(b"s", b"ACGTNNacgtRY", 60).unwrap();
        w.finish().unwrap().into_inner()
    }

    /// Re-seals the directory and header checksums after an edit, so that
    /// only the edited rule breaks.
    fn seal(b: &mut [u8]) {
        let h: FileHeader = from_bytes(&b[..64], ByteOrder::Little, None, 0).unwrap();
        if let Some(dir) = range(h.directory_offset, 0, b.len() as u64) {
            if h.directory_entry_len >= 48 && (dir.start as u64) < b.len() as u64 {
                let d = checksum(&b[dir.start..]);
                b[48..56].copy_from_slice(&d.to_le_bytes());
            }
        }
        let s = checksum(&b[..spec::HEADER_CHECKSUMMED_LEN]);
        b[56..64].copy_from_slice(&s.to_le_bytes());
    }

    /// Every fault a deep check reports.
    struct All(Vec<Fault>);
    impl Sink for All {
        fn fault(&mut self, f: Fault) -> bool {
            self.0.push(f);
            true
        }
        fn deep(&self) -> bool {
            true
        }
    }

    #[test]
    fn the_reader_refuses_with_the_rule_the_validator_reports_first() {
        let dir = {
            let b = file();
            u64::from_le_bytes(b[32..40].try_into().unwrap()) as usize
        };
        // (edit, whether to re-seal the checksums, the rule)
        type Edit = fn(&mut Vec<u8>);
        let cases: [(Edit, bool, &str); 11] = [
            (|b| b.truncate(40), false, "H6"),
            (|b| b[1] = b'X', false, "H1"),
            (|b| b[8] = 0, false, "H2"),
            (|b| b[12] = 2, true, "H3"),
            (|b| b[30] ^= 1, false, "H10"),
            (|b| b[16] = 32, true, "H4"),
            (|b| b[24] ^= 1, true, "H6"),
            (|b| b[44] = 40, true, "H8"),
            (|b| b[32] ^= 8, true, "H7"),
            (|b| *b.last_mut().unwrap() ^= 1, false, "H9"),
            (|b| b.extend_from_slice(&[0; 64]), true, "H6"),
        ];
        for (i, (edit, reseal, rule)) in cases.into_iter().enumerate() {
            let mut b = file();
            edit(&mut b);
            if reseal {
                seal(&mut b);
            }
            let e = Container::parse(&b).expect_err(rule);
            assert_eq!(e.rule(), Some(rule), "case {i}: {e}");
            let mut all = All(Vec::new());
            check(&b, &mut all);
            assert_eq!(all.0.first().map(|f| f.rule), Some(rule), "case {i}");
        }
        // A directory entry that breaks [D3] (offset 8 past a multiple of
        // 64): the reader stops there, the validator goes on past it.
        let mut b = file();
        b[dir + 8] ^= 8;
        seal(&mut b);
        assert_eq!(Container::parse(&b).unwrap_err().rule(), Some("D3"));
        let mut all = All(Vec::new());
        let c = check(&b, &mut all).expect("the validator reads the rest of the directory");
        // The section it no longer covers reads as padding that is not zero.
        assert_eq!(all.0.iter().map(|f| f.rule).collect::<Vec<_>>(), ["D3", "D8"]);
        assert_eq!(c.sections.len(), file_sections() - 1);
    }

    fn file_sections() -> usize {
        Container::parse(&file()).unwrap().sections.len()
    }

    #[test]
    fn reserved_bytes_are_the_validators_and_a_newer_minor_makes_them_notes() {
        let dir = Container::parse(&file()).unwrap().header.directory_offset as usize;
        let mut b = file();
        b[dir + 40] = 1; // reserved1 of the first entry
        seal(&mut b);
        assert!(Container::parse(&b).is_ok(), "a reader ignores reserved bytes");
        let mut all = All(Vec::new());
        check(&b, &mut all).unwrap();
        assert_eq!((all.0.len(), all.0[0].rule, all.0[0].note), (1, "D6", false));
        b[14..16].copy_from_slice(&(spec::VERSION_MINOR + 1).to_le_bytes());
        seal(&mut b);
        let mut all = All(Vec::new());
        check(&b, &mut all).unwrap();
        assert_eq!((all.0.len(), all.0[0].rule, all.0[0].note), (1, "D6", true));
    }
}
