//! `tribit export fasta`, `csv`, `fai` and `sizes` (`export 2bit` is in twobit.rs).

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{write_err, Ctx};
use crate::convert::fasta;
use crate::error::Result;
use crate::output::{blame, Output};
use crate::sequence::Reader;

#[derive(Subcommand, Debug)]
pub enum Export {
    /// Write the sequences of a tribit file as FASTA, with their original
    /// header lines, line widths and letters.
    Fasta(Fasta),
    /// Write a table as CSV: a header row, floats in shortest round-trip
    /// form, nulls as empty fields.
    Csv(Csv),
    /// Write a table as a Parquet file (snappy), for Spark, DuckDB and
    /// pandas: dict columns stay dictionary-encoded, nulls stay null.
    Parquet(Columnar),
    /// Write a table as an Arrow IPC file (Feather v2).
    Arrow(Columnar),
    /// Write the samtools faidx index (.fai) of the FASTA that `export
    /// fasta` writes, without writing the FASTA.
    #[command(after_help = "Example:\n  tribit export fasta g.tbit -o g.fa && tribit export fai g.tbit -o g.fa.fai")]
    Fai(Listing),
    /// Write UCSC chrom.sizes: each sequence's name and length.
    Sizes(Listing),
    /// Write UCSC .2bit, as faToTwoBit does; letters other than A, C, G,
    /// T and N (in either case) are refused.
    #[command(name = "2bit")]
    TwoBit(super::twobit::Export2bit),
}

/// Arguments of `export parquet` and `export arrow`.
#[derive(Args, Debug)]
pub struct Columnar {
    /// The tribit file to read.
    input: PathBuf,
    /// The table to write (may be left out when the file has one table).
    #[arg(long)]
    table: Option<String>,
    /// Where to write the file; it appears only when complete.
    #[arg(short, long)]
    output: PathBuf,
    /// Only these columns, in this order (comma-separated).
    #[arg(long, value_delimiter = ',')]
    columns: Option<Vec<String>>,
}

fn run_columnar(ctx: &Ctx, a: Columnar, parquet: bool) -> Result<ExitCode> {
    let file = crate::File::open(&a.input)?;
    let t = pick(file.tables()?, a.table.as_deref())?;
    let names: Option<Vec<&str>> = a.columns.as_ref().map(|c| c.iter().map(String::as_str).collect());
    let out = Output::create(&a.output, &ctx.output_policy([a.input.as_path()]))?;
    let out = if parquet {
        crate::convert::arrow::write_parquet(t, names.as_deref(), out)
    } else {
        crate::convert::arrow::write_ipc(t, names.as_deref(), out)
    };
    out.map_err(|e| blame(e, &a.input, &a.output))?.commit()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct Listing {
    /// The tribit file to read.
    input: PathBuf,
    /// Where to write (standard output when absent or '-').
    #[arg(short, long)]
    output: Option<PathBuf>,
}

fn run_listing(ctx: &Ctx, a: Listing, fai: bool) -> Result<ExitCode> {
    let reader = Reader::open(&a.input)?;
    let out_path = a.output.clone().unwrap_or_else(|| PathBuf::from("-"));
    let mut out = Output::create(&out_path, &ctx.output_policy([a.input.as_path()]))?;
    if fai {
        crate::convert::fai::write_fai(&reader, &mut out).map_err(|e| blame(e, &a.input, &out_path))?;
    } else {
        crate::convert::fai::write_sizes(&reader, &mut out).map_err(|e| blame(e, &a.input, &out_path))?;
    }
    out.commit()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct Csv {
    /// The tribit file to read.
    input: PathBuf,
    /// The table to write (may be left out when the file has one table).
    #[arg(long)]
    table: Option<String>,
    /// Where to write the CSV (standard output when absent or '-').
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Field delimiter: one ASCII character other than '"', CR or LF
    /// (default ','); a tab may also be written 'tab' or '\t'.
    #[arg(long, default_value = ",")]
    delimiter: String,
}

/// The table `name` of `ts`, or its only table.
pub(crate) fn pick<'t, 'a>(
    ts: &'t crate::table::TableSet<'a>,
    name: Option<&str>,
) -> Result<&'t crate::table::Table<'a>> {
    match name {
        Some(n) => ts.table(n).ok_or_else(|| {
            let names: Vec<&str> = ts.tables().iter().map(|t| t.name()).collect();
            crate::Error::input(format!("--table '{n}': no such table (tables: {})", names.join(", ")))
        }),
        None if ts.tables().len() == 1 => Ok(&ts.tables()[0]),
        None => Err(crate::Error::input(format!(
            "the file has {} tables: name one with --table",
            ts.tables().len()
        ))),
    }
}

fn run_csv(ctx: &Ctx, a: Csv) -> Result<ExitCode> {
    let d = super::import::delimiter(&a.delimiter)?;
    let reader = Reader::open(&a.input)?;
    let ts = crate::table::TableSet::new(reader.bytes(), reader.container()).map_err(|e| e.in_file(&a.input))?;
    let t = pick(&ts, a.table.as_deref())?;
    match a.output.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            let mut out = Output::create(path, &ctx.output_policy([a.input.as_path()]))?;
            crate::convert::csv::export_table(t, &mut out, d, None).map_err(|e| blame(e, &a.input, path))?;
            out.commit()?;
        }
        None => {
            let stdout = std::io::stdout();
            let out = BufWriter::with_capacity(1 << 20, stdout.lock());
            crate::convert::csv::export_table(t, out, d, None)
                .map_err(|e| blame(e, &a.input, "standard output".as_ref()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct Fasta {
    /// The tribit file to read.
    input: PathBuf,
    #[command(flatten)]
    refs: super::RefArg,
    /// Where to write the FASTA (standard output when absent or '-'); the
    /// file appears only when complete.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, cmd: Export) -> Result<ExitCode> {
    let a = match cmd {
        Export::Fasta(a) => a,
        Export::Csv(a) => return run_csv(ctx, a),
        Export::Parquet(a) => return run_columnar(ctx, a, true),
        Export::Arrow(a) => return run_columnar(ctx, a, false),
        Export::Fai(a) => return run_listing(ctx, a, true),
        Export::Sizes(a) => return run_listing(ctx, a, false),
        Export::TwoBit(a) => return super::twobit::run_export(ctx, a),
    };
    let reader = a.refs.open(&a.input)?;
    let total: u64 = reader.sequences().filter_map(|s| s.ok()).map(|s| s.len()).sum();
    let bar = ctx.progress(Some(total), "exporting");
    let with_path = |e: crate::Error| e.in_file(&a.input);
    let mut buf = Vec::new();
    match a.output.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            let mut out = Output::create(path, &ctx.output_policy([a.input.as_path()]))?;
            for seq in reader.sequences() {
                let seq = seq.map_err(with_path)?;
                fasta::write_sequence(&reader, &seq, &mut out, &mut buf).map_err(|e| blame(e, &a.input, path))?;
                bar.inc(seq.len());
            }
            out.commit()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
            for seq in reader.sequences() {
                let seq = seq.map_err(with_path)?;
                fasta::write_sequence(&reader, &seq, &mut out, &mut buf)
                    .map_err(|e| blame(e, &a.input, "standard output".as_ref()))?;
                bar.inc(seq.len());
            }
            out.flush().map_err(write_err)?;
        }
    }
    bar.finish_and_clear();
    Ok(ExitCode::SUCCESS)
}
