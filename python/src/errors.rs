//! tribit errors as the `tribit.Error` classes of `tribit/_errors.py`, one
//! per `tribit::ErrorKind`, with the same message.

use pyo3::prelude::*;

use tribit::ErrorKind;

/// A tribit error as the matching `tribit.Error` subclass.
pub(crate) fn err(e: tribit::Error) -> PyErr {
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
            exc.setattr("rule", e.rule())?;
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

pub(crate) fn input(msg: impl Into<String>) -> PyErr {
    err(tribit::Error::input(msg))
}

pub(crate) fn range(msg: impl Into<String>) -> PyErr {
    err(tribit::Error::new(ErrorKind::Range, msg))
}
