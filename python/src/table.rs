//! The tables of a file (`tribit.Tables`) and one table (`tribit.Table`):
//! numpy views over the mapped rows, index-backed selection, and Arrow.

use std::ops::Range;
use std::sync::Arc;

use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList, PyString};

use tribit::convert::arrow::Converter;
use tribit::table::{ColumnType, OwnedValue, Table};
use tribit::File;

use crate::arrow::ArrowStream;
use crate::{err, input, range};

/// The tables of a file, by name.
#[pyclass(frozen, module = "tribit", name = "Tables", mapping)]
pub(crate) struct Tables {
    pub(crate) file: Arc<File>,
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
pub(crate) struct PyTable {
    pub(crate) file: Arc<File>,
    pub(crate) name: String,
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
