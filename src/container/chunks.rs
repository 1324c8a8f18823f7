//! SPEC §3.2: CHUNK_SUMS, the checksums of the fixed-size chunks of another
//! section (version 1.7). A reader verifies each chunk the first time it
//! uses a byte of it instead of hashing the whole section before its first
//! use, so opening a table of 100 GB costs what opening one of 100 MB does.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use super::{checksum, checksum_matches, ByteOrder, Container, DirectoryEntry};
use crate::error::{section_name, Error, ErrorKind, Result};
use crate::spec::{self, chunk_sums as cs, kind};

/// The header of a CHUNK_SUMS section (SPEC §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    target_offset: u64,
    target_length: u64,
    shift: u32,
    reserved: u32,
    count: u64,
}

impl Header {
    fn read(s: &[u8], o: ByteOrder) -> Option<Header> {
        (s.len() as u64 >= cs::HEADER_LEN).then(|| Header {
            target_offset: o.u64_at(s, 0),
            target_length: o.u64_at(s, 8),
            shift: o.u32_at(s, 16),
            reserved: o.u32_at(s, 20),
            count: o.u64_at(s, 24),
        })
    }
}

/// The chunks of a `len`-byte section in chunks of `2^shift` bytes.
fn chunk_count(len: u64, shift: u32) -> u64 {
    len.div_ceil(1u64 << shift)
}

/// The rules \[CS1] (header and length) and \[CS2] (target) for the
/// CHUNK_SUMS section `e` of `c`; the header when they hold.
fn check_header(
    bytes: &[u8],
    c: &Container,
    e: &DirectoryEntry,
) -> std::result::Result<Header, (&'static str, u64, String)> {
    let s = &bytes[e.offset as usize..(e.offset + e.length) as usize];
    let Some(h) = Header::read(s, c.order) else {
        return Err((
            "CS1",
            0,
            format!("section of {} bytes is shorter than its 32-byte header", s.len()),
        ));
    };
    if !(cs::MIN_SHIFT..=cs::MAX_SHIFT).contains(&h.shift) {
        return Err((
            "CS1",
            16,
            format!(
                "chunk_shift {} is not in {}..={}",
                h.shift,
                cs::MIN_SHIFT,
                cs::MAX_SHIFT
            ),
        ));
    }
    if h.reserved != 0 {
        return Err(("CS1", 20, "reserved field is not zero".into()));
    }
    if h.count != chunk_count(h.target_length, h.shift) {
        return Err((
            "CS1",
            24,
            format!(
                "count {} is not the {} chunks of {} bytes in {}-byte chunks",
                h.count,
                chunk_count(h.target_length, h.shift),
                h.target_length,
                1u64 << h.shift
            ),
        ));
    }
    if h.count.checked_mul(8).and_then(|n| n.checked_add(cs::HEADER_LEN)) != Some(s.len() as u64) {
        return Err((
            "CS1",
            0,
            format!(
                "section is {} bytes, its header describes 32 + 8 x {}",
                s.len(),
                h.count
            ),
        ));
    }
    let targets: Vec<&DirectoryEntry> = c
        .sections
        .iter()
        .filter(|t| t.length > 0 && t.offset == h.target_offset && t.kind != kind::CHUNK_SUMS)
        .collect();
    match targets[..] {
        [t] if t.length == h.target_length && t.group == e.group => {}
        [t] => {
            return Err((
                "CS2",
                0,
                format!(
                    "the {} at {} is {} bytes in group {}, not {} bytes in group {}",
                    section_name(t.kind),
                    t.offset,
                    t.length,
                    t.group,
                    h.target_length,
                    e.group
                ),
            ))
        }
        _ => {
            return Err((
                "CS2",
                0,
                format!("no section of the directory starts at byte {}", h.target_offset),
            ))
        }
    }
    let twins = c
        .sections
        .iter()
        .filter(|x| x.kind == kind::CHUNK_SUMS && x.offset != e.offset)
        .filter_map(|x| Header::read(&bytes[x.offset as usize..(x.offset + x.length) as usize], c.order))
        .any(|x| x.target_offset == h.target_offset);
    if twins {
        return Err((
            "CS2",
            0,
            format!("another CHUNK_SUMS covers the section at {}", h.target_offset),
        ));
    }
    Ok(h)
}

/// The chunk checksums of one section, with the chunks verified so far.
#[derive(Debug)]
pub struct ChunkSums<'a> {
    target: &'a [u8],
    kind: u32,
    offset: u64,
    shift: u32,
    sums: &'a [u8],
    order: ByteOrder,
    done: Box<[AtomicU64]>,
}

impl<'a> ChunkSums<'a> {
    /// Bytes per chunk.
    pub fn chunk_len(&self) -> u64 {
        1 << self.shift
    }

    /// Number of chunks.
    pub fn count(&self) -> u64 {
        chunk_count(self.target.len() as u64, self.shift)
    }

    fn is_done(&self, i: u64) -> bool {
        self.done[(i / 64) as usize].load(Ordering::Relaxed) & (1 << (i % 64)) != 0
    }

    /// Verifies chunk `i` (< count) unless it was verified before.
    fn check_chunk(&self, i: u64) -> Result<()> {
        if self.is_done(i) {
            return Ok(());
        }
        let start = (i << self.shift) as usize;
        let end = (start + (1usize << self.shift)).min(self.target.len());
        let stored = self.order.u64_at(self.sums, 8 * i as usize);
        let got = checksum(&self.target[start..end]);
        if !checksum_matches(stored, got) {
            return Err(Error::new(
                ErrorKind::Checksum,
                format!(
                    "checksum mismatch in chunk {i} (bytes {start}..{end}) of {}: stored {stored:016x}, computed {got:016x}",
                    section_name(self.kind)
                ),
            )
            .at_byte(Some(self.kind), self.offset + start as u64)
            .with_rule("CS3"));
        }
        self.done[(i / 64) as usize].fetch_or(1 << (i % 64), Ordering::Relaxed);
        Ok(())
    }

    /// Verifies every chunk that holds a byte of `range` (relative to the
    /// section's start), each once per process.
    pub fn check(&self, range: Range<usize>) -> Result<()> {
        if range.start >= range.end {
            return Ok(());
        }
        let last = (range.end.min(self.target.len()).max(1) - 1) as u64 >> self.shift;
        for i in (range.start as u64 >> self.shift)..=last {
            self.check_chunk(i)?;
        }
        Ok(())
    }

    /// Verifies every chunk, on all threads.
    pub fn check_all(&self) -> Result<()> {
        let n = self.count();
        (0..n.div_ceil(64)).into_par_iter().try_for_each(|w| {
            if self.done[w as usize].load(Ordering::Relaxed) == u64::MAX {
                return Ok(());
            }
            (64 * w..(64 * w + 64).min(n)).try_for_each(|i| self.check_chunk(i))
        })
    }
}

/// The usable CHUNK_SUMS of a file, by the offset of the section each
/// covers. One whose own checksum or \[CS1]–\[CS2] fails is left out, and its
/// section is then verified whole, as by a reader that does not know the
/// kind (SPEC §3.2).
#[derive(Debug, Default)]
pub struct ChunkSumsMap<'a> {
    map: HashMap<u64, Arc<ChunkSums<'a>>>,
}

impl<'a> ChunkSumsMap<'a> {
    /// Reads the CHUNK_SUMS sections of `c` over its `bytes`.
    pub fn new(bytes: &'a [u8], c: &Container) -> ChunkSumsMap<'a> {
        let mut map = HashMap::new();
        for e in c.sections.iter().filter(|e| e.kind == kind::CHUNK_SUMS) {
            let Ok(s) = c.verified(bytes, e) else { continue };
            let Ok(h) = check_header(bytes, c, e) else { continue };
            let target = &bytes[h.target_offset as usize..(h.target_offset + h.target_length) as usize];
            let Some(t) = c.sections.iter().find(|t| t.offset == h.target_offset && t.length > 0) else {
                continue;
            };
            map.insert(
                h.target_offset,
                Arc::new(ChunkSums {
                    target,
                    kind: t.kind,
                    offset: t.offset,
                    shift: h.shift,
                    sums: &s[cs::HEADER_LEN as usize..],
                    order: c.order,
                    done: (0..h.count.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
                }),
            );
        }
        ChunkSumsMap { map }
    }

    /// The chunk checksums of section `e`, if it has usable ones.
    pub fn get(&self, e: &DirectoryEntry) -> Option<Arc<ChunkSums<'a>>> {
        (e.length > 0).then(|| self.map.get(&e.offset).cloned()).flatten()
    }
}

/// A section's bytes for reading: whole-verified before use, or verified
/// chunk by chunk as they are used, or not at all.
#[derive(Debug, Clone)]
pub struct Checked<'a> {
    /// The section's bytes.
    pub bytes: &'a [u8],
    sums: Option<Arc<ChunkSums<'a>>>,
}

impl<'a> Checked<'a> {
    /// The bytes of section `e`: with `verify`, checked through its chunk
    /// sums in `sums` when it has some (nothing is hashed yet), else whole
    /// against its directory checksum (SPEC \[D5]) now.
    pub fn open(
        bytes: &'a [u8],
        c: &Container,
        e: &DirectoryEntry,
        verify: bool,
        sums: &ChunkSumsMap<'a>,
    ) -> Result<Checked<'a>> {
        if verify {
            if let Some(s) = sums.get(e) {
                return Ok(Checked {
                    bytes: s.target,
                    sums: Some(s),
                });
            }
            return Ok(Checked {
                bytes: c.verified(bytes, e)?,
                sums: None,
            });
        }
        let end = e.offset.checked_add(e.length);
        let s = end
            .and_then(|end| bytes.get(e.offset as usize..end as usize))
            .ok_or_else(|| Error::format(Some(e.kind), e.offset, "section runs past the end of the file [D4]"))?;
        Ok(Checked { bytes: s, sums: None })
    }

    /// Bytes already trusted (verified elsewhere, or verification off).
    pub fn trusted(bytes: &'a [u8]) -> Checked<'a> {
        Checked { bytes, sums: None }
    }

    /// Verifies the chunks that hold `range` of the section, if it is
    /// verified by chunks; a no-op otherwise.
    #[inline]
    pub fn check(&self, range: Range<usize>) -> Result<()> {
        match &self.sums {
            Some(s) => s.check(range),
            None => Ok(()),
        }
    }

    /// Verifies the whole section, if it is verified by chunks.
    pub fn check_all(&self) -> Result<()> {
        match &self.sums {
            Some(s) => s.check_all(),
            None => Ok(()),
        }
    }

    /// Whether the section is verified chunk by chunk.
    pub fn is_chunked(&self) -> bool {
        self.sums.is_some()
    }
}

/// Kinds whose sections the reference writer gives chunk sums when they
/// are longer than one chunk: the ones that grow with the data of a table.
pub(crate) fn writer_chunks(kind: u32) -> bool {
    matches!(kind, kind::TABLE | kind::DICTIONARY | kind::HASH_INDEX)
}

/// Chunk checksums computed while a section is written.
#[derive(Clone)]
pub(crate) struct ChunkHasher {
    shift: u32,
    hasher: Xxh3,
    filled: u64,
    sums: Vec<u64>,
}

impl ChunkHasher {
    pub(crate) fn new(shift: u32) -> ChunkHasher {
        ChunkHasher {
            shift,
            hasher: Xxh3::with_seed(spec::XXH3_SEED),
            filled: 0,
            sums: Vec::new(),
        }
    }

    pub(crate) fn update(&mut self, mut bytes: &[u8]) {
        let len = 1u64 << self.shift;
        while !bytes.is_empty() {
            let k = ((len - self.filled) as usize).min(bytes.len());
            self.hasher.update(&bytes[..k]);
            self.filled += k as u64;
            bytes = &bytes[k..];
            if self.filled == len {
                self.sums.push(self.hasher.digest());
                self.hasher = Xxh3::with_seed(spec::XXH3_SEED);
                self.filled = 0;
            }
        }
    }

    /// The CHUNK_SUMS section for the section of `length` bytes at
    /// `offset` these bytes were, or None when it fits in one chunk (its
    /// directory checksum then does the same work).
    pub(crate) fn finish(mut self, offset: u64, length: u64, order: ByteOrder) -> Option<Vec<u8>> {
        if length <= 1 << self.shift {
            return None;
        }
        if self.filled > 0 {
            self.sums.push(self.hasher.digest());
        }
        let mut out = Vec::with_capacity(cs::HEADER_LEN as usize + 8 * self.sums.len());
        order.put_u64(&mut out, offset);
        order.put_u64(&mut out, length);
        order.put_u32(&mut out, self.shift);
        order.put_u32(&mut out, 0);
        order.put_u64(&mut out, self.sums.len() as u64);
        for s in &self.sums {
            order.put_u64(&mut out, *s);
        }
        Some(out)
    }
}

/// Every problem of the CHUNK_SUMS section `e` of `c` (for validators):
/// \[CS1], \[CS2], then each chunk that fails \[CS3], as (rule, byte offset
/// relative to the file, message).
pub fn problems(bytes: &[u8], c: &Container, e: &DirectoryEntry) -> Vec<(&'static str, u64, String)> {
    let h = match check_header(bytes, c, e) {
        Ok(h) => h,
        Err((rule, at, m)) => return vec![(rule, e.offset + at, m)],
    };
    let target = &bytes[h.target_offset as usize..(h.target_offset + h.target_length) as usize];
    let sums = &bytes[(e.offset + cs::HEADER_LEN) as usize..(e.offset + e.length) as usize];
    target
        .par_chunks(1 << h.shift)
        .enumerate()
        .filter_map(|(i, chunk)| {
            let stored = c.order.u64_at(sums, 8 * i);
            let got = checksum(chunk);
            (!checksum_matches(stored, got)).then(|| {
                (
                    "CS3",
                    e.offset + cs::HEADER_LEN + 8 * i as u64,
                    format!(
                        "chunk {i} of the section at {}: stored {stored:016x}, computed {got:016x}",
                        h.target_offset
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::ContainerWriter;
    use std::io::Cursor;

    /// A file with one private section of `len` bytes and its chunk sums in
    /// chunks of 64 bytes, written by hand.
    fn file(len: usize) -> (Vec<u8>, Vec<u8>) {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let mut h = ChunkHasher::new(6);
        h.update(&data[..len / 3]);
        h.update(&data[len / 3..]);
        let sums = h.finish(64, len as u64, ByteOrder::Little).unwrap();
        let mut w = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
        w.add_section(0x8000_0001, false, 0, &data).unwrap();
        w.add_section(kind::CHUNK_SUMS, false, 0, &sums).unwrap();
        (w.finish().unwrap().into_inner(), data)
    }

    #[test]
    fn chunks_are_verified_once_each_where_used() {
        let (bytes, data) = file(200); // 4 chunks: 64, 64, 64, 8
        let c = Container::parse(&bytes).unwrap();
        // Header: target 64, length 200, shift 6, count 4, then 4 sums.
        let s = &bytes[c.sections[1].offset as usize..];
        assert_eq!(&s[..8], &64u64.to_le_bytes());
        assert_eq!(&s[8..16], &200u64.to_le_bytes());
        assert_eq!(&s[16..20], &6u32.to_le_bytes());
        assert_eq!(&s[24..32], &4u64.to_le_bytes());
        assert_eq!(&s[56..64], &checksum(&data[192..200]).to_le_bytes());
        let map = ChunkSumsMap::new(&bytes, &c);
        let cs = map.get(&c.sections[0]).unwrap();
        assert_eq!((cs.count(), cs.chunk_len()), (4, 64));
        cs.check(70..130).unwrap();
        assert!(!cs.is_done(0) && cs.is_done(1) && cs.is_done(2) && !cs.is_done(3));
        cs.check_all().unwrap();
        assert!((0..4).all(|i| cs.is_done(i)));
        assert!(problems(&bytes, &c, &c.sections[1]).is_empty());
    }

    #[test]
    fn a_damaged_chunk_fails_where_it_is_used_and_not_before() {
        let (mut bytes, _) = file(200);
        bytes[64 + 130] ^= 1; // chunk 2
        let c = Container::parse(&bytes).unwrap();
        let map = ChunkSumsMap::new(&bytes, &c);
        let cs = map.get(&c.sections[0]).unwrap();
        cs.check(0..128).unwrap();
        let e = cs.check(100..140).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Checksum);
        assert!(e.to_string().contains("chunk 2 (bytes 128..192)"), "{e}");
        let p = problems(&bytes, &c, &c.sections[1]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, "CS3");
    }

    #[test]
    fn a_bad_header_makes_the_sums_unused_and_reported() {
        let (mut bytes, _) = file(200);
        let c = Container::parse(&bytes).unwrap();
        let at = c.sections[1].offset as usize;
        bytes[at + 24] = 5; // count 5, not 4
        let c = Container::parse(&bytes).unwrap();
        assert_eq!(problems(&bytes, &c, &c.sections[1])[0].0, "CS1");
        bytes[at + 24] = 4;
        bytes[at] = 128; // target offset 128: no section starts there
        let c = Container::parse(&bytes).unwrap();
        assert_eq!(problems(&bytes, &c, &c.sections[1])[0].0, "CS2");
        // Not used (its own checksum fails too, as the bytes changed).
        assert!(ChunkSumsMap::new(&bytes, &c).get(&c.sections[0]).is_none());
    }

    #[test]
    fn a_section_of_one_chunk_gets_no_sums() {
        let mut h = ChunkHasher::new(6);
        h.update(&[1u8; 64]);
        assert!(h.finish(64, 64, ByteOrder::Little).is_none());
    }
}
