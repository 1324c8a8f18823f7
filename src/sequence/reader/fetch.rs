//! Region reads: the bases of a sequence range, exactly as imported, with
//! case from the soft masks and letters from the exceptions (SPEC §6).

use super::blocks::Check;
use super::masks::DenseKind;
use super::sections::Layout;
use super::{Reader, Sequence};
use crate::error::{Error, ErrorKind, Result};
use crate::sequence::codes::{codes8, DECODE, PLACEHOLDER_END, PLACEHOLDER_EXCEPTION, PLACEHOLDER_REFERENCE};
use crate::sequence::layout::{BlockEntry, ExceptionRun, MaskRun};
use crate::spec::{self, kind};

impl Reader {
    /// Appends the stream codes [from, to) as letters (uppercase, with
    /// placeholders for END, REFERENCE and EXCEPTION codes).
    fn decode_stream(&self, l: &Layout, from: u64, to: u64, out: &mut Vec<u8>) -> Result<()> {
        let bb = l.header.block_bases as u64;
        let mut p = from;
        while p < to {
            let b = p / bb;
            let check = if self.verify_blocks { Check::Once } else { Check::Never };
            let planes = self.planes_in(l, b, check, true)?;
            let [p0, p1, p2] = planes.planes();
            let bases = bb.min(l.header.stream_len - b * bb);
            let lo = p - b * bb;
            let hi = (to - b * bb).min(bases);
            decode_planes(p0, p1, p2, lo, hi, out);
            p = b * bb + hi;
        }
        Ok(())
    }

    /// Appends bases [start, end) (0-based, half-open) of sequence `i` to
    /// `out`, exactly as imported: case, N and IUPAC letters included.
    pub fn fetch(&self, i: usize, start: u64, end: u64, out: &mut Vec<u8>) -> Result<()> {
        let seq = self.sequence(i)?;
        self.fetch_from(&seq, start, end, out)
    }

    /// Like [`Reader::fetch`] for an already decoded [`Sequence`].
    pub fn fetch_from(&self, seq: &Sequence<'_>, start: u64, end: u64, out: &mut Vec<u8>) -> Result<()> {
        let r = &seq.record;
        if start > end || end > r.length {
            return Err(Error::new(
                ErrorKind::Range,
                format!(
                    "range [{start}, {end}) is outside {} (length {})",
                    seq.name_str(),
                    r.length
                ),
            ));
        }
        let l = self.lay()?;
        self.check_runs(seq)?;
        let o = self.container.order;
        let bytes = self.data.bytes();
        let base = out.len();
        self.decode_stream(l, r.start + start, r.start + end, out)?;
        let got = &mut out[base..];
        // SPEC §5.1: the block entry says where this block's runs begin, so
        // finding the first run to apply costs one or two probes.
        let hint = if start < end && (r.mask_count > 0 || r.exception_count > 0) {
            let b = (r.start + start) / l.header.block_bases as u64;
            let at = l.block_index.start + (b * spec::BLOCK_ENTRY_LEN) as usize;
            Some(BlockEntry::decode(&bytes[at..at + spec::BLOCK_ENTRY_LEN as usize], o))
        } else {
            None
        };
        if let Some(nib) = self.dense(l, DenseKind::Exception, seq)? {
            for (j, c) in got.iter_mut().enumerate() {
                let p = start + j as u64;
                let v = (nib[(p / 2) as usize] >> (4 * (p % 2))) & 15;
                if v == 0 {
                    continue; // a code 7 here is reported below
                }
                let fail = |msg: String| {
                    Err(Error::format(
                        Some(kind::EXCEPTION_NIBBLES),
                        l.exception_nibbles.as_ref().map_or(0, |r| r.start as u64),
                        msg,
                    ))
                };
                if v as usize > spec::EXCEPTION_LETTERS.len() {
                    return fail(format!(
                        "exception nibble {v} at {p} of {} is not 1 to 12",
                        seq.name_str()
                    ));
                }
                if *c != PLACEHOLDER_EXCEPTION {
                    return fail(format!(
                        "exception nibble at {p} of {} covers a position whose code is not 7",
                        seq.name_str()
                    ));
                }
                *c = spec::EXCEPTION_LETTERS[v as usize - 1];
            }
        }
        if r.exception_count > 0 {
            let ex = &bytes[l.exceptions.clone()];
            let first = r.exception_first as usize;
            let runs = |k: usize| ExceptionRun::decode(&ex[(first + k) * 16..(first + k) * 16 + 16], o);
            let n = r.exception_count as usize;
            let h = hint.map(|h| h.first_exception.saturating_sub(r.exception_first).min(n as u64) as usize);
            let mut k = first_run(n, h, |k| runs(k).end() <= start);
            // Every run of the record passed [E1], [E2], [E4] (check_runs).
            while k < n {
                let x = runs(k);
                k += 1;
                if x.start >= end {
                    break;
                }
                let (a, b) = (x.start.max(start) - start, x.end().min(end).saturating_sub(start));
                if a >= b {
                    continue;
                }
                let span = &mut got[a as usize..b as usize];
                let at = (l.exceptions.start + (first + k - 1) * 16) as u64;
                if span.iter().any(|&c| c != PLACEHOLDER_EXCEPTION) {
                    return Err(Error::format(
                        Some(kind::EXCEPTIONS),
                        at,
                        format!(
                            "exception run at {} of {} covers a position whose code is not 7",
                            x.start,
                            seq.name_str()
                        ),
                    )
                    .with_rule("E3"));
                }
                span.fill(x.letter);
            }
        }
        if let Some(j) = memchr::memchr3(PLACEHOLDER_END, PLACEHOLDER_REFERENCE, PLACEHOLDER_EXCEPTION, got) {
            let what = match got[j] {
                PLACEHOLDER_END => "an end-of-sequence code inside the sequence",
                PLACEHOLDER_REFERENCE => {
                    return Err(Error::new(
                        ErrorKind::Unsupported,
                        format!(
                            "{} position {} is reference-escaped, which this reader does not implement",
                            seq.name_str(),
                            start + j as u64
                        ),
                    ))
                }
                _ => "an exception code with no exception entry",
            };
            let pos = r.start + start + j as u64;
            return Err(Error::format(
                Some(kind::BLOCKS),
                l.blocks_offset,
                format!(
                    "{} position {} (stream {pos}) has {what}",
                    seq.name_str(),
                    start + j as u64
                ),
            ));
        }
        if let Some(bits) = self.dense(l, DenseKind::Mask, seq)? {
            for (j, c) in got.iter_mut().enumerate() {
                let p = start + j as u64;
                if (bits[(p / 8) as usize] >> (p % 8)) & 1 == 1 {
                    c.make_ascii_lowercase();
                }
            }
        }
        if r.mask_count > 0 {
            let mb = &bytes[l.masks.clone()];
            let first = r.mask_first as usize;
            let runs = |k: usize| MaskRun::decode(&mb[(first + k) * 16..(first + k) * 16 + 16], o);
            let n = r.mask_count as usize;
            let h = hint.map(|h| h.first_mask.saturating_sub(r.mask_first).min(n as u64) as usize);
            let mut k = first_run(n, h, |k| runs(k).end <= start);
            // Every run of the record passed [M1], [M2] (check_runs).
            while k < n {
                let m = runs(k);
                k += 1;
                if m.start >= end {
                    break;
                }
                let (a, b) = (m.start.max(start) - start, m.end.min(end).saturating_sub(start));
                if a < b {
                    got[a as usize..b as usize].make_ascii_lowercase();
                }
            }
        }
        Ok(())
    }
}

/// The first of `n` sorted runs that does not end by the region start
/// (`ends_by(k)`), searching from the block entry's hint when the hint is
/// consistent (the run before it ends by the start) and from 0 otherwise, so
/// a wrong hint costs time, never a wrong answer.
fn first_run(n: usize, hint: Option<usize>, ends_by: impl Fn(usize) -> bool) -> usize {
    let from = match hint {
        Some(h) if h == 0 || ends_by(h - 1) => h,
        _ => 0,
    };
    // Gallop from the hint: the answer is usually within a run or two.
    let (mut lo, mut step) = (from, 1);
    let hi = loop {
        let probe = lo + step - 1;
        if probe >= n {
            break n;
        }
        if !ends_by(probe) {
            break probe;
        }
        lo = probe + 1;
        step *= 2;
    };
    lo + partition_point(hi - lo, |k| ends_by(lo + k))
}

/// The first k in 0..n for which `pred(k)` is false; `pred` must be true
/// then false along k.
fn partition_point(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Appends the letters of block positions [lo, hi) of three planes.
fn decode_planes(p0: &[u8], p1: &[u8], p2: &[u8], lo: u64, hi: u64, out: &mut Vec<u8>) {
    let (lo, hi) = (lo as usize, hi as usize);
    out.reserve(hi - lo);
    let mut p = lo;
    // Leading partial byte.
    while p < hi && p % 8 != 0 {
        out.push(letter_at(p0, p1, p2, p));
        p += 1;
    }
    while p + 8 <= hi {
        let j = p / 8;
        let codes = codes8(p0[j], p1[j], p2[j]).to_le_bytes();
        out.extend(codes.iter().map(|&c| DECODE[c as usize]));
        p += 8;
    }
    while p < hi {
        out.push(letter_at(p0, p1, p2, p));
        p += 1;
    }
}

#[inline]
fn letter_at(p0: &[u8], p1: &[u8], p2: &[u8], p: usize) -> u8 {
    let (j, s) = (p / 8, p % 8);
    let c = ((p0[j] >> s) & 1) | (((p1[j] >> s) & 1) << 1) | (((p2[j] >> s) & 1) << 2);
    DECODE[c as usize]
}
