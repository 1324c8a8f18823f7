//! The scan drivers (SPEC §14): [`count`] and [`Counter`] (CPU plan or
//! GPU), [`locate`] (CPU, in bounded batches, reported in stream order),
//! and what they share: the sequence starts checked against SPEC §6.1
//! \[R1], the error for a reference-escaped position, the query checks,
//! the thread pool and the parallel chunking of blocks.

use rayon::prelude::*;

use super::{cpu, Counts, Device, Match, Patterns, Query, ScanOptions, ScanPath, Strand, MAX_MISMATCHES};
#[cfg(feature = "cuda")]
use super::{gpu, GpuPlanes};
use crate::error::{Error, ErrorKind, Result};
use crate::sequence::Reader;

/// The stream start of every sequence, then `stream_len`: sequence i
/// covers stream positions `[starts[i], starts[i + 1])`, its END included.
///
/// SPEC §6.1 \[R1] is checked exactly, since per-sequence counts and locate
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

pub(super) fn check_queries(queries: &[Query], options: &ScanOptions) -> Result<()> {
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
/// planes are uploaded once (`GpuPlanes`, feature `cuda`) and each count
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
/// `LOCATE_BATCH_POSITIONS` stream positions per thread at a time, so
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

/// Like [`par_chunks`], but folds the chunks each rayon task runs into one
/// accumulator (`init`, then `f` per chunk), and returns those: a few per
/// thread rather than one per chunk. For results as large as one counter
/// per pattern, a fresh one per chunk costs more in page faults than the
/// counting itself.
pub(crate) fn par_fold_chunks<T: Send>(
    blocks: std::ops::Range<u64>,
    chunk: u64,
    init: impl Fn() -> T + Sync + Send,
    f: impl Fn(&mut T, std::ops::Range<u64>) -> Result<()> + Sync + Send,
) -> Result<Vec<T>> {
    let n = (blocks.end - blocks.start).div_ceil(chunk.max(1));
    (0..n)
        .into_par_iter()
        .try_fold(&init, |mut acc, i| {
            let a = blocks.start + i * chunk;
            f(&mut acc, a..(a + chunk).min(blocks.end))?;
            Ok(acc)
        })
        .collect()
}
