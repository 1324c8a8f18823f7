//! A tribit file (`tribit.File`): a mapping of sequence names to records,
//! region reads, k-mer scans, and the way to its tables and matrices.

use std::path::PathBuf;
use std::sync::Arc;

use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use tribit::{ErrorKind, File};

use crate::matrix;
use crate::sequences::{fetch_into, letters, reverse_complement_bytes, Record};
use crate::table::{PyTable, Tables};
use crate::{err, range};

/// A tribit file: a mapping of sequence names to records (as pyfaidx's
/// `Fasta`), and its tables.
#[pyclass(frozen, module = "tribit", name = "File")]
pub(crate) struct PyFile {
    file: Arc<File>,
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
