//! How to scan: [`ScanOptions`] (strands, threads, device, mismatches,
//! the CPU path and the hash-table threshold), [`Device`], and the
//! [`ScanPath`] that ran.

use std::fmt;

use super::{CpuPath, HASH_FROM};

/// Where a scan runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Device {
    /// Rayon threads over blocks, the widest vector path the CPU has.
    #[default]
    Cpu,
    /// An NVIDIA GPU through CUDA (the `cuda` feature); counts only.
    Gpu,
}

/// The code path that ran a scan, for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanPath {
    /// A CPU path.
    Cpu(CpuPath),
    /// The CUDA kernel.
    Gpu,
}

impl fmt::Display for ScanPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanPath::Cpu(p) => f.write_str(p.name()),
            ScanPath::Gpu => f.write_str("gpu"),
        }
    }
}

/// How to scan. Build with [`ScanOptions::default`] and the `set_*` methods.
///
/// Block checksums are checked as the [`Reader`](crate::sequence::Reader) is set to
/// ([`Reader::set_verify_blocks`](crate::sequence::Reader::set_verify_blocks), on by default, SPEC §5.1): on every
/// scan, each block right after the scan has read it
/// ([`Reader::recheck_block`](crate::sequence::Reader::recheck_block)), so a file rewritten in place meanwhile
/// fails the scan rather than being counted. Checking reads all three
/// planes, which costs more than a scan for a long k-mer (that reads plane
/// 0 almost alone). Switch it off on the reader for files already validated
/// and never rewritten in place.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub(super) both_strands: bool,
    pub(super) threads: Option<usize>,
    pub(super) device: Device,
    pub(super) per_sequence: bool,
    pub(super) use_summary: bool,
    pub(super) cpu_path: Option<CpuPath>,
    pub(super) mismatches: u8,
    pub(super) hash_from: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            both_strands: false,
            threads: None,
            device: Device::Cpu,
            per_sequence: false,
            use_summary: true,
            cpu_path: None,
            mismatches: 0,
            hash_from: HASH_FROM,
        }
    }
}

impl ScanOptions {
    /// Counts the reverse complement too (a palindrome once per position).
    pub fn set_both_strands(mut self, on: bool) -> Self {
        self.both_strands = on;
        self
    }

    /// Number of worker threads (default: rayon's global pool, one per core).
    pub fn set_threads(mut self, n: Option<usize>) -> Self {
        self.threads = n;
        self
    }

    /// Windows with up to `m` positions that differ from the pattern match
    /// too (Hamming distance, SPEC §14); at most [`MAX_MISMATCHES`](super::MAX_MISMATCHES), which
    /// the scan checks.
    pub fn set_mismatches(mut self, m: u8) -> Self {
        self.mismatches = m;
        self
    }

    /// The mismatches allowed.
    pub fn mismatches(&self) -> u8 {
        self.mismatches
    }

    /// CPU or GPU.
    pub fn set_device(mut self, device: Device) -> Self {
        self.device = device;
        self
    }

    /// Counts per sequence as well as in total.
    pub fn set_per_sequence(mut self, on: bool) -> Self {
        self.per_sequence = on;
        self
    }

    /// Whether to use the NONACGT summary (SPEC §5.2) to skip plane 2 of
    /// lines that hold only A, C, G and T (on by default; without it, plane 2
    /// is read wherever a candidate survives planes 0 and 1).
    pub fn set_use_summary(mut self, on: bool) -> Self {
        self.use_summary = on;
        self
    }

    /// Forces a CPU path (default: the widest this CPU supports). Asking for
    /// a path the CPU lacks is an [`ErrorKind::Unsupported`](crate::error::ErrorKind::Unsupported) error.
    pub fn set_cpu_path(mut self, path: Option<CpuPath>) -> Self {
        self.cpu_path = path;
        self
    }

    /// From how many exact patterns of one length k ≤ [`HASH_MAX_K`](super::HASH_MAX_K) on
    /// the CPU scans them with hash tables, one pass whatever their number,
    /// rather than with the bit-parallel kernels, whose cost grows with each
    /// pattern (default [`HASH_FROM`]; reverse complements count as
    /// patterns). The answers are the same either way; 1 hashes every exact
    /// pattern, `usize::MAX` none.
    pub fn set_hash_from(mut self, n: usize) -> Self {
        self.hash_from = n.max(1);
        self
    }

    /// See [`ScanOptions::set_hash_from`].
    pub fn hash_from(&self) -> usize {
        self.hash_from
    }

    /// Whether both strands are counted.
    pub fn both_strands(&self) -> bool {
        self.both_strands
    }

    /// The device.
    pub fn device(&self) -> Device {
        self.device
    }
}
