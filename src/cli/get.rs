//! `tribit get`: regions as FASTA, in samtools faidx syntax.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{write_err, Ctx};
use crate::convert::fasta::write_region;
use crate::error::{Error, Result};
use crate::sequence::{Reader, Region};

/// Print regions as FASTA.
///
/// A region is NAME, NAME:START, NAME:START-, NAME:-END or NAME:START-END,
/// 1-based and inclusive as in samtools faidx; commas in numbers are ignored. An end past the sequence is
/// clipped to its length. Letters come out exactly as imported (case, N,
/// IUPAC codes).
#[derive(Args, Debug)]
pub struct Get {
    /// The tribit file to read.
    input: PathBuf,
    /// Regions to print.
    regions: Vec<String>,
    /// A file of regions, one per line (as samtools faidx -r).
    #[arg(short = 'r', long = "regions", value_name = "FILE")]
    region_file: Option<PathBuf>,
    /// Line width of the output sequence (0: one line).
    #[arg(short = 'n', long = "length", default_value_t = 60)]
    width: usize,
    /// Do not check the checksum of each block read (metadata is always
    /// checked); faster for many small regions.
    #[arg(long)]
    no_verify: bool,
}

pub fn run(ctx: &Ctx, a: Get) -> Result<ExitCode> {
    let mut reader = Reader::open(&a.input)?;
    reader.set_verify_blocks(!a.no_verify);
    reader.advise_random();
    let mut regions = a.regions;
    if let Some(f) = &a.region_file {
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
    }
    if regions.is_empty() {
        return Err(Error::input(
            "no regions given: name them as arguments or with --regions FILE",
        ));
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut buf = Vec::new();
    for text in &regions {
        let g = Region::resolve(&reader, text).map_err(|e| e.in_file(&a.input))?;
        if g.clipped {
            ctx.warn(&format!(
                "region '{text}': end is past the sequence; clipped to {}",
                g.end
            ));
        }
        let seq = reader.sequence(g.index).map_err(|e| e.in_file(&a.input))?;
        out.write_all(b">").map_err(write_err)?;
        out.write_all(text.as_bytes()).map_err(write_err)?;
        out.write_all(b"\n").map_err(write_err)?;
        write_region(&reader, &seq, g.start, g.end, a.width, &mut out, &mut buf)
            .map_err(|e| crate::output::blame(e, &a.input, "standard output".as_ref()))?;
    }
    out.flush().map_err(write_err)?;
    Ok(ExitCode::SUCCESS)
}
