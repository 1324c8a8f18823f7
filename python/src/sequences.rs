//! One sequence of a file (`tribit.Record`), and the letter helpers the
//! sequence calls share.

use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PySlice, PyString};

use tribit::File;

use crate::{err, range};

/// Reverse complement of IUPAC letters, case kept; other bytes unchanged.
pub(crate) fn reverse_complement_bytes(s: &mut [u8]) {
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
pub(crate) fn reverse_complement(seq: &str) -> String {
    let mut b = seq.as_bytes().to_vec();
    reverse_complement_bytes(&mut b);
    // Only ASCII bytes are changed, into ASCII bytes: still UTF-8.
    String::from_utf8(b).unwrap_or_default()
}

pub(crate) fn letters<'py>(py: Python<'py>, b: &[u8]) -> Bound<'py, PyString> {
    // Stored letters are ASCII (SPEC §6); a lossy decode never changes them.
    PyString::new(py, &String::from_utf8_lossy(b))
}

pub(crate) fn fetch_into(file: &File, i: usize, start: u64, end: u64, out: &mut Vec<u8>) -> PyResult<()> {
    file.sequences().fetch(i, start, end, out).map_err(err)
}

/// One sequence of a file; slicing returns `str` (0-based, Python rules).
#[pyclass(frozen, module = "tribit", name = "Record")]
pub(crate) struct Record {
    pub(crate) file: Arc<File>,
    pub(crate) index: usize,
    pub(crate) len: u64,
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
