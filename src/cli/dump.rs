//! `tribit dump --canonical-json`: the decoded content of a file in the
//! canonical JSON form of conformance/README.md.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::{json, Value};

use super::{write_err, Ctx};
use crate::error::{Error, ErrorKind, Result};
use crate::sequence::Reader;

/// Print everything a file holds as canonical JSON (conformance/README.md):
/// version, byte order and every sequence with its letters, masks, digests
/// and FASTA layout. Reads through every check a reader performs; on an
/// invalid file prints {"error": CLASS, "message": ...} and exits 2.
#[derive(Args, Debug)]
pub struct Dump {
    /// The tribit file to read.
    input: PathBuf,
    /// Print the canonical JSON form (the only form so far).
    #[arg(long, default_value_t = true)]
    canonical_json: bool,
}

/// The canonical JSON of the file at `path`.
pub fn canonical(path: &std::path::Path) -> Result<Value> {
    crate::convert::canonical::to_json(&Reader::open(path)?)
}

/// The class name of an error, as conformance/README.md lists them.
pub fn class(e: &Error) -> &'static str {
    match e.kind() {
        ErrorKind::Checksum => "checksum",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::Io => "io",
        _ => "format",
    }
}

pub fn run(_ctx: &Ctx, a: Dump) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (value, code) = match canonical(&a.input) {
        Ok(v) => (v, ExitCode::SUCCESS),
        Err(e) if e.kind() == ErrorKind::Io => return Err(e),
        Err(e) => {
            let e = e.in_file(&a.input);
            eprintln!("tribit: error: {e}");
            (
                json!({ "error": class(&e), "message": e.to_string() }),
                ExitCode::from(2),
            )
        }
    };
    serde_json::to_writer_pretty(&mut out, &value).map_err(|e| write_err(e.into()))?;
    writeln!(out).map_err(write_err)?;
    out.flush().map_err(write_err)?;
    Ok(code)
}
