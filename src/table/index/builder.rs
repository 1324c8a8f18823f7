//! SPEC §8.4: the HASH_INDEX writer — key hashes collected while rows are
//! written, sorted in parallel, streamed out in the classic or the compact
//! layout.

use std::io::{Seek, Write};

use rayon::slice::ParallelSliceMut;

use super::{bucket_of, fingerprint, key_hash, IndexLayout};
use crate::container::{ByteOrder, ContainerWriter};
use crate::error::Result;
use crate::spec::{self, kind, table as t};

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
    layout: IndexLayout,
}

impl IndexBuilder {
    /// A builder for an index on `columns`, in the compact layout where it
    /// fits (SPEC §8.4).
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
            layout: IndexLayout::Compact,
        }
    }

    /// Replaces the hash function, so tests can force collisions.
    #[doc(hidden)]
    pub fn set_hash(&mut self, hash: fn(&[u8]) -> u64) {
        self.hash = hash;
    }

    /// Sets the layout to write: [`IndexLayout::Compact`] (the default)
    /// falls back to the classic layout when the index does not fit it;
    /// [`IndexLayout::Classic`] always writes the classic one.
    pub fn set_layout(&mut self, layout: IndexLayout) {
        self.layout = layout;
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
        // Pass 1: how many entries, and posting words in each layout (a
        // compact key of one row has none; another has a count word more).
        let (mut n, mut classic_words, mut compact_words) = (0u64, 0u64, 0u64);
        for g in KeyGroups(el) {
            n += 1;
            let mut k = 0;
            posting_words(g, |_| k += 1);
            classic_words += k;
            if !is_single_row(g) {
                compact_words += 1 + k;
            }
        }
        // SPEC §8.4: compact needs rows and posting words below 2^31 and
        // B <= 32; its buckets hold about 4 entries (32 bytes), the classic
        // ones about 2 (also 32 bytes).
        let compact = self.layout == IndexLayout::Compact
            && row_count < 1 << 31
            && compact_words < 1 << 31
            && n.div_ceil(4) <= 1 << t::COMPACT_MAX_BUCKET_BITS;
        let (per_bucket, max_bits, word_count) = match compact {
            true => (4, t::COMPACT_MAX_BUCKET_BITS, compact_words),
            false => (2, 40, classic_words),
        };
        let mut bits = 0u32;
        while (1u64 << bits) < n.div_ceil(per_bucket) && bits < max_bits {
            bits += 1;
        }
        if compact {
            c.require_minor(spec::VERSION_MINOR_COMPACT_INDEX);
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
        out.buf.push(match compact {
            true => t::INDEX_LAYOUT_COMPACT,
            false => t::INDEX_LAYOUT_CLASSIC,
        });
        out.zeros(t::INDEX_HEADER_LEN as usize - t::INDEX_LAYOUT_AT - 1)?;
        for &col in &self.columns {
            out.u32(col)?;
        }
        out.zeros((4 * self.columns.len()).next_multiple_of(8) - 4 * self.columns.len())?;
        // Pass 2: the bucket directory, buckets[b] = first entry whose
        // bucket is >= b (u32 in the compact layout, then zero padding to 8).
        let dir = |out: &mut SectionBuffer<'_, W>, v: u64| match compact {
            true => out.u32(v as u32),
            false => out.u64(v),
        };
        let mut entry = 0u64;
        let mut next_bucket = 0u64;
        for g in KeyGroups(el) {
            let b = bucket_of(g[0].0, bits);
            while next_bucket <= b {
                dir(&mut out, entry)?;
                next_bucket += 1;
            }
            entry += 1;
        }
        while next_bucket <= 1u64 << bits {
            dir(&mut out, entry)?;
            next_bucket += 1;
        }
        // 2^B + 1 u32s: odd for B > 0, so 4 bytes of padding reach 8.
        if compact && bits > 0 {
            out.zeros(4)?;
        }
        // Pass 3: the entries: (hash, first posting word), or (fp, ref)
        // with ref the single row itself or the start of a posting list.
        let mut first = 0u64;
        for g in KeyGroups(el) {
            let mut k = 0;
            posting_words(g, |_| k += 1);
            if !compact {
                out.u64(g[0].0)?;
                out.u64(first)?;
                first += k;
            } else {
                out.u32(fingerprint(g[0].0, bits))?;
                if is_single_row(g) {
                    out.u32((g[0].2 >> 1) as u32)?;
                } else {
                    out.u32(t::COMPACT_REF_LIST | first as u32)?;
                    first += 1 + k;
                }
            }
        }
        // Pass 4: the posting words (compact: each list after its count).
        for g in KeyGroups(el) {
            if compact {
                if is_single_row(g) {
                    continue;
                }
                let mut k = 0;
                posting_words(g, |_| k += 1);
                out.u64(k)?;
            }
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

/// Whether one key's sorted elements are one single row (a compact entry
/// that holds its row inline).
fn is_single_row(g: &[(u64, u64, u64)]) -> bool {
    g.len() == 1 && g[0].2 & 1 == 0
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
