//! `tribit import 2bit` and `tribit export 2bit` (UCSC .2bit).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::import::Order;
use super::Ctx;
use crate::container::{ByteOrder, Data};
use crate::convert::twobit;
use crate::error::Result;
use crate::output::{blame, Output};
use crate::sequence::WriterBuilder;

#[derive(Args, Debug)]
#[command(after_help = "Example:\n  tribit import 2bit hg38.2bit -o hg38.tbit")]
pub struct Import2bit {
    /// The .2bit file to read (version 0 or 1, either byte order).
    input: PathBuf,
    /// The tribit file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// FASTA line width recorded for a later `export fasta` (.2bit keeps
    /// none; twoBitToFa writes 50).
    #[arg(long, default_value_t = 50)]
    line_width: u64,
    /// Byte order of the integer fields of the output.
    #[arg(long, value_enum, default_value = "little")]
    byte_order: Order,
    /// Also compute the GA4GH refget digest (SHA-512/24) of each sequence.
    #[arg(long)]
    refget: bool,
}

pub fn run_import(ctx: &Ctx, a: Import2bit) -> Result<ExitCode> {
    let data = Data::map(&a.input)?;
    let order = match a.byte_order {
        Order::Little => ByteOrder::Little,
        Order::Big => ByteOrder::Big,
    };
    let out = Output::create_seekable(&a.output, &ctx.output_policy([a.input.as_path()]))?;
    let mut w = WriterBuilder::default()
        .set_byte_order(order)
        .set_refget(a.refget)
        .build(out)
        .map_err(|e| e.in_file(&a.output))?;
    let s = twobit::import_twobit(data.bytes(), &mut w, a.line_width).map_err(|e| e.in_file(&a.input))?;
    w.finish().map_err(|e| e.in_file(&a.output))?.commit()?;
    if !ctx.quiet {
        eprintln!(
            "tribit: wrote {}: {} sequences, {} bases",
            a.output.display(),
            s.sequences,
            s.bases
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
#[command(after_help = "Example:\n  tribit export 2bit genome.tbit -o genome.2bit")]
pub struct Export2bit {
    /// The tribit file to read.
    input: PathBuf,
    #[command(flatten)]
    refs: super::RefArg,
    /// The .2bit file to write; it appears only when complete.
    #[arg(short, long)]
    output: PathBuf,
    /// Write version 1 (64-bit offsets) even when version 0 would do;
    /// version 1 is chosen anyway when the file passes 4 GiB.
    #[arg(long)]
    long: bool,
}

pub fn run_export(ctx: &Ctx, a: Export2bit) -> Result<ExitCode> {
    let reader = a.refs.open(&a.input)?;
    let mut out = Output::create(&a.output, &ctx.output_policy([a.input.as_path()]))?;
    twobit::write_twobit(&reader, &mut out, a.long).map_err(|e| blame(e, &a.input, &a.output))?;
    out.commit()?;
    Ok(ExitCode::SUCCESS)
}
