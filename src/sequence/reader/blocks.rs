//! Blocks of planes (SPEC §5): bounds, checksums, zstd decompression and
//! reference-escape resolution, for scanners and region reads.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::sections::Layout;
use super::Reader;
use crate::container::checksum;
use crate::error::{Error, ErrorKind, Result};
use crate::sequence::block::{decompress, BlockPlanes};
use crate::sequence::escape;
use crate::sequence::layout::{plane_bytes, BlockEntry};
use crate::spec::{self, kind};

impl Reader {
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

    pub(super) fn planes_in(&self, l: &Layout, b: u64, check: Check, cached: bool) -> Result<BlockPlanes<'_>> {
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
}

/// When a block's checksum is checked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    /// Never.
    Never,
    /// On its first use by this reader.
    Once,
    /// Every time.
    Always,
}
