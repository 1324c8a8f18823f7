//! The CPU scan: rayon over ranges of blocks; inside a block, bit-parallel
//! over plane lines (SPEC §5: 512 positions, 64 bytes of each plane).
//!
//! A window of k positions starting at s matches a pattern of codes
//! c_0 … c_{k-1} (each 0–3) when, for every j < k, bit 0 of the code at
//! s + j (plane 0) equals bit 0 of c_j, bit 1 (plane 1) equals bit 1 of c_j,
//! and bit 2 (plane 2) is clear. Plane 2 is set exactly for N, END,
//! reference escape and exceptions (SPEC §4), so no window that contains
//! one of them, or that crosses from one sequence into the next, matches.
//!
//! For the 512 windows starting in one line, each condition is a 512-bit
//! AND of the plane shifted by j (a funnel shift across the line and the
//! next one), so 64 (scalar) to 512 (AVX-512) windows are tested per
//! operation. Plane 0 is tested first; plane 1 is read only for lines where
//! a candidate survives plane 0, and plane 2 only where one survives both
//! and the NONACGT summary (SPEC §5.2) says the window's lines hold
//! something other than A, C, G and T. Blocks hold whole lines (B is a
//! multiple of 512) and consecutive blocks are consecutive in the stream, so
//! the line after a block's last line is the next block's first line: that
//! is how matches across block boundaries are found exactly. Work is cut by
//! lines, not blocks ([`CHUNK_LINES`] per task, at most [`VIEW_LINES`] per
//! kernel call), so memory and parallelism do not depend on the block size.

use std::ops::Range;

use rayon::prelude::*;

use super::hashed::{Hashed, HASH_MAX_K};
use super::{par_chunks, Patterns, ScanOptions, MAX_K};
use crate::error::{Error, ErrorKind, Result};
use crate::sequence::Reader;

/// Plane lines per parallel task (2^18 positions).
pub(crate) const CHUNK_LINES: u64 = 512;

/// The most plane lines one kernel call (one [`BlockView`]) covers, so that
/// the hits held at once stay bounded however large a block is.
pub(crate) const VIEW_LINES: usize = 512;

/// Plane-line length in bytes (SPEC §5).
const LINE: usize = 64;

/// The k values with a kernel of their own (k a compile-time constant);
/// other k ≤ 64 use the general wide kernel, longer ones the scalar one.
pub const SPECIALIZED_K: &[usize] = &[
    5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 31, 32,
];

/// A CPU code path, ordered narrowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CpuPath {
    /// Portable 64-bit words.
    Scalar,
    /// 256-bit AVX2 registers.
    Avx2,
    /// 512-bit AVX-512 registers with VBMI2 funnel shifts and ternary logic.
    Avx512,
}

impl CpuPath {
    /// Every path, narrowest first.
    pub const ALL: [CpuPath; 3] = [CpuPath::Scalar, CpuPath::Avx2, CpuPath::Avx512];

    /// The name reports use: `scalar`, `avx2`, `avx512`.
    pub fn name(&self) -> &'static str {
        match self {
            CpuPath::Scalar => "scalar",
            CpuPath::Avx2 => "avx2",
            CpuPath::Avx512 => "avx512",
        }
    }

    /// The path called `name`.
    pub fn from_name(name: &str) -> Option<CpuPath> {
        CpuPath::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether this CPU can run the path (detected at run time).
    pub fn is_available(&self) -> bool {
        match self {
            CpuPath::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            CpuPath::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            CpuPath::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vbmi2")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The widest path this CPU supports.
    pub fn best() -> CpuPath {
        CpuPath::ALL
            .into_iter()
            .rev()
            .find(|p| p.is_available())
            .unwrap_or(CpuPath::Scalar)
    }
}

/// Patterns of one length, scanned together (they share the shifted planes).
pub(crate) struct Group {
    k: usize,
    /// Pattern indices (1 or 2).
    pats: Vec<usize>,
    /// Per pattern and plane, bit j of the pattern's codes at bit j mod 64
    /// of word j / 64.
    bits: Vec<[[u64; MAX_K / 64]; 2]>,
    /// Per pattern and plane, for the wide paths (k ≤ 64): all ones where
    /// the pattern's bit j is 1, zero where it is 0.
    masks: Vec<[[u64; 64]; 2]>,
    /// For a group that allows IUPAC letters or mismatches (SPEC §14),
    /// which then runs [`scalar::fuzzy`]: per pattern, the base set of
    /// each position (bit c for code c).
    sets: Option<Vec<Vec<u8>>>,
    /// Mismatches allowed.
    mismatches: u8,
}

/// Matches found in one block: (pattern, stream line, bit i of word w = the
/// window starting at 512 line + 64 w + i).
pub(crate) type Hits = Vec<(u32, u64, [u64; 8])>;

type Kernel = fn(&Plan<'_>, &Group, &BlockView<'_>, &mut Hits);

/// A kernel as handed out by [`kernel_for`]: the function, whether it is
/// specialised for the group's k, and the path it runs on.
type Chosen = (Kernel, bool, CpuPath);

/// A scan prepared for one file and one set of patterns.
pub(crate) struct Plan<'r> {
    groups: Vec<Group>,
    ks: Vec<usize>,
    kernels: Vec<Chosen>,
    /// The exact patterns of lengths that have many (SPEC §14, see
    /// [`super::hashed`]), which the hash tables scan instead of kernels.
    hashed: Option<Hashed>,
    stream_len: u64,
    block_count: u64,
    line_count: u64,
    lines_per_block: u64,
    summary: Option<&'r [u8]>,
}

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
    ahead: [&'a [u8]; 2],
    pub(super) first_line: u64,
    pub(super) lines: usize,
}

impl<'a> BlockView<'a> {
    /// Line `l` of plane `p`.
    #[inline(always)]
    pub(super) fn line(&self, p: usize, l: usize) -> &'a [u8; LINE] {
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
    pub(super) fn next_line(&self, p: usize, l: usize) -> &'a [u8; LINE] {
        if l + 1 < self.lines {
            self.line(p, l + 1)
        } else {
            self.next[p]
        }
    }
}

impl<'r> Plan<'r> {
    pub fn new(reader: &'r Reader, pats: &Patterns, options: &ScanOptions) -> Result<Plan<'r>> {
        let patterns = &pats.codes;
        let path = match options.cpu_path {
            Some(p) if !p.is_available() => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!("the {} path needs CPU features this machine lacks", p.name()),
                ))
            }
            Some(p) => p,
            None => CpuPath::best(),
        };
        let (stream_len, block_bases, block_count) = reader
            .index_header()
            .map_or((0, 512, 0), |h| (h.stream_len, h.block_bases as u64, h.block_count));
        // Open checked B is a positive multiple of 512.
        let lines_per_block = (block_bases / 512).max(1);
        // Group patterns by kind (exact, or IUPAC / mismatches) and length,
        // two at a time.
        let mismatches = options.mismatches();
        let fuzzy = |p: usize| mismatches > 0 || pats.sets[p].iter().any(|s| s.count_ones() > 1);
        // Lengths with many exact patterns go to the hash tables.
        let mut per_k = std::collections::HashMap::<usize, usize>::new();
        for p in (0..patterns.len()).filter(|&p| !fuzzy(p)) {
            *per_k.entry(patterns[p].len()).or_default() += 1;
        }
        let to_hash = |p: usize| {
            let k = patterns[p].len();
            !fuzzy(p) && k <= HASH_MAX_K && per_k.get(&k).is_some_and(|&n| n >= options.hash_from())
        };
        let hashed_pats: Vec<usize> = (0..patterns.len()).filter(|&p| to_hash(p)).collect();
        let hashed = (!hashed_pats.is_empty()).then(|| Hashed::new(pats, &hashed_pats));
        let mut order: Vec<usize> = (0..patterns.len()).filter(|&p| !to_hash(p)).collect();
        order.sort_by_key(|&p| (fuzzy(p), patterns[p].len(), p));
        let mut groups: Vec<Group> = Vec::new();
        for p in order {
            let k = patterns[p].len();
            match groups.last_mut() {
                Some(g) if g.k == k && g.pats.len() < 2 && g.sets.is_some() == fuzzy(p) => g.pats.push(p),
                _ => groups.push(Group {
                    k,
                    pats: vec![p],
                    bits: Vec::new(),
                    masks: Vec::new(),
                    sets: fuzzy(p).then(Vec::new),
                    mismatches,
                }),
            }
        }
        for g in &mut groups {
            for &p in &g.pats {
                let mut bits = [[0u64; MAX_K / 64]; 2];
                let mut masks = [[0u64; 64]; 2];
                for (j, &c) in patterns[p].iter().enumerate() {
                    for (plane, b) in bits.iter_mut().enumerate() {
                        let bit = (c >> plane) as u64 & 1;
                        b[j / 64] |= bit << (j % 64);
                        if j < 64 {
                            masks[plane][j] = bit.wrapping_neg();
                        }
                    }
                }
                g.bits.push(bits);
                g.masks.push(masks);
                if let Some(sets) = &mut g.sets {
                    sets.push(pats.sets[p].clone());
                }
            }
        }
        let kernels = groups.iter().map(|g| kernel_for(path, g)).collect();
        Ok(Plan {
            ks: patterns.iter().map(|p| p.len()).collect(),
            groups,
            kernels,
            hashed,
            stream_len,
            block_count,
            line_count: stream_len.div_ceil(512),
            lines_per_block,
            summary: if options.use_summary { reader.summary() } else { None },
        })
    }

    /// The path that runs: the narrowest any group's kernel runs on (a
    /// group with k > 64 runs the scalar kernel whatever path was asked
    /// for).
    pub fn path(&self) -> CpuPath {
        self.kernels.iter().map(|&(_, _, p)| p).min().unwrap_or(CpuPath::Scalar)
    }

    /// How many patterns the hash tables scan.
    pub fn hashed(&self) -> usize {
        self.hashed.as_ref().map_or(0, Hashed::len)
    }

    /// Whether every group runs a kernel specialised for its k (and the
    /// hash tables scan nothing).
    pub fn specialized(&self) -> bool {
        self.hashed.is_none() && self.kernels.iter().all(|&(_, s, _)| s)
    }

    /// Plane lines in the stream: ceil(stream_len / 512).
    pub fn line_count(&self) -> u64 {
        self.line_count
    }

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
    pub(super) fn dirty(&self, l: u64, k: usize) -> bool {
        self.line_dirty(l) || (k > 1 && self.line_dirty(l + 1))
    }

    /// Clears from `acc` (the windows starting in line `l` of the view,
    /// stream line `gl`) every window whose k positions hold a code other
    /// than A, C, G, T: plane 2 is read only where the summary says the
    /// lines hold one, and then once per line (`w2`).
    #[inline(always)]
    fn drop_non_acgt(
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

    /// Records the matches of pattern `p` in line `l`, dropping windows that
    /// run past the end of the stream.
    #[inline(always)]
    pub(super) fn emit(&self, hits: &mut Hits, p: usize, l: u64, mut words: [u64; 8]) {
        let k = self.ks[p] as u64;
        let first = l * 512;
        if first + 511 + k > self.stream_len {
            // Valid starts s satisfy s + k <= stream_len.
            let valid = (self.stream_len + 1).saturating_sub(k).saturating_sub(first);
            for (w, word) in words.iter_mut().enumerate() {
                let v = valid.saturating_sub(64 * w as u64);
                if v < 64 {
                    *word &= (1u64 << v) - 1;
                }
            }
        }
        if words.iter().any(|&w| w != 0) {
            hits.push((p as u32, l, words));
        }
    }

    /// Calls `f` on views of the lines `lines` (SPEC §5 plane lines of the
    /// stream), in order: each of at most [`VIEW_LINES`] lines of one
    /// block, with the line that follows it (in the block or the next).
    fn for_each_view(
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

    /// Scans the lines `lines`, handing the hits of each view to `sink`.
    fn scan(&self, reader: &Reader, lines: Range<u64>, mut sink: impl FnMut(&Hits)) -> Result<()> {
        let mut hits: Hits = Vec::new();
        self.for_each_view(reader, lines, |view| {
            if let Some(pos) = self.reference_escape(view) {
                return Err(super::reference_escape_error(reader, pos));
            }
            hits.clear();
            for (g, &(kernel, _, _)) in self.groups.iter().zip(&self.kernels) {
                kernel(self, g, view, &mut hits);
            }
            if let Some(h) = &self.hashed {
                h.scan(self, view, &mut hits);
            }
            if !hits.is_empty() {
                sink(&hits);
            }
            Ok(())
        })
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
                return Err(super::reference_escape_error(reader, pos));
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
    /// (their bits are padding, SPEC §5 [B1], which a scan never reads as
    /// codes).
    fn reference_escape(&self, v: &BlockView<'_>) -> Option<u64> {
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

    /// Per-pattern totals and, given sequence starts, per-sequence counts
    /// (`[s * patterns + p]`).
    pub fn count(&self, reader: &Reader, starts: Option<&[u64]>) -> Result<(Vec<u64>, Option<Vec<u64>>)> {
        let np = self.ks.len();
        match starts {
            None => {
                let parts = par_chunks(0..self.line_count, CHUNK_LINES, |r| {
                    let mut c = vec![0u64; np];
                    self.scan(reader, r, |hits| {
                        for (p, _, words) in hits {
                            c[*p as usize] += words.iter().map(|w| w.count_ones() as u64).sum::<u64>();
                        }
                    })?;
                    Ok(c)
                })?;
                let mut totals = vec![0u64; np];
                for c in parts {
                    for (t, x) in totals.iter_mut().zip(c) {
                        *t += x;
                    }
                }
                Ok((totals, None))
            }
            Some(starts) => {
                let nseq = starts.len().saturating_sub(1);
                let parts = par_chunks(0..self.line_count, CHUNK_LINES, |r| {
                    // The sequences whose windows can start in these lines.
                    let (a, b) = (r.start * 512, (r.end * 512).min(self.stream_len));
                    let lo = starts.partition_point(|&x| x <= a).saturating_sub(1);
                    let hi = starts.partition_point(|&x| x < b).max(lo + 1).min(nseq);
                    let mut c = vec![0u64; (hi - lo) * np];
                    self.scan(reader, r, |hits| {
                        for (p, line, words) in hits {
                            for (w, &word) in words.iter().enumerate() {
                                split_by_sequence(starts, line * 512 + 64 * w as u64, word, |s, n| {
                                    // Every window starting here lies in [lo, hi).
                                    if let Some(x) = s.checked_sub(lo).and_then(|d| c.get_mut(d * np + *p as usize)) {
                                        *x += n;
                                    }
                                });
                            }
                        }
                    })?;
                    Ok((lo, c))
                })?;
                let mut per = vec![0u64; nseq * np];
                let mut totals = vec![0u64; np];
                for (lo, c) in parts {
                    for (i, n) in c.into_iter().enumerate() {
                        per[lo * np + i] += n;
                        totals[i % np] += n;
                    }
                }
                Ok((totals, Some(per)))
            }
        }
    }

    /// Every (stream position, pattern) match in plane lines `range`,
    /// sorted.
    pub fn locate(&self, reader: &Reader, range: Range<u64>) -> Result<Vec<(u64, u32)>> {
        let parts = par_chunks(range, CHUNK_LINES, |r| {
            let mut out = Vec::new();
            self.scan(reader, r, |hits| {
                let from = out.len();
                for &(p, line, words) in hits {
                    for (w, &word) in words.iter().enumerate() {
                        let mut bits = word;
                        while bits != 0 {
                            out.push((line * 512 + 64 * w as u64 + bits.trailing_zeros() as u64, p));
                            bits &= bits - 1;
                        }
                    }
                }
                out[from..].sort_unstable();
            })?;
            Ok(out)
        })?;
        Ok(parts.concat())
    }
}

/// Calls `f(sequence, matches)` for the set bits of `word` (windows starting
/// at `base + i`), split at sequence starts (`starts` ends with stream_len).
#[inline]
fn split_by_sequence(starts: &[u64], base: u64, word: u64, mut f: impl FnMut(usize, u64)) {
    let mut bits = word;
    while bits != 0 {
        let pos = base + bits.trailing_zeros() as u64;
        let Some(s) = starts.partition_point(|&x| x <= pos).checked_sub(1) else {
            return;
        };
        let end = starts.get(s + 1).copied().unwrap_or(u64::MAX);
        let take = if end >= base + 64 {
            bits
        } else {
            bits & ((1u64 << (end - base)) - 1)
        };
        f(s, take.count_ones() as u64);
        bits &= !take;
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
pub(super) fn words8(line: &[u8; LINE]) -> [u64; 8] {
    std::array::from_fn(|i| u64::from_le_bytes(line[8 * i..8 * i + 8].try_into().unwrap_or([0; 8])))
}

/// Words of a line and of the next line.
#[inline(always)]
pub(super) fn words16(cur: &[u8; LINE], next: &[u8; LINE]) -> [u64; 16] {
    let (a, b) = (words8(cur), words8(next));
    std::array::from_fn(|i| if i < 8 { a[i] } else { b[i - 8] })
}

/// Bits j … j + 63 of the stream from word i of `w` on (j < 512).
#[inline(always)]
pub(super) fn funnel(w: &[u64; 16], i: usize, j: usize) -> u64 {
    let (q, r) = (j / 64, (j % 64) as u32);
    let lo = w[i + q];
    if r == 0 {
        lo
    } else {
        (lo >> r) | (w[i + q + 1] << (64 - r))
    }
}

/// The kernel for group `g` on `path`: a wide kernel where the path is
/// available on this CPU (checked here, at run time, whatever the caller
/// checked before) and k ≤ 64, else the scalar kernel, which runs anywhere.
/// The third field says which path the kernel runs on.
fn kernel_for(path: CpuPath, g: &Group) -> Chosen {
    if g.sets.is_some() {
        return (scalar::fuzzy, false, CpuPath::Scalar);
    }
    #[cfg(target_arch = "x86_64")]
    if let Some((kernel, specialized)) = x86::kernel_for(path, g) {
        return (kernel, specialized, path);
    }
    let _ = path;
    (scalar::group, false, CpuPath::Scalar)
}

/// The portable path, on 64-bit words. For each word (64 windows), the
/// first `LEAD` positions of the pattern are tested on planes 0 and 1
/// together without a branch (a window survives that with probability
/// 4^-8); the rest one position at a time, stopping as soon as no window of
/// the word is left.
mod scalar {
    use super::*;

    /// Positions tested before the first branch.
    const LEAD: usize = 8;

    /// For position j of a pattern: the mask that, XORed into a plane word
    /// and ANDed, keeps the bits equal to the pattern's bit j.
    #[inline(always)]
    fn flip(bits: &[u64; MAX_K / 64], j: usize) -> u64 {
        // b = 1 keeps set bits (XOR 0), b = 0 keeps clear ones (XOR !0).
        ((bits[j / 64] >> (j % 64)) & 1).wrapping_sub(1)
    }

    /// Bits j … j + 63 of the pair (lo, hi), j < 64.
    #[inline(always)]
    fn shrd(lo: u64, hi: u64, j: usize) -> u64 {
        if j == 0 {
            lo
        } else {
            (lo >> j) | (hi << (64 - j))
        }
    }

    pub(super) fn group(plan: &Plan<'_>, g: &Group, v: &BlockView<'_>, hits: &mut Hits) {
        match g.k {
            1 => group_lead::<1>(plan, g, v, hits),
            2 => group_lead::<2>(plan, g, v, hits),
            3 => group_lead::<3>(plan, g, v, hits),
            4 => group_lead::<4>(plan, g, v, hits),
            5 => group_lead::<5>(plan, g, v, hits),
            6 => group_lead::<6>(plan, g, v, hits),
            7 => group_lead::<7>(plan, g, v, hits),
            _ => group_lead::<LEAD>(plan, g, v, hits),
        }
    }

    /// `L` = min(k, LEAD), a constant so the lead loop unrolls.
    fn group_lead<const L: usize>(plan: &Plan<'_>, g: &Group, v: &BlockView<'_>, hits: &mut Hits) {
        let k = g.k;
        let flips: Vec<[[u64; LEAD]; 2]> = g
            .bits
            .iter()
            .map(|[b0, b1]| {
                [
                    std::array::from_fn(|j| flip(b0, j)),
                    std::array::from_fn(|j| flip(b1, j)),
                ]
            })
            .collect();
        for l in 0..v.lines {
            let gl = v.first_line + l as u64;
            let w0 = words16(v.line(0, l), v.next_line(0, l));
            let w1 = words16(v.line(1, l), v.next_line(1, l));
            let mut w2: Option<[u64; 16]> = None;
            for (n, &p) in g.pats.iter().enumerate() {
                let [b0, b1] = &g.bits[n];
                let [f0, f1] = &flips[n];
                let mut acc = [0u64; 8];
                let mut any = 0;
                for (i, a) in acc.iter_mut().enumerate() {
                    let (lo0, hi0, lo1, hi1) = (w0[i], w0[i + 1], w1[i], w1[i + 1]);
                    let mut x = !0u64;
                    for j in 0..L {
                        x &= (shrd(lo0, hi0, j) ^ f0[j]) & (shrd(lo1, hi1, j) ^ f1[j]);
                    }
                    if x != 0 {
                        for j in L..k {
                            x &= (funnel(&w0, i, j) ^ flip(b0, j)) & (funnel(&w1, i, j) ^ flip(b1, j));
                            if x == 0 {
                                break;
                            }
                        }
                    }
                    *a = x;
                    any |= x;
                }
                if any == 0 {
                    continue;
                }
                plan.drop_non_acgt(v, l, gl, k, &mut w2, &mut acc);
                plan.emit(hits, p, gl, acc);
            }
        }
    }

    /// A base set (bit c for code c) as four all-ones-or-zero words, one
    /// per code, for [`in_set`].
    #[inline(always)]
    fn set_words(set: u8) -> [u64; 4] {
        std::array::from_fn(|c| ((set as u64 >> c) & 1).wrapping_neg())
    }

    /// The windows (bits) whose base, planes 0 and 1 giving bits 0 and 1
    /// of its code, is in the set given by [`set_words`]: a two-level
    /// multiplexer, without a branch.
    #[inline(always)]
    fn in_set([a, c, g, t]: [u64; 4], p0: u64, p1: u64) -> u64 {
        let lo = (p0 & c) | (!p0 & a);
        let hi = (p0 & t) | (!p0 & g);
        (p1 & hi) | (!p1 & lo)
    }

    /// The windows whose mismatch count, kept bit-sliced as `2 c1 + c0`
    /// with `over` set past 3, exceeds `m`.
    #[inline(always)]
    fn exceeds(c0: u64, c1: u64, over: u64, m: u8) -> u64 {
        over | match m {
            0 => c0 | c1,
            1 => c1,
            2 => c0 & c1,
            _ => 0,
        }
    }

    /// IUPAC letters and mismatches (SPEC §14), 64 windows per word: at each
    /// position j, the windows whose base is not in the pattern's set there
    /// add one to a bit-sliced counter (two bits and an overflow bit per
    /// window); a word stops as soon as every window is past the allowed
    /// mismatches.
    pub(super) fn fuzzy(plan: &Plan<'_>, g: &Group, v: &BlockView<'_>, hits: &mut Hits) {
        let k = g.k;
        let m = g.mismatches;
        let Some(sets) = &g.sets else { return };
        let words: Vec<Vec<[u64; 4]>> = sets.iter().map(|p| p.iter().map(|&s| set_words(s)).collect()).collect();
        for l in 0..v.lines {
            let gl = v.first_line + l as u64;
            let w0 = words16(v.line(0, l), v.next_line(0, l));
            let w1 = words16(v.line(1, l), v.next_line(1, l));
            let mut w2: Option<[u64; 16]> = None;
            for (n, &p) in g.pats.iter().enumerate() {
                let set = &words[n];
                let mut acc = [0u64; 8];
                let mut any = 0;
                for (i, a) in acc.iter_mut().enumerate() {
                    let (mut c0, mut c1, mut over) = (0u64, 0u64, 0u64);
                    for (j, &s) in set.iter().enumerate() {
                        let miss = !in_set(s, funnel(&w0, i, j), funnel(&w1, i, j));
                        let carry = c0 & miss;
                        c0 ^= miss;
                        over |= c1 & carry;
                        c1 ^= carry;
                        if exceeds(c0, c1, over, m) == !0 {
                            break;
                        }
                    }
                    *a = !exceeds(c0, c1, over, m);
                    any |= *a;
                }
                if any == 0 {
                    continue;
                }
                plan.drop_non_acgt(v, l, gl, k, &mut w2, &mut acc);
                plan.emit(hits, p, gl, acc);
            }
        }
    }
}

// The AVX-512 intrinsics are stable since Rust 1.89, and calling
// intrinsics safely inside `#[target_feature]` functions since 1.86: hence
// `rust-version = "1.89"`.
#[cfg(target_arch = "x86_64")]
mod x86 {
    //! The wide paths. The kernels are `#[target_feature]` functions: the
    //! intrinsics inside them are safe to call, but calling the kernels
    //! themselves is `unsafe` (the CPU must have the features). Each kernel
    //! is reached only through a private wrapper (`avx512`, `avx2`) whose
    //! function pointer only [`kernel_for`] hands out, and only after it
    //! has itself seen [`CpuPath::is_available`] return true for the path.

    use std::arch::x86_64::*;

    use super::*;

    /// Runs `body` for `j` = 0, 1, … while `j < k` (k ≤ 64), `j` a literal
    /// in each copy, so that shift counts become immediates and the loop
    /// needs no counter; with k a compile-time constant the tests vanish.
    macro_rules! unroll64 {
        ($j:ident < $k:expr, $body:block) => {
            unroll64!(@ $j, $k, $body, [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63])
        };
        (@ $j:ident, $k:expr, $body:block, [$($n:literal)*]) => {
            $( if $n < $k { let $j: usize = $n; $body } )*
        };
    }

    macro_rules! pick {
        ($wrap:ident, $g:expr, [$($k:literal),*]) => {{
            let np = $g.pats.len();
            match ($g.k, np) {
                $( ($k, 1) => ($wrap::<$k, 1> as Kernel, true), ($k, _) => ($wrap::<$k, 2> as Kernel, true), )*
                (_, 1) => ($wrap::<0, 1> as Kernel, false),
                _ => ($wrap::<0, 2> as Kernel, false),
            }
        }};
    }

    /// The wide kernel for `g` on `path` and whether it is specialised for
    /// its k, or None when there is none: k > 64 (the wide kernels test at
    /// most 64 positions), the scalar path, or a path this CPU lacks. This
    /// run-time check is what the `SAFETY` comments of `avx512` and `avx2`
    /// rest on.
    pub(super) fn kernel_for(path: CpuPath, g: &Group) -> Option<(Kernel, bool)> {
        if g.k > 64 || !path.is_available() {
            return None;
        }
        // Keep in step with SPECIALIZED_K.
        match path {
            CpuPath::Avx512 => Some(pick!(
                avx512,
                g,
                [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 31, 32]
            )),
            CpuPath::Avx2 => Some(pick!(
                avx2,
                g,
                [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 31, 32]
            )),
            CpuPath::Scalar => None,
        }
    }

    fn avx512<const K: usize, const NP: usize>(plan: &Plan<'_>, g: &Group, v: &BlockView<'_>, hits: &mut Hits) {
        // SAFETY: `avx512_group` enables avx512f and avx512vbmi2, so calling
        // it is sound exactly when the running CPU has both. This function
        // is private to this module and referred to only in `kernel_for`,
        // which returns a pointer to it only after `CpuPath::Avx512
        // .is_available()` returned true, that is after
        // `is_x86_feature_detected!` found avx512f and avx512vbmi2 on this
        // CPU; CPU features do not change while a process runs.
        unsafe { avx512_group::<K, NP>(plan, g, v, hits) }
    }

    fn avx2<const K: usize, const NP: usize>(plan: &Plan<'_>, g: &Group, v: &BlockView<'_>, hits: &mut Hits) {
        // SAFETY: `avx2_group` enables avx2 (and, through `prefetch`, sse,
        // which avx2 implies), so calling it is sound exactly when the
        // running CPU has avx2. As for `avx512`: only `kernel_for` hands out
        // a pointer to this function, and only after
        // `CpuPath::Avx2.is_available()` (`is_x86_feature_detected!("avx2")`)
        // returned true.
        unsafe { avx2_group::<K, NP>(plan, g, v, hits) }
    }

    /// Prefetches line `l` of the next block's plane 0 (and plane 1 for
    /// short k, where most lines need it): a block ahead is far enough for
    /// the loads to arrive and near enough to stay in L1/L2.
    #[inline]
    #[target_feature(enable = "sse")]
    fn prefetch(v: &BlockView<'_>, l: usize, k: usize) {
        let planes = if k <= 12 { 2 } else { 1 };
        for p in &v.ahead[..planes] {
            if let Some(line) = p.get(l * LINE..) {
                _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast());
            }
        }
    }

    /// Where the wide kernels check whether any window is left: after 12
    /// positions of plane 0 about 12% of lines still have a candidate,
    /// after 16 about 1% (random sequence).
    #[inline(always)]
    fn exit_point(j: usize) -> bool {
        matches!(j, 11 | 15 | 23 | 31 | 47)
    }

    // ---- AVX-512 ------------------------------------------------------

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn load512(line: &[u8; LINE]) -> __m512i {
        let w = words8(line);
        // LLVM turns this into one unaligned 64-byte load.
        _mm512_set_epi64(
            w[7] as i64,
            w[6] as i64,
            w[5] as i64,
            w[4] as i64,
            w[3] as i64,
            w[2] as i64,
            w[1] as i64,
            w[0] as i64,
        )
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn words512(x: __m512i) -> [u64; 8] {
        let (a, b) = (_mm512_extracti64x4_epi64::<0>(x), _mm512_extracti64x4_epi64::<1>(x));
        [
            _mm256_extract_epi64::<0>(a) as u64,
            _mm256_extract_epi64::<1>(a) as u64,
            _mm256_extract_epi64::<2>(a) as u64,
            _mm256_extract_epi64::<3>(a) as u64,
            _mm256_extract_epi64::<0>(b) as u64,
            _mm256_extract_epi64::<1>(b) as u64,
            _mm256_extract_epi64::<2>(b) as u64,
            _mm256_extract_epi64::<3>(b) as u64,
        ]
    }

    /// The line of plane `p` and the line shifted by one word (lane i holds
    /// word i + 1), for funnel shifts.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn pair512(v: &BlockView<'_>, p: usize, l: usize) -> (__m512i, __m512i) {
        let cur = load512(v.line(p, l));
        let next = load512(v.next_line(p, l));
        (cur, _mm512_alignr_epi64::<1>(next, cur))
    }

    /// acc[n] &= (plane bit at s + j == pattern n's bit j) for j < k, with
    /// early exits; returns whether any window survives.
    #[inline]
    #[target_feature(enable = "avx512f,avx512vbmi2")]
    fn and512<const K: usize, const NP: usize>(
        k: usize,
        lo: __m512i,
        hi: __m512i,
        masks: [&[u64; 64]; NP],
        acc: &mut [__m512i; NP],
    ) -> bool {
        let k = if K == 0 { k.min(64) } else { K };
        unroll64!(j < k, {
            let x = _mm512_shrdv_epi64(lo, hi, _mm512_set1_epi64(j as i64));
            for n in 0..NP {
                // acc & !(x ^ m): the plane bit equals the pattern bit.
                acc[n] = _mm512_ternarylogic_epi64::<0x90>(acc[n], x, _mm512_set1_epi64(masks[n][j] as i64));
            }
            if exit_point(j) && j + 1 < k && !any512(acc) {
                return false;
            }
        });
        any512(acc)
    }

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn any512<const NP: usize>(acc: &[__m512i; NP]) -> bool {
        let mut or = acc[0];
        for a in &acc[1..] {
            or = _mm512_or_si512(or, *a);
        }
        _mm512_test_epi64_mask(or, or) != 0
    }

    #[target_feature(enable = "avx512f,avx512vbmi2")]
    fn avx512_group<const K: usize, const NP: usize>(plan: &Plan<'_>, g: &Group, v: &BlockView<'_>, hits: &mut Hits) {
        let k = if K == 0 { g.k.min(64) } else { K };
        let m0: [&[u64; 64]; NP] = std::array::from_fn(|n| &g.masks[n][0]);
        let m1: [&[u64; 64]; NP] = std::array::from_fn(|n| &g.masks[n][1]);
        for l in 0..v.lines {
            prefetch(v, l, k);
            let gl = v.first_line + l as u64;
            let mut acc = [_mm512_set1_epi64(-1); NP];
            let (c0, h0) = pair512(v, 0, l);
            if !and512::<K, NP>(k, c0, h0, m0, &mut acc) {
                continue;
            }
            let (c1, h1) = pair512(v, 1, l);
            if !and512::<K, NP>(k, c1, h1, m1, &mut acc) {
                continue;
            }
            if plan.dirty(gl, k) {
                let (c2, h2) = pair512(v, 2, l);
                let mut bad = _mm512_setzero_si512();
                unroll64!(j < k, {
                    bad = _mm512_or_si512(bad, _mm512_shrdv_epi64(c2, h2, _mm512_set1_epi64(j as i64)));
                });
                for a in acc.iter_mut() {
                    *a = _mm512_andnot_si512(bad, *a);
                }
            }
            for (n, a) in acc.iter().enumerate() {
                if _mm512_test_epi64_mask(*a, *a) != 0 {
                    plan.emit(hits, g.pats[n], gl, words512(*a));
                }
            }
        }
    }

    // ---- AVX2 ---------------------------------------------------------

    /// A line as two 256-bit halves.
    type Y = [__m256i; 2];

    #[inline]
    #[target_feature(enable = "avx2")]
    fn pair256(v: &BlockView<'_>, p: usize, l: usize) -> (Y, Y) {
        let c = words8(v.line(p, l));
        let n0 = u64::from_le_bytes(v.next_line(p, l)[..8].try_into().unwrap_or([0; 8]));
        let set = |a: u64, b: u64, c: u64, d: u64| _mm256_set_epi64x(d as i64, c as i64, b as i64, a as i64);
        (
            [set(c[0], c[1], c[2], c[3]), set(c[4], c[5], c[6], c[7])],
            [set(c[1], c[2], c[3], c[4]), set(c[5], c[6], c[7], n0)],
        )
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn funnel256(lo: __m256i, hi: __m256i, j: usize) -> __m256i {
        // Shifts of 64 give 0 in AVX2, so j = 0 needs no special case.
        let r = _mm_set1_epi64x(j as i64);
        let l = _mm_set1_epi64x(64 - j as i64);
        _mm256_or_si256(_mm256_srl_epi64(lo, r), _mm256_sll_epi64(hi, l))
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn any256<const NP: usize>(acc: &[Y; NP]) -> bool {
        let mut or = _mm256_or_si256(acc[0][0], acc[0][1]);
        for a in &acc[1..] {
            or = _mm256_or_si256(or, _mm256_or_si256(a[0], a[1]));
        }
        _mm256_testz_si256(or, or) == 0
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn and256<const K: usize, const NP: usize>(
        k: usize,
        lo: Y,
        hi: Y,
        masks: [&[u64; 64]; NP],
        acc: &mut [Y; NP],
    ) -> bool {
        let k = if K == 0 { k.min(64) } else { K };
        unroll64!(j < k, {
            let x = [funnel256(lo[0], hi[0], j), funnel256(lo[1], hi[1], j)];
            for n in 0..NP {
                let m = _mm256_set1_epi64x(masks[n][j] as i64);
                for h in 0..2 {
                    acc[n][h] = _mm256_andnot_si256(_mm256_xor_si256(x[h], m), acc[n][h]);
                }
            }
            if exit_point(j) && j + 1 < k && !any256(acc) {
                return false;
            }
        });
        any256(acc)
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn words256(y: &Y) -> [u64; 8] {
        [
            _mm256_extract_epi64::<0>(y[0]) as u64,
            _mm256_extract_epi64::<1>(y[0]) as u64,
            _mm256_extract_epi64::<2>(y[0]) as u64,
            _mm256_extract_epi64::<3>(y[0]) as u64,
            _mm256_extract_epi64::<0>(y[1]) as u64,
            _mm256_extract_epi64::<1>(y[1]) as u64,
            _mm256_extract_epi64::<2>(y[1]) as u64,
            _mm256_extract_epi64::<3>(y[1]) as u64,
        ]
    }

    #[target_feature(enable = "avx2")]
    fn avx2_group<const K: usize, const NP: usize>(plan: &Plan<'_>, g: &Group, v: &BlockView<'_>, hits: &mut Hits) {
        let k = if K == 0 { g.k.min(64) } else { K };
        let m0: [&[u64; 64]; NP] = std::array::from_fn(|n| &g.masks[n][0]);
        let m1: [&[u64; 64]; NP] = std::array::from_fn(|n| &g.masks[n][1]);
        let ones = _mm256_set1_epi64x(-1);
        for l in 0..v.lines {
            prefetch(v, l, k);
            let gl = v.first_line + l as u64;
            let mut acc = [[ones, ones]; NP];
            let (c0, h0) = pair256(v, 0, l);
            if !and256::<K, NP>(k, c0, h0, m0, &mut acc) {
                continue;
            }
            let (c1, h1) = pair256(v, 1, l);
            if !and256::<K, NP>(k, c1, h1, m1, &mut acc) {
                continue;
            }
            if plan.dirty(gl, k) {
                let (c2, h2) = pair256(v, 2, l);
                let mut bad = [_mm256_setzero_si256(); 2];
                unroll64!(j < k, {
                    for h in 0..2 {
                        bad[h] = _mm256_or_si256(bad[h], funnel256(c2[h], h2[h], j));
                    }
                });
                for a in acc.iter_mut() {
                    for h in 0..2 {
                        a[h] = _mm256_andnot_si256(bad[h], a[h]);
                    }
                }
            }
            for (n, a) in acc.iter().enumerate() {
                let or = _mm256_or_si256(a[0], a[1]);
                if _mm256_testz_si256(or, or) == 0 {
                    plan.emit(hits, g.pats[n], gl, words256(a));
                }
            }
        }
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

    #[test]
    fn split_by_sequence_splits_at_starts() {
        let starts = [0u64, 10, 70, 200];
        let mut got = Vec::new();
        split_by_sequence(&starts, 64, u64::MAX, |s, n| got.push((s, n)));
        assert_eq!(got, [(1, 6), (2, 58)]);
        got.clear();
        split_by_sequence(&starts, 0, (1 << 9) | (1 << 10) | (1 << 11), |s, n| got.push((s, n)));
        assert_eq!(got, [(0, 1), (1, 2)]);
    }

    #[test]
    fn specialized_list_matches_the_kernels() {
        // kernel_for's literal lists must be SPECIALIZED_K.
        for path in CpuPath::ALL
            .into_iter()
            .filter(|p| p.is_available() && *p != CpuPath::Scalar)
        {
            for k in 1..=64 {
                for np in 1..=2 {
                    let g = Group {
                        k,
                        pats: (0..np).collect(),
                        bits: vec![[[0; MAX_K / 64]; 2]; np],
                        masks: vec![[[0; 64]; 2]; np],
                        sets: None,
                        mismatches: 0,
                    };
                    let (_, specialized, ran) = kernel_for(path, &g);
                    assert_eq!(ran, path, "{path:?} k={k}");
                    assert_eq!(specialized, SPECIALIZED_K.contains(&k), "{path:?} k={k}");
                }
            }
        }
    }

    fn group(k: usize) -> Group {
        Group {
            k,
            pats: vec![0],
            bits: vec![[[0; MAX_K / 64]; 2]],
            masks: vec![[[0; 64]; 2]],
            sets: None,
            mismatches: 0,
        }
    }

    #[test]
    fn kernels_fall_back_to_scalar_where_a_path_cannot_run() {
        // A path this CPU lacks, or k > 64, gets the scalar kernel and says
        // so, whatever the caller checked before.
        for path in CpuPath::ALL {
            for k in [1, 21, 64, 65, 512] {
                let (_, specialized, ran) = kernel_for(path, &group(k));
                let wide = path != CpuPath::Scalar && path.is_available() && k <= 64;
                assert_eq!(ran, if wide { path } else { CpuPath::Scalar }, "{path:?} k={k}");
                assert!(wide || !specialized);
            }
        }
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
        let pats = Patterns::new(&[super::super::Query::new("A").unwrap()], false);
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
