//! The tables of the patterns of one length, and the bitmaps in front of
//! them.
//!
//! A table is open addressing over 64-byte buckets (one cache line: 8
//! keys up to k = 32, 4 above): a key's bucket is the top bits of its code
//! × 2^64 / φ, and a key that finds its bucket full goes to the next one.
//! Every bucket is tested in one go (all its keys against the code, and
//! for empty slots), so a lookup is one cache line and no branch that
//! depends on whether the code is there: only a full bucket without the
//! code sends it on to the next (at the loads chosen in [`Buckets::new`],
//! about 0.1 % to 5 % of absent codes for narrow keys, 2 % to 14 % for
//! wide ones). Keys lie apart from patterns, so a lookup reads the
//! pattern only where a key matched.

use super::Lanes;

/// Fibonacci hashing: the top bits of code × 2^64 / φ.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// At most this many keys per bucket on average (at most half the slots
/// of narrow keys are taken; a bucket is full for a few percent of codes).
const MEAN_PER_BUCKET: usize = 4;

/// The pattern number that says "not found" in [`Table::probe`].
pub(super) const NONE: u32 = u32::MAX;

/// 64 bytes of keys: 8 narrow keys, or 4 wide ones (low word first).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(super) struct Bucket(pub(super) [u64; 8]);

/// A table key: the code of a pattern, in a u64 for k ≤ 32, else a u128.
pub(super) trait Code: Copy + Eq {
    /// All ones, which marks an empty slot: only the code of 32 (or 64)
    /// T's equals it, and that pattern is kept beside the buckets.
    const ONES: Self;
    /// How many words of a bucket one key takes (1 or 2).
    const WORDS: usize;
    fn of(code: u128) -> Self;
    /// The code of the window starting at `s` (< 512) of a line's codes
    /// (see [`super::window`]), as wide as `Self`.
    fn window(iw: &[u64; 20], s: usize) -> Self;
    fn and(self, mask: Self) -> Self;
    /// 64 bits for hashing.
    fn fold(self) -> u64;
    /// A bucket's worth of this key, in every key place.
    fn spread(self) -> [u64; 8];
    /// Puts the key at word `w` of a bucket.
    fn put(self, b: &mut [u64; 8], w: usize);
    /// From bit w set where word w of a bucket matched, bit w set where a
    /// whole key starting at word w matched.
    fn keys(words: u32) -> u32;
}

impl Code for u64 {
    const ONES: u64 = u64::MAX;
    const WORDS: usize = 1;
    #[inline(always)]
    fn of(code: u128) -> u64 {
        code as u64
    }
    #[inline(always)]
    fn window(iw: &[u64; 20], s: usize) -> u64 {
        let (i, t) = (s / 32, s % 32);
        let x = (iw[i + 1] as u128) << 64 | iw[i] as u128;
        (x >> (2 * t)) as u64
    }
    #[inline(always)]
    fn and(self, mask: u64) -> u64 {
        self & mask
    }
    #[inline(always)]
    fn fold(self) -> u64 {
        self
    }
    #[inline(always)]
    fn spread(self) -> [u64; 8] {
        [self; 8]
    }
    #[inline(always)]
    fn put(self, b: &mut [u64; 8], w: usize) {
        b[w] = self;
    }
    #[inline(always)]
    fn keys(words: u32) -> u32 {
        words
    }
}

impl Code for u128 {
    const ONES: u128 = u128::MAX;
    const WORDS: usize = 2;
    #[inline(always)]
    fn of(code: u128) -> u128 {
        code
    }
    #[inline(always)]
    fn window(iw: &[u64; 20], s: usize) -> u128 {
        super::window(iw, s)
    }
    #[inline(always)]
    fn and(self, mask: u128) -> u128 {
        self & mask
    }
    #[inline(always)]
    fn fold(self) -> u64 {
        (self as u64) ^ ((self >> 64) as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
    }
    #[inline(always)]
    fn spread(self) -> [u64; 8] {
        let (lo, hi) = (self as u64, (self >> 64) as u64);
        std::array::from_fn(|w| if w % 2 == 0 { lo } else { hi })
    }
    #[inline(always)]
    fn put(self, b: &mut [u64; 8], w: usize) {
        b[w] = self as u64;
        b[w + 1] = (self >> 64) as u64;
    }
    #[inline(always)]
    fn keys(words: u32) -> u32 {
        words & (words >> 1) & 0x55
    }
}

/// The buckets of one length. Pattern numbers lie in `pats`, at the word
/// where their key starts.
pub(super) struct Buckets<C> {
    shift: u32,
    buckets: Vec<Bucket>,
    pats: Vec<[u32; 8]>,
    /// The pattern whose code is [`Code::ONES`], if any.
    ones: Option<u32>,
    _code: std::marker::PhantomData<C>,
}

impl<C: Code> Buckets<C> {
    /// Buckets for `members` (distinct codes and their patterns), about
    /// [`MEAN_PER_BUCKET`] keys each.
    pub fn new(members: &[(u128, u32)]) -> Buckets<C> {
        let per = 8 / C::WORDS;
        let want = members.len().div_ceil(MEAN_PER_BUCKET.min(per / 2)).max(1);
        Buckets::with_bits(members, log2_ceil(want).max(1))
    }

    /// Buckets for `members` in 2^`bbits` buckets, which must hold more
    /// slots than there are members (1 ≤ `bbits` ≤ 32).
    pub fn with_bits(members: &[(u128, u32)], bbits: u32) -> Buckets<C> {
        assert!((1..=32).contains(&bbits));
        let n = 1usize << bbits;
        assert!(n * 8 / C::WORDS > members.len(), "no empty slot would be left");
        let mut s = Buckets {
            shift: 64 - bbits,
            buckets: vec![Bucket([u64::MAX; 8]); n],
            pats: vec![[0; 8]; n],
            ones: None,
            _code: std::marker::PhantomData,
        };
        for &(code, p) in members {
            let c = C::of(code);
            if c == C::ONES {
                s.ones = Some(p);
                continue;
            }
            let mut b = s.bucket(c);
            // Some slot is empty, so some bucket has room.
            loop {
                let empty = C::keys(word_mask(&s.buckets[b].0, &[u64::MAX; 8]));
                if empty != 0 {
                    let w = empty.trailing_zeros() as usize;
                    c.put(&mut s.buckets[b].0, w);
                    s.pats[b][w] = p;
                    break;
                }
                b = (b + 1) & (n - 1);
            }
        }
        s
    }

    #[inline(always)]
    fn bucket(&self, c: C) -> usize {
        (c.fold().wrapping_mul(GOLDEN) >> self.shift) as usize
    }

    /// The pattern whose code is `c`, else [`NONE`], comparing buckets
    /// with `lanes`. No branch depends on whether `c` is there, unless its
    /// bucket is full.
    #[inline(always)]
    pub fn probe<L: Lanes>(&self, lanes: &L, c: C) -> u32 {
        if c == C::ONES {
            return self.ones.unwrap_or(NONE);
        }
        let want = c.spread();
        let n = self.buckets.len();
        let mut b = self.bucket(c) & (n - 1);
        let (mut hit, empty) = self.test(lanes, b, &want);
        if (hit | empty) == 0 {
            // A full bucket without `c`: on to the next ones (an empty
            // slot exists, so this ends).
            loop {
                b = (b + 1) & (n - 1);
                let (h, e) = self.test(lanes, b, &want);
                if (h | e) != 0 {
                    hit = h;
                    break;
                }
            }
        }
        // Word 0's pattern when nothing matched, then thrown away.
        let p = self.pats[b][(hit.trailing_zeros() & 7) as usize];
        p | ((hit == 0) as u32).wrapping_neg()
    }

    /// Which keys of bucket `b` equal `want`, and which slots are empty.
    #[inline(always)]
    fn test<L: Lanes>(&self, lanes: &L, b: usize, want: &[u64; 8]) -> (u32, u32) {
        let bucket = &self.buckets[b].0;
        let (h, e) = lanes.eq8(bucket, want);
        (C::keys(h), C::keys(e))
    }

    pub fn len(&self) -> usize {
        let empty = &[u64::MAX; 8];
        let held: u32 = self
            .buckets
            .iter()
            .map(|b| 8 / C::WORDS as u32 - C::keys(word_mask(&b.0, empty)).count_ones())
            .sum();
        held as usize + self.ones.is_some() as usize
    }
}

/// Bit w set where word w of `a` equals word w of `b` (portable).
#[inline(always)]
pub(super) fn word_mask(a: &[u64; 8], b: &[u64; 8]) -> u32 {
    (0..8).fold(0, |m, w| m | ((a[w] == b[w]) as u32) << w)
}

/// The buckets of one length: narrow keys up to k = 32.
pub(super) enum Keys {
    Narrow(Buckets<u64>),
    Wide(Buckets<u128>),
}

/// The exact patterns of one length.
pub(super) struct Table {
    pub k: usize,
    /// The 2k low bits.
    pub mask: u128,
    pub keys: Keys,
}

impl Table {
    pub fn new(k: usize, members: &[(u128, u32)]) -> Table {
        Table {
            k,
            mask: if k >= 64 { !0 } else { (1u128 << (2 * k)) - 1 },
            keys: if k <= 32 {
                Keys::Narrow(Buckets::new(members))
            } else {
                Keys::Wide(Buckets::new(members))
            },
        }
    }

    /// The pattern whose first k bases have the code `code`, if any.
    #[cfg(test)]
    pub fn find(&self, code: u128) -> Option<u32> {
        let c = code & self.mask;
        let p = match &self.keys {
            Keys::Narrow(s) => s.probe(&super::Portable, c as u64),
            Keys::Wide(s) => s.probe(&super::Portable, c),
        };
        (p != NONE).then_some(p)
    }

    pub fn len(&self) -> usize {
        match &self.keys {
            Keys::Narrow(s) => s.len(),
            Keys::Wide(s) => s.len(),
        }
    }
}

/// How far apart the windows' q-mers a strided filter reads are: one
/// byte of the filter covers this many windows.
pub(super) const STRIDE: usize = 8;

/// Tables behind one filter of their windows: a bitmap over the first q
/// bases of every window, or a strided byte table that reads one q-mer
/// in [`STRIDE`] and answers for the 8 windows around it.
pub(super) struct Filtered {
    /// 4^q - 1: filter index = a q-mer's code & fmask.
    pub fmask: u32,
    /// Prefix bitmap: bit i of word i / 32 is set where some pattern's
    /// first q bases have code i. Strided: byte i (bits 8 (i % 4) on of
    /// word i / 4) has bit r set where the q bases at offset 7 - r of some
    /// pattern have code i, so the window starting at 8 j + r can match
    /// only if bit r of the byte of the q-mer at 8 j + 7 is set.
    pub bits: Vec<u32>,
    /// Which of the two `bits` is.
    pub strided: bool,
    pub tables: Vec<Table>,
    /// The shortest k of the tables.
    pub kmin: usize,
}

impl Filtered {
    /// A bitmap over the first `q` bases (q ≤ 15) of every pattern of
    /// `groups` (k, then codes and patterns; each k ≥ q), and a table for
    /// each.
    pub fn new(q: u32, groups: &[(usize, Vec<(u128, u32)>)]) -> Filtered {
        let fmask = (1u32 << (2 * q)) - 1;
        let mut bits = vec![0u32; (fmask as usize + 1).div_ceil(32)];
        for (_, members) in groups {
            for &(code, _) in members {
                let f = code as u32 & fmask;
                bits[(f / 32) as usize] |= 1 << (f % 32);
            }
        }
        Filtered::with(fmask, bits, false, groups)
    }

    /// A strided byte table over `q` bases (q ≤ 14) of every pattern of
    /// `groups` (each k ≥ q + 7), and a table for each.
    pub fn strided(q: u32, groups: &[(usize, Vec<(u128, u32)>)]) -> Filtered {
        let fmask = (1u32 << (2 * q)) - 1;
        let mut bits = vec![0u32; (fmask as usize + 1).div_ceil(4)];
        for (k, members) in groups {
            assert!(*k >= q as usize + STRIDE - 1 && q <= 14);
            for &(code, _) in members {
                for o in 0..STRIDE {
                    let f = (code >> (2 * o)) as u32 & fmask;
                    bits[(f / 4) as usize] |= 1 << (8 * (f % 4) + (STRIDE - 1 - o) as u32);
                }
            }
        }
        Filtered::with(fmask, bits, true, groups)
    }

    fn with(fmask: u32, bits: Vec<u32>, strided: bool, groups: &[(usize, Vec<(u128, u32)>)]) -> Filtered {
        let tables = groups.iter().map(|(k, m)| Table::new(*k, m)).collect();
        let kmin = groups.iter().map(|(k, _)| *k).min().unwrap_or(0);
        Filtered {
            fmask,
            bits,
            strided,
            tables,
            kmin,
        }
    }
}

/// The 2-bit code of a pattern: position j in bits 2j and 2j + 1.
pub(super) fn pack(codes: &[u8]) -> u128 {
    codes
        .iter()
        .enumerate()
        .fold(0, |a, (j, &c)| a | ((c as u128 & 3) << (2 * j)))
}

/// The least b with 2^b ≥ n.
pub(super) fn log2_ceil(n: usize) -> u32 {
    n.next_power_of_two().trailing_zeros()
}

#[cfg(test)]
mod tests {
    use super::super::{Portable, Q_MAX};
    use super::*;
    use crate::testing::Lcg;

    /// `n` distinct random codes of k bases, all T's (the code that
    /// marks empty slots when k is 32 or 64) first.
    fn members(k: usize, n: u32, rng: &mut Lcg) -> Vec<(u128, u32)> {
        let mask = if k >= 64 { !0 } else { (1u128 << (2 * k)) - 1 };
        let mut members = vec![(mask, 1000u32)];
        for p in 0..n {
            let code = (rng.next() as u128 | ((rng.next() as u128) << 64)) & mask;
            if members.iter().all(|&(c, _)| c != code) {
                members.push((code, p));
            }
        }
        members
    }

    #[test]
    fn tables_find_every_pattern_and_nothing_else() {
        for k in [1, 5, 11, 12, 21, 31, 32, 33, 63, 64] {
            let mut rng = Lcg(0x1234_5678 + k as u64);
            let mask = if k >= 64 { !0 } else { (1u128 << (2 * k)) - 1 };
            let members = members(k, 300, &mut rng);
            let t = Table::new(k, &members);
            assert_eq!(t.len(), members.len(), "k={k}");
            for &(c, p) in &members {
                assert_eq!(t.find(c), Some(p), "k={k}");
                // Bases past k do not matter.
                assert_eq!(t.find(c | !mask), Some(p), "k={k}");
            }
            let absent = (0..4096u128)
                .chain([u64::MAX as u128, u128::MAX - 1, u128::MAX >> 64 | 1 << 64])
                .filter(|c| members.iter().all(|&(m, _)| m != c & mask));
            for c in absent {
                assert_eq!(t.find(c), None, "k={k} code={c:#x}");
            }
            // The bitmap lets every pattern's first q bases through.
            let q = (k as u32).min(Q_MAX);
            let f = Filtered::new(q, &[(k, members.clone())]);
            assert_eq!(f.fmask as u128, (1 << (2 * q)) - 1);
            for &(c, _) in &members {
                let i = c as u32 & f.fmask;
                assert_eq!((f.bits[(i / 32) as usize] >> (i % 32)) & 1, 1, "k={k}");
            }
            let set: u32 = f.bits.iter().map(|b| b.count_ones()).sum();
            assert!(set as usize <= members.len(), "k={k}");
        }
    }

    #[test]
    fn full_buckets_send_keys_on_to_the_next_and_around() {
        // Far more keys than buckets hold at the usual load: most buckets
        // are full, keys spill into the next ones and from the last to
        // the first, and absent codes walk past full buckets.
        for (k, n, bbits) in [(21, 30, 2), (21, 58, 3), (40, 14, 2), (40, 30, 3)] {
            let mut rng = Lcg(77 + n as u64);
            let m = members(k, n, &mut rng);
            let narrow = k <= 32;
            let probe = |c: u128| {
                if narrow {
                    Buckets::<u64>::with_bits(&m, bbits).probe(&Portable, c as u64)
                } else {
                    Buckets::<u128>::with_bits(&m, bbits).probe(&Portable, c)
                }
            };
            let len = if narrow {
                Buckets::<u64>::with_bits(&m, bbits).len()
            } else {
                Buckets::<u128>::with_bits(&m, bbits).len()
            };
            assert_eq!(len, m.len(), "k={k} n={n}");
            for &(c, p) in &m {
                assert_eq!(probe(c), p, "k={k} n={n}");
            }
            let mask = (1u128 << (2 * k)) - 1;
            for _ in 0..2000 {
                let c = (rng.next() as u128 | (rng.next() as u128) << 64) & mask;
                if m.iter().all(|&(x, _)| x != c) {
                    assert_eq!(probe(c), NONE, "k={k} n={n} code={c:#x}");
                }
            }
        }
    }

    #[test]
    fn wide_keys_match_only_whole() {
        // A wide key whose one word equals a stored key's word is absent.
        let m = [(5u128 << 64 | 7, 1u32)];
        let b = Buckets::<u128>::new(&m);
        assert_eq!(b.probe(&Portable, 5u128 << 64 | 7), 1);
        assert_eq!(b.probe(&Portable, 6u128 << 64 | 7), NONE);
        assert_eq!(b.probe(&Portable, 5u128 << 64 | 8), NONE);
        assert_eq!(u128::keys(0b0110_1011), 0b0000_0001);
        assert_eq!(u128::keys(0b1100_0011), 0b0100_0001);
    }

    #[test]
    fn pack_puts_the_first_base_lowest() {
        assert_eq!(pack(&[0, 1, 2, 3]), 0b11_10_01_00);
        assert_eq!(pack(&[3; 64]), !0);
    }
}
