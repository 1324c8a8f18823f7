//! Block output (SPEC §5, §9): staged codes packed into three bit-planes,
//! the non-ACGT summary bits, reference escapes applied, and each block
//! written raw (64-byte aligned) or as a zstd frame.

use std::io::{Seek, Write};

use super::super::block::{compress, Compression};
use super::super::codes::gather;
use super::super::layout::{plane_bytes, BlockEntry};
use super::Writer;
use crate::container::checksum;
use crate::error::Result;
use crate::spec::{self, code};

impl<W: Write + Seek> Writer<W> {
    pub(super) fn push_code(&mut self, c: u8) -> Result<()> {
        self.stage[self.fill] = c;
        self.fill += 1;
        if self.fill == self.block_bases as usize {
            self.flush_block()?;
        }
        Ok(())
    }

    /// Packs the staged codes into planes and writes the block (SPEC §5).
    pub(super) fn flush_block(&mut self) -> Result<()> {
        let bases = self.fill;
        if bases == 0 {
            return Ok(());
        }
        let pb = plane_bytes(bases as u64) as usize;
        self.escape_stage();
        self.stage[bases..pb * 8].fill(0);
        let full = self.block_bases as usize / 8;
        let (p0, rest) = self.planes.split_at_mut(full);
        let (p1, p2) = rest.split_at_mut(full);
        for (j, chunk) in self.stage[..pb * 8].chunks_exact(8).enumerate() {
            let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            p0[j] = gather(x);
            p1[j] = gather(x >> 1);
            p2[j] = gather(x >> 2);
        }
        // SPEC §5.2: one summary bit per 512 positions with any plane-2 bit.
        let first_line = self.stream_pos / spec::PLANE_LINE_BASES;
        for (l, line) in p2[..pb].chunks_exact(64).enumerate() {
            let bit = first_line + l as u64;
            let byte = (bit / 8) as usize;
            if self.summary.len() <= byte {
                self.summary.resize(byte + 1, 0);
            }
            if line.iter().any(|&b| b != 0) {
                self.summary[byte] |= 1 << (bit % 8);
            }
        }
        let planes = [&p0[..pb], &p1[..pb], &p2[..pb]];
        // SPEC §5.3: the raw block's bytes as one zstd frame, stored right
        // after the previous block, when that is smaller.
        let frame = match self.compression {
            Compression::None => None,
            Compression::Zstd(level) => {
                self.frame.clear();
                for p in planes {
                    self.frame.extend_from_slice(p);
                }
                compress(&self.frame, level)?
            }
        };
        let (offset, stored_len, sum, encoding) = match frame {
            Some(f) => {
                self.c.require_minor(spec::VERSION_MINOR_ZSTD);
                let offset = self.c.section_position();
                self.c.write(&f)?;
                (offset, f.len() as u64, checksum(&f), spec::ENCODING_ZSTD)
            }
            None => {
                // SPEC §5.1 [BI1]: a raw block starts at a multiple of 64.
                let pad = self.c.section_position().next_multiple_of(64) - self.c.section_position();
                self.c.write(&[0u8; 64][..pad as usize])?;
                let offset = self.c.section_position();
                let mut h = xxhash_rust::xxh3::Xxh3::with_seed(spec::XXH3_SEED);
                for p in planes {
                    h.update(p);
                    self.c.write(p)?;
                }
                (offset, 3 * pb as u64, h.digest(), spec::ENCODING_RAW)
            }
        };
        self.block_index.push(BlockEntry {
            offset,
            stored_len,
            checksum: sum,
            bases: bases as u32,
            encoding,
            first_mask: 0,
            first_exception: 0,
        });
        self.stream_pos += bases as u64;
        self.fill = 0;
        Ok(())
    }

    /// SPEC §9: gives code 6 to the staged positions that runs cover and
    /// whose base the reference holds at the mapped place.
    fn escape_stage(&mut self) {
        let Some(e) = self.escape.as_mut() else {
            return;
        };
        let (lo, hi) = (self.stream_pos, self.stream_pos + self.fill as u64);
        while let Some(r) = e.runs.get(e.next) {
            if r.start >= hi {
                break;
            }
            for q in r.start.max(lo)..r.end().min(hi) {
                let c = &mut self.stage[(q - lo) as usize];
                if *c < code::N && *c == e.matcher.code_for(r, q) {
                    *c = code::REFERENCE;
                }
            }
            if r.end() > hi {
                break;
            }
            e.next += 1;
        }
    }
}
