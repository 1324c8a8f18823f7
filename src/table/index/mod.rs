//! SPEC §8.4–8.5: the persisted hash-key index — its key encoding, its
//! builder ([`IndexBuilder`]) and its bounds-checked view over a memory map
//! ([`HashIndex`]), in the classic and (1.8) the compact layout.

use std::ops::Range;
use std::sync::Arc;

mod builder;
mod target;
pub use builder::IndexBuilder;
pub use target::{IndexFile, IndexTarget, TargetDictionary, TargetIndexes};

use crate::container::{ByteOrder, Checked};
use crate::error::{Error, Result};
use crate::spec::{self, kind, table as t};
use crate::table::{ColumnType, RowSet, Value};

/// Appends the SPEC §8.5 encoding of one key value of a column of type `ty`:
/// the type code, a null tag, then the value in little-endian (integers as 8
/// bytes, floats by their bits, strings as a `u32` length and the bytes).
///
/// ```
/// use tribit::index::encode_key_value;
/// use tribit::table::{ColumnType, Value};
/// let mut k = Vec::new();
/// encode_key_value(&mut k, ColumnType::Dict, Value::Str("ab"));
/// assert_eq!(k, [13, 1, 2, 0, 0, 0, b'a', b'b']);
/// ```
pub fn encode_key_value(out: &mut Vec<u8>, ty: ColumnType, v: Value<'_>) {
    out.push(ty.code());
    if v.is_null() {
        out.push(0);
        return;
    }
    out.push(1);
    match v {
        Value::Null => {}
        Value::Bool(b) => out.push(b as u8),
        Value::Int(i) => out.extend_from_slice(&i.to_le_bytes()),
        Value::UInt(u) => out.extend_from_slice(&u.to_le_bytes()),
        Value::F32(f) => out.extend_from_slice(&f.to_bits().to_le_bytes()),
        Value::F64(f) => out.extend_from_slice(&f.to_bits().to_le_bytes()),
        Value::Str(s) => {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// The index hash of an encoded key (SPEC §8.5): xxh3-64, seed 0.
#[inline]
pub fn key_hash(encoded: &[u8]) -> u64 {
    crate::container::checksum(encoded)
}

/// The bucket of `hash` (SPEC §8.4): its top `bits` bits.
#[inline]
fn bucket_of(hash: u64, bits: u32) -> u64 {
    if bits == 0 {
        0
    } else {
        hash >> (64 - bits)
    }
}

/// The fingerprint a compact entry stores (SPEC §8.4, 1.8): the 32 hash
/// bits just below the `bits` bucket bits (`bits` <= 32).
#[inline]
fn fingerprint(hash: u64, bits: u32) -> u32 {
    ((hash << bits) >> 32) as u32
}

/// The layout of a HASH_INDEX section (SPEC §8.4, header byte 36).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexLayout {
    /// Layout 0: `u64` bucket directory; 16-byte entries (hash, first
    /// posting word).
    Classic,
    /// Layout 1 (1.8): `u32` bucket directory; 8-byte entries (32-bit
    /// fingerprint, the single row inline or the start of a posting list).
    Compact,
}

impl IndexLayout {
    /// The name `tribit info` shows.
    pub fn name(self) -> &'static str {
        match self {
            IndexLayout::Classic => "classic",
            IndexLayout::Compact => "compact",
        }
    }
}

/// Where the rows of one entry are (SPEC §8.4): inline in a compact entry,
/// or a run of posting words.
enum Postings {
    Row(u64),
    Words(Range<u64>),
}

/// A HASH_INDEX section a reader cannot use: its hash function is not
/// known (SPEC \[HI1], *unsupported*), its checksum does not match, or its
/// header or sizes are wrong. The index is not required, so its table is
/// still read and its conditions are answered by a scan; the problem is
/// kept here so that `tribit query --explain` and validators can say why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusableIndex {
    /// Absolute offset of the HASH_INDEX section.
    pub section_offset: u64,
    /// The class of the problem.
    pub kind: crate::ErrorKind,
    /// Absolute offset of the offending bytes.
    pub offset: u64,
    /// What is wrong.
    pub message: String,
    /// The SPEC rule it breaks (e.g. `HI1`), when it names one.
    pub rule: Option<&'static str>,
}

impl UnusableIndex {
    /// Records the error `e` that made the section at `section_offset` unusable.
    pub fn new(section_offset: u64, e: &Error) -> UnusableIndex {
        let offset = match e.location() {
            crate::Location::Byte { offset, .. } => *offset,
            _ => section_offset,
        };
        UnusableIndex {
            section_offset,
            kind: e.kind(),
            offset,
            message: e.message().to_string(),
            rule: e.rule(),
        }
    }

    /// What is wrong, followed by the rule it breaks in brackets.
    pub fn problem(&self) -> String {
        match self.rule {
            Some(r) => format!("{} [{r}]", self.message),
            None => self.message.clone(),
        }
    }

    /// The problem as an [`Error`].
    pub fn error(&self) -> Error {
        let e = Error::new(self.kind, self.message.clone()).at_byte(Some(kind::HASH_INDEX), self.offset);
        match self.rule {
            Some(r) => e.with_rule(r),
            None => e,
        }
    }
}

impl std::fmt::Display for UnusableIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HASH_INDEX at byte {}: {}", self.section_offset, self.problem())
    }
}

/// A HASH_INDEX section, viewed in place (SPEC §8.4).
#[derive(Debug, Clone)]
pub struct HashIndex<'a> {
    bytes: &'a [u8],
    /// The section, for verifying its chunks as they are used (SPEC §3.2).
    section: Checked<'a>,
    order: ByteOrder,
    offset: u64,
    layout: IndexLayout,
    columns: Vec<u32>,
    bits: u32,
    entry_count: u64,
    word_count: u64,
    dir_at: usize,
    entries_at: usize,
    words_at: usize,
    /// The index file it was read from, when not the table's own file (SPEC §8.8).
    origin: Option<Arc<str>>,
}

impl<'a> HashIndex<'a> {
    /// Checks the header and sizes of the section `section` (at absolute
    /// `offset`) of a table with `row_count` rows and `column_count` columns.
    /// The order of the buckets and entries (\[HI6]) is checked bucket by
    /// bucket as lookups read them ([`HashIndex::bucket_entries`]), so that
    /// opening reads only the header; [`HashIndex::check_order`] checks it
    /// all at once.
    pub fn parse(
        section: Checked<'a>,
        order: ByteOrder,
        offset: u64,
        row_count: u64,
        column_count: u32,
    ) -> Result<HashIndex<'a>> {
        let bad = |at: u64, m: String| Error::format(Some(kind::HASH_INDEX), offset + at, m);
        let bytes = section.bytes;
        section.check(0..t::INDEX_HEADER_LEN as usize)?;
        if (bytes.len() as u64) < t::INDEX_HEADER_LEN {
            return Err(bad(
                0,
                format!("section of {} bytes is shorter than its 64-byte header", bytes.len()),
            )
            .with_rule("HI5"));
        }
        let key_count = order.u32_at(bytes, 0);
        let bits = order.u32_at(bytes, 4);
        let entry_count = order.u64_at(bytes, 8);
        let word_count = order.u64_at(bytes, 16);
        let rows = order.u64_at(bytes, 24);
        let hash = order.u32_at(bytes, 32);
        let unsupported = |at: u64, m: String| {
            Error::new(crate::ErrorKind::Unsupported, m)
                .with_rule("HI1")
                .at_byte(Some(kind::HASH_INDEX), offset + at)
        };
        if hash != t::HASH_XXH3_64 {
            return Err(unsupported(
                32,
                format!("hash function {hash} is not known (1 = xxh3-64)"),
            ));
        }
        let layout = match bytes[t::INDEX_LAYOUT_AT] {
            t::INDEX_LAYOUT_CLASSIC => IndexLayout::Classic,
            t::INDEX_LAYOUT_COMPACT => IndexLayout::Compact,
            l => {
                return Err(unsupported(
                    t::INDEX_LAYOUT_AT as u64,
                    format!("index layout {l} is not known (0 = classic, 1 = compact)"),
                ))
            }
        };
        if rows != row_count {
            return Err(bad(24, format!("index is for {rows} rows, the table has {row_count}")).with_rule("HI2"));
        }
        if key_count == 0 || key_count > column_count {
            return Err(bad(0, format!("key_count {key_count} is not in 1..={column_count}")).with_rule("HI3"));
        }
        let max_bits = match layout {
            IndexLayout::Classic => 40,
            IndexLayout::Compact => t::COMPACT_MAX_BUCKET_BITS,
        };
        if bits > max_bits {
            let m = format!("bucket_bits {bits} is above {max_bits} ({} layout)", layout.name());
            return Err(bad(4, m).with_rule("HI4"));
        }
        let mut columns = Vec::with_capacity(key_count as usize);
        let cols_end = 64 + 4 * key_count as u64;
        if cols_end > bytes.len() as u64 {
            return Err(bad(64, "key column list runs past the section".into()).with_rule("HI5"));
        }
        section.check(0..cols_end as usize)?;
        for i in 0..key_count as usize {
            let c = order.u32_at(bytes, 64 + 4 * i);
            if c >= column_count || columns.contains(&c) {
                return Err(
                    bad(64 + 4 * i as u64, format!("key column {c} is out of range or repeated")).with_rule("HI3"),
                );
            }
            columns.push(c);
        }
        let dir_at = cols_end.next_multiple_of(8);
        // [HI5]: the directory is u64[2^B + 1] (classic) or u32[2^B + 1]
        // padded to 8 bytes (compact); entries are 16 or 8 bytes.
        let (dir_len, entry_len) = match layout {
            IndexLayout::Classic => (((1u64 << bits) + 1) * 8, t::INDEX_ENTRY_LEN),
            IndexLayout::Compact => ((((1u64 << bits) + 1) * 4).next_multiple_of(8), t::COMPACT_ENTRY_LEN),
        };
        let need = entry_count
            .checked_mul(entry_len)
            .and_then(|n| n.checked_add(word_count.checked_mul(8)?))
            .and_then(|n| n.checked_add(dir_len))
            .and_then(|n| n.checked_add(dir_at));
        if need != Some(bytes.len() as u64) {
            return Err(bad(
                0,
                format!(
                    "section is {} bytes, its header describes {} ({} layout)",
                    bytes.len(),
                    need.map_or("more than 2^64".into(), |n| n.to_string()),
                    layout.name()
                ),
            )
            .with_rule("HI5"));
        }
        let entries_at = dir_at + dir_len;
        let words_at = entries_at + entry_count * entry_len;
        Ok(HashIndex {
            bytes,
            section,
            order,
            offset,
            layout,
            columns,
            bits,
            entry_count,
            word_count,
            dir_at: dir_at as usize,
            entries_at: entries_at as usize,
            words_at: words_at as usize,
            origin: None,
        })
    }

    /// \[HI6] for the whole index, one pass over the directory and the
    /// entries (for validators; lookups check the buckets they read): the
    /// bucket directory starts at 0, never decreases and ends at
    /// entry_count; every classic entry lies in the bucket of its hash's
    /// top bits; the order keys of each bucket never decrease.
    pub fn check_order(&self) -> Result<()> {
        let n = 1u64 << self.bits;
        if self.bucket(0) != 0 || self.bucket(n) != self.entry_count {
            let msg = format!(
                "bucket directory runs {}..{}, not 0..{}",
                self.bucket(0),
                self.bucket(n),
                self.entry_count
            );
            return Err(Error::format(Some(kind::HASH_INDEX), self.offset + self.dir_at as u64, msg).with_rule("HI6"));
        }
        // Bucket by bucket: hashes in ascending buckets ascend across them.
        for b in 0..n as usize {
            self.bucket_range(b)?;
        }
        Ok(())
    }

    /// \[HI7] for the whole index (for validators; a lookup checks the
    /// posting words of the entries it reads): classic, first(0) = 0;
    /// compact, the posting lists lie end to end from word 0 to word_count
    /// in entry order, each a count n >= 1 and n words.
    pub fn check_postings(&self) -> Result<()> {
        let bad =
            |at: usize, m: String| Error::format(Some(kind::HASH_INDEX), self.offset + at as u64, m).with_rule("HI7");
        match self.layout {
            IndexLayout::Classic => {
                let first0 = self.first_word(0);
                if first0 != 0 {
                    let m = format!("first(0) is {first0}, not 0: posting words 0..{first0} belong to no entry");
                    return Err(bad(self.entries_at, m));
                }
            }
            IndexLayout::Compact => {
                let mut next = 0u64;
                for e in 0..self.entry_count {
                    let r = self.compact_ref(e)?;
                    if r & t::COMPACT_REF_LIST == 0 {
                        continue;
                    }
                    let p = (r & !t::COMPACT_REF_LIST) as u64;
                    if p != next {
                        let m = format!(
                            "entry {e}'s posting list starts at word {p}, not {next}: lists overlap or leave a gap"
                        );
                        return Err(bad(self.entries_at + 8 * e as usize, m));
                    }
                    next = self.compact_list(e, p)?.end;
                }
                if next != self.word_count {
                    let m = format!("posting words {next}..{} belong to no entry", self.word_count);
                    return Err(bad(self.words_at + 8 * next as usize, m));
                }
            }
        }
        Ok(())
    }

    /// The index file this index was read from (SPEC §8.8), or `None` when
    /// it lies in the table's own file.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The same index, marked as read from the index file `origin`.
    pub(crate) fn with_origin(mut self, origin: Arc<str>) -> HashIndex<'a> {
        self.origin = Some(origin);
        self
    }

    /// The layout of the section (SPEC §8.4).
    pub fn layout(&self) -> IndexLayout {
        self.layout
    }

    /// Key column positions, in key order.
    pub fn columns(&self) -> &[u32] {
        &self.columns
    }

    /// Number of distinct keys.
    pub fn entry_count(&self) -> u64 {
        self.entry_count
    }

    /// Number of posting words.
    pub fn word_count(&self) -> u64 {
        self.word_count
    }

    /// Bucket bits.
    pub fn bucket_bits(&self) -> u32 {
        self.bits
    }

    fn entry_len(&self) -> usize {
        match self.layout {
            IndexLayout::Classic => t::INDEX_ENTRY_LEN as usize,
            IndexLayout::Compact => t::COMPACT_ENTRY_LEN as usize,
        }
    }

    /// The order key of entry `i` (< entry_count): the hash (classic) or
    /// the fingerprint (compact); unchecked.
    fn entry_key(&self, i: u64) -> u64 {
        let at = self.entries_at + self.entry_len() * i as usize;
        match self.layout {
            IndexLayout::Classic => self.order.u64_at(self.bytes, at),
            IndexLayout::Compact => self.order.u32_at(self.bytes, at) as u64,
        }
    }

    /// What entries store of `hash`: the hash, or its fingerprint.
    fn probe(&self, hash: u64) -> u64 {
        match self.layout {
            IndexLayout::Classic => hash,
            IndexLayout::Compact => fingerprint(hash, self.bits) as u64,
        }
    }

    /// Whether entry `e` (< entry_count) stands for a key of hash `hash`
    /// (SPEC \[HI9]): the classic entry holds it; the compact entry sits in
    /// its bucket and holds its fingerprint. For validators, after
    /// [`HashIndex::check_order`].
    pub fn entry_holds_hash(&self, e: u64, hash: u64) -> bool {
        let b = bucket_of(hash, self.bits);
        self.entry_key(e) == self.probe(hash)
            && match self.layout {
                IndexLayout::Classic => true,
                IndexLayout::Compact => (self.bucket(b)..self.bucket(b + 1)).contains(&e),
            }
    }

    /// first(e) of SPEC §8.4 (classic): the first posting word of entry `e`
    /// as stored, or word_count for `e` = entry_count; unchecked.
    fn first_word(&self, e: u64) -> u64 {
        if e < self.entry_count {
            self.order.u64_at(self.bytes, self.entries_at + 16 * e as usize + 8)
        } else {
            self.word_count
        }
    }

    /// The `ref` of compact entry `e` (< entry_count), its chunk verified.
    fn compact_ref(&self, e: u64) -> Result<u32> {
        let at = self.entries_at + 8 * e as usize;
        self.section.check(at..at + 8)?;
        Ok(self.order.u32_at(self.bytes, at + 4))
    }

    /// The row words of the compact posting list of entry `e` starting at
    /// word `p` (SPEC \[HI7]): the count n >= 1 at p, then n words within
    /// word_count; their chunks verified.
    fn compact_list(&self, e: u64, p: u64) -> Result<Range<u64>> {
        let bad = |m: String| {
            Error::format(Some(kind::HASH_INDEX), self.offset + self.entries_at as u64 + 8 * e, m).with_rule("HI7")
        };
        if p >= self.word_count {
            return Err(bad(format!(
                "entry {e}'s posting list starts at word {p}, past word_count {}",
                self.word_count
            )));
        }
        let at = self.words_at + 8 * p as usize;
        self.section.check(at..at + 8)?;
        let n = self.order.u64_at(self.bytes, at);
        if n == 0 || n > self.word_count - p - 1 {
            return Err(bad(format!(
                "entry {e}'s posting list at word {p} counts {n} words: none, or past word_count {}",
                self.word_count
            )));
        }
        self.section.check(at + 8..at + 8 + 8 * n as usize)?;
        Ok(p + 1..p + 1 + n)
    }

    /// Where the rows of entry `i` are, checked against the section (SPEC
    /// \[HI7]), the chunks of what is read verified.
    fn postings(&self, i: u64) -> Result<Postings> {
        if self.layout == IndexLayout::Compact {
            let r = self.compact_ref(i)?;
            if r & t::COMPACT_REF_LIST == 0 {
                return Ok(Postings::Row(r as u64));
            }
            return Ok(Postings::Words(
                self.compact_list(i, (r & !t::COMPACT_REF_LIST) as u64)?,
            ));
        }
        let e0 = self.entries_at + 16 * i.min(self.entry_count) as usize;
        let e1 = self.entries_at + 16 * (i + 2).min(self.entry_count) as usize;
        self.section.check(e0..e1)?;
        let first = self.first_word(i);
        let end = self.first_word(i + 1);
        if first >= end || end > self.word_count {
            return Err(Error::format(
                Some(kind::HASH_INDEX),
                self.offset + self.entries_at as u64 + 16 * i,
                format!(
                    "entry {i} has posting words {first}..{end} outside 0..{} or empty",
                    self.word_count
                ),
            )
            .with_rule("HI7"));
        }
        self.section
            .check(self.words_at + 8 * first as usize..self.words_at + 8 * end as usize)?;
        Ok(Postings::Words(first..end))
    }

    /// The rows of entry `i`, as a row set, checked against `row_count`
    /// (SPEC \[HI8]): each single row or range starts after the last row of
    /// the one before it, ranges are non-empty, every row is < `row_count`.
    pub fn entry_rows(&self, i: u64, row_count: u64) -> Result<RowSet> {
        let words = match self.postings(i)? {
            Postings::Row(r) if r < row_count => return Ok(RowSet::from_rows([r])),
            Postings::Row(r) => {
                return Err(Error::format(
                    Some(kind::HASH_INDEX),
                    self.offset + self.entries_at as u64 + 8 * i + 4,
                    format!("entry {i} holds row {r}, past the table's {row_count} rows"),
                )
                .with_rule("HI8"))
            }
            Postings::Words(w) => w,
        };
        let bad = |w: u64| {
            Error::format(
                Some(kind::HASH_INDEX),
                self.offset + self.words_at as u64 + 8 * w,
                format!("posting word {w} of entry {i} is out of order, past the rows, or a truncated range"),
            )
            .with_rule("HI8")
        };
        let mut ranges = Vec::new();
        let mut w = words.start;
        let mut prev_end = 0u64;
        while w < words.end {
            let v = self.order.u64_at(self.bytes, self.words_at + 8 * w as usize);
            let r = if v & t::POSTING_RANGE != 0 {
                if w + 1 >= words.end {
                    return Err(bad(w));
                }
                let end = self.order.u64_at(self.bytes, self.words_at + 8 * (w as usize + 1));
                w += 2;
                (v & !t::POSTING_RANGE)..end
            } else {
                w += 1;
                v..v.saturating_add(1)
            };
            // prev_end is one past the last row so far: rows strictly ascend
            // when the next starts at or after it (adjacent words are allowed).
            if r.start >= r.end || r.end > row_count || r.start < prev_end {
                return Err(bad(w - 1));
            }
            prev_end = r.end;
            ranges.push(r);
        }
        Ok(RowSet::from_ranges(ranges))
    }

    /// The first row of entry `i` (the row whose key a lookup compares):
    /// in a compact entry of one row, the entry itself holds it.
    pub fn entry_first_row(&self, i: u64) -> Result<u64> {
        match self.postings(i)? {
            Postings::Row(r) => Ok(r),
            Postings::Words(w) => {
                Ok(self.order.u64_at(self.bytes, self.words_at + 8 * w.start as usize) & !t::POSTING_RANGE)
            }
        }
    }

    /// Entries whose hash equals `hash` (compact: whose fingerprint equals
    /// its fingerprint): one read of the bucket directory, then a short
    /// scan of that bucket's entries.
    pub fn candidates(&self, hash: u64) -> Result<Range<u64>> {
        Ok(self.in_bucket(self.bucket_entries(hash)?, hash))
    }

    /// The entries of the bucket of `hash` (one read of the directory),
    /// checked against \[HI6] as far as this bucket goes (SPEC §8.4): its
    /// range lies in 0..entry_count, each of its classic entries has the
    /// bucket's top bits and their order keys never decrease. Its bytes are
    /// verified first, chunk by chunk, when the index has chunk checksums.
    pub fn bucket_entries(&self, hash: u64) -> Result<Range<u64>> {
        self.bucket_range(bucket_of(hash, self.bits) as usize)
    }

    /// Bucket `b`'s entries, checked against \[HI6] as far as this bucket
    /// goes; the one statement of the rule, for lookups and
    /// [`HashIndex::check_order`] alike, in both layouts.
    fn bucket_range(&self, b: usize) -> Result<Range<u64>> {
        let bad = |at: usize, msg: String| {
            Error::format(Some(kind::HASH_INDEX), self.offset + at as u64, msg).with_rule("HI6")
        };
        let w = self.dir_width();
        self.section.check(self.dir_at + w * b..self.dir_at + w * (b + 2))?;
        let lo = self.bucket(b as u64);
        let hi = self.bucket(b as u64 + 1);
        if lo > hi || hi > self.entry_count {
            let msg = format!("bucket {b} spans entries {lo}..{hi}, outside 0..{}", self.entry_count);
            return Err(bad(self.dir_at + w * b, msg));
        }
        let el = self.entry_len();
        self.section
            .check(self.entries_at + el * lo as usize..self.entries_at + el * hi as usize)?;
        let mut prev = 0;
        for e in lo..hi {
            let k = self.entry_key(e);
            let outside = self.layout == IndexLayout::Classic && bucket_of(k, self.bits) != b as u64;
            if outside || k < prev {
                let msg = match self.layout {
                    IndexLayout::Classic => format!("entry {e} is out of hash order or outside its bucket {b}"),
                    IndexLayout::Compact => format!("entry {e} is out of fingerprint order in bucket {b}"),
                };
                return Err(bad(self.entries_at + el * e as usize, msg));
            }
            prev = k;
        }
        Ok(lo..hi)
    }

    /// The entries of `bucket` (from [`HashIndex::bucket_entries`]) whose
    /// hash (compact: fingerprint) is that of `hash`.
    pub fn in_bucket(&self, bucket: Range<u64>, hash: u64) -> Range<u64> {
        let want = self.probe(hash);
        let mut i = bucket.start;
        while i < bucket.end && self.entry_key(i) < want {
            i += 1;
        }
        let mut j = i;
        while j < bucket.end && self.entry_key(j) == want {
            j += 1;
        }
        i..j
    }

    /// Absolute offset of the section.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    fn dir_width(&self) -> usize {
        match self.layout {
            IndexLayout::Classic => 8,
            IndexLayout::Compact => 4,
        }
    }

    /// The bucket directory value `b` (for the validator); unchecked.
    pub fn bucket(&self, b: u64) -> u64 {
        let at = self.dir_at + self.dir_width() * b as usize;
        match self.layout {
            IndexLayout::Classic => self.order.u64_at(self.bytes, at),
            IndexLayout::Compact => self.order.u32_at(self.bytes, at) as u64,
        }
    }

    /// Whether `k` is the kind of this section (always HASH_INDEX).
    pub fn kind(&self) -> u32 {
        spec::kind::HASH_INDEX
    }
}

/// The minor version a HASH_INDEX section's bytes need (SPEC §10 rule 6):
/// 1.8 for the compact layout, else 1.1. For writers that copy sections.
pub fn section_minor(section: &[u8]) -> u16 {
    match section.get(t::INDEX_LAYOUT_AT) {
        Some(&t::INDEX_LAYOUT_COMPACT) => spec::VERSION_MINOR_COMPACT_INDEX,
        _ => spec::VERSION_MINOR_TABLES,
    }
}
