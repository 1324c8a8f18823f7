//! `tribit query`: rows of a table by key, IN-list and AND.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{write_err, Ctx};
use crate::error::{Error, Result};
use crate::sequence::Reader;
use crate::table::{OwnedValue, Plan, TableSet, Value};

/// Select rows of a table. Every condition must hold (AND); an --in list
/// matches any of its values (OR). An index answers the conditions it
/// covers (a composite index needs one value for each of its columns);
/// other conditions are checked by scanning. --explain says which on stderr.
#[derive(Args, Debug)]
pub struct Query {
    /// The tribit file to read.
    input: PathBuf,
    /// The table to query (may be left out when the file has one table).
    #[arg(long)]
    table: Option<String>,
    /// A condition COL=VALUE (an empty VALUE is null in a nullable column); repeatable.
    #[arg(long = "where", value_name = "COL=VALUE")]
    conditions: Vec<String>,
    /// COL FILE: COL equals one of the values in FILE, one per line; repeatable.
    #[arg(long = "in", num_args = 2, value_names = ["COL", "FILE"], action = clap::ArgAction::Append)]
    in_lists: Vec<String>,
    /// Columns to print, comma-separated (default: all).
    #[arg(long)]
    columns: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    /// Print only the number of matching rows.
    #[arg(long)]
    count: bool,
    /// Say on stderr which conditions used an index and which a scan.
    #[arg(long)]
    explain: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Csv,
    Tsv,
    Json,
}

pub fn run(_ctx: &Ctx, a: Query) -> Result<ExitCode> {
    let reader = Reader::open(&a.input)?;
    let ts = TableSet::new(reader.bytes(), reader.container()).map_err(|e| e.in_file(&a.input))?;
    let t = super::export::pick(&ts, a.table.as_deref())?;
    let mut conds: Vec<(String, Vec<OwnedValue>)> = Vec::new();
    for w in &a.conditions {
        let Some((col, text)) = w.split_once('=') else {
            return Err(Error::input(format!("--where '{w}': expected COL=VALUE")));
        };
        let v = t
            .parse_value(col, text)
            .map_err(|e| Error::input(format!("--where '{w}': {}", e.message())))?;
        conds.push((col.to_string(), vec![v]));
    }
    for pair in a.in_lists.chunks(2) {
        let [col, file] = pair else { continue };
        let text = std::fs::read_to_string(file).map_err(|e| Error::io("cannot read", e).in_file(file))?;
        let mut vals = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let v = t.parse_value(col, line).map_err(|e| {
                Error::input(format!("--in {col}: {}", e.message()))
                    .at_line(i as u64 + 1, 0)
                    .in_file(file)
            })?;
            vals.push(v);
        }
        conds.push((col.clone(), vals));
    }
    let columns: Vec<usize> = match &a.columns {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|c| {
                t.schema()
                    .position(c.trim())
                    .ok_or_else(|| Error::input(format!("--columns: table '{}' has no column '{c}'", t.name())))
            })
            .collect::<Result<_>>()?,
    };
    let borrowed: Vec<(&str, Vec<Value<'_>>)> = conds
        .iter()
        .map(|(c, vs)| (c.as_str(), vs.iter().map(OwnedValue::as_value).collect()))
        .collect();
    let (rows, plans) = t.select(&borrowed)?;
    if a.explain {
        if plans.is_empty() {
            eprintln!("tribit: plan: no condition, every row of '{}'", t.name());
        }
        for p in &plans {
            match p {
                Plan::Index(cols) => {
                    eprintln!("tribit: plan: index on ({}) for {}", cols.join(","), cols.join(" AND "))
                }
                Plan::Scan(c) => eprintln!("tribit: plan: scan of column {c} (no index covers it)"),
            }
        }
        eprintln!("tribit: plan: {} rows in {} ranges", rows.len(), rows.ranges().len());
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    if a.count {
        writeln!(out, "{}", rows.len()).map_err(write_err)?;
        out.flush().map_err(write_err)?;
        return Ok(ExitCode::SUCCESS);
    }
    match a.format {
        Format::Csv | Format::Tsv => {
            let d = if matches!(a.format, Format::Tsv) { b'\t' } else { b',' };
            crate::convert::csv::export_rows(t, &mut out, d, &columns, &mut rows.rows())?;
        }
        Format::Json => {
            let cols: Vec<usize> = if columns.is_empty() {
                (0..t.schema().columns.len()).collect()
            } else {
                columns
            };
            writeln!(out, "[").map_err(write_err)?;
            for (k, r) in rows.rows().enumerate() {
                let mut obj = serde_json::Map::new();
                for &c in &cols {
                    let v = match t.cell(r, c)? {
                        Value::Null => serde_json::Value::Null,
                        Value::Bool(b) => b.into(),
                        Value::Int(i) => i.into(),
                        Value::UInt(u) => u.into(),
                        Value::F32(f) => {
                            serde_json::Number::from_f64(f as f64).map_or(serde_json::Value::Null, Into::into)
                        }
                        Value::F64(f) => serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into),
                        Value::Str(s) => s.into(),
                    };
                    obj.insert(t.schema().columns[c].name.clone(), v);
                }
                let sep = if k + 1 < rows.len() as usize { "," } else { "" };
                writeln!(out, "  {}{sep}", serde_json::Value::Object(obj)).map_err(write_err)?;
            }
            writeln!(out, "]").map_err(write_err)?;
        }
    }
    out.flush().map_err(write_err)?;
    Ok(ExitCode::SUCCESS)
}
