//! Chosen rows and columns of a table as an Arrow C stream (the PyCapsule
//! interface), for pyarrow, pandas, polars and DuckDB.

use std::ops::Range;
use std::sync::Arc;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ffi::FFI_ArrowSchema, ArrowError, SchemaRef};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use tribit::convert::arrow::{Converter, RowChunks, BATCH_ROWS};
use tribit::File;

use crate::input;

/// Chosen rows and columns of a table as an Arrow stream (PyCapsule
/// interface); each `__arrow_c_stream__` call starts a fresh stream.
#[pyclass(frozen, module = "tribit", name = "ArrowStream")]
pub(crate) struct ArrowStream {
    pub(crate) file: Arc<File>,
    pub(crate) table: String,
    pub(crate) conv: Converter,
    pub(crate) ranges: Vec<Range<u64>>,
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

    pub(crate) fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema =
            FFI_ArrowSchema::try_from(self.conv.schema().as_ref()).map_err(|e| input(format!("arrow schema: {e}")))?;
        PyCapsule::new_with_value(py, schema, c"arrow_schema")
    }

    /// The Arrow C stream; `requested_schema` is not honoured (the schema
    /// is the table's), as the interface allows.
    #[pyo3(signature = (requested_schema = None))]
    pub(crate) fn __arrow_c_stream__<'py>(
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
