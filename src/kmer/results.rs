//! What a scan returns: the [`Counts`] of [`count`](super::count) per
//! query and strand (optionally per sequence), and each [`Match`] that
//! [`locate`](super::locate) reports.

use super::{Query, ScanPath};

/// Forward and reverse-strand counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StrandCounts {
    /// Positions where the k-mer itself starts.
    pub forward: u64,
    /// Positions where its reverse complement starts (both strands only; 0
    /// for a palindrome, which the forward count already holds).
    pub reverse: u64,
}

impl StrandCounts {
    /// forward + reverse.
    pub fn total(&self) -> u64 {
        self.forward + self.reverse
    }
}

/// The counts of one query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmerCount {
    /// The query.
    pub query: Query,
    /// Positions where the k-mer starts.
    pub forward: u64,
    /// Positions where its reverse complement starts (both strands, and not
    /// a palindrome), else 0.
    pub reverse: u64,
    /// Per sequence, in file order (empty unless asked for).
    pub per_sequence: Vec<StrandCounts>,
}

impl KmerCount {
    /// forward + reverse: the number of matching (position, strand) pairs,
    /// a palindrome counted once per position.
    pub fn total(&self) -> u64 {
        self.forward + self.reverse
    }
}

/// The result of [`count`](super::count).
#[derive(Clone, Debug)]
pub struct Counts {
    /// One entry per query, in the order given.
    pub kmers: Vec<KmerCount>,
    /// The code path that ran: on the CPU, the narrowest path any k-mer
    /// length's kernel ran on (k > 64 always runs [`CpuPath::Scalar`](super::CpuPath::Scalar),
    /// whatever path was asked for; the hash tables are portable code, so
    /// when they scan every pattern the path is [`CpuPath::Scalar`](super::CpuPath::Scalar) too).
    pub path: ScanPath,
    /// Whether the CPU path ran a kernel specialised for this k (a
    /// compile-time constant) rather than the general one.
    pub specialized: bool,
    /// How many distinct patterns (a k-mer, or its reverse complement) the
    /// CPU's hash tables scanned ([`ScanOptions::set_hash_from`](super::ScanOptions::set_hash_from)); 0 on the
    /// GPU.
    pub hashed: usize,
    /// Stream positions scanned (SPEC §4: bases plus one END per sequence).
    pub positions: u64,
}

/// Which strand a match is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strand {
    /// The k-mer itself.
    Forward,
    /// Its reverse complement.
    Reverse,
}

impl Strand {
    /// `+` or `-`, as BED writes it.
    pub fn symbol(&self) -> char {
        match self {
            Strand::Forward => '+',
            Strand::Reverse => '-',
        }
    }
}

/// One occurrence found by [`locate`](super::locate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Match {
    /// Index of the sequence in the file.
    pub sequence: usize,
    /// 0-based start in the sequence; the match covers `[start, start + k)`.
    pub start: u64,
    /// Index of the query in the slice given.
    pub query: usize,
    /// The strand; a palindrome is reported once, as [`Strand::Forward`].
    pub strand: Strand,
}
