//! Python bindings of tribit (the `tribit._tribit` extension module).
//!
//! Every object holds an `Arc<tribit::File>`: the file is opened, mapped and
//! verified once, shared by threads, and a table or column view is derived
//! from it on each call. Errors become the `tribit.Error` classes of
//! `tribit/_errors.py`, one per `tribit::ErrorKind`, with the same message.
//! Long calls release the GIL.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ffi::FFI_ArrowSchema, ArrowError, SchemaRef};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList, PySlice, PyString, PyTuple};

use tribit::convert::arrow::{Converter, RowChunks, BATCH_ROWS};
use tribit::table::{ColumnType, OwnedValue, Table};
use tribit::{ErrorKind, File};

mod matrix;

// ---------------------------------------------------------------- errors

/// A tribit error as the matching `tribit.Error` subclass.
fn err(e: tribit::Error) -> PyErr {
    Python::attach(|py| {
        let name = match e.kind() {
            ErrorKind::Io => "IoError",
            ErrorKind::Format => "FormatError",
            ErrorKind::Checksum => "ChecksumError",
            ErrorKind::Unsupported => "UnsupportedError",
            ErrorKind::Input => "InputError",
            ErrorKind::NotFound => "NotFoundError",
            ErrorKind::Range => "RangeError",
            ErrorKind::Mismatch => "MismatchError",
            _ => "Error",
        };
        let make = || -> PyResult<Bound<'_, PyAny>> {
            let class = py.import("tribit._errors")?.getattr(name)?;
            let exc = class.call1((e.to_string(),))?;
            exc.setattr("message", e.message())?;
            exc.setattr("path", e.path().map(|p| p.display().to_string()))?;
            let (offset, line) = match e.location() {
                tribit::Location::Byte { offset, .. } => (Some(*offset), None),
                tribit::Location::Line { line, .. } => (None, Some(*line)),
                _ => (None, None),
            };
            exc.setattr("offset", offset)?;
            exc.setattr("line", line)?;
            Ok(exc)
        };
        match make() {
            Ok(exc) => PyErr::from_value(exc),
            Err(e) => e,
        }
    })
}

fn input(msg: impl Into<String>) -> PyErr {
    err(tribit::Error::input(msg))
}

fn range(msg: impl Into<String>) -> PyErr {
    err(tribit::Error::new(ErrorKind::Range, msg))
}

// ---------------------------------------------------------------- sequences

/// Reverse complement of IUPAC letters, case kept; other bytes unchanged.
fn reverse_complement_bytes(s: &mut [u8]) {
    const fn table() -> [u8; 256] {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = i as u8;
            i += 1;
        }
        let pairs: [(u8, u8); 11] = [
            (b'A', b'T'),
            (b'C', b'G'),
            (b'R', b'Y'),
            (b'K', b'M'),
            (b'B', b'V'),
            (b'D', b'H'),
            (b'S', b'S'),
            (b'W', b'W'),
            (b'N', b'N'),
            (b'U', b'A'),
            (b'T', b'A'),
        ];
        let mut j = 0;
        while j < pairs.len() {
            let (a, b) = pairs[j];
            t[a as usize] = b;
            t[a.to_ascii_lowercase() as usize] = b.to_ascii_lowercase();
            if a != b'U' {
                t[b as usize] = a;
                t[b.to_ascii_lowercase() as usize] = a.to_ascii_lowercase();
            }
            j += 1;
        }
        t
    }
    static T: [u8; 256] = table();
    s.reverse();
    for b in s {
        *b = T[*b as usize];
    }
}

/// The reverse complement of a DNA string (IUPAC codes, case kept).
#[pyfunction]
fn reverse_complement(seq: &str) -> String {
    let mut b = seq.as_bytes().to_vec();
    reverse_complement_bytes(&mut b);
    // Only ASCII bytes are changed, into ASCII bytes: still UTF-8.
    String::from_utf8(b).unwrap_or_default()
}

fn letters<'py>(py: Python<'py>, b: &[u8]) -> Bound<'py, PyString> {
    // Stored letters are ASCII (SPEC §6); a lossy decode never changes them.
    PyString::new(py, &String::from_utf8_lossy(b))
}

fn fetch_into(file: &File, i: usize, start: u64, end: u64, out: &mut Vec<u8>) -> PyResult<()> {
    file.sequences().fetch(i, start, end, out).map_err(err)
}

/// A tribit file: a mapping of sequence names to records (as pyfaidx's
/// `Fasta`), and its tables.
#[pyclass(frozen, module = "tribit", name = "File")]
struct PyFile {
    file: Arc<File>,
}

/// One sequence of a file; slicing returns `str` (0-based, Python rules).
#[pyclass(frozen, module = "tribit", name = "Record")]
struct Record {
    file: Arc<File>,
    index: usize,
    len: u64,
}

impl PyFile {
    fn index_of(&self, key: &Bound<'_, PyAny>) -> PyResult<usize> {
        let r = self.file.sequences();
        if let Ok(name) = key.cast::<PyString>() {
            let name = name.to_str()?;
            return match r.find(name.as_bytes()).map_err(err)? {
                Some(i) => Ok(i),
                None => Err(err(tribit::Error::new(
                    ErrorKind::NotFound,
                    format!("no sequence named '{name}'"),
                ))),
            };
        }
        if let Ok(i) = key.extract::<i64>() {
            let n = r.len() as i64;
            let j = if i < 0 { i + n } else { i };
            if !(0..n).contains(&j) {
                return Err(range(format!("sequence index {i} is outside the {n} sequences")));
            }
            return Ok(j as usize);
        }
        Err(PyTypeError::new_err(format!(
            "a sequence is named by a str or an int, not {}",
            key.get_type().name()?
        )))
    }

    fn record(&self, i: usize) -> PyResult<Record> {
        let len = self.file.sequences().sequence(i).map_err(err)?.len();
        Ok(Record {
            file: Arc::clone(&self.file),
            index: i,
            len,
        })
    }

    /// Regions as (sequence, start, end), 0-based half-open, from a list of
    /// faidx strings or (name, start, end) tuples, or a BED file path.
    fn regions(&self, py: Python<'_>, regions: &Bound<'_, PyAny>) -> PyResult<Vec<(usize, u64, u64)>> {
        let r = self.file.sequences();
        if let Ok(path) = regions.extract::<PathBuf>() {
            if !regions.is_instance_of::<PyList>() && !regions.is_instance_of::<PyTuple>() {
                let text = py
                    .detach(|| std::fs::read_to_string(&path))
                    .map_err(|e| err(tribit::Error::io("cannot read", e).in_file(&path)))?;
                return py.detach(|| {
                    bed_regions(&self.file, &text)
                        .map_err(|e| e.in_file(&path))
                        .map_err(err)
                });
            }
        }
        let mut out = Vec::with_capacity(regions.len().unwrap_or(0));
        // The last name looked up: batches usually repeat names.
        let mut last: Option<(String, usize, u64)> = None;
        for (n, item) in regions.try_iter()?.enumerate() {
            let item = item?;
            if let Ok(s) = item.cast::<PyString>() {
                let g = tribit::Region::resolve(r, s.to_str()?).map_err(err)?;
                out.push((g.index, g.start, g.end));
            } else if let Ok((name, start, end)) = item.extract::<(Bound<'_, PyString>, u64, u64)>() {
                let name = name.to_str()?;
                let (i, len) = match &last {
                    Some((l, i, len)) if *l == name => (*i, *len),
                    _ => {
                        let i = r.find(name.as_bytes()).map_err(err)?.ok_or_else(|| {
                            err(tribit::Error::new(
                                ErrorKind::NotFound,
                                format!("region {n}: no sequence named '{name}'"),
                            ))
                        })?;
                        let len = r.sequence(i).map_err(err)?.len();
                        last = Some((name.to_string(), i, len));
                        (i, len)
                    }
                };
                if start > end || end > len {
                    return Err(range(format!(
                        "region {n} ({name}, {start}, {end}): expected 0 <= start <= end <= {len} (0-based, end exclusive)"
                    )));
                }
                out.push((i, start, end));
            } else {
                return Err(PyTypeError::new_err(format!(
                    "region {n}: expected 'name:start-end' or a (name, start, end) tuple, not {}",
                    item.get_type().name()?
                )));
            }
        }
        Ok(out)
    }
}

/// BED lines (name, 0-based start, end; more columns ignored; `#`, `track`
/// and `browser` lines skipped) resolved against the file.
fn bed_regions(file: &File, text: &str) -> tribit::Result<Vec<(usize, u64, u64)>> {
    let r = file.sequences();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n as u64 + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with("track") || line.starts_with("browser") {
            continue;
        }
        let mut f = line.split('\t');
        let (Some(name), Some(s), Some(e)) = (f.next(), f.next(), f.next()) else {
            return Err(tribit::Error::input("expected NAME<tab>START<tab>END").at_line(line_no, 0));
        };
        let num = |v: &str, col: u64| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| tribit::Error::input(format!("'{v}' is not a non-negative integer")).at_line(line_no, col))
        };
        let (start, end) = (num(s, 2)?, num(e, 3)?);
        let i = r.find(name.as_bytes())?.ok_or_else(|| {
            tribit::Error::new(ErrorKind::NotFound, format!("no sequence named '{name}'")).at_line(line_no, 1)
        })?;
        let len = r.sequence(i)?.len();
        if start > end || end > len {
            return Err(tribit::Error::new(
                ErrorKind::Range,
                format!("{name}:{start}-{end} is not within 0 <= start <= end <= {len}"),
            )
            .at_line(line_no, 0));
        }
        out.push((i, start, end));
    }
    Ok(out)
}

#[pymethods]
impl PyFile {
    /// Opens (memory-maps) the tribit file at `path` and verifies its
    /// header, directory and sequence metadata; with `index_files`, also
    /// opens its tables and checks each index file against them.
    #[new]
    #[pyo3(signature = (path, index_files=None, reference=None))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        index_files: Option<Vec<PathBuf>>,
        reference: Option<PathBuf>,
    ) -> PyResult<PyFile> {
        let file = py
            .detach(|| {
                let f = File::open_with_reference(&path, reference.as_deref())?;
                match index_files.as_deref() {
                    Some(x) if !x.is_empty() => f.with_index_files(x),
                    _ => Ok(f),
                }
            })
            .map_err(err)?;
        Ok(PyFile { file: Arc::new(file) })
    }

    /// The index files given at open.
    #[getter]
    fn index_files(&self) -> Vec<String> {
        self.file.index_files().into_iter().map(String::from).collect()
    }

    /// Opens a tribit file held in memory.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: Vec<u8>) -> PyResult<PyFile> {
        let file = py.detach(|| File::from_bytes(data)).map_err(err)?;
        Ok(PyFile { file: Arc::new(file) })
    }

    /// The path the file was opened from (None for bytes).
    #[getter]
    fn path(&self) -> Option<String> {
        self.file.path().map(|p| p.display().to_string())
    }

    /// Reopens by path in another process (pickle, multiprocessing spawn,
    /// Dask); a file opened from bytes travels as its bytes.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let class = slf.get_type();
        match this.file.path() {
            Some(p) => (class, (p.to_path_buf(), this.file.index_files())).into_pyobject(py),
            None => {
                let bytes = pyo3::types::PyBytes::new(py, this.file.bytes());
                (class.getattr("from_bytes")?, (bytes,)).into_pyobject(py)
            }
        }
    }

    /// The sequence names, in file order.
    fn keys(&self) -> PyResult<Vec<String>> {
        self.file
            .sequences()
            .sequences()
            .map(|s| s.map(|s| s.name_str().into_owned()).map_err(err))
            .collect()
    }

    fn __len__(&self) -> usize {
        self.file.sequences().len()
    }

    fn __contains__(&self, name: &str) -> PyResult<bool> {
        Ok(self.file.sequences().find(name.as_bytes()).map_err(err)?.is_some())
    }

    fn __getitem__(&self, key: &Bound<'_, PyAny>) -> PyResult<Record> {
        let i = self.index_of(key)?;
        self.record(i)
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let records = (0..self.file.sequences().len())
            .map(|i| self.record(i))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, records)?.try_iter().map(|i| i.into_any())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) {}

    fn __repr__(&self) -> String {
        format!(
            "tribit.File({:?}, sequences={})",
            self.path().unwrap_or_else(|| "<bytes>".into()),
            self.file.sequences().len()
        )
    }

    /// The letters of a region in samtools faidx syntax (`name`,
    /// `name:start`, `name:start-end`, 1-based inclusive, commas allowed).
    #[pyo3(signature = (region, reverse_complement = false))]
    fn fetch<'py>(&self, py: Python<'py>, region: &str, reverse_complement: bool) -> PyResult<Bound<'py, PyString>> {
        let g = tribit::Region::resolve(self.file.sequences(), region).map_err(err)?;
        let mut out = Vec::with_capacity((g.end - g.start) as usize);
        fetch_into(&self.file, g.index, g.start, g.end, &mut out)?;
        if reverse_complement {
            reverse_complement_bytes(&mut out);
        }
        Ok(letters(py, &out))
    }

    /// Many regions at once: a list of faidx strings or of (name, start,
    /// end) tuples (0-based, end exclusive), or the path of a BED file.
    /// Returns a list of str, or with `as_array` one uint8 numpy array of
    /// all letters and an int64 array of `len + 1` offsets into it.
    #[pyo3(signature = (regions, as_array = false, reverse_complement = false))]
    fn fetch_many<'py>(
        &self,
        py: Python<'py>,
        regions: &Bound<'py, PyAny>,
        as_array: bool,
        reverse_complement: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let regions = self.regions(py, regions)?;
        let total: u64 = regions.iter().map(|&(_, s, e)| e - s).sum();
        let (all, offsets) = py.detach(|| -> PyResult<(Vec<u8>, Vec<i64>)> {
            let mut all = Vec::with_capacity(total as usize);
            let mut offsets = Vec::with_capacity(regions.len() + 1);
            offsets.push(0i64);
            for &(i, s, e) in &regions {
                let at = all.len();
                fetch_into(&self.file, i, s, e, &mut all)?;
                if reverse_complement {
                    reverse_complement_bytes(&mut all[at..]);
                }
                offsets.push(all.len() as i64);
            }
            Ok((all, offsets))
        })?;
        if as_array {
            let a = PyArray1::from_vec(py, all);
            let o = PyArray1::from_vec(py, offsets);
            return Ok(PyTuple::new(py, [a.into_any(), o.into_any()])?.into_any());
        }
        let list = offsets
            .windows(2)
            .map(|w| letters(py, &all[w[0] as usize..w[1] as usize]));
        Ok(PyList::new(py, list)?.into_any())
    }

    /// Occurrences of each k-mer (A, C, G, T and IUPAC codes) over every
    /// sequence: a uint64 array with one count per k-mer, or with
    /// `per_sequence` one row per k-mer and one column per sequence.
    /// `mismatches` (0 to 3) lets a window differ in that many positions.
    #[pyo3(signature = (kmers, both_strands = false, per_sequence = false, threads = None, mismatches = 0))]
    fn kmer_count<'py>(
        &self,
        py: Python<'py>,
        kmers: &Bound<'py, PyAny>,
        both_strands: bool,
        per_sequence: bool,
        threads: Option<usize>,
        mismatches: u8,
    ) -> PyResult<Bound<'py, PyAny>> {
        let queries = queries(kmers)?;
        let opts = scan_options(both_strands, threads)
            .set_per_sequence(per_sequence)
            .set_mismatches(mismatches);
        let counts = py
            .detach(|| tribit::kmer::count(self.file.sequences(), &queries, &opts))
            .map_err(err)?;
        if per_sequence {
            let rows: Vec<Vec<u64>> = counts
                .kmers
                .iter()
                .map(|k| k.per_sequence.iter().map(|c| c.total()).collect())
                .collect();
            let nseq = self.file.sequences().len();
            let flat: Vec<u64> = rows.into_iter().flatten().collect();
            let a = PyArray1::from_vec(py, flat);
            let a: Bound<'py, PyArray2<u64>> = a.reshape([queries.len(), nseq])?;
            return Ok(a.into_any());
        }
        Ok(PyArray1::from_vec(py, counts.kmers.iter().map(|k| k.total()).collect()).into_any())
    }

    /// Every occurrence of the k-mers, as numpy arrays in a dict:
    /// `sequence` (index), `start` (0-based), `query` (index into `kmers`)
    /// and `strand` (+1 forward, -1 reverse complement), in file order.
    /// `mismatches` (0 to 3) lets a window differ in that many positions.
    #[pyo3(signature = (kmers, both_strands = false, threads = None, mismatches = 0))]
    fn kmer_locate<'py>(
        &self,
        py: Python<'py>,
        kmers: &Bound<'py, PyAny>,
        both_strands: bool,
        threads: Option<usize>,
        mismatches: u8,
    ) -> PyResult<Bound<'py, PyDict>> {
        let queries = queries(kmers)?;
        let opts = scan_options(both_strands, threads).set_mismatches(mismatches);
        let (mut seq, mut start, mut query, mut strand) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        py.detach(|| {
            tribit::kmer::locate(self.file.sequences(), &queries, &opts, |m| {
                seq.push(m.sequence as i64);
                start.push(m.start);
                query.push(m.query as i64);
                strand.push(if m.strand == tribit::kmer::Strand::Forward {
                    1i8
                } else {
                    -1
                });
                Ok(())
            })
        })
        .map_err(err)?;
        let d = PyDict::new(py);
        d.set_item("sequence", PyArray1::from_vec(py, seq))?;
        d.set_item("start", PyArray1::from_vec(py, start))?;
        d.set_item("query", PyArray1::from_vec(py, query))?;
        d.set_item("strand", PyArray1::from_vec(py, strand))?;
        Ok(d)
    }

    /// The tables of the file, by name (opened and verified on first use).
    #[getter]
    fn tables(&self, py: Python<'_>) -> PyResult<Tables> {
        py.detach(|| self.file.tables().map(|_| ())).map_err(err)?;
        Ok(Tables {
            file: Arc::clone(&self.file),
        })
    }

    /// The matrices of the file, by name (SPEC §8.9).
    #[getter]
    fn matrices(&self, py: Python<'_>) -> PyResult<matrix::Matrices> {
        py.detach(|| self.file.matrices().map(|_| ())).map_err(err)?;
        Ok(matrix::Matrices {
            file: Arc::clone(&self.file),
        })
    }

    /// The matrix called `name`.
    fn matrix<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        matrix::wrap(py, &self.file, name)
    }

    /// The table called `name`.
    fn table(&self, py: Python<'_>, name: &str) -> PyResult<PyTable> {
        py.detach(|| self.file.table(name).map(|_| ())).map_err(err)?;
        Ok(PyTable {
            file: Arc::clone(&self.file),
            name: name.to_string(),
        })
    }
}

fn queries(kmers: &Bound<'_, PyAny>) -> PyResult<Vec<tribit::kmer::Query>> {
    let list: Vec<String> = match kmers.cast::<PyString>() {
        Ok(s) => vec![s.to_str()?.to_string()],
        Err(_) => kmers.extract()?,
    };
    list.iter().map(|k| tribit::kmer::Query::new(k).map_err(err)).collect()
}

/// Scan options with a thread pool of its own for each call, so that a
/// forked child never waits on the parent's pool threads.
fn scan_options(both_strands: bool, threads: Option<usize>) -> tribit::kmer::ScanOptions {
    let n = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    tribit::kmer::ScanOptions::default()
        .set_both_strands(both_strands)
        .set_threads(Some(n.max(1)))
}

#[pymethods]
impl Record {
    /// The sequence name.
    #[getter]
    fn name(&self) -> PyResult<String> {
        let s = self.file.sequences().sequence(self.index).map_err(err)?;
        Ok(s.name_str().into_owned())
    }

    /// The header line after the name ('' when there is none).
    #[getter]
    fn description(&self) -> PyResult<String> {
        let s = self.file.sequences().sequence(self.index).map_err(err)?;
        Ok(String::from_utf8_lossy(s.description()).into_owned())
    }

    /// The whole header line, as pyfaidx's `long_name`.
    #[getter]
    fn long_name(&self) -> PyResult<String> {
        let s = self.file.sequences().sequence(self.index).map_err(err)?;
        Ok(String::from_utf8_lossy(s.header).into_owned())
    }

    /// MD5 of the upper-cased letters (SAM M5), as hex.
    #[getter]
    fn md5(&self) -> PyResult<String> {
        let s = self.file.sequences().sequence(self.index).map_err(err)?;
        Ok(s.record.md5.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The GA4GH refget identifier (`SQ.` ...), None if not stored.
    #[getter]
    fn refget(&self) -> PyResult<Option<String>> {
        let s = self.file.sequences().sequence(self.index).map_err(err)?;
        let d = s.record.refget;
        Ok(d.iter().any(|&b| b != 0).then(|| tribit::sequence::refget_id(&d)))
    }

    /// Position of the sequence in the file.
    #[getter]
    fn index(&self) -> usize {
        self.index
    }

    fn __len__(&self) -> usize {
        self.len as usize
    }

    fn __getitem__<'py>(&self, py: Python<'py>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
        let n = self.len as isize;
        if let Ok(s) = key.cast::<PySlice>() {
            let ix = s.indices(n)?;
            let mut out = Vec::new();
            if ix.step == 1 {
                if ix.stop > ix.start {
                    fetch_into(&self.file, self.index, ix.start as u64, ix.stop as u64, &mut out)?;
                }
                return Ok(letters(py, &out));
            }
            if ix.slicelength == 0 {
                return Ok(PyString::new(py, ""));
            }
            // Fetch the span once, then step through it.
            let last = ix.start + (ix.slicelength as isize - 1) * ix.step;
            let (lo, hi) = (ix.start.min(last), ix.start.max(last) + 1);
            fetch_into(&self.file, self.index, lo as u64, hi as u64, &mut out)?;
            let picked: Vec<u8> = (0..ix.slicelength as isize)
                .map(|k| out[(ix.start + k * ix.step - lo) as usize])
                .collect();
            return Ok(letters(py, &picked));
        }
        let i: isize = key
            .extract()
            .map_err(|_| PyTypeError::new_err("sequence indices must be integers or slices"))?;
        let j = if i < 0 { i + n } else { i };
        if !(0..n).contains(&j) {
            return Err(range(format!("position {i} is outside the sequence of length {n}")));
        }
        let mut out = Vec::with_capacity(1);
        fetch_into(&self.file, self.index, j as u64, j as u64 + 1, &mut out)?;
        Ok(letters(py, &out))
    }

    /// Letters `[start, end)`, 0-based; with `reverse_complement` the other strand.
    #[pyo3(signature = (start, end, reverse_complement = false))]
    fn fetch<'py>(
        &self,
        py: Python<'py>,
        start: u64,
        end: u64,
        reverse_complement: bool,
    ) -> PyResult<Bound<'py, PyString>> {
        if start > end || end > self.len {
            return Err(range(format!(
                "[{start}, {end}) is not within the sequence of length {}",
                self.len
            )));
        }
        let mut out = Vec::new();
        fetch_into(&self.file, self.index, start, end, &mut out)?;
        if reverse_complement {
            reverse_complement_bytes(&mut out);
        }
        Ok(letters(py, &out))
    }

    fn __str__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        let mut out = Vec::new();
        py.detach(|| fetch_into(&self.file, self.index, 0, self.len, &mut out))?;
        Ok(letters(py, &out))
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("tribit.Record({:?}, length={})", self.name()?, self.len))
    }
}

// ---------------------------------------------------------------- tables

/// The tables of a file, by name.
#[pyclass(frozen, module = "tribit", name = "Tables", mapping)]
struct Tables {
    file: Arc<File>,
}

fn table_names(file: &File) -> PyResult<Vec<String>> {
    Ok(file
        .tables()
        .map_err(err)?
        .tables()
        .iter()
        .map(|t| t.name().to_string())
        .collect())
}

#[pymethods]
impl Tables {
    fn keys(&self) -> PyResult<Vec<String>> {
        table_names(&self.file)
    }

    fn __len__(&self) -> PyResult<usize> {
        Ok(table_names(&self.file)?.len())
    }

    fn __contains__(&self, name: &str) -> PyResult<bool> {
        Ok(self.file.tables().map_err(err)?.table(name).is_some())
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyList::new(py, table_names(&self.file)?)?
            .try_iter()
            .map(|i| i.into_any())
    }

    fn __getitem__(&self, name: &str) -> PyResult<PyTable> {
        self.file.table(name).map_err(err)?;
        Ok(PyTable {
            file: Arc::clone(&self.file),
            name: name.to_string(),
        })
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("tribit.Tables({:?})", table_names(&self.file)?))
    }
}

/// One table: numpy views over the mapped rows, index-backed selection, and
/// Arrow (`__arrow_c_stream__`) for pyarrow, pandas, polars and DuckDB.
#[pyclass(frozen, module = "tribit", name = "Table")]
struct PyTable {
    file: Arc<File>,
    name: String,
}

/// Keeps the file mapped while numpy arrays built on its bytes live: their
/// base object, which numpy reads through the array interface protocol.
#[pyclass(frozen, module = "tribit")]
struct MappedBytes {
    _file: Arc<File>,
    interface: Py<PyDict>,
}

#[pymethods]
impl MappedBytes {
    #[getter]
    fn __array_interface__(&self, py: Python<'_>) -> Py<PyDict> {
        self.interface.clone_ref(py)
    }
}

/// The numpy type string of a column type in the file's byte order.
fn typestr(ty: ColumnType, big: bool) -> String {
    let e = if big { '>' } else { '<' };
    match ty {
        ColumnType::Bool => "|b1".into(),
        ColumnType::I8 => "|i1".into(),
        ColumnType::U8 => "|u1".into(),
        ColumnType::I16 => format!("{e}i2"),
        ColumnType::I32 => format!("{e}i4"),
        ColumnType::I64 => format!("{e}i8"),
        ColumnType::U16 => format!("{e}u2"),
        ColumnType::U32 | ColumnType::Dict => format!("{e}u4"),
        ColumnType::U64 => format!("{e}u8"),
        ColumnType::F32 => format!("{e}f4"),
        ColumnType::F64 => format!("{e}f8"),
        ColumnType::Str(n) => format!("|S{n}"),
    }
}

impl PyTable {
    fn table(&self) -> PyResult<&Table<'_>> {
        self.file.table(&self.name).map_err(err)
    }

    fn col(&self, t: &Table<'_>, name: &str) -> PyResult<usize> {
        t.schema()
            .position(name)
            .ok_or_else(|| input(format!("table '{}' has no column '{name}'", self.name)))
    }

    /// A read-only numpy array over `count` items of `typestr` at byte
    /// `offset` of every row, without copying.
    fn view<'py>(
        &self,
        py: Python<'py>,
        t: &Table<'_>,
        typestr: &str,
        offset: usize,
        stride: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let np = py.import("numpy")?;
        let n = t.row_count() as usize;
        if n == 0 {
            return np.call_method1("empty", (0, np.call_method1("dtype", (typestr,))?));
        }
        let rows = t.rows_bytes().map_err(err)?;
        let d = PyDict::new(py);
        d.set_item("version", 3)?;
        d.set_item("shape", (n,))?;
        d.set_item("typestr", typestr)?;
        // Read-only: the map is PROT_READ, a write would fault.
        d.set_item("data", (rows.as_ptr() as usize + offset, true))?;
        match stride {
            Some(s) => d.set_item("strides", (s,))?,
            None => d.set_item("strides", py.None())?,
        }
        let holder = MappedBytes {
            _file: Arc::clone(&self.file),
            interface: d.unbind(),
        };
        np.call_method1("asarray", (Bound::new(py, holder)?,))
    }

    fn value(ty: ColumnType, v: &Bound<'_, PyAny>) -> PyResult<OwnedValue> {
        if v.is_none() {
            return Ok(OwnedValue::Null);
        }
        if let Ok(s) = v.cast::<PyString>() {
            return Ok(OwnedValue::Str(s.to_str()?.to_string()));
        }
        if v.is_instance_of::<pyo3::types::PyBool>() || v.get_type().name()? == "bool" {
            return Ok(OwnedValue::Bool(v.extract()?));
        }
        if matches!(ty, ColumnType::F32 | ColumnType::F64) || v.is_instance_of::<pyo3::types::PyFloat>() {
            if let Ok(x) = v.extract::<f64>() {
                return Ok(match ty {
                    ColumnType::F32 => OwnedValue::F32(x as f32),
                    _ => OwnedValue::F64(x),
                });
            }
        }
        if let Ok(i) = v.extract::<i64>() {
            return Ok(OwnedValue::Int(i));
        }
        if let Ok(u) = v.extract::<u64>() {
            return Ok(OwnedValue::UInt(u));
        }
        Err(PyTypeError::new_err(format!(
            "a key value is None, bool, int, float or str, not {}",
            v.get_type().name()?
        )))
    }

    fn names(columns: Option<Vec<String>>) -> Option<Vec<String>> {
        columns
    }

    /// Row ranges from a sequence of row numbers (kept in the order given;
    /// consecutive rows merge), or every row.
    fn row_ranges(py: Python<'_>, t: &Table<'_>, rows: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Range<u64>>> {
        let Some(rows) = rows else {
            return Ok(std::iter::once(0..t.row_count()).collect());
        };
        let np = py.import("numpy")?;
        let a = np.call_method1("asarray", (rows,))?;
        let kind: String = a.getattr("dtype")?.getattr("kind")?.extract()?;
        if !matches!(kind.as_str(), "i" | "u") && a.len()? > 0 {
            return Err(PyTypeError::new_err("rows must be integers (row numbers)"));
        }
        let a = np.call_method1("ascontiguousarray", (a, "int64"))?;
        let a = a.cast::<PyArray1<i64>>()?.readonly();
        let rows = a.as_slice()?;
        let n = t.row_count();
        let mut out: Vec<Range<u64>> = Vec::new();
        for &r in rows {
            if r < 0 || r as u64 >= n {
                return Err(range(format!(
                    "row {r} is outside the {n} rows of table '{}'",
                    t.name()
                )));
            }
            let r = r as u64;
            match out.last_mut() {
                Some(last) if last.end == r => last.end += 1,
                _ => out.push(r..r + 1),
            }
        }
        Ok(out)
    }

    fn stream(
        &self,
        py: Python<'_>,
        columns: Option<Vec<String>>,
        rows: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<ArrowStream> {
        let t = self.table()?;
        let names = Self::names(columns);
        let refs: Option<Vec<&str>> = names.as_ref().map(|v| v.iter().map(String::as_str).collect());
        let conv = Converter::new(t, refs.as_deref()).map_err(err)?;
        let ranges = Self::row_ranges(py, t, rows)?;
        Ok(ArrowStream {
            file: Arc::clone(&self.file),
            table: self.name.clone(),
            conv,
            ranges,
        })
    }
}

#[pymethods]
impl PyTable {
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// `[(name, type, nullable), ...]` with types as in `--schema`.
    #[getter]
    fn schema(&self) -> PyResult<Vec<(String, String, bool)>> {
        let t = self.table()?;
        Ok(t.schema()
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.ty.name(), c.nullable))
            .collect())
    }

    /// The column names.
    #[getter]
    fn columns(&self) -> PyResult<Vec<String>> {
        Ok(self.table()?.schema().columns.iter().map(|c| c.name.clone()).collect())
    }

    fn __len__(&self) -> PyResult<usize> {
        Ok(self.table()?.row_count() as usize)
    }

    fn __repr__(&self) -> PyResult<String> {
        let t = self.table()?;
        Ok(format!(
            "tribit.Table({:?}, rows={}, schema={:?})",
            self.name,
            t.row_count(),
            t.schema().to_text()
        ))
    }

    /// A read-only numpy view of one column over the memory map (strided by
    /// the row width; nothing is copied). A dict column gives its uint32
    /// codes (strings in `dictionary(name)`), a `str(N)` column bytes of N;
    /// a null cell holds what the writer stored (see `nulls(name)`).
    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let t = self.table()?;
        let c = self.col(t, name)?;
        let sc = &t.columns()[c];
        let big = self.file.container().order == tribit::container::ByteOrder::Big;
        self.view(
            py,
            t,
            &typestr(sc.def.ty, big),
            sc.offset as usize,
            Some(t.row_width() as usize),
        )
    }

    /// A bool array, True where the cell is null; None for a column that
    /// is not nullable.
    fn nulls<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let t = self.table()?;
        let c = self.col(t, name)?;
        let bit = t.columns()[c].null_bit;
        if bit == tribit::spec::table::NO_NULL_BIT {
            return Ok(None);
        }
        let (at, _) = t.null_bitmap();
        let byte = self.view(
            py,
            t,
            "|u1",
            at as usize + bit as usize / 8,
            Some(t.row_width() as usize),
        )?;
        let np = py.import("numpy")?;
        let masked = np.call_method1("bitwise_and", (byte, 1u8 << (bit % 8)))?;
        Ok(Some(np.call_method1("not_equal", (masked, 0))?))
    }

    /// The strings of a dict column, indexed by code.
    fn dictionary(&self, name: &str) -> PyResult<Vec<String>> {
        let t = self.table()?;
        let c = self.col(t, name)?;
        let d = t
            .dictionary(c)
            .ok_or_else(|| input(format!("column '{name}' is not a dict column")))?;
        Ok((0..d.len())
            .map(|i| d.get(i as u32).unwrap_or("").to_string())
            .collect())
    }

    /// The rows as a read-only structured numpy array over the memory map
    /// (one field per column at its byte offset; nothing is copied).
    fn to_numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let t = self.table()?;
        let big = self.file.container().order == tribit::container::ByteOrder::Big;
        let (names, formats, offsets): (Vec<String>, Vec<String>, Vec<u32>) = t
            .columns()
            .iter()
            .map(|c| (c.def.name.clone(), typestr(c.def.ty, big), c.offset))
            .fold((vec![], vec![], vec![]), |mut acc, (n, f, o)| {
                acc.0.push(n);
                acc.1.push(f);
                acc.2.push(o);
                acc
            });
        let spec = PyDict::new(py);
        spec.set_item("names", names)?;
        spec.set_item("formats", formats)?;
        spec.set_item("offsets", offsets)?;
        spec.set_item("itemsize", t.row_width())?;
        let np = py.import("numpy")?;
        let dtype = np.call_method1("dtype", (spec,))?;
        let raw = self.view(py, t, &format!("|V{}", t.row_width()), 0, None)?;
        raw.call_method1("view", (dtype,))
    }

    /// Row numbers (uint64, ascending) where every condition holds:
    /// `COLUMN=value` or `COLUMN=[values]` (an IN-list), answered by the
    /// persisted indexes where one covers the columns, else by a scan.
    /// With `ranges=True`, an (n, 2) array of [start, end) row ranges.
    #[pyo3(signature = (ranges = false, **conditions))]
    fn select<'py>(
        &self,
        py: Python<'py>,
        ranges: bool,
        conditions: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let t = self.table()?;
        let mut conds: Vec<(String, Vec<OwnedValue>)> = Vec::new();
        if let Some(kw) = conditions {
            for (k, v) in kw.iter() {
                let name: String = k.extract()?;
                let c = self.col(t, &name)?;
                let ty = t.schema().columns[c].ty;
                let vals = if v.is_instance_of::<PyString>() || v.is_none() || !v.hasattr("__iter__")? {
                    vec![Self::value(ty, &v)?]
                } else {
                    v.try_iter()?
                        .map(|x| Self::value(ty, &x?))
                        .collect::<PyResult<Vec<_>>>()?
                };
                conds.push((name, vals));
            }
        }
        let rows = py
            .detach(|| {
                let borrowed: Vec<(&str, Vec<tribit::table::Value<'_>>)> = conds
                    .iter()
                    .map(|(n, vs)| (n.as_str(), vs.iter().map(|v| v.as_value()).collect()))
                    .collect();
                t.select(&borrowed).map(|(rows, _)| rows)
            })
            .map_err(err)?;
        if ranges {
            let flat: Vec<u64> = rows.ranges().iter().flat_map(|r| [r.start, r.end]).collect();
            let n = rows.ranges().len();
            let a: Bound<'py, PyArray2<u64>> = PyArray1::from_vec(py, flat).reshape([n, 2])?;
            return Ok(a.into_any());
        }
        let all: Vec<u64> = py.detach(|| rows.rows().collect());
        Ok(PyArray1::from_vec(py, all).into_any())
    }

    /// The rows (all, or the row numbers given) as a pyarrow.Table; dict
    /// columns are dictionary arrays, nulls are validity bitmaps.
    #[pyo3(signature = (columns = None, rows = None))]
    fn to_arrow<'py>(
        &self,
        py: Python<'py>,
        columns: Option<Vec<String>>,
        rows: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let s = Bound::new(py, self.stream(py, columns, rows)?)?;
        py.import("pyarrow")?.call_method1("table", (s,))
    }

    /// The rows (all, or the row numbers given) as a pandas DataFrame,
    /// through Arrow (dict columns become categoricals).
    #[pyo3(signature = (columns = None, rows = None))]
    fn to_pandas<'py>(
        &self,
        py: Python<'py>,
        columns: Option<Vec<String>>,
        rows: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.to_arrow(py, columns, rows)?.call_method0("to_pandas")
    }

    /// An Arrow stream of some columns and rows, for consumers of the Arrow
    /// PyCapsule interface (`duckdb.sql("... FROM v")`, `polars.from_arrow`).
    #[pyo3(signature = (columns = None, rows = None))]
    fn arrow<'py>(
        &self,
        py: Python<'py>,
        columns: Option<Vec<String>>,
        rows: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<ArrowStream> {
        self.stream(py, columns, rows)
    }

    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        self.stream(py, None, None)?.__arrow_c_schema__(py)
    }

    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        self.stream(py, None, None)?.__arrow_c_stream__(py, requested_schema)
    }
}

/// Chosen rows and columns of a table as an Arrow stream (PyCapsule
/// interface); each `__arrow_c_stream__` call starts a fresh stream.
#[pyclass(frozen, module = "tribit", name = "ArrowStream")]
struct ArrowStream {
    file: Arc<File>,
    table: String,
    conv: Converter,
    ranges: Vec<Range<u64>>,
}

/// The batches of an [`ArrowStream`], produced on the consumer's thread.
struct Batches {
    file: Arc<File>,
    table: String,
    conv: Converter,
    chunks: RowChunks,
}

impl Iterator for Batches {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let chunk = self.chunks.next()?;
        let batch = self
            .file
            .table(&self.table)
            .and_then(|t| self.conv.batch(t, &chunk))
            .map_err(|e| ArrowError::ExternalError(Box::new(e)));
        Some(batch)
    }
}

impl RecordBatchReader for Batches {
    fn schema(&self) -> SchemaRef {
        self.conv.schema()
    }
}

#[pymethods]
impl ArrowStream {
    fn __len__(&self) -> usize {
        self.ranges.iter().map(|r| (r.end - r.start) as usize).sum()
    }

    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema =
            FFI_ArrowSchema::try_from(self.conv.schema().as_ref()).map_err(|e| input(format!("arrow schema: {e}")))?;
        PyCapsule::new_with_value(py, schema, c"arrow_schema")
    }

    /// The Arrow C stream; `requested_schema` is not honoured (the schema
    /// is the table's), as the interface allows.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = Batches {
            file: Arc::clone(&self.file),
            table: self.table.clone(),
            conv: self.conv.clone(),
            chunks: RowChunks::new(self.ranges.clone(), BATCH_ROWS),
        };
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        // The capsule owns the stream: a consumer moves it out (leaving a
        // released husk); an unconsumed one is released when the capsule dies.
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// The stream as a pyarrow.Table.
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("pyarrow")?.call_method1("table", (slf,))
    }

    /// The stream as a pandas DataFrame (through pyarrow).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::to_arrow(slf)?.call_method0("to_pandas")
    }
}

// ---------------------------------------------------------------- files

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
fn import_fasta<'py>(
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
fn import_csv(
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
fn validate<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyDict>> {
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

#[pymodule]
fn _tribit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFile>()?;
    m.add_class::<Record>()?;
    m.add_class::<Tables>()?;
    m.add_class::<PyTable>()?;
    m.add_class::<ArrowStream>()?;
    m.add_class::<matrix::Matrices>()?;
    m.add_class::<matrix::RawMatrix>()?;
    m.add_function(wrap_pyfunction!(reverse_complement, m)?)?;
    m.add_function(wrap_pyfunction!(import_fasta, m)?)?;
    m.add_function(wrap_pyfunction!(import_csv, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    Ok(())
}
