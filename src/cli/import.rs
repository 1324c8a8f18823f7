//! `tribit import fasta` and `tribit import csv` (`import 2bit` is in twobit.rs).

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
    /// Import a CSV (RFC 4180, header row) as a typed table (SPEC §8).
    ///
    /// Without --schema the types are inferred: bool, then i64, then f64,
    /// else a dictionary-encoded string; a column with an empty field is
    /// nullable. Bad fields are reported with their line and column, exit
    /// status 2, and no output file is left.
    Csv(Csv),
    /// Import a UCSC .2bit file (version 0 or 1, either byte order); N
    /// runs and soft-masking are kept.
    #[command(name = "2bit")]
    TwoBit(super::twobit::Import2bit),
    /// Import a dense numeric matrix (TSV, CSV or .npy) with named rows
    /// and columns (SPEC §8.9), written tile by tile in bounded memory.
    Matrix(super::matrix::ImportMatrix),
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  tribit import csv expr.csv -o expr.tbit --index GENE --index PATIENT,PROBE
  tribit import csv samples.csv --into genome.tbit --table samples --index ID")]
pub struct Csv {
    /// CSV file to read, or '-' for standard input.
    input: PathBuf,
    /// The tribit file to write.
    #[arg(short, long, required_unless_present = "into", conflicts_with = "into")]
    output: Option<PathBuf>,
    /// Add the table to this existing tribit file (sequences or tables)
    /// instead: the file is rewritten beside itself and renamed over the
    /// old one, so a crash leaves the old file or the new one.
    #[arg(long, value_name = "FILE")]
    into: Option<PathBuf>,
    /// With --into: replace a table of the same name instead of refusing.
    #[arg(long, requires = "into")]
    replace: bool,
    /// Table name (default: the input's file stem).
    #[arg(long)]
    table: Option<String>,
    /// Column types, 'NAME:TYPE,...' in header order; TYPE is bool, i8..i64,
    /// u8..u64, f32, f64, str(N) or dict; a trailing '?' makes it nullable.
    #[arg(long, conflicts_with = "schema_file")]
    schema: Option<String>,
    /// File holding the schema text (as for --schema; newlines act as commas).
    #[arg(long)]
    schema_file: Option<PathBuf>,
    /// Build a hash-key index on these columns (comma-separated for a
    /// composite key); repeat for several indexes.
    #[arg(long)]
    index: Vec<String>,
    /// Layout of the hash indexes (SPEC §8.4): compact (version 1.8; 8-byte
    /// entries, single rows inline) where it fits, else classic; or always
    /// classic, which readers older than 1.8 can use.
    #[arg(long, value_enum, default_value = "compact", conflicts_with = "into")]
    index_layout: Layout,
    /// Field delimiter: one ASCII character other than '"', CR or LF
    /// (default ','); a tab may also be written 'tab' or '\t'.
    #[arg(long, default_value = ",")]
    delimiter: String,
    /// Byte order of the integer fields of the output.
    #[arg(long, value_enum, default_value = "little")]
    byte_order: Order,
    /// Accept quoted fields that hold line breaks (without it, a line break
    /// inside quotes is an error: it usually means a quote left open).
    #[arg(long)]
    allow_multiline: bool,
}

/// Parses `--delimiter` exactly as its help states it.
pub(crate) fn delimiter(s: &str) -> Result<u8> {
    match s {
        "\\t" | "tab" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && !matches!(s, "\"" | "\r" | "\n") => Ok(s.as_bytes()[0]),
        _ => Err(Error::input(format!(
            "--delimiter '{}': expected one ASCII character other than '\"', CR or LF, or 'tab' or '\\t'",
            s.escape_debug()
        ))),
    }
}

fn run_csv(ctx: &Ctx, a: Csv) -> Result<ExitCode> {
    use crate::convert::csv as c;
    use crate::table::{Schema, TableOptions, TablesWriter};
    let d = delimiter(&a.delimiter)?;
    let read = c::CsvOptions {
        delimiter: d,
        allow_multiline: a.allow_multiline,
    };
    let mut inputs = vec![a.input.as_path()];
    inputs.extend(a.schema_file.as_deref());
    // Decided before reading: an output that may not be written is refused
    // before any work.
    let file = match &a.output {
        Some(o) => Some(crate::output::Output::create_seekable(o, &ctx.output_policy(inputs))?),
        None => None,
    };
    let infer = a.schema.is_none() && a.schema_file.is_none();
    let source = crate::convert::csv::CsvSource::open(&a.input, infer)?;
    let open = || source.reader().map_err(|e| e.in_file(&a.input));
    let schema = match (&a.schema, &a.schema_file) {
        (Some(s), _) => Schema::parse(s).map_err(|e| Error::input(format!("--schema: {}", e.message())))?,
        (None, Some(f)) => {
            let text = std::fs::read_to_string(f).map_err(|e| Error::io("cannot read", e).in_file(f))?;
            Schema::parse(&text.replace(['\n', '\r'], ",")).map_err(|e| e.in_file(f))?
        }
        (None, None) => {
            c::infer_schema_with(std::io::BufReader::new(open()?), read).map_err(|e| e.in_file(&a.input))?
        }
    };
    let name = a.table.clone().unwrap_or_else(|| {
        Some(a.input.as_path())
            .filter(|p| p.as_os_str() != "-")
            .and_then(|p| p.file_stem())
            .map_or("table".into(), |s| s.to_string_lossy().into_owned())
    });
    let opts = TableOptions {
        indexes: a
            .index
            .iter()
            .map(|i| i.split(',').map(|s| s.trim().to_string()).collect())
            .collect(),
    };
    let order = match a.byte_order {
        Order::Little => ByteOrder::Little,
        Order::Big => ByteOrder::Big,
    };
    let total = source.byte_len();
    let bar = ctx.progress(total, "importing");
    if let Some(into) = &a.into {
        let g = crate::grow::Grow::open(into)?;
        let input = std::io::BufReader::with_capacity(1 << 20, open()?);
        let rows = g
            .add_csv_table(&name, schema, &opts, a.replace, input, read, |p| bar.set_position(p))
            .map_err(|e| e.in_file(&a.input))?;
        bar.finish_and_clear();
        if !ctx.quiet {
            eprintln!("tribit: added to {}: table '{name}', {rows} rows", into.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(output), Some(file)) = (&a.output, file) else {
        return Err(Error::input(
            "name the output with -o FILE, or an existing file with --into FILE",
        ));
    };
    let mut w = TablesWriter::new(file, order)?;
    w.set_index_layout(match a.index_layout {
        Layout::Compact => crate::index::IndexLayout::Compact,
        Layout::Classic => crate::index::IndexLayout::Classic,
    });
    let mut t = w
        .table(&name, schema, &opts)
        .map_err(|e| Error::input(format!("--index: {}", e.message())))?;
    let rows = c::import_csv_with(std::io::BufReader::with_capacity(1 << 20, open()?), read, &mut t, |p| {
        bar.set_position(p)
    })
    .map_err(|e| e.in_file(&a.input))?;
    t.finish()?;
    w.finish().map_err(|e| e.in_file(output))?.commit()?;
    bar.finish_and_clear();
    if !ctx.quiet {
        eprintln!("tribit: wrote {}: table '{name}', {rows} rows", output.display());
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Layout {
    Compact,
    Classic,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Order {
    Little,
    Big,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  tribit import fasta genome.fa.gz -o genome.tbit
  tribit import fasta chr*.fa unplaced.fa.gz -o assembly.tbit
  tribit import fasta genome.fa.gz -o genome.tbit --compress zstd:19
  tribit import fasta strain2.fa -o strain2.tbit --reference strain1.tbit")]
pub struct Fasta {
    /// FASTA files to read (plain or gzip), or '-' for standard input; the
    /// sequences of all of them go into one file, in the order given, and a
    /// name found in two inputs is an error naming both.
    #[arg(required = true, num_args = 1.., value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// The tribit file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Byte order of the integer fields of the output.
    #[arg(long, value_enum, default_value = "little")]
    byte_order: Order,
    /// Bases per block (a multiple of 512); smaller blocks cost less to
    /// verify (and decompress) on random access, larger ones compress
    /// better. Default 16384, or 65536 with --compress zstd.
    #[arg(long)]
    block_bases: Option<u32>,
    /// Also compute the GA4GH refget digest (SHA-512/24) of each sequence;
    /// the MD5 (SAM M5) is always computed.
    #[arg(long)]
    refget: bool,
    /// How blocks are stored: none (raw bit-planes, scanned in place) or
    /// zstd[:LEVEL] (each block a zstd frame, LEVEL 1-22, default 3; the
    /// file is then version 1.4). Default none, or zstd:9 with --reference.
    #[arg(long, value_name = "none|zstd[:LEVEL]")]
    compress: Option<crate::sequence::Compression>,
    /// Store each sequence as runs copied from this tribit file (forward
    /// or reverse complement, any sequence, any offset) plus the bases
    /// that differ (SPEC §9, version 1.6). The path is recorded as given:
    /// readers look for it relative to the output's folder, then as
    /// given, or take --reference PATH. Blocks are zstd-compressed (level
    /// 9) unless --compress says otherwise, so the copied stretches cost
    /// almost nothing.
    #[arg(long, value_name = "REF.tbit")]
    reference: Option<PathBuf>,
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
    let a = match cmd {
        Import::Fasta(a) => a,
        Import::Csv(a) => return run_csv(ctx, a),
        Import::TwoBit(a) => return super::twobit::run_import(ctx, a),
        Import::Matrix(a) => return super::matrix::run_import(ctx, a),
    };
    if a.inputs.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(Error::input("standard input ('-') can be read only once"));
    }
    let total = a
        .inputs
        .iter()
        .map(|p| match p.as_os_str() == "-" {
            true => None,
            false => std::fs::metadata(p).ok().map(|m| m.len()),
        })
        .sum::<Option<u64>>();
    let bar = ctx.progress(total, "importing");
    let order = match a.byte_order {
        Order::Little => ByteOrder::Little,
        Order::Big => ByteOrder::Big,
    };
    let compress = a.compress.unwrap_or(match a.reference {
        Some(_) => crate::sequence::Compression::Zstd(crate::spec::REFERENCE_ZSTD_LEVEL),
        None => crate::sequence::Compression::None,
    });
    let matcher = match &a.reference {
        Some(p) => {
            let r = crate::sequence::Reader::open(p)?;
            if r.references().is_some() {
                return Err(Error::input(format!(
                    "--reference {}: the reference is itself reference-escaped; give a file that holds its own bases",
                    p.display()
                )));
            }
            let path = p.to_string_lossy().into_owned().into_bytes();
            Some(std::sync::Arc::new(
                crate::sequence::matcher::Matcher::build(&r, &path).map_err(|e| e.in_file(p))?,
            ))
        }
        None => None,
    };
    let out = crate::output::Output::create_seekable(
        &a.output,
        &ctx.output_policy(a.inputs.iter().map(|p| p.as_path()).chain(a.reference.as_deref())),
    )?;
    let w = WriterBuilder::default()
        .set_byte_order(order)
        .set_block_bases(a.block_bases.unwrap_or(match compress {
            crate::sequence::Compression::None => crate::spec::DEFAULT_BLOCK_BASES,
            crate::sequence::Compression::Zstd(_) => crate::spec::DEFAULT_ZSTD_BLOCK_BASES,
        }))
        .set_refget(a.refget)
        .set_compression(compress);
    let w = match matcher {
        Some(m) => w.set_reference(m),
        None => w,
    };
    let mut w = w.build(out).map_err(|e| e.in_file(&a.output))?;
    let mut summary = fasta::ImportSummary::default();
    let mut warnings = Vec::new();
    for (k, path) in a.inputs.iter().enumerate() {
        let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(std::fs::File::open(path).map_err(|e| Error::io("cannot open", e).in_file(path))?)
        };
        let input = fasta::decompress(Box::new(Counting {
            inner: raw,
            bar: bar.clone(),
        }))
        .map_err(|e| e.in_file(path))?;
        let one = match fasta::read_fasta(input, &mut w) {
            Ok(one) => one,
            Err(e) => {
                let line = match e.location() {
                    crate::error::Location::Line { line, .. } => *line,
                    _ => u64::MAX,
                };
                return Err(match super::names::name_in_two_inputs(&a.inputs[..=k], line) {
                    Some(both) => both,
                    None => e.in_file(path),
                });
            }
        };
        summary.sequences += one.sequences;
        summary.bases += one.bases;
        warnings.extend(one.warnings.into_iter().map(|w| format!("{}: {w}", path.display())));
    }
    let file = w.finish().map_err(|e| e.in_file(&a.output))?;
    file.commit()?;
    bar.finish_and_clear();
    for warning in &warnings {
        ctx.warn(warning);
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
