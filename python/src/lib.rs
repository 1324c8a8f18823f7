//! Python bindings of tribit (the `tribit._tribit` extension module).
//!
//! Every object holds an `Arc<tribit::File>`: the file is opened, mapped and
//! verified once, shared by threads, and a table or column view is derived
//! from it on each call. Errors become the `tribit.Error` classes of
//! `tribit/_errors.py`, one per `tribit::ErrorKind`, with the same message.
//! Long calls release the GIL.

mod arrow;
mod errors;
mod file;
mod files;
mod matrix;
mod sequences;
mod table;

use pyo3::prelude::*;

pub(crate) use errors::{err, input, range};

#[pymodule]
fn _tribit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<file::PyFile>()?;
    m.add_class::<sequences::Record>()?;
    m.add_class::<table::Tables>()?;
    m.add_class::<table::PyTable>()?;
    m.add_class::<arrow::ArrowStream>()?;
    m.add_class::<matrix::Matrices>()?;
    m.add_class::<matrix::RawMatrix>()?;
    m.add_function(wrap_pyfunction!(sequences::reverse_complement, m)?)?;
    m.add_function(wrap_pyfunction!(files::import_fasta, m)?)?;
    m.add_function(wrap_pyfunction!(files::import_csv, m)?)?;
    m.add_function(wrap_pyfunction!(files::validate, m)?)?;
    Ok(())
}
