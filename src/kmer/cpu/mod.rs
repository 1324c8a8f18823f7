//! The CPU scan: rayon over ranges of blocks; inside a block, bit-parallel
//! over plane lines (SPEC §5: 512 positions, 64 bytes of each plane).
//!
//! A window of k positions starting at s matches a pattern of codes
//! c_0 … c_{k-1} (each 0–3) when, for every j < k, bit 0 of the code at
//! s + j (plane 0) equals bit 0 of c_j, bit 1 (plane 1) equals bit 1 of c_j,
//! and bit 2 (plane 2) is clear. Plane 2 is set exactly for N, END,
//! reference escape and exceptions (SPEC §4), so no window that contains
//! one of them, or that crosses from one sequence into the next, matches.
//!
//! For the 512 windows starting in one line, each condition is a 512-bit
//! AND of the plane shifted by j (a funnel shift across the line and the
//! next one), so 64 (scalar) to 512 (AVX-512) windows are tested per
//! operation. Plane 0 is tested first; plane 1 is read only for lines where
//! a candidate survives plane 0, and plane 2 only where one survives both
//! and the NONACGT summary (SPEC §5.2) says the window's lines hold
//! something other than A, C, G and T. Blocks hold whole lines (B is a
//! multiple of 512) and consecutive blocks are consecutive in the stream, so
//! the line after a block's last line is the next block's first line: that
//! is how matches across block boundaries are found exactly. Work is cut by
//! lines, not blocks ([`CHUNK_LINES`] per task, at most [`VIEW_LINES`] per
//! kernel call), so memory and parallelism do not depend on the block size.

use std::ops::Range;

use super::hashed::{Hashed, HASH_MAX_K};
use super::{par_chunks, par_fold_chunks, Patterns, ScanOptions, MAX_K, MAX_MISMATCHES};
use crate::error::{Error, ErrorKind, Result};
use crate::sequence::Reader;

mod scalar;
mod view;
// The AVX-512 intrinsics are stable since Rust 1.89, and calling
// intrinsics safely inside `#[target_feature]` functions since 1.86: hence
// `rust-version = "1.89"`.
#[cfg(target_arch = "x86_64")]
mod x86;

pub(super) use view::{funnel, words16, words8, BlockView};

/// Plane lines per parallel task (2^18 positions).
pub(crate) const CHUNK_LINES: u64 = 512;

/// The most plane lines one kernel call (one [`BlockView`]) covers, so that
/// the hits held at once stay bounded however large a block is.
pub(crate) const VIEW_LINES: usize = 512;

/// Plane-line length in bytes (SPEC §5).
const LINE: usize = 64;

/// The k values with a kernel of their own (k a compile-time constant);
/// other k ≤ 64 use the general wide kernel, longer ones the scalar one.
pub const SPECIALIZED_K: &[usize] = &[
    5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 31, 32,
];

/// A CPU code path, ordered narrowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CpuPath {
    /// Portable 64-bit words.
    Scalar,
    /// 256-bit AVX2 registers.
    Avx2,
    /// 512-bit AVX-512 registers with VBMI2 funnel shifts and ternary logic.
    Avx512,
}

impl CpuPath {
    /// Every path, narrowest first.
    pub const ALL: [CpuPath; 3] = [CpuPath::Scalar, CpuPath::Avx2, CpuPath::Avx512];

    /// The name reports use: `scalar`, `avx2`, `avx512`.
    pub fn name(&self) -> &'static str {
        match self {
            CpuPath::Scalar => "scalar",
            CpuPath::Avx2 => "avx2",
            CpuPath::Avx512 => "avx512",
        }
    }

    /// The path called `name`.
    pub fn from_name(name: &str) -> Option<CpuPath> {
        CpuPath::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether this CPU can run the path (detected at run time).
    pub fn is_available(&self) -> bool {
        match self {
            CpuPath::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            CpuPath::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            CpuPath::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vbmi2")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The widest path this CPU supports.
    pub fn best() -> CpuPath {
        CpuPath::ALL
            .into_iter()
            .rev()
            .find(|p| p.is_available())
            .unwrap_or(CpuPath::Scalar)
    }
}

/// Patterns of one length, scanned together (they share the shifted planes).
pub(crate) struct Group {
    k: usize,
    /// Pattern indices (1 or 2).
    pats: Vec<usize>,
    /// Per pattern and plane, bit j of the pattern's codes at bit j mod 64
    /// of word j / 64.
    bits: Vec<[[u64; MAX_K / 64]; 2]>,
    /// Per pattern and plane, for the wide paths (k ≤ 64): all ones where
    /// the pattern's bit j is 1, zero where it is 0.
    masks: Vec<[[u64; 64]; 2]>,
    /// For a group that allows IUPAC letters or mismatches (SPEC §14),
    /// which then runs a fuzzy kernel: per pattern, its positions as
    /// those kernels test them.
    sets: Option<Vec<FuzzyPattern>>,
    /// Mismatches allowed.
    mismatches: u8,
}

/// A base set (bit c for code c, SPEC §14) as four all-ones-or-zero
/// words, one per code: the inputs of the fuzzy kernels' set test.
#[inline(always)]
pub(super) fn set_words(set: u8) -> [u64; 4] {
    std::array::from_fn(|c| ((set as u64 >> c) & 1).wrapping_neg())
}

/// A pattern as the fuzzy kernels test it, prepared once per scan.
pub(super) struct FuzzyPattern {
    /// Per position, its base set as [`set_words`].
    words: Vec<[u64; 4]>,
    /// The same positions as per-plane and two-plane tests.
    tests: PatternTests,
}

impl FuzzyPattern {
    fn new(sets: &[u8]) -> FuzzyPattern {
        FuzzyPattern {
            words: sets.iter().map(|&s| set_words(s)).collect(),
            tests: PatternTests::new(sets),
        }
    }
}

/// A pattern's positions as the wide fuzzy kernels test them without
/// mismatches: a base set that is every code with given bits on some
/// planes (one letter, R Y K M, N) is tested plane by plane, as exact
/// patterns are, so that plane 1 is read only where plane 0 leaves a
/// window; the others (W S B D H V) need both planes at once.
pub(super) struct PatternTests {
    /// Per plane, (position, all ones or zero: the bit every member of
    /// the position's set has on that plane).
    planes: [Vec<(usize, u64)>; 2],
    /// Positions whose set is not a product of per-plane tests.
    mixed: Vec<usize>,
}

impl PatternTests {
    fn new(sets: &[u8]) -> PatternTests {
        let mut t = PatternTests {
            planes: [Vec::new(), Vec::new()],
            mixed: Vec::new(),
        };
        for (j, &set) in sets.iter().enumerate() {
            // Per plane, the bit all members share, if they share one.
            let shared: [Option<u64>; 2] = std::array::from_fn(|plane| {
                let ones = (0..4u8).filter(|c| set >> c & 1 == 1).map(|c| (c >> plane) & 1);
                let (mut any0, mut any1) = (false, false);
                for b in ones {
                    any0 |= b == 0;
                    any1 |= b == 1;
                }
                (any0 != any1).then_some(if any1 { !0 } else { 0 })
            });
            // The codes with those bits number 4 >> (planes fixed); the set
            // is exactly them when it is as large.
            let fixed = shared.iter().flatten().count();
            if set.count_ones() == 4 >> fixed {
                for (plane, bit) in shared.iter().enumerate() {
                    if let Some(b) = *bit {
                        t.planes[plane].push((j, b));
                    }
                }
            } else {
                t.mixed.push(j);
            }
        }
        t
    }
}

/// Matches found in one block: (pattern, stream line, bit i of word w = the
/// window starting at 512 line + 64 w + i).
pub(crate) type Hits = Vec<(u32, u64, [u64; 8])>;

type Kernel = fn(&Plan<'_>, &Group, &BlockView<'_>, &mut Hits);

/// A kernel as handed out by [`kernel_for`]: the function, whether it is
/// specialised for the group's k, and the path it runs on.
type Chosen = (Kernel, bool, CpuPath);

/// A scan prepared for one file and one set of patterns.
pub(crate) struct Plan<'r> {
    groups: Vec<Group>,
    ks: Vec<usize>,
    kernels: Vec<Chosen>,
    /// The exact patterns of lengths that have many (SPEC §14, see
    /// [`super::hashed`]), which the hash tables scan instead of kernels.
    hashed: Option<Hashed>,
    stream_len: u64,
    block_count: u64,
    line_count: u64,
    lines_per_block: u64,
    summary: Option<&'r [u8]>,
}

impl<'r> Plan<'r> {
    pub fn new(reader: &'r Reader, pats: &Patterns, options: &ScanOptions) -> Result<Plan<'r>> {
        let patterns = &pats.codes;
        let path = match options.cpu_path {
            Some(p) if !p.is_available() => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!("the {} path needs CPU features this machine lacks", p.name()),
                ))
            }
            Some(p) => p,
            None => CpuPath::best(),
        };
        let (stream_len, block_bases, block_count) = reader
            .index_header()
            .map_or((0, 512, 0), |h| (h.stream_len, h.block_bases as u64, h.block_count));
        // Open checked B is a positive multiple of 512.
        let lines_per_block = (block_bases / 512).max(1);
        // Group patterns by kind (exact, or IUPAC / mismatches) and length,
        // two at a time.
        let mismatches = options.mismatches();
        let fuzzy = |p: usize| mismatches > 0 || pats.sets[p].iter().any(|s| s.count_ones() > 1);
        // Lengths with many exact patterns go to the hash tables.
        let mut per_k = std::collections::HashMap::<usize, usize>::new();
        for p in (0..patterns.len()).filter(|&p| !fuzzy(p)) {
            *per_k.entry(patterns[p].len()).or_default() += 1;
        }
        let to_hash = |p: usize| {
            let k = patterns[p].len();
            !fuzzy(p) && k <= HASH_MAX_K && per_k.get(&k).is_some_and(|&n| n >= options.hash_from())
        };
        let hashed_pats: Vec<usize> = (0..patterns.len()).filter(|&p| to_hash(p)).collect();
        let hashed = (!hashed_pats.is_empty()).then(|| Hashed::new(pats, &hashed_pats));
        let mut order: Vec<usize> = (0..patterns.len()).filter(|&p| !to_hash(p)).collect();
        order.sort_by_key(|&p| (fuzzy(p), patterns[p].len(), p));
        let mut groups: Vec<Group> = Vec::new();
        for p in order {
            let k = patterns[p].len();
            match groups.last_mut() {
                Some(g) if g.k == k && g.pats.len() < 2 && g.sets.is_some() == fuzzy(p) => g.pats.push(p),
                _ => groups.push(Group {
                    k,
                    pats: vec![p],
                    bits: Vec::new(),
                    masks: Vec::new(),
                    sets: fuzzy(p).then(Vec::new),
                    mismatches,
                }),
            }
        }
        for g in &mut groups {
            for &p in &g.pats {
                let mut bits = [[0u64; MAX_K / 64]; 2];
                let mut masks = [[0u64; 64]; 2];
                for (j, &c) in patterns[p].iter().enumerate() {
                    for (plane, b) in bits.iter_mut().enumerate() {
                        let bit = (c >> plane) as u64 & 1;
                        b[j / 64] |= bit << (j % 64);
                        if j < 64 {
                            masks[plane][j] = bit.wrapping_neg();
                        }
                    }
                }
                g.bits.push(bits);
                g.masks.push(masks);
                if let Some(sets) = &mut g.sets {
                    sets.push(FuzzyPattern::new(&pats.sets[p]));
                }
            }
        }
        let kernels = groups.iter().map(|g| kernel_for(path, g)).collect();
        Ok(Plan {
            ks: patterns.iter().map(|p| p.len()).collect(),
            groups,
            kernels,
            hashed,
            stream_len,
            block_count,
            line_count: stream_len.div_ceil(512),
            lines_per_block,
            summary: if options.use_summary { reader.summary() } else { None },
        })
    }

    /// The path that runs: the narrowest any group's kernel runs on (a
    /// group with k > 64 runs the scalar kernel whatever path was asked
    /// for).
    pub fn path(&self) -> CpuPath {
        self.kernels.iter().map(|&(_, _, p)| p).min().unwrap_or(CpuPath::Scalar)
    }

    /// How many patterns the hash tables scan.
    pub fn hashed(&self) -> usize {
        self.hashed.as_ref().map_or(0, Hashed::len)
    }

    /// Whether every group runs a kernel specialised for its k (and the
    /// hash tables scan nothing).
    pub fn specialized(&self) -> bool {
        self.hashed.is_none() && self.kernels.iter().all(|&(_, s, _)| s)
    }

    /// Plane lines in the stream: ceil(stream_len / 512).
    pub fn line_count(&self) -> u64 {
        self.line_count
    }

    /// Records the matches of pattern `p` in line `l`, dropping windows that
    /// run past the end of the stream.
    #[inline(always)]
    pub(super) fn emit(&self, hits: &mut Hits, p: usize, l: u64, mut words: [u64; 8]) {
        let k = self.ks[p] as u64;
        let first = l * 512;
        if first + 511 + k > self.stream_len {
            // Valid starts s satisfy s + k <= stream_len.
            let valid = (self.stream_len + 1).saturating_sub(k).saturating_sub(first);
            for (w, word) in words.iter_mut().enumerate() {
                let v = valid.saturating_sub(64 * w as u64);
                if v < 64 {
                    *word &= (1u64 << v) - 1;
                }
            }
        }
        if words.iter().any(|&w| w != 0) {
            hits.push((p as u32, l, words));
        }
    }

    /// Scans the lines `lines`, handing the hits of each view to `sink`.
    fn scan(&self, reader: &Reader, lines: Range<u64>, mut sink: impl FnMut(&Hits)) -> Result<()> {
        let mut hits: Hits = Vec::new();
        self.for_each_view(reader, lines, |view| {
            if let Some(pos) = self.reference_escape(view) {
                return Err(super::reference_escape_error(reader, pos));
            }
            hits.clear();
            for (g, &(kernel, _, _)) in self.groups.iter().zip(&self.kernels) {
                kernel(self, g, view, &mut hits);
            }
            if let Some(h) = &self.hashed {
                h.scan(self, view, &mut hits);
            }
            if !hits.is_empty() {
                sink(&hits);
            }
            Ok(())
        })
    }

    /// Per-pattern totals and, given sequence starts, per-sequence counts
    /// (`[s * patterns + p]`).
    pub fn count(&self, reader: &Reader, starts: Option<&[u64]>) -> Result<(Vec<u64>, Option<Vec<u64>>)> {
        let np = self.ks.len();
        match starts {
            None => {
                // One counter per pattern and rayon task, not per chunk.
                let parts = par_fold_chunks(
                    0..self.line_count,
                    CHUNK_LINES,
                    || vec![0u64; np],
                    |c, r| {
                        self.scan(reader, r, |hits| {
                            for (p, _, words) in hits {
                                c[*p as usize] += words.iter().map(|w| w.count_ones() as u64).sum::<u64>();
                            }
                        })
                    },
                )?;
                let mut totals = vec![0u64; np];
                for c in parts {
                    for (t, x) in totals.iter_mut().zip(c) {
                        *t += x;
                    }
                }
                Ok((totals, None))
            }
            Some(starts) => {
                let nseq = starts.len().saturating_sub(1);
                let parts = par_chunks(0..self.line_count, CHUNK_LINES, |r| {
                    // The sequences whose windows can start in these lines.
                    let (a, b) = (r.start * 512, (r.end * 512).min(self.stream_len));
                    let lo = starts.partition_point(|&x| x <= a).saturating_sub(1);
                    let hi = starts.partition_point(|&x| x < b).max(lo + 1).min(nseq);
                    let mut c = vec![0u64; (hi - lo) * np];
                    self.scan(reader, r, |hits| {
                        for (p, line, words) in hits {
                            for (w, &word) in words.iter().enumerate() {
                                split_by_sequence(starts, line * 512 + 64 * w as u64, word, |s, n| {
                                    // Every window starting here lies in [lo, hi).
                                    if let Some(x) = s.checked_sub(lo).and_then(|d| c.get_mut(d * np + *p as usize)) {
                                        *x += n;
                                    }
                                });
                            }
                        }
                    })?;
                    Ok((lo, c))
                })?;
                let mut per = vec![0u64; nseq * np];
                let mut totals = vec![0u64; np];
                for (lo, c) in parts {
                    for (i, n) in c.into_iter().enumerate() {
                        per[lo * np + i] += n;
                        totals[i % np] += n;
                    }
                }
                Ok((totals, Some(per)))
            }
        }
    }

    /// Every (stream position, pattern) match in plane lines `range`,
    /// sorted.
    pub fn locate(&self, reader: &Reader, range: Range<u64>) -> Result<Vec<(u64, u32)>> {
        let parts = par_chunks(range, CHUNK_LINES, |r| {
            let mut out = Vec::new();
            self.scan(reader, r, |hits| {
                let from = out.len();
                for &(p, line, words) in hits {
                    for (w, &word) in words.iter().enumerate() {
                        let mut bits = word;
                        while bits != 0 {
                            out.push((line * 512 + 64 * w as u64 + bits.trailing_zeros() as u64, p));
                            bits &= bits - 1;
                        }
                    }
                }
                out[from..].sort_unstable();
            })?;
            Ok(out)
        })?;
        Ok(parts.concat())
    }
}

/// Calls `f(sequence, matches)` for the set bits of `word` (windows starting
/// at `base + i`), split at sequence starts (`starts` ends with stream_len).
#[inline]
fn split_by_sequence(starts: &[u64], base: u64, word: u64, mut f: impl FnMut(usize, u64)) {
    let mut bits = word;
    while bits != 0 {
        let pos = base + bits.trailing_zeros() as u64;
        let Some(s) = starts.partition_point(|&x| x <= pos).checked_sub(1) else {
            return;
        };
        let end = starts.get(s + 1).copied().unwrap_or(u64::MAX);
        let take = if end >= base + 64 {
            bits
        } else {
            bits & ((1u64 << (end - base)) - 1)
        };
        f(s, take.count_ones() as u64);
        bits &= !take;
    }
}

/// The kernel for group `g` on `path`: a wide kernel where the path is
/// available on this CPU (checked here, at run time, whatever the caller
/// checked before) and k ≤ 64, else the scalar kernel, which runs anywhere.
/// The third field says which path the kernel runs on.
fn kernel_for(path: CpuPath, g: &Group) -> Chosen {
    #[cfg(target_arch = "x86_64")]
    if g.sets.is_some() {
        if let Some(kernel) = x86::fuzzy_for(path, g) {
            return (kernel, false, path);
        }
    }
    if g.sets.is_some() {
        return (scalar::fuzzy, false, CpuPath::Scalar);
    }
    #[cfg(target_arch = "x86_64")]
    if let Some((kernel, specialized)) = x86::kernel_for(path, g) {
        return (kernel, specialized, path);
    }
    let _ = path;
    (scalar::group, false, CpuPath::Scalar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_by_sequence_splits_at_starts() {
        let starts = [0u64, 10, 70, 200];
        let mut got = Vec::new();
        split_by_sequence(&starts, 64, u64::MAX, |s, n| got.push((s, n)));
        assert_eq!(got, [(1, 6), (2, 58)]);
        got.clear();
        split_by_sequence(&starts, 0, (1 << 9) | (1 << 10) | (1 << 11), |s, n| got.push((s, n)));
        assert_eq!(got, [(0, 1), (1, 2)]);
    }

    #[test]
    fn specialized_list_matches_the_kernels() {
        // kernel_for's literal lists must be SPECIALIZED_K.
        for path in CpuPath::ALL
            .into_iter()
            .filter(|p| p.is_available() && *p != CpuPath::Scalar)
        {
            for k in 1..=64 {
                for np in 1..=2 {
                    let g = Group {
                        k,
                        pats: (0..np).collect(),
                        bits: vec![[[0; MAX_K / 64]; 2]; np],
                        masks: vec![[[0; 64]; 2]; np],
                        sets: None,
                        mismatches: 0,
                    };
                    let (_, specialized, ran) = kernel_for(path, &g);
                    assert_eq!(ran, path, "{path:?} k={k}");
                    assert_eq!(specialized, SPECIALIZED_K.contains(&k), "{path:?} k={k}");
                }
            }
        }
    }

    fn group(k: usize) -> Group {
        Group {
            k,
            pats: vec![0],
            bits: vec![[[0; MAX_K / 64]; 2]],
            masks: vec![[[0; 64]; 2]],
            sets: None,
            mismatches: 0,
        }
    }

    #[test]
    fn kernels_fall_back_to_scalar_where_a_path_cannot_run() {
        // A path this CPU lacks, or k > 64, gets the scalar kernel and says
        // so, whatever the caller checked before.
        for path in CpuPath::ALL {
            for k in [1, 21, 64, 65, 512] {
                let (_, specialized, ran) = kernel_for(path, &group(k));
                let wide = path != CpuPath::Scalar && path.is_available() && k <= 64;
                assert_eq!(ran, if wide { path } else { CpuPath::Scalar }, "{path:?} k={k}");
                assert!(wide || !specialized);
            }
        }
    }

    #[test]
    fn fuzzy_groups_run_wide_or_scalar() {
        // IUPAC letters and mismatches have a wide kernel on AVX2 and
        // AVX-512, for k ≤ 64.
        for path in CpuPath::ALL {
            for k in [1, 7, 21, 64, 65] {
                let mut g = group(k);
                g.sets = Some(vec![FuzzyPattern::new(&vec![0b0101; k])]);
                g.mismatches = 1;
                let (_, specialized, ran) = kernel_for(path, &g);
                let wide = path != CpuPath::Scalar && path.is_available() && k <= 64;
                assert_eq!(ran, if wide { path } else { CpuPath::Scalar }, "{path:?} k={k}");
                assert!(!specialized);
            }
        }
    }

    #[test]
    fn positions_split_into_plane_tests_and_set_tests() {
        // Codes: A 0, C 1, G 2, T 3; bit c of a set is code c.
        let (a, c, g, t) = (1u8, 2, 4, 8);
        let sets = [a, c | t, g | t, a | c | g | t, a | t, c | g | t, c | g];
        let p = PatternTests::new(&sets);
        // A: both planes 0. Y = C/T: plane 0 is 1, plane 1 free. K = G/T:
        // plane 1 is 1. N: nothing to test.
        assert_eq!(p.planes[0], [(0, 0), (1, !0)]);
        assert_eq!(p.planes[1], [(0, 0), (2, !0)]);
        // W = A/T, B = C/G/T and S = C/G need both planes at once.
        assert_eq!(p.mixed, [4, 5, 6]);
        // The per-position words say which codes are in the set.
        assert_eq!(set_words(a | t), [!0, 0, 0, !0]);
    }
}
