//! `tribit validate`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::{write_err, Ctx};
use crate::container::Data;
use crate::error::Result;
use crate::validate::{validate_index_file, validate_with_reference, Problem};

/// Check every invariant of SPEC.md and every checksum, and list every
/// problem found with its SPEC label, section and byte offset.
///
/// Exit status: 0 when every file is valid, 1 when a file has problems,
/// 2 when a file cannot be read at all.
#[derive(Args, Debug)]
pub struct Validate {
    /// The tribit files to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// An index file (SPEC §8.8) of the one data file given: check it on
    /// its own and against that file's tables (each target matches its
    /// table, each index holds exactly the table's keys). Repeatable.
    #[arg(long, value_name = "FILE")]
    index_file: Vec<PathBuf>,
    #[command(flatten)]
    refs: super::RefArg,
}

#[derive(Serialize)]
struct FileJson {
    path: String,
    valid: bool,
    error: Option<String>,
    problems: Vec<Problem>,
    omitted: u64,
}

pub fn run(ctx: &Ctx, a: Validate) -> Result<ExitCode> {
    if !a.index_file.is_empty() && a.files.len() != 1 {
        return Err(crate::Error::input(
            "--index-file checks index files against one data file: give exactly one FILE",
        ));
    }
    let data = match a.index_file.is_empty() {
        true => None,
        false => Some(Data::map(&a.files[0])?),
    };
    let mut out_files = Vec::new();
    let (mut invalid, mut unreadable) = (false, false);
    let all: Vec<(&PathBuf, bool)> = a
        .files
        .iter()
        .map(|f| (f, false))
        .chain(a.index_file.iter().map(|f| (f, true)))
        .collect();
    for (f, is_index) in all {
        let bar = ctx.progress(None, &format!("validating {}", f.display()));
        let entry = match Data::map(f) {
            Ok(bytes) => {
                let report = match (&data, is_index) {
                    (Some(d), true) => validate_index_file(d.bytes(), bytes.bytes()),
                    _ => validate_with_reference(bytes.bytes(), Some(f), a.refs.reference.as_deref()),
                };
                invalid |= !report.is_valid();
                FileJson {
                    path: f.display().to_string(),
                    valid: report.is_valid(),
                    error: None,
                    problems: report.problems,
                    omitted: report.omitted,
                }
            }
            Err(e) => {
                unreadable = true;
                FileJson {
                    path: f.display().to_string(),
                    valid: false,
                    error: Some(e.to_string()),
                    problems: vec![],
                    omitted: 0,
                }
            }
        };
        bar.finish_and_clear();
        out_files.push(entry);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if a.json {
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "files": out_files }))
            .map_err(|e| write_err(e.into()))?;
        writeln!(out).map_err(write_err)?;
    } else {
        for f in &out_files {
            match (&f.error, f.valid) {
                (Some(e), _) => writeln!(out, "{}: cannot read: {e}", f.path),
                (None, true) if f.problems.is_empty() => writeln!(out, "{}: valid", f.path),
                (None, true) => writeln!(out, "{}: valid, with notes", f.path),
                (None, false) => writeln!(
                    out,
                    "{}: INVALID ({} problems)",
                    f.path,
                    f.problems.len() as u64 + f.omitted
                ),
            }
            .map_err(write_err)?;
            for p in &f.problems {
                writeln!(out, "  {p}").map_err(write_err)?;
            }
            if f.omitted > 0 {
                writeln!(out, "  ... and {} more", f.omitted).map_err(write_err)?;
            }
        }
    }
    out.flush().map_err(write_err)?;
    Ok(ExitCode::from(if unreadable {
        2
    } else if invalid {
        1
    } else {
        0
    }))
}
