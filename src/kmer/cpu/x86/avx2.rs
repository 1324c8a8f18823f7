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

/// Both halves of a line shifted by `j` positions.
#[inline]
#[target_feature(enable = "avx2")]
fn shift_y(lo: Y, hi: Y, j: usize) -> Y {
    [funnel256(lo[0], hi[0], j), funnel256(lo[1], hi[1], j)]
}

/// Whether any window of `a` is left.
#[inline]
#[target_feature(enable = "avx2")]
fn any_y(a: Y) -> bool {
    any256(&[a])
}

/// `f` on each half.
#[inline(always)]
fn halves(a: Y, b: Y, f: impl Fn(__m256i, __m256i) -> __m256i) -> Y {
    [f(a[0], b[0]), f(a[1], b[1])]
}

/// The windows whose base at `x0`/`x1` (planes 0 and 1) is in the set
/// given by `w` ([`set_words`]): a two-level multiplexer, each level
/// `y ^ (sel & (x ^ y))`.
#[inline]
#[target_feature(enable = "avx2")]
fn in_set_y(w: &[u64; 4], x0: Y, x1: Y) -> Y {
    let splat = |x: u64| _mm256_set1_epi64x(x as i64);
    let (a, ca, g, tg) = (splat(w[0]), splat(w[0] ^ w[1]), splat(w[2]), splat(w[2] ^ w[3]));
    let mut out = [_mm256_setzero_si256(); 2];
    for h in 0..2 {
        let lo = _mm256_xor_si256(a, _mm256_and_si256(x0[h], ca));
        let hi = _mm256_xor_si256(g, _mm256_and_si256(x0[h], tg));
        out[h] = _mm256_xor_si256(lo, _mm256_and_si256(x1[h], _mm256_xor_si256(hi, lo)));
    }
    out
}

/// acc &= (plane bit at s + j == bit) for each (j, bit) of `tests`, with
/// an early exit every four; returns whether any window survives.
#[inline]
#[target_feature(enable = "avx2")]
fn planes_and_y(acc: &mut Y, lo: Y, hi: Y, tests: &[(usize, u64)]) -> bool {
    for (i, &(j, bit)) in tests.iter().enumerate() {
        let m = _mm256_set1_epi64x(bit as i64);
        *acc = halves(shift_y(lo, hi, j), *acc, |x, a| {
            _mm256_andnot_si256(_mm256_xor_si256(x, m), a)
        });
        if i % 4 == 3 && !any_y(*acc) {
            return false;
        }
    }
    any_y(*acc)
}

/// IUPAC letters and mismatches (SPEC §14) for k ≤ 64 on AVX2: the
/// AVX-512 kernel's method (`avx512_fuzzy`) on a line held as two 256-bit
/// halves.
#[target_feature(enable = "avx2")]
pub(super) fn avx2_fuzzy<const M: usize>(plan: &Plan<'_>, g: &Group, v: &BlockView<'_>, hits: &mut Hits) {
    let k = g.k;
    let Some(fuzzy) = &g.sets else { return };
    let ones = _mm256_set1_epi64x(-1);
    for l in 0..v.lines {
        prefetch(v, l, if M == 0 { k } else { 1 });
        let gl = v.first_line + l as u64;
        let (c0, h0) = pair256(v, 0, l);
        let mut plane1: Option<(Y, Y)> = None;
        let mut bad: Option<Y> = None;
        for (n, &p) in g.pats.iter().enumerate() {
            let mut acc = [ones; 2];
            if M == 0 {
                let t = &fuzzy[n].tests;
                if !planes_and_y(&mut acc, c0, h0, &t.planes[0]) {
                    continue;
                }
                let (c1, h1) = *plane1.get_or_insert_with(|| pair256(v, 1, l));
                if !planes_and_y(&mut acc, c1, h1, &t.planes[1]) {
                    continue;
                }
                for &j in &t.mixed {
                    let inn = in_set_y(&fuzzy[n].words[j], shift_y(c0, h0, j), shift_y(c1, h1, j));
                    acc = halves(acc, inn, |a, b| _mm256_and_si256(a, b));
                }
            } else {
                let (c1, h1) = *plane1.get_or_insert_with(|| pair256(v, 1, l));
                let mut lvl = [[_mm256_setzero_si256(); 2]; 4];
                for (j, w) in fuzzy[n].words.iter().enumerate() {
                    let inn = in_set_y(w, shift_y(c0, h0, j), shift_y(c1, h1, j));
                    // lvl[i] |= lvl[i - 1] & miss; lvl[0] |= miss (miss = !inn).
                    for i in (1..=M).rev() {
                        lvl[i] = halves(
                            lvl[i],
                            halves(inn, lvl[i - 1], |a, b| _mm256_andnot_si256(a, b)),
                            |a, b| _mm256_or_si256(a, b),
                        );
                    }
                    lvl[0] = halves(lvl[0], inn, |a, b| _mm256_or_si256(a, _mm256_xor_si256(b, ones)));
                    let dead = _mm256_and_si256(lvl[M][0], lvl[M][1]);
                    if j % 4 == 3 && _mm256_testc_si256(dead, ones) == 1 {
                        break;
                    }
                }
                acc = halves(lvl[M], [ones; 2], |a, b| _mm256_andnot_si256(a, b));
            }
            if !any_y(acc) {
                continue;
            }
            if plan.dirty(gl, k) {
                let b = *bad.get_or_insert_with(|| {
                    let (c2, h2) = pair256(v, 2, l);
                    let mut b = [_mm256_setzero_si256(); 2];
                    for j in 0..k {
                        b = halves(b, shift_y(c2, h2, j), |x, y| _mm256_or_si256(x, y));
                    }
                    b
                });
                acc = halves(b, acc, |x, a| _mm256_andnot_si256(x, a));
            }
            if any_y(acc) {
                plan.emit(hits, p, gl, words256(&acc));
            }
        }
    }
}
