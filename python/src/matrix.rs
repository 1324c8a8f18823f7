//! Matrices (SPEC §8.9) for Python: the raw cell reader the Python class
//! `tribit.matrix.Matrix` builds `.loc`, pandas and xarray on.

use std::sync::Arc;

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;

use tribit::table::ColumnType;
use tribit::File;

use crate::err;

/// The matrices of a file, by name.
#[pyclass(frozen, module = "tribit", name = "Matrices", mapping)]
pub struct Matrices {
    pub file: Arc<File>,
}

fn names(file: &File) -> PyResult<Vec<String>> {
    Ok(file
        .matrix_names()
        .map_err(err)?
        .into_iter()
        .map(str::to_string)
        .collect())
}

/// The Python `tribit.matrix.Matrix` wrapping the raw matrix `name`.
pub fn wrap<'py>(py: Python<'py>, file: &Arc<File>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.detach(|| file.matrix(name).map(|_| ())).map_err(err)?;
    let raw = RawMatrix {
        file: Arc::clone(file),
        name: name.to_string(),
    };
    py.import("tribit.matrix")?.getattr("Matrix")?.call1((raw,))
}

#[pymethods]
impl Matrices {
    fn keys(&self) -> PyResult<Vec<String>> {
        names(&self.file)
    }

    fn __len__(&self) -> PyResult<usize> {
        Ok(names(&self.file)?.len())
    }

    fn __contains__(&self, name: &str) -> PyResult<bool> {
        Ok(names(&self.file)?.iter().any(|n| n == name))
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyList::new(py, names(&self.file)?)?.try_iter().map(|i| i.into_any())
    }

    fn __getitem__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        wrap(py, &self.file, name)
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("tribit.Matrices({:?})", names(&self.file)?))
    }
}

/// One matrix of a file: shape, names, and cells as native-order bytes.
#[pyclass(frozen, module = "tribit", name = "RawMatrix")]
pub struct RawMatrix {
    file: Arc<File>,
    name: String,
}

impl RawMatrix {
    fn with<T>(&self, f: impl FnOnce(&tribit::matrix::Matrix<'_>) -> tribit::Result<T>) -> PyResult<T> {
        let m = self.file.matrix(&self.name).map_err(err)?;
        f(&m).map_err(err)
    }
}

/// The numpy dtype string of a cell type, in this machine's byte order.
fn dtype(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::I8 => "i1",
        ColumnType::I16 => "=i2",
        ColumnType::I32 => "=i4",
        ColumnType::I64 => "=i8",
        ColumnType::U8 => "u1",
        ColumnType::U16 => "=u2",
        ColumnType::U32 => "=u4",
        ColumnType::U64 => "=u8",
        ColumnType::F32 => "=f4",
        _ => "=f8",
    }
}

#[pymethods]
impl RawMatrix {
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// (rows, columns).
    #[getter]
    fn shape(&self) -> PyResult<(u64, u64)> {
        self.with(|m| Ok(m.shape()))
    }

    /// The numpy dtype string of the cells (native byte order).
    #[getter]
    fn dtype(&self) -> PyResult<&'static str> {
        self.with(|m| Ok(dtype(m.cell_type())))
    }

    /// The bit pattern of a null cell, or None.
    #[getter]
    fn null_value(&self) -> PyResult<Option<u64>> {
        self.with(|m| Ok(m.section().null_value()))
    }

    /// (tile_rows, tile_cols) of the stored layout.
    #[getter]
    fn tile_shape(&self) -> PyResult<(u64, u64)> {
        self.with(|m| Ok(m.section().tile_shape()))
    }

    fn row_names(&self) -> PyResult<Vec<String>> {
        self.with(|m| Ok(m.row_names()?.into_iter().map(str::to_string).collect()))
    }

    fn col_names(&self) -> PyResult<Vec<String>> {
        self.with(|m| Ok(m.col_names()?.into_iter().map(str::to_string).collect()))
    }

    /// Positions of the rows named `names` (hash index lookups).
    fn row_positions(&self, py: Python<'_>, names: Vec<String>) -> PyResult<Vec<u64>> {
        let v: Vec<&str> = names.iter().map(String::as_str).collect();
        py.detach(|| self.with(|m| m.row_positions(&v)))
    }

    /// Positions of the columns named `names`.
    fn col_positions(&self, py: Python<'_>, names: Vec<String>) -> PyResult<Vec<u64>> {
        let v: Vec<&str> = names.iter().map(String::as_str).collect();
        py.detach(|| self.with(|m| m.col_positions(&v)))
    }

    /// The cells of rows × cols (positions), row-major, native byte order,
    /// gathered (without the GIL) straight into a new numpy byte array
    /// that Python views as the cell type.
    fn read<'py>(
        &self,
        py: Python<'py>,
        rows: PyReadonlyArray1<'py, u64>,
        cols: PyReadonlyArray1<'py, u64>,
    ) -> PyResult<Bound<'py, PyArray1<u8>>> {
        let (rows, cols) = (rows.as_slice()?, cols.as_slice()?);
        let w = self.with(|m| Ok(m.cell_type().width() as usize))?;
        let len = rows
            .len()
            .checked_mul(cols.len())
            .and_then(|n| n.checked_mul(w))
            .ok_or_else(|| PyValueError::new_err("selection too large"))?;
        // Zeroed by calloc: large arrays get fresh pages that the kernel
        // zeroes as the gather first writes them, not in a pass of its own.
        let a = PyArray1::<u8>::zeros(py, [len], false);
        let mut rw = a.readwrite();
        let out = rw.as_slice_mut()?;
        py.detach(|| self.with(|m| m.read_bytes(rows, cols, out)))?;
        drop(rw);
        Ok(a)
    }
}
