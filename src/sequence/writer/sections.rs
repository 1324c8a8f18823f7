//! The metadata sections written by [`Writer::finish`] once the last block
//! is out (SPEC §5–6, §9): block index, non-ACGT summary, sequence index,
//! names and name hash, masks, exceptions, their dense forms, references.

use std::io::{Seek, Write};

use super::super::layout::{IndexHeader, Record};
use super::Writer;
use crate::container::{checksum, to_bytes, ByteOrder};
use crate::error::{Error, ErrorKind, Result};
use crate::spec::{self, kind};

impl<W: Write + Seek> Writer<W> {
    /// Sets each block's first_mask and first_exception (SPEC §5.1): the
    /// first run whose stream end lies after the block's first position.
    fn set_first_runs(&mut self) {
        let bb = self.block_bases as u64;
        let records = &self.records;
        let mask_ends = records.iter().flat_map(|r| {
            self.masks[r.mask_first as usize..(r.mask_first + r.mask_count) as usize]
                .iter()
                .map(move |m| r.start + m.end)
        });
        let exc_ends = records.iter().flat_map(|r| {
            self.exceptions[r.exception_first as usize..(r.exception_first + r.exception_count) as usize]
                .iter()
                .map(move |e| r.start + e.end())
        });
        let mut mask_ends = mask_ends.peekable();
        let mut exc_ends = exc_ends.peekable();
        let (mut km, mut ke) = (0u64, 0u64);
        for (b, e) in self.block_index.iter_mut().enumerate() {
            let first = b as u64 * bb;
            while mask_ends.next_if(|&end| end <= first).is_some() {
                km += 1;
            }
            while exc_ends.next_if(|&end| end <= first).is_some() {
                ke += 1;
            }
            e.first_mask = km;
            e.first_exception = ke;
        }
    }

    /// Writes the last block and every metadata section, then the directory
    /// and header; returns the output.
    pub fn finish(mut self) -> Result<W> {
        if self.cur.is_some() {
            return Err(Error::new(ErrorKind::Input, "finish while a sequence is open"));
        }
        self.flush_block()?;
        self.c.end_section()?;
        if let Some(p) = self.digests.take() {
            for (i, d) in p.finish()? {
                self.records[i].md5 = d.md5;
                if let Some(g) = d.refget {
                    self.records[i].refget = g;
                }
            }
        }
        let order = self.order;
        let g = 0;
        self.set_first_runs();
        let mut buf = Vec::with_capacity(self.block_index.len() * spec::BLOCK_ENTRY_LEN as usize);
        for e in &self.block_index {
            e.encode(order, &mut buf);
        }
        self.c.add_section(kind::BLOCK_INDEX, true, g, &buf)?;
        let mut summary = std::mem::take(&mut self.summary);
        summary.resize(summary.len().div_ceil(8) * 8, 0);
        self.c.add_section(kind::NONACGT_SUMMARY, false, g, &summary)?;

        let block_count = self.block_index.len() as u64;
        let header = IndexHeader {
            sequence_count: self.records.len() as u64,
            stream_len: self.stream_pos,
            block_bases: self.block_bases,
            record_len: spec::SEQUENCE_RECORD_LEN,
            block_count,
            flags: if self.refget { spec::SEQUENCE_FLAG_REFGET } else { 0 },
            reserved: [0; 24],
        };
        self.c.begin_section(kind::SEQUENCE_INDEX, true, g)?;
        self.c.write(&to_bytes(&header, order))?;
        for r in &self.records {
            self.c.write(&to_bytes(r, order))?;
        }
        self.c.end_section()?;
        self.c.add_section(kind::SEQUENCE_NAMES, true, g, &self.names)?;
        let hash = name_hash(&self.records, &self.names, order);
        self.c.add_section(kind::SEQUENCE_NAME_HASH, true, g, &hash)?;
        buf.clear();
        for m in &self.masks {
            m.encode(order, &mut buf);
        }
        self.c.add_section(kind::MASKS, true, g, &buf)?;
        buf.clear();
        for e in &self.exceptions {
            e.encode(order, &mut buf);
        }
        self.c.add_section(kind::EXCEPTIONS, true, g, &buf)?;
        // SPEC §6.6: present only when a sequence is in dense form, so
        // files without one stay as they were (version 1.0 or 1.1).
        if let Some(b) = self.mask_dense.section(order) {
            self.c.add_section(kind::MASK_BITMAP, true, g, &b)?;
        }
        if let Some(b) = self.exception_dense.section(order) {
            self.c.add_section(kind::EXCEPTION_NIBBLES, true, g, &b)?;
        }
        // SPEC §9: REFERENCES whenever a reference was given, so the file
        // always names what it was written against.
        if let Some(e) = self.escape.take() {
            let all = e.matcher.references();
            // Only the sequences some run copies from are listed.
            let mut used: Vec<u32> = e.runs.iter().map(|r| r.reference).collect();
            used.sort_unstable();
            used.dedup();
            let mut refs = super::super::escape::References {
                path: all.path.clone(),
                set_digest: all.set_digest,
                sequences: used.iter().map(|&i| all.sequences[i as usize].clone()).collect(),
                runs: e.runs,
            };
            for r in &mut refs.runs {
                r.reference = used.partition_point(|&u| u < r.reference) as u32;
            }
            self.c.add_section(kind::REFERENCES, true, g, &refs.encode(order))?;
        }
        self.c.finish()
    }
}

/// Builds SEQUENCE_NAME_HASH (SPEC §6.2): linear probing over a power-of-two
/// table at most half full, slots filled in record order.
fn name_hash(records: &[Record], names: &[u8], order: ByteOrder) -> Vec<u8> {
    let n = records.len() as u64;
    let slots = (2 * n).next_power_of_two().max(1);
    let mut table = vec![(0u64, spec::NAME_HASH_EMPTY); slots as usize];
    for (i, r) in records.iter().enumerate() {
        let off = r.header_offset as usize + r.name_start as usize;
        let h = checksum(&names[off..off + r.name_len as usize]);
        let mut s = (h & (slots - 1)) as usize;
        while table[s].1 != spec::NAME_HASH_EMPTY {
            s = (s + 1) & (slots as usize - 1);
        }
        table[s] = (h, i as u64);
    }
    let mut out = Vec::with_capacity(16 + 16 * slots as usize);
    order.put_u64(&mut out, slots);
    order.put_u64(&mut out, 0);
    for (h, r) in table {
        order.put_u64(&mut out, h);
        order.put_u64(&mut out, r);
    }
    out
}
