//! Memory-mapped, zero-copy reading of sequences (SPEC §5–6).

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::block::{decompress, BlockCache, BlockPlanes};
use super::codes::{codes8, DECODE, PLACEHOLDER_END, PLACEHOLDER_EXCEPTION, PLACEHOLDER_REFERENCE};
use super::escape::{self, Attached, References};
use super::layout::{plane_bytes, BlockEntry, ExceptionRun, IndexHeader, MaskRun, Record};
use crate::container::{checksum, from_bytes, ByteOrder, Container, Data, DirectoryEntry};
use crate::error::{section_name, Error, ErrorKind, Result};
use crate::spec::{self, kind};

/// Where the sequence sections lie, checked once at open.
#[derive(Debug, Clone)]
struct Layout {
    header: IndexHeader,
    records: Range<usize>,
    names: Range<usize>,
    hash_slots: Range<usize>,
    slot_count: u64,
    block_index: Range<usize>,
    blocks: Range<usize>,
    blocks_offset: u64,
    masks: Range<usize>,
    exceptions: Range<usize>,
    summary: Option<Range<usize>>,
    /// MASK_BITMAP (SPEC §6.6), when present.
    mask_bitmap: Option<Range<usize>>,
    /// EXCEPTION_NIBBLES (SPEC §6.6), when present.
    exception_nibbles: Option<Range<usize>>,
    /// REFERENCES (SPEC §9), decoded, when present.
    references: Option<Arc<References>>,
}

/// Which dense form (SPEC §6.6).
#[derive(Clone, Copy)]
enum DenseKind {
    Mask,
    Exception,
}

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

fn range_of(e: &DirectoryEntry) -> Range<usize> {
    e.offset as usize..(e.offset + e.length) as usize
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
        Ok(Reader {
            data: Arc::new(data),
            container,
            layout,
            verify_blocks: true,
            verified,
            cache: BlockCache::default(),
            path: None,
            reference: None,
        })
    }

    /// Checks the sequence sections' presence, checksums and sizes.
    fn layout(c: &Container, bytes: &[u8]) -> Result<Option<Layout>> {
        let kinds = spec::SEQUENCE_SET;
        let mut found = Vec::with_capacity(kinds.len());
        for k in kinds {
            found.push(c.find(k)?);
        }
        if found.iter().all(|e| e.is_none()) {
            for k in [kind::MASK_BITMAP, kind::EXCEPTION_NIBBLES, kind::REFERENCES] {
                if let Some(e) = c.find(k)? {
                    return Err(Error::format(
                        Some(k),
                        e.offset,
                        format!("the file has a {} but no sequence set", section_name(k)),
                    ));
                }
            }
            return Ok(None);
        }
        let mut es = Vec::with_capacity(kinds.len());
        for (k, e) in kinds.iter().zip(&found) {
            match e {
                Some(e) => es.push(**e),
                None => {
                    return Err(Error::format(
                        None,
                        c.header.directory_offset,
                        format!("the file has sequence sections but no {}", section_name(*k)),
                    ))
                }
            }
        }
        let [idx, names, hash, bidx, blocks, masks, exc] = [es[0], es[1], es[2], es[3], es[4], es[5], es[6]];
        // The metadata sections are small: verify them now. BLOCKS is
        // verified block by block, on first touch.
        for e in [&idx, &names, &hash, &bidx, &masks, &exc] {
            c.verified(bytes, e)?;
        }
        let o = c.order;
        let ib = &bytes[range_of(&idx)];
        if (ib.len() as u64) < spec::SEQUENCE_INDEX_HEADER_LEN {
            return Err(Error::format(
                Some(idx.kind),
                idx.offset,
                "SEQUENCE_INDEX is shorter than its 64-byte header",
            ));
        }
        let h: IndexHeader = from_bytes(&ib[..64], o, Some(idx.kind), idx.offset)?;
        let fail = |field: u64, msg: String| Err(Error::format(Some(kind::SEQUENCE_INDEX), idx.offset + field, msg));
        if h.record_len < spec::SEQUENCE_RECORD_LEN {
            return fail(20, format!("record_len {} is less than 128", h.record_len));
        }
        if h.block_bases == 0 || !(h.block_bases as u64).is_multiple_of(spec::PLANE_LINE_BASES) {
            return fail(
                16,
                format!("block_bases {} is not a positive multiple of 512", h.block_bases),
            );
        }
        if h.block_count != h.stream_len.div_ceil(h.block_bases as u64) {
            return fail(
                24,
                format!(
                    "block_count {} does not match stream_len {} / block_bases {}",
                    h.block_count, h.stream_len, h.block_bases
                ),
            );
        }
        let want = h
            .sequence_count
            .checked_mul(h.record_len as u64)
            .and_then(|n| n.checked_add(64));
        if want != Some(idx.length) {
            return fail(
                0,
                format!(
                    "{} records of {} bytes do not fill the {}-byte section",
                    h.sequence_count, h.record_len, idx.length
                ),
            );
        }
        if h.stream_len < h.sequence_count {
            return fail(
                8,
                format!("stream_len {} is less than the sequence count", h.stream_len),
            );
        }
        if Some(bidx.length) != h.block_count.checked_mul(spec::BLOCK_ENTRY_LEN) {
            return Err(Error::format(
                Some(bidx.kind),
                bidx.offset,
                format!(
                    "BLOCK_INDEX is {} bytes; {} blocks need {}",
                    bidx.length,
                    h.block_count,
                    h.block_count * 32
                ),
            ));
        }
        for (e, unit) in [(&masks, spec::MASK_ENTRY_LEN), (&exc, spec::EXCEPTION_ENTRY_LEN)] {
            if e.length % unit != 0 {
                return Err(Error::format(
                    Some(e.kind),
                    e.offset,
                    format!(
                        "{} length {} is not a multiple of {unit}",
                        section_name(e.kind),
                        e.length
                    ),
                ));
            }
        }
        let hb = &bytes[range_of(&hash)];
        if (hb.len() as u64) < spec::NAME_HASH_HEADER_LEN {
            return Err(Error::format(
                Some(hash.kind),
                hash.offset,
                "SEQUENCE_NAME_HASH is shorter than its header",
            ));
        }
        let slot_count = o.u64_at(hb, 0);
        let slots_len = slot_count.checked_mul(spec::NAME_HASH_SLOT_LEN);
        if !slot_count.is_power_of_two()
            || slot_count <= h.sequence_count
            || slots_len.and_then(|l| l.checked_add(16)) != Some(hash.length)
        {
            return Err(Error::format(
                Some(hash.kind),
                hash.offset,
                format!(
                    "slot_count {slot_count} must be a power of two above the sequence count {} and fill the {}-byte section",
                    h.sequence_count, hash.length
                ),
            ));
        }
        let summary = match c.find(kind::NONACGT_SUMMARY)? {
            Some(e) => {
                let lines = h.stream_len.div_ceil(spec::PLANE_LINE_BASES);
                if e.length != lines.div_ceil(8).div_ceil(8) * 8 {
                    return Err(Error::format(
                        Some(e.kind),
                        e.offset,
                        format!(
                            "NONACGT_SUMMARY is {} bytes; {lines} lines need {}",
                            e.length,
                            lines.div_ceil(64) * 8
                        ),
                    ));
                }
                c.verified(bytes, e)?;
                Some(range_of(e))
            }
            None => None,
        };
        let mut dense = [None, None];
        for (slot, k) in dense.iter_mut().zip([kind::MASK_BITMAP, kind::EXCEPTION_NIBBLES]) {
            if let Some(e) = c.find(k)? {
                let table = h.sequence_count.checked_mul(spec::DENSE_ENTRY_LEN);
                if table.is_none_or(|t| t > e.length) {
                    return Err(Error::format(
                        Some(k),
                        e.offset,
                        format!(
                            "{} is {} bytes, shorter than its table of {} sequences",
                            section_name(k),
                            e.length,
                            h.sequence_count
                        ),
                    ));
                }
                c.verified(bytes, e)?;
                *slot = Some(range_of(e));
            }
        }
        let [mask_bitmap, exception_nibbles] = dense;
        // SPEC §9: REFERENCES, checked at open ([RF1]-[RF3]); reserved
        // bytes ([RF4]) are ignored, as §13.1 rule 5 says of every reader.
        let references = match c.find(kind::REFERENCES)? {
            Some(e) => {
                c.verified(bytes, e)?;
                let mut stop = |label: &'static str, at: u64, msg: String| match label {
                    "RF4" => Ok(()),
                    _ => Err(Error::format(Some(kind::REFERENCES), at, msg)),
                };
                References::decode(&bytes[range_of(e)], o, e.offset, h.stream_len, &mut stop)?.map(Arc::new)
            }
            None => None,
        };
        let ir = range_of(&idx);
        Ok(Some(Layout {
            references,
            mask_bitmap,
            exception_nibbles,
            header: h,
            records: ir.start + 64..ir.end,
            names: range_of(&names),
            hash_slots: range_of(&hash).start + 16..range_of(&hash).end,
            slot_count,
            block_index: range_of(&bidx),
            blocks: range_of(&blocks),
            blocks_offset: blocks.offset,
            masks: range_of(&masks),
            exceptions: range_of(&exc),
            summary,
        }))
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

    /// The entry and stored bytes of block `b`, its checksum checked as
    /// `check` says (SPEC §2.4 step 23, §5.1, §5.3).
    fn block_checked(&self, l: &Layout, b: u64, check: Check) -> Result<(BlockEntry, &[u8])> {
        let at = l.block_index.start + (b * spec::BLOCK_ENTRY_LEN) as usize;
        let bytes = self.data.bytes();
        let e = BlockEntry::decode(&bytes[at..at + spec::BLOCK_ENTRY_LEN as usize], self.container.order);
        let bb = l.header.block_bases as u64;
        let want = bb.min(l.header.stream_len - b * bb);
        let bad = |msg: String| {
            Err(Error::format(
                Some(kind::BLOCK_INDEX),
                at as u64,
                format!("block {b}: {msg}"),
            ))
        };
        let zstd = match e.encoding {
            spec::ENCODING_RAW => false,
            spec::ENCODING_ZSTD => true,
            _ => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "block {b} has encoding {}, which this reader does not implement",
                        e.encoding
                    ),
                )
                .at_byte(Some(kind::BLOCK_INDEX), at as u64))
            }
        };
        if e.bases as u64 != want {
            return bad(format!("holds {} positions, expected {want}", e.bases));
        }
        if zstd && e.stored_len == 0 {
            return bad("zstd block has stored length 0".into());
        }
        if !zstd && e.stored_len != 3 * plane_bytes(want) {
            return bad(format!(
                "stored length {} is not 3 planes of {} bytes",
                e.stored_len,
                plane_bytes(want)
            ));
        }
        let end = e.offset.checked_add(e.stored_len);
        // SPEC §5.1 [BI1]: raw blocks start at a multiple of 64; zstd
        // blocks (SPEC §5.3) anywhere.
        if (!zstd && !e.offset.is_multiple_of(64)) || end.is_none_or(|x| x > l.blocks.len() as u64) {
            return bad(format!(
                "bytes [{}, +{}) are unaligned or outside the {}-byte BLOCKS section",
                e.offset,
                e.stored_len,
                l.blocks.len()
            ));
        }
        let s = l.blocks.start + e.offset as usize;
        let data = &bytes[s..s + e.stored_len as usize];
        if check != Check::Never {
            let (w, bit) = ((b / 64) as usize, 1u64 << (b % 64));
            if check == Check::Always || self.verified[w].load(Ordering::Relaxed) & bit == 0 {
                let got = checksum(data);
                if !crate::container::checksum_matches(e.checksum, got) {
                    return Err(Error::new(
                        ErrorKind::Checksum,
                        format!(
                            "block {b} checksum mismatch: stored {:016x}, computed {got:016x}",
                            e.checksum
                        ),
                    )
                    .at_byte(Some(kind::BLOCKS), l.blocks_offset + e.offset));
                }
                self.verified[w].fetch_or(bit, Ordering::Relaxed);
            }
        }
        Ok((e, data))
    }

    /// The three planes of block `b` (for scanners): plane k is bit k of
    /// each code. A zstd block is decompressed (SPEC §5.3), without the
    /// cache that region fetches use.
    pub fn block_planes(&self, b: u64) -> Result<BlockPlanes<'_>> {
        self.planes_checked(b, if self.verify_blocks { Check::Once } else { Check::Never }, false)
    }

    /// The three planes of block `b`, bounds checked but not checksummed:
    /// for scanners that call [`Reader::recheck_block`] once they have read
    /// them, so that what they read is what the checksum covered. A zstd
    /// block is checksummed before it is decompressed all the same: its
    /// planes are a copy, which a later change of the file cannot alter.
    pub fn block_planes_unchecked(&self, b: u64) -> Result<BlockPlanes<'_>> {
        self.planes_checked(b, Check::Never, false)
    }

    /// Checks the checksum of block `b` now, even if it was checked before,
    /// when the reader verifies blocks ([`Reader::set_verify_blocks`]).
    /// A scan calls it after reading a block: a file rewritten in place
    /// while it is read (which SPEC §13.1 forbids of writers, but another
    /// program may do) then fails the scan instead of being counted.
    pub fn recheck_block(&self, b: u64) -> Result<()> {
        if self.verify_blocks {
            let l = self.lay()?;
            if b >= l.header.block_count {
                return Err(Error::new(ErrorKind::Range, format!("block {b} is out of range")));
            }
            self.block_checked(l, b, Check::Always)?;
        }
        Ok(())
    }

    /// Whether block checksums are checked.
    pub fn verifies_blocks(&self) -> bool {
        self.verify_blocks
    }

    /// The block index entry of block `b` (SPEC §5.1), unchecked: its
    /// encoding, stored length and checksum as the file says.
    pub fn block_entry(&self, b: u64) -> Result<BlockEntry> {
        let l = self.lay()?;
        if b >= l.header.block_count {
            return Err(Error::new(ErrorKind::Range, format!("block {b} is out of range")));
        }
        let at = l.block_index.start + (b * spec::BLOCK_ENTRY_LEN) as usize;
        let e = &self.data.bytes()[at..at + spec::BLOCK_ENTRY_LEN as usize];
        Ok(BlockEntry::decode(e, self.container.order))
    }

    /// Number of zstd blocks this reader has decompressed (SPEC §5.3):
    /// region fetches decompress only the blocks they touch, once while
    /// a block stays in the reader's small cache.
    pub fn decompressions(&self) -> u64 {
        self.cache.decompressions()
    }

    fn planes_checked(&self, b: u64, check: Check, cached: bool) -> Result<BlockPlanes<'_>> {
        let l = self.lay()?;
        if b >= l.header.block_count {
            return Err(Error::new(ErrorKind::Range, format!("block {b} is out of range")));
        }
        self.planes_in(l, b, check, cached)
    }

    fn planes_in(&self, l: &Layout, b: u64, check: Check, cached: bool) -> Result<BlockPlanes<'_>> {
        let zstd_check = if self.verify_blocks { Check::Once } else { Check::Never };
        if cached {
            if let Some(hit) = self.cache.get(b) {
                let pb = hit.len() / 3;
                return Ok(BlockPlanes::owned(hit, pb));
            }
        }
        let (e, data) = self.block_checked(l, b, check)?;
        let pb = plane_bytes(e.bases as u64) as usize;
        if e.encoding == spec::ENCODING_RAW {
            return match self.resolved(l, b, data, pb)? {
                None => Ok(BlockPlanes::mapped(data, pb)),
                Some(v) => {
                    let v = Arc::new(v);
                    if cached {
                        self.cache.put(b, v.clone());
                    }
                    Ok(BlockPlanes::owned(v, pb))
                }
            };
        }
        if check == Check::Never && zstd_check != Check::Never {
            self.block_checked(l, b, zstd_check)?;
        }
        let raw = decompress(data, 3 * pb).map_err(|m| {
            Error::format(
                Some(kind::BLOCKS),
                l.blocks_offset + e.offset,
                format!("block {b}: {m}"),
            )
        })?;
        self.cache.count();
        let raw = Arc::new(match self.resolved(l, b, &raw, pb)? {
            Some(v) => v,
            None => raw,
        });
        if cached {
            self.cache.put(b, raw.clone());
        }
        Ok(BlockPlanes::owned(raw, pb))
    }

    /// Block `b`'s planes with every code 6 replaced by the code of the
    /// base it stands for (SPEC §9), or None when there is nothing to
    /// replace. Files without REFERENCES keep code 6 (reported where read).
    fn resolved(&self, l: &Layout, b: u64, raw: &[u8], pb: usize) -> Result<Option<Vec<u8>>> {
        let Some(refs) = l.references.as_deref() else {
            return Ok(None);
        };
        let missing;
        let attached = match &self.reference {
            Some(Ok(a)) => Ok(a),
            Some(Err(e)) => Err(e),
            None => {
                missing = Error::new(
                    ErrorKind::Unsupported,
                    "the file is reference-escaped and no reference is attached",
                );
                Err(&missing)
            }
        };
        let first = b * l.header.block_bases as u64;
        escape::resolve(raw, pb, first, refs, attached, l.blocks_offset).map_err(|e| match &self.path {
            Some(p) => e.in_file(p),
            None => e,
        })
    }

    /// The NONACGT summary bitmap (SPEC §5.2), if stored.
    pub fn summary(&self) -> Option<&[u8]> {
        self.layout
            .as_ref()
            .and_then(|l| l.summary.clone())
            .map(|r| &self.data.bytes()[r])
    }

    /// The dense bitmap or nibble array of `seq` (SPEC §6.6), exactly as
    /// long as its length needs, or None when it is in run form.
    fn dense(&self, l: &Layout, which: DenseKind, seq: &Sequence<'_>) -> Result<Option<&[u8]>> {
        let (range, k, need, runs) = match which {
            DenseKind::Mask => (
                &l.mask_bitmap,
                kind::MASK_BITMAP,
                super::writer::bitmap_bytes(seq.record.length),
                seq.record.mask_count,
            ),
            DenseKind::Exception => (
                &l.exception_nibbles,
                kind::EXCEPTION_NIBBLES,
                super::writer::nibble_bytes(seq.record.length),
                seq.record.exception_count,
            ),
        };
        let Some(range) = range else {
            return Ok(None);
        };
        let b = &self.data.bytes()[range.clone()];
        let at = (range.start + seq.index * spec::DENSE_ENTRY_LEN as usize) as u64;
        let off = self
            .container
            .order
            .u64_at(b, seq.index * spec::DENSE_ENTRY_LEN as usize);
        if off == spec::DENSE_NONE {
            return Ok(None);
        }
        let table = l.header.sequence_count * spec::DENSE_ENTRY_LEN;
        let fail = |msg: String| Err(Error::format(Some(k), at, msg));
        if off < table
            || !off.is_multiple_of(spec::DENSE_ALIGN)
            || off.checked_add(need).is_none_or(|e| e > b.len() as u64)
        {
            return fail(format!(
                "{} of {} lies at {off}: expected a multiple of 8 from {table}, with {need} bytes before the section's end at {}",
                section_name(k),
                seq.name_str(),
                b.len()
            ));
        }
        if runs != 0 {
            return fail(format!(
                "{} is in dense form and also has {runs} runs in {}",
                seq.name_str(),
                section_name(if k == kind::MASK_BITMAP {
                    kind::MASKS
                } else {
                    kind::EXCEPTIONS
                })
            ));
        }
        Ok(Some(&b[off as usize..(off + need) as usize]))
    }

    /// The soft-mask runs of `seq` (SPEC §6.3), sequence-relative, in
    /// either form (SPEC §6.6).
    pub fn mask_runs(&self, seq: &Sequence<'_>) -> Result<Vec<MaskRun>> {
        if let Some(l) = self.layout.as_ref() {
            if let Some(bits) = self.dense(l, DenseKind::Mask, seq)? {
                return Ok(super::writer::bitmap_runs(bits, seq.record.length));
            }
        }
        Ok(self.mask_runs_stored(seq).collect())
    }

    /// The exception runs of `seq` (SPEC §6.4), sequence-relative, in
    /// either form (SPEC §6.6).
    pub fn exception_runs(&self, seq: &Sequence<'_>) -> Result<Vec<ExceptionRun>> {
        if let Some(l) = self.layout.as_ref() {
            if let Some(nib) = self.dense(l, DenseKind::Exception, seq)? {
                return super::writer::nibble_runs(nib, seq.record.length).map_err(|(p, v)| {
                    Error::format(
                        Some(kind::EXCEPTION_NIBBLES),
                        l.exception_nibbles.as_ref().map_or(0, |r| r.start as u64),
                        format!("exception nibble {v} at {p} of {} is not 0 to 12", seq.name_str()),
                    )
                });
            }
        }
        Ok(self.exception_runs_stored(seq).collect())
    }

    /// Number of soft-masked bases of `seq`, without listing its runs.
    pub fn masked_bases(&self, seq: &Sequence<'_>) -> Result<u64> {
        if let Some(l) = self.layout.as_ref() {
            if let Some(bits) = self.dense(l, DenseKind::Mask, seq)? {
                // Padding bits are zero in a valid file ([DF4]); count only
                // the sequence's own positions regardless.
                let full = (seq.record.length / 8) as usize;
                let mut n: u64 = bits[..full].iter().map(|b| b.count_ones() as u64).sum();
                let rest = seq.record.length % 8;
                if rest > 0 {
                    n += (bits[full] & ((1u8 << rest) - 1)).count_ones() as u64;
                }
                return Ok(n);
            }
        }
        Ok(self.mask_runs_stored(seq).map(|m| m.end.saturating_sub(m.start)).sum())
    }

    /// Number of exception-coded bases of `seq`, without listing its runs.
    pub fn exception_bases(&self, seq: &Sequence<'_>) -> Result<u64> {
        if let Some(l) = self.layout.as_ref() {
            if let Some(nib) = self.dense(l, DenseKind::Exception, seq)? {
                let n = (0..seq.record.length)
                    .filter(|&p| (nib[(p / 2) as usize] >> (4 * (p % 2))) & 15 != 0)
                    .count();
                return Ok(n as u64);
            }
        }
        Ok(self.exception_runs_stored(seq).map(|e| e.length as u64).sum())
    }

    fn mask_runs_stored<'a>(&'a self, seq: &Sequence<'_>) -> impl Iterator<Item = MaskRun> + 'a {
        let (o, first, n) = (
            self.container.order,
            seq.record.mask_first as usize,
            seq.record.mask_count as usize,
        );
        let mb = self
            .layout
            .as_ref()
            .map_or(&[][..], |l| &self.data.bytes()[l.masks.clone()]);
        (first..first + n).map(move |k| MaskRun::decode(&mb[k * 16..k * 16 + 16], o))
    }

    fn exception_runs_stored<'a>(&'a self, seq: &Sequence<'_>) -> impl Iterator<Item = ExceptionRun> + 'a {
        let (o, first, n) = (
            self.container.order,
            seq.record.exception_first as usize,
            seq.record.exception_count as usize,
        );
        let eb = self
            .layout
            .as_ref()
            .map_or(&[][..], |l| &self.data.bytes()[l.exceptions.clone()]);
        (first..first + n).map(move |k| ExceptionRun::decode(&eb[k * 16..k * 16 + 16], o))
    }

    /// Appends the stream codes [from, to) as letters (uppercase, with
    /// placeholders for END, REFERENCE and EXCEPTION codes).
    fn decode_stream(&self, l: &Layout, from: u64, to: u64, out: &mut Vec<u8>) -> Result<()> {
        let bb = l.header.block_bases as u64;
        let mut p = from;
        while p < to {
            let b = p / bb;
            let check = if self.verify_blocks { Check::Once } else { Check::Never };
            let planes = self.planes_in(l, b, check, true)?;
            let [p0, p1, p2] = planes.planes();
            let bases = bb.min(l.header.stream_len - b * bb);
            let lo = p - b * bb;
            let hi = (to - b * bb).min(bases);
            decode_planes(p0, p1, p2, lo, hi, out);
            p = b * bb + hi;
        }
        Ok(())
    }

    /// Appends bases [start, end) (0-based, half-open) of sequence `i` to
    /// `out`, exactly as imported: case, N and IUPAC letters included.
    pub fn fetch(&self, i: usize, start: u64, end: u64, out: &mut Vec<u8>) -> Result<()> {
        let seq = self.sequence(i)?;
        self.fetch_from(&seq, start, end, out)
    }

    /// Like [`Reader::fetch`] for an already decoded [`Sequence`].
    pub fn fetch_from(&self, seq: &Sequence<'_>, start: u64, end: u64, out: &mut Vec<u8>) -> Result<()> {
        let r = &seq.record;
        if start > end || end > r.length {
            return Err(Error::new(
                ErrorKind::Range,
                format!(
                    "range [{start}, {end}) is outside {} (length {})",
                    seq.name_str(),
                    r.length
                ),
            ));
        }
        let l = self.lay()?;
        let o = self.container.order;
        let bytes = self.data.bytes();
        let base = out.len();
        self.decode_stream(l, r.start + start, r.start + end, out)?;
        let got = &mut out[base..];
        // SPEC §5.1: the block entry says where this block's runs begin, so
        // finding the first run to apply costs one or two probes.
        let hint = if start < end && (r.mask_count > 0 || r.exception_count > 0) {
            let b = (r.start + start) / l.header.block_bases as u64;
            let at = l.block_index.start + (b * spec::BLOCK_ENTRY_LEN) as usize;
            Some(BlockEntry::decode(&bytes[at..at + spec::BLOCK_ENTRY_LEN as usize], o))
        } else {
            None
        };
        if let Some(nib) = self.dense(l, DenseKind::Exception, seq)? {
            for (j, c) in got.iter_mut().enumerate() {
                let p = start + j as u64;
                let v = (nib[(p / 2) as usize] >> (4 * (p % 2))) & 15;
                if v == 0 {
                    continue; // a code 7 here is reported below
                }
                let fail = |msg: String| {
                    Err(Error::format(
                        Some(kind::EXCEPTION_NIBBLES),
                        l.exception_nibbles.as_ref().map_or(0, |r| r.start as u64),
                        msg,
                    ))
                };
                if v as usize > spec::EXCEPTION_LETTERS.len() {
                    return fail(format!(
                        "exception nibble {v} at {p} of {} is not 1 to 12",
                        seq.name_str()
                    ));
                }
                if *c != PLACEHOLDER_EXCEPTION {
                    return fail(format!(
                        "exception nibble at {p} of {} covers a position whose code is not 7",
                        seq.name_str()
                    ));
                }
                *c = spec::EXCEPTION_LETTERS[v as usize - 1];
            }
        }
        if r.exception_count > 0 {
            let ex = &bytes[l.exceptions.clone()];
            let first = r.exception_first as usize;
            let runs = |k: usize| ExceptionRun::decode(&ex[(first + k) * 16..(first + k) * 16 + 16], o);
            let n = r.exception_count as usize;
            let h = hint.map(|h| h.first_exception.saturating_sub(r.exception_first).min(n as u64) as usize);
            let mut k = first_run(n, h, |k| runs(k).end() <= start);
            let mut prev_end = 0;
            while k < n {
                let x = runs(k);
                k += 1;
                if x.length == 0 || x.end() > r.length || x.start < prev_end {
                    return Err(Error::format(
                        Some(kind::EXCEPTIONS),
                        (l.exceptions.start + (first + k - 1) * 16) as u64,
                        format!(
                            "exception run at {} length {} of {} is empty, past the end or out of order",
                            x.start,
                            x.length,
                            seq.name_str()
                        ),
                    ));
                }
                prev_end = x.end();
                if x.start >= end {
                    break;
                }
                let (a, b) = (x.start.max(start) - start, x.end().min(end).saturating_sub(start));
                if a >= b {
                    continue;
                }
                let span = &mut got[a as usize..b as usize];
                let at = (l.exceptions.start + (first + k - 1) * 16) as u64;
                if !spec::EXCEPTION_LETTERS.contains(&x.letter) {
                    return Err(Error::format(
                        Some(kind::EXCEPTIONS),
                        at,
                        format!(
                            "exception letter 0x{:02x} is not one of {}",
                            x.letter,
                            String::from_utf8_lossy(spec::EXCEPTION_LETTERS)
                        ),
                    ));
                }
                if span.iter().any(|&c| c != PLACEHOLDER_EXCEPTION) {
                    return Err(Error::format(
                        Some(kind::EXCEPTIONS),
                        at,
                        format!(
                            "exception run at {} of {} covers a position whose code is not 7",
                            x.start,
                            seq.name_str()
                        ),
                    ));
                }
                span.fill(x.letter);
            }
        }
        if let Some(j) = memchr::memchr3(PLACEHOLDER_END, PLACEHOLDER_REFERENCE, PLACEHOLDER_EXCEPTION, got) {
            let what = match got[j] {
                PLACEHOLDER_END => "an end-of-sequence code inside the sequence",
                PLACEHOLDER_REFERENCE => {
                    return Err(Error::new(
                        ErrorKind::Unsupported,
                        format!(
                            "{} position {} is reference-escaped, which this reader does not implement",
                            seq.name_str(),
                            start + j as u64
                        ),
                    ))
                }
                _ => "an exception code with no exception entry",
            };
            let pos = r.start + start + j as u64;
            return Err(Error::format(
                Some(kind::BLOCKS),
                l.blocks_offset,
                format!(
                    "{} position {} (stream {pos}) has {what}",
                    seq.name_str(),
                    start + j as u64
                ),
            ));
        }
        if let Some(bits) = self.dense(l, DenseKind::Mask, seq)? {
            for (j, c) in got.iter_mut().enumerate() {
                let p = start + j as u64;
                if (bits[(p / 8) as usize] >> (p % 8)) & 1 == 1 {
                    c.make_ascii_lowercase();
                }
            }
        }
        if r.mask_count > 0 {
            let mb = &bytes[l.masks.clone()];
            let first = r.mask_first as usize;
            let runs = |k: usize| MaskRun::decode(&mb[(first + k) * 16..(first + k) * 16 + 16], o);
            let n = r.mask_count as usize;
            let h = hint.map(|h| h.first_mask.saturating_sub(r.mask_first).min(n as u64) as usize);
            let mut k = first_run(n, h, |k| runs(k).end <= start);
            let mut prev_end = 0;
            while k < n {
                let m = runs(k);
                k += 1;
                if m.start >= m.end || m.end > r.length || m.start < prev_end {
                    return Err(Error::format(
                        Some(kind::MASKS),
                        (l.masks.start + (first + k - 1) * 16) as u64,
                        format!(
                            "mask run [{}, {}) of {} is empty, past the end or out of order",
                            m.start,
                            m.end,
                            seq.name_str()
                        ),
                    ));
                }
                prev_end = m.end;
                if m.start >= end {
                    break;
                }
                let (a, b) = (m.start.max(start) - start, m.end.min(end).saturating_sub(start));
                if a < b {
                    got[a as usize..b as usize].make_ascii_lowercase();
                }
            }
        }
        Ok(())
    }
}

/// The first of `n` sorted runs that does not end by the region start
/// (`ends_by(k)`), searching from the block entry's hint when the hint is
/// consistent (the run before it ends by the start) and from 0 otherwise, so
/// a wrong hint costs time, never a wrong answer.
fn first_run(n: usize, hint: Option<usize>, ends_by: impl Fn(usize) -> bool) -> usize {
    let from = match hint {
        Some(h) if h == 0 || ends_by(h - 1) => h,
        _ => 0,
    };
    // Gallop from the hint: the answer is usually within a run or two.
    let (mut lo, mut step) = (from, 1);
    let hi = loop {
        let probe = lo + step - 1;
        if probe >= n {
            break n;
        }
        if !ends_by(probe) {
            break probe;
        }
        lo = probe + 1;
        step *= 2;
    };
    lo + partition_point(hi - lo, |k| ends_by(lo + k))
}

/// The first k in 0..n for which `pred(k)` is false; `pred` must be true
/// then false along k.
fn partition_point(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Appends the letters of block positions [lo, hi) of three planes.
fn decode_planes(p0: &[u8], p1: &[u8], p2: &[u8], lo: u64, hi: u64, out: &mut Vec<u8>) {
    let (lo, hi) = (lo as usize, hi as usize);
    out.reserve(hi - lo);
    let mut p = lo;
    // Leading partial byte.
    while p < hi && p % 8 != 0 {
        out.push(letter_at(p0, p1, p2, p));
        p += 1;
    }
    while p + 8 <= hi {
        let j = p / 8;
        let codes = codes8(p0[j], p1[j], p2[j]).to_le_bytes();
        out.extend(codes.iter().map(|&c| DECODE[c as usize]));
        p += 8;
    }
    while p < hi {
        out.push(letter_at(p0, p1, p2, p));
        p += 1;
    }
}

#[inline]
fn letter_at(p0: &[u8], p1: &[u8], p2: &[u8], p: usize) -> u8 {
    let (j, s) = (p / 8, p % 8);
    let c = ((p0[j] >> s) & 1) | (((p1[j] >> s) & 1) << 1) | (((p2[j] >> s) & 1) << 2);
    DECODE[c as usize]
}

/// When a block's checksum is checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Never.
    Never,
    /// On its first use by this reader.
    Once,
    /// Every time.
    Always,
}
