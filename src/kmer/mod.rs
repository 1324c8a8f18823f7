//! SPEC §14 "k-mer scan semantics": count and locate k-mers over every
//! sequence of a file, on the CPU (rayon over blocks, bit-parallel over the
//! bit-planes) or, with the `cuda` feature, on an NVIDIA GPU.
//!
//! The semantics are the same on every device and every path:
//!
//! - every occurrence counts, overlapping ones included;
//! - forward strand by default; with both strands the reverse complement is
//!   counted too, and a palindrome (a k-mer equal to its reverse complement)
//!   counts once per position;
//! - case is ignored (soft masking does not matter);
//! - a window that contains N, an end of sequence or an exception code never
//!   matches, so matches never span two sequences;
//! - query letters are `A C G T` (either case); anything else is an error;
//! - a reference-escaped position (code 6, SPEC §9) is scanned as the base
//!   it stands for: the reader resolves each block of a file with
//!   REFERENCES before a scan sees it; in a file without REFERENCES code 6
//!   is *unsupported*: the scan is refused, on every path, rather than
//!   counted as a non-match.
//!
//! ```
//! use std::io::Cursor;
//! use tribit::kmer::{self, Query, ScanOptions};
//! use tribit::{Reader, WriterBuilder};
//!
//! let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
//! w.add_sequence(b"s1", b"ACGTacgtNACGT", 60).unwrap();
//! w.add_sequence(b"s2", b"TTACG", 60).unwrap();
//! let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
//!
//! let q = [Query::new("acg").unwrap()];
//! let counts = kmer::count(&r, &q, &ScanOptions::default()).unwrap();
//! assert_eq!(counts.kmers[0].total(), 4);
//!
//! // Both strands: CGT is the reverse complement of ACG.
//! let both = ScanOptions::default().set_both_strands(true);
//! let counts = kmer::count(&r, &q, &both).unwrap();
//! assert_eq!((counts.kmers[0].forward, counts.kmers[0].reverse), (4, 3));
//!
//! let mut hits = Vec::new();
//! kmer::locate(&r, &q, &ScanOptions::default(), |m| {
//!     hits.push((m.sequence, m.start));
//!     Ok(())
//! })
//! .unwrap();
//! assert_eq!(hits, [(0, 0), (0, 4), (0, 9), (1, 2)]);
//! ```
//!
//! The module's parts: `query` (the k-mers asked for and the distinct
//! patterns a scan looks for), `options` (how to scan), `results` (counts
//! and matches), `scan` (the [`count`] and [`locate`] drivers over the CPU
//! plan or the GPU); the scan kernels themselves live in `cpu`, `hashed`
//! and, with the `cuda` feature, `gpu`; `naive` is their oracle.

mod cpu;
#[cfg(feature = "cuda")]
mod gpu;
mod hashed;
pub mod kernel;
pub mod naive;
#[cfg(feature = "cuda")]
mod nvrtc;
#[cfg(feature = "cuda")]
pub use gpu::GpuPlanes;
mod options;
mod query;
mod results;
mod scan;

pub use cpu::{CpuPath, SPECIALIZED_K};
pub use hashed::{HASH_FROM, HASH_MAX_K};
pub use options::{Device, ScanOptions, ScanPath};
pub(crate) use query::Patterns;
pub use query::Query;
pub use results::{Counts, KmerCount, Match, Strand, StrandCounts};
use scan::check_queries;
pub use scan::{count, locate, Counter};
pub(crate) use scan::{par_chunks, par_fold_chunks, reference_escape_error, sequence_starts};

/// The longest k-mer a scan accepts. Any k up to here uses the same exact
/// bit-parallel scan; k ≤ 64 also has wide-register paths.
pub const MAX_K: usize = 512;

/// The largest number of mismatches a scan accepts (SPEC §14).
pub const MAX_MISMATCHES: u8 = 3;

/// Whether a GPU scan can run here, or why not: the `cuda` feature, the
/// CUDA driver library, NVRTC and a device are all needed.
pub fn gpu_available() -> std::result::Result<String, String> {
    #[cfg(feature = "cuda")]
    {
        gpu::probe()
    }
    #[cfg(not(feature = "cuda"))]
    {
        Err("this tribit was built without the `cuda` feature".to_string())
    }
}

/// Whether `TRIBIT_REQUIRE_GPU` asks that GPU tests run rather than skip
/// (set and neither empty nor `0`).
pub fn gpu_required() -> bool {
    std::env::var_os("TRIBIT_REQUIRE_GPU").is_some_and(|v| !v.is_empty() && v != "0")
}

/// For GPU tests that cannot run here: prints why and returns, or, when
/// [`gpu_required`], panics with the reason, so a test run that was meant
/// to use the GPU can never pass without it.
#[doc(hidden)]
pub fn skip_unless_gpu_required(why: &str) {
    if gpu_required() {
        panic!("TRIBIT_REQUIRE_GPU is set, but this GPU test cannot run: {why}");
    }
    println!("skipped: {why}");
}
