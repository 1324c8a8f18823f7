//! `tribit export fasta`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{write_err, Ctx};
use crate::container::AtomicFile;
use crate::convert::fasta;
use crate::error::Result;
use crate::sequence::Reader;

#[derive(Subcommand, Debug)]
pub enum Export {
    /// Write the sequences of a tribit file as FASTA, with their original
    /// header lines, line widths and letters.
    Fasta(Fasta),
}

#[derive(Args, Debug)]
pub struct Fasta {
    /// The tribit file to read.
    input: PathBuf,
    /// Where to write the FASTA (standard output when absent or '-'); the
    /// file appears only when complete.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, cmd: Export) -> Result<ExitCode> {
    let Export::Fasta(a) = cmd;
    let reader = Reader::open(&a.input)?;
    let total: u64 = reader.sequences().filter_map(|s| s.ok()).map(|s| s.len()).sum();
    let bar = ctx.progress(Some(total), "exporting");
    let with_path = |e: crate::Error| e.in_file(&a.input);
    let mut buf = Vec::new();
    match a.output.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            let mut out = AtomicFile::create(path)?;
            for seq in reader.sequences() {
                let seq = seq.map_err(with_path)?;
                fasta::write_sequence(&reader, &seq, &mut out, &mut buf).map_err(|e| e.in_file(path))?;
                bar.inc(seq.len());
            }
            out.commit()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
            for seq in reader.sequences() {
                let seq = seq.map_err(with_path)?;
                fasta::write_sequence(&reader, &seq, &mut out, &mut buf).map_err(with_path)?;
                bar.inc(seq.len());
            }
            out.flush().map_err(write_err)?;
        }
    }
    bar.finish_and_clear();
    Ok(ExitCode::SUCCESS)
}
