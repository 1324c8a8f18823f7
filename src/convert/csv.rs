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

/// How CSV text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// The field delimiter.
    pub delimiter: u8,
    /// Whether a quoted field may hold line breaks. Off by default: a
    /// quote left open then swallows the following rows, so a line break
    /// inside quotes is reported as an error naming the line where the
    /// quote opened.
    pub allow_multiline: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: b',',
            allow_multiline: false,
        }
    }
}

/// The longest quoted field accepted: longer ones are taken for a quote
/// that was never closed.
pub const MAX_QUOTED_FIELD: u64 = 16 << 20;

/// A quoting mistake found by [`QuoteGuard`], carried inside an I/O error
/// through the csv crate.
#[derive(Debug)]
struct QuoteError {
    line: u64,
    message: String,
}

impl std::fmt::Display for QuoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QuoteError {}

/// Follows the quoting of CSV text as it is read (the states of RFC 4180
/// that the csv crate also follows) to catch what the parser would silently
/// accept: a quote still open at the end of the input, a line break inside
/// quotes without [`CsvOptions::allow_multiline`], and a quoted field longer
/// than [`MAX_QUOTED_FIELD`]. Each names the line where the quote opened.
pub struct QuoteGuard<R> {
    inner: R,
    delimiter: u8,
    allow_multiline: bool,
    /// Inside a quoted field.
    quoted: bool,
    /// The last byte seen was a quote inside a quoted field (a closing
    /// quote, or the first of a doubled one).
    quote_pending: bool,
    /// The next byte starts a field.
    field_start: bool,
    /// Line (1-based) at the start of the bytes not yet counted.
    line: u64,
    /// Line and input offset where the open quote opened.
    open_line: u64,
    open_at: u64,
    /// Input bytes before the current buffer.
    offset: u64,
    done: bool,
}

impl<R: Read> QuoteGuard<R> {
    /// Wraps `inner`.
    pub fn new(inner: R, opts: CsvOptions) -> Self {
        QuoteGuard {
            inner,
            delimiter: opts.delimiter,
            allow_multiline: opts.allow_multiline,
            quoted: false,
            quote_pending: false,
            field_start: true,
            line: 1,
            open_line: 0,
            open_at: 0,
            offset: 0,
            done: false,
        }
    }

    fn fail(&self, message: String) -> std::io::Error {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            QuoteError {
                line: self.open_line,
                message,
            },
        )
    }

    fn scan(&mut self, buf: &[u8]) -> std::io::Result<()> {
        let newlines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count() as u64;
        let mut counted = 0;
        let mut i = 0;
        let n = buf.len();
        while i < n {
            if self.quote_pending {
                self.quote_pending = false;
                if buf[i] == b'"' {
                    i += 1; // a doubled quote: still inside
                    continue;
                }
                self.quoted = false;
                self.field_start = false;
            }
            if self.quoted {
                let hit = if self.allow_multiline {
                    memchr::memchr(b'"', &buf[i..])
                } else {
                    memchr::memchr3(b'"', b'\n', b'\r', &buf[i..])
                };
                let long = |at: usize| self.offset + at as u64 - self.open_at > MAX_QUOTED_FIELD;
                match hit {
                    None => {
                        if long(n) {
                            return Err(self.fail(format!(
                                "a quoted field opened on this line is longer than {} MiB: is its closing quote missing?",
                                MAX_QUOTED_FIELD >> 20
                            )));
                        }
                        break;
                    }
                    Some(k) if buf[i + k] != b'"' => {
                        return Err(self.fail(
                            "a quoted field opened on this line runs onto the next line: close the quote, \
                             or pass --allow-multiline if fields hold line breaks"
                                .into(),
                        ));
                    }
                    Some(k) => {
                        if long(i + k) {
                            return Err(self.fail(format!(
                                "a quoted field opened on this line is longer than {} MiB: is its closing quote missing?",
                                MAX_QUOTED_FIELD >> 20
                            )));
                        }
                        self.quote_pending = true;
                        i += k + 1;
                    }
                }
                continue;
            }
            // Outside quotes only a quote at the start of a field matters.
            let Some(k) = memchr::memchr(b'"', &buf[i..]) else {
                break;
            };
            let at = i + k;
            let starts = if at == 0 {
                self.field_start
            } else {
                let p = buf[at - 1];
                p == self.delimiter || p == b'\n' || p == b'\r'
            };
            if starts {
                self.line += newlines(&buf[counted..at]);
                counted = at;
                self.open_line = self.line;
                self.open_at = self.offset + at as u64;
                self.quoted = true;
            }
            i = at + 1;
        }
        self.line += newlines(&buf[counted..]);
        if let Some(&last) = buf.last() {
            self.field_start = !self.quoted && (last == self.delimiter || last == b'\n' || last == b'\r');
        }
        self.offset += n as u64;
        Ok(())
    }
}

impl<R: Read> Read for QuoteGuard<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.done {
            return Ok(0);
        }
        let n = self.inner.read(out)?;
        if n == 0 {
            self.done = true;
            if self.quoted && !self.quote_pending {
                return Err(self.fail("a quoted field opened on this line is never closed".into()));
            }
            return Ok(0);
        }
        self.scan(&out[..n])?;
        Ok(n)
    }
}

/// Where CSV text comes from: a file read twice when the schema is
/// inferred, standard input, or a pipe (kept in an unnamed temporary file
/// when it must be read twice, since a pipe can be read only once).
pub enum CsvSource {
    /// A regular file, opened afresh for each pass.
    File(std::path::PathBuf),
    /// Standard input, read once.
    Stdin,
    /// Input that could be read only once, kept for a second pass.
    Spooled(std::fs::File),
}

impl CsvSource {
    /// Opens `path` (`-` for standard input); `two_passes` when the input
    /// will be read twice (schema inference, then import).
    pub fn open(path: &std::path::Path, two_passes: bool) -> Result<CsvSource> {
        let stdin = path.as_os_str() == "-";
        let regular = !stdin && std::fs::metadata(path).is_ok_and(|m| m.is_file());
        if regular || (!stdin && !two_passes) {
            return Ok(CsvSource::File(path.to_path_buf()));
        }
        if !two_passes {
            return Ok(CsvSource::Stdin);
        }
        let mut tmp = tempfile::tempfile().map_err(|e| Error::io("cannot create a temporary file", e))?;
        let copied = if stdin {
            std::io::copy(&mut std::io::stdin().lock(), &mut tmp)
        } else {
            let mut f = std::fs::File::open(path).map_err(|e| Error::io("cannot open", e).in_file(path))?;
            std::io::copy(&mut f, &mut tmp)
        };
        copied.map_err(|e| Error::io("cannot read", e).in_file(path))?;
        Ok(CsvSource::Spooled(tmp))
    }

    /// The input's size in bytes, when known.
    pub fn byte_len(&self) -> Option<u64> {
        match self {
            CsvSource::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            CsvSource::Stdin => None,
            CsvSource::Spooled(f) => f.metadata().ok().map(|m| m.len()),
        }
    }

    /// A reader from the start of the input.
    pub fn reader(&self) -> Result<Box<dyn Read + Send>> {
        match self {
            CsvSource::File(p) => Ok(Box::new(
                std::fs::File::open(p).map_err(|e| Error::io("cannot open", e).in_file(p))?,
            )),
            CsvSource::Stdin => Ok(Box::new(std::io::stdin())),
            CsvSource::Spooled(f) => {
                use std::io::Seek as _;
                let mut f = f
                    .try_clone()
                    .map_err(|e| Error::io("cannot reopen a temporary file", e))?;
                f.seek(std::io::SeekFrom::Start(0))
                    .map_err(|e| Error::io("cannot rewind a temporary file", e))?;
                Ok(Box::new(f))
            }
        }
    }
}

fn reader<R: Read>(input: R, opts: CsvOptions) -> csv::Reader<QuoteGuard<R>> {
    csv::ReaderBuilder::new()
        .delimiter(opts.delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(QuoteGuard::new(input, opts))
}

fn csv_err(e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    let msg = match e.kind() {
        csv::ErrorKind::Io(io) => {
            if let Some(q) = io.get_ref().and_then(|x| x.downcast_ref::<QuoteError>()) {
                return Error::input(q.message.clone()).at_line(q.line, 0);
            }
            return Error::io("cannot read CSV", std::io::Error::new(io.kind(), io.to_string()));
        }
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
    infer_schema_with(
        input,
        CsvOptions {
            delimiter,
            ..CsvOptions::default()
        },
    )
}

/// Infers a schema from a whole CSV input read with `opts`.
pub fn infer_schema_with<R: Read>(input: R, opts: CsvOptions) -> Result<Schema> {
    let mut r = reader(input, opts);
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
    mut r: csv::Reader<QuoteGuard<R>>,
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
    progress: impl FnMut(u64),
) -> Result<u64> {
    let opts = CsvOptions {
        delimiter,
        ..CsvOptions::default()
    };
    import_csv_with(input, opts, t, progress)
}

/// [`import_csv`] with every reading option.
pub fn import_csv_with<R: Read + Send, W: Write + Seek>(
    input: R,
    opts: CsvOptions,
    t: &mut TableWriter<'_, W>,
    mut progress: impl FnMut(u64),
) -> Result<u64> {
    let mut r = reader(input, opts);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` through a guard one byte at a time (every chunk
    /// boundary), and whole.
    fn guard(text: &str, allow_multiline: bool) -> Vec<std::result::Result<(), (u64, String)>> {
        let opts = CsvOptions {
            delimiter: b',',
            allow_multiline,
        };
        let mut results = Vec::new();
        for step in [1usize, 2, 3, usize::MAX] {
            let mut g = QuoteGuard::new(text.as_bytes(), opts);
            let mut buf = vec![0u8; step.min(text.len() + 1)];
            let r = loop {
                match g.read(&mut buf) {
                    Ok(0) => break Ok(()),
                    Ok(_) => {}
                    Err(e) => {
                        let q = e.get_ref().and_then(|x| x.downcast_ref::<QuoteError>()).unwrap();
                        break Err((q.line, q.message.clone()));
                    }
                }
            };
            results.push(r);
        }
        results
    }

    #[test]
    fn the_guard_follows_quotes_across_chunk_boundaries() {
        for r in guard("a,b\n\"x\"\"y\",\"\"\n1,2\"3\n\"q\"z,4\n", false) {
            assert_eq!(r, Ok(()));
        }
        for r in guard("a,b\n1,\"open\n2,3\n", false) {
            assert_eq!(r.unwrap_err().0, 2);
        }
        for r in guard("a,b\n1,2\n3,\"open\n4,5\n", true) {
            let (line, msg) = r.unwrap_err();
            assert_eq!(line, 3);
            assert!(msg.contains("never closed"), "{msg}");
        }
        for r in guard("a,b\r\n\"x\r\ny\",2\r\n", true) {
            assert_eq!(r, Ok(()));
        }
        // A closing quote as the very last byte closes the field.
        for r in guard("a,b\n1,\"2\"", false) {
            assert_eq!(r, Ok(()));
        }
    }
}
