//! `tribit kmer`: count and locate k-mers (SPEC §14).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use super::{write_err, Ctx};
use crate::error::{Error, ErrorKind, Result};
use crate::kmer::{self, CpuPath, Device, Query, ScanOptions};
use crate::sequence::Reader;

/// Count or locate k-mers over every sequence.
///
/// Every occurrence counts, overlapping ones included; case is ignored; a
/// window holding N, an IUPAC code or a sequence end never matches. With
/// --both-strands the reverse complement counts too, and a palindrome once
/// per position.
#[derive(Subcommand, Debug)]
pub enum Kmer {
    /// Count occurrences of one or more k-mers (one pass for all of them).
    Count(CountArgs),
    /// Print every occurrence of one or more k-mers as BED6 (0-based,
    /// half-open; name = the k-mer, or its name in --patterns; strand + or
    /// -).
    ///
    /// Every block is checked (and its checksum, unless --no-verify) before
    /// anything is printed: a reference-escaped position is scanned as the
    /// base its reference holds (SPEC §9; --reference names a moved
    /// reference), and a file with an escape that cannot be resolved is
    /// refused; only an error writing the output can stop it part way.
    Locate(LocateArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum DeviceArg {
    Cpu,
    Gpu,
}

/// Options both subcommands take.
#[derive(Args, Debug)]
struct Common {
    #[command(flatten)]
    refs: super::RefArg,
    /// Count the reverse complement too (a palindrome once per position).
    #[arg(long)]
    both_strands: bool,
    /// Let a window differ from the k-mer in up to M positions (Hamming
    /// distance, 0 to 3; a window with N or an IUPAC code in the genome
    /// still never matches). On the CPU it runs on AVX-512 or AVX2 where
    /// the machine has them, else on the portable path.
    #[arg(short = 'm', long, value_name = "M", default_value_t = 0,
          value_parser = clap::value_parser!(u8).range(0..=3))]
    mismatches: u8,
    /// Worker threads (default: one per core).
    #[arg(short = 't', long, value_name = "N")]
    threads: Option<usize>,
    /// Do not check block checksums (metadata is always checked). Each
    /// block is otherwise checked right after the scan reads it; checking
    /// reads all three planes once, which costs more than the scan itself
    /// for long k-mers.
    #[arg(long)]
    no_verify: bool,
    /// Use this CPU code path instead of the widest available (for tests and
    /// benchmarks).
    #[arg(long, value_name = "scalar|avx2|avx512", hide_short_help = true)]
    cpu_path: Option<String>,
    /// Ignore the NONACGT summary: read plane 2 wherever a candidate
    /// survives (for tests and benchmarks).
    #[arg(long, hide_short_help = true)]
    no_summary: bool,
    /// Scan the exact k-mers (k <= 64) of a length with hash tables, in one
    /// pass however many there are, when there are at least N of that
    /// length (reverse complements included); fewer run the bit-parallel
    /// kernels, one pass each. 1: always; the answers do not change (for
    /// tests and benchmarks).
    #[arg(
        long,
        value_name = "N",
        default_value_t = kmer::HASH_FROM as u64,
        value_parser = clap::value_parser!(u64).range(1..),
        hide_short_help = true
    )]
    hash_from: u64,
}

/// Count occurrences of k-mers.
#[derive(Args, Debug)]
pub struct CountArgs {
    /// The tribit file to scan.
    input: PathBuf,
    /// The k-mers: 1 to 512 letters A, C, G, T, or IUPAC codes that stand
    /// for several bases (R Y S W K M B D H V N: `TATAWAW`, `GGNCC`),
    /// either case.
    #[arg(required_unless_present = "patterns")]
    kmers: Vec<String>,
    /// Read k-mers from FILE as well, one per line: `KMER`, or `NAME` and
    /// `KMER` separated by a tab; blank lines and lines starting with `#`
    /// are skipped. All are counted in one pass (on the GPU, one upload
    /// and one launch). When any has a name, each output line starts with
    /// the name (the k-mer itself where there is none).
    #[arg(long, value_name = "FILE")]
    patterns: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
    /// Where to count: cpu, or gpu (needs a build with the `cuda` feature,
    /// an NVIDIA driver and NVRTC). On the GPU the planes are uploaded once
    /// per process, then each count (each --repeat) is one launch.
    #[arg(long, value_enum, default_value = "cpu")]
    device: DeviceArg,
    /// Print JSON: counts per strand, the code path that ran and timings
    /// (`prepare_seconds`: on the GPU the device set-up, block checks and
    /// upload of the planes; `first_seconds`: the first count after it,
    /// which on the GPU includes building the kernel; `seconds`: the
    /// fastest count).
    /// `path` is `gpu`, or on the CPU the narrowest path any k-mer length
    /// ran on: `scalar`, `avx2` or `avx512` (k > 64 always runs `scalar`,
    /// so a `--cpu-path avx2` scan of a 100-mer reports `scalar`).
    /// `hashed_patterns`: how many distinct patterns (k-mers and reverse
    /// complements) the hash tables scanned (see --hash-from).
    #[arg(long)]
    json: bool,
    /// Count per sequence: one line per sequence and k-mer (name, k-mer,
    /// count).
    #[arg(long)]
    per_sequence: bool,
    /// Say on stderr which code path ran and how long the scan took.
    #[arg(short = 'v', long)]
    verbose: bool,
    /// Scan N times in this process and report the fastest (benchmarks:
    /// the first scan also pays for mapping the file's pages).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        value_parser = clap::value_parser!(u32).range(1..),
        hide_short_help = true
    )]
    repeat: u32,
}

/// Print every occurrence of k-mers as BED.
#[derive(Args, Debug)]
pub struct LocateArgs {
    /// The tribit file to scan.
    input: PathBuf,
    /// The k-mers: letters A, C, G, T, or IUPAC codes (R Y S W K M B D H V
    /// N), either case.
    #[arg(required_unless_present = "patterns")]
    kmers: Vec<String>,
    /// Read k-mers from FILE as well, as `kmer count --patterns` does; the
    /// BED name column holds each one's name (the k-mer where it has none).
    /// Matches are printed in stream order, then in the order the k-mers
    /// were given.
    #[arg(long, value_name = "FILE")]
    patterns: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

fn open(path: &Path, c: &Common) -> Result<Reader> {
    let mut reader = c.refs.open(path)?;
    reader.set_verify_blocks(!c.no_verify);
    Ok(reader)
}

fn options(c: &Common) -> Result<ScanOptions> {
    let path = match &c.cpu_path {
        None => None,
        Some(name) => Some(
            CpuPath::from_name(name)
                .ok_or_else(|| Error::input(format!("unknown CPU path '{name}': expected scalar, avx2 or avx512")))?,
        ),
    };
    Ok(ScanOptions::default()
        .set_both_strands(c.both_strands)
        .set_threads(c.threads)
        .set_cpu_path(path)
        .set_use_summary(!c.no_summary)
        .set_mismatches(c.mismatches)
        .set_hash_from(usize::try_from(c.hash_from).unwrap_or(usize::MAX)))
}

#[derive(Serialize)]
struct SequenceCount<'a> {
    name: std::borrow::Cow<'a, str>,
    count: u64,
    forward: u64,
    reverse: u64,
}

#[derive(Serialize)]
struct KmerJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    kmer: &'a str,
    count: u64,
    forward: u64,
    reverse: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_sequence: Option<Vec<SequenceCount<'a>>>,
}

#[derive(Serialize)]
struct CountJson<'a> {
    file: String,
    device: &'static str,
    path: String,
    specialized_k: bool,
    hashed_patterns: usize,
    threads: usize,
    both_strands: bool,
    mismatches: u8,
    verified: bool,
    positions: u64,
    prepare_seconds: f64,
    seconds: f64,
    first_seconds: f64,
    kmers: Vec<KmerJson<'a>>,
}

pub fn run(ctx: &Ctx, k: Kmer) -> Result<ExitCode> {
    match k {
        Kmer::Count(a) => count(ctx, a),
        Kmer::Locate(a) => locate(a),
    }
}

fn count(ctx: &Ctx, a: CountArgs) -> Result<ExitCode> {
    let mut queries = a.kmers.iter().map(|q| Query::new(q)).collect::<Result<Vec<_>>>()?;
    let mut labels: Vec<Option<String>> = vec![None; queries.len()];
    if let Some(path) = &a.patterns {
        for (name, q) in read_patterns(path)? {
            labels.push(name);
            queries.push(q);
        }
    }
    let named = labels.iter().any(Option::is_some);
    let label = |i: usize, q: &Query| labels[i].clone().unwrap_or_else(|| q.as_str().to_string());
    let reader = open(&a.input, &a.common)?;
    let device = match a.device {
        DeviceArg::Cpu => Device::Cpu,
        DeviceArg::Gpu => Device::Gpu,
    };
    let opts = options(&a.common)?.set_device(device).set_per_sequence(a.per_sequence);
    let counter = kmer::Counter::new(&reader, &opts).map_err(|e| e.in_file(&a.input))?;
    let timed = || -> Result<(kmer::Counts, f64)> {
        let t = Instant::now();
        let c = counter.count(&queries, &opts).map_err(|e| e.in_file(&a.input))?;
        Ok((c, t.elapsed().as_secs_f64()))
    };
    // clap has checked --repeat >= 1: the first scan always runs.
    let (mut counts, first_seconds) = timed()?;
    let mut seconds = first_seconds;
    for _ in 1..a.repeat {
        let (c, s) = timed()?;
        seconds = seconds.min(s);
        counts = c;
    }
    let threads = a.common.threads.unwrap_or_else(rayon::current_num_threads);
    if a.verbose && !ctx.quiet {
        let ks: Vec<String> = queries.iter().map(|q| q.k().to_string()).collect();
        eprintln!(
            "tribit: kmer count: {} positions in {:.4} s ({:.2} Gpositions/s) on the {} path (k = {}{}), {} threads, block checksums {}",
            counts.positions,
            seconds,
            counts.positions as f64 / seconds.max(1e-9) / 1e9,
            counts.path,
            ks.join(", "),
            if counts.specialized { ", compile-time k" } else { "" },
            if device == Device::Gpu { 1 } else { threads },
            if a.common.no_verify { "not checked" } else { "checked" },
        );
    }
    let names: Vec<String> = if a.per_sequence {
        reader
            .sequences()
            .map(|s| s.map(|s| s.name_str().into_owned()))
            .collect::<Result<_>>()?
    } else {
        Vec::new()
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if a.json {
        let doc = CountJson {
            file: a.input.display().to_string(),
            device: if device == Device::Gpu { "gpu" } else { "cpu" },
            path: counts.path.to_string(),
            specialized_k: counts.specialized,
            hashed_patterns: counts.hashed,
            threads: if device == Device::Gpu { 1 } else { threads },
            both_strands: a.common.both_strands,
            mismatches: a.common.mismatches,
            verified: !a.common.no_verify,
            positions: counts.positions,
            prepare_seconds: counter.prepare_seconds(),
            seconds,
            first_seconds,
            kmers: counts
                .kmers
                .iter()
                .enumerate()
                .map(|(i, c)| KmerJson {
                    name: labels[i].clone(),
                    kmer: c.query.as_str(),
                    count: c.total(),
                    forward: c.forward,
                    reverse: c.reverse,
                    per_sequence: a.per_sequence.then(|| {
                        c.per_sequence
                            .iter()
                            .zip(&names)
                            .map(|(s, n)| SequenceCount {
                                name: n.as_str().into(),
                                count: s.total(),
                                forward: s.forward,
                                reverse: s.reverse,
                            })
                            .collect()
                    }),
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut out, &doc)
            .map_err(|e| Error::new(ErrorKind::Io, format!("cannot write JSON: {e}")))?;
        out.write_all(b"\n").map_err(write_err)?;
    } else if a.per_sequence {
        for (s, name) in names.iter().enumerate() {
            for (i, c) in counts.kmers.iter().enumerate() {
                if named {
                    write!(out, "{}\t", label(i, &c.query)).map_err(write_err)?;
                }
                writeln!(out, "{name}\t{}\t{}", c.query, c.per_sequence[s].total()).map_err(write_err)?;
            }
        }
    } else {
        for (i, c) in counts.kmers.iter().enumerate() {
            if named {
                write!(out, "{}\t", label(i, &c.query)).map_err(write_err)?;
            }
            writeln!(out, "{}\t{}", c.query, c.total()).map_err(write_err)?;
        }
    }
    out.flush().map_err(write_err)?;
    Ok(ExitCode::SUCCESS)
}

/// The k-mers of a `--patterns` file, each with its name if it has one.
fn read_patterns(path: &Path) -> Result<Vec<(Option<String>, Query)>> {
    let text = std::fs::read(path).map_err(|e| Error::io("cannot read the patterns", e).in_file(path))?;
    let mut out = Vec::new();
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        let at = |what: String| Error::input(what).at_line(n as u64 + 1, 1).in_file(path);
        let line = std::str::from_utf8(line).map_err(|_| at("not UTF-8".into()))?;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, kmer) = match line.split_once('\t') {
            Some((name, kmer)) if !kmer.contains('\t') => (Some(name.to_string()), kmer),
            Some(_) => return Err(at("expected KMER, or NAME and KMER separated by one tab".into())),
            None => (None, line),
        };
        let q = Query::new(kmer.trim()).map_err(|e| at(e.message().to_string()))?;
        out.push((name, q));
    }
    if out.is_empty() {
        return Err(Error::input("no k-mer in the patterns file").in_file(path));
    }
    Ok(out)
}

fn locate(a: LocateArgs) -> Result<ExitCode> {
    let mut queries = a.kmers.iter().map(|q| Query::new(q)).collect::<Result<Vec<_>>>()?;
    let mut labels: Vec<String> = queries.iter().map(|q| q.as_str().to_string()).collect();
    if let Some(path) = &a.patterns {
        for (name, q) in read_patterns(path)? {
            labels.push(name.unwrap_or_else(|| q.as_str().to_string()));
            queries.push(q);
        }
    }
    let reader = open(&a.input, &a.common)?;
    let opts = options(&a.common)?;
    let names: Vec<Vec<u8>> = reader
        .sequences()
        .map(|s| s.map(|s| s.name.to_vec()))
        .collect::<Result<_>>()?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    kmer::locate(&reader, &queries, &opts, |m| {
        let k = queries[m.query].k() as u64;
        out.write_all(&names[m.sequence]).map_err(write_err)?;
        writeln!(
            out,
            "\t{}\t{}\t{}\t0\t{}",
            m.start,
            m.start + k,
            labels[m.query],
            m.strand.symbol()
        )
        .map_err(write_err)
    })
    .map_err(|e| e.in_file(&a.input))?;
    out.flush().map_err(write_err)?;
    Ok(ExitCode::SUCCESS)
}
