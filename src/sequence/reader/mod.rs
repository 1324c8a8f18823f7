//! Memory-mapped, zero-copy reading of sequences (SPEC §5–6).

mod blocks;
mod fetch;
mod masks;
mod sections;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use self::sections::Layout;
use super::block::BlockCache;
use super::escape::{self, Attached, References};
use super::layout::{IndexHeader, Record};
use crate::container::{checksum, from_bytes, ByteOrder, Container, Data};
use crate::error::{Error, ErrorKind, Result};
use crate::spec::{self, kind};

/// One sequence's directory record, with its name borrowed from the file.
#[derive(Debug, Clone, Copy)]
pub struct Sequence<'a> {
    /// Position in the file (0-based).
    pub index: usize,
    /// The name: the header line up to the first space or tab.
    pub name: &'a [u8],
    /// The whole header line without '>'.
    pub header: &'a [u8],
    /// The decoded record.
    pub record: Record,
}

impl<'a> Sequence<'a> {
    /// The description: the header line after the name and one separator.
    pub fn description(&self) -> &'a [u8] {
        let end = self.record.name_start as usize + self.name.len();
        self.header.get(end + 1..).unwrap_or(&[])
    }

    /// Number of bases.
    pub fn len(&self) -> u64 {
        self.record.length
    }

    /// Whether the sequence has no bases.
    pub fn is_empty(&self) -> bool {
        self.record.length == 0
    }

    /// The name as text (lossy for non-UTF-8 names).
    pub fn name_str(&self) -> std::borrow::Cow<'a, str> {
        String::from_utf8_lossy(self.name)
    }
}

/// Reads a tribit file from a memory map or from bytes.
///
/// Opening checks the header, the directory and the checksum of every
/// metadata section; a block's checksum is checked the first time the block
/// is read (see [`Reader::set_verify_blocks`]). Every offset and length read
/// from the file is bounds-checked before it is used.
pub struct Reader {
    data: Arc<Data>,
    container: Container,
    layout: Option<Layout>,
    verify_blocks: bool,
    verified: Vec<AtomicU64>,
    /// One bit per record: its mask and exception runs passed SPEC §6.5's
    /// checks ([`Reader::check_runs`]).
    runs_checked: Vec<AtomicU64>,
    cache: BlockCache,
    path: Option<PathBuf>,
    /// The attached reference (SPEC §9) of a file with REFERENCES, or why
    /// it could not be attached; None when the file has no REFERENCES or
    /// the reader was opened without attaching one.
    reference: Option<Result<Attached>>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("path", &self.path)
            .field("sequences", &self.len())
            .finish()
    }
}

impl Reader {
    /// Memory-maps and opens the file at `path`. A reference-escaped file
    /// (SPEC §9) gets its reference from the path recorded in it (relative
    /// to the file's folder, then as recorded); a missing or different
    /// reference fails the open.
    pub fn open(path: impl AsRef<Path>) -> Result<Reader> {
        Reader::open_with_reference(path, None::<&Path>)
    }

    /// Like [`Reader::open`], with the reference of a reference-escaped
    /// file (SPEC §9) at `reference` instead of the recorded path when
    /// given. A file without escapes ignores it.
    pub fn open_with_reference(path: impl AsRef<Path>, reference: Option<impl AsRef<Path>>) -> Result<Reader> {
        let mut r = Reader::open_lenient(path, reference)?;
        match r.reference.take() {
            Some(Err(e)) => Err(e.in_file(r.path.clone().unwrap_or_default())),
            other => {
                r.reference = other;
                Ok(r)
            }
        }
    }

    /// Like [`Reader::open_with_reference`], but a reference that cannot
    /// be attached does not fail the open: reading an escaped position
    /// fails instead, with the reason ([`Reader::reference_error`]). For
    /// tools that describe or check a file (`info`, `validate`).
    pub fn open_lenient(path: impl AsRef<Path>, reference: Option<impl AsRef<Path>>) -> Result<Reader> {
        let path = path.as_ref();
        let mut r = Reader::open_unattached(path)?;
        r.attach(reference.as_ref().map(|p| p.as_ref()));
        Ok(r)
    }

    /// Opens `path` without attaching a reference.
    pub(crate) fn open_unattached(path: &Path) -> Result<Reader> {
        let data = Data::map(path)?;
        let mut r = Reader::from_data(data).map_err(|e| e.in_file(path))?;
        r.path = Some(path.to_path_buf());
        Ok(r)
    }

    /// Opens a file held in memory. A reference-escaped file looks for its
    /// reference at the recorded path, as [`Reader::open_lenient`] does.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Reader> {
        let mut r = Reader::from_data(Data::Owned(bytes))?;
        r.attach(None);
        Ok(r)
    }

    /// Opens a file held in memory with its reference at `reference`
    /// (SPEC §9); a missing or different reference fails.
    pub fn from_bytes_with_reference(bytes: Vec<u8>, reference: &Path) -> Result<Reader> {
        let mut r = Reader::from_data(Data::Owned(bytes))?;
        r.attach(Some(reference));
        match r.reference.take() {
            Some(Err(e)) => Err(e),
            other => {
                r.reference = other;
                Ok(r)
            }
        }
    }

    /// Attaches the reference of a file with REFERENCES (SPEC §9).
    fn attach(&mut self, explicit: Option<&Path>) {
        if let Some(refs) = self.layout.as_ref().and_then(|l| l.references.clone()) {
            self.reference = Some(escape::attach(&refs, self.path.as_deref(), explicit));
        }
    }

    /// The file's REFERENCES section (SPEC §9), when it has one.
    pub fn references(&self) -> Option<&References> {
        self.layout.as_ref().and_then(|l| l.references.as_deref())
    }

    /// Where the attached reference was found, when one is attached.
    pub fn reference_path(&self) -> Option<&Path> {
        match &self.reference {
            Some(Ok(a)) => Some(&a.path),
            _ => None,
        }
    }

    /// Why the reference of a reference-escaped file is not attached.
    pub fn reference_error(&self) -> Option<&Error> {
        match &self.reference {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }

    fn from_data(data: Data) -> Result<Reader> {
        let container = Container::parse(data.bytes())?;
        let layout = Self::layout(&container, data.bytes())?;
        let blocks = layout.as_ref().map_or(0, |l| l.header.block_count as usize);
        let verified = (0..blocks.div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
        let records = layout.as_ref().map_or(0, |l| l.header.sequence_count as usize);
        let runs_checked = (0..records.div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
        Ok(Reader {
            data: Arc::new(data),
            container,
            layout,
            verify_blocks: true,
            verified,
            runs_checked,
            cache: BlockCache::default(),
            path: None,
            reference: None,
        })
    }

    /// Whether to check each block's checksum the first time it is read (on
    /// by default). A check costs about one pass over the block's bytes.
    pub fn set_verify_blocks(&mut self, on: bool) {
        self.verify_blocks = on;
    }

    /// Declares that reads will be few and scattered (region fetches), so
    /// the operating system maps less around each one.
    pub fn advise_random(&self) {
        self.data.advise_random();
    }

    /// The parsed header and directory.
    pub fn container(&self) -> &Container {
        &self.container
    }

    /// The byte order of the file.
    pub fn byte_order(&self) -> ByteOrder {
        self.container.order
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.data.bytes()
    }

    /// The file's bytes as a shared handle, for views that outlive a
    /// borrow of the reader (the [`crate::File`] facade's tables).
    pub fn data(&self) -> &Arc<Data> {
        &self.data
    }

    /// The path the file was opened from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The sequence index header, if the file has sequences.
    pub fn index_header(&self) -> Option<&IndexHeader> {
        self.layout.as_ref().map(|l| &l.header)
    }

    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.layout.as_ref().map_or(0, |l| l.header.sequence_count as usize)
    }

    /// Whether the file holds no sequence.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lay(&self) -> Result<&Layout> {
        self.layout
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "the file holds no sequences"))
    }

    /// The record of sequence `i`, checked against the sections it points into.
    pub fn sequence(&self, i: usize) -> Result<Sequence<'_>> {
        let l = self.lay()?;
        let h = &l.header;
        if i as u64 >= h.sequence_count {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("sequence index {i} is out of range: the file has {}", h.sequence_count),
            ));
        }
        let rl = h.record_len as usize;
        let at = l.records.start + i * rl;
        let bytes = self.data.bytes();
        let r: Record = from_bytes(
            &bytes[at..at + 128],
            self.container.order,
            Some(kind::SEQUENCE_INDEX),
            at as u64,
        )?;
        let bad = |msg: String| {
            Err(Error::format(
                Some(kind::SEQUENCE_INDEX),
                at as u64,
                format!("record {i}: {msg}"),
            ))
        };
        let names = &bytes[l.names.clone()];
        let hend = r.header_offset.checked_add(r.header_len as u64);
        let name_end = r.name_start as u64 + r.name_len as u64;
        if hend.is_none_or(|e| e > names.len() as u64) || r.name_len == 0 || name_end > r.header_len as u64 {
            return bad(format!(
                "header at {} length {} (name length {}) lies outside SEQUENCE_NAMES ({} bytes)",
                r.header_offset,
                r.header_len,
                r.name_len,
                names.len()
            ));
        }
        if r.start.checked_add(r.length).is_none_or(|e| e >= h.stream_len) {
            return bad(format!(
                "bases [{}, +{}) lie outside the {}-position stream",
                r.start, r.length, h.stream_len
            ));
        }
        let masks = (l.masks.len() / 16) as u64;
        let excs = (l.exceptions.len() / 16) as u64;
        if r.mask_first.checked_add(r.mask_count).is_none_or(|e| e > masks) {
            return bad(format!(
                "mask runs {}+{} exceed the {masks} in MASKS",
                r.mask_first, r.mask_count
            ));
        }
        if r.exception_first
            .checked_add(r.exception_count)
            .is_none_or(|e| e > excs)
        {
            return bad(format!(
                "exception runs {}+{} exceed the {excs} in EXCEPTIONS",
                r.exception_first, r.exception_count
            ));
        }
        if r.flags & spec::RECORD_FLAG_NO_FINAL_NEWLINE != 0 && i + 1 != h.sequence_count as usize {
            return bad(
                "flag bit 0 (no line ending after the last line) is set, but this is not the last record [R11]".into(),
            );
        }
        let hs = r.header_offset as usize;
        let header = &names[hs..hs + r.header_len as usize];
        Ok(Sequence {
            index: i,
            name: &header[r.name_start as usize..name_end as usize],
            header,
            record: r,
        })
    }

    /// Every sequence in file order.
    pub fn sequences(&self) -> impl Iterator<Item = Result<Sequence<'_>>> + '_ {
        (0..self.len()).map(move |i| self.sequence(i))
    }

    /// The index of the sequence named `name`: one hash probe sequence, not a scan (SPEC §6.2).
    pub fn find(&self, name: &[u8]) -> Result<Option<usize>> {
        let Some(l) = self.layout.as_ref() else {
            return Ok(None);
        };
        let o = self.container.order;
        let slots = &self.data.bytes()[l.hash_slots.clone()];
        let h = checksum(name);
        let mask = l.slot_count - 1;
        let mut s = h & mask;
        for _ in 0..l.slot_count {
            let at = (s * spec::NAME_HASH_SLOT_LEN) as usize;
            let rec = o.u64_at(slots, at + 8);
            if rec == spec::NAME_HASH_EMPTY {
                return Ok(None);
            }
            if o.u64_at(slots, at) == h {
                let seq = self.sequence(usize::try_from(rec).unwrap_or(usize::MAX)).map_err(|_| {
                    Error::format(
                        Some(kind::SEQUENCE_NAME_HASH),
                        (l.hash_slots.start + at) as u64,
                        format!("slot {s} points at record {rec}, which does not exist"),
                    )
                })?;
                if seq.name == name {
                    return Ok(Some(rec as usize));
                }
            }
            s = (s + 1) & mask;
        }
        Err(Error::format(
            Some(kind::SEQUENCE_NAME_HASH),
            l.hash_slots.start as u64,
            "name hash table has no empty slot",
        ))
    }
}
