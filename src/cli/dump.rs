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
use crate::spec;

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

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The canonical JSON of the file at `path`.
pub fn canonical(path: &std::path::Path) -> Result<Value> {
    let r = Reader::open(path)?;
    let c = r.container();
    let refget = r
        .index_header()
        .is_some_and(|h| h.flags & spec::SEQUENCE_FLAG_REFGET != 0);
    let mut seqs = Vec::new();
    let mut buf = Vec::new();
    for s in r.sequences() {
        let s = s?;
        buf.clear();
        r.fetch_from(&s, 0, s.len(), &mut buf)?;
        let masks: Vec<[u64; 2]> = r.mask_runs(&s).map(|m| [m.start, m.end]).collect();
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        seqs.push(json!({
            "name": lossy(s.name),
            "header": lossy(s.header),
            "description": lossy(s.description()),
            "length": s.len(),
            "line_width": s.record.line_width,
            "crlf": s.record.flags & spec::RECORD_FLAG_CRLF != 0,
            "final_newline": s.record.flags & spec::RECORD_FLAG_NO_FINAL_NEWLINE == 0,
            "blank_lines": s.record.blank_lines,
            "n_count": s.record.n_count,
            "masks": masks,
            "md5": hex(&s.record.md5),
            "refget": refget.then(|| super::info::refget_id(&s.record.refget)),
            "sequence": lossy(&buf),
        }));
    }
    Ok(json!({
        "version": format!("{}.{}", c.header.major, c.header.minor),
        "byte_order": match c.order { crate::container::ByteOrder::Little => "little", crate::container::ByteOrder::Big => "big" },
        "sequences": seqs,
    }))
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
