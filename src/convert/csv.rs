//! CSV <-> tables (SPEC §8.6): RFC 4180 with a header row, streamed.
//!
//! Schema inference (without `--schema`), per column over every non-empty
//! field: `bool` if all are `true`/`false`; else `i64` if all parse as i64;
//! else `f64` if all parse as f64; else `dict` (dictionary-encoded string).
//! A column with an empty field is nullable; a column whose fields are all
//! empty is a nullable `dict`. Empty fields are null in nullable columns and
//! the empty string in non-nullable string columns (CSV cannot tell a null
//! from an empty string: a nullable string column exports both as empty).
//!
//! ```
//! use std::io::Cursor;
//! use tribit::container::{ByteOrder, Container};
//! use tribit::convert::csv::{export_table, import_csv, infer_schema};
//! use tribit::table::{TableOptions, TableSet, TablesWriter};
//! let text = "ID,GENE,RAW\n1,TP53,0.5\n2,,\n";
//! let schema = infer_schema(text.as_bytes(), b',').unwrap();
//! assert_eq!(schema.to_text(), "ID:i64,GENE:dict?,RAW:f64?");
//! let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
//! let mut t = w.table("t", schema, &TableOptions::default()).unwrap();
//! import_csv(text.as_bytes(), b',', &mut t, |_| {}).unwrap();
//! t.finish().unwrap();
//! let bytes = w.finish().unwrap().into_inner();
//! let c = Container::parse(&bytes).unwrap();
//! let ts = TableSet::new(&bytes, &c).unwrap();
//! let mut out = Vec::new();
//! export_table(ts.table("t").unwrap(), &mut out, b',', None).unwrap();
//! assert_eq!(String::from_utf8(out).unwrap(), text);
//! ```

use std::io::{Read, Seek, Write};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

use crate::error::{Error, ErrorKind, Result};
use crate::table::{parse_field, ColumnDef, ColumnType, Schema, Table, TableWriter, Value};

fn reader<R: Read>(input: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(input)
}

fn csv_err(e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    let msg = match e.kind() {
        csv::ErrorKind::Io(io) => return Error::io("cannot read CSV", std::io::Error::new(io.kind(), io.to_string())),
        _ => format!("malformed CSV: {e}"),
    };
    let err = Error::input(msg);
    if line > 0 {
        err.at_line(line, 0)
    } else {
        err
    }
}

fn header<R: Read>(r: &mut csv::Reader<R>) -> Result<Vec<String>> {
    let h = r.byte_headers().map_err(csv_err)?.clone();
    let mut names = Vec::with_capacity(h.len());
    for (i, f) in h.iter().enumerate() {
        let s = std::str::from_utf8(f)
            .map_err(|_| Error::input(format!("header field {} is not UTF-8", i + 1)).at_line(1, 0))?;
        names.push(s.to_string());
    }
    if names.is_empty() || names.iter().all(|n| n.is_empty()) {
        return Err(Error::input("no header row: the first line must name the columns").at_line(1, 0));
    }
    Ok(names)
}

fn field<'r>(rec: &'r csv::ByteRecord, i: usize, line: u64, name: &str) -> Result<&'r str> {
    std::str::from_utf8(rec.get(i).unwrap_or_default())
        .map_err(|_| Error::input(format!("field {} (column '{name}') is not valid UTF-8", i + 1)).at_line(line, 0))
}

/// Infers a schema from a whole CSV input (see the module docs).
pub fn infer_schema<R: Read>(input: R, delimiter: u8) -> Result<Schema> {
    let mut r = reader(input, delimiter);
    let names = header(&mut r)?;
    // Per column: (could be bool, could be i64, could be f64, has empty, has value).
    let mut st = vec![(true, true, true, false, false); names.len()];
    let mut rec = csv::ByteRecord::new();
    while r.read_byte_record(&mut rec).map_err(csv_err)? {
        let line = rec.position().map_or(0, |p| p.line());
        check_len(rec.len(), names.len(), line)?;
        for (i, s) in st.iter_mut().enumerate() {
            let f = field(&rec, i, line, &names[i])?;
            if f.is_empty() {
                s.3 = true;
                continue;
            }
            s.4 = true;
            // The same parser as the import, so an inferred type never
            // refuses a field of the file it was inferred from.
            s.0 &= s.0 && parse_field(f, ColumnType::Bool, false).is_ok();
            s.1 &= s.1 && parse_field(f, ColumnType::I64, false).is_ok();
            s.2 &= s.2 && parse_field(f, ColumnType::F64, false).is_ok();
        }
    }
    let columns = names
        .into_iter()
        .zip(st)
        .map(|(name, (b, i, f, empty, any))| ColumnDef {
            name,
            ty: match (any, b, i, f) {
                (false, ..) => ColumnType::Dict,
                (_, true, _, _) => ColumnType::Bool,
                (_, _, true, _) => ColumnType::I64,
                (_, _, _, true) => ColumnType::F64,
                _ => ColumnType::Dict,
            },
            nullable: empty || !any,
        })
        .collect();
    let s = Schema { columns };
    s.check()?;
    Ok(s)
}

fn check_len(len: usize, want: usize, line: u64) -> Result<()> {
    if len != want {
        return Err(Error::input(format!("{len} fields, the header has {want}")).at_line(line, 0));
    }
    Ok(())
}

/// Records per batch handed from the parsing thread to the row writer.
const BATCH: usize = 4096;

/// A batch of parsed records, or the error that ended the input.
type Batch = Result<Vec<csv::StringRecord>>;

/// Parses records on the calling thread into batches sent to `tx`; empty
/// batches come back on `back` to be refilled, so records' buffers are reused.
fn parse_batches<R: Read>(
    mut r: csv::Reader<R>,
    names: &[String],
    tx: SyncSender<Batch>,
    back: Receiver<Vec<csv::StringRecord>>,
) {
    let mut rec = csv::ByteRecord::new();
    loop {
        let mut batch = back.try_recv().unwrap_or_default();
        let mut n = 0;
        let mut failed = None;
        while n < BATCH {
            match r.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    failed = Some(csv_err(e));
                    break;
                }
            }
            // One UTF-8 check for the whole record; the fields are then
            // read as `&str` without another.
            let line = rec.position().map_or(0, |p| p.line());
            let checked = match csv::StringRecord::from_byte_record(std::mem::take(&mut rec)) {
                Ok(s) => s,
                Err(e) => {
                    let f = e.utf8_error().field();
                    let column = names.get(f).map_or(String::new(), |n| format!(" (column '{n}')"));
                    failed = Some(Error::input(format!("field {}{column} is not valid UTF-8", f + 1)).at_line(line, 0));
                    break;
                }
            };
            if n < batch.len() {
                rec = std::mem::replace(&mut batch[n], checked).into_byte_record();
            } else {
                batch.push(checked);
            }
            n += 1;
        }
        batch.truncate(n);
        let last = n < BATCH;
        if (n > 0 || failed.is_none()) && tx.send(Ok(batch)).is_err() {
            return;
        }
        if let Some(e) = failed {
            let _ = tx.send(Err(e));
            return;
        }
        if last {
            return;
        }
    }
}

/// Streams the rows of a CSV input (header row first, its names matching the
/// schema's, in order) into `t`; `progress` gets the byte position reached
/// now and then. Returns the number of rows. Records are parsed on a second thread
/// while the first encodes rows.
pub fn import_csv<R: Read + Send, W: Write + Seek>(
    input: R,
    delimiter: u8,
    t: &mut TableWriter<'_, W>,
    mut progress: impl FnMut(u64),
) -> Result<u64> {
    let mut r = reader(input, delimiter);
    let names = header(&mut r)?;
    let schema = t.schema().clone();
    let want: Vec<&str> = schema.columns.iter().map(|c| c.name.as_str()).collect();
    if names != want {
        for n in &names {
            if schema.position(n).is_none() {
                return Err(Error::input(format!("CSV column '{n}' is not in the schema")).at_line(1, 0));
            }
        }
        return Err(Error::input(format!(
            "the CSV header ({}) does not list the schema's columns in order ({})",
            names.join(","),
            want.join(",")
        ))
        .at_line(1, 0));
    }
    let (tx, rx) = sync_channel::<Batch>(4);
    let (back_tx, back_rx) = channel();
    std::thread::scope(|scope| {
        let header = &names;
        scope.spawn(move || parse_batches(r, header, tx, back_rx));
        // One buffer of values for every row: emptied, it is recast to borrow
        // the next record (an empty Vec's allocation is reused by `collect`).
        let mut spare: Vec<Value<'static>> = Vec::with_capacity(names.len());
        let mut rows = 0u64;
        // Dropping `rx` on an early return stops the parsing thread.
        for batch in rx {
            let batch = batch?;
            for rec in &batch {
                let line = rec.position().map_or(0, |p| p.line());
                check_len(rec.len(), names.len(), line)?;
                let mut values: Vec<Value<'_>> = spare.into_iter().map(|_| Value::Null).collect();
                for (i, (c, f)) in schema.columns.iter().zip(rec.iter()).enumerate() {
                    let v = parse_field(f, c.ty, c.nullable).map_err(|m| {
                        Error::input(format!("field {} (column '{}'): {m}", i + 1, c.name)).at_line(line, 0)
                    })?;
                    values.push(v);
                }
                t.push_row(&values).map_err(|e| match e.kind() {
                    ErrorKind::Input => Error::input(e.message().to_string()).at_line(line, 0),
                    _ => e,
                })?;
                values.clear();
                spare = values.into_iter().map(|_| Value::Null).collect();
                rows += 1;
            }
            if let Some(p) = batch.last().and_then(|r| r.position()) {
                progress(p.byte());
            }
            let _ = back_tx.send(batch);
        }
        Ok(rows)
    })
}

/// Writes the header and the given rows (all when `rows` is `None`) of
/// selected `columns` (all when empty) as CSV; floats in shortest
/// round-trip form, nulls as empty fields.
pub fn export_rows<W: Write>(
    t: &Table<'_>,
    out: W,
    delimiter: u8,
    columns: &[usize],
    rows: &mut dyn Iterator<Item = u64>,
) -> Result<()> {
    let mut w = csv::WriterBuilder::new().delimiter(delimiter).from_writer(out);
    let cols: Vec<usize> = if columns.is_empty() {
        (0..t.schema().columns.len()).collect()
    } else {
        columns.to_vec()
    };
    let werr = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io("cannot write output", io),
        k => Error::input(format!("cannot write CSV: {k:?}")),
    };
    w.write_record(cols.iter().map(|&c| t.schema().columns[c].name.as_bytes()))
        .map_err(werr)?;
    let mut cells: Vec<String> = vec![String::new(); cols.len()];
    for r in rows {
        for (k, &c) in cols.iter().enumerate() {
            cells[k].clear();
            use std::fmt::Write as _;
            let _ = write!(cells[k], "{}", t.cell(r, c)?);
        }
        w.write_record(&cells).map_err(werr)?;
    }
    w.flush().map_err(|e| Error::io("cannot write output", e))?;
    Ok(())
}

/// Writes a whole table as CSV (see [`export_rows`]).
pub fn export_table<W: Write>(t: &Table<'_>, out: W, delimiter: u8, columns: Option<&[usize]>) -> Result<()> {
    export_rows(t, out, delimiter, columns.unwrap_or(&[]), &mut (0..t.row_count()))
}
