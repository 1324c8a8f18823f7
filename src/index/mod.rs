//! SPEC §8.4–8.5: the persisted hash-key index — its key encoding, its
//! builder (hashes collected while rows are written, sorted in parallel) and
//! its bounds-checked view over a memory map.

use std::ops::Range;

use rayon::slice::ParallelSliceMut;

use crate::container::ByteOrder;
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

/// Collects (hash, row) pairs while a table is written and serialises the
/// HASH_INDEX section at the end.
#[derive(Debug)]
pub struct IndexBuilder {
    /// Key column positions, in key order.
    pub columns: Vec<u32>,
    pairs: Vec<(u64, u64, u64)>,
    hash: fn(&[u8]) -> u64,
}

impl IndexBuilder {
    /// A builder for an index on `columns`.
    pub fn new(columns: Vec<u32>) -> IndexBuilder {
        IndexBuilder {
            columns,
            pairs: Vec::new(),
            hash: key_hash,
        }
    }

    /// A builder with another hash function, so tests can force collisions.
    #[doc(hidden)]
    pub fn with_hash(columns: Vec<u32>, hash: fn(&[u8]) -> u64) -> IndexBuilder {
        IndexBuilder {
            columns,
            pairs: Vec::new(),
            hash,
        }
    }

    /// Records that `row` has the key whose encoding is `encoded`.
    pub fn add(&mut self, encoded: &[u8], row: u64) {
        self.pairs.push(((self.hash)(encoded), key_discriminator(encoded), row));
    }

    /// Serialises the section (SPEC §8.4) for a table of `row_count` rows.
    pub fn finish(mut self, row_count: u64, order: ByteOrder) -> Vec<u8> {
        self.pairs.par_sort_unstable();
        let mut entries: Vec<(u64, u64)> = Vec::new();
        let mut words: Vec<u64> = Vec::new();
        let mut i = 0;
        while i < self.pairs.len() {
            let (h, d, _) = self.pairs[i];
            entries.push((h, words.len() as u64));
            let mut j = i;
            while j < self.pairs.len() && self.pairs[j].0 == h && self.pairs[j].1 == d {
                j += 1;
            }
            // Rows of one key are ascending: emit maximal runs.
            let mut k = i;
            while k < j {
                let start = self.pairs[k].2;
                let mut end = start + 1;
                k += 1;
                while k < j && self.pairs[k].2 == end {
                    end += 1;
                    k += 1;
                }
                if end - start == 1 {
                    words.push(start);
                } else {
                    words.push(start | t::POSTING_RANGE);
                    words.push(end);
                }
            }
            i = j;
        }
        let n = entries.len() as u64;
        let mut bits = 0u32;
        while (1u64 << bits) < n.div_ceil(2) && bits < 40 {
            bits += 1;
        }
        let buckets = 1usize << bits;
        let mut dir = vec![0u64; buckets + 1];
        // dir[b] = first entry whose bucket is >= b.
        let mut e = 0usize;
        for (b, slot) in dir.iter_mut().enumerate() {
            while e < entries.len() && bucket_of(entries[e].0, bits) < b as u64 {
                e += 1;
            }
            *slot = e as u64;
        }
        let mut out = Vec::with_capacity(64 + 8 * (dir.len() + 2 * entries.len() + words.len()));
        order.put_u32(&mut out, self.columns.len() as u32);
        order.put_u32(&mut out, bits);
        order.put_u64(&mut out, n);
        order.put_u64(&mut out, words.len() as u64);
        order.put_u64(&mut out, row_count);
        order.put_u32(&mut out, t::HASH_XXH3_64);
        out.resize(t::INDEX_HEADER_LEN as usize, 0);
        for &c in &self.columns {
            order.put_u32(&mut out, c);
        }
        out.resize(out.len().next_multiple_of(8), 0);
        for d in dir {
            order.put_u64(&mut out, d);
        }
        for (h, first) in entries {
            order.put_u64(&mut out, h);
            order.put_u64(&mut out, first);
        }
        for w in words {
            order.put_u64(&mut out, w);
        }
        out
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

/// A HASH_INDEX section, viewed in place (SPEC §8.4).
#[derive(Debug, Clone)]
pub struct HashIndex<'a> {
    bytes: &'a [u8],
    order: ByteOrder,
    offset: u64,
    columns: Vec<u32>,
    bits: u32,
    entry_count: u64,
    word_count: u64,
    dir_at: usize,
    entries_at: usize,
    words_at: usize,
}

impl<'a> HashIndex<'a> {
    /// Checks the header and sizes of the section `bytes` (at absolute
    /// `offset`) of a table with `row_count` rows and `column_count` columns.
    pub fn parse(
        bytes: &'a [u8],
        order: ByteOrder,
        offset: u64,
        row_count: u64,
        column_count: u32,
    ) -> Result<HashIndex<'a>> {
        let bad = |at: u64, m: String| Error::format(Some(kind::HASH_INDEX), offset + at, m);
        if (bytes.len() as u64) < t::INDEX_HEADER_LEN {
            return Err(bad(
                0,
                format!("section of {} bytes is shorter than its 64-byte header", bytes.len()),
            ));
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
                format!("hash function {hash} is not known (1 = xxh3-64) [HI1]"),
            )
            .at_byte(Some(kind::HASH_INDEX), offset + 32));
        }
        if rows != row_count {
            return Err(bad(
                24,
                format!("index is for {rows} rows, the table has {row_count} [HI2]"),
            ));
        }
        if key_count == 0 || key_count > column_count {
            return Err(bad(
                0,
                format!("key_count {key_count} is not in 1..={column_count} [HI3]"),
            ));
        }
        if bits > 40 {
            return Err(bad(4, format!("bucket_bits {bits} is above 40 [HI4]")));
        }
        let mut columns = Vec::with_capacity(key_count as usize);
        let cols_end = 64 + 4 * key_count as u64;
        if cols_end > bytes.len() as u64 {
            return Err(bad(64, "key column list runs past the section".into()));
        }
        for i in 0..key_count as usize {
            let c = order.u32_at(bytes, 64 + 4 * i);
            if c >= column_count || columns.contains(&c) {
                return Err(bad(
                    64 + 4 * i as u64,
                    format!("key column {c} is out of range or repeated [HI3]"),
                ));
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
                    "section is {} bytes, its header describes {} [HI5]",
                    bytes.len(),
                    need.map_or("more than 2^64".into(), |n| n.to_string())
                ),
            ));
        }
        let entries_at = dir_at + ((1u64 << bits) + 1) * 8;
        let words_at = entries_at + entry_count * 16;
        Ok(HashIndex {
            bytes,
            order,
            offset,
            columns,
            bits,
            entry_count,
            word_count,
            dir_at: dir_at as usize,
            entries_at: entries_at as usize,
            words_at: words_at as usize,
        })
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

    /// The posting words of entry `i`, checked against the section.
    fn entry_words(&self, i: u64) -> Result<Range<u64>> {
        let first = self.order.u64_at(self.bytes, self.entries_at + 16 * i as usize + 8);
        let end = if i + 1 < self.entry_count {
            self.order
                .u64_at(self.bytes, self.entries_at + 16 * (i as usize + 1) + 8)
        } else {
            self.word_count
        };
        if first >= end || end > self.word_count {
            return Err(Error::format(
                Some(kind::HASH_INDEX),
                self.offset + self.entries_at as u64 + 16 * i,
                format!(
                    "entry {i} has posting words {first}..{end} outside 0..{} or empty [HI7]",
                    self.word_count
                ),
            ));
        }
        Ok(first..end)
    }

    /// The rows of entry `i`, as a row set, checked against `row_count`.
    pub fn entry_rows(&self, i: u64, row_count: u64) -> Result<RowSet> {
        let words = self.entry_words(i)?;
        let bad = |w: u64| {
            Error::format(
                Some(kind::HASH_INDEX),
                self.offset + self.words_at as u64 + 8 * w,
                format!("posting word {w} of entry {i} is out of order, past the rows, or a truncated range [HI8]"),
            )
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
            if r.start >= r.end || r.end > row_count || (!ranges.is_empty() && r.start <= prev_end) {
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
        let b = bucket_of(hash, self.bits) as usize;
        let lo = self.order.u64_at(self.bytes, self.dir_at + 8 * b);
        let hi = self.order.u64_at(self.bytes, self.dir_at + 8 * (b + 1));
        if lo > hi || hi > self.entry_count {
            return Err(Error::format(
                Some(kind::HASH_INDEX),
                self.offset + self.dir_at as u64 + 8 * b as u64,
                format!(
                    "bucket {b} spans entries {lo}..{hi}, outside 0..{} [HI6]",
                    self.entry_count
                ),
            ));
        }
        let mut i = lo;
        while i < hi && self.entry_hash(i) < hash {
            i += 1;
        }
        let mut j = i;
        while j < hi && self.entry_hash(j) == hash {
            j += 1;
        }
        Ok(i..j)
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
