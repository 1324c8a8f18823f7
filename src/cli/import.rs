//! `tribit import fasta`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use super::Ctx;
use crate::container::ByteOrder;
use crate::convert::fasta;
use crate::error::{Error, Result};
use crate::sequence::WriterBuilder;

#[derive(Subcommand, Debug)]
pub enum Import {
    /// Import FASTA (plain or gzip/BGZF, or '-' for stdin) into a tribit file.
    ///
    /// Names, descriptions, line widths, soft-masking (lowercase), N runs and
    /// IUPAC codes are kept, so `tribit export fasta` gives back the same bytes
    /// for well-formed FASTA. Anything normalised (CRLF, ragged line widths,
    /// trailing whitespace, blank lines, a missing final newline) is reported
    /// as a warning. The output appears only when complete.
    Fasta(Fasta),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Order {
    Little,
    Big,
}

#[derive(Args, Debug)]
pub struct Fasta {
    /// FASTA file to read (plain or gzip), or '-' for standard input.
    input: PathBuf,
    /// The tribit file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Byte order of the integer fields of the output.
    #[arg(long, value_enum, default_value = "little")]
    byte_order: Order,
    /// Bases per block (a multiple of 512); smaller blocks cost less to
    /// verify on random access, larger ones compress better.
    #[arg(long, default_value_t = crate::spec::DEFAULT_BLOCK_BASES)]
    block_bases: u32,
    /// Also compute the GA4GH refget digest (SHA-512/24) of each sequence;
    /// the MD5 (SAM M5) is always computed.
    #[arg(long)]
    refget: bool,
}

struct Counting<R> {
    inner: R,
    bar: indicatif::ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

pub fn run(ctx: &Ctx, cmd: Import) -> Result<ExitCode> {
    let Import::Fasta(a) = cmd;
    let stdin = a.input.as_os_str() == "-";
    let total = if stdin {
        None
    } else {
        std::fs::metadata(&a.input).ok().map(|m| m.len())
    };
    let raw: Box<dyn Read + Send> = if stdin {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(&a.input).map_err(|e| Error::io("cannot open", e).in_file(&a.input))?)
    };
    let bar = ctx.progress(total, "importing");
    let input = fasta::decompress(Box::new(Counting {
        inner: raw,
        bar: bar.clone(),
    }))
    .map_err(|e| e.in_file(&a.input))?;
    let order = match a.byte_order {
        Order::Little => ByteOrder::Little,
        Order::Big => ByteOrder::Big,
    };
    let mut w = WriterBuilder::default()
        .set_byte_order(order)
        .set_block_bases(a.block_bases)
        .set_refget(a.refget)
        .build_to_path(&a.output)?;
    let summary = fasta::read_fasta(input, &mut w).map_err(|e| e.in_file(&a.input))?;
    let file = w.finish().map_err(|e| e.in_file(&a.output))?;
    file.commit()?;
    bar.finish_and_clear();
    for warning in &summary.warnings {
        ctx.warn(&format!("{}: {warning}", a.input.display()));
    }
    if !ctx.quiet {
        let size = std::fs::metadata(&a.output).map(|m| m.len()).unwrap_or(0);
        let bits = if summary.bases > 0 {
            size as f64 * 8.0 / summary.bases as f64
        } else {
            0.0
        };
        eprintln!(
            "tribit: wrote {}: {} sequences, {} bases, {} bytes ({bits:.2} bits/base)",
            a.output.display(),
            summary.sequences,
            summary.bases,
            size
        );
    }
    Ok(ExitCode::SUCCESS)
}
