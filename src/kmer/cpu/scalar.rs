//! The portable path, on 64-bit words. For each word (64 windows), the
//! first `LEAD` positions of the pattern are tested on planes 0 and 1
//! together without a branch (a window survives that with probability
//! 4^-8); the rest one position at a time, stopping as soon as no window of
//! the word is left.

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

/// The windows (bits) whose base, planes 0 and 1 giving bits 0 and 1
/// of its code, is in the set given by [`set_words`]: a two-level
/// multiplexer, without a branch.
#[inline(always)]
fn in_set([a, c, g, t]: [u64; 4], p0: u64, p1: u64) -> u64 {
    let lo = (p0 & c) | (!p0 & a);
    let hi = (p0 & t) | (!p0 & g);
    (p1 & hi) | (!p1 & lo)
}

/// The windows of word `i` that match pattern `f` with no mismatch: the
/// per-plane tests of [`PatternTests`] first (plane 0, then plane 1), the
/// two-plane ones last, stopping once no window is left (checked after
/// each plane: a branch per test costs more than it saves).
#[inline(always)]
fn exact_sets(f: &FuzzyPattern, w0: &[u64; 16], w1: &[u64; 16], i: usize) -> u64 {
    let mut x = !0u64;
    for (w, tests) in [w0, w1].into_iter().zip(&f.tests.planes) {
        for &(j, bit) in tests {
            x &= !(funnel(w, i, j) ^ bit);
        }
        if x == 0 {
            return 0;
        }
    }
    for &j in &f.tests.mixed {
        x &= in_set(f.words[j], funnel(w0, i, j), funnel(w1, i, j));
        if x == 0 {
            return 0;
        }
    }
    x
}

/// IUPAC letters and mismatches (SPEC §14), 64 windows per word. With
/// none allowed, [`exact_sets`]; else at each position j, the windows
/// whose base is not in the pattern's set there count one more miss, in a thermometer code (`lvl[i]`: more than i
/// misses so far); a word stops as soon as every window is past the
/// allowed mismatches.
pub(super) fn fuzzy(plan: &Plan<'_>, g: &Group, v: &BlockView<'_>, hits: &mut Hits) {
    let k = g.k;
    let m = g.mismatches as usize;
    let Some(fuzzy) = &g.sets else { return };
    for l in 0..v.lines {
        let gl = v.first_line + l as u64;
        let w0 = words16(v.line(0, l), v.next_line(0, l));
        let w1 = words16(v.line(1, l), v.next_line(1, l));
        let mut w2: Option<[u64; 16]> = None;
        for (n, &p) in g.pats.iter().enumerate() {
            let mut acc = [0u64; 8];
            let mut any = 0;
            for (i, a) in acc.iter_mut().enumerate() {
                if m == 0 {
                    *a = exact_sets(&fuzzy[n], &w0, &w1, i);
                    any |= *a;
                    continue;
                }
                let mut lvl = [0u64; MAX_MISMATCHES as usize + 1];
                for (j, &s) in fuzzy[n].words.iter().enumerate() {
                    let miss = !in_set(s, funnel(&w0, i, j), funnel(&w1, i, j));
                    for x in (1..=m).rev() {
                        lvl[x] |= lvl[x - 1] & miss;
                    }
                    lvl[0] |= miss;
                    if lvl[m] == !0 {
                        break;
                    }
                }
                *a = !lvl[m];
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
