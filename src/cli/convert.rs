//! `tribit convert`: the same file with raw or zstd-compressed blocks.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::Ctx;
use crate::error::Result;
use crate::sequence::Compression;

/// Rewrite a tribit file with its blocks stored raw or zstd-compressed
/// (SPEC §5.3). Sequences, names, masks, FASTA layout, byte order and block
/// size stay as they were; tables are copied unchanged. Every block is
/// checksummed as it is read, and every sequence's MD5 is computed anew.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  tribit convert genome.tbit -o genome.zst.tbit --compress zstd:19
  tribit convert genome.zst.tbit -o genome.tbit --compress none")]
pub struct Convert {
    /// The tribit file to read.
    input: PathBuf,
    #[command(flatten)]
    refs: super::RefArg,
    /// The tribit file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// How blocks are stored: none (raw bit-planes, scanned in place on the
    /// memory map) or zstd[:LEVEL] (LEVEL 1-22, default 3; version 1.4).
    #[arg(long, value_name = "none|zstd[:LEVEL]")]
    compress: Compression,
}

pub fn run(ctx: &Ctx, a: Convert) -> Result<ExitCode> {
    let reader = a.refs.open(&a.input)?;
    let out = crate::output::Output::create_seekable(&a.output, &ctx.output_policy([a.input.as_path()]))?;
    let file = crate::convert::recode::recode(&reader, out, a.compress).map_err(|e| e.in_file(&a.input))?;
    file.commit()?;
    if !ctx.quiet {
        let before = std::fs::metadata(&a.input).map(|m| m.len()).unwrap_or(0);
        let after = std::fs::metadata(&a.output).map(|m| m.len()).unwrap_or(0);
        eprintln!(
            "tribit: wrote {} ({}): {after} bytes, {:.1}% of {before}",
            a.output.display(),
            a.compress,
            100.0 * after as f64 / before.max(1) as f64
        );
    }
    Ok(ExitCode::SUCCESS)
}
