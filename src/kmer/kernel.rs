//! The GPU kernel's source and its input, built on the host.
//!
//! [`KernelInput`] feeds the CPU emulation of the kernel in the tests
//! (`kernel_shim.cpp` compiles [`SOURCE`] as C++ and reads
//! [`KernelInput::to_bytes`]); the CUDA path (feature `cuda`) builds the
//! same words with the same functions (`gather_range`,
//! `encode_patterns`, `counts_from_raw`, `grid`), chunk by chunk
//! straight into pinned upload buffers, so both check the same host code.
//!
//! The planes are gathered from the blocks (each block's checksum checked
//! after it is copied, [`Reader::recheck_block`], when the reader verifies)
//! into three contiguous stream bit arrays: every block but the last
//! holds exactly B positions, a multiple of 512, so the blocks' planes laid
//! end to end are the stream's planes and a window that crosses a block
//! boundary needs nothing special on the device.

#[cfg(feature = "cuda")]
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

#[cfg(feature = "cuda")]
use super::nvrtc::{self, Target};
use super::{Counts, Patterns, Query, ScanOptions, ScanPath};
use crate::error::{Error, ErrorKind, Result};
use crate::sequence::Reader;

/// The CUDA C++ source of the kernel.
pub const SOURCE: &str = include_str!("kernel.cu");

/// The C++ file that runs [`SOURCE`] on the CPU (tests).
pub const SHIM_SOURCE: &str = include_str!("kernel_shim.cpp");

/// The kernel's entry point.
pub const ENTRY: &str = "tribit_kmer_count";

/// u64 words per pattern: k (and the degenerate flag), 8 words of plane-0
/// bits, 8 of plane-1 bits, then 8 words per base of the positions whose
/// letter allows it.
pub const PATTERN_WORDS: usize = 49;

/// Where a pattern's base sets start, in words.
const SETS_AT: usize = 17;

/// Set in a pattern's first word when a letter stands for several bases.
const DEGENERATE: u64 = 1 << 32;

/// Zero words after each plane, so the kernel may read word w + 8.
pub const PAD_WORDS: usize = 9;

/// Threads per block of a launch.
pub const BLOCK_THREADS: u32 = 256;

/// Everything the kernel reads.
pub struct KernelInput {
    /// Planes 0, 1, 2 of the stream: bit i of word w is the plane's bit of
    /// position 64 w + i; each is `words + PAD_WORDS` long.
    pub planes: [Vec<u64>; 3],
    /// Words of stream: ceil(stream_len / 64).
    pub words: u64,
    /// SPEC §6 stream_len.
    pub stream_len: u64,
    /// [`PATTERN_WORDS`] per pattern.
    pub patterns: Vec<u64>,
    /// Stream start of each sequence, then stream_len.
    pub starts: Vec<u64>,
    queries: Vec<Query>,
    pats: Patterns,
    per_sequence: bool,
    mismatches: u8,
}

impl KernelInput {
    /// Gathers the planes of `reader` and encodes the patterns of
    /// `queries` (both strands as `options` say).
    ///
    /// Checks what the CPU scan checks, with the same errors: every block
    /// (first, before anything is allocated, so that the planes' size,
    /// taken from the header's stream_len, is one the blocks bear out),
    /// the sequence records (SPEC §6.1 \[R1]), and code 6, which is
    /// *unsupported* (SPEC §14, §9) rather than a non-match. The planes
    /// are allocated fallibly: a file too large for memory is an error, not
    /// an abort.
    pub fn new(reader: &Reader, queries: &[Query], options: &ScanOptions) -> Result<KernelInput> {
        super::check_queries(queries, options)?;
        let pats = Patterns::new(queries, options.both_strands);
        let (stream_len, block_bases, block_count) = reader
            .index_header()
            .map_or((0, 512, 0), |h| (h.stream_len, h.block_bases as u64, h.block_count));
        check_blocks(reader, block_count)?;
        let starts = super::sequence_starts(reader)?;
        let words = stream_len.div_ceil(64);
        let padded = usize::try_from(words)
            .ok()
            .and_then(|w| w.checked_add(PAD_WORDS))
            .ok_or_else(|| too_large(stream_len))?;
        let mut planes = [
            zeroed(padded, stream_len)?,
            zeroed(padded, stream_len)?,
            zeroed(padded, stream_len)?,
        ];
        let [q0, q1, q2] = &mut planes;
        let w = words as usize;
        if let Some(pos) = gather_range(
            reader,
            0,
            block_bases,
            stream_len,
            [&mut q0[..w], &mut q1[..w], &mut q2[..w]],
        )? {
            return Err(super::reference_escape_error(reader, pos));
        }
        let patterns = encode_patterns(&pats);
        Ok(KernelInput {
            planes,
            words,
            stream_len,
            patterns,
            starts,
            queries: queries.to_vec(),
            pats,
            per_sequence: options.per_sequence,
            mismatches: options.mismatches(),
        })
    }

    /// Number of distinct patterns.
    pub fn pattern_count(&self) -> usize {
        self.pats.codes.len()
    }

    /// Number of sequences.
    pub fn sequence_count(&self) -> usize {
        self.starts.len() - 1
    }

    /// Whether the kernel counts per sequence (sequences × patterns) or
    /// only per pattern.
    pub fn per_sequence(&self) -> bool {
        self.per_sequence
    }

    /// Length of the kernel's output: sequences × patterns when counting
    /// per sequence, else patterns.
    pub fn counts_len(&self) -> usize {
        if self.per_sequence {
            self.sequence_count() * self.pattern_count()
        } else {
            self.pattern_count()
        }
    }

    /// The launch grid (blocks of [`BLOCK_THREADS`]), enough for one word
    /// per thread up to a cap; the kernel loops over the rest.
    pub fn grid(&self) -> u32 {
        grid(self.words)
    }

    /// The input as `kernel_shim.cpp` reads it, with the launch geometry
    /// `grid` × `block`.
    pub fn to_bytes(&self, grid: u32, block: u32) -> Vec<u8> {
        let mut out = b"TBKERNEL".to_vec();
        let head = [
            self.words,
            self.stream_len,
            self.pattern_count() as u64,
            self.sequence_count() as u64,
            grid as u64,
            block as u64,
            self.per_sequence as u64,
            self.mismatches as u64,
        ];
        let all = head
            .iter()
            .chain(self.planes.iter().flatten())
            .chain(&self.patterns)
            .chain(&self.starts);
        for w in all {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// Turns the kernel's output (`counts_len()` words) into [`Counts`].
    pub fn counts(&self, raw: &[u64], path: ScanPath) -> Counts {
        counts_from_raw(
            &self.pats,
            &self.queries,
            raw,
            self.per_sequence,
            self.sequence_count(),
            path,
            self.stream_len,
        )
    }
}

/// Every block's planes readable (checked before anything is allocated,
/// so that the planes' size, taken from the header's stream_len, is one
/// the blocks bear out); the first bad block in order, so the error does
/// not depend on the thread count.
pub(crate) fn check_blocks(reader: &Reader, block_count: u64) -> Result<()> {
    match (0..block_count)
        .into_par_iter()
        .find_map_first(|b| reader.block_planes_unchecked(b).err())
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The launch grid for `words` words of stream (blocks of
/// [`BLOCK_THREADS`]): one word per thread up to a cap; the kernel's
/// grid-stride loop covers the rest.
pub(crate) fn grid(words: u64) -> u32 {
    words.div_ceil(BLOCK_THREADS as u64).clamp(1, 1 << 20) as u32
}

/// Words per upload chunk: whole blocks of `per_block` words, about
/// `target` words, never more than the stream rounded up to a block.
#[cfg(any(feature = "cuda", test))]
pub(crate) fn chunk_words(per_block: usize, target: usize, words: usize) -> usize {
    let per_block = per_block.max(1);
    let whole = words.div_ceil(per_block).max(1) * per_block;
    (target.div_ceil(per_block).max(1) * per_block).min(whole)
}

/// Gathers the blocks from `first_block` on into `dst` (one slice per
/// plane, as many words as the range holds: whole blocks, the last one
/// possibly cut at the end of the stream), in parallel, with
/// [`gather_block`]'s checks; returns the first reference-escaped position
/// in stream order, and the first failing block's error in block order
/// (whatever the thread count).
pub(crate) fn gather_range(
    reader: &Reader,
    first_block: u64,
    block_bases: u64,
    stream_len: u64,
    dst: [&mut [u64]; 3],
) -> Result<Option<u64>> {
    // Block b's planes are words [b B/64, (b + 1) B/64) of the stream's.
    let per_block = (block_bases / 64).max(1) as usize;
    let [q0, q1, q2] = dst;
    let escapes: Vec<Option<u64>> = q0
        .par_chunks_mut(per_block)
        .zip(q1.par_chunks_mut(per_block))
        .zip(q2.par_chunks_mut(per_block))
        .enumerate()
        .map(|(i, ((d0, d1), d2))| gather_block(reader, first_block + i as u64, block_bases, stream_len, [d0, d1, d2]))
        .collect::<Vec<Result<Option<u64>>>>()
        .into_iter()
        .collect::<Result<_>>()?;
    Ok(escapes.into_iter().flatten().next())
}

/// Copies block `b`'s three planes into `dst` (the stream's words from the
/// block's first on, one slice per plane), checks the block's checksum
/// after the copy (when the reader verifies: what was copied is what the
/// checksum covered, even if the file changes meanwhile), and returns the
/// first reference-escaped stream position in the block, if any.
pub(crate) fn gather_block(
    reader: &Reader,
    b: u64,
    block_bases: u64,
    stream_len: u64,
    dst: [&mut [u64]; 3],
) -> Result<Option<u64>> {
    let src = reader.block_planes_unchecked(b)?;
    let [d0, d1, d2] = dst;
    for (dst, src) in [&mut *d0, &mut *d1, &mut *d2].into_iter().zip(src.planes()) {
        for (d, s) in dst.iter_mut().zip(src.chunks_exact(8)) {
            *d = u64::from_le_bytes(s.try_into().unwrap_or([0; 8]));
        }
    }
    reader.recheck_block(b)?;
    // SPEC §4: code 6 is p2 p1 p0 = 110. Positions past the end of the
    // stream are padding (SPEC §5 [B1]), not codes.
    let first = b * block_bases;
    Ok(d0
        .iter()
        .zip(d1.iter())
        .zip(d2.iter())
        .enumerate()
        .find_map(|(i, ((&x0, &x1), &x2))| {
            let at = first + 64 * i as u64;
            let e = x2 & x1 & !x0 & in_stream(at, stream_len);
            (e != 0).then(|| at + e.trailing_zeros() as u64)
        }))
}

/// The patterns as the kernel reads them, [`PATTERN_WORDS`] each: the
/// exact bits (for exact patterns without mismatches) and the base sets of
/// every letter (bit c of a set is code c, [`Query::sets`]).
pub(crate) fn encode_patterns(pats: &Patterns) -> Vec<u64> {
    let mut patterns = Vec::with_capacity(pats.codes.len() * PATTERN_WORDS);
    for (codes, sets) in pats.codes.iter().zip(&pats.sets) {
        let mut w = [0u64; PATTERN_WORDS];
        w[0] = codes.len() as u64;
        for (j, (&c, &set)) in codes.iter().zip(sets).enumerate() {
            let bit = 1u64 << (j % 64);
            if c & 1 != 0 {
                w[1 + j / 64] |= bit;
            }
            if c & 2 != 0 {
                w[9 + j / 64] |= bit;
            }
            if set.count_ones() != 1 {
                w[0] |= DEGENERATE;
            }
            for base in 0..4 {
                if set >> base & 1 != 0 {
                    w[SETS_AT + 8 * base + j / 64] |= bit;
                }
            }
        }
        patterns.extend_from_slice(&w);
    }
    patterns
}

/// Turns a kernel's output (per pattern, or per sequence and pattern)
/// into [`Counts`].
pub(crate) fn counts_from_raw(
    pats: &Patterns,
    queries: &[Query],
    raw: &[u64],
    per_sequence: bool,
    nseq: usize,
    path: ScanPath,
    stream_len: u64,
) -> Counts {
    let np = pats.codes.len();
    let mut totals = vec![0u64; np];
    let len = if per_sequence { nseq * np } else { np };
    for (i, &c) in raw.iter().enumerate().take(len) {
        totals[i % np] += c;
    }
    let per = per_sequence.then_some((raw, nseq));
    Counts {
        kmers: pats.counts(queries, &totals, per),
        path,
        specialized: false,
        hashed: 0,
        positions: stream_len,
    }
}

fn too_large(stream_len: u64) -> Error {
    Error::new(
        ErrorKind::Io,
        format!("cannot allocate the planes of a {stream_len}-position stream for the GPU"),
    )
}

/// `n` zero words, or an error when memory cannot hold them.
fn zeroed(n: usize, stream_len: u64) -> Result<Vec<u64>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| too_large(stream_len))?;
    v.resize(n, 0);
    Ok(v)
}

/// The positions `at .. at + 64` that lie in a stream of `stream_len`, as a
/// mask.
fn in_stream(at: u64, stream_len: u64) -> u64 {
    match stream_len.saturating_sub(at) {
        0 => 0,
        n if n < 64 => (1u64 << n) - 1,
        _ => !0,
    }
}

/// NVRTC compilations of the kernel in this process (for tests).
#[cfg(feature = "cuda")]
pub(super) static COMPILES: AtomicUsize = AtomicUsize::new(0);

/// Compiles [`SOURCE`] to PTX with NVRTC for the highest architecture it
/// supports (feature `cuda`; needs libnvrtc of CUDA 12 or 13).
#[cfg(feature = "cuda")]
pub fn compile_ptx() -> std::result::Result<String, String> {
    let n = nvrtc::load()?;
    let top = n
        .supported_archs()?
        .into_iter()
        .max()
        .ok_or("NVRTC supports no architecture")?;
    COMPILES.fetch_add(1, Ordering::Relaxed);
    let ptx = n.compile(SOURCE, "tribit_kmer.cu", Target::Ptx(top))?;
    Ok(String::from_utf8_lossy(&ptx).trim_end_matches('\0').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_chunks_are_whole_blocks_and_never_longer_than_the_stream() {
        assert_eq!(chunk_words(16, 100, 1000), 112);
        assert_eq!(chunk_words(16, 100, 50), 64);
        assert_eq!(chunk_words(16, 1, 1000), 16);
        assert_eq!(chunk_words(16, 100, 0), 16);
        assert_eq!(chunk_words(0, 5, 3), 3);
    }

    /// Gathering in chunks of any whole number of blocks gives the words
    /// of one whole gather: the upload's chunking cannot change the planes.
    #[test]
    fn a_chunked_gather_equals_the_whole_one() {
        let mut w = crate::WriterBuilder::default()
            .set_block_bases(512)
            .build(std::io::Cursor::new(Vec::new()))
            .unwrap();
        let mut rng = crate::testing::Lcg(7);
        for i in 0..4 {
            let s: Vec<u8> = (0..700 + 900 * i)
                .map(|_| b"ACGTNacgtRY"[rng.below(11) as usize])
                .collect();
            w.add_sequence(format!("s{i}").as_bytes(), &s, 60).unwrap();
        }
        let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
        let q = [Query::new("ACG").unwrap()];
        let whole = KernelInput::new(&r, &q, &ScanOptions::default()).unwrap();
        let h = r.index_header().unwrap();
        let words = whole.words as usize;
        let per_block = (h.block_bases / 64) as usize;
        for target in [1, 8, 17, 1000] {
            let cw = chunk_words(per_block, target, words);
            let mut got = [vec![0u64; words], vec![0u64; words], vec![0u64; words]];
            for lo in (0..words).step_by(cw) {
                let hi = (lo + cw).min(words);
                let [a, b, c] = &mut got;
                let e = gather_range(
                    &r,
                    (lo / per_block) as u64,
                    h.block_bases as u64,
                    h.stream_len,
                    [&mut a[lo..hi], &mut b[lo..hi], &mut c[lo..hi]],
                )
                .unwrap();
                assert_eq!(e, None);
            }
            for (p, (got, want)) in got.iter().zip(&whole.planes).enumerate() {
                assert_eq!(got[..], want[..words], "plane {p}, chunk {cw} words");
            }
        }
    }
}
