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

use crate::container::{checksum, from_bytes, known_kind, ByteOrder, DirectoryEntry, FileHeader};
use crate::error::section_name;
use crate::sequence::codes::{codes8, DECODE};
use crate::sequence::escape::{self, Attached, References};
use crate::sequence::layout::{plane_bytes, BlockEntry, ExceptionRun, IndexHeader, MaskRun, Record};
use crate::spec::{self, code, kind};

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
    /// (SPEC §8.8 [IT6]).
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
/// indexes: every target names a table of `data` that matches it ([IT6]),
/// and every usable index holds exactly that table's keys ([HI9]).
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
    let (f, _) = crate::index::IndexFile::new_partial(index_file, &ic, false);
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

/// The SPEC §8 label of a table error of the reader: the rule it names,
/// or, for one that names none, the nearest rule of its section: [D5] for a
/// checksum, [T1], [DI1], [HI5] or [IT1] for the shape of a TABLE,
/// DICTIONARY, HASH_INDEX or INDEX_TARGET.
fn table_label(e: &crate::Error, section: Option<u32>) -> &'static str {
    if let Some(l) = e.rule() {
        return l;
    }
    match (e.kind(), section) {
        (crate::ErrorKind::Checksum, _) => "D5",
        (_, Some(kind::DICTIONARY)) => "DI1",
        (_, Some(kind::HASH_INDEX)) => "HI5",
        (_, Some(kind::INDEX_TARGET)) => "IT1",
        _ => "T1",
    }
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

    /// SPEC §8.9: matrices ([D15] here, the rest in [`crate::matrix::check`]).
    fn matrices(&mut self, h: &FileHeader, sections: &[DirectoryEntry]) {
        let kinds = [kind::MATRIX, kind::MATRIX_TILES];
        let Some(first) = sections.iter().find(|e| kinds.contains(&e.kind)) else {
            return;
        };
        if h.minor < spec::VERSION_MINOR_MATRIX {
            let msg = format!(
                "{} in a file of version {}.{}",
                section_name(first.kind),
                h.major,
                h.minor
            );
            self.format("D15", Some(first.kind), first.offset, msg);
        }
        let c = crate::container::Container {
            header: h.clone(),
            order: self.o,
            sections: sections.to_vec(),
        };
        for f in crate::matrix::check::check(self.b, &c) {
            if f.reserved {
                self.reserved(f.label, Some(f.section), f.offset, true, &f.message);
            } else {
                let class = if f.checksum { Class::Checksum } else { Class::Format };
                self.add(f.label, class, Some(f.section), f.offset, f.message);
            }
        }
    }

    /// SPEC §2–§3: header, directory, sections, padding, sequence-set kinds.
    /// SPEC §3.2: [D17], then [CS1]–[CS3] of each CHUNK_SUMS.
    fn chunk_sums(&mut self, header: &FileHeader, sections: &[DirectoryEntry]) {
        let c = crate::container::Container {
            header: header.clone(),
            order: self.o,
            sections: sections.to_vec(),
        };
        for e in sections.iter().filter(|e| e.kind == kind::CHUNK_SUMS) {
            if self.minor < spec::VERSION_MINOR_CHUNK_SUMS {
                let msg = format!("{} in a file of version 1.{}", section_name(e.kind), self.minor);
                self.format("D17", Some(e.kind), e.offset, msg);
            }
            for (label, at, message) in crate::container::chunk_problems(self.b, &c, e) {
                let class = if label == "CS3" { Class::Checksum } else { Class::Format };
                self.add(label, class, Some(kind::CHUNK_SUMS), at, message);
            }
        }
    }

    fn container(&mut self) -> Option<(FileHeader, Vec<DirectoryEntry>)> {
        let b = self.b;
        let len = b.len() as u64;
        if len < 64 {
            self.format(
                "H6",
                None,
                len,
                format!("file is {len} bytes, shorter than the 64-byte header"),
            );
            return None;
        }
        if b[..8] != spec::MAGIC {
            self.format("H1", None, 0, "bad magic: not a tribit file".into());
            return None;
        }
        let sig = [b[8], b[9], b[10], b[11]];
        self.o = if u32::from_le_bytes(sig) == spec::SIGNATURE {
            ByteOrder::Little
        } else if u32::from_be_bytes(sig) == spec::SIGNATURE {
            ByteOrder::Big
        } else {
            self.format("H2", None, 8, format!("bad byte-order signature {sig:02X?}"));
            return None;
        };
        let h: FileHeader = from_bytes(&b[..64], self.o, None, 0).ok()?;
        self.minor = h.minor;
        if h.major != spec::VERSION_MAJOR {
            let msg = format!("major version {} is not {}", h.major, spec::VERSION_MAJOR);
            self.add("H3", Class::Unsupported, None, 12, msg);
            return None;
        }
        self.sum(
            "H10",
            None,
            56,
            &b[..spec::HEADER_CHECKSUMMED_LEN],
            h.header_checksum,
            "header",
        );
        if h.header_len < spec::HEADER_LEN || h.header_len as u64 > len {
            self.format(
                "H4",
                None,
                16,
                format!("header_len {} is below 64 or past the end of the file", h.header_len),
            );
            return None;
        }
        self.reserved("H5", None, 20, h.flags != 0, "header flags");
        if h.file_len != len {
            self.format(
                "H6",
                None,
                24,
                format!("header says {} bytes, file has {len}", h.file_len),
            );
        }
        let el = h.directory_entry_len as u64;
        if el < spec::DIRECTORY_ENTRY_LEN as u64 {
            self.format("H8", None, 44, format!("directory_entry_len {el} is below 48"));
            return None;
        }
        let dir_off = h.directory_offset;
        let dir = (h.directory_count as u64)
            .checked_mul(el)
            .and_then(|n| u64_range(dir_off, n, len));
        let placed = dir_off.is_multiple_of(64) && dir_off >= h.header_len as u64;
        let Some(dir) = dir.filter(|d| placed && d.end as u64 == len) else {
            self.format(
                "H7",
                None,
                32,
                format!(
                    "directory at {dir_off} with {} entries of {el} bytes does not end the file",
                    h.directory_count
                ),
            );
            return None;
        };
        self.sum("H9", None, dir_off, &b[dir.clone()], h.directory_checksum, "directory");
        let mut sections = Vec::new();
        let mut covered = vec![(0u64, h.header_len as u64), (dir_off, len)];
        for (i, raw) in b[dir].chunks_exact(el as usize).enumerate() {
            let at = dir_off + i as u64 * el;
            let Ok(e) = from_bytes::<DirectoryEntry>(&raw[..48], self.o, None, at) else {
                continue;
            };
            let s = Some(e.kind);
            if e.kind == 0 {
                self.format("D1", None, at, "section kind 0".into());
                continue;
            }
            self.reserved(
                "D2",
                s,
                at + 4,
                e.flags & !spec::SECTION_FLAG_REQUIRED != 0,
                "flag bits 1-31",
            );
            self.reserved(
                "D6",
                s,
                at + 32,
                e.reserved0 != 0 || e.reserved1 != 0,
                "directory entry bytes 36-47",
            );
            if e.offset % 64 != 0 || e.offset < h.header_len as u64 {
                self.format(
                    "D3",
                    s,
                    at + 8,
                    format!("offset {} is not a multiple of 64 at or after the header", e.offset),
                );
                continue;
            }
            let Some(range) = u64_range(e.offset, e.length, dir_off) else {
                self.format(
                    "D4",
                    s,
                    at + 16,
                    format!("[{}, +{}) runs past the directory at {dir_off}", e.offset, e.length),
                );
                continue;
            };
            if e.kind == kind::REFERENCES && self.minor < spec::VERSION_MINOR_REFERENCE {
                let msg = format!("{} in a file of version 1.{}", section_name(e.kind), self.minor);
                self.format("D16", Some(e.kind), at, msg);
            }
            if known_kind(e.kind) {
                let want = !matches!(e.kind, kind::NONACGT_SUMMARY | kind::HASH_INDEX | kind::CHUNK_SUMS);
                if e.required() != want {
                    self.format("D9", s, at + 4, format!("required flag must be {}", want as u8));
                }
            } else if e.required() {
                self.add(
                    "D10",
                    Class::Unsupported,
                    s,
                    at,
                    format!("required {} is not known to version 1.0", section_name(e.kind)),
                );
            }
            self.sum("D5", s, e.offset, &b[range], e.checksum, &section_name(e.kind));
            covered.push((e.offset, e.offset + e.length));
            sections.push(e);
        }
        let mut live: Vec<&DirectoryEntry> = sections.iter().filter(|e| e.length > 0).collect();
        live.sort_by_key(|e| e.offset);
        for w in live.windows(2) {
            if w[0].offset + w[0].length > w[1].offset {
                let msg = format!("overlaps {}", section_name(w[0].kind));
                self.format("D7", Some(w[1].kind), w[1].offset, msg);
            }
        }
        covered.sort();
        let mut pos = 0u64;
        for (s, e) in covered {
            if s > pos {
                if let Some(k) = b[pos as usize..s as usize].iter().position(|&x| x != 0) {
                    self.format(
                        "D8",
                        None,
                        pos + k as u64,
                        "padding between sections is not zero".into(),
                    );
                }
            }
            pos = pos.max(e);
        }
        let seq_kinds = spec::SEQUENCE_SET.iter().copied().chain([kind::NONACGT_SUMMARY]);
        for k in seq_kinds {
            let n = sections.iter().filter(|e| e.kind == k).count();
            if n > 1 {
                self.format("K1", Some(k), h.directory_offset, format!("{n} sections of this kind"));
            }
        }
        let n = sections.iter().filter(|e| e.kind == kind::REFERENCES).count();
        if n > 1 {
            let msg = format!("{n} REFERENCES sections");
            self.format("RF7", Some(kind::REFERENCES), h.directory_offset, msg);
        }
        for k in [kind::MASK_BITMAP, kind::EXCEPTION_NIBBLES] {
            let n = sections.iter().filter(|e| e.kind == k).count();
            if n > 1 {
                self.format("K4", Some(k), h.directory_offset, format!("{n} sections of this kind"));
            }
            if let Some(e) = sections.iter().find(|e| e.kind == k) {
                if h.minor < spec::VERSION_MINOR_DENSE {
                    let msg = format!("{} in a file of version {}.{}", section_name(k), h.major, h.minor);
                    self.format("D13", Some(k), e.offset, msg);
                }
            }
        }
        Some((h, sections))
    }

    /// SPEC §8: tables, dictionaries and hash indexes. Each table is
    /// opened on its own (one that cannot be opened hides no other), each
    /// index on its own (an unusable index hides nothing of its table), and
    /// without checksums, which [D5] covers, so that the structure of a
    /// section with a bad checksum is checked too. Then the cell, padding
    /// and index checks of every table that opened report every problem.
    fn tables(&mut self, h: &FileHeader, sections: &[DirectoryEntry]) {
        use crate::table::TableSet;
        let table_kinds = [kind::TABLE, kind::DICTIONARY, kind::HASH_INDEX];
        for e in sections.iter().filter(|e| table_kinds.contains(&e.kind)) {
            if h.minor < spec::VERSION_MINOR_TABLES {
                let msg = format!("{} in a file of version {}.{}", section_name(e.kind), h.major, h.minor);
                self.format("D12", Some(e.kind), e.offset, msg);
            }
            if sections
                .iter()
                .any(|s| spec::SEQUENCE_SET.contains(&s.kind) && s.group == e.group)
            {
                self.format(
                    "T2",
                    Some(e.kind),
                    e.offset,
                    format!("group {} is also the sequence set's", e.group),
                );
            }
        }
        for e in sections.iter().filter(|e| e.kind == kind::INDEX_TARGET) {
            if h.minor < spec::VERSION_MINOR_INDEX_FILE {
                let msg = format!("{} in a file of version {}.{}", section_name(e.kind), h.major, h.minor);
                self.format("D14", Some(e.kind), e.offset, msg);
            }
        }
        if !sections
            .iter()
            .any(|e| table_kinds.contains(&e.kind) || e.kind == kind::INDEX_TARGET)
        {
            return;
        }
        let c = crate::container::Container {
            header: h.clone(),
            order: self.o,
            sections: sections.to_vec(),
        };
        let (ts, errors) = TableSet::new_partial(self.b, &c, false);
        for e in &errors {
            self.reader_error(e);
        }
        for t in ts.tables() {
            self.table(t, sections);
        }
        self.index_targets(&c);
    }

    /// [HI10] of the HASH_INDEX section `e` (its bytes `s`), in a table's
    /// file or an index file: the reserved header bytes and the padding
    /// after the key columns are zero. A section too short for its header
    /// is [HI5]'s, reported where the index is parsed.
    fn hash_index_reserved(&mut self, e: &DirectoryEntry, s: &[u8]) {
        if s.len() < 64 {
            return;
        }
        let end = 64 + 4 * self.o.u32_at(s, 0) as usize;
        let nz = |r: std::ops::Range<usize>| s.get(r).is_some_and(|x| x.iter().any(|&v| v != 0));
        let bad = nz(36..64) || nz(end..end.next_multiple_of(8));
        self.reserved(
            "HI10",
            Some(e.kind),
            e.offset,
            bad,
            "index header bytes 36-63 and key column padding",
        );
    }

    /// SPEC §8.8: the INDEX_TARGET sections of an index file and the
    /// HASH_INDEX sections of their groups, as far as a lone file shows
    /// them ([HI9] needs the table: [`validate_index_file`]).
    fn index_targets(&mut self, c: &crate::container::Container) {
        let (f, errors) = crate::index::IndexFile::new_partial(self.b, c, false);
        for e in &errors {
            self.reader_error(e);
        }
        let (b, o) = (self.b, self.o);
        for ti in f.targets() {
            for e in c.sections.iter().filter(|e| e.group == ti.group) {
                let s = &b[e.offset as usize..(e.offset + e.length) as usize];
                match e.kind {
                    kind::INDEX_TARGET => {
                        let bad = !crate::index::IndexTarget::reserved_are_zero(s, o);
                        self.reserved(
                            "IT5",
                            Some(e.kind),
                            e.offset,
                            bad,
                            "index target bytes 40-63 and 68-71 of each dictionary",
                        );
                    }
                    kind::HASH_INDEX => self.hash_index_reserved(e, s),
                    _ => {}
                }
            }
            for u in &ti.unusable {
                self.reader_error(&u.error());
            }
            for ix in &ti.indexes {
                self.index(ix, ti.target.row_count, None);
            }
        }
    }

    /// A table error of the reader, with the label its message carries.
    fn reader_error(&mut self, e: &crate::Error) {
        let (section, offset) = match e.location() {
            crate::Location::Byte { section, offset } => (*section, *offset),
            _ => (None, 0),
        };
        let class = match e.kind() {
            crate::ErrorKind::Unsupported => Class::Unsupported,
            crate::ErrorKind::Checksum => Class::Checksum,
            crate::ErrorKind::Mismatch => Class::Mismatch,
            _ => Class::Format,
        };
        let label = table_label(e, section);
        self.add(label, class, section, offset, e.message().to_string());
    }

    /// Every check of one table that opened.
    fn table(&mut self, t: &crate::table::Table<'_>, sections: &[DirectoryEntry]) {
        let toff = t.offset();
        self.table_reserved(t, sections);
        // [T13] the padding after the rows and after the names.
        let tlen = sections
            .iter()
            .find(|e| e.kind == kind::TABLE && e.offset == toff)
            .map_or(0, |e| e.length);
        let s = &self.b[toff as usize..(toff + tlen) as usize];
        let [after_rows, after_names] = t.padding();
        if after_names.end - after_names.start >= 8 {
            let msg = format!(
                "the names end {} bytes before the trailing header_offset, more than 7",
                after_names.end - after_names.start
            );
            self.format("T13", Some(kind::TABLE), toff + after_names.start, msg);
        }
        for (what, r) in [("rows", after_rows), ("names", after_names)] {
            if let Some(k) = s[r.start as usize..r.end as usize].iter().position(|&x| x != 0) {
                let msg = format!("padding after the {what} is not zero");
                self.format("T13", Some(kind::TABLE), toff + r.start + k as u64, msg);
            }
        }
        for u in t.unusable_indexes() {
            self.reader_error(&u.error());
        }
        // [T11] bytes outside cells, null cells and unused bitmap bits are
        // zero. Only with rows: a table of no rows may declare any
        // row_width, and nothing of that size may be allocated from it.
        let (noff, nlen) = t.null_bitmap();
        if t.row_count() > 0 {
            let mut used = vec![false; t.row_width() as usize];
            for c in t.columns() {
                let w = c.def.ty.width() as usize;
                used[c.offset as usize..c.offset as usize + w].fill(true);
            }
            used[noff as usize..(noff + nlen) as usize].fill(true);
            let mut bitmap_mask = vec![0u8; nlen as usize];
            for c in t.columns().iter().filter(|c| c.null_bit != spec::table::NO_NULL_BIT) {
                bitmap_mask[c.null_bit as usize / 8] |= 1 << (c.null_bit % 8);
            }
            for r in 0..t.row_count() {
                let Ok(Some(row)) = t.row_bytes(r) else { break };
                let at = toff + r * t.row_width() as u64;
                let mut bad = used.iter().zip(row).any(|(u, b)| !u && *b != 0);
                let bitmap = &row[noff as usize..(noff + nlen) as usize];
                bad |= bitmap.iter().zip(&bitmap_mask).any(|(b, m)| b & !m != 0);
                for c in t.columns().iter().filter(|c| c.null_bit != spec::table::NO_NULL_BIT) {
                    let null = row[noff as usize + c.null_bit as usize / 8] & (1 << (c.null_bit % 8)) != 0;
                    let cell = &row[c.offset as usize..c.offset as usize + c.def.ty.width() as usize];
                    bad |= null && cell.iter().any(|&b| b != 0);
                }
                if bad {
                    let msg = format!("row {r}: a null cell, padding or an unused null bit is not zero");
                    self.format("T11", Some(kind::TABLE), at, msg);
                }
            }
        }
        // [DI3] distinct strings.
        for (ci, col) in t.columns().iter().enumerate() {
            if let Some(d) = t.dictionary(ci) {
                let mut seen = HashSet::new();
                for code in 0..d.len().min(u32::MAX as u64) as u32 {
                    if !seen.insert(d.get(code)) {
                        let msg = format!("dictionary of '{}' repeats string {code}", col.def.name);
                        self.format("DI3", Some(kind::DICTIONARY), d.offset(), msg);
                        break;
                    }
                }
            }
        }
        // [T9] [T10] [DI4]: every cell decodes.
        for r in 0..t.row_count() {
            for ci in 0..t.columns().len() {
                if let Err(e) = t.cell(r, ci) {
                    self.reader_error(&e);
                }
            }
        }
        // [HI7]-[HI9]: the index holds exactly the table's keys.
        for ix in t.indexes() {
            self.index(ix, t.row_count(), Some(t));
        }
    }

    /// [HI7]-[HI8] of the index `ix` of a table of `row_count` rows, and
    /// [HI9] when the table `t` is at hand.
    fn index(&mut self, ix: &crate::index::HashIndex<'_>, row_count: u64, t: Option<&crate::table::Table<'_>>) {
        use crate::index::{encode_key_value, key_hash};
        use crate::table::ColumnType;
        // [HI6] over the whole index (a lookup checks only the buckets it
        // reads); the other rules assume it.
        if let Err(e) = ix.check_order() {
            self.reader_error(&e);
            return;
        }
        let mut key = Vec::new();
        {
            // [HI7] first(0) = 0 (with first(entry_count) = word_count):
            // no posting word lies before the first entry's.
            let first0 = ix.first_word(0);
            if first0 != 0 {
                self.format(
                    "HI7",
                    Some(kind::HASH_INDEX),
                    ix.offset(),
                    format!("first(0) is {first0}, not 0: posting words 0..{first0} belong to no entry"),
                );
            }
            // Only with the table: a lone index file's row_count bounds nothing.
            let mut owner = vec![false; if t.is_some() { row_count as usize } else { 0 }];
            let mut keys = HashSet::new();
            let mut complete = true;
            for e in 0..ix.entry_count() {
                let rows = match ix.entry_rows(e, row_count) {
                    Ok(r) => r,
                    Err(err) => {
                        self.reader_error(&err);
                        complete = false;
                        break;
                    }
                };
                let Some(t) = t else { continue };
                let mut first: Option<Vec<u8>> = None;
                for r in rows.rows() {
                    key.clear();
                    for &c in ix.columns() {
                        let ty: ColumnType = t.columns()[c as usize].def.ty;
                        encode_key_value(&mut key, ty, t.cell(r, c as usize).unwrap_or(crate::table::Value::Null));
                    }
                    let bad_owner = std::mem::replace(&mut owner[r as usize], true);
                    let differs = first.as_ref().is_some_and(|f| *f != key);
                    if bad_owner || differs || key_hash(&key) != ix.entry_hash(e) {
                        self.format(
                            "HI9",
                            Some(kind::HASH_INDEX),
                            ix.offset(),
                            format!("entry {e}: row {r} is in two entries or has another key or hash"),
                        );
                    }
                    if first.is_none() {
                        first = Some(key.clone());
                    }
                }
                if let Some(f) = first {
                    if !keys.insert(f) {
                        self.format(
                            "HI9",
                            Some(kind::HASH_INDEX),
                            ix.offset(),
                            format!("entry {e} repeats another entry's key"),
                        );
                    }
                }
            }
            if let Some(r) = owner.iter().position(|&o| !o).filter(|_| complete && t.is_some()) {
                self.format(
                    "HI9",
                    Some(kind::HASH_INDEX),
                    ix.offset(),
                    format!("row {r} is in no entry"),
                );
            }
        }
    }

    /// SPEC §8: reserved fields of a table's TABLE [T12], DICTIONARY [DI6]
    /// and HASH_INDEX [HI10] sections, once the table has opened (so its
    /// TABLE header and dictionaries are known to be in bounds; an index
    /// may be unusable, so its reads are bounded here).
    fn table_reserved(&mut self, t: &crate::table::Table<'_>, sections: &[DirectoryEntry]) {
        let b = self.b;
        let o = self.o;
        let mine = |e: &&DirectoryEntry| {
            (e.kind == kind::TABLE && e.offset == t.offset())
                || (matches!(e.kind, kind::DICTIONARY | kind::HASH_INDEX) && e.group == t.group())
        };
        for e in sections.iter().filter(mine) {
            let (off, len) = (e.offset as usize, e.length as usize);
            let s = &b[off..off + len];
            let nz = |r: std::ops::Range<usize>| s.get(r).is_some_and(|x| x.iter().any(|&v| v != 0));
            match e.kind {
                kind::TABLE => {
                    let ho = o.u64_at(s, len - 8) as usize;
                    let n = o.u32_at(s, ho + 12) as usize;
                    let el = o.u32_at(s, ho + 28) as usize;
                    self.reserved(
                        "T12",
                        Some(e.kind),
                        (off + ho + 32) as u64,
                        nz(ho + 32..ho + 64),
                        "table header bytes 32-63",
                    );
                    for i in 0..n {
                        let d = ho + 64 + i * el;
                        let bad = nz(d + 2..d + 4) || nz(d + 20..d + 32) || s[d + 1] & !1 != 0;
                        self.reserved(
                            "T12",
                            Some(e.kind),
                            (off + d) as u64,
                            bad,
                            "column descriptor reserved bytes or flag bits 1-7",
                        );
                    }
                }
                kind::DICTIONARY => {
                    let bad = nz(4..8) || nz(24..32);
                    self.reserved(
                        "DI6",
                        Some(e.kind),
                        e.offset,
                        bad,
                        "dictionary header bytes 4-7 and 24-31",
                    );
                }
                kind::HASH_INDEX => self.hash_index_reserved(e, s),
                _ => {}
            }
        }
    }

    /// SPEC §5–§6: the sequence set.
    fn sequences(&mut self, h: &FileHeader, sections: &[DirectoryEntry]) {
        let find = |k: u32| sections.iter().find(|e| e.kind == k).copied();
        let want = spec::SEQUENCE_SET;
        let found: Vec<Option<DirectoryEntry>> = want.iter().map(|&k| find(k)).collect();
        let summary = find(kind::NONACGT_SUMMARY);
        let dense = [find(kind::MASK_BITMAP), find(kind::EXCEPTION_NIBBLES)];
        if found.iter().all(Option::is_none) {
            if let Some(e) = find(kind::REFERENCES) {
                self.format(
                    "RF7",
                    Some(e.kind),
                    e.offset,
                    "REFERENCES without a sequence set".into(),
                );
            }
            if let Some(s) = summary {
                self.format(
                    "K2",
                    Some(s.kind),
                    s.offset,
                    "NONACGT_SUMMARY without a sequence set".into(),
                );
            }
            for d in dense.iter().flatten() {
                self.format(
                    "K4",
                    Some(d.kind),
                    d.offset,
                    format!("{} without a sequence set", section_name(d.kind)),
                );
            }
            return;
        }
        if let Some(k) = want.iter().zip(&found).find(|(_, f)| f.is_none()).map(|(k, _)| *k) {
            self.format(
                "K2",
                None,
                h.directory_offset,
                format!("the sequence set has no {}", section_name(k)),
            );
            return;
        }
        let es: Vec<DirectoryEntry> = found.into_iter().flatten().chain(summary).collect();
        if es.iter().any(|e| e.group != es[0].group) {
            self.format(
                "K3",
                None,
                h.directory_offset,
                "sections of the sequence set have different groups".into(),
            );
        }
        for d in dense.iter().flatten() {
            if d.group != es[0].group {
                self.format(
                    "K4",
                    Some(d.kind),
                    d.offset,
                    format!("group {} is not the sequence set's {}", d.group, es[0].group),
                );
            }
        }
        if let Some(mut s) = Seq::new(self, &es[..7], summary) {
            s.dense_sections = dense;
            if let Some(e) = find(kind::REFERENCES) {
                s.references(self, &e, es[0].group);
            }
            s.check(self);
        }
    }
}

/// The sequence set being validated.
struct Seq<'a> {
    b: &'a [u8],
    o: ByteOrder,
    h: IndexHeader,
    idx: DirectoryEntry,
    names: DirectoryEntry,
    hash: DirectoryEntry,
    bidx: DirectoryEntry,
    blocks: DirectoryEntry,
    masks: DirectoryEntry,
    exc: DirectoryEntry,
    summary: Option<DirectoryEntry>,
    records: Vec<Record>,
    /// MASK_BITMAP and EXCEPTION_NIBBLES, when present (SPEC §6.6).
    dense_sections: [Option<DirectoryEntry>; 2],
    /// Per record: absolute offset of its bitmap, when usable.
    mask_arr: Vec<Option<u64>>,
    /// Per record: absolute offset of its nibbles, when usable.
    exc_arr: Vec<Option<u64>>,
    /// Records whose runs are sorted and in range, so per-position checks can walk them.
    masks_ok: Vec<bool>,
    exc_ok: Vec<bool>,
    /// REFERENCES (SPEC §9) when present and decodable, with its
    /// reference or why it could not be attached.
    refs: Option<(References, Result<Attached, crate::Error>)>,
}

impl<'a> Seq<'a> {
    fn new(v: &mut V<'a>, es: &[DirectoryEntry], summary: Option<DirectoryEntry>) -> Option<Seq<'a>> {
        let (b, o) = (v.b, v.o);
        let [idx, names, hash, bidx, blocks, masks, exc] = [es[0], es[1], es[2], es[3], es[4], es[5], es[6]];
        let si = Some(idx.kind);
        if idx.length < 64 {
            v.format(
                "X7",
                si,
                idx.offset,
                "SEQUENCE_INDEX is shorter than its 64-byte header".into(),
            );
            return None;
        }
        let at = idx.offset as usize;
        let hd: IndexHeader = from_bytes(&b[at..at + 64], o, si, idx.offset).ok()?;
        let mut fatal = false;
        if hd.block_bases == 0 || !(hd.block_bases as u64).is_multiple_of(512) {
            v.format(
                "X2",
                si,
                idx.offset + 16,
                format!("block_bases {} is not a positive multiple of 512", hd.block_bases),
            );
            fatal = true;
        }
        if hd.record_len < spec::SEQUENCE_RECORD_LEN {
            v.format(
                "X3",
                si,
                idx.offset + 20,
                format!("record_len {} is below 128", hd.record_len),
            );
            fatal = true;
        }
        if !fatal && hd.block_count != hd.stream_len.div_ceil(hd.block_bases as u64) {
            v.format(
                "X4",
                si,
                idx.offset + 24,
                format!("block_count {} is not ceil(stream_len / block_bases)", hd.block_count),
            );
            fatal = true;
        }
        v.reserved(
            "X5",
            si,
            idx.offset + 32,
            hd.flags & !spec::SEQUENCE_FLAG_REFGET != 0,
            "index flag bits 1-63",
        );
        v.reserved(
            "X6",
            si,
            idx.offset + 40,
            hd.reserved.iter().any(|&x| x != 0),
            "index header bytes 40-63",
        );
        let want = hd
            .sequence_count
            .checked_mul(hd.record_len as u64)
            .and_then(|n| n.checked_add(64));
        if want != Some(idx.length) {
            v.format(
                "X7",
                si,
                idx.offset,
                format!(
                    "{} records do not fill the {}-byte section",
                    hd.sequence_count, idx.length
                ),
            );
            fatal = true;
        }
        if fatal {
            return None;
        }
        let mut records = Vec::with_capacity(hd.sequence_count as usize);
        for i in 0..hd.sequence_count {
            let at = idx.offset + 64 + i * hd.record_len as u64;
            records.push(from_bytes::<Record>(&b[at as usize..at as usize + 128], o, si, at).ok()?);
        }
        let n = records.len();
        Some(Seq {
            b,
            o,
            h: hd,
            idx,
            names,
            hash,
            bidx,
            blocks,
            masks,
            exc,
            summary,
            records,
            dense_sections: [None, None],
            mask_arr: vec![None; n],
            exc_arr: vec![None; n],
            masks_ok: vec![false; n],
            exc_ok: vec![false; n],
            refs: None,
        })
    }

    fn record_at(&self, i: usize) -> u64 {
        self.idx.offset + 64 + i as u64 * self.h.record_len as u64
    }

    fn check(&mut self, v: &mut V<'_>) {
        let records_ok = self.records_and_names(v);
        self.name_hash(v);
        self.runs(v);
        self.dense(v);
        let blocks_ok = self.block_index(v);
        if records_ok && blocks_ok {
            self.stream(v);
        }
    }

    /// [R1] [R3]–[R7] [R11] [R12] [X1].
    fn records_and_names(&mut self, v: &mut V<'_>) -> bool {
        let si = Some(kind::SEQUENCE_INDEX);
        let names = &self.b[self.names.offset as usize..(self.names.offset + self.names.length) as usize];
        let n_masks = self.masks.length / 16;
        let n_exc = self.exc.length / 16;
        let (mut start, mut hoff, mut mfirst, mut efirst) = (0u64, 0u64, 0u64, 0u64);
        let mut ok = true;
        let mut seen = HashSet::new();
        let last = self.records.len().saturating_sub(1);
        for (i, r) in self.records.iter().enumerate() {
            let at = self.record_at(i);
            if r.start != start {
                v.format(
                    "R1",
                    si,
                    at,
                    format!("record {i} starts at {}, expected {start}", r.start),
                );
                ok = false;
            }
            start = r.start.saturating_add(r.length).saturating_add(1);
            if r.header_offset != hoff {
                v.format(
                    "R3",
                    si,
                    at + 16,
                    format!("record {i} header at {}, expected {hoff}", r.header_offset),
                );
            }
            hoff = r.header_offset.saturating_add(r.header_len as u64);
            match u64_range(r.header_offset, r.header_len as u64, names.len() as u64) {
                None => {
                    v.format(
                        "R3",
                        si,
                        at + 16,
                        format!("record {i} header lies outside SEQUENCE_NAMES"),
                    );
                    ok = false;
                }
                Some(hr) => {
                    let hl = &names[hr];
                    let (ns, nl) = (r.name_start as usize, r.name_len as usize);
                    let ws = |c: &u8| *c == b' ' || *c == b'\t';
                    let bad = nl == 0
                        || ns + nl > hl.len()
                        || !hl[..ns].iter().all(ws)
                        || hl[ns..ns + nl].iter().any(|c| ws(c) || *c == b'\r' || *c == b'\n')
                        || (ns + nl < hl.len() && !ws(&hl[ns + nl]))
                        || hl.iter().any(|&c| c == b'\r' || c == b'\n');
                    if bad {
                        v.format(
                            "R4",
                            si,
                            at + 24,
                            format!("record {i}: name placement breaks SPEC §6.1 [R4]"),
                        );
                        if nl == 0 || ns + nl > hl.len() {
                            ok = false;
                        }
                    } else if !seen.insert(&hl[ns..ns + nl]) {
                        let name = String::from_utf8_lossy(&hl[ns..ns + nl]).into_owned();
                        v.format("R12", si, at, format!("duplicate name '{name}'"));
                    }
                }
            }
            if (r.length == 0) != (r.line_width == 0) {
                v.format(
                    "R5",
                    si,
                    at + 32,
                    format!("record {i}: line_width {} with length {}", r.line_width, r.length),
                );
            }
            if r.mask_first != mfirst {
                v.format(
                    "R6",
                    si,
                    at + 40,
                    format!("record {i}: mask_first {}, expected {mfirst}", r.mask_first),
                );
            }
            mfirst = r.mask_first.saturating_add(r.mask_count);
            if r.exception_first != efirst {
                v.format(
                    "R7",
                    si,
                    at + 56,
                    format!("record {i}: exception_first {}, expected {efirst}", r.exception_first),
                );
            }
            efirst = r.exception_first.saturating_add(r.exception_count);
            let r11 = r.flags & !(spec::RECORD_FLAG_CRLF | spec::RECORD_FLAG_NO_FINAL_NEWLINE) != 0;
            v.reserved("R11", si, at + 124, r11, "record flag bits 2-31");
            if r.flags & spec::RECORD_FLAG_NO_FINAL_NEWLINE != 0 && i != last {
                v.format(
                    "R11",
                    si,
                    at + 124,
                    format!("record {i} is not the last but has flag bit 0"),
                );
            }
            if self.h.flags & spec::SEQUENCE_FLAG_REFGET == 0 && r.refget != [0; 24] {
                v.format(
                    "R10",
                    si,
                    at + 96,
                    format!("record {i}: refget must be zero when the index flag is clear"),
                );
            }
            if r.mask_first.checked_add(r.mask_count).is_none_or(|e| e > n_masks)
                || r.exception_first
                    .checked_add(r.exception_count)
                    .is_none_or(|e| e > n_exc)
            {
                ok = false;
            }
        }
        if hoff != self.names.length {
            v.format(
                "R3",
                Some(kind::SEQUENCE_NAMES),
                self.names.offset,
                format!("header lines fill {hoff} of {} bytes", self.names.length),
            );
        }
        if mfirst != n_masks {
            v.format(
                "R6",
                Some(kind::MASKS),
                self.masks.offset,
                format!("records use {mfirst} of {n_masks} mask runs"),
            );
        }
        if efirst != n_exc {
            v.format(
                "R7",
                Some(kind::EXCEPTIONS),
                self.exc.offset,
                format!("records use {efirst} of {n_exc} exception runs"),
            );
        }
        if !self.masks.length.is_multiple_of(16) || !self.exc.length.is_multiple_of(16) {
            let e = if !self.masks.length.is_multiple_of(16) {
                self.masks
            } else {
                self.exc
            };
            v.format(
                "E1",
                Some(e.kind),
                e.offset,
                format!("{} length is not a multiple of 16", section_name(e.kind)),
            );
            ok = false;
        }
        if start != self.h.stream_len {
            v.format(
                "X1",
                si,
                self.idx.offset + 8,
                format!("stream_len {} but the records need {start}", self.h.stream_len),
            );
            ok = false;
        }
        ok
    }

    fn name_of(&self, r: &Record) -> Option<&'a [u8]> {
        let s = self
            .names
            .offset
            .checked_add(r.header_offset)?
            .checked_add(r.name_start as u64)?;
        let e = s.checked_add(r.name_len as u64)?;
        (e <= self.names.offset + self.names.length && r.header_offset + r.header_len as u64 <= self.names.length)
            .then(|| &self.b[s as usize..e as usize])
    }

    /// [NH1]–[NH5].
    fn name_hash(&self, v: &mut V<'_>) {
        let (e, o, b) = (self.hash, self.o, self.b);
        let s = Some(e.kind);
        if e.length < 16 {
            v.format(
                "NH1",
                s,
                e.offset,
                "SEQUENCE_NAME_HASH is shorter than its header".into(),
            );
            return;
        }
        let at = e.offset as usize;
        let slots = o.u64_at(b, at);
        v.reserved("NH2", s, e.offset + 8, o.u64_at(b, at + 8) != 0, "name hash bytes 8-15");
        let n = self.records.len() as u64;
        let fits = slots.checked_mul(16).and_then(|x| x.checked_add(16)) == Some(e.length);
        if !slots.is_power_of_two() || slots <= n || !fits {
            v.format(
                "NH1",
                s,
                e.offset,
                format!("slot_count {slots} must be a power of two above {n} filling the section"),
            );
            return;
        }
        let slot = |k: u64| {
            (
                o.u64_at(b, at + 16 + 16 * k as usize),
                o.u64_at(b, at + 24 + 16 * k as usize),
            )
        };
        let mut seen = vec![false; n as usize];
        for k in 0..slots {
            let (hash, rec) = slot(k);
            let off = e.offset + 16 + 16 * k;
            if rec == spec::NAME_HASH_EMPTY {
                if hash != 0 {
                    v.format("NH4", s, off, format!("empty slot {k} has a non-zero hash"));
                }
                continue;
            }
            if rec >= n || seen[rec as usize] {
                v.format(
                    "NH4",
                    s,
                    off,
                    format!("slot {k} holds record {rec}, out of range or seen before"),
                );
                continue;
            }
            seen[rec as usize] = true;
            if let Some(name) = self.name_of(&self.records[rec as usize]) {
                if checksum(name) != hash {
                    v.format(
                        "NH3",
                        s,
                        off,
                        format!("slot {k}: hash is not xxh3-64 of the name of record {rec}"),
                    );
                }
            }
            let mut j = hash & (slots - 1);
            while j != k {
                if slot(j).1 == spec::NAME_HASH_EMPTY {
                    v.format(
                        "NH5",
                        s,
                        off,
                        format!("slot {k} is not reachable from its home slot {}", hash & (slots - 1)),
                    );
                    break;
                }
                j = (j + 1) & (slots - 1);
            }
        }
        if let Some(missing) = seen.iter().position(|&x| !x) {
            v.format("NH4", s, e.offset, format!("record {missing} has no slot"));
        }
    }

    fn mask(&self, k: u64) -> MaskRun {
        MaskRun::decode(&self.b[(self.masks.offset + 16 * k) as usize..][..16], self.o)
    }

    fn exception(&self, k: u64) -> ExceptionRun {
        ExceptionRun::decode(&self.b[(self.exc.offset + 16 * k) as usize..][..16], self.o)
    }

    /// SPEC §6.6: [DF2] [DF3] [DF4], and nibble values of [DF6].
    fn dense(&mut self, v: &mut V<'_>) {
        for (which, d) in self.dense_sections.into_iter().enumerate() {
            let Some(d) = d else { continue };
            let s = Some(d.kind);
            let count = self.records.len() as u64;
            let table = count * spec::DENSE_ENTRY_LEN;
            if d.length < table {
                v.format(
                    "DF2",
                    s,
                    d.offset,
                    format!("{} bytes cannot hold the table of {count} sequences", d.length),
                );
                continue;
            }
            let mut expected = table;
            for i in 0..self.records.len() {
                let r = self.records[i];
                let at = d.offset + i as u64 * spec::DENSE_ENTRY_LEN;
                let off = self.o.u64_at(self.b, at as usize);
                if off == spec::DENSE_NONE {
                    continue;
                }
                let (size, runs) = if which == 0 {
                    (crate::sequence::bitmap_bytes(r.length), r.mask_count)
                } else {
                    (crate::sequence::nibble_bytes(r.length), r.exception_count)
                };
                if off != expected {
                    v.format("DF2", s, at, format!("record {i}: array at {off}, expected {expected}"));
                }
                if off.checked_add(size).is_none_or(|e| e > d.length)
                    || !off.is_multiple_of(spec::DENSE_ALIGN)
                    || off < table
                {
                    v.format(
                        "DF2",
                        s,
                        at,
                        format!("record {i}: {size}-byte array at {off} lies outside the section"),
                    );
                    expected = expected.saturating_add(size);
                    continue;
                }
                expected = off + size;
                if runs != 0 {
                    let rk = if which == 0 { kind::MASKS } else { kind::EXCEPTIONS };
                    v.format(
                        "DF3",
                        Some(kind::SEQUENCE_INDEX),
                        self.record_at(i),
                        format!(
                            "record {i} is in dense form and has {runs} runs in {}",
                            section_name(rk)
                        ),
                    );
                }
                let arr = &self.b[(d.offset + off) as usize..(d.offset + off + size) as usize];
                let per = if which == 0 { 8 } else { 2 };
                let width = if which == 0 { 1 } else { 4 };
                for p in r.length..size * per {
                    let x = (arr[(p / per) as usize] >> (width * (p % per))) & ((1 << width) - 1);
                    if x != 0 {
                        v.format(
                            "DF4",
                            s,
                            d.offset + off + p / per,
                            format!("record {i}: padding position {p} is not 0"),
                        );
                        break;
                    }
                }
                if which == 1 {
                    if let Some(p) = (0..r.length).find(|&p| (arr[(p / 2) as usize] >> (4 * (p % 2))) & 15 > 12) {
                        v.format(
                            "DF6",
                            s,
                            d.offset + off + p / 2,
                            format!("record {i}: nibble at {p} is above 12"),
                        );
                    }
                }
                if which == 0 {
                    self.mask_arr[i] = Some(d.offset + off);
                } else {
                    self.exc_arr[i] = Some(d.offset + off);
                }
            }
            if expected != d.length {
                v.format(
                    "DF2",
                    s,
                    d.offset,
                    format!("the arrays end at {expected}, the section at {}", d.length),
                );
            }
        }
    }

    /// [M1] [M2] [E1] [E2] [E4] [E5] [E6].
    fn runs(&mut self, v: &mut V<'_>) {
        use crate::sequence::layout::{check_exception_runs, check_mask_runs};
        let (nm, ne) = (self.masks.length / 16, self.exc.length / 16);
        for i in 0..self.records.len() {
            let r = self.records[i];
            if r.mask_first.checked_add(r.mask_count).is_some_and(|e| e <= nm) {
                let runs = (r.mask_first..r.mask_first + r.mask_count).map(|k| self.mask(k));
                let at = self.masks.offset + 16 * r.mask_first;
                self.masks_ok[i] = check_mask_runs(runs, r.length, |f| {
                    let msg = format!("record {i}: {}", f.message);
                    v.format(f.label, Some(kind::MASKS), at + 16 * f.run, msg);
                    true
                });
            }
            if r.exception_first
                .checked_add(r.exception_count)
                .is_some_and(|e| e <= ne)
            {
                let runs = (r.exception_first..r.exception_first + r.exception_count).map(|k| self.exception(k));
                let at = self.exc.offset + 16 * r.exception_first;
                self.exc_ok[i] = check_exception_runs(runs, r.length, |f| {
                    let msg = format!("record {i}: {}", f.message);
                    let off = at + 16 * f.run + if f.at_letter { 12 } else { 0 };
                    v.format(f.label, Some(kind::EXCEPTIONS), off, msg);
                    true
                });
                for k in r.exception_first..r.exception_first + r.exception_count {
                    let at = self.exc.offset + 16 * k;
                    let raw = &self.b[at as usize + 13..at as usize + 16];
                    v.reserved(
                        "E6",
                        Some(kind::EXCEPTIONS),
                        at + 13,
                        raw.iter().any(|&c| c != 0),
                        "exception bytes 13-15",
                    );
                }
            }
        }
    }

    /// [BI0]–[BI9], [B1], [S1] [S3], the per-block checksums.
    fn block_index(&self, v: &mut V<'_>) -> bool {
        let (bi, o, b) = (self.bidx, self.o, self.b);
        let s = Some(bi.kind);
        let count = self.h.block_count;
        if Some(bi.length) != count.checked_mul(spec::BLOCK_ENTRY_LEN) {
            v.format(
                "BI0",
                s,
                bi.offset,
                format!("{} bytes for {count} blocks of 48", bi.length),
            );
            return false;
        }
        let bb = self.h.block_bases as u64;
        let mut ok = true;
        let mut prev_end = 0u64;
        let (mask_hint, exc_hint) = self.expected_hints();
        for k in 0..count {
            let at = bi.offset + k * spec::BLOCK_ENTRY_LEN;
            let e = BlockEntry::decode(&b[at as usize..at as usize + 48], o);
            let want = bb.min(self.h.stream_len - k * bb);
            v.reserved(
                "BI5",
                s,
                at + 29,
                b[at as usize + 29..at as usize + 32].iter().any(|&c| c != 0),
                "block entry bytes 29-31",
            );
            let zstd = e.encoding == spec::ENCODING_ZSTD;
            if e.encoding != spec::ENCODING_RAW && !zstd {
                v.add(
                    "BI10",
                    Class::Unsupported,
                    s,
                    at + 28,
                    format!("block {k} has encoding {}", e.encoding),
                );
                ok = false;
                continue;
            }
            if zstd && v.minor < spec::VERSION_MINOR_ZSTD {
                let msg = format!("block {k} is zstd-compressed in a file of version 1.{}", v.minor);
                v.format("Z2", s, at + 28, msg);
            }
            if e.bases as u64 != want {
                v.format(
                    "BI4",
                    s,
                    at + 24,
                    format!("block {k} holds {} positions, expected {want}", e.bases),
                );
                ok = false;
                continue;
            }
            let pb = plane_bytes(want);
            if (zstd && e.stored_len == 0) || (!zstd && e.stored_len != 3 * pb) {
                v.format(
                    "BI2",
                    s,
                    at + 8,
                    format!(
                        "block {k} stored_len {} is not {}",
                        e.stored_len,
                        if zstd { "positive".into() } else { (3 * pb).to_string() }
                    ),
                );
                ok = false;
                continue;
            }
            if !zstd && !e.offset.is_multiple_of(64) {
                v.format(
                    "BI1",
                    s,
                    at,
                    format!("block {k} offset {} is not a multiple of 64", e.offset),
                );
                ok = false;
                continue;
            }
            let Some(range) = u64_range(e.offset, e.stored_len, self.blocks.length) else {
                v.format("BI6", s, at, format!("block {k} lies outside BLOCKS"));
                ok = false;
                continue;
            };
            if e.offset < prev_end {
                v.format(
                    "BI7",
                    s,
                    at,
                    format!(
                        "block {k} at {} overlaps or precedes block {}",
                        e.offset,
                        k.saturating_sub(1)
                    ),
                );
            } else if b[(self.blocks.offset + prev_end) as usize..(self.blocks.offset + e.offset) as usize]
                .iter()
                .any(|&c| c != 0)
            {
                v.format(
                    "BI7",
                    Some(kind::BLOCKS),
                    self.blocks.offset + prev_end,
                    format!("bytes before block {k} are not zero"),
                );
            }
            prev_end = e.offset + e.stored_len;
            let base = self.blocks.offset as usize;
            let data = &b[base + range.start..base + range.end];
            v.sum(
                "BI3",
                Some(kind::BLOCKS),
                self.blocks.offset + e.offset,
                data,
                e.checksum,
                &format!("block {k}"),
            );
            // SPEC §5.3 [Z1]: a zstd block holds the raw block as one frame.
            let data = if zstd {
                match crate::sequence::decompress_block(data, 3 * pb as usize) {
                    Ok(raw) => std::borrow::Cow::Owned(raw),
                    Err(m) => {
                        v.format(
                            "Z1",
                            Some(kind::BLOCKS),
                            self.blocks.offset + e.offset,
                            format!("block {k}: {m}"),
                        );
                        ok = false;
                        continue;
                    }
                }
            } else {
                std::borrow::Cow::Borrowed(data)
            };
            // [B1]: bits of positions past the block's end are zero in every plane.
            if want < pb * 8 {
                let (fb, bit) = ((want / 8) as usize, want % 8);
                for p in 0..3 {
                    let plane = &data[(p * pb) as usize..((p + 1) * pb) as usize];
                    let partial = bit != 0 && plane[fb] >> bit != 0;
                    let rest = if bit != 0 { fb + 1 } else { fb };
                    if partial || plane[rest..].iter().any(|&c| c != 0) {
                        let msg = format!("block {k} plane {p}: padding bits are not zero");
                        v.format("B1", Some(kind::BLOCKS), self.blocks.offset + e.offset, msg);
                    }
                }
            }
            if let Some(&m) = mask_hint.get(k as usize) {
                if e.first_mask != m {
                    v.format(
                        "BI8",
                        s,
                        at + 32,
                        format!("block {k} first_mask {}, expected {m}", e.first_mask),
                    );
                }
            }
            if let Some(&x) = exc_hint.get(k as usize) {
                if e.first_exception != x {
                    v.format(
                        "BI9",
                        s,
                        at + 40,
                        format!("block {k} first_exception {}, expected {x}", e.first_exception),
                    );
                }
            }
        }
        // [BI7]: bytes of BLOCKS after the last stored block are zero too
        // (checked when every block was placed, so prev_end is the end).
        let tail = (self.blocks.offset + prev_end.min(self.blocks.length)) as usize
            ..(self.blocks.offset + self.blocks.length) as usize;
        if ok && b[tail.clone()].iter().any(|&c| c != 0) {
            v.format(
                "BI7",
                Some(kind::BLOCKS),
                tail.start as u64,
                "bytes after the last block are not zero".into(),
            );
        }
        if let Some(sm) = self.summary {
            let lines = self.h.stream_len.div_ceil(512);
            if sm.length != lines.div_ceil(64) * 8 {
                v.format(
                    "S1",
                    Some(sm.kind),
                    sm.offset,
                    format!("{} bytes for {lines} lines", sm.length),
                );
            } else {
                let bits = &b[sm.offset as usize..(sm.offset + sm.length) as usize];
                for l in lines..sm.length * 8 {
                    if bits[(l / 8) as usize] >> (l % 8) & 1 != 0 {
                        v.format(
                            "S3",
                            Some(sm.kind),
                            sm.offset + l / 8,
                            format!("bit {l} past the last line is set"),
                        );
                        break;
                    }
                }
            }
        }
        ok
    }

    /// first_mask and first_exception as SPEC §5.1 [BI8] [BI9] define them,
    /// or empty when the records do not allow computing them.
    fn expected_hints(&self) -> (Vec<u64>, Vec<u64>) {
        let bb = self.h.block_bases as u64;
        let count = self.h.block_count as usize;
        let (nm, ne) = (self.masks.length / 16, self.exc.length / 16);
        let mut mask_ends = Vec::new();
        let mut exc_ends = Vec::new();
        for r in &self.records {
            if r.mask_first.checked_add(r.mask_count).is_none_or(|e| e > nm)
                || r.exception_first.checked_add(r.exception_count).is_none_or(|e| e > ne)
            {
                return (Vec::new(), Vec::new());
            }
            for k in r.mask_first..r.mask_first + r.mask_count {
                mask_ends.push(r.start.saturating_add(self.mask(k).end));
            }
            for k in r.exception_first..r.exception_first + r.exception_count {
                exc_ends.push(r.start.saturating_add(self.exception(k).end()));
            }
        }
        if mask_ends.windows(2).any(|w| w[0] > w[1]) || exc_ends.windows(2).any(|w| w[0] > w[1]) {
            return (Vec::new(), Vec::new());
        }
        let fast = |ends: &[u64]| -> Vec<u64> {
            let mut out = Vec::with_capacity(count);
            let mut i = 0;
            for k in 0..count as u64 {
                while i < ends.len() && ends[i] <= k * bb {
                    i += 1;
                }
                out.push(i as u64);
            }
            out
        };
        (fast(&mask_ends), fast(&exc_ends))
    }

    /// One pass over every code: [R2] [R8] [R9] [R10] [E3] [M3] [S2] [C1].
    fn stream(&self, v: &mut V<'_>) {
        let bb = self.h.block_bases as u64;
        let (b, o) = (self.b, self.o);
        let si = Some(kind::SEQUENCE_INDEX);
        let refget = self.h.flags & spec::SEQUENCE_FLAG_REFGET != 0;
        let summary = self
            .summary
            .filter(|s| s.length == self.h.stream_len.div_ceil(512).div_ceil(64) * 8);
        let mut rec = 0usize;
        let mut pos = 0u64; // position in the current record
        let mut state = RecordState::new(refget);
        let mut codes = Vec::with_capacity(bb as usize);
        for k in 0..self.h.block_count {
            let at = self.bidx.offset + k * 48;
            let e = BlockEntry::decode(&b[at as usize..at as usize + 48], o);
            let pb = plane_bytes(e.bases as u64) as usize;
            let base = (self.blocks.offset + e.offset) as usize;
            // block_index checked every block, and a zstd one decodes.
            let raw = match e.encoding {
                spec::ENCODING_ZSTD => std::borrow::Cow::Owned(
                    crate::sequence::decompress_block(&b[base..base + e.stored_len as usize], 3 * pb)
                        .unwrap_or_else(|_| vec![0; 3 * pb]),
                ),
                _ => std::borrow::Cow::Borrowed(&b[base..base + 3 * pb]),
            };
            let p2 = &raw[2 * pb..3 * pb];
            if let Some(sm) = summary {
                for (l, line) in p2.chunks_exact(64).enumerate() {
                    let g = k * bb / 512 + l as u64;
                    let bit = b[(sm.offset + g / 8) as usize] >> (g % 8) & 1 != 0;
                    if bit != line.iter().any(|&x| x != 0) {
                        v.format(
                            "S2",
                            Some(sm.kind),
                            sm.offset + g / 8,
                            format!("bit of line {g} does not match plane 2"),
                        );
                    }
                }
            }
            // SPEC §9: code 6 becomes the base it stands for; [RF5] and
            // [RF6] are reported here, once per block.
            let raw = match &self.refs {
                Some((refs, attached)) => {
                    match escape::resolve(&raw, pb, k * bb, refs, attached.as_ref(), self.blocks.offset) {
                        Ok(Some(resolved)) => std::borrow::Cow::Owned(resolved),
                        Ok(None) => raw,
                        Err(_) if attached.is_err() => raw,
                        Err(err) => {
                            let (label, class) = match err.kind() {
                                crate::ErrorKind::Format => ("RF5", Class::Format),
                                crate::ErrorKind::Mismatch => ("RF6", Class::Mismatch),
                                _ => ("RF6", Class::Unsupported),
                            };
                            v.add(
                                label,
                                class,
                                Some(kind::BLOCKS),
                                self.blocks.offset + e.offset,
                                err.message().into(),
                            );
                            raw
                        }
                    }
                }
                None => raw,
            };
            let (p0, p1, p2) = (&raw[..pb], &raw[pb..2 * pb], &raw[2 * pb..3 * pb]);
            codes.clear();
            for j in 0..pb {
                codes.extend_from_slice(&codes8(p0[j], p1[j], p2[j]).to_le_bytes());
            }
            codes.truncate(e.bases as usize);
            for &c in &codes {
                let Some(r) = self.records.get(rec) else { return };
                if pos == r.length {
                    if c != code::END {
                        v.format(
                            "R2",
                            si,
                            self.record_at(rec),
                            format!("record {rec}: code {c} where END belongs"),
                        );
                    }
                    self.finish_record(v, rec, state);
                    state = RecordState::new(refget);
                    rec += 1;
                    pos = 0;
                    continue;
                }
                let letter = match c {
                    code::END => {
                        v.format(
                            "R2",
                            si,
                            self.record_at(rec),
                            format!("record {rec}: END code at position {pos}"),
                        );
                        b'?'
                    }
                    code::REFERENCE if self.refs.is_some() => b'?',
                    code::REFERENCE => {
                        v.add(
                            "C1",
                            Class::Unsupported,
                            Some(kind::BLOCKS),
                            self.blocks.offset + e.offset,
                            format!("record {rec} position {pos} is reference-escaped"),
                        );
                        b'?'
                    }
                    code::N => {
                        state.n += 1;
                        b'N'
                    }
                    _ => DECODE[c as usize],
                };
                let letter = match self.exc_arr[rec] {
                    Some(a) => self.nibble_at(v, rec, a, pos, c).unwrap_or(letter),
                    None => self.exception_at(v, rec, pos, c, &mut state).unwrap_or(letter),
                };
                if let Some(a) = self.mask_arr[rec] {
                    if letter == b'-' && (b[(a + pos / 8) as usize] >> (pos % 8)) & 1 == 1 {
                        v.format(
                            "DF5",
                            Some(kind::MASK_BITMAP),
                            a + pos / 8,
                            format!("record {rec}: masked '-' at {pos}"),
                        );
                    }
                } else if self.masks_ok[rec] && letter == b'-' && self.masked(rec, pos, &mut state) {
                    v.format(
                        "M3",
                        Some(kind::MASKS),
                        self.masks.offset,
                        format!("record {rec}: masked '-' at {pos}"),
                    );
                }
                state.letter(letter);
                pos += 1;
            }
        }
    }

    /// SPEC §9: REFERENCES ([RF1]-[RF4], [RF7], runs inside one sequence
    /// for [RF5]) and its reference ([RF6]), which `stream` then uses.
    fn references(&mut self, v: &mut V<'_>, e: &DirectoryEntry, group: u32) {
        let s = Some(kind::REFERENCES);
        if e.group != group {
            v.format(
                "RF7",
                s,
                e.offset,
                format!("group {} is not the sequence set's {group}", e.group),
            );
        }
        let Some(range) = u64_range(e.offset, e.length, self.b.len() as u64) else {
            return;
        };
        let mut found = Vec::new();
        let mut collect = |label: &'static str, at: u64, msg: String| {
            found.push((label, at, msg));
            Ok(())
        };
        let decoded = References::decode(&self.b[range], self.o, e.offset, self.h.stream_len, &mut collect);
        for (label, at, msg) in found {
            if label == "RF4" {
                v.reserved(label, s, at, true, &msg);
            } else {
                v.format(label, s, at, msg);
            }
        }
        let Ok(Some(refs)) = decoded else {
            return;
        };
        for (k, r) in refs.runs.iter().enumerate() {
            let i = self.records.partition_point(|x| x.start <= r.start);
            let inside = i > 0 && {
                let x = &self.records[i - 1];
                r.end() <= x.start + x.length
            };
            if !inside {
                v.format(
                    "RF5",
                    s,
                    e.offset,
                    format!("run {k} [{}, +{}) is not inside one sequence", r.start, r.length),
                );
            }
        }
        let attached = escape::attach(&refs, v.paths.0, v.paths.1);
        if let Err(err) = &attached {
            let class = match err.kind() {
                crate::ErrorKind::Mismatch => Class::Mismatch,
                _ => Class::Unsupported,
            };
            v.add("RF6", class, s, e.offset, err.message().into());
        }
        self.refs = Some((refs, attached));
    }

    /// The exception letter at `pos` of record `rec`; reports [E3] where
    /// runs and code-7 positions disagree.
    fn exception_at(&self, v: &mut V<'_>, rec: usize, pos: u64, c: u8, st: &mut RecordState) -> Option<u8> {
        if !self.exc_ok[rec] {
            return None;
        }
        let r = &self.records[rec];
        while st.exc < r.exception_count && self.exception(r.exception_first + st.exc).end() <= pos {
            st.exc += 1;
        }
        let run = (st.exc < r.exception_count)
            .then(|| self.exception(r.exception_first + st.exc))
            .filter(|x| x.start <= pos);
        match (run, c == code::EXCEPTION) {
            (Some(x), true) => Some(x.letter),
            (None, true) => {
                v.format(
                    "E3",
                    Some(kind::EXCEPTIONS),
                    self.exc.offset,
                    format!("record {rec} position {pos} has code 7 and no run"),
                );
                Some(b'?')
            }
            (Some(_), false) => {
                v.format(
                    "E3",
                    Some(kind::EXCEPTIONS),
                    self.exc.offset,
                    format!("record {rec} position {pos} is in a run but has code {c}"),
                );
                None
            }
            (None, false) => None,
        }
    }

    /// The letter of nibble array `a` at `pos`; reports [DF6] where
    /// nibbles and code-7 positions disagree.
    fn nibble_at(&self, v: &mut V<'_>, rec: usize, a: u64, pos: u64, c: u8) -> Option<u8> {
        let x = (self.b[(a + pos / 2) as usize] >> (4 * (pos % 2))) & 15;
        let at = a + pos / 2;
        match (x, c == code::EXCEPTION) {
            (1..=12, true) => Some(spec::EXCEPTION_LETTERS[x as usize - 1]),
            (0, true) => {
                v.format(
                    "DF6",
                    Some(kind::EXCEPTION_NIBBLES),
                    at,
                    format!("record {rec} position {pos} has code 7 and nibble 0"),
                );
                Some(b'?')
            }
            (1.., false) => {
                v.format(
                    "DF6",
                    Some(kind::EXCEPTION_NIBBLES),
                    at,
                    format!("record {rec} position {pos} has nibble {x} but code {c}"),
                );
                None
            }
            (0, false) => None,
            _ => Some(b'?'),
        }
    }

    fn masked(&self, rec: usize, pos: u64, st: &mut RecordState) -> bool {
        let r = &self.records[rec];
        while st.mask < r.mask_count && self.mask(r.mask_first + st.mask).end <= pos {
            st.mask += 1;
        }
        st.mask < r.mask_count && self.mask(r.mask_first + st.mask).start <= pos
    }

    fn finish_record(&self, v: &mut V<'_>, rec: usize, st: RecordState) {
        let r = &self.records[rec];
        let at = self.record_at(rec);
        let si = Some(kind::SEQUENCE_INDEX);
        if st.n != r.n_count {
            v.format(
                "R8",
                si,
                at + 72,
                format!("record {rec}: n_count {}, counted {}", r.n_count, st.n),
            );
        }
        let (md5, sha) = st.finish();
        // SPEC §9: without its reference ([RF6], reported once) an escaped
        // file's digests cannot be recomputed.
        if self.refs.as_ref().is_some_and(|(_, a)| a.is_err()) {
            return;
        }
        if md5 != r.md5 {
            v.format(
                "R9",
                si,
                at + 80,
                format!("record {rec}: md5 does not match the sequence"),
            );
        }
        if let Some(sha) = sha {
            if sha != r.refget {
                v.format(
                    "R10",
                    si,
                    at + 96,
                    format!("record {rec}: refget does not match the sequence"),
                );
            }
        }
    }
}

/// Running state of the record being decoded.
struct RecordState {
    n: u64,
    exc: u64,
    mask: u64,
    buf: Vec<u8>,
    md5: Md5,
    sha: Option<Sha512>,
}

impl RecordState {
    fn new(refget: bool) -> Self {
        RecordState {
            n: 0,
            exc: 0,
            mask: 0,
            buf: Vec::new(),
            md5: Md5::new(),
            sha: refget.then(Sha512::new),
        }
    }

    fn letter(&mut self, l: u8) {
        self.buf.push(l);
        if self.buf.len() >= 1 << 16 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.md5.update(&self.buf);
        if let Some(s) = self.sha.as_mut() {
            s.update(&self.buf);
        }
        self.buf.clear();
    }

    fn finish(mut self) -> ([u8; 16], Option<[u8; 24]>) {
        self.flush();
        let sha = self.sha.map(|s| {
            let mut d = [0u8; 24];
            d.copy_from_slice(&s.finalize()[..24]);
            d
        });
        (self.md5.finalize().into(), sha)
    }
}
