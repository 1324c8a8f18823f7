//! The lines a kernel sees: views of up to [`VIEW_LINES`] plane lines of
//! one block with the line that follows them, the words of a line, and
//! the NONACGT summary (SPEC §5.2) that says where plane 2 must be read.

use std::ops::Range;

use rayon::prelude::*;

use super::*;

static ZERO_LINE: [u8; LINE] = [0; LINE];

/// The first line of `planes`, or zeros when it holds none.
fn first(planes: &[u8]) -> &[u8; LINE] {
    planes.get(..LINE).and_then(|s| s.try_into().ok()).unwrap_or(&ZERO_LINE)
}

/// Up to [`VIEW_LINES`] consecutive lines of one block's planes, and the
/// line that follows the last of them.
pub(crate) struct BlockView<'a> {
    planes: [&'a [u8]; 3],
    next: [&'a [u8; LINE]; 3],
    /// Planes 0 and 1 of what follows the view (the rest of its block, else
    /// the next block), to prefetch (empty at the end).
    pub(super) ahead: [&'a [u8]; 2],
    pub(in crate::kmer) first_line: u64,
    pub(in crate::kmer) lines: usize,
}

impl<'a> BlockView<'a> {
    /// Line `l` of plane `p`.
    #[inline(always)]
    pub(in crate::kmer) fn line(&self, p: usize, l: usize) -> &'a [u8; LINE] {
        // Planes are whole lines (SPEC §5: P is a multiple of 64), so the
        // fallback is never taken.
        self.planes[p]
            .get(l * LINE..l * LINE + LINE)
            .and_then(|s| s.try_into().ok())
            .unwrap_or(&ZERO_LINE)
    }

    /// The line after line `l` of plane `p`: in this block, else the first
    /// line of the next block, else zeros (beyond the stream).
    #[inline(always)]
    pub(in crate::kmer) fn next_line(&self, p: usize, l: usize) -> &'a [u8; LINE] {
        if l + 1 < self.lines {
            self.line(p, l + 1)
        } else {
            self.next[p]
        }
    }
}

impl Plan<'_> {
    /// Whether the summary says line `l` holds a code other than A, C, G, T
    /// (true when there is no summary, or past its end).
    #[inline(always)]
    fn line_dirty(&self, l: u64) -> bool {
        match self.summary {
            None => true,
            Some(s) => s.get((l / 8) as usize).is_none_or(|b| (b >> (l % 8)) & 1 == 1),
        }
    }

    /// Whether plane 2 must be read for windows starting in line `l` (they
    /// reach into line l + 1 when k > 1).
    #[inline(always)]
    pub(in crate::kmer) fn dirty(&self, l: u64, k: usize) -> bool {
        self.line_dirty(l) || (k > 1 && self.line_dirty(l + 1))
    }

    /// Clears from `acc` (the windows starting in line `l` of the view,
    /// stream line `gl`) every window whose k positions hold a code other
    /// than A, C, G, T: plane 2 is read only where the summary says the
    /// lines hold one, and then once per line (`w2`).
    #[inline(always)]
    pub(super) fn drop_non_acgt(
        &self,
        v: &BlockView<'_>,
        l: usize,
        gl: u64,
        k: usize,
        w2: &mut Option<[u64; 16]>,
        acc: &mut [u64; 8],
    ) {
        if self.dirty(gl, k) {
            let w2 = w2.get_or_insert_with(|| words16(v.line(2, l), v.next_line(2, l)));
            for (i, a) in acc.iter_mut().enumerate() {
                if *a != 0 {
                    let mut bad = 0;
                    for j in 0..k {
                        bad |= funnel(w2, i, j);
                    }
                    *a &= !bad;
                }
            }
        }
    }

    /// Calls `f` on views of the lines `lines` (SPEC §5 plane lines of the
    /// stream), in order: each of at most [`VIEW_LINES`] lines of one
    /// block, with the line that follows it (in the block or the next).
    pub(super) fn for_each_view(
        &self,
        reader: &Reader,
        lines: Range<u64>,
        mut f: impl FnMut(&BlockView<'_>) -> Result<()>,
    ) -> Result<()> {
        let lines = lines.start..lines.end.min(self.line_count);
        if lines.is_empty() {
            return Ok(());
        }
        let lpb = self.lines_per_block;
        let mut b = lines.start / lpb;
        // Blocks are checksummed after they are read (Reader::recheck_block),
        // not before: a file rewritten in place during the scan fails it
        // rather than being counted.
        // A zstd block (SPEC §5.3) is decompressed here, once per block.
        let mut cur_block = reader.block_planes_unchecked(b)?;
        loop {
            let next_block = if b + 1 < self.block_count {
                Some(reader.block_planes_unchecked(b + 1)?)
            } else {
                None
            };
            let cur = cur_block.planes();
            let next = next_block.as_ref().map(|n| n.planes());
            let block_first = b * lpb;
            let block_lines = cur[0].len() / LINE;
            let from = (lines.start.max(block_first) - block_first) as usize;
            let to = ((lines.end - block_first).min(block_lines as u64)) as usize;
            let mut l = from;
            while l < to {
                let end = (l + VIEW_LINES).min(to);
                // What follows the view: the rest of this block, else the
                // next block, else nothing (the end of the stream).
                let after = |p: usize| -> &[u8] {
                    if end < block_lines {
                        &cur[p][end * LINE..]
                    } else {
                        next.map_or(&[][..], |n| n[p])
                    }
                };
                let view = BlockView {
                    planes: [0, 1, 2].map(|p| &cur[p][l * LINE..end * LINE]),
                    next: [first(after(0)), first(after(1)), first(after(2))],
                    ahead: [after(0), after(1)],
                    first_line: block_first + l as u64,
                    lines: end - l,
                };
                f(&view)?;
                l = end;
            }
            reader.recheck_block(b)?;
            if to == block_lines && b + 1 < self.block_count && (b + 1) * lpb >= lines.end {
                // Windows ran into the first line of a block this call does
                // not scan (and so will not recheck): check it too.
                reader.recheck_block(b + 1)?;
            }
            b += 1;
            match next_block {
                Some(n) if b * lpb < lines.end => cur_block = n,
                _ => return Ok(()),
            }
        }
    }

    /// Checks the whole stream for reference-escaped positions (SPEC §14),
    /// in parallel, reporting the first in stream order; for scans that
    /// must not report anything from a file they will refuse.
    pub fn check_reference_escapes(&self, reader: &Reader) -> Result<()> {
        let n = self.line_count.div_ceil(CHUNK_LINES);
        let found: Vec<Result<Option<u64>>> = (0..n)
            .into_par_iter()
            .map(|i| {
                let a = i * CHUNK_LINES;
                let mut first = None;
                self.for_each_view(reader, a..(a + CHUNK_LINES).min(self.line_count), |view| {
                    first = first.or_else(|| self.reference_escape(view));
                    Ok(())
                })?;
                Ok(first)
            })
            .collect();
        for r in found {
            if let Some(pos) = r? {
                return Err(crate::kmer::reference_escape_error(reader, pos));
            }
        }
        Ok(())
    }

    /// The positions of word `i` of line `l` (global) that lie in the
    /// stream, as a mask.
    #[inline(always)]
    fn in_stream(&self, l: u64, i: usize) -> u64 {
        let base = l * 512 + 64 * i as u64;
        match self.stream_len.saturating_sub(base) {
            0 => 0,
            n if n < 64 => (1u64 << n) - 1,
            _ => !0,
        }
    }

    /// SPEC §9: a reader that meets code 6 (reference escape) reports
    /// *unsupported*. Returns the stream position of the first code 6 in
    /// the view. Code 6 has plane 2 set, so only lines the summary marks
    /// need a look. Positions past the end of the stream are not looked at
    /// (their bits are padding, SPEC §5 \[B1], which a scan never reads as
    /// codes).
    pub(super) fn reference_escape(&self, v: &BlockView<'_>) -> Option<u64> {
        let escaped = |l: usize| -> Option<u64> {
            let gl = v.first_line + l as u64;
            let (w0, w1, w2) = (words8(v.line(0, l)), words8(v.line(1, l)), words8(v.line(2, l)));
            (0..8).find_map(|i| {
                let e = w2[i] & w1[i] & !w0[i] & self.in_stream(gl, i);
                (e != 0).then(|| gl * 512 + 64 * i as u64 + e.trailing_zeros() as u64)
            })
        };
        let Some(s) = self.summary else {
            return (0..v.lines).find_map(escaped);
        };
        // Walk the view's summary bits 64 at a time.
        let mut l = 0;
        while l < v.lines {
            let n = (v.lines - l).min(64);
            let mut bits = summary_bits(s, v.first_line + l as u64, n);
            while bits != 0 {
                let at = l + bits.trailing_zeros() as usize;
                if let Some(pos) = escaped(at) {
                    return Some(pos);
                }
                bits &= bits - 1;
            }
            l += n;
        }
        None
    }
}

/// `n` ≤ 64 summary bits from line `from` on; lines past the summary's end
/// count as dirty.
#[inline]
fn summary_bits(s: &[u8], from: u64, n: usize) -> u64 {
    let byte = (from / 8) as usize;
    let mut x = 0u128;
    for i in 0..9 {
        x |= (s.get(byte + i).copied().unwrap_or(0xFF) as u128) << (8 * i);
    }
    let bits = (x >> (from % 8)) as u64;
    if n < 64 {
        bits & ((1u64 << n) - 1)
    } else {
        bits
    }
}

#[inline(always)]
pub(in crate::kmer) fn words8(line: &[u8; LINE]) -> [u64; 8] {
    std::array::from_fn(|i| u64::from_le_bytes(line[8 * i..8 * i + 8].try_into().unwrap_or([0; 8])))
}

/// Words of a line and of the next line.
#[inline(always)]
pub(in crate::kmer) fn words16(cur: &[u8; LINE], next: &[u8; LINE]) -> [u64; 16] {
    let (a, b) = (words8(cur), words8(next));
    std::array::from_fn(|i| if i < 8 { a[i] } else { b[i - 8] })
}

/// Bits j … j + 63 of the stream from word i of `w` on (j < 512).
#[inline(always)]
pub(in crate::kmer) fn funnel(w: &[u64; 16], i: usize, j: usize) -> u64 {
    let (q, r) = (j / 64, (j % 64) as u32);
    let lo = w[i + q];
    if r == 0 {
        lo
    } else {
        (lo >> r) | (w[i + q + 1] << (64 - r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funnel_reads_across_words() {
        let mut w = [0u64; 16];
        w[0] = 1 << 63;
        w[1] = 0b101;
        assert_eq!(funnel(&w, 0, 63), 0b1011);
        assert_eq!(funnel(&w, 0, 64), 0b101);
        assert_eq!(funnel(&w, 1, 0), 0b101);
    }

    fn one_block(seq: &[u8], block_bases: u32) -> Reader {
        let mut w = crate::WriterBuilder::default()
            .set_block_bases(block_bases)
            .build(std::io::Cursor::new(Vec::new()))
            .unwrap();
        w.add_sequence(b"s", seq, 60).unwrap();
        Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap()
    }

    #[test]
    fn views_are_bounded_however_large_the_block() {
        // One block of 2^20 positions (2048 lines): every kernel call sees
        // at most VIEW_LINES lines, so the hits held at once stay bounded,
        // and the views tile any line range exactly.
        let r = one_block(&vec![b'A'; (1 << 20) - 1], 1 << 20);
        let pats = Patterns::new(&[crate::kmer::Query::new("A").unwrap()], false);
        let plan = Plan::new(&r, &pats, &ScanOptions::default()).unwrap();
        assert_eq!(plan.line_count(), 2048);
        for range in [0..2048, 7..2048, 100..1300, 2047..4000] {
            let mut seen = Vec::new();
            plan.for_each_view(&r, range.clone(), |v| {
                assert!(v.lines <= VIEW_LINES && v.lines > 0);
                seen.push(v.first_line..v.first_line + v.lines as u64);
                Ok(())
            })
            .unwrap();
            assert_eq!(seen.first().unwrap().start, range.start);
            assert_eq!(seen.last().unwrap().end, range.end.min(2048));
            assert!(seen.windows(2).all(|w| w[0].end == w[1].start), "{range:?}");
        }
        let mut most = 0;
        plan.scan(&r, 0..2048, |hits| {
            let lines: std::collections::BTreeSet<u64> = hits.iter().map(|h| h.1).collect();
            most = most.max(lines.len());
        })
        .unwrap();
        assert!(most > 0 && most <= VIEW_LINES, "{most}");
        // Every position but the END holds A.
        let hits = plan.locate(&r, 0..2048).unwrap();
        assert_eq!(hits.len(), (1 << 20) - 1);
        assert!(hits.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn summary_bits_read_across_bytes() {
        let s = [0b1000_0000u8, 0b0000_0001, 0xFF];
        assert_eq!(summary_bits(&s, 7, 3), 0b011);
        assert_eq!(summary_bits(&s, 9, 8), 0b1000_0000);
        // Past the end: dirty.
        assert_eq!(summary_bits(&s, 20, 8), 0xFF);
    }
}
