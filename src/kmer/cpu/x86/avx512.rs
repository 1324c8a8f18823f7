//! The AVX-512 kernel: 512-bit registers with VBMI2 funnel shifts and
//! ternary logic, a whole plane line per register.

use super::*;

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
pub(super) fn avx512_group<const K: usize, const NP: usize>(
    plan: &Plan<'_>,
    g: &Group,
    v: &BlockView<'_>,
    hits: &mut Hits,
) {
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

/// The windows of line `l` (all k positions) that hold a code other than
/// A, C, G and T, from plane 2.
#[inline]
#[target_feature(enable = "avx512f,avx512vbmi2")]
fn non_acgt512(v: &BlockView<'_>, l: usize, k: usize) -> __m512i {
    let (c2, h2) = pair512(v, 2, l);
    let mut bad = _mm512_setzero_si512();
    for j in 0..k {
        bad = _mm512_or_si512(bad, _mm512_shrdv_epi64(c2, h2, _mm512_set1_epi64(j as i64)));
    }
    bad
}

/// Whether any window of `acc` is left.
#[inline]
#[target_feature(enable = "avx512f")]
fn any1(acc: __m512i) -> bool {
    _mm512_test_epi64_mask(acc, acc) != 0
}

/// The windows whose base at `x0`/`x1` (planes 0 and 1) is in the set
/// given by `w` ([`set_words`]): a two-level multiplexer, three ternary
/// operations.
#[inline]
#[target_feature(enable = "avx512f")]
fn in_set512(w: &[u64; 4], x0: __m512i, x1: __m512i) -> __m512i {
    let [a, c, g, t] = w.map(|x| _mm512_set1_epi64(x as i64));
    // 0xCA: A ? B : C.
    let lo = _mm512_ternarylogic_epi64::<0xCA>(x0, c, a);
    let hi = _mm512_ternarylogic_epi64::<0xCA>(x0, t, g);
    _mm512_ternarylogic_epi64::<0xCA>(x1, hi, lo)
}

/// acc &= (plane bit at s + j == bit) for each (j, bit) of `tests`, with
/// an early exit every four; returns whether any window survives.
#[inline]
#[target_feature(enable = "avx512f,avx512vbmi2")]
fn planes_and(acc: &mut __m512i, lo: __m512i, hi: __m512i, tests: &[(usize, u64)]) -> bool {
    for (i, &(j, bit)) in tests.iter().enumerate() {
        let x = _mm512_shrdv_epi64(lo, hi, _mm512_set1_epi64(j as i64));
        *acc = _mm512_ternarylogic_epi64::<0x90>(*acc, x, _mm512_set1_epi64(bit as i64));
        if i % 4 == 3 && !any1(*acc) {
            return false;
        }
    }
    any1(*acc)
}

/// IUPAC letters and mismatches (SPEC §14) for k ≤ 64, a whole line (512
/// windows) per register, `M` mismatches allowed.
///
/// With none allowed, a pattern's positions are split by [`PatternTests`]:
/// those that test one plane run as the exact kernel does (plane 0 first,
/// plane 1 only for lines where a window survives), the rest test both
/// planes through [`in_set512`] last. With mismatches, every position adds
/// its misses to a thermometer count (`lvl[i]` = more than i misses so
/// far, M + 1 registers, one ternary operation each), and a line stops as
/// soon as every window is past M.
#[target_feature(enable = "avx512f,avx512vbmi2")]
pub(super) fn avx512_fuzzy<const M: usize>(plan: &Plan<'_>, g: &Group, v: &BlockView<'_>, hits: &mut Hits) {
    let k = g.k;
    let Some(fuzzy) = &g.sets else { return };
    let ones = _mm512_set1_epi64(-1);
    for l in 0..v.lines {
        // Plane 1 is needed by every line with mismatches, else as for
        // exact patterns (prefetch's k says which).
        prefetch(v, l, if M == 0 { k } else { 1 });
        let gl = v.first_line + l as u64;
        let shift = |lo: __m512i, hi: __m512i, j: usize| _mm512_shrdv_epi64(lo, hi, _mm512_set1_epi64(j as i64));
        let (c0, h0) = pair512(v, 0, l);
        let mut plane1: Option<(__m512i, __m512i)> = None;
        let mut bad: Option<__m512i> = None;
        for (n, &p) in g.pats.iter().enumerate() {
            let mut acc = ones;
            if M == 0 {
                let t = &fuzzy[n].tests;
                if !planes_and(&mut acc, c0, h0, &t.planes[0]) {
                    continue;
                }
                let (c1, h1) = *plane1.get_or_insert_with(|| pair512(v, 1, l));
                if !planes_and(&mut acc, c1, h1, &t.planes[1]) {
                    continue;
                }
                for &j in &t.mixed {
                    acc = _mm512_and_si512(acc, in_set512(&fuzzy[n].words[j], shift(c0, h0, j), shift(c1, h1, j)));
                }
            } else {
                let (c1, h1) = *plane1.get_or_insert_with(|| pair512(v, 1, l));
                let mut lvl = [_mm512_setzero_si512(); 4];
                for (j, w) in fuzzy[n].words.iter().enumerate() {
                    let inn = in_set512(w, shift(c0, h0, j), shift(c1, h1, j));
                    // lvl[i] |= lvl[i - 1] & miss; lvl[0] |= miss (miss = !inn).
                    for i in (1..=M).rev() {
                        lvl[i] = _mm512_ternarylogic_epi64::<0xF4>(lvl[i], lvl[i - 1], inn);
                    }
                    lvl[0] = _mm512_ternarylogic_epi64::<0xF3>(lvl[0], inn, inn);
                    if j % 4 == 3 && _mm512_cmpneq_epi64_mask(lvl[M], ones) == 0 {
                        break;
                    }
                }
                acc = _mm512_andnot_si512(lvl[M], ones);
            }
            if !any1(acc) {
                continue;
            }
            if plan.dirty(gl, k) {
                acc = _mm512_andnot_si512(*bad.get_or_insert_with(|| non_acgt512(v, l, k)), acc);
            }
            if any1(acc) {
                plan.emit(hits, p, gl, words512(acc));
            }
        }
    }
}
