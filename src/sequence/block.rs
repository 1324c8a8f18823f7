//! SPEC §5, §5.3: a block's planes, as stored (raw, encoding 0) or
//! compressed as one zstd frame (encoding 1), and the small cache of
//! decompressed blocks a reader keeps for region fetches.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::spec;

/// How a writer stores blocks (SPEC §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Raw bit-planes (encoding 0), scanned in place on the memory map.
    #[default]
    None,
    /// Each block as one zstd frame at this level (encoding 1); a block
    /// that does not shrink is stored raw.
    Zstd(i32),
}

impl FromStr for Compression {
    type Err = Error;

    /// `none`, `zstd` (level 3) or `zstd:LEVEL` with LEVEL in 1–22.
    fn from_str(s: &str) -> Result<Compression> {
        let bad = || {
            Error::input(format!(
                "compression '{s}': expected none, zstd or zstd:LEVEL with LEVEL from 1 to 22"
            ))
        };
        match s.split_once(':') {
            None if s == "none" => Ok(Compression::None),
            None if s == "zstd" => Ok(Compression::Zstd(spec::DEFAULT_ZSTD_LEVEL)),
            Some(("zstd", level)) => match level.parse::<i32>() {
                Ok(l) if (1..=22).contains(&l) => Ok(Compression::Zstd(l)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Compression::None => write!(f, "none"),
            Compression::Zstd(l) => write!(f, "zstd:{l}"),
        }
    }
}

/// Compresses the bytes of a raw block (its three planes, SPEC §5) as one
/// zstd frame that records its content size; None when the frame would not
/// be smaller than the raw bytes, so the block is better stored raw.
pub(crate) fn compress(raw: &[u8], level: i32) -> Result<Option<Vec<u8>>> {
    thread_local! {
        // A compression context costs hundreds of KiB to set up: one per
        // thread, reused block after block.
        static CCTX: std::cell::RefCell<Option<(i32, zstd::bulk::Compressor<'static>)>> =
            const { std::cell::RefCell::new(None) };
    }
    let fail = |e| Error::io("zstd compression failed", e);
    CCTX.with(|c| {
        let mut c = c.borrow_mut();
        if c.as_ref().is_none_or(|(l, _)| *l != level) {
            *c = Some((level, zstd::bulk::Compressor::new(level).map_err(fail)?));
        }
        let Some((_, cctx)) = c.as_mut() else {
            return Ok(None);
        };
        let frame = cctx.compress(raw).map_err(fail)?;
        Ok((frame.len() < raw.len()).then_some(frame))
    })
}

/// Decompresses a stored zstd block (SPEC §5.3): exactly one frame, whose
/// content is exactly `raw_len` bytes. The error says what differs.
pub(crate) fn decompress(stored: &[u8], raw_len: usize) -> std::result::Result<Vec<u8>, String> {
    match zstd::zstd_safe::find_frame_compressed_size(stored) {
        Ok(n) if n == stored.len() => {}
        Ok(n) => {
            return Err(format!(
                "the zstd frame ends at byte {n} of the {}-byte stored block",
                stored.len()
            ))
        }
        Err(_) => return Err("the stored block is not a zstd frame".into()),
    }
    thread_local! {
        // A decompression context is costly to set up: one per thread.
        static DCTX: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    // One byte more than expected, so that a longer content is seen.
    let out = DCTX
        .with(|d| {
            let mut d = d.borrow_mut();
            if d.is_none() {
                *d = Some(zstd::bulk::Decompressor::new()?);
            }
            match d.as_mut() {
                Some(d) => d.decompress(stored, raw_len + 1),
                None => Ok(Vec::new()),
            }
        })
        .map_err(|e| format!("zstd frame does not decode: {e}"))?;
    if out.len() != raw_len {
        return Err(format!(
            "the zstd frame holds {} bytes, expected {raw_len} (3 planes)",
            out.len()
        ));
    }
    Ok(out)
}

/// The three planes of one block: a view of the memory map (raw blocks)
/// or a decompressed copy (zstd blocks).
#[derive(Debug, Clone)]
pub struct BlockPlanes<'a> {
    bytes: Bytes<'a>,
    plane: usize,
}

#[derive(Debug, Clone)]
enum Bytes<'a> {
    Mapped(&'a [u8]),
    Owned(Arc<Vec<u8>>),
}

impl<'a> BlockPlanes<'a> {
    pub(crate) fn mapped(bytes: &'a [u8], plane: usize) -> Self {
        BlockPlanes {
            bytes: Bytes::Mapped(bytes),
            plane,
        }
    }

    pub(crate) fn owned(bytes: Arc<Vec<u8>>, plane: usize) -> Self {
        BlockPlanes {
            bytes: Bytes::Owned(bytes),
            plane,
        }
    }

    /// All three planes, back to back.
    pub fn bytes(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Mapped(b) => b,
            Bytes::Owned(b) => b,
        }
    }

    /// Plane `k` (0, 1 or 2): bit k of every code of the block.
    pub fn plane(&self, k: usize) -> &[u8] {
        &self.bytes()[k * self.plane..(k + 1) * self.plane]
    }

    /// The three planes.
    pub fn planes(&self) -> [&[u8]; 3] {
        [self.plane(0), self.plane(1), self.plane(2)]
    }

    /// Whether the planes were decompressed (a zstd block).
    pub fn is_decompressed(&self) -> bool {
        matches!(self.bytes, Bytes::Owned(_))
    }
}

/// Decompressed blocks most recently used by region fetches, so that
/// neighbouring fetches decompress a block once; scans bypass it.
#[derive(Debug, Default)]
pub(crate) struct BlockCache {
    slots: Mutex<Vec<(u64, Arc<Vec<u8>>)>>,
    decompressions: AtomicU64,
}

/// Blocks a [`BlockCache`] keeps: 8 blocks of 16,384 positions are 48 KiB.
const CACHE_BLOCKS: usize = 8;

impl BlockCache {
    /// The cached bytes of block `b`, moved to the front.
    pub(crate) fn get(&self, b: u64) -> Option<Arc<Vec<u8>>> {
        let mut s = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let i = s.iter().position(|(k, _)| *k == b)?;
        let hit = s.remove(i);
        let bytes = hit.1.clone();
        s.insert(0, hit);
        Some(bytes)
    }

    /// Keeps block `b`, dropping the least recently used beyond the limit.
    pub(crate) fn put(&self, b: u64, bytes: Arc<Vec<u8>>) {
        let mut s = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        s.retain(|(k, _)| *k != b);
        s.insert(0, (b, bytes));
        s.truncate(CACHE_BLOCKS);
    }

    /// Counts one decompression.
    pub(crate) fn count(&self) {
        self.decompressions.fetch_add(1, Ordering::Relaxed);
    }

    /// Decompressions so far.
    pub(crate) fn decompressions(&self) -> u64 {
        self.decompressions.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_parses() {
        assert_eq!("none".parse::<Compression>().unwrap(), Compression::None);
        assert_eq!("zstd".parse::<Compression>().unwrap(), Compression::Zstd(3));
        assert_eq!("zstd:19".parse::<Compression>().unwrap(), Compression::Zstd(19));
        for bad in ["zstd:0", "zstd:23", "zstd:x", "gzip", "zstd:", ""] {
            assert!(bad.parse::<Compression>().is_err(), "{bad}");
        }
        assert_eq!(Compression::Zstd(7).to_string(), "zstd:7");
    }

    #[test]
    fn decompress_checks_frame_and_length() {
        let raw = vec![0u8; 192];
        let frame = compress(&raw, 3).unwrap().unwrap();
        assert_eq!(decompress(&frame, 192).unwrap(), raw);
        assert!(decompress(&frame, 191).unwrap_err().contains("expected 191"));
        assert!(decompress(&frame, 193).unwrap_err().contains("holds 192"));
        let mut two = frame.clone();
        two.extend_from_slice(&frame);
        assert!(decompress(&two, 192).unwrap_err().contains("frame ends at byte"));
        assert!(decompress(b"not zstd", 192).is_err());
        // Incompressible bytes are not worth a frame.
        let noise: Vec<u8> = (0..192u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        assert!(compress(&noise, 19).unwrap().is_none());
    }

    #[test]
    fn cache_keeps_the_most_recent() {
        let c = BlockCache::default();
        for b in 0..10u64 {
            c.put(b, Arc::new(vec![b as u8]));
        }
        assert!(c.get(0).is_none() && c.get(1).is_none());
        assert_eq!(c.get(2).unwrap()[0], 2);
        c.put(10, Arc::new(vec![10]));
        // 2 was used last, so 3 went instead.
        assert!(c.get(2).is_some() && c.get(3).is_none());
    }
}
