//! `tribit get`: regions as FASTA, in samtools faidx syntax, or the
//! intervals of a BED file as bedtools getfasta prints them.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::strand::{reverse_complement, Case, MarkStrand};
use super::{write_err, Ctx};
use crate::convert::bed::{read_bed, BedRecord};
use crate::convert::fasta::write_region_with;
use crate::error::{Error, Result};
use crate::output::Output;
use crate::sequence::{Reader, Region};

/// Print regions as FASTA, like `samtools faidx`, or BED intervals, like `bedtools getfasta`.
///
/// A region is NAME, NAME:START, NAME:START-, NAME:-END or NAME:START-END,
/// 1-based and inclusive as in samtools faidx; commas in numbers are ignored. An end past the sequence is
/// clipped to its length. Letters come out exactly as imported (case, N,
/// IUPAC codes) unless --upper or --hard-mask is given.
///
/// BED intervals (--bed) are 0-based and half-open; rows whose strand
/// (column 6) is '-' are reverse-complemented.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  tribit get genome.tbit chr1:1,000-2,000 chrM
  tribit get genome.tbit -r regions.txt -o regions.fa
  tribit get genome.tbit -i --mark-strand sign chr2:500-600
  tribit get genome.tbit --bed peaks.bed -n 0 --upper
  cut -f1-6 genes.bed | tribit get genome.tbit --bed - --bed-header bedtools")]
pub struct Get {
    /// The tribit file to read.
    input: PathBuf,
    #[command(flatten)]
    refs: super::RefArg,
    /// Regions to print: NAME, NAME:START-END, ... (1-based, inclusive).
    regions: Vec<String>,
    /// A file of regions, one per line (as samtools faidx -r).
    #[arg(short = 'r', long = "regions", value_name = "FILE")]
    region_file: Option<PathBuf>,
    /// A BED file of intervals ('-' for standard input), printed after the
    /// regions: column 4 names the record, column 6 '-' reverse-complements it.
    #[arg(long, value_name = "FILE", conflicts_with = "reverse_complement")]
    bed: Option<PathBuf>,
    /// Header of BED records: 'name' (column 4, else CHROM:START-END, then
    /// the --mark-strand suffix) or 'bedtools' (NAME::CHROM:START-END(STRAND),
    /// as `bedtools getfasta -s -name`).
    #[arg(long, value_enum, default_value = "name", requires = "bed")]
    bed_header: BedHeader,
    /// Reverse-complement every region (as samtools faidx -i).
    #[arg(short = 'i', long)]
    reverse_complement: bool,
    /// How headers mark the strand: rc ('/rc' on reverse-complemented
    /// records), no, sign ('(+)' or '(-)'), or custom,POS,NEG.
    #[arg(long, value_name = "TYPE", default_value = "rc")]
    mark_strand: String,
    /// Skip a region that cannot be fetched with a warning instead of
    /// stopping (as samtools faidx -c: its header is still printed, with no
    /// sequence; a bad BED row is left out, as bedtools does).
    #[arg(short = 'c', long = "continue")]
    keep_going: bool,
    /// Write the FASTA to this file instead of standard output; it appears
    /// only when complete.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Line width of the output sequence (0: one line).
    #[arg(short = 'n', long = "length", default_value_t = 60)]
    width: usize,
    /// Print soft-masked (lowercase) letters in uppercase.
    #[arg(long, conflicts_with = "hard_mask")]
    upper: bool,
    /// Print soft-masked (lowercase) letters as N.
    #[arg(long)]
    hard_mask: bool,
    /// Do not check the checksum of each block read (metadata is always
    /// checked); faster for many small regions.
    #[arg(long)]
    no_verify: bool,
}

/// One record to print: its header and what to fetch (nothing for a
/// region skipped by --continue).
struct Job {
    header: String,
    span: Option<(usize, u64, u64)>,
    reverse: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BedHeader {
    Name,
    Bedtools,
}

fn read_region_file(f: &std::path::Path, regions: &mut Vec<String>) -> Result<()> {
    let file = std::fs::File::open(f).map_err(|e| Error::io("cannot open", e).in_file(f))?;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io("cannot read", e).in_file(f))?;
        let t = line.trim_end_matches('\r');
        if !t.is_empty() {
            regions.push(t.to_string());
        }
        if t.contains('\t') {
            return Err(Error::input(format!("unexpected tab in region '{t}'"))
                .at_line(i as u64 + 1, 0)
                .in_file(f));
        }
    }
    Ok(())
}

fn read_bed_input(path: &std::path::Path) -> Result<Vec<BedRecord>> {
    if path.as_os_str() == "-" {
        read_bed(std::io::stdin().lock()).map_err(|e| e.in_file("<stdin>"))
    } else {
        let f = std::fs::File::open(path).map_err(|e| Error::io("cannot open", e).in_file(path))?;
        read_bed(std::io::BufReader::new(f)).map_err(|e| e.in_file(path))
    }
}

/// Resolves a BED row against the file: the sequence index, refusing an
/// unknown sequence or an end past it.
fn resolve_bed(reader: &Reader, r: &BedRecord) -> Result<usize> {
    let Some(i) = reader.find(r.chrom.as_bytes())? else {
        return Err(
            Error::new(crate::ErrorKind::NotFound, format!("no sequence named '{}'", r.chrom)).at_line(r.line, 1),
        );
    };
    let len = reader.sequence(i)?.len();
    if r.end > len {
        return Err(Error::new(
            crate::ErrorKind::Range,
            format!(
                "interval {}:{}-{} ends past the sequence (length {len})",
                r.chrom, r.start, r.end
            ),
        )
        .at_line(r.line, 0));
    }
    Ok(i)
}

pub fn run(ctx: &Ctx, a: Get) -> Result<ExitCode> {
    let mark = MarkStrand::parse(&a.mark_strand)?;
    let case = match (a.upper, a.hard_mask) {
        (_, true) => Case::HardMask,
        (true, false) => Case::Upper,
        _ => Case::Keep,
    };
    let mut reader = a.refs.open(&a.input)?;
    reader.set_verify_blocks(!a.no_verify);
    reader.advise_random();
    let mut regions = a.regions.clone();
    if let Some(f) = &a.region_file {
        read_region_file(f, &mut regions)?;
    }
    let bed = match &a.bed {
        Some(p) => read_bed_input(p)?,
        None => Vec::new(),
    };
    if regions.is_empty() && a.bed.is_none() {
        return Err(Error::input(
            "no regions given: name them as arguments, with --regions FILE or with --bed FILE",
        ));
    }
    // Every region and interval is resolved before anything is printed, so
    // an error leaves no partial output.
    let mut jobs = Vec::with_capacity(regions.len() + bed.len());
    for text in &regions {
        let header = format!("{text}{}", mark.suffix(a.reverse_complement));
        match Region::resolve(&reader, text) {
            Ok(g) => {
                if g.clipped {
                    ctx.warn(&format!(
                        "region '{text}': end is past the sequence; clipped to {}",
                        g.end
                    ));
                }
                jobs.push(Job {
                    header,
                    span: Some((g.index, g.start, g.end)),
                    reverse: a.reverse_complement,
                });
            }
            Err(e) if a.keep_going && e.kind() != crate::ErrorKind::Io => {
                ctx.warn(&format!("{e}; skipped"));
                jobs.push(Job {
                    header,
                    span: None,
                    reverse: false,
                });
            }
            Err(e) => return Err(e.in_file(&a.input)),
        }
    }
    let bed_path = a.bed.clone().unwrap_or_default();
    for r in &bed {
        let index = match resolve_bed(&reader, r) {
            Ok(i) => i,
            Err(e) if a.keep_going && e.kind() != crate::ErrorKind::Io => {
                ctx.warn(&format!("{}; skipped", e.in_file(&bed_path)));
                continue;
            }
            Err(e) => return Err(e.in_file(&bed_path)),
        };
        let header = match a.bed_header {
            BedHeader::Name => {
                let base = match &r.name {
                    Some(n) => n.clone(),
                    None => format!("{}:{}-{}", r.chrom, r.start, r.end),
                };
                format!("{base}{}", mark.suffix(r.is_minus()))
            }
            BedHeader::Bedtools => format!(
                "{}::{}:{}-{}({})",
                r.name.as_deref().unwrap_or(""),
                r.chrom,
                r.start,
                r.end,
                r.strand.as_deref().unwrap_or("")
            ),
        };
        jobs.push(Job {
            header,
            span: Some((index, r.start, r.end)),
            reverse: r.is_minus(),
        });
    }
    let out_path = a.output.clone().unwrap_or_else(|| PathBuf::from("-"));
    let mut out = Output::create(&out_path, &ctx.output_policy([a.input.as_path()]))?;
    let mut buf = Vec::new();
    for job in &jobs {
        out.write_all(b">").map_err(write_err)?;
        out.write_all(job.header.as_bytes()).map_err(write_err)?;
        out.write_all(b"\n").map_err(write_err)?;
        if let Some((i, start, end)) = job.span {
            let seq = reader.sequence(i).map_err(|e| e.in_file(&a.input))?;
            let transform = |piece: &mut [u8]| {
                case.apply(piece);
                if job.reverse {
                    reverse_complement(piece);
                }
            };
            write_region_with(
                &reader,
                &seq,
                start..end,
                a.width,
                job.reverse,
                transform,
                &mut out,
                &mut buf,
            )
            .map_err(|e| crate::output::blame(e, &a.input, &out_path))?;
        }
    }
    out.commit()?;
    Ok(ExitCode::SUCCESS)
}
