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
