//! SPEC §14 for many exact k-mers in one pass: hash tables, one per k.
//!
//! The bit-parallel kernels test every pattern against every window, so
//! their cost grows with the number of patterns. Here the cost grows with
//! the number of *distinct lengths* instead: for each plane line, planes 0
//! and 1 are interleaved into 2-bit codes (the code at stream position s in
//! bits 2s and 2s + 1, A 0, C 1, G 2, T 3: SPEC §4), and for each length k
//! the 2k-bit code of every window is read out of them with one shift. A
//! bitmap over a hash of the code (16 bits per pattern, so it stays in L1 or
//! L2; for short k, one bit per possible code, an exact test) rejects almost
//! every window; a window that passes is looked up in an open-addressing
//! table of the patterns' codes, which gives the pattern.
//!
//! Plane 2 is not part of the code (N reads as A there), so a window found
//! in the table is dropped when plane 2 is set at any of its k positions:
//! N, END, exceptions and reference escapes never match, and no match spans
//! two sequences. Plane 2 is read only for lines the NONACGT summary (SPEC
//! §5.2) marks, and only when a window is found. Windows that run past the
//! end of the stream are dropped by [`Plan::emit`], as on every path.
//!
//! Which patterns come here is [`ScanOptions::set_hash_from`]: exact
//! patterns (no IUPAC letter, no mismatches) of a length k ≤ 64 of which
//! there are at least that many. Patterns are distinct by then ([`Patterns`]
//! merges equal ones), so a code names at most one pattern.
//!
//! [`ScanOptions::set_hash_from`]: super::ScanOptions::set_hash_from

use std::collections::BTreeMap;

use super::cpu::{funnel, words16, words8, BlockView, Hits, Plan};
use super::Patterns;

/// The default of [`super::ScanOptions::set_hash_from`]: from this many
/// exact patterns of one length on, the hash tables scan them (measured:
/// benches/README.md "Many patterns").
pub const HASH_FROM: usize = 24;

/// The longest k the hash tables take (a code fits in 128 bits).
pub const HASH_MAX_K: usize = 64;

/// Bitmap bits per pattern: about 1 window in 16 / (fraction of patterns
/// among all codes) passes to the table.
const FILTER_BITS_PER_PATTERN: usize = 16;

/// The largest bitmap, in bits (2 MiB).
const FILTER_MAX_BITS: u32 = 24;

/// An empty table slot.
const EMPTY: u32 = u32::MAX;

/// Fibonacci hashing: the top bits of code × 2^64 / φ.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

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

/// The exact patterns of one length.
struct Table {
    k: usize,
    /// The 2k low bits.
    mask: u128,
    /// Bitmap index = (fold(code) × mult) >> filter_shift.
    mult: u64,
    filter_shift: u32,
    filter: Vec<u64>,
    /// Open addressing, linear probing: slot = (fold(code) × GOLDEN) >>
    /// slot_shift; `pats[slot]` is EMPTY or the pattern whose code is
    /// `keys[slot]`.
    slot_shift: u32,
    keys: Vec<u128>,
    pats: Vec<u32>,
}

/// The 2-bit code of a pattern: position j in bits 2j and 2j + 1.
fn pack(codes: &[u8]) -> u128 {
    codes
        .iter()
        .enumerate()
        .fold(0, |a, (j, &c)| a | ((c as u128 & 3) << (2 * j)))
}

/// 64 bits of a code for hashing (the code itself when k ≤ 32).
#[inline(always)]
fn fold(code: u128) -> u64 {
    (code as u64) ^ ((code >> 64) as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
}

/// The least b with 2^b ≥ n.
fn log2_ceil(n: usize) -> u32 {
    n.next_power_of_two().trailing_zeros()
}

impl Table {
    fn new(k: usize, members: &[(u128, u32)]) -> Table {
        let n = members.len();
        let mut fbits = log2_ceil((n * FILTER_BITS_PER_PATTERN).max(512)).min(FILTER_MAX_BITS);
        // Short k: one bit per possible code when that is no larger, so the
        // bitmap is exact (code << (64 - 2k) >> (64 - 2k) = code).
        let mult = if 2 * k as u32 <= fbits {
            fbits = 2 * k as u32;
            1u64 << (64 - fbits)
        } else {
            GOLDEN
        };
        let mut filter = vec![0u64; (1usize << fbits).div_ceil(64)];
        let sbits = log2_ceil(2 * n).max(1);
        let mut keys = vec![0u128; 1 << sbits];
        let mut pats = vec![EMPTY; 1 << sbits];
        let mut t = Table {
            k,
            mask: if k >= 64 { !0 } else { (1u128 << (2 * k)) - 1 },
            mult,
            filter_shift: 64 - fbits,
            filter: Vec::new(),
            slot_shift: 64 - sbits,
            keys: Vec::new(),
            pats: Vec::new(),
        };
        for &(code, p) in members {
            let f = t.filter_index(code);
            filter[f / 64] |= 1 << (f % 64);
            let mut s = t.slot(code);
            // The table is at most half full, so an empty slot is found.
            while pats[s] != EMPTY {
                s = (s + 1) & (pats.len() - 1);
            }
            keys[s] = code;
            pats[s] = p;
        }
        t.filter = filter;
        t.keys = keys;
        t.pats = pats;
        t
    }

    #[inline(always)]
    fn filter_index(&self, code: u128) -> usize {
        (fold(code).wrapping_mul(self.mult) >> self.filter_shift) as usize
    }

    #[inline(always)]
    fn slot(&self, code: u128) -> usize {
        (fold(code).wrapping_mul(GOLDEN) >> self.slot_shift) as usize
    }

    /// Whether the bitmap lets `code` through.
    #[inline(always)]
    fn passes(&self, code: u128) -> bool {
        let f = self.filter_index(code);
        self.filter.get(f / 64).is_some_and(|w| (w >> (f % 64)) & 1 != 0)
    }

    /// The pattern whose code is `code`, if any.
    #[inline]
    fn find(&self, code: u128) -> Option<u32> {
        let mask = self.pats.len() - 1;
        let mut s = self.slot(code);
        loop {
            let p = *self.pats.get(s)?;
            if p == EMPTY {
                return None;
            }
            if self.keys.get(s) == Some(&code) {
                return Some(p);
            }
            s = (s + 1) & mask;
        }
    }

    /// Calls `hit(start, pattern)` for each window starting in the line
    /// whose code is a pattern's (plane 2 not yet looked at). `iw` holds
    /// the line's codes (16 words of 32) and the next line's first 64.
    ///
    /// Per 32 windows, the bitmap is tested without a branch into a mask
    /// of candidates; only candidates are looked up.
    #[inline(always)]
    fn scan_line(&self, iw: &[u64; 20], mut hit: impl FnMut(usize, u32)) {
        let (mult, shift, filter) = (self.mult, self.filter_shift, &self.filter[..]);
        let bit = |x: u64| -> u32 {
            let f = (x.wrapping_mul(mult) >> shift) as usize;
            filter.get(f / 64).map_or(0, |w| ((w >> (f % 64)) & 1) as u32)
        };
        if self.k <= 32 {
            let mask = self.mask as u64;
            for i in 0..16 {
                let (lo, hi) = (iw[i], iw[i + 1]);
                let code = |t: usize| if t == 0 { lo } else { (lo >> (2 * t)) | (hi << (64 - 2 * t)) } & mask;
                let mut cand = 0u32;
                unroll32!(t, {
                    cand |= bit(code(t)) << t;
                });
                while cand != 0 {
                    let t = cand.trailing_zeros() as usize;
                    if let Some(p) = self.find(code(t) as u128) {
                        hit(32 * i + t, p);
                    }
                    cand &= cand - 1;
                }
            }
        } else {
            for i in 0..16 {
                let lo = (iw[i + 1] as u128) << 64 | iw[i] as u128;
                let hi = iw[i + 2] as u128;
                let code = |t: usize| -> u128 {
                    let x = if t == 0 {
                        lo
                    } else {
                        (lo >> (2 * t)) | (hi << (128 - 2 * t))
                    };
                    x & self.mask
                };
                let mut cand = 0u32;
                unroll32!(t, {
                    cand |= bit(fold(code(t))) << t;
                });
                while cand != 0 {
                    let t = cand.trailing_zeros() as usize;
                    if let Some(p) = self.find(code(t)) {
                        hit(32 * i + t, p);
                    }
                    cand &= cand - 1;
                }
            }
        }
    }
}

/// The hash tables of a scan: one per length.
pub(crate) struct Hashed {
    tables: Vec<Table>,
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

impl Hashed {
    /// Tables for the patterns `chosen` (exact, k ≤ [`HASH_MAX_K`]).
    pub fn new(pats: &Patterns, chosen: &[usize]) -> Hashed {
        let mut by_k: BTreeMap<usize, Vec<(u128, u32)>> = BTreeMap::new();
        for &p in chosen {
            let codes = &pats.codes[p];
            by_k.entry(codes.len()).or_default().push((pack(codes), p as u32));
        }
        Hashed {
            tables: by_k.into_iter().map(|(k, m)| Table::new(k, &m)).collect(),
        }
    }

    /// Finds the matches of every pattern in the view, as the kernels do.
    pub fn scan(&self, plan: &Plan<'_>, v: &BlockView<'_>, hits: &mut Hits) {
        let mut found: Vec<(u32, u16)> = Vec::new();
        for l in 0..v.lines {
            let gl = v.first_line + l as u64;
            let (w0, w1) = (words8(v.line(0, l)), words8(v.line(1, l)));
            let (n0, n1) = (v.next_line(0, l), v.next_line(1, l));
            let (n0, n1) = (words8(n0)[0], words8(n1)[0]);
            let iw: [u64; 20] = std::array::from_fn(|j| match j {
                0..=15 => interleave(w0[j / 2], w1[j / 2], j as u32 % 2),
                16 | 17 => interleave(n0, n1, j as u32 - 16),
                _ => 0,
            });
            let mut w2: Option<[u64; 16]> = None;
            for t in &self.tables {
                let dirty = plan.dirty(gl, t.k);
                let k = t.k;
                t.scan_line(&iw, |s, p| {
                    if dirty {
                        let w2 = w2.get_or_insert_with(|| words16(v.line(2, l), v.next_line(2, l)));
                        let bad = funnel(w2, s / 64, s % 64);
                        let window = if k >= 64 { !0 } else { (1u64 << k) - 1 };
                        if bad & window != 0 {
                            return;
                        }
                    }
                    found.push((p, s as u16));
                });
            }
            if found.is_empty() {
                continue;
            }
            found.sort_unstable();
            let mut i = 0;
            while i < found.len() {
                let p = found[i].0;
                let mut words = [0u64; 8];
                while i < found.len() && found[i].0 == p {
                    let s = found[i].1 as usize;
                    words[s / 64] |= 1 << (s % 64);
                    i += 1;
                }
                plan.emit(hits, p as usize, gl, words);
            }
            found.clear();
        }
    }

    /// How many patterns the tables hold.
    pub fn len(&self) -> usize {
        self.tables
            .iter()
            .map(|t| t.pats.iter().filter(|&&p| p != EMPTY).count())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_moves_bit_i_to_bit_2i() {
        assert_eq!(spread(0b1011), 0b01_00_01_01);
        assert_eq!(spread(1 << 31), 1 << 62);
        assert_eq!(interleave(0b01, 0b11, 0), 0b11_10);
        assert_eq!(interleave(1 << 32, 0, 1), 1);
    }

    #[test]
    fn tables_find_every_pattern_and_nothing_else() {
        for k in [1, 5, 11, 12, 21, 32, 33, 64] {
            let mut rng = 0x1234_5678u64 + k as u64;
            let mut members = Vec::new();
            for p in 0..300u32 {
                rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let code = (rng as u128 | ((rng.rotate_left(17) as u128) << 64))
                    & if k >= 64 { !0 } else { (1u128 << (2 * k)) - 1 };
                if members.iter().all(|&(c, _)| c != code) {
                    members.push((code, p));
                }
            }
            let t = Table::new(k, &members);
            for &(c, p) in &members {
                assert!(t.passes(c), "k={k}");
                assert_eq!(t.find(c), Some(p), "k={k}");
            }
            let absent = (0..4096u128).filter(|c| members.iter().all(|&(m, _)| m != c & t.mask));
            for c in absent {
                assert_eq!(t.find(c & t.mask), None, "k={k}");
            }
        }
    }

    #[test]
    fn pack_puts_the_first_base_lowest() {
        assert_eq!(pack(&[0, 1, 2, 3]), 0b11_10_01_00);
        assert_eq!(pack(&[3; 64]), !0);
    }
}
