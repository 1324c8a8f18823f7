//! The AVX2 kernel: a plane line as two 256-bit halves.

use super::*;

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
fn and256<const K: usize, const NP: usize>(k: usize, lo: Y, hi: Y, masks: [&[u64; 64]; NP], acc: &mut [Y; NP]) -> bool {
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
pub(super) fn avx2_group<const K: usize, const NP: usize>(
    plan: &Plan<'_>,
    g: &Group,
    v: &BlockView<'_>,
    hits: &mut Hits,
) {
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
