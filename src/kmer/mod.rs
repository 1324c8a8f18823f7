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

use std::collections::HashMap;
use std::fmt;

use rayon::prelude::*;

use crate::error::{Error, ErrorKind, Result};
use crate::sequence::Reader;

pub use cpu::{CpuPath, SPECIALIZED_K};
pub use hashed::{HASH_FROM, HASH_MAX_K};

/// The longest k-mer a scan accepts. Any k up to here uses the same exact
/// bit-parallel scan; k ≤ 64 also has wide-register paths.
pub const MAX_K: usize = 512;

/// The largest number of mismatches a scan accepts (SPEC §14).
pub const MAX_MISMATCHES: u8 = 3;

/// The bases a pattern letter stands for, as a mask (bit c for code c:
/// A 1, C 2, G 4, T 8): `A C G T` and the IUPAC codes (SPEC §14).
fn letter_set(ch: char) -> Option<u8> {
    Some(match ch.to_ascii_uppercase() {
        'A' => 0b0001,
        'C' => 0b0010,
        'G' => 0b0100,
        'T' => 0b1000,
        'M' => 0b0011,
        'R' => 0b0101,
        'W' => 0b1001,
        'S' => 0b0110,
        'Y' => 0b1010,
        'K' => 0b1100,
        'V' => 0b0111,
        'H' => 0b1011,
        'D' => 0b1101,
        'B' => 0b1110,
        'N' => 0b1111,
        _ => return None,
    })
}

/// The letter of a base set (the inverse of `letter_set`).
fn set_letter(set: u8) -> char {
    b"?ACMGRSVTWYHKDBN"[set as usize & 15] as char
}

/// The set of the complements: A↔T, C↔G (code XOR 3) reverses the mask's
/// four bits.
fn complement_set(set: u8) -> u8 {
    ((set & 1) << 3) | ((set & 2) << 1) | ((set & 4) >> 1) | ((set & 8) >> 3)
}

/// A k-mer to look for: 1 to [`MAX_K`] letters `A C G T`, or IUPAC codes
/// that stand for several bases (`R Y S W K M B D H V N`), either case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Query {
    text: String,
    codes: Vec<u8>,
    sets: Vec<u8>,
}

impl Query {
    /// Checks and stores a k-mer. Letters other than `A C G T` and the
    /// IUPAC codes (in either case) are an [`ErrorKind::Input`] error
    /// naming the letter.
    ///
    /// ```
    /// use tribit::kmer::Query;
    /// assert_eq!(Query::new("acgT").unwrap().as_str(), "ACGT");
    /// assert!(Query::new("TATAWAW").unwrap().is_degenerate());
    /// assert!(Query::new("ACUT").is_err());
    /// ```
    pub fn new(kmer: &str) -> Result<Query> {
        if kmer.is_empty() {
            return Err(Error::input("empty k-mer: give 1 or more letters A, C, G, T"));
        }
        let mut sets = Vec::with_capacity(kmer.len());
        for (i, ch) in kmer.chars().enumerate() {
            match letter_set(ch) {
                Some(s) => sets.push(s),
                None => {
                    return Err(Error::input(format!(
                        "k-mer '{kmer}': letter {:?} at position {} is not A, C, G, T or an IUPAC code \
                         (R Y S W K M B D H V N)",
                        ch,
                        i + 1
                    )))
                }
            }
        }
        if sets.len() > MAX_K {
            return Err(Error::input(format!(
                "k-mer of length {} is longer than the maximum {MAX_K}",
                sets.len()
            )));
        }
        Ok(Query::from_sets(sets))
    }

    fn from_sets(sets: Vec<u8>) -> Query {
        Query {
            text: sets.iter().map(|&s| set_letter(s)).collect(),
            codes: sets.iter().map(|&s| s.trailing_zeros() as u8).collect(),
            sets,
        }
    }

    /// The k-mer in uppercase.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Its length k.
    pub fn k(&self) -> usize {
        self.sets.len()
    }

    /// Its codes (SPEC §4: A 0, C 1, G 2, T 3); at a degenerate position,
    /// the lowest code the letter stands for.
    pub fn codes(&self) -> &[u8] {
        &self.codes
    }

    /// The bases each position stands for, as masks (bit c for code c).
    pub fn sets(&self) -> &[u8] {
        &self.sets
    }

    /// Whether a letter stands for more than one base.
    pub fn is_degenerate(&self) -> bool {
        self.sets.iter().any(|s| s.count_ones() > 1)
    }

    /// The reverse complement.
    ///
    /// ```
    /// use tribit::kmer::Query;
    /// assert_eq!(Query::new("AACG").unwrap().reverse_complement().as_str(), "CGTT");
    /// assert_eq!(Query::new("GRN").unwrap().reverse_complement().as_str(), "NYC");
    /// ```
    pub fn reverse_complement(&self) -> Query {
        // SPEC §4: the complement of an A, C, G or T code is code XOR 3.
        Query::from_sets(self.sets.iter().rev().map(|&s| complement_set(s)).collect())
    }

    /// Whether the k-mer equals its reverse complement (then both strands
    /// count it once per position).
    pub fn is_palindrome(&self) -> bool {
        self.sets
            .iter()
            .zip(self.sets.iter().rev())
            .all(|(&a, &b)| a == complement_set(b))
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

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
/// Block checksums are checked as the [`Reader`] is set to
/// ([`Reader::set_verify_blocks`], on by default, SPEC §5.1): on every
/// scan, each block right after the scan has read it
/// ([`Reader::recheck_block`]), so a file rewritten in place meanwhile
/// fails the scan rather than being counted. Checking reads all three
/// planes, which costs more than a scan for a long k-mer (that reads plane
/// 0 almost alone). Switch it off on the reader for files already validated
/// and never rewritten in place.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    both_strands: bool,
    threads: Option<usize>,
    device: Device,
    per_sequence: bool,
    use_summary: bool,
    cpu_path: Option<CpuPath>,
    mismatches: u8,
    hash_from: usize,
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
    /// too (Hamming distance, SPEC §14); at most [`MAX_MISMATCHES`], which
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
    /// a path the CPU lacks is an [`ErrorKind::Unsupported`] error.
    pub fn set_cpu_path(mut self, path: Option<CpuPath>) -> Self {
        self.cpu_path = path;
        self
    }

    /// From how many exact patterns of one length k ≤ [`HASH_MAX_K`] on
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

/// The result of [`count`].
#[derive(Clone, Debug)]
pub struct Counts {
    /// One entry per query, in the order given.
    pub kmers: Vec<KmerCount>,
    /// The code path that ran: on the CPU, the narrowest path any k-mer
    /// length's kernel ran on (k > 64 always runs [`CpuPath::Scalar`],
    /// whatever path was asked for; the hash tables are portable code, so
    /// when they scan every pattern the path is [`CpuPath::Scalar`] too).
    pub path: ScanPath,
    /// Whether the CPU path ran a kernel specialised for this k (a
    /// compile-time constant) rather than the general one.
    pub specialized: bool,
    /// How many distinct patterns (a k-mer, or its reverse complement) the
    /// CPU's hash tables scanned ([`ScanOptions::set_hash_from`]); 0 on the
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

/// One occurrence found by [`locate`].
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

/// The distinct code strings to scan for, and which query strand each is.
pub(crate) struct Patterns {
    /// Distinct patterns (codes; see [`Query::codes`]).
    pub codes: Vec<Vec<u8>>,
    /// Their base sets (see [`Query::sets`]), which tell them apart.
    pub sets: Vec<Vec<u8>>,
    /// Per query: its forward pattern and, with both strands (not a
    /// palindrome), its reverse-complement pattern.
    pub of_query: Vec<(usize, Option<usize>)>,
}

impl Patterns {
    pub fn new(queries: &[Query], both_strands: bool) -> Patterns {
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let (mut codes, mut sets): (Vec<Vec<u8>>, Vec<Vec<u8>>) = (Vec::new(), Vec::new());
        let mut add = |q: Query| {
            *index.entry(q.sets.clone()).or_insert_with(|| {
                codes.push(q.codes);
                sets.push(q.sets);
                codes.len() - 1
            })
        };
        let mut of_query = Vec::with_capacity(queries.len());
        for q in queries {
            let f = add(q.clone());
            let r = (both_strands && !q.is_palindrome()).then(|| add(q.reverse_complement()));
            of_query.push((f, r));
        }
        Patterns { codes, sets, of_query }
    }

    /// Turns per-pattern totals (and per-pattern-per-sequence counts,
    /// `per_seq[s * patterns + p]`) into per-query counts.
    pub fn counts(&self, queries: &[Query], totals: &[u64], per_seq: Option<(&[u64], usize)>) -> Vec<KmerCount> {
        let np = self.codes.len();
        queries
            .iter()
            .zip(&self.of_query)
            .map(|(q, &(f, r))| KmerCount {
                query: q.clone(),
                forward: totals[f],
                reverse: r.map_or(0, |r| totals[r]),
                per_sequence: per_seq.map_or_else(Vec::new, |(v, nseq)| {
                    (0..nseq)
                        .map(|s| StrandCounts {
                            forward: v[s * np + f],
                            reverse: r.map_or(0, |r| v[s * np + r]),
                        })
                        .collect()
                }),
            })
            .collect()
    }
}

/// The stream start of every sequence, then `stream_len`: sequence i
/// covers stream positions `[starts[i], starts[i + 1])`, its END included.
///
/// SPEC §6.1 [R1] is checked exactly, since per-sequence counts and locate
/// coordinates rest on it: `start_0 = 0`, `start_{i+1} = start_i +
/// length_i + 1`, and the last record ends one END before `stream_len`.
/// A break is a [`ErrorKind::Format`] error at the record (or, for the
/// end, at the index header's stream_len).
pub(crate) fn sequence_starts(reader: &Reader) -> Result<Vec<u64>> {
    use crate::spec::kind::SEQUENCE_INDEX;
    let (stream_len, record_len) = reader
        .index_header()
        .map_or((0, 0), |h| (h.stream_len, h.record_len as u64));
    let index_at = reader.container().find(SEQUENCE_INDEX)?.map_or(0, |e| e.offset);
    let mut starts = Vec::with_capacity(reader.len() + 1);
    let mut want = 0u64;
    for (i, s) in reader.sequences().enumerate() {
        let r = s?.record;
        if r.start != want {
            return Err(Error::format(
                Some(SEQUENCE_INDEX),
                index_at + 64 + i as u64 * record_len,
                format!(
                    "record {i}: start is {}, expected {want}: records lie in stream order with one END \
                     between them (SPEC §6.1 [R1])",
                    r.start
                ),
            ));
        }
        starts.push(r.start);
        // `Reader::sequence` checked start + length < stream_len, so this
        // does not overflow.
        want = r.start + r.length + 1;
    }
    if want != stream_len {
        return Err(Error::format(
            Some(SEQUENCE_INDEX),
            index_at + 8,
            format!(
                "stream_len is {stream_len}, but the records end at {want}: the last record's END is \
                 the last stream position (SPEC §6.1 [R1], §6 [X1])"
            ),
        ));
    }
    starts.push(stream_len);
    Ok(starts)
}

/// SPEC §9 and §14: the *unsupported* error for a reference-escaped
/// position (code 6) at stream position `pos`, naming the sequence and the
/// position in it (the stream position when the records do not say). Every
/// scan path reports code 6 with this error.
pub(crate) fn reference_escape_error(reader: &Reader, pos: u64) -> Error {
    let place = sequence_starts(reader)
        .ok()
        .and_then(|st| {
            let s = st.partition_point(|&x| x <= pos).checked_sub(1)?;
            let seq = reader.sequence(s).ok()?;
            Some(format!("{} position {}", seq.name_str(), pos - st[s]))
        })
        .unwrap_or_else(|| format!("stream position {pos}"));
    Error::new(
        ErrorKind::Unsupported,
        format!("{place} is reference-escaped, which this reader does not implement (SPEC §9)"),
    )
}

fn check_queries(queries: &[Query], options: &ScanOptions) -> Result<()> {
    if queries.is_empty() {
        return Err(Error::input("no k-mer given"));
    }
    if options.mismatches > MAX_MISMATCHES {
        return Err(Error::input(format!(
            "--mismatches {}: at most {MAX_MISMATCHES} are supported",
            options.mismatches
        )));
    }
    Ok(())
}

/// The threads a scan runs on: rayon's global pool, or a pool of the
/// number asked for, built once per scan.
enum Pool {
    Global,
    Own(rayon::ThreadPool),
}

impl Pool {
    fn new(threads: Option<usize>) -> Result<Pool> {
        match threads {
            None => Ok(Pool::Global),
            Some(0) => Err(Error::input("--threads must be at least 1")),
            Some(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map(Pool::Own)
                .map_err(|e| Error::new(ErrorKind::Io, format!("cannot start {n} threads: {e}"))),
        }
    }

    /// Runs `f` on the pool.
    fn install<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        match self {
            Pool::Global => f(),
            Pool::Own(p) => p.install(f),
        }
    }

    /// Its number of threads.
    fn threads(&self) -> usize {
        match self {
            Pool::Global => rayon::current_num_threads(),
            Pool::Own(p) => p.current_num_threads(),
        }
    }
}

/// Stream positions per thread that one locate batch covers (SPEC §5: 2^11
/// plane lines): a batch's matches, at most one per position and pattern,
/// are held in memory before they are sorted and reported.
pub(crate) const LOCATE_BATCH_POSITIONS: u64 = 1 << 20;

/// Counts every query over every sequence (SPEC §14).
///
/// On the CPU, blocks are scanned in parallel and matches that cross a
/// block boundary are found exactly; the counts do not depend on the thread
/// count or the path. On the GPU (`cuda` feature), the same planes are
/// uploaded to the device and the answer is the same; a [`Counter`] keeps
/// them there for many counts.
pub fn count(reader: &Reader, queries: &[Query], options: &ScanOptions) -> Result<Counts> {
    check_queries(queries, options)?;
    Counter::new(reader, options)?.count(queries, options)
}

/// Counts over one file, prepared once for many: on the GPU the file's
/// planes are uploaded once ([`GpuPlanes`], feature `cuda`) and each count
/// is one launch over them; on the CPU nothing needs preparing.
pub struct Counter<'r> {
    reader: &'r Reader,
    #[cfg(feature = "cuda")]
    gpu: Option<GpuPlanes>,
    prepare_seconds: f64,
}

impl<'r> Counter<'r> {
    /// Prepares `reader` for counts on `options`' device.
    pub fn new(reader: &'r Reader, options: &ScanOptions) -> Result<Counter<'r>> {
        let t = std::time::Instant::now();
        #[cfg(feature = "cuda")]
        let gpu = match options.device {
            Device::Gpu => Some(gpu_upload(reader)?),
            Device::Cpu => None,
        };
        #[cfg(not(feature = "cuda"))]
        if options.device == Device::Gpu {
            return Err(no_cuda());
        }
        Ok(Counter {
            reader,
            #[cfg(feature = "cuda")]
            gpu,
            prepare_seconds: t.elapsed().as_secs_f64(),
        })
    }

    /// Seconds [`Counter::new`] took: the upload of the planes on the GPU
    /// (device set-up, block checks and copies), about nothing on the CPU.
    pub fn prepare_seconds(&self) -> f64 {
        self.prepare_seconds
    }

    /// Counts every query over every sequence (SPEC §14), on the device
    /// the counter was prepared for (`options.device` is not looked at
    /// again).
    pub fn count(&self, queries: &[Query], options: &ScanOptions) -> Result<Counts> {
        check_queries(queries, options)?;
        #[cfg(feature = "cuda")]
        if let Some(g) = &self.gpu {
            return g.count(queries, options);
        }
        let reader = self.reader;
        let positions = reader.index_header().map_or(0, |h| h.stream_len);
        let pats = Patterns::new(queries, options.both_strands);
        let plan = cpu::Plan::new(reader, &pats, options)?;
        // Every scan reads every record (SPEC §14), totals only included,
        // so that count and locate give one verdict on a file.
        let all_starts = sequence_starts(reader)?;
        let starts = options.per_sequence.then_some(all_starts);
        let pool = Pool::new(options.threads)?;
        let (totals, per_seq) = pool.install(|| plan.count(reader, starts.as_deref()))?;
        let nseq = starts.as_ref().map_or(0, |s| s.len() - 1);
        let kmers = pats.counts(queries, &totals, per_seq.as_deref().map(|v| (v, nseq)));
        Ok(Counts {
            kmers,
            path: ScanPath::Cpu(plan.path()),
            specialized: plan.specialized(),
            hashed: plan.hashed(),
            positions,
        })
    }
}

#[cfg(feature = "cuda")]
fn gpu_upload(reader: &Reader) -> Result<GpuPlanes> {
    // Probe before reading the planes, so a missing GPU fails fast.
    gpu::probe().map_err(|e| Error::new(ErrorKind::Unsupported, format!("--device gpu: {e}")))?;
    GpuPlanes::upload(reader)
}

#[cfg(not(feature = "cuda"))]
fn no_cuda() -> Error {
    Error::new(
        ErrorKind::Unsupported,
        "--device gpu: this tribit was built without GPU support (rebuild with `--features cuda`)",
    )
}

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

/// Reports every occurrence of the queries, in stream order (sequence,
/// then start), then query order, then strand. `on_match` is called on the
/// calling thread; an error from it stops the scan and is returned.
///
/// Before the first report every block is read (its checksum verified as
/// the reader is set to, reference escapes resolved) and checked for
/// escapes left unresolved (SPEC §14: *unsupported*), so that a file the
/// scan would refuse reports
/// nothing rather than part of its matches; after that only `on_match` can
/// fail. Matches are then found in parallel
/// [`LOCATE_BATCH_POSITIONS`] stream positions per thread at a time, so
/// memory stays bounded however many there are and however large the
/// blocks are. Returns the path that ran. The GPU is not used here: locate
/// always runs on the CPU.
pub fn locate(
    reader: &Reader,
    queries: &[Query],
    options: &ScanOptions,
    mut on_match: impl FnMut(Match) -> Result<()>,
) -> Result<ScanPath> {
    check_queries(queries, options)?;
    if options.device == Device::Gpu {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "locate runs on the CPU only; use --device cpu",
        ));
    }
    let pats = Patterns::new(queries, options.both_strands);
    let plan = cpu::Plan::new(reader, &pats, options)?;
    let starts = sequence_starts(reader)?;
    let pool = Pool::new(options.threads)?;
    pool.install(|| plan.check_reference_escapes(reader))?;
    // Which (query, strand) each pattern stands for, in the report order.
    let mut meaning: Vec<Vec<(usize, Strand)>> = vec![Vec::new(); pats.codes.len()];
    for (qi, &(f, r)) in pats.of_query.iter().enumerate() {
        meaning[f].push((qi, Strand::Forward));
        if let Some(r) = r {
            meaning[r].push((qi, Strand::Reverse));
        }
    }
    let lines = plan.line_count();
    let step = LOCATE_BATCH_POSITIONS / 512 * pool.threads().max(1) as u64;
    let mut seq = 0usize;
    let mut from = 0u64;
    let mut batch: Vec<(u64, usize, Strand)> = Vec::new();
    while from < lines {
        let to = from.saturating_add(step).min(lines);
        let hits = pool.install(|| plan.locate(reader, from..to))?;
        for (pos, p) in hits {
            for &(q, strand) in &meaning[p as usize] {
                batch.push((pos, q, strand));
            }
        }
        batch.sort_unstable();
        for &(pos, query, strand) in &batch {
            while seq + 1 < starts.len() - 1 && starts[seq + 1] <= pos {
                seq += 1;
            }
            on_match(Match {
                sequence: seq,
                // [R1] (checked by sequence_starts): starts[0] = 0 <= pos.
                start: pos - starts[seq],
                query,
                strand,
            })?;
        }
        batch.clear();
        from = to;
    }
    Ok(ScanPath::Cpu(plan.path()))
}

/// Sums per-chunk results in parallel; used by the CPU plan.
pub(crate) fn par_chunks<T: Send>(
    blocks: std::ops::Range<u64>,
    chunk: u64,
    f: impl Fn(std::ops::Range<u64>) -> Result<T> + Sync + Send,
) -> Result<Vec<T>> {
    let n = (blocks.end - blocks.start).div_ceil(chunk.max(1));
    (0..n)
        .into_par_iter()
        .map(|i| {
            let a = blocks.start + i * chunk;
            f(a..(a + chunk).min(blocks.end))
        })
        .collect()
}
