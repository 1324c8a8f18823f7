//! `tribit query`: rows of a table by key, IN-list and AND.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{write_err, Ctx};
use crate::container::{Container, Data};
use crate::error::{Error, Result};
use crate::sequence::Reader;
use crate::table::filter::{Condition, Filter, Op};
use crate::table::index::IndexFile;
use crate::table::{OwnedValue, Plan, TableSet, Value};

/// Select rows of a table by key and comparison, and print them.
///
/// Every condition must hold (AND); an --in list
/// matches any of its values (OR). An index answers the equality conditions
/// it covers (a composite index needs one value for each of its columns);
/// other equalities are checked by scanning, and the comparisons (!=, <,
/// <=, >, >=) last, on the rows the equalities left. --explain says which
/// on stderr.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  tribit query expr.tbit --where GENE=TP53 --format json
  tribit query expr.tbit --where GENE=TP53 --where 'VALUE>=2.5' --count
  tribit query expr.tbit --in PATIENT patients.txt --where 'VALUE<0' --explain
  tribit query expr.tbit --where 'NOTE!=' --columns GENE,NOTE   # NOTE is not null
  tribit query shared/expr.tbit --index-file my.idx.tbit --where PROBESET=1007_s_at --explain")]
pub struct Query {
    /// The tribit file to read.
    input: PathBuf,
    /// The table to query (may be left out when the file has one table).
    #[arg(long)]
    table: Option<String>,
    /// A condition COL OP VALUE, OP one of =, !=, <, <=, >, >= (quote it
    /// for the shell); repeatable. = and != take any column (an empty VALUE
    /// is null: 'COL=' is null, 'COL!=' is not null); the others a numeric
    /// column. A null cell passes no comparison.
    #[arg(long = "where", value_name = "COL OP VALUE")]
    conditions: Vec<String>,
    /// COL FILE: COL equals one of the values in FILE, one per line; repeatable.
    #[arg(long = "in", num_args = 2, value_names = ["COL", "FILE"], action = clap::ArgAction::Append)]
    in_lists: Vec<String>,
    /// Columns to print, comma-separated (default: all).
    #[arg(long)]
    columns: Option<String>,
    /// Output format. csv and tsv: as `tribit export csv`. json: an array
    /// with one object per row, keys in column order; integers and finite
    /// floats are numbers (floats in their shortest round-trip form, an f32
    /// as an f32: 0.1 prints as 0.1), NaN and the infinities are the strings
    /// "NaN", "inf" and "-inf", and null is null.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    /// Print only the number of matching rows.
    #[arg(long)]
    count: bool,
    /// Print the 0-based numbers of the matching rows, one per line, in
    /// ascending order, instead of the rows.
    #[arg(long, conflicts_with = "count")]
    row_numbers: bool,
    /// Say on stderr which conditions used an index and which a scan, and
    /// which indexes could not be used and why.
    #[arg(long)]
    explain: bool,
    /// Use the indexes of this index file too (written by `tribit index add
    /// --index-file`); refused when the table changed since they were built.
    /// Repeatable.
    #[arg(long, value_name = "FILE")]
    index_file: Vec<PathBuf>,
    /// Do not check the checksums of the table's sections (their bounds and
    /// structure are still checked); faster for a few keys of a large table.
    #[arg(long)]
    no_verify: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Csv,
    Tsv,
    Json,
}

pub fn run(_ctx: &Ctx, a: Query) -> Result<ExitCode> {
    let reader = Reader::open(&a.input)?;
    let mut sides = Vec::new();
    for p in &a.index_file {
        let d = Data::map(p)?;
        let c = Container::parse(d.bytes()).map_err(|e| e.in_file(p))?;
        sides.push((p, d, c));
    }
    let mut ts = if a.no_verify {
        TableSet::new_unverified(reader.bytes(), reader.container())
    } else {
        TableSet::new(reader.bytes(), reader.container())
    }
    .map_err(|e| e.in_file(&a.input))?;
    for (p, d, c) in &sides {
        let f = IndexFile::new(d.bytes(), c, !a.no_verify).map_err(|e| e.in_file(p))?;
        if f.is_empty() {
            return Err(Error::input(format!(
                "{} is not an index file: it has no INDEX_TARGET",
                p.display()
            )));
        }
        ts.attach(&f, reader.container(), &p.display().to_string())
            .map_err(|e| e.in_file(&a.input))?;
    }
    let t = super::export::pick(&ts, a.table.as_deref())?;
    let mut conds: Vec<(String, Vec<OwnedValue>)> = Vec::new();
    let mut filters = Vec::new();
    for w in &a.conditions {
        let c = Condition::parse(w).map_err(|e| Error::input(format!("--where {}", e.message())))?;
        if c.op == Op::Eq {
            let v = t
                .parse_value(&c.column, &c.value)
                .map_err(|e| Error::input(format!("--where '{w}': {}", e.message())))?;
            conds.push((c.column, vec![v]));
        } else {
            let f = Filter::new(t, &c).map_err(|e| Error::input(format!("--where '{w}': {}", e.message())))?;
            filters.push((w.clone(), f));
        }
    }
    for pair in a.in_lists.chunks(2) {
        let [col, file] = pair else { continue };
        let text = std::fs::read_to_string(file).map_err(|e| Error::io("cannot read", e).in_file(file))?;
        let mut vals = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            // An empty line is null in a nullable column (as an empty
            // --where value is); elsewhere it is a blank line, skipped.
            if line.is_empty() && !t.schema().columns.iter().any(|c| c.name == *col && c.nullable) {
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
    let (selected, plans) = t.select(&borrowed)?;
    let narrowed = selected.len();
    let only: Vec<Filter> = filters.iter().map(|(_, f)| f.clone()).collect();
    let rows = if only.is_empty() {
        selected
    } else {
        t.filter(&selected, &only)?
    };
    let (count, ranges) = (rows.len(), rows.ranges().len());
    if a.explain {
        for u in t.unusable_indexes() {
            eprintln!(
                "tribit: plan: the HASH_INDEX at byte {} is not used: {}",
                u.section_offset,
                u.problem()
            );
        }
        if plans.is_empty() && filters.is_empty() {
            eprintln!("tribit: plan: no condition, every row of '{}'", t.name());
        }
        for p in &plans {
            match p {
                Plan::Index(cols) => {
                    eprintln!("tribit: plan: index on ({}) for {}", cols.join(","), cols.join(" AND "))
                }
                Plan::IndexFile { columns, file } => eprintln!(
                    "tribit: plan: index on ({}) from the index file {file} for {}",
                    columns.join(","),
                    columns.join(" AND ")
                ),
                Plan::Scan(c) => eprintln!("tribit: plan: scan of column {c} (no index covers it)"),
                Plan::ScanPastKeyLimit { column, index, keys } => eprintln!(
                    "tribit: plan: scan of column {column}: the index on ({}) covers it, but the IN-lists give {keys} \
                     key combinations, more than the {} one lookup takes",
                    index.join(","),
                    crate::table::MAX_LOOKUP_KEYS
                ),
            }
        }
        for (w, f) in &filters {
            eprintln!(
                "tribit: plan: filter '{w}': read column {} of the {narrowed} rows {}",
                t.schema().columns[f.column()].name,
                if plans.is_empty() {
                    "(every row: no equality condition narrows them)"
                } else {
                    "the conditions above left"
                }
            );
        }
        eprintln!("tribit: plan: {count} rows in {ranges} ranges");
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    if a.count {
        writeln!(out, "{count}").map_err(write_err)?;
        out.flush().map_err(write_err)?;
        return Ok(ExitCode::SUCCESS);
    }
    if a.row_numbers {
        for r in rows.rows() {
            writeln!(out, "{r}").map_err(write_err)?;
        }
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
            // Written directly, a line per row into one reused buffer: the
            // keys are escaped once, the values need no intermediate tree.
            let keys: Vec<Vec<u8>> = cols
                .iter()
                .map(|&c| {
                    let mut k = Vec::new();
                    json_string(&mut k, &t.schema().columns[c].name);
                    k.push(b':');
                    k
                })
                .collect();
            writeln!(out, "[").map_err(write_err)?;
            let mut line = Vec::new();
            for (k, r) in rows.rows().enumerate() {
                line.clear();
                line.extend_from_slice(b"  {");
                for (i, &c) in cols.iter().enumerate() {
                    if i > 0 {
                        line.push(b',');
                    }
                    line.extend_from_slice(&keys[i]);
                    json_value(&mut line, t.cell(r, c)?);
                }
                line.push(b'}');
                if (k as u64) + 1 < count {
                    line.push(b',');
                }
                line.push(b'\n');
                out.write_all(&line).map_err(write_err)?;
            }
            writeln!(out, "]").map_err(write_err)?;
        }
    }
    out.flush().map_err(write_err)?;
    Ok(ExitCode::SUCCESS)
}

/// Appends `v` as a JSON value (see `--format`): floats in their shortest
/// round-trip form at their own width (Debug of a finite float, with an
/// exponent when very large or small: a JSON number), NaN and the
/// infinities as strings.
fn json_value(out: &mut Vec<u8>, v: Value<'_>) {
    fn non_finite(nan: bool, negative: bool) -> &'static [u8] {
        match (nan, negative) {
            (true, _) => b"\"NaN\"",
            (false, true) => b"\"-inf\"",
            (false, false) => b"\"inf\"",
        }
    }
    // Writing to a Vec cannot fail.
    let _ = match v {
        Value::Null => out.write_all(b"null"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Int(i) => write!(out, "{i}"),
        Value::UInt(u) => write!(out, "{u}"),
        Value::F32(f) if f.is_finite() => write!(out, "{f:?}"),
        Value::F64(f) if f.is_finite() => write!(out, "{f:?}"),
        Value::F32(f) => out.write_all(non_finite(f.is_nan(), f < 0.0)),
        Value::F64(f) => out.write_all(non_finite(f.is_nan(), f < 0.0)),
        Value::Str(s) => {
            json_string(out, s);
            Ok(())
        }
    };
}

/// Appends `s` as a JSON string (RFC 8259 §7).
fn json_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1F => b"",
            _ => continue,
        };
        out.extend_from_slice(&s.as_bytes()[from..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.extend_from_slice(esc);
        }
        from = i + 1;
    }
    out.extend_from_slice(&s.as_bytes()[from..]);
    out.push(b'"');
}
