//! The validator: checks every labelled invariant of SPEC.md §2–§6 and every
//! checksum, and reports every problem it finds (SPEC §13.3), each with its
//! label, class, section and absolute byte offset.
//!
//! It reads the bytes directly rather than through [`crate::Reader`], which
//! stops at the first error; the tests hold the two to the same verdicts.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use md5::{Digest, Md5};
use serde::Serialize;
use sha2::Sha512;

use crate::container::{checksum, from_bytes, ByteOrder, DirectoryEntry, FileHeader};
use crate::error::section_name;
use crate::sequence::codes::{codes8, DECODE};
use crate::sequence::escape::{self, Attached, References};
use crate::sequence::layout::{plane_bytes, BlockEntry, ExceptionRun, IndexHeader, MaskRun, Record};
use crate::spec::{self, code, kind};

mod container;
mod sequences;
mod tables;

/// How serious a [`Problem`] is, as SPEC §1 "Error classes" names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// The bytes break a rule of SPEC.md.
    Format,
    /// A stored checksum does not match.
    Checksum,
    /// Valid, but uses something this version does not implement.
    Unsupported,
    /// Not an error: a reserved field set in a file of a newer minor version (SPEC §10 rule 9).
    Note,
    /// An index file does not belong to the data file it is checked with
    /// (SPEC §8.8 \[IT6]).
    Mismatch,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The SPEC.md invariant label, e.g. `R2`.
    pub label: &'static str,
    /// The class of the problem.
    pub class: Class,
    /// The section kind the offset lies in, if any.
    pub section: Option<u32>,
    /// Absolute byte offset of the offending structure.
    pub offset: u64,
    /// What was found and what was expected.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let class = match self.class {
            Class::Format => "format",
            Class::Checksum => "checksum",
            Class::Unsupported => "unsupported",
            Class::Note => "note",
            Class::Mismatch => "mismatch",
        };
        match self.section {
            Some(s) => write!(
                f,
                "[{}] {class}: {} at byte {}: {}",
                self.label,
                section_name(s),
                self.offset,
                self.message
            ),
            None => write!(f, "[{}] {class}: byte {}: {}", self.label, self.offset, self.message),
        }
    }
}

/// Everything the validator found in one file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Problems in the order found.
    pub problems: Vec<Problem>,
    /// Problems left out because a label had more than [`MAX_PER_LABEL`].
    pub omitted: u64,
}

/// Problems listed per label before the rest are only counted.
pub const MAX_PER_LABEL: usize = 20;

impl Report {
    /// Whether no problem other than a note was found.
    pub fn is_valid(&self) -> bool {
        self.problems.iter().all(|p| p.class == Class::Note)
    }

    /// Whether a problem with `label` was found.
    pub fn has(&self, label: &str) -> bool {
        self.problems.iter().any(|p| p.label == label)
    }
}

struct V<'a> {
    b: &'a [u8],
    o: ByteOrder,
    minor: u16,
    r: Report,
    /// Problems listed so far per label, for [`MAX_PER_LABEL`].
    per_label: HashMap<&'static str, usize>,
    /// The checked file's path and the reference to use for a
    /// reference-escaped file (SPEC §9), when known.
    paths: (Option<&'a Path>, Option<&'a Path>),
}

/// Checks `bytes` as a tribit file.
///
/// ```
/// use std::io::Cursor;
/// use tribit::WriterBuilder;
/// let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
/// w.add_sequence(b"s", b"ACGTNacgt", 60).unwrap();
/// let mut bytes = w.finish().unwrap().into_inner();
/// assert!(tribit::validate::validate(&bytes).is_valid());
/// let last = bytes.len() - 1;
/// bytes[last] ^= 1; // inside the directory
/// let report = tribit::validate::validate(&bytes);
/// assert!(report.has("H9"));
/// ```
pub fn validate(bytes: &[u8]) -> Report {
    validate_with_reference(bytes, None, None)
}

/// Checks `bytes` (the file at `path`, when known) as [`validate`] does;
/// a reference-escaped file (SPEC §9) is checked against the reference
/// at `reference`, or else the one its REFERENCES records, looked for
/// relative to `path`'s folder, then as recorded.
pub fn validate_with_reference(bytes: &[u8], path: Option<&Path>, reference: Option<&Path>) -> Report {
    let mut v = V {
        b: bytes,
        o: ByteOrder::Little,
        minor: 0,
        r: Report::default(),
        per_label: HashMap::new(),
        paths: (path, reference),
    };
    if let Some((header, sections)) = v.container() {
        v.chunk_sums(&header, &sections);
        v.sequences(&header, &sections);
        v.tables(&header, &sections);
        v.matrices(&header, &sections);
    }
    v.r
}

/// Checks the index file `index_file` (SPEC §8.8) on its own, as
/// [`validate`] does, and then against the data file `data` whose tables it
/// indexes: every target names a table of `data` that matches it (\[IT6]),
/// and every usable index holds exactly that table's keys (\[HI9]).
/// Offsets are those of the index file.
pub fn validate_index_file(data: &[u8], index_file: &[u8]) -> Report {
    let mut v = V {
        b: index_file,
        o: ByteOrder::Little,
        minor: 0,
        r: validate(index_file),
        per_label: HashMap::new(),
        paths: (None, None),
    };
    let (Ok(dc), Ok(ic)) = (
        crate::container::Container::parse(data),
        crate::container::Container::parse(index_file),
    ) else {
        v.add(
            "IT6",
            Class::Mismatch,
            None,
            0,
            "the data file or the index file cannot be opened".into(),
        );
        return v.r;
    };
    let (ts, _) = crate::table::TableSet::new_partial(data, &dc, false);
    let (f, _) = crate::table::index::IndexFile::new_partial(index_file, &ic, false);
    for ti in f.targets() {
        let Some(t) = ts.table(&ti.target.name) else {
            let msg = format!("the data file has no table '{}'", ti.target.name);
            v.add("IT6", Class::Mismatch, Some(kind::INDEX_TARGET), ti.offset, msg);
            continue;
        };
        if let Err(e) = ti.target.check(t, &dc) {
            v.add(
                "IT6",
                Class::Mismatch,
                Some(kind::INDEX_TARGET),
                ti.offset,
                e.message().to_string(),
            );
            continue;
        }
        // An index that breaks [HI6] was reported by `validate` above.
        for ix in ti.indexes.iter().filter(|ix| ix.check_order().is_ok()) {
            v.index(ix, t.row_count(), Some(t));
        }
    }
    v.r
}

fn u64_range(off: u64, len: u64, limit: u64) -> Option<std::ops::Range<usize>> {
    let end = off.checked_add(len)?;
    (end <= limit).then_some(off as usize..end as usize)
}

impl V<'_> {
    fn add(&mut self, label: &'static str, class: Class, section: Option<u32>, offset: u64, message: String) {
        let n = self.per_label.entry(label).or_insert(0);
        if *n >= MAX_PER_LABEL {
            self.r.omitted += 1;
            return;
        }
        *n += 1;
        self.r.problems.push(Problem {
            label,
            class,
            section,
            offset,
            message,
        });
    }

    fn format(&mut self, label: &'static str, section: Option<u32>, offset: u64, message: String) {
        self.add(label, Class::Format, section, offset, message);
    }

    /// A reserved field (SPEC §10 rule 9): an error up to our minor version, a note after.
    fn reserved(&mut self, label: &'static str, section: Option<u32>, offset: u64, nonzero: bool, what: &str) {
        if nonzero {
            let class = if self.minor.cmp(&spec::VERSION_MINOR).is_le() {
                Class::Format
            } else {
                Class::Note
            };
            self.add(
                label,
                class,
                section,
                offset,
                format!("{what} is reserved and must be zero"),
            );
        }
    }

    fn sum(&mut self, label: &'static str, section: Option<u32>, offset: u64, bytes: &[u8], stored: u64, what: &str) {
        let got = checksum(bytes);
        if !crate::container::checksum_matches(stored, got) {
            self.add(
                label,
                Class::Checksum,
                section,
                offset,
                format!("{what} checksum mismatch: stored {stored:016x}, computed {got:016x}"),
            );
        }
    }
}
