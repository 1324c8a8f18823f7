//! SPEC §14 for many exact k-mers in one pass: hash tables, one per k.
//!
//! The bit-parallel kernels test every pattern against every window, so
//! their cost grows with the number of patterns. Here the cost grows with
//! the number of *distinct lengths* instead: for each plane line, planes 0
//! and 1 are interleaved into 2-bit codes (the code at stream position s in
//! bits 2s and 2s + 1, A 0, C 1, G 2, T 3: SPEC §4), and each window's code
//! is read out of them with one shift. A bitmap indexed by the window's
//! first q bases (one bit per possible q-mer: exact for k = q, else a
//! prefix test that rejects almost every window) is tested without a
//! branch for 32 windows at a time; only windows that pass are looked up in
//! open-addressing tables of the patterns' codes, which give the pattern.
//! Lengths below [`SHARED_FROM`] have a bitmap each (q = k); longer ones
//! share one, so the cost of a window grows little with the number of
//! distinct lengths.
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
/// exact patterns of one length on, the hash tables scan them. Measured on
/// 21-mers: the kernels cost about 2 ms per pattern per 154 Mbases, the
/// tables about 140 ms whatever their number, so they meet near 64
/// (benches/README.md, "Many patterns").
pub const HASH_FROM: usize = 64;

/// The longest k the hash tables take (a code fits in 128 bits).
pub const HASH_MAX_K: usize = 64;

/// Lengths from here on share one bitmap over their first q bases; shorter
/// ones have an exact bitmap each (4^k bits).
pub const SHARED_FROM: usize = 8;

/// The shared bitmap's q: about 32 bits per pattern, from 8 to 11 bases
/// (8 KiB to 512 KiB, in L1 or L2), and never more than the shortest k.
const Q_MIN: u32 = 8;
const Q_MAX: u32 = 11;

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
    /// Open addressing, linear probing: slot = (fold(code) × GOLDEN) >>
    /// slot_shift; a slot is EMPTY or (code as two words, pattern), so a
    /// probe touches one cache line.
    slot_shift: u32,
    slots: Vec<([u64; 2], u32)>,
}

/// Tables that share a bitmap over the windows' first q bases.
struct Filtered {
    /// 4^q - 1: bitmap index = the window's code & fmask.
    fmask: u64,
    bits: Vec<u64>,
    tables: Vec<Table>,
}

/// The 2-bit code of a pattern: position j in bits 2j and 2j + 1.
fn pack(codes: &[u8]) -> u128 {
    codes
        .iter()
        .enumerate()
        .fold(0, |a, (j, &c)| a | ((c as u128 & 3) << (2 * j)))
}

/// A code as two words, low first.
#[inline(always)]
fn split(code: u128) -> [u64; 2] {
    [code as u64, (code >> 64) as u64]
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
        let sbits = log2_ceil(2 * members.len()).max(1);
        let mut slots = vec![([0u64; 2], EMPTY); 1 << sbits];
        let mut t = Table {
            k,
            mask: if k >= 64 { !0 } else { (1u128 << (2 * k)) - 1 },
            slot_shift: 64 - sbits,
            slots: Vec::new(),
        };
        for &(code, p) in members {
            let mut s = t.slot(code);
            // The table is at most half full, so an empty slot is found.
            while slots[s].1 != EMPTY {
                s = (s + 1) & (slots.len() - 1);
            }
            slots[s] = (split(code), p);
        }
        t.slots = slots;
        t
    }

    #[inline(always)]
    fn slot(&self, code: u128) -> usize {
        (fold(code).wrapping_mul(GOLDEN) >> self.slot_shift) as usize
    }

    /// The pattern whose code is `code`, if any.
    #[inline]
    fn find(&self, code: u128) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let key = split(code);
        let mut s = self.slot(code);
        loop {
            let &(k, p) = self.slots.get(s)?;
            if p == EMPTY {
                return None;
            }
            if k == key {
                return Some(p);
            }
            s = (s + 1) & mask;
        }
    }
}

impl Filtered {
    /// A bitmap over the first `q` bases of every pattern of `tables`
    /// (each k ≥ q).
    fn new(q: u32, tables: Vec<Table>) -> Filtered {
        let fmask = (1u64 << (2 * q)) - 1;
        let mut bits = vec![0u64; (fmask as usize + 1).div_ceil(64)];
        for t in &tables {
            for &([code, _], p) in &t.slots {
                if p != EMPTY {
                    let f = code & fmask;
                    bits[(f / 64) as usize] |= 1 << (f % 64);
                }
            }
        }
        Filtered { fmask, bits, tables }
    }

    /// Calls `hit(start, k, pattern)` for each window starting in the line
    /// whose code is a pattern's (plane 2 not yet looked at). `iw` holds
    /// the line's codes (16 words of 32) and the next line's first 64.
    ///
    /// Per 32 windows, the bitmap is tested without a branch into a mask
    /// of candidates; only candidates are looked up, in every table.
    #[inline(always)]
    fn scan_line(&self, iw: &[u64; 20], mut hit: impl FnMut(usize, usize, u32)) {
        let (fmask, bits) = (self.fmask, &self.bits[..]);
        for i in 0..16 {
            let (lo, hi) = (iw[i], iw[i + 1]);
            let first = |t: usize| {
                if t == 0 {
                    lo
                } else {
                    (lo >> (2 * t)) | (hi << (64 - 2 * t))
                }
            };
            let mut cand = 0u32;
            unroll32!(t, {
                // fmask < 64 × bits.len(), so the index is in bounds.
                let f = first(t) & fmask;
                cand |= (((bits[(f / 64) as usize] >> (f % 64)) & 1) as u32) << t;
            });
            let x = (hi as u128) << 64 | lo as u128;
            while cand != 0 {
                let t = cand.trailing_zeros() as usize;
                cand &= cand - 1;
                let code = if t == 0 {
                    x
                } else {
                    (x >> (2 * t)) | ((iw[i + 2] as u128) << (128 - 2 * t))
                };
                for table in &self.tables {
                    if let Some(p) = table.find(code & table.mask) {
                        hit(32 * i + t, table.k, p);
                    }
                }
            }
        }
    }
}

/// The hash tables of a scan, one per length, behind their bitmaps.
pub(crate) struct Hashed {
    filtered: Vec<Filtered>,
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
        let mut filtered = Vec::new();
        let mut shared = Vec::new();
        let mut shared_n = 0;
        for (k, m) in by_k {
            let t = Table::new(k, &m);
            if k < SHARED_FROM {
                filtered.push(Filtered::new(k as u32, vec![t]));
            } else {
                shared_n += m.len();
                shared.push(t);
            }
        }
        // BTreeMap order: the first shared table has the shortest k.
        if let Some(kmin) = shared.first().map(|t| t.k as u32) {
            let q = log2_ceil(shared_n * 32).div_ceil(2).clamp(Q_MIN, Q_MAX).min(kmin);
            filtered.push(Filtered::new(q, shared));
        }
        Hashed { filtered }
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
            for f in &self.filtered {
                f.scan_line(&iw, |s, k, p| {
                    if plan.dirty(gl, k) {
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
        self.filtered
            .iter()
            .flat_map(|f| &f.tables)
            .map(|t| t.slots.iter().filter(|s| s.1 != EMPTY).count())
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
        // Position 0: bits 1 and 1, code 3; position 1: bits 0 and 1, code 2.
        assert_eq!(interleave(0b01, 0b11, 0), 0b10_11);
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
                assert_eq!(t.find(c), Some(p), "k={k}");
            }
            let absent = (0..4096u128).filter(|c| members.iter().all(|&(m, _)| m != c & t.mask));
            for c in absent {
                assert_eq!(t.find(c & t.mask), None, "k={k}");
            }
            // The bitmap lets every pattern's first q bases through.
            let f = Filtered::new((k as u32).min(Q_MAX), vec![t]);
            for &(c, _) in &members {
                let i = c as u64 & f.fmask;
                assert_eq!((f.bits[(i / 64) as usize] >> (i % 64)) & 1, 1, "k={k}");
            }
        }
    }

    #[test]
    fn pack_puts_the_first_base_lowest() {
        assert_eq!(pack(&[0, 1, 2, 3]), 0b11_10_01_00);
        assert_eq!(pack(&[3; 64]), !0);
    }
}
