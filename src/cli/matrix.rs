//! `tribit import matrix` and `tribit query-matrix` (SPEC §8.9).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::import::Order;
use super::{write_err, Ctx};
use crate::container::ByteOrder;
use crate::convert::matrix as cm;
use crate::error::{Error, Result};
use crate::matrix::MatrixOptions;
use crate::table::{ColumnType, TablesWriter};
use crate::File;

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  tribit import matrix expr.tsv -o expr.tbit --name expr --type f32
  tribit import matrix counts.npy -o counts.tbit --name counts --row-names runs.txt --col-names genes.txt")]
pub struct ImportMatrix {
    /// Input: .npy (a 2-D C-order array), .csv (comma-separated) or any
    /// other name for tab-separated text. Text has a header row (a corner
    /// field, then the column names) and one line per row, its name first;
    /// an empty field, NA or null is a null cell.
    input: PathBuf,
    /// The tribit file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Matrix name (default: the input's file stem).
    #[arg(long)]
    name: Option<String>,
    /// Cell type of text input: f32, f64, i8..i64 or u8..u64 (a .npy keeps its own).
    #[arg(long = "type", default_value = "f32")]
    ty: String,
    /// For .npy: a file of row names, one per line (default: 0, 1, ...).
    #[arg(long, value_name = "FILE")]
    row_names: Option<PathBuf>,
    /// For .npy: a file of column names, one per line (default: 0, 1, ...).
    #[arg(long, value_name = "FILE")]
    col_names: Option<PathBuf>,
    /// Rows per tile (default 8, lowered to fit --memory-limit).
    #[arg(long)]
    tile_rows: Option<u32>,
    /// Cells per tile row (default 512 bytes' worth).
    #[arg(long)]
    tile_cols: Option<u32>,
    /// Most bytes of cells the writer holds in memory (one band of tiles).
    #[arg(long, default_value_t = 256 << 20)]
    memory_limit: u64,
    /// Byte order of the output.
    #[arg(long, value_enum, default_value = "little")]
    byte_order: Order,
}

fn lines(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read", e).in_file(path))?;
    Ok(text.lines().map(|l| l.trim_end_matches('\r').to_string()).collect())
}

pub fn run_import(ctx: &Ctx, a: ImportMatrix) -> Result<ExitCode> {
    let mut inputs = vec![a.input.as_path()];
    inputs.extend(a.row_names.as_deref());
    inputs.extend(a.col_names.as_deref());
    let file = crate::output::Output::create_seekable(&a.output, &ctx.output_policy(inputs))?;
    let ty = ColumnType::parse(&a.ty)
        .filter(|t| crate::matrix::cell_type(t.code()).is_some())
        .ok_or_else(|| Error::input(format!("--type {}: expected f32, f64, i8..i64 or u8..u64", a.ty)))?;
    let name = a.name.clone().unwrap_or_else(|| {
        a.input
            .file_stem()
            .map_or("matrix".into(), |s| s.to_string_lossy().into_owned())
    });
    let opts = MatrixOptions {
        ty,
        tile_rows: a.tile_rows,
        tile_cols: a.tile_cols,
        memory_limit: a.memory_limit,
        null_value: None,
    };
    let order = match a.byte_order {
        Order::Little => ByteOrder::Little,
        Order::Big => ByteOrder::Big,
    };
    let input = std::fs::File::open(&a.input).map_err(|e| Error::io("cannot open", e).in_file(&a.input))?;
    let input = std::io::BufReader::with_capacity(1 << 20, input);
    let mut w = TablesWriter::new(file, order)?;
    let ext = a.input.extension().map(|e| e.to_ascii_lowercase());
    let (rows, cols) = match ext.as_ref().and_then(|e| e.to_str()) {
        Some("npy") => {
            let rn = a.row_names.as_deref().map(lines).transpose()?;
            let cn = a.col_names.as_deref().map(lines).transpose()?;
            cm::import_npy(input, &mut w, &name, &opts, rn, cn)
        }
        Some(e) => {
            if a.row_names.is_some() || a.col_names.is_some() {
                return Err(Error::input(
                    "--row-names and --col-names are for .npy input; text names its rows and columns",
                ));
            }
            cm::import_text(input, if e == "csv" { b',' } else { b'\t' }, &mut w, &name, &opts)
        }
        None => cm::import_text(input, b'\t', &mut w, &name, &opts),
    }
    .map_err(|e| e.in_file(&a.input))?;
    w.finish().map_err(|e| e.in_file(&a.output))?.commit()?;
    if !ctx.quiet {
        eprintln!("tribit: wrote {}: matrix '{name}', {rows} x {cols}", a.output.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Print rows and columns of a matrix, chosen by name, as TSV.
///
/// Rows and columns are found by name through the hash indexes of the
/// matrix's name tables. Without --rows (or --rows-file) every row is
/// printed, without --cols every column, each in the order asked. A name
/// the matrix lacks is an error (exit 2). Null cells print as empty fields.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  tribit query-matrix expr.tbit --name expr --cols TP53,BRCA1
  tribit query-matrix expr.tbit --rows-file runs.txt --cols TP53")]
pub struct QueryMatrix {
    /// The tribit file to read.
    input: PathBuf,
    /// The matrix (may be left out when the file has one).
    #[arg(long)]
    name: Option<String>,
    /// Row names, comma-separated.
    #[arg(long, conflicts_with = "rows_file")]
    rows: Option<String>,
    /// A file of row names, one per line.
    #[arg(long, value_name = "FILE")]
    rows_file: Option<PathBuf>,
    /// Column names, comma-separated.
    #[arg(long, conflicts_with = "cols_file")]
    cols: Option<String>,
    /// A file of column names, one per line.
    #[arg(long, value_name = "FILE")]
    cols_file: Option<PathBuf>,
}

fn names(list: &Option<String>, file: &Option<PathBuf>) -> Result<Option<Vec<String>>> {
    match (list, file) {
        (Some(l), _) => Ok(Some(l.split(',').map(str::to_string).collect())),
        (None, Some(f)) => Ok(Some(lines(f)?.into_iter().filter(|l| !l.is_empty()).collect())),
        (None, None) => Ok(None),
    }
}

pub fn run_query(_ctx: &Ctx, a: QueryMatrix) -> Result<ExitCode> {
    let f = File::open(&a.input)?;
    let all = f.matrix_names()?;
    let name = match (&a.name, &all[..]) {
        (Some(n), _) => n.clone(),
        (None, [one]) => one.to_string(),
        (None, []) => return Err(Error::input(format!("{}: the file has no matrices", a.input.display()))),
        (None, _) => {
            return Err(Error::input(format!(
                "{}: name the matrix with --name (matrices: {})",
                a.input.display(),
                all.join(", ")
            )))
        }
    };
    let m = f.matrix(&name)?;
    let pick = |asked: Option<Vec<String>>, n: u64, lookup: &dyn Fn(&[&str]) -> Result<Vec<u64>>| match asked {
        Some(v) => lookup(&v.iter().map(String::as_str).collect::<Vec<_>>()),
        None => Ok((0..n).collect()),
    };
    let (nr, nc) = m.shape();
    let rows = pick(names(&a.rows, &a.rows_file)?, nr, &|v| m.row_positions(v))?;
    let cols = pick(names(&a.cols, &a.cols_file)?, nc, &|v| m.col_positions(v))?;
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    cm::write_tsv(&m, &rows, &cols, "", &mut out)?;
    out.flush().map_err(write_err)?;
    Ok(ExitCode::SUCCESS)
}
