//! SPEC §8.4–8.5: the persisted hash-key index — its key encoding, its
//! builder (hashes collected while rows are written, sorted in parallel) and
//! its bounds-checked view over a memory map.

use std::io::{Seek, Write};
use std::ops::Range;
use std::sync::Arc;

mod target;
pub use target::{IndexFile, IndexTarget, TargetDictionary, TargetIndexes};

use rayon::slice::ParallelSliceMut;

use crate::container::{ByteOrder, Checked, ContainerWriter};
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

/// A second, independent hash the builder uses to tell keys with equal
/// index hashes apart without keeping the keys in memory.
#[inline]
fn key_discriminator(encoded: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(encoded, 0x9E37_79B9_7F4A_7C15)
}

/// Collects the key hashes of rows while a table is written and serialises
/// the HASH_INDEX section at the end.
///
/// Memory: rows that repeat the previous row's key (a table sorted by the
/// key, such as patient-major expression data indexed by patient) extend a
/// run and cost nothing; every other row costs one 24-byte element.
#[derive(Debug)]
pub struct IndexBuilder {
    /// Key column positions, in key order.
    pub columns: Vec<u32>,
    /// (hash, discriminator, tagged row) where the tagged row is `row << 1`
    /// for a single row, and a run of rows `[s, e)` is the pair `s << 1 | 1`,
    /// `(e - 1) << 1`, which sort next to each other.
    elements: Vec<(u64, u64, u64)>,
    /// The run being extended: hash, discriminator, first row, row count.
    run: Option<(u64, u64, u64, u64)>,
    hash: fn(&[u8]) -> u64,
}

impl IndexBuilder {
    /// A builder for an index on `columns`.
    pub fn new(columns: Vec<u32>) -> IndexBuilder {
        IndexBuilder::with_hash(columns, key_hash)
    }

    /// A builder with another hash function, so tests can force collisions.
    #[doc(hidden)]
    pub fn with_hash(columns: Vec<u32>, hash: fn(&[u8]) -> u64) -> IndexBuilder {
        IndexBuilder {
            columns,
            elements: Vec::new(),
            run: None,
            hash,
        }
    }

    /// Records that `row` has the key whose encoding is `encoded`. Rows are
    /// added in ascending order.
    pub fn add(&mut self, encoded: &[u8], row: u64) {
        let h = (self.hash)(encoded);
        let d = key_discriminator(encoded);
        match &mut self.run {
            Some((rh, rd, start, len)) if *rh == h && *rd == d && *start + *len == row => *len += 1,
            _ => {
                self.flush_run();
                self.run = Some((h, d, row, 1));
            }
        }
    }

    fn flush_run(&mut self) {
        if let Some((h, d, start, len)) = self.run.take() {
            if len == 1 {
                self.elements.push((h, d, start << 1));
            } else {
                self.elements.push((h, d, start << 1 | 1));
                self.elements.push((h, d, (start + len - 1) << 1));
            }
        }
    }

    /// Writes the HASH_INDEX section (SPEC §8.4) of a table of `row_count`
    /// rows, in section group `group`. The section streams out in a few
    /// passes over the sorted elements, so nothing the size of the index is
    /// held besides them.
    pub fn write_section<W: Write + Seek>(
        mut self,
        c: &mut ContainerWriter<W>,
        group: u32,
        row_count: u64,
    ) -> Result<()> {
        self.flush_run();
        let el = &mut self.elements;
        el.par_sort_unstable();
        let el = &*el;
        let order = c.order();
        // Pass 1: how many entries and posting words.
        let (mut n, mut word_count) = (0u64, 0u64);
        for g in KeyGroups(el) {
            n += 1;
            posting_words(g, |_| word_count += 1);
        }
        let mut bits = 0u32;
        while (1u64 << bits) < n.div_ceil(2) && bits < 40 {
            bits += 1;
        }
        c.begin_section(kind::HASH_INDEX, false, group)?;
        let mut out = SectionBuffer {
            c,
            buf: Vec::with_capacity(1 << 20),
            order,
        };
        out.u32(self.columns.len() as u32)?;
        out.u32(bits)?;
        out.u64(n)?;
        out.u64(word_count)?;
        out.u64(row_count)?;
        out.u32(t::HASH_XXH3_64)?;
        out.zeros(t::INDEX_HEADER_LEN as usize - 36)?;
        for &col in &self.columns {
            out.u32(col)?;
        }
        out.zeros((4 * self.columns.len()).next_multiple_of(8) - 4 * self.columns.len())?;
        // Pass 2: the bucket directory, buckets[b] = first entry whose
        // bucket is >= b.
        let mut entry = 0u64;
        let mut next_bucket = 0u64;
        for g in KeyGroups(el) {
            let b = bucket_of(g[0].0, bits);
            while next_bucket <= b {
                out.u64(entry)?;
                next_bucket += 1;
            }
            entry += 1;
        }
        while next_bucket <= 1u64 << bits {
            out.u64(entry)?;
            next_bucket += 1;
        }
        // Pass 3: the entries, each with its first posting word.
        let mut first = 0u64;
        for g in KeyGroups(el) {
            out.u64(g[0].0)?;
            out.u64(first)?;
            posting_words(g, |_| first += 1);
        }
        // Pass 4: the posting words.
        for g in KeyGroups(el) {
            let mut failed = Ok(());
            posting_words(g, |w| {
                if failed.is_ok() {
                    failed = out.u64(w);
                }
            });
            failed?;
        }
        out.flush()?;
        c.end_section()?;
        Ok(())
    }
}

/// The runs of sorted builder elements that share one key (hash and
/// discriminator).
struct KeyGroups<'e>(&'e [(u64, u64, u64)]);

impl<'e> Iterator for KeyGroups<'e> {
    type Item = &'e [(u64, u64, u64)];
    fn next(&mut self) -> Option<Self::Item> {
        let (h, d, _) = *self.0.first()?;
        let n = self.0.iter().position(|e| e.0 != h || e.1 != d).unwrap_or(self.0.len());
        let (g, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(g)
    }
}

/// The posting words (SPEC §8.4) of one key's sorted elements: its rows
/// merged into maximal runs, a run of one row as a plain word, a longer one
/// as a range word and its end.
fn posting_words(g: &[(u64, u64, u64)], mut push: impl FnMut(u64)) {
    let mut emit = |r: Option<(u64, u64)>| {
        if let Some((start, end)) = r {
            if end - start == 1 {
                push(start);
            } else {
                push(start | t::POSTING_RANGE);
                push(end);
            }
        }
    };
    let mut current: Option<(u64, u64)> = None;
    let mut i = 0;
    while i < g.len() {
        let v = g[i].2;
        let (start, end) = if v & 1 == 1 && i + 1 < g.len() {
            i += 1;
            (v >> 1, (g[i].2 >> 1) + 1)
        } else {
            (v >> 1, (v >> 1) + 1)
        };
        i += 1;
        current = match current {
            Some((s, e)) if e == start => Some((s, end)),
            other => {
                emit(other);
                Some((start, end))
            }
        };
    }
    emit(current);
}

/// Bytes of a section being streamed, handed to the container writer in
/// large pieces.
struct SectionBuffer<'c, W: Write + Seek> {
    c: &'c mut ContainerWriter<W>,
    buf: Vec<u8>,
    order: ByteOrder,
}

impl<W: Write + Seek> SectionBuffer<'_, W> {
    fn flush(&mut self) -> Result<()> {
        self.c.write(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
    fn reserve(&mut self) -> Result<()> {
        if self.buf.len() >= 1 << 20 {
            self.flush()?;
        }
        Ok(())
    }
    fn u32(&mut self, v: u32) -> Result<()> {
        self.order.put_u32(&mut self.buf, v);
        self.reserve()
    }
    fn u64(&mut self, v: u64) -> Result<()> {
        self.order.put_u64(&mut self.buf, v);
        self.reserve()
    }
    fn zeros(&mut self, n: usize) -> Result<()> {
        self.buf.resize(self.buf.len() + n, 0);
        self.reserve()
    }
}

#[inline]
fn bucket_of(hash: u64, bits: u32) -> u64 {
    if bits == 0 {
        0
    } else {
        hash >> (64 - bits)
    }
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
        if hash != t::HASH_XXH3_64 {
            return Err(Error::new(
                crate::ErrorKind::Unsupported,
                format!("hash function {hash} is not known (1 = xxh3-64)"),
            )
            .with_rule("HI1")
            .at_byte(Some(kind::HASH_INDEX), offset + 32));
        }
        if rows != row_count {
            return Err(bad(24, format!("index is for {rows} rows, the table has {row_count}")).with_rule("HI2"));
        }
        if key_count == 0 || key_count > column_count {
            return Err(bad(0, format!("key_count {key_count} is not in 1..={column_count}")).with_rule("HI3"));
        }
        if bits > 40 {
            return Err(bad(4, format!("bucket_bits {bits} is above 40")).with_rule("HI4"));
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
        let need = ((1u64 << bits) + 1)
            .checked_add(entry_count.saturating_mul(2))
            .and_then(|n| n.checked_add(word_count))
            .and_then(|n| n.checked_mul(8))
            .and_then(|n| n.checked_add(dir_at));
        if need != Some(bytes.len() as u64) {
            return Err(bad(
                0,
                format!(
                    "section is {} bytes, its header describes {}",
                    bytes.len(),
                    need.map_or("more than 2^64".into(), |n| n.to_string())
                ),
            )
            .with_rule("HI5"));
        }
        let entries_at = dir_at + ((1u64 << bits) + 1) * 8;
        let words_at = entries_at + entry_count * 16;
        Ok(HashIndex {
            bytes,
            section,
            order,
            offset,
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
    /// entry_count; every entry lies in the bucket of its hash's top bits;
    /// entry hashes never decrease.
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

    /// The hash of entry `i` (< entry_count).
    pub fn entry_hash(&self, i: u64) -> u64 {
        self.order.u64_at(self.bytes, self.entries_at + 16 * i as usize)
    }

    /// first(e) of SPEC §8.4: the first posting word of entry `e` as
    /// stored, or word_count for `e` = entry_count; unchecked (for validators).
    pub fn first_word(&self, e: u64) -> u64 {
        if e < self.entry_count {
            self.order.u64_at(self.bytes, self.entries_at + 16 * e as usize + 8)
        } else {
            self.word_count
        }
    }

    /// The posting words of entry `i`, checked against the section, their
    /// chunks and those of the entries that bound them verified.
    fn entry_words(&self, i: u64) -> Result<Range<u64>> {
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
        Ok(first..end)
    }

    /// The rows of entry `i`, as a row set, checked against `row_count`
    /// (SPEC \[HI8]): each single row or range starts after the last row of
    /// the one before it, ranges are non-empty, every row is < `row_count`.
    pub fn entry_rows(&self, i: u64, row_count: u64) -> Result<RowSet> {
        let words = self.entry_words(i)?;
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

    /// The first row of entry `i` (the row whose key a lookup compares).
    pub fn entry_first_row(&self, i: u64) -> Result<u64> {
        let words = self.entry_words(i)?;
        let v = self.order.u64_at(self.bytes, self.words_at + 8 * words.start as usize);
        Ok(v & !t::POSTING_RANGE)
    }

    /// Entries whose hash equals `hash`: one read of the bucket directory,
    /// then a short scan of that bucket's entries.
    pub fn candidates(&self, hash: u64) -> Result<Range<u64>> {
        Ok(self.in_bucket(self.bucket_entries(hash)?, hash))
    }

    /// The entries of the bucket of `hash` (one read of the directory),
    /// checked against \[HI6] as far as this bucket goes (SPEC §8.4): its
    /// range lies in 0..entry_count, each of its entries has the bucket's
    /// top bits and their hashes never decrease. Its bytes are verified
    /// first, chunk by chunk, when the index has chunk checksums.
    pub fn bucket_entries(&self, hash: u64) -> Result<Range<u64>> {
        self.bucket_range(bucket_of(hash, self.bits) as usize)
    }

    /// Bucket `b`'s entries, checked against \[HI6] as far as this bucket
    /// goes; the one statement of the rule, for lookups and
    /// [`HashIndex::check_order`] alike.
    fn bucket_range(&self, b: usize) -> Result<Range<u64>> {
        let bad = |at: usize, msg: String| {
            Error::format(Some(kind::HASH_INDEX), self.offset + at as u64, msg).with_rule("HI6")
        };
        self.section.check(self.dir_at + 8 * b..self.dir_at + 8 * (b + 2))?;
        let lo = self.order.u64_at(self.bytes, self.dir_at + 8 * b);
        let hi = self.order.u64_at(self.bytes, self.dir_at + 8 * (b + 1));
        if lo > hi || hi > self.entry_count {
            let msg = format!("bucket {b} spans entries {lo}..{hi}, outside 0..{}", self.entry_count);
            return Err(bad(self.dir_at + 8 * b, msg));
        }
        self.section
            .check(self.entries_at + 16 * lo as usize..self.entries_at + 16 * hi as usize)?;
        let mut prev = 0;
        for e in lo..hi {
            let h = self.entry_hash(e);
            if bucket_of(h, self.bits) != b as u64 || h < prev {
                let msg = format!("entry {e} is out of hash order or outside its bucket {b}");
                return Err(bad(self.entries_at + 16 * e as usize, msg));
            }
            prev = h;
        }
        Ok(lo..hi)
    }

    /// The entries of `bucket` (from [`HashIndex::bucket_entries`]) whose hash is `hash`.
    pub fn in_bucket(&self, bucket: Range<u64>, hash: u64) -> Range<u64> {
        let mut i = bucket.start;
        while i < bucket.end && self.entry_hash(i) < hash {
            i += 1;
        }
        let mut j = i;
        while j < bucket.end && self.entry_hash(j) == hash {
            j += 1;
        }
        i..j
    }

    /// Absolute offset of the section.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The bucket directory value `b` (for the validator).
    pub fn bucket(&self, b: u64) -> u64 {
        self.order.u64_at(self.bytes, self.dir_at + 8 * b as usize)
    }

    /// Whether `k` is the kind of this section (always HASH_INDEX).
    pub fn kind(&self) -> u32 {
        spec::kind::HASH_INDEX
    }
}
