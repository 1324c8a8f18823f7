//! Reading and editing a valid file's bytes to plant a defect: section
//! and directory lookups, code and dense-array positions, rebuilt
//! containers and zstd blocks, and resealing the checksums afterwards.

use super::*;

pub(super) fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

pub(super) fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// Byte offset of the directory entry of the first section of `kind` in a
/// little-endian file.
pub fn entry(b: &[u8], kind: u32) -> usize {
    let dir = u64_at(b, 32) as usize;
    let count = u32_at(b, 40) as usize;
    (0..count)
        .map(|i| dir + 48 * i)
        .find(|&e| u32_at(b, e) == kind)
        .expect("section present")
}

/// Offset and length of the first section of `kind` in a little-endian file.
pub fn section(b: &[u8], kind: u32) -> (usize, usize) {
    let e = entry(b, kind);
    (u64_at(b, e + 8) as usize, u64_at(b, e + 16) as usize)
}

/// Recomputes every section checksum, the directory checksum and the header
/// checksum of a little-endian file, so one planted defect hides behind
/// valid checksums.
pub fn reseal(b: &mut [u8]) {
    use xxhash_rust::xxh3::xxh3_64;
    let dir = u64_at(b, 32) as usize;
    let count = u32_at(b, 40) as usize;
    let has = |k: u32| (0..count).any(|i| u32_at(b, dir + 48 * i) == k);
    if has(kind::BLOCK_INDEX) && has(kind::BLOCKS) {
        let (bi, bl) = (section(b, kind::BLOCK_INDEX), section(b, kind::BLOCKS));
        for e in (bi.0..bi.0 + bi.1).step_by(48) {
            let (off, len) = (u64_at(b, e) as usize, u64_at(b, e + 8) as usize);
            if off.checked_add(len).is_some_and(|end| end <= bl.1) {
                let sum = xxh3_64(&b[bl.0 + off..bl.0 + off + len]);
                b[e + 16..e + 24].copy_from_slice(&sum.to_le_bytes());
            }
        }
    }
    for i in 0..count {
        let e = dir + 48 * i;
        let (off, len) = (u64_at(b, e + 8) as usize, u64_at(b, e + 16) as usize);
        if off + len <= b.len() {
            let sum = xxh3_64(&b[off..off + len]);
            b[e + 24..e + 32].copy_from_slice(&sum.to_le_bytes());
        }
    }
    reseal_directory(b);
}

/// Recomputes only the directory and header checksums.
pub fn reseal_directory(b: &mut [u8]) {
    use xxhash_rust::xxh3::xxh3_64;
    let dir = u64_at(b, 32) as usize;
    let count = u32_at(b, 40) as usize;
    let sum = xxh3_64(&b[dir..dir + 48 * count]);
    b[48..56].copy_from_slice(&sum.to_le_bytes());
    reseal_header(b);
}

/// Recomputes only the header checksum.
pub fn reseal_header(b: &mut [u8]) {
    let sum = xxhash_rust::xxh3::xxh3_64(&b[..56]);
    b[56..64].copy_from_slice(&sum.to_le_bytes());
}

/// Rewrites the zstd blocks of a little-endian file: block k's stored
/// bytes become `f(k, raw block)`; BLOCKS and BLOCK_INDEX are rebuilt
/// around them and every checksum recomputed.
pub(super) fn restore_zstd(b: &[u8], f: impl Fn(usize, &[u8]) -> Vec<u8>) -> Vec<u8> {
    let (bi, _) = section(b, kind::BLOCK_INDEX);
    let (bl, bl_len) = section(b, kind::BLOCKS);
    let count = section(b, kind::BLOCK_INDEX).1 / 48;
    let mut blocks = Vec::new();
    let mut index = b[bi..bi + 48 * count].to_vec();
    for k in 0..count {
        let e = bi + 48 * k;
        let (off, len) = (u64_at(b, e) as usize, u64_at(b, e + 8) as usize);
        let stored = &b[bl + off..bl + off + len];
        let new = if b[e + 28] == 1 {
            let raw = zstd::bulk::decompress(stored, 3 * 64 * 8).expect("frame");
            f(k, &raw)
        } else {
            while blocks.len() % 64 != 0 {
                blocks.push(0);
            }
            stored.to_vec()
        };
        index[48 * k..48 * k + 8].copy_from_slice(&(blocks.len() as u64).to_le_bytes());
        index[48 * k + 8..48 * k + 16].copy_from_slice(&(new.len() as u64).to_le_bytes());
        blocks.extend_from_slice(&new);
    }
    let _ = bl_len;
    let mut out = rebuild(b, |k, data| match k {
        kind::BLOCKS => blocks.clone(),
        kind::BLOCK_INDEX => index.clone(),
        _ => data.to_vec(),
    });
    reseal(&mut out);
    out
}

/// Absolute offset of the dense array of record `i` in section `k`.
pub(super) fn dense_array(b: &[u8], k: u32, i: usize) -> usize {
    let (off, _) = section(b, k);
    off + u64_at(b, off + 8 * i) as usize
}

/// Position (relative to BLOCKS) of plane `p`, byte `j` of block 0 of a file
/// with 512-position blocks.
pub(super) fn plane_byte(b: &[u8], p: usize, j: usize) -> usize {
    let (off, _) = section(b, kind::BLOCKS);
    off + 64 * p + j
}

/// Sets the 3-bit code of stream position `pos` (< 512) in block 0.
pub(super) fn set_code(b: &mut [u8], pos: usize, code: u8) {
    for p in 0..3 {
        let at = plane_byte(b, p, pos / 8);
        if code >> p & 1 == 1 {
            b[at] |= 1 << (pos % 8);
        } else {
            b[at] &= !(1 << (pos % 8));
        }
    }
}

/// Rewrites a little-endian file section by section with the reference
/// container writer, passing each section's bytes through `f`.
pub(super) fn rebuild(b: &[u8], f: impl Fn(u32, &[u8]) -> Vec<u8>) -> Vec<u8> {
    let c = tribit::container::Container::parse(b).expect("valid input");
    let mut secs = c.sections.clone();
    secs.sort_by_key(|e| e.offset);
    let mut w = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).expect("container");
    for e in secs {
        let data = &b[e.offset as usize..(e.offset + e.length) as usize];
        w.add_section(e.kind, e.required(), e.group, &f(e.kind, data))
            .expect("section");
    }
    w.finish().expect("finish").into_inner()
}

/// A copy of `base` with `f` applied.
pub(super) fn edit(base: &[u8], f: &dyn Fn(&mut Vec<u8>)) -> Vec<u8> {
    let mut b = base.to_vec();
    f(&mut b);
    b
}
