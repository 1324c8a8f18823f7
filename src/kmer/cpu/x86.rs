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

// The kernels of each instruction set, which use the macros above.
mod avx2;
mod avx512;

use self::avx2::{avx2_fuzzy, avx2_group};
use self::avx512::{avx512_fuzzy, avx512_group};

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

/// The wide kernel for IUPAC letters and mismatches (a group with base
/// sets), or None where there is none: k > 64, the scalar path (which
/// runs [`scalar::fuzzy`]), or a path this CPU lacks.
pub(super) fn fuzzy_for(path: CpuPath, g: &Group) -> Option<Kernel> {
    if g.k > 64 || !path.is_available() {
        return None;
    }
    // ScanOptions allows at most MAX_MISMATCHES (3).
    match path {
        CpuPath::Avx512 => Some(match g.mismatches {
            0 => avx512_fuzzy_m::<0>,
            1 => avx512_fuzzy_m::<1>,
            2 => avx512_fuzzy_m::<2>,
            _ => avx512_fuzzy_m::<3>,
        }),
        CpuPath::Avx2 => Some(match g.mismatches {
            0 => avx2_fuzzy_m::<0>,
            1 => avx2_fuzzy_m::<1>,
            2 => avx2_fuzzy_m::<2>,
            _ => avx2_fuzzy_m::<3>,
        }),
        CpuPath::Scalar => None,
    }
}

fn avx2_fuzzy_m<const M: usize>(plan: &Plan<'_>, g: &Group, v: &BlockView<'_>, hits: &mut Hits) {
    // SAFETY: as for `avx2`: `avx2_fuzzy` enables avx2, and only
    // `fuzzy_for` hands out a pointer to this function, after
    // `CpuPath::Avx2.is_available()` returned true.
    unsafe { avx2_fuzzy::<M>(plan, g, v, hits) }
}

fn avx512_fuzzy_m<const M: usize>(plan: &Plan<'_>, g: &Group, v: &BlockView<'_>, hits: &mut Hits) {
    // SAFETY: as for `avx512`: `avx512_fuzzy` enables avx512f and
    // avx512vbmi2, and only `fuzzy_for` hands out a pointer to this
    // function, after `CpuPath::Avx512.is_available()` returned true.
    unsafe { avx512_fuzzy::<M>(plan, g, v, hits) }
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
