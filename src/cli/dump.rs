//! `tribit dump --canonical-json`: the decoded content of a file in the
//! canonical JSON form of conformance/README.md.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::{write_err, Ctx};
use crate::error::{Error, ErrorKind, Result};

/// Print everything a file holds as canonical JSON (conformance/README.md):
/// version, byte order and every sequence with its letters, masks, digests
/// and FASTA layout. Reads through every check a reader performs; on an
/// invalid file prints {"error": CLASS, "message": ...} and exits 2.
#[derive(Args, Debug)]
pub struct Dump {
    /// The tribit file to read.
    input: PathBuf,
    #[command(flatten)]
    refs: super::RefArg,
    /// Print the canonical JSON form (the only form so far).
    #[arg(long, default_value_t = true)]
    canonical_json: bool,
}

/// The class name of an error, as conformance/README.md lists them.
pub fn class(e: &Error) -> &'static str {
    match e.kind() {
        ErrorKind::Checksum => "checksum",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::Io => "io",
        ErrorKind::Mismatch => "mismatch",
        _ => "format",
    }
}

pub fn run(_ctx: &Ctx, a: Dump) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // Two passes, each one sequence and one row at a time: the first runs
    // every check and writes nothing, so that stdout holds either the whole
    // document or the error object.
    let checked = a.refs.open(&a.input).and_then(|r| {
        crate::convert::canonical::write_json(&r, std::io::sink())?;
        Ok(r)
    });
    match checked {
        Ok(r) => {
            crate::convert::canonical::write_json(&r, &mut out).map_err(|e| e.in_file("standard output"))?;
            out.flush().map_err(write_err)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if e.kind() == ErrorKind::Io => Err(e),
        Err(e) => {
            let e = e.in_file(&a.input);
            eprintln!("tribit: error: {e}");
            let value = json!({ "error": class(&e), "message": e.to_string() });
            serde_json::to_writer_pretty(&mut out, &value).map_err(|e| write_err(e.into()))?;
            writeln!(out).map_err(write_err)?;
            out.flush().map_err(write_err)?;
            Ok(ExitCode::from(2))
        }
    }
}
