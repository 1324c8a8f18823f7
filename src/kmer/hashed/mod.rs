//! SPEC §14 for many exact k-mers in one pass: hash tables, one per k.
//!
//! The bit-parallel kernels test every pattern against every window, so
//! their cost grows with the number of patterns. Here the cost grows with
//! the number of *distinct lengths* instead: for each plane line, planes 0
//! and 1 are interleaved into 2-bit codes (the code at stream position s in
//! bits 2s and 2s + 1, A 0, C 1, G 2, T 3: SPEC §4), and each window's code
//! is read out of them with one shift. A filter gives the line's
//! candidates without a branch: a bitmap indexed by the window's first q
//! bases (one bit per possible q-mer: exact for k = q, else a prefix test
//! that rejects almost every window), 16 windows per AVX-512 gather; or,
//! where the patterns are long enough and few enough for q ≤ 10, a
//! strided byte table read at one q-mer in 8, whose byte answers for the
//! 8 windows that q-mer can be part of at their offsets (the same
//! windows pass as through the prefix bitmap of that q, for one gather in
//! 128 windows). Where the CPU has AVX-512F, VBMI2 and BMI2 (`x86`,
//! detected at run time) the scan is compiled for them; else portable code
//! gives the same answer. Only candidates are looked up in the
//! open-addressing tables of the patterns' codes (`table`: a 64-byte
//! bucket per lookup, no branch on found or absent), which give the
//! pattern. Lengths below [`SHARED_FROM`] have a bitmap each (q = k);
//! longer ones share one filter, so the cost of a window grows little with
//! the number of distinct lengths.
//!
//! Plane 2 is not part of the code (N reads as A there), so a window found
//! in the table is dropped when plane 2 is set at any of its k positions:
//! N, END, exceptions and reference escapes never match, and no match spans
//! two sequences. Plane 2 is read only for lines the NONACGT summary (SPEC
//! §5.2) marks; there it also drops candidates before the lookup (every
//! window of an N run reads as A…A, which a genome's patterns often
//! start with). Windows that run past the end of the stream are dropped by
//! [`Plan::emit`], as on every path.
//!
//! Which patterns come here is [`ScanOptions::set_hash_from`]: exact
//! patterns (no IUPAC letter, no mismatches) of a length k ≤ 64 of which
//! there are at least that many. Patterns are distinct by then ([`Patterns`]
//! merges equal ones), so a code names at most one pattern.
//!
//! [`ScanOptions::set_hash_from`]: super::ScanOptions::set_hash_from

use std::collections::BTreeMap;

use super::cpu::{funnel, words16, BlockView, Hits, Plan};
use super::Patterns;
use table::{log2_ceil, pack, word_mask, Buckets, Code, Filtered, Keys, Table, NONE, STRIDE};

mod table;
#[cfg(target_arch = "x86_64")]
mod x86;

/// The default of [`super::ScanOptions::set_hash_from`]: from this many
/// exact patterns of one length on, the hash tables scan them. Measured on
/// 21-mers over 772 Mbases (benches/README.md, "Many patterns"): the
/// kernels cost about 10 ms per pattern, the tables about 0.2 s for a few
/// dozen patterns with AVX-512 (they meet near 24) and about 0.75 s in
/// portable code (near 70); 64 serves both.
pub const HASH_FROM: usize = 64;

/// The longest k the hash tables take (a code fits in 128 bits).
pub const HASH_MAX_K: usize = 64;

/// Lengths from here on share one bitmap over their first q bases; shorter
/// ones have an exact bitmap each (4^k bits).
pub const SHARED_FROM: usize = 8;

/// The shared bitmap's q: about 64 bits per pattern, from 9 to 11 bases
/// (32 KiB to 512 KiB), and never more than the shortest k. Measured on
/// 21-mers of a genome (benches/README.md, "Many patterns"): a gather
/// costs about the same from L1 or L2, so fewer windows passing wins up to
/// 512 KiB; at 2 MiB (q = 12) the misses cost more than they save.
const Q_MIN: u32 = 9;
const Q_MAX: u32 = 11;

/// The strided byte table (see [`Filtered`]) replaces the shared bitmap
/// where the bitmap's q is at most this (4^q bytes: up to 1 MiB, for up
/// to 16,384 patterns) and every shared k is at least q + 7. Measured on
/// 21-mers of a genome (benches/README.md, "Many patterns"): at the same q
/// it lets the same windows through with a gather per 128 windows instead
/// of per 16 (1,000 and 10,000 patterns: 0.36 → 0.27 s and 0.54 → 0.45 s
/// per 772 Mbases), but a 4 MiB table at q = 11 costs more than it saves
/// (30,000 patterns: 0.80 → 1.02 s; 100,000: 2.08 → 2.38 s).
const STRIDED_MAX_Q: u32 = 10;

/// How many plane lines ahead of the scan to prefetch.
const PREFETCH_LINES: usize = 8;

/// Runs `$body` with `$t` = 0, 1, … 31, unrolled (the shifts become
/// constants).
macro_rules! unroll32 {
    ($t:ident, $body:block) => {
        unroll32!(@ $t, $body, [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31])
    };
    (@ $t:ident, $body:block, [$($n:literal)*]) => {
        $( { let $t: usize = $n; $body } )*
    };
}

/// The windows of a line that pass the bitmap: bit i of word w for the
/// window starting at 64 w + i, whose first q bases' code (`fmask`
/// selects it) has its bit set in `bits`. `iw` holds the line's codes (16
/// words of 32) and the next line's first 64. Portable: 32 windows at a
/// time without a branch.
fn candidates(fmask: u32, bits: &[u32], iw: &[u64; 20]) -> [u64; 8] {
    let mut out = [0u64; 8];
    for (w, o) in out.iter_mut().enumerate() {
        for h in 0..2 {
            let (lo, hi) = (iw[2 * w + h], iw[2 * w + h + 1]);
            let first = |t: usize| {
                if t == 0 {
                    lo
                } else {
                    (lo >> (2 * t)) | (hi << (64 - 2 * t))
                }
            };
            let mut c = 0u64;
            unroll32!(t, {
                // fmask < 32 × bits.len(), so the index is in bounds.
                let f = first(t) as u32 & fmask;
                c |= (((bits[(f / 32) as usize] >> (f % 32)) & 1) as u64) << t;
            });
            *o |= c << (32 * h);
        }
    }
    out
}

/// The windows of a line that a strided byte table (see [`Filtered`])
/// lets through: byte j of the answer is the table's byte of the q-mer
/// (`fmask` selects it) at 8 j + 7. Portable.
fn strided(fmask: u32, bytes: &[u32], iw: &[u64; 20]) -> [u64; 8] {
    let mut out = [0u64; 8];
    for j in 0..64 {
        // fmask < 4 × bytes.len(), so the index is in bounds.
        let f = u64::window(iw, 8 * j + 7) as u32 & fmask;
        let b = (bytes[(f / 4) as usize] >> (8 * (f % 4))) & 0xFF;
        out[j / 8] |= (b as u64) << (8 * (j % 8));
    }
    out
}

/// The code of the window starting at `s` (< 512) of the line: 64 bases.
#[inline(always)]
fn window(iw: &[u64; 20], s: usize) -> u128 {
    let (i, t) = (s / 32, s % 32);
    let x = (iw[i + 1] as u128) << 64 | iw[i] as u128;
    // Two shifts, so that t = 0 shifts the third word out without a
    // branch.
    (x >> (2 * t)) | (((iw[i + 2] as u128) << 1) << (127 - 2 * t))
}

/// The hash tables of a scan, one per length, behind their bitmaps.
pub(crate) struct Hashed {
    filtered: Vec<Filtered>,
    /// The AVX-512 steps, where this CPU has them.
    #[cfg(target_arch = "x86_64")]
    avx512: Option<x86::Avx512>,
}

/// Bit i of `x` to bit 2i.
#[inline(always)]
fn spread(x: u32) -> u64 {
    let mut x = x as u64;
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & 0x5555_5555_5555_5555
}

/// Planes 0 and 1 of 32 positions as 2-bit codes.
#[inline(always)]
fn interleave(p0: u64, p1: u64, half: u32) -> u64 {
    spread((p0 >> (32 * half)) as u32) | (spread((p1 >> (32 * half)) as u32) << 1)
}

/// Asks for the cache line that holds `x` (a hint: nothing on other
/// architectures).
#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    x86::prefetch(x);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// The 2-bit codes of a line and of the next line's first 64 positions
/// (words 16 and 17; 18 and 19 are 0) from planes 0 and 1 of the line and
/// the next line's first word.
fn codes(p0: &[u64; 9], p1: &[u64; 9]) -> [u64; 20] {
    std::array::from_fn(|j| match j {
        0..=17 => interleave(p0[j / 2], p1[j / 2], j as u32 % 2),
        _ => 0,
    })
}

/// The matches of one line, one entry per pattern as far as a small
/// direct-mapped index of recent patterns finds it (a pattern that
/// collides with another may get two entries with different windows,
/// which every consumer of hits adds up).
struct LineHits {
    found: Vec<(u32, [u64; 8])>,
    /// By pattern mod 64: where in `found` that pattern was last put
    /// (stale entries are told by the pattern they hold).
    recent: [u32; 64],
}

impl LineHits {
    #[inline(always)]
    fn add(&mut self, p: u32, s: usize) {
        let r = &mut self.recent[p as usize % 64];
        match self.found.get_mut(*r as usize) {
            Some((q, words)) if *q == p => words[s / 64] |= 1 << (s % 64),
            _ => {
                *r = self.found.len() as u32;
                let mut words = [0u64; 8];
                words[s / 64] = 1 << (s % 64);
                self.found.push((p, words));
            }
        }
    }
}

/// The steps of the scan that have a wide path: the 2-bit codes of a
/// line, the bitmap test of its windows, and the test of a table bucket.
/// [`Portable`] runs anywhere; `x86::Avx512` where the CPU has AVX-512,
/// with the same answers.
trait Lanes {
    /// [`codes`].
    fn codes(&self, p0: &[u64; 9], p1: &[u64; 9]) -> [u64; 20];
    /// [`candidates`].
    fn candidates(&self, fmask: u32, bits: &[u32], iw: &[u64; 20]) -> [u64; 8];
    /// [`strided`].
    fn strided(&self, fmask: u32, bytes: &[u32], iw: &[u64; 20]) -> [u64; 8];
    /// Bit w set where word w of `bucket` equals word w of `want`, and
    /// where it is all ones (an empty slot's word).
    fn eq8(&self, bucket: &[u64; 8], want: &[u64; 8]) -> (u32, u32);
}

/// The portable steps.
struct Portable;

impl Lanes for Portable {
    #[inline(always)]
    fn codes(&self, p0: &[u64; 9], p1: &[u64; 9]) -> [u64; 20] {
        codes(p0, p1)
    }
    #[inline(always)]
    fn candidates(&self, fmask: u32, bits: &[u32], iw: &[u64; 20]) -> [u64; 8] {
        candidates(fmask, bits, iw)
    }
    #[inline(always)]
    fn strided(&self, fmask: u32, bytes: &[u32], iw: &[u64; 20]) -> [u64; 8] {
        strided(fmask, bytes, iw)
    }
    #[inline(always)]
    fn eq8(&self, bucket: &[u64; 8], want: &[u64; 8]) -> (u32, u32) {
        (word_mask(bucket, want), word_mask(bucket, &[u64::MAX; 8]))
    }
}

/// Looks the windows `cands` of a line (bit i of word w: the window
/// starting at 64 w + i) up in `keys`, and writes (pattern, start) of
/// those found to the front of `out`; returns how many. No branch depends
/// on whether a window is found, so the lookups of a line overlap.
#[inline(always)]
fn probe_line<C: Code, L: Lanes>(
    lanes: &L,
    keys: &Buckets<C>,
    mask: C,
    iw: &[u64; 20],
    cands: &[u64; 8],
    out: &mut [(u32, u32); 512],
) -> usize {
    let mut n = 0;
    for (w, &word) in cands.iter().enumerate() {
        let mut cand = word;
        while cand != 0 {
            let s = 64 * w + cand.trailing_zeros() as usize;
            cand &= cand - 1;
            let p = keys.probe(lanes, C::window(iw, s).and(mask));
            // At most 512 candidates, so n < 512 wherever one is written.
            out[n % 512] = (p, s as u32);
            n += (p != NONE) as usize;
        }
    }
    n
}

impl Hashed {
    /// Tables for the patterns `chosen` (exact, k ≤ [`HASH_MAX_K`]).
    pub fn new(pats: &Patterns, chosen: &[usize]) -> Hashed {
        let mut by_k: BTreeMap<usize, Vec<(u128, u32)>> = BTreeMap::new();
        for &p in chosen {
            let codes = &pats.codes[p];
            by_k.entry(codes.len()).or_default().push((pack(codes), p as u32));
        }
        let mut filtered = Vec::new();
        let mut shared = Vec::new();
        let mut shared_n = 0;
        for (k, m) in by_k {
            if k < SHARED_FROM {
                filtered.push(Filtered::new(k as u32, &[(k, m)]));
            } else {
                shared_n += m.len();
                shared.push((k, m));
            }
        }
        // BTreeMap order: the first shared length is the shortest.
        if let Some(kmin) = shared.first().map(|(k, _)| *k as u32) {
            let q = log2_ceil(shared_n * 64).div_ceil(2).clamp(Q_MIN, Q_MAX).min(kmin);
            if q <= STRIDED_MAX_Q && kmin as usize >= q as usize + STRIDE - 1 {
                filtered.push(Filtered::strided(q, &shared));
            } else {
                filtered.push(Filtered::new(q, &shared));
            }
        }
        Hashed {
            filtered,
            #[cfg(target_arch = "x86_64")]
            avx512: x86::Avx512::detect().filter(|_| !portable_only()),
        }
    }

    /// Finds the matches of every pattern in the view, as the kernels do,
    /// on the widest path this CPU has.
    pub fn scan(&self, plan: &Plan<'_>, v: &BlockView<'_>, hits: &mut Hits) {
        #[cfg(target_arch = "x86_64")]
        if let Some(a) = &self.avx512 {
            return a.scan(self, plan, v, hits);
        }
        self.scan_with(&Portable, plan, v, hits)
    }

    /// [`Hashed::scan`] with the steps of `lanes`.
    #[inline(always)]
    fn scan_with<L: Lanes>(&self, lanes: &L, plan: &Plan<'_>, v: &BlockView<'_>, hits: &mut Hits) {
        let mut line = LineHits {
            found: Vec::new(),
            recent: [u32::MAX; 64],
        };
        let mut found = [(0u32, 0u32); 512];
        for l in 0..v.lines {
            // Planes 0 and 1 are read once each, in order: ask for them a
            // few lines ahead.
            if l + PREFETCH_LINES < v.lines {
                prefetch(v.line(0, l + PREFETCH_LINES));
                prefetch(v.line(1, l + PREFETCH_LINES));
            }
            let gl = v.first_line + l as u64;
            let p0: [u64; 9] = words16(v.line(0, l), v.next_line(0, l))[..9]
                .try_into()
                .unwrap_or_default();
            let p1: [u64; 9] = words16(v.line(1, l), v.next_line(1, l))[..9]
                .try_into()
                .unwrap_or_default();
            let iw = lanes.codes(&p0, &p1);
            let mut w2: Option<[u64; 16]> = None;
            for f in &self.filtered {
                let mut cands = if f.strided {
                    lanes.strided(f.fmask, &f.bits, &iw)
                } else {
                    lanes.candidates(f.fmask, &f.bits, &iw)
                };
                // N reads as A in planes 0 and 1, so in an N run every
                // window passes a bitmap that has A…A: drop the windows
                // whose first kmin positions are not all A, C, G or T
                // before they are looked up.
                if plan.dirty(gl, f.kmin) {
                    let w2 = w2.get_or_insert_with(|| words16(v.line(2, l), v.next_line(2, l)));
                    for (i, c) in cands.iter_mut().enumerate() {
                        if *c != 0 {
                            let mut bad = 0;
                            for j in 0..f.kmin.min(64) {
                                bad |= funnel(w2, i, j);
                            }
                            *c &= !bad;
                        }
                    }
                }
                for table in &f.tables {
                    let n = match &table.keys {
                        Keys::Narrow(keys) => probe_line(lanes, keys, table.mask as u64, &iw, &cands, &mut found),
                        Keys::Wide(keys) => probe_line(lanes, keys, table.mask, &iw, &cands, &mut found),
                    };
                    let k = table.k;
                    let dirty = plan.dirty(gl, k);
                    for &(p, s) in &found[..n] {
                        let s = s as usize;
                        if dirty {
                            let w2 = w2.get_or_insert_with(|| words16(v.line(2, l), v.next_line(2, l)));
                            let bad = funnel(w2, s / 64, s % 64);
                            let span = if k >= 64 { !0 } else { (1u64 << k) - 1 };
                            if bad & span != 0 {
                                continue;
                            }
                        }
                        line.add(p, s);
                    }
                }
            }
            for &(p, words) in &line.found {
                plan.emit(hits, p as usize, gl, words);
            }
            line.found.clear();
        }
    }

    /// How many patterns the tables hold.
    pub fn len(&self) -> usize {
        self.filtered.iter().flat_map(|f| &f.tables).map(Table::len).sum()
    }
}

#[cfg(test)]
thread_local! {
    /// Tests set this to build tables that test the bitmap portably.
    static PORTABLE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether tables built on this thread must use the portable bitmap test.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn portable_only() -> bool {
    #[cfg(test)]
    let only = PORTABLE_ONLY.with(|c| c.get());
    #[cfg(not(test))]
    let only = false;
    only
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::kmer::{self, naive, Query, ScanOptions};
    use crate::testing::Lcg;
    use crate::{Reader, WriterBuilder};

    #[test]
    fn spread_moves_bit_i_to_bit_2i() {
        assert_eq!(spread(0b1011), 0b01_00_01_01);
        assert_eq!(spread(1 << 31), 1 << 62);
        // Position 0: bits 1 and 1, code 3; position 1: bits 0 and 1, code 2.
        assert_eq!(interleave(0b01, 0b11, 0), 0b10_11);
        assert_eq!(interleave(1 << 32, 0, 1), 1);
    }

    #[test]
    fn codes_interleave_planes_0_and_1_on_every_path() {
        let mut rng = Lcg(2);
        for _ in 0..100 {
            let p0: [u64; 9] = std::array::from_fn(|_| rng.next());
            let p1: [u64; 9] = std::array::from_fn(|_| rng.next());
            let iw = codes(&p0, &p1);
            for s in 0..576 {
                let code = (p0[s / 64] >> (s % 64)) & 1 | ((p1[s / 64] >> (s % 64)) & 1) << 1;
                assert_eq!((iw[s / 32] >> (2 * (s % 32))) & 3, code, "s={s}");
            }
            assert_eq!(iw[18..], [0, 0]);
            #[cfg(target_arch = "x86_64")]
            if let Some(a) = x86::Avx512::detect() {
                assert_eq!(a.codes(&p0, &p1), iw);
            }
        }
    }

    #[test]
    fn window_reads_64_bases_from_any_start() {
        let mut rng = Lcg(64);
        let iw: [u64; 20] = std::array::from_fn(|j| if j < 18 { rng.next() } else { 0 });
        let base = |i: usize| (iw[i / 32] >> (2 * (i % 32))) & 3;
        for s in 0..512 {
            let code = window(&iw, s);
            for j in 0..64 {
                assert_eq!((code >> (2 * j)) as u64 & 3, base(s + j), "s={s} j={j}");
            }
        }
    }

    /// A line of 2-bit codes for round `round` of a test: all A, all T (as
    /// a homopolymer or an N run, which reads as A, gives), or random;
    /// the two padding words are zero.
    fn test_line(round: usize, rng: &mut Lcg) -> [u64; 20] {
        std::array::from_fn(|j| match (j, round % 4) {
            (18.., _) => 0,
            (_, 0) => 0,
            (_, 1) => !0,
            _ => rng.next(),
        })
    }

    /// Bitmaps of `q` bases, empty, full and of several densities.
    fn bitmaps(q: u32, rng: &mut Lcg) -> Vec<Vec<u32>> {
        let words = (1usize << (2 * q)).div_ceil(32);
        let mut out = vec![vec![0; words], vec![u32::MAX; words]];
        for keep in [1, 4, 16] {
            out.push(
                (0..words)
                    .map(|_| (0..keep).fold(u32::MAX, |a, _| a & rng.next() as u32))
                    .collect(),
            );
        }
        out
    }

    #[test]
    fn every_bitmap_test_gives_the_portable_answer() {
        #[cfg(target_arch = "x86_64")]
        let Some(avx512) = x86::Avx512::detect() else {
            eprintln!("skipped: this CPU lacks avx512f or avx512vbmi2");
            return;
        };
        let mut rng = Lcg(11);
        for q in 1..=Q_MAX {
            let fmask = (1u32 << (2 * q)) - 1;
            for bits in bitmaps(q, &mut rng) {
                for round in 0..20 {
                    let iw = test_line(round, &mut rng);
                    let want = candidates(fmask, &bits, &iw);
                    // The portable test, window by window.
                    for s in 0..512 {
                        let f = window(&iw, s) as u32 & fmask;
                        let pass = (bits[(f / 32) as usize] >> (f % 32)) & 1;
                        assert_eq!((want[s / 64] >> (s % 64)) & 1, pass as u64, "q={q} s={s}");
                    }
                    #[cfg(target_arch = "x86_64")]
                    assert_eq!(avx512.candidates(fmask, &bits, &iw), want, "q={q} round={round}");
                }
            }
        }
    }

    #[test]
    fn every_strided_test_gives_the_portable_answer() {
        #[cfg(target_arch = "x86_64")]
        let avx512 = x86::Avx512::detect();
        let mut rng = Lcg(8);
        for q in 1..=STRIDED_MAX_Q {
            let fmask = (1u32 << (2 * q)) - 1;
            // Byte tables are bitmaps of 8 times the bits.
            for bytes in bitmaps(q, &mut rng).into_iter().map(|b| b.repeat(8)) {
                assert_eq!(bytes.len(), (fmask as usize + 1).div_ceil(4).max(8));
                for round in 0..20 {
                    let iw = test_line(round, &mut rng);
                    let want = strided(fmask, &bytes, &iw);
                    // Window 8 j + r passes where bit r of the byte of the
                    // q-mer at 8 j + 7 is set.
                    for s in 0..512 {
                        let f = window(&iw, s / 8 * 8 + 7) as u32 & fmask;
                        let pass = (bytes[(f / 4) as usize] >> (8 * (f % 4) + s as u32 % 8)) & 1;
                        assert_eq!((want[s / 64] >> (s % 64)) & 1, pass as u64, "q={q} s={s}");
                    }
                    #[cfg(target_arch = "x86_64")]
                    if let Some(a) = &avx512 {
                        assert_eq!(a.strided(fmask, &bytes, &iw), want, "q={q} round={round}");
                    }
                }
            }
        }
    }

    #[test]
    fn strided_tables_hold_every_patterns_qmers_at_their_offsets() {
        // Two lengths of 21 and 30 bases, q = 9.
        let mut rng = Lcg(5);
        let groups: Vec<(usize, Vec<(u128, u32)>)> = [21usize, 30]
            .iter()
            .map(|&k| {
                let m = (0..50)
                    .map(|p| (rng.next() as u128 & ((1 << (2 * k)) - 1), p))
                    .collect();
                (k, m)
            })
            .collect();
        let f = Filtered::strided(9, &groups);
        assert!(f.strided);
        assert_eq!((f.kmin, f.bits.len()), (21, (1 << 18) / 4));
        let byte = |code: u32| (f.bits[(code / 4) as usize] >> (8 * (code % 4))) & 0xFF;
        for (_, m) in &groups {
            for &(code, _) in m {
                for o in 0..STRIDE {
                    let at = (code >> (2 * o)) as u32 & f.fmask;
                    assert_eq!(byte(at) >> (7 - o) & 1, 1);
                }
            }
        }
        let set: u32 = f.bits.iter().map(|w| w.count_ones()).sum();
        assert!(set <= 2 * 50 * 8);
    }

    #[test]
    fn line_hits_gather_each_patterns_windows() {
        let mut line = LineHits {
            found: Vec::new(),
            recent: [u32::MAX; 64],
        };
        // Patterns 3 and 67 share a slot of the index: they alternate.
        for (p, s) in [(3, 0), (67, 1), (3, 64), (3, 511), (5, 7), (67, 300)] {
            line.add(p, s);
        }
        let mut want: BTreeMap<u32, [u64; 8]> = BTreeMap::new();
        want.insert(3, [1, 1, 0, 0, 0, 0, 0, 1 << 63]);
        want.insert(5, [1 << 7, 0, 0, 0, 0, 0, 0, 0]);
        want.insert(67, [2, 0, 0, 0, 1 << 44, 0, 0, 0]);
        let mut got: BTreeMap<u32, [u64; 8]> = BTreeMap::new();
        for &(p, words) in &line.found {
            let w = got.entry(p).or_default();
            for (a, b) in w.iter_mut().zip(words) {
                assert_eq!(*a & b, 0, "a window twice");
                *a |= b;
            }
        }
        assert_eq!(got, want);
    }

    #[test]
    fn every_filter_on_every_path_finds_what_the_naive_scan_finds() {
        // Sequences with N runs and soft-masked stretches, in blocks of one
        // and two lines, with matches across block and line edges.
        let mut rng = Lcg(2112);
        let seqs: Vec<Vec<u8>> = (0..4)
            .map(|i| {
                let mut s = Vec::new();
                while s.len() < 1500 + 700 * i {
                    let (run, letters): (u64, &[u8]) = match rng.below(10) {
                        0 => (1 + rng.below(40), b"N"),
                        1 => (1 + rng.below(60), b"acgt"),
                        2 => (1 + rng.below(30), b"A"),
                        _ => (1 + rng.below(200), b"ACGT"),
                    };
                    s.extend((0..run).map(|_| letters[rng.below(letters.len() as u64) as usize]));
                }
                s
            })
            .collect();
        // Short, shared and wide lengths (a prefix bitmap for the shared
        // ones), then long ones only (a strided table).
        let lengths: [&[usize]; 2] = [&[3, 7, 8, 11, 21, 21, 21, 32, 40, 64], &[16, 21, 21, 21, 32, 40, 64]];
        for (block, ks) in [512, 1024].into_iter().flat_map(|b| lengths.map(|ks| (b, ks))) {
            let mut w = WriterBuilder::default()
                .set_block_bases(block)
                .build(Cursor::new(Vec::new()))
                .unwrap();
            for (i, s) in seqs.iter().enumerate() {
                w.add_sequence(format!("s{i}").as_bytes(), s, 60).unwrap();
            }
            let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
            // Windows of the sequences (where they hold no N) and random
            // k-mers, of short, shared and wide lengths.
            let mut q = Vec::new();
            let mut distinct = std::collections::BTreeSet::new();
            for _ in 0..400 {
                let k = ks[rng.below(ks.len() as u64) as usize];
                let s = &seqs[rng.below(seqs.len() as u64) as usize];
                let at = rng.below((s.len() - k) as u64) as usize;
                let mut text = s[at..at + k].to_ascii_uppercase();
                if rng.below(4) == 0 || text.contains(&b'N') {
                    text = (0..k).map(|_| b"ACGT"[rng.below(4) as usize]).collect();
                }
                q.push(Query::new(std::str::from_utf8(&text).unwrap()).unwrap());
                distinct.insert(text);
            }
            let pats = kmer::Patterns::new(&q, false);
            let h = Hashed::new(&pats, &(0..pats.codes.len()).collect::<Vec<_>>());
            assert_eq!(h.filtered.last().unwrap().strided, ks[0] == 16, "ks={ks:?}");
            let opts = ScanOptions::default().set_hash_from(1).set_per_sequence(true);
            let want = naive::count(&r, &q, false).unwrap();
            let want_locate = naive::locate(&r, &q, false).unwrap();
            for portable in [true, false] {
                PORTABLE_ONLY.with(|c| c.set(portable));
                let got = kmer::count(&r, &q, &opts).unwrap();
                assert_eq!(got.hashed, distinct.len(), "B={block} portable={portable} ks={ks:?}");
                assert_eq!(got.kmers, want, "B={block} portable={portable} ks={ks:?}");
                let mut found = Vec::new();
                kmer::locate(&r, &q, &opts, |m| {
                    found.push(m);
                    Ok(())
                })
                .unwrap();
                assert_eq!(found, want_locate, "B={block} portable={portable} ks={ks:?}");
            }
            PORTABLE_ONLY.with(|c| c.set(false));
        }
    }
}
