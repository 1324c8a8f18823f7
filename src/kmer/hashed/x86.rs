//! The scan compiled for AVX-512 (`scan512`), with its steps: the 2-bit
//! codes with BMI2, the bucket test in one compare, and the bitmap test
//! with 16 windows per register. A window's first q bases (q ≤ 11, at most 22
//! bits of code) starting at position 16 m + i of the line lie in code
//! dwords m and m + 1, so one VBMI2 funnel shift of those two dwords,
//! broadcast, by 2 i gives the bitmap indices of 16 windows at once; a
//! gather fetches their bitmap words and a variable shift tests their
//! bits.

use std::arch::x86_64::*;

use super::{BlockView, Hashed, Hits, Lanes, Plan};

/// Proof that this CPU has AVX-512F and VBMI2: made only by
/// [`Avx512::detect`], so holding one makes the kernel sound to call.
pub(super) struct Avx512(());

impl Avx512 {
    /// An [`Avx512`] where the CPU has the features (checked at run time).
    pub fn detect() -> Option<Avx512> {
        (is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512vbmi2")
            && is_x86_feature_detected!("bmi2"))
        .then_some(Avx512(()))
    }

    /// [`Hashed::scan`], compiled for AVX-512 so that every step inlines.
    pub fn scan(&self, h: &Hashed, plan: &Plan<'_>, v: &BlockView<'_>, hits: &mut Hits) {
        // SAFETY: `self` exists only where `detect` found avx512f,
        // avx512vbmi2 and bmi2 on this CPU (they do not change while a
        // process runs), which are all that `scan512` enables.
        unsafe { scan512(self, h, plan, v, hits) }
    }
}

#[target_feature(enable = "avx512f,avx512vbmi2,bmi2")]
fn scan512(a: &Avx512, h: &Hashed, plan: &Plan<'_>, v: &BlockView<'_>, hits: &mut Hits) {
    h.scan_with(a, plan, v, hits)
}

impl Lanes for Avx512 {
    #[inline(always)]
    fn codes(&self, p0: &[u64; 9], p1: &[u64; 9]) -> [u64; 20] {
        // SAFETY: `self` exists only where `detect` found bmi2.
        unsafe { codes_bmi2(p0, p1) }
    }

    #[inline(always)]
    fn candidates(&self, fmask: u32, bits: &[u32], iw: &[u64; 20]) -> [u64; 8] {
        // Every index is ≤ fmask, so every gathered word index is
        // ≤ fmask / 32: in bounds whenever this holds (the bitmap has
        // (fmask + 1) / 32 words, at least one).
        assert!(((fmask / 32) as usize) < bits.len());
        // SAFETY: `self` exists only where `detect` found avx512f and
        // avx512vbmi2 (and bmi2) on this CPU (they do not change while a process
        // runs), which are all that `candidates512` enables; the gathers
        // read in bounds, as asserted above.
        unsafe { candidates512(fmask, bits, iw) }
    }

    #[inline(always)]
    fn strided(&self, fmask: u32, bytes: &[u32], iw: &[u64; 20]) -> [u64; 8] {
        // Every index is ≤ fmask, so every gathered word index is
        // ≤ fmask / 4: in bounds whenever this holds.
        assert!(((fmask / 4) as usize) < bytes.len());
        // SAFETY: `self` exists only where `detect` found avx512f and
        // avx512vbmi2, which are all that `strided512` enables; the
        // gathers read in bounds, as asserted above.
        unsafe { strided512(fmask, bytes, iw) }
    }

    #[inline(always)]
    fn eq8(&self, bucket: &[u64; 8], want: &[u64; 8]) -> (u32, u32) {
        // SAFETY: `self` exists only where `detect` found avx512f.
        unsafe { eq8_512(bucket, want) }
    }
}

/// [`Lanes::eq8`] in two compares of one register.
#[inline]
#[target_feature(enable = "avx512f")]
fn eq8_512(bucket: &[u64; 8], want: &[u64; 8]) -> (u32, u32) {
    // SAFETY: both are 64 bytes, read unaligned.
    let (b, w) = unsafe {
        (
            _mm512_loadu_si512(bucket.as_ptr().cast()),
            _mm512_loadu_si512(want.as_ptr().cast()),
        )
    };
    let hit = _mm512_cmpeq_epi64_mask(b, w);
    let empty = _mm512_cmpeq_epi64_mask(b, _mm512_set1_epi64(-1));
    (hit as u32, empty as u32)
}

/// [`super::codes`] with BMI2's bit deposit: plane 0 to the even bits,
/// plane 1 to the odd ones.
#[inline]
#[target_feature(enable = "bmi2")]
fn codes_bmi2(p0: &[u64; 9], p1: &[u64; 9]) -> [u64; 20] {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    std::array::from_fn(|j| match j {
        0..=17 => {
            let h = 32 * (j as u32 % 2);
            let (a, b) = ((p0[j / 2] >> h) & 0xFFFF_FFFF, (p1[j / 2] >> h) & 0xFFFF_FFFF);
            _pdep_u64(a, EVEN) | _pdep_u64(b, EVEN << 1)
        }
        _ => 0,
    })
}

/// [`super::candidates`]; `bits` must have more than `fmask / 32` words.
#[inline]
#[target_feature(enable = "avx512f,avx512vbmi2")]
unsafe fn candidates512(fmask: u32, bits: &[u32], iw: &[u64; 20]) -> [u64; 8] {
    let dword = |m: usize| (iw[m / 2] >> (32 * (m % 2))) as u32 as i32;
    let shifts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    let fm = _mm512_set1_epi32(fmask as i32);
    let low5 = _mm512_set1_epi32(31);
    let one = _mm512_set1_epi32(1);
    let mut out = [0u64; 8];
    let mut lo = _mm512_set1_epi32(dword(0));
    for (w, o) in out.iter_mut().enumerate() {
        for h in 0..4 {
            let m = 4 * w + h;
            let hi = _mm512_set1_epi32(dword(m + 1));
            // Lane i: the code from position 16 m + i on.
            let idx = _mm512_and_si512(_mm512_shrdv_epi32(lo, hi, shifts), fm);
            // SAFETY: idx ≤ fmask, so idx / 32 < bits.len() (the caller's
            // contract), and the scale 4 makes it a u32 index.
            let g = unsafe { _mm512_i32gather_epi32::<4>(_mm512_srli_epi32::<5>(idx), bits.as_ptr().cast()) };
            let bit = _mm512_sllv_epi32(one, _mm512_and_si512(idx, low5));
            *o |= (_mm512_test_epi32_mask(g, bit) as u64) << (16 * h);
            lo = hi;
        }
    }
    out
}

/// [`super::strided`]; `bytes` must have more than `fmask / 4` words.
/// Lane i of group g reads the q-mer at position 8 (16 g + i) + 7 =
/// 16 (8 g + i / 2) + 7 or 15: the funnel of code dwords 8 g + i / 2 and
/// the next, by 14 or 30 bits.
#[inline]
#[target_feature(enable = "avx512f,avx512vbmi2")]
unsafe fn strided512(fmask: u32, bytes: &[u32], iw: &[u64; 20]) -> [u64; 8] {
    let lo_at = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    let hi_at = _mm512_setr_epi32(1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8);
    let shifts = _mm512_setr_epi32(14, 30, 14, 30, 14, 30, 14, 30, 14, 30, 14, 30, 14, 30, 14, 30);
    let fm = _mm512_set1_epi32(fmask as i32);
    let low2 = _mm512_set1_epi32(3);
    let byte = _mm512_set1_epi32(0xFF);
    let mut out = [0u64; 8];
    for g in 0..4 {
        // SAFETY: dwords 8 g … 8 g + 15 ≤ 39 of the 40 that `iw` holds.
        let d = unsafe { _mm512_loadu_si512(iw.as_ptr().cast::<u32>().add(8 * g).cast()) };
        let lo = _mm512_permutexvar_epi32(lo_at, d);
        let hi = _mm512_permutexvar_epi32(hi_at, d);
        let idx = _mm512_and_si512(_mm512_shrdv_epi32(lo, hi, shifts), fm);
        // SAFETY: idx ≤ fmask, so idx / 4 < bytes.len() (the caller's
        // contract), and the scale 4 makes it a u32 index.
        let w = unsafe { _mm512_i32gather_epi32::<4>(_mm512_srli_epi32::<2>(idx), bytes.as_ptr().cast()) };
        let b = _mm512_and_si512(
            _mm512_srlv_epi32(w, _mm512_slli_epi32::<3>(_mm512_and_si512(idx, low2))),
            byte,
        );
        // SAFETY: out[2 g] and out[2 g + 1] are the 16 bytes written.
        unsafe { _mm_storeu_si128(out.as_mut_ptr().add(2 * g).cast(), _mm512_cvtepi32_epi8(b)) };
    }
    out
}

/// Asks for the cache line that holds `x`.
#[inline(always)]
pub(super) fn prefetch<T>(x: &T) {
    // SAFETY: `prefetch_t0` enables only SSE, which every x86-64 CPU has.
    unsafe { prefetch_t0((x as *const T).cast()) }
}

#[inline]
#[target_feature(enable = "sse")]
fn prefetch_t0(p: *const i8) {
    _mm_prefetch::<_MM_HINT_T0>(p);
}
