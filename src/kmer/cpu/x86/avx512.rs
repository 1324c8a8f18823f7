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
