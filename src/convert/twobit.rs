//! UCSC .2bit ↔ tribit.
//!
//! A .2bit file (as written by faToTwoBit) is, in the writer's byte order:
//!
//! ```text
//! header   signature u32 = 0x1A412743, version u32 (0 or 1),
//!          sequence count u32, reserved u32 = 0
//! index    per sequence: name size u8, name, record offset
//!          (u32 in version 0, u64 in version 1)
//! record   DNA size u32, N block count u32, N block starts u32[],
//!          N block sizes u32[], mask block count u32, mask block starts
//!          u32[], mask block sizes u32[], reserved u32 = 0,
//!          packed DNA: 4 bases a byte, first base in the high bits,
//!          T = 0, C = 1, A = 2, G = 3
//! ```
//!
//! A reader tells the byte order by the signature: read in little-endian
//! order it is 0x1A412743 for a little-endian file and 0x4327411A for a
//! big-endian one. N blocks are runs of N (their packed bases are T); mask
//! blocks are runs of lowercase letters. Nothing else can be stored: other
//! IUPAC letters, sequences of 2^32 bases or more, names longer than 255
//! bytes, and (in version 0) files over 4 GiB are refused by the writer.

use std::io::Write;

use crate::error::{Error, Result};
use crate::sequence::{Reader, Writer};

/// The signature, as read in the file's own byte order.
pub const SIGNATURE: u32 = 0x1A41_2743;

/// Bases handled per step of an import or export.
const CHUNK: u64 = 1 << 22;

/// A parsed .2bit file: its byte order, version and index.
#[derive(Debug)]
pub struct TwoBit<'a> {
    bytes: &'a [u8],
    big_endian: bool,
    version: u32,
    index: Vec<(&'a [u8], u64)>,
}

/// One sequence record of a .2bit file, its blocks sorted and merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoBitRecord {
    /// Number of bases.
    pub len: u64,
    /// Runs of N as (start, end), 0-based half-open, sorted and disjoint.
    pub n_blocks: Vec<(u64, u64)>,
    /// Runs of lowercase letters, sorted and disjoint.
    pub mask_blocks: Vec<(u64, u64)>,
    packed: usize,
}

/// Reads u32 and u64 at byte offsets, in one byte order, bounds-checked.
struct Cursor<'a> {
    bytes: &'a [u8],
    big: bool,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| {
                Error::format(
                    None,
                    self.at as u64,
                    format!(
                        "truncated .2bit: {what} needs {n} bytes, the file has {} left",
                        self.bytes.len().saturating_sub(self.at)
                    ),
                )
            })?;
        let bytes: &'a [u8] = self.bytes;
        let s = &bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let b: [u8; 4] = self.take(4, what)?.try_into().unwrap_or_default();
        Ok(if self.big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn u64(&mut self, what: &str) -> Result<u64> {
        let b: [u8; 8] = self.take(8, what)?.try_into().unwrap_or_default();
        Ok(if self.big {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }
}

/// Sorts blocks and merges the ones that overlap or touch.
fn merge(mut v: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    v.retain(|b| b.1 > b.0);
    v.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(v.len());
    for b in v {
        match out.last_mut() {
            Some(last) if b.0 <= last.1 => last.1 = last.1.max(b.1),
            _ => out.push(b),
        }
    }
    out
}

/// The four letters of each packed byte.
const fn unpack_table() -> [[u8; 4]; 256] {
    let letters = *b"TCAG";
    let mut t = [[0u8; 4]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [
            letters[(i >> 6) & 3],
            letters[(i >> 4) & 3],
            letters[(i >> 2) & 3],
            letters[i & 3],
        ];
        i += 1;
    }
    t
}

static UNPACK: [[u8; 4]; 256] = unpack_table();

impl<'a> TwoBit<'a> {
    /// Parses the header and index of `bytes`.
    pub fn parse(bytes: &'a [u8]) -> Result<TwoBit<'a>> {
        let sig: [u8; 4] = bytes
            .get(..4)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| Error::format(None, 0, "not a .2bit file: shorter than its 16-byte header"))?;
        let big = match u32::from_le_bytes(sig) {
            SIGNATURE => false,
            s if s == SIGNATURE.swap_bytes() => true,
            s => {
                return Err(Error::format(
                    None,
                    0,
                    format!("not a .2bit file: signature {s:#010x}, expected 0x1a412743 in either byte order"),
                ))
            }
        };
        let mut c = Cursor { bytes, big, at: 4 };
        let version = c.u32("the version")?;
        if version > 1 {
            return Err(Error::format(
                None,
                4,
                format!(".2bit version {version}: only versions 0 and 1 exist"),
            ));
        }
        let count = c.u32("the sequence count")?;
        let reserved = c.u32("the reserved header field")?;
        if reserved != 0 {
            return Err(Error::format(
                None,
                12,
                format!("reserved header field is {reserved}, expected 0"),
            ));
        }
        // Each index entry takes at least 6 bytes: refuse a count the file
        // cannot hold before allocating for it.
        if u64::from(count) * 6 > bytes.len() as u64 {
            return Err(Error::format(
                None,
                8,
                format!("{count} sequences cannot fit in a file of {} bytes", bytes.len()),
            ));
        }
        let mut index = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let at = c.at as u64;
            let n = c.take(1, "a name size")?[0] as usize;
            let name = c.take(n, "a sequence name")?;
            if name.is_empty() {
                return Err(Error::format(None, at, "empty sequence name in the .2bit index"));
            }
            let offset = if version == 0 {
                u64::from(c.u32("a record offset")?)
            } else {
                c.u64("a record offset")?
            };
            index.push((name, offset));
        }
        Ok(TwoBit {
            bytes,
            big_endian: big,
            version,
            index,
        })
    }

    /// Whether the file is big-endian.
    pub fn is_big_endian(&self) -> bool {
        self.big_endian
    }

    /// The version: 0 (32-bit offsets) or 1 (64-bit offsets).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the file holds no sequence.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The name of sequence `i` (which must be below [`TwoBit::len`]).
    pub fn name(&self, i: usize) -> &'a [u8] {
        self.index[i].0
    }

    /// Reads the record of sequence `i`, checking every block and the
    /// packed bases against the bounds of the sequence and the file.
    pub fn record(&self, i: usize) -> Result<TwoBitRecord> {
        let (name, offset) = self.index[i];
        let name = String::from_utf8_lossy(name);
        let at = usize::try_from(offset)
            .ok()
            .filter(|&o| o <= self.bytes.len())
            .ok_or_else(|| {
                Error::format(
                    None,
                    offset,
                    format!(
                        "record of '{name}' starts past the end of the file ({} bytes)",
                        self.bytes.len()
                    ),
                )
            })?;
        let mut c = Cursor {
            bytes: self.bytes,
            big: self.big_endian,
            at,
        };
        let len = u64::from(c.u32("a DNA size")?);
        let mut blocks = |what: &str| -> Result<Vec<(u64, u64)>> {
            let block_at = c.at as u64;
            let n = c.u32(&format!("the {what} block count"))? as usize;
            if n as u64 * 8 > (self.bytes.len() - c.at) as u64 {
                return Err(Error::format(
                    None,
                    block_at,
                    format!("'{name}': {n} {what} blocks cannot fit in the rest of the file"),
                ));
            }
            let starts: Vec<u64> = (0..n)
                .map(|_| c.u32("a block start").map(u64::from))
                .collect::<Result<_>>()?;
            let mut v = Vec::with_capacity(n);
            for s in starts {
                let size = u64::from(c.u32("a block size")?);
                if s + size > len {
                    return Err(Error::format(
                        None,
                        block_at,
                        format!("'{name}': {what} block {s}+{size} ends past the sequence (length {len})"),
                    ));
                }
                v.push((s, s + size));
            }
            Ok(merge(v))
        };
        let n_blocks = blocks("N")?;
        let mask_blocks = blocks("mask")?;
        c.u32("the reserved record field")?;
        let packed = c.at;
        c.take(len.div_ceil(4) as usize, "the packed bases")?;
        Ok(TwoBitRecord {
            len,
            n_blocks,
            mask_blocks,
            packed,
        })
    }

    /// Appends the letters `start..end` of `rec` to `out`: A, C, G, T, N,
    /// lowercase inside mask blocks.
    pub fn letters(&self, rec: &TwoBitRecord, start: u64, end: u64, out: &mut Vec<u8>) {
        let end = end.min(rec.len);
        if start >= end {
            return;
        }
        let base = out.len();
        let first = (start / 4) as usize;
        let last = end.div_ceil(4) as usize;
        let skip = (start % 4) as usize;
        let packed = &self.bytes[rec.packed + first..rec.packed + last];
        for &b in packed {
            out.extend_from_slice(&UNPACK[b as usize]);
        }
        out.drain(base..base + skip);
        out.truncate(base + (end - start) as usize);
        let s = &mut out[base..];
        for_blocks(&rec.n_blocks, start, end, |a, b| s[a..b].fill(b'N'));
        for_blocks(&rec.mask_blocks, start, end, |a, b| s[a..b].make_ascii_lowercase());
    }
}

/// Calls `f` with each block's overlap with `start..end`, relative to `start`.
fn for_blocks(blocks: &[(u64, u64)], start: u64, end: u64, mut f: impl FnMut(usize, usize)) {
    let first = blocks.partition_point(|b| b.1 <= start);
    for &(a, b) in &blocks[first..] {
        if a >= end {
            break;
        }
        f((a.max(start) - start) as usize, (b.min(end) - start) as usize);
    }
}

/// What an import wrote.
#[derive(Debug, Default, Clone, Copy)]
pub struct TwoBitSummary {
    /// Sequences written.
    pub sequences: u64,
    /// Bases written.
    pub bases: u64,
}

/// Imports every sequence of a .2bit file into `writer`, with FASTA lines
/// of `line_width` letters for a later export.
pub fn import_twobit<W: Write + std::io::Seek>(
    bytes: &[u8],
    writer: &mut Writer<W>,
    line_width: u64,
) -> Result<TwoBitSummary> {
    let tb = TwoBit::parse(bytes)?;
    let mut s = TwoBitSummary::default();
    let mut buf = Vec::new();
    for i in 0..tb.len() {
        let rec = tb.record(i)?;
        writer.begin_sequence(tb.name(i))?;
        let mut p = 0;
        while p < rec.len {
            let q = (p + CHUNK).min(rec.len);
            buf.clear();
            tb.letters(&rec, p, q, &mut buf);
            writer.push(&buf)?;
            p = q;
        }
        writer.end_sequence(if rec.len == 0 { 0 } else { line_width.max(1) })?;
        s.sequences += 1;
        s.bases += rec.len;
    }
    Ok(s)
}

/// Runs of one kind of letter, as the export collects them.
#[derive(Default)]
struct Runs {
    v: Vec<(u64, u64)>,
}

impl Runs {
    fn add(&mut self, at: u64) {
        match self.v.last_mut() {
            Some(last) if last.1 == at => last.1 += 1,
            _ => self.v.push((at, at + 1)),
        }
    }
}

/// Writes every sequence of `reader` as .2bit, little-endian, version 0
/// when every record offset fits in 32 bits (or always version 1 with
/// `long`). Refuses, naming the sequence and position, what .2bit cannot
/// hold.
pub fn write_twobit<W: Write>(reader: &Reader, out: &mut W, long: bool) -> Result<()> {
    let io = |e| Error::io("cannot write", e);
    // Pass 1: N and mask runs of each sequence, and every refusal.
    let mut seqs = Vec::with_capacity(reader.len());
    let mut buf = Vec::new();
    for seq in reader.sequences() {
        let seq = seq?;
        let name = seq.name_str();
        if seq.name.len() > 255 {
            return Err(Error::input(format!(
                "sequence '{name}': a .2bit name holds at most 255 bytes, this one has {}",
                seq.name.len()
            )));
        }
        if seq.len() > u64::from(u32::MAX) {
            return Err(Error::input(format!(
                "sequence '{name}': {} bases; a .2bit sequence holds at most {} bases",
                seq.len(),
                u32::MAX
            )));
        }
        let (mut n, mut mask) = (Runs::default(), Runs::default());
        let mut p = 0;
        while p < seq.len() {
            let q = (p + CHUNK).min(seq.len());
            buf.clear();
            reader.fetch_from(&seq, p, q, &mut buf)?;
            for (k, &b) in buf.iter().enumerate() {
                let at = p + k as u64;
                match b {
                    b'A' | b'C' | b'G' | b'T' => {}
                    b'a' | b'c' | b'g' | b't' => mask.add(at),
                    b'N' => n.add(at),
                    b'n' => {
                        n.add(at);
                        mask.add(at);
                    }
                    other => {
                        return Err(Error::input(format!(
                            "sequence '{name}' position {}: letter '{}' cannot be stored in .2bit (only A, C, G, T and N, in either case)",
                            at + 1,
                            other as char
                        )))
                    }
                }
            }
            p = q;
        }
        seqs.push((seq, n.v, mask.v));
    }
    // Layout: header, index, then the records in order.
    let index_len = |entry: u64| -> u64 { seqs.iter().map(|(s, _, _)| 1 + s.name.len() as u64 + entry).sum() };
    let record_len = |len: u64, n: usize, m: usize| -> u64 { 16 + 8 * (n + m) as u64 + len.div_ceil(4) };
    let mut version = u32::from(long);
    let mut offsets = Vec::with_capacity(seqs.len());
    loop {
        offsets.clear();
        let mut at = 16 + index_len(if version == 0 { 4 } else { 8 });
        for (s, n, m) in &seqs {
            offsets.push(at);
            at += record_len(s.len(), n.len(), m.len());
        }
        if version == 1 || offsets.last().is_none_or(|&o| o <= u64::from(u32::MAX)) {
            break;
        }
        version = 1;
    }
    let count = u32::try_from(seqs.len())
        .map_err(|_| Error::input(format!("{} sequences: .2bit holds at most {}", seqs.len(), u32::MAX)))?;
    let mut head = Vec::with_capacity(16);
    for v in [SIGNATURE, version, count, 0] {
        head.extend_from_slice(&v.to_le_bytes());
    }
    out.write_all(&head).map_err(io)?;
    let mut index = Vec::new();
    for ((s, _, _), &o) in seqs.iter().zip(&offsets) {
        index.push(s.name.len() as u8);
        index.extend_from_slice(s.name);
        if version == 0 {
            index.extend_from_slice(&(o as u32).to_le_bytes());
        } else {
            index.extend_from_slice(&o.to_le_bytes());
        }
    }
    out.write_all(&index).map_err(io)?;
    // Pass 2: the records.
    let mut packed = Vec::new();
    for (s, n, m) in &seqs {
        let mut rec = Vec::new();
        let put = |rec: &mut Vec<u8>, v: u64| rec.extend_from_slice(&(v as u32).to_le_bytes());
        put(&mut rec, s.len());
        for blocks in [n, m] {
            put(&mut rec, blocks.len() as u64);
            for b in blocks.iter() {
                put(&mut rec, b.0);
            }
            for b in blocks.iter() {
                put(&mut rec, b.1 - b.0);
            }
        }
        put(&mut rec, 0);
        out.write_all(&rec).map_err(io)?;
        let mut p = 0;
        while p < s.len() {
            let q = (p + CHUNK).min(s.len());
            buf.clear();
            reader.fetch_from(s, p, q, &mut buf)?;
            packed.clear();
            for four in buf.chunks(4) {
                let mut byte = 0u8;
                for (k, &b) in four.iter().enumerate() {
                    let code = match b.to_ascii_uppercase() {
                        b'C' => 1,
                        b'A' => 2,
                        b'G' => 3,
                        _ => 0, // T, and N (stored as T under its N block)
                    };
                    byte |= code << (6 - 2 * k);
                }
                packed.push(byte);
            }
            out.write_all(&packed).map_err(io)?;
            p = q;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A big-endian version 1 file with one sequence "ACGTNNac" (N block
    /// 4+2, mask block 6+2), written field by field.
    fn v1_big() -> Vec<u8> {
        let mut f = vec![
            0x1A,
            0x41,
            0x27,
            0x43, // signature, big-endian
            0x00,
            0x00,
            0x00,
            0x01, // version = 1
            0x00,
            0x00,
            0x00,
            0x01, // sequence count = 1
            0x00,
            0x00,
            0x00,
            0x00, // reserved
            0x02,
            b's',
            b'q', // name size = 2, "sq"
            0x00,
            0x00,
            0x00,
            0x00,
            0x00,
            0x00,
            0x00,
            0x1B, // offset = 27 (u64 in version 1)
            0x00,
            0x00,
            0x00,
            0x08, // DNA size = 8
            0x00,
            0x00,
            0x00,
            0x01, // N block count = 1
            0x00,
            0x00,
            0x00,
            0x04, // N block start = 4
            0x00,
            0x00,
            0x00,
            0x02, // N block size = 2
            0x00,
            0x00,
            0x00,
            0x01, // mask block count = 1
            0x00,
            0x00,
            0x00,
            0x06, // mask block start = 6
            0x00,
            0x00,
            0x00,
            0x02, // mask block size = 2
            0x00,
            0x00,
            0x00,
            0x00,          // reserved
            0b10_01_11_00, // A C G T
            0b00_00_10_01, // (N) (N) A C
        ];
        assert_eq!(f.len(), 27 + 32 + 2);
        f.shrink_to_fit();
        f
    }

    #[test]
    fn reads_a_big_endian_version_1_file() {
        let f = v1_big();
        let tb = TwoBit::parse(&f).unwrap();
        assert!(tb.is_big_endian());
        assert_eq!((tb.version(), tb.len(), tb.name(0)), (1, 1, &b"sq"[..]));
        let rec = tb.record(0).unwrap();
        let mut out = Vec::new();
        tb.letters(&rec, 0, 8, &mut out);
        assert_eq!(out, b"ACGTNNac");
        // Any window gives the same letters as the whole.
        for a in 0..8 {
            for b in a..=8 {
                let mut w = Vec::new();
                tb.letters(&rec, a, b, &mut w);
                assert_eq!(w, &out[a as usize..b as usize], "{a}..{b}");
            }
        }
    }

    #[test]
    fn refuses_damage_with_offsets() {
        let f = v1_big();
        let e = TwoBit::parse(&f[..10]).unwrap_err().to_string();
        assert!(e.contains("byte 8") && e.contains("truncated"), "{e}");
        let mut bad = f.clone();
        bad[0] = 0;
        assert!(TwoBit::parse(&bad).unwrap_err().to_string().contains("signature"));
        let mut bad = f.clone();
        bad[42] = 0x07; // N block size 7: 4+7 > 8
        let tb = TwoBit::parse(&bad).unwrap();
        let e = tb.record(0).unwrap_err().to_string();
        assert!(e.contains("ends past the sequence"), "{e}");
        let tb = TwoBit::parse(&f[..f.len() - 1]).unwrap();
        assert!(tb.record(0).unwrap_err().to_string().contains("packed bases"));
        let mut bad = f;
        bad[11] = 0xFF; // 255 sequences in 61 bytes
        assert!(TwoBit::parse(&bad).unwrap_err().to_string().contains("cannot fit"));
    }

    #[test]
    fn blocks_merge() {
        assert_eq!(
            merge(vec![(5, 9), (0, 2), (2, 3), (8, 12), (20, 20)]),
            vec![(0, 3), (5, 12)]
        );
    }
}
