//! Functions on files by path: FASTA and CSV import, and validation.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::{err, input};

fn order(s: &str) -> PyResult<tribit::container::ByteOrder> {
    match s {
        "little" => Ok(tribit::container::ByteOrder::Little),
        "big" => Ok(tribit::container::ByteOrder::Big),
        _ => Err(input(format!("byte_order '{s}': expected 'little' or 'big'"))),
    }
}

/// Imports FASTA (plain or gzip) into a tribit file, as `tribit import
/// fasta`; returns {'sequences', 'bases', 'warnings'}.
#[pyfunction]
#[pyo3(signature = (fasta, output, byte_order = "little", block_bases = None, refget = false))]
pub(crate) fn import_fasta<'py>(
    py: Python<'py>,
    fasta: PathBuf,
    output: PathBuf,
    byte_order: &str,
    block_bases: Option<u32>,
    refget: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let o = order(byte_order)?;
    let summary = py
        .detach(|| -> tribit::Result<_> {
            let input = tribit::convert::fasta::open_input(&fasta)?;
            let mut w = tribit::WriterBuilder::default()
                .set_byte_order(o)
                .set_block_bases(block_bases.unwrap_or(tribit::spec::DEFAULT_BLOCK_BASES))
                .set_refget(refget)
                .build_to_path(&output)?;
            let summary = tribit::convert::fasta::read_fasta(input, &mut w).map_err(|e| e.in_file(&fasta))?;
            w.finish().map_err(|e| e.in_file(&output))?.commit()?;
            Ok(summary)
        })
        .map_err(err)?;
    let d = PyDict::new(py);
    d.set_item("sequences", summary.sequences)?;
    d.set_item("bases", summary.bases)?;
    d.set_item(
        "warnings",
        summary.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
    )?;
    Ok(d)
}

/// Imports a CSV as a typed table, as `tribit import csv`: `schema` as
/// 'NAME:TYPE,...' (inferred when None), `index` a list of indexes, each a
/// column name or a list of names (a composite key); `allow_multiline`
/// accepts quoted fields that hold line breaks (as `--allow-multiline`).
/// Returns the row count.
#[pyfunction]
#[pyo3(signature = (csv, output, table = None, schema = None, index = None, delimiter = ",", byte_order = "little", allow_multiline = false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn import_csv(
    py: Python<'_>,
    csv: PathBuf,
    output: PathBuf,
    table: Option<String>,
    schema: Option<String>,
    index: Option<&Bound<'_, PyAny>>,
    delimiter: &str,
    byte_order: &str,
    allow_multiline: bool,
) -> PyResult<u64> {
    use tribit::table::{Schema, TableOptions, TablesWriter};
    let o = order(byte_order)?;
    let d = match delimiter {
        "\t" | "\\t" | "tab" => b'\t',
        s if s.len() == 1 && s.is_ascii() => s.as_bytes()[0],
        s => return Err(input(format!("delimiter '{s}': expected one ASCII character or '\\t'"))),
    };
    let mut indexes: Vec<Vec<String>> = Vec::new();
    if let Some(ix) = index {
        for item in ix.try_iter()? {
            let item = item?;
            match item.extract::<String>() {
                Ok(s) => indexes.push(s.split(',').map(|c| c.trim().to_string()).collect()),
                Err(_) => indexes.push(item.extract()?),
            }
        }
    }
    let name = table.unwrap_or_else(|| {
        csv.file_stem()
            .map_or("table".into(), |s| s.to_string_lossy().into_owned())
    });
    let read = tribit::convert::csv::CsvOptions {
        delimiter: d,
        allow_multiline,
    };
    py.detach(|| -> tribit::Result<u64> {
        let open = || std::fs::File::open(&csv).map_err(|e| tribit::Error::io("cannot open", e).in_file(&csv));
        let schema = match &schema {
            Some(s) => Schema::parse(s).map_err(|e| tribit::Error::input(format!("schema: {}", e.message())))?,
            None => tribit::convert::csv::infer_schema_with(std::io::BufReader::new(open()?), read)
                .map_err(|e| e.in_file(&csv))?,
        };
        let file = tribit::container::AtomicFile::create(&output)?;
        let mut w = TablesWriter::new(file, o)?;
        let opts = TableOptions { indexes };
        let mut t = w
            .table(&name, schema, &opts)
            .map_err(|e| tribit::Error::input(format!("index: {}", e.message())))?;
        let rows = tribit::convert::csv::import_csv_with(
            std::io::BufReader::with_capacity(1 << 20, open()?),
            read,
            &mut t,
            |_| {},
        )
        .map_err(|e| e.in_file(&csv))?;
        t.finish()?;
        w.finish().map_err(|e| e.in_file(&output))?.commit()?;
        Ok(rows)
    })
    .map_err(err)
}

/// Checks every rule of SPEC.md and every checksum of the file at `path`,
/// as `tribit validate`: {'valid': bool, 'problems': [{label, class,
/// section, offset, message}], 'omitted': int}.
#[pyfunction]
pub(crate) fn validate<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyDict>> {
    let report = py
        .detach(|| tribit::container::Data::map(&path).map(|d| tribit::validate::validate(d.bytes())))
        .map_err(err)?;
    let json = serde_json::to_string(&report.problems).map_err(|e| input(e.to_string()))?;
    let d = PyDict::new(py);
    d.set_item("valid", report.is_valid())?;
    d.set_item("problems", py.import("json")?.call_method1("loads", (json,))?)?;
    d.set_item("omitted", report.omitted)?;
    Ok(d)
}
