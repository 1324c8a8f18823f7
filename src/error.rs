//! The one public error type: what went wrong, and where.

use std::fmt;
use std::path::PathBuf;

/// The class of an [`Error`], for callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing a file failed.
    Io,
    /// The bytes of a tribit file break a rule of SPEC.md.
    Format,
    /// A stored checksum does not match the bytes it covers.
    Checksum,
    /// The file is valid but uses something this reader does not implement
    /// (a newer major version, an unknown required section, a block encoding).
    Unsupported,
    /// Input text (FASTA, region strings) is malformed.
    Input,
    /// A named sequence does not exist.
    NotFound,
    /// Coordinates lie outside a sequence.
    Range,
    /// An index file (SPEC §8.8) does not belong to the table it is used
    /// with: the table is missing, or changed since the index was built.
    Mismatch,
}

/// Where an [`Error`] happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// No particular place.
    None,
    /// A byte offset in a tribit file, inside a section when `section` is set.
    Byte {
        /// Section kind (SPEC §3.1), if the offset lies in a known section.
        section: Option<u32>,
        /// Absolute byte offset in the file.
        offset: u64,
    },
    /// A line and column (both 1-based) of a text input.
    Line {
        /// 1-based line number.
        line: u64,
        /// 1-based column (byte) number; 0 when the whole line is meant.
        column: u64,
    },
}

/// The error of every fallible operation in this crate.
///
/// ```
/// use tribit::{Error, ErrorKind};
/// let e = Error::input("unexpected letter 'J'").at_line(3, 7);
/// assert_eq!(e.kind(), ErrorKind::Input);
/// assert_eq!(e.to_string(), "line 3, column 7: unexpected letter 'J'");
/// ```
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    location: Location,
    path: Option<PathBuf>,
    source: Option<std::io::Error>,
    rule: Option<&'static str>,
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A new error of `kind` with no location.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            location: Location::None,
            path: None,
            source: None,
            rule: None,
        }
    }

    /// A [`ErrorKind::Format`] error at `offset` inside section `section`.
    pub fn format(section: Option<u32>, offset: u64, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Format, message).at_byte(section, offset)
    }

    /// A [`ErrorKind::Input`] error.
    pub fn input(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Input, message)
    }

    /// An [`ErrorKind::Io`] error with the operation that failed.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        let mut e = Error::new(ErrorKind::Io, format!("{}: {}", what.into(), source));
        e.source = Some(source);
        e
    }

    /// Sets the location to a byte offset.
    pub fn at_byte(mut self, section: Option<u32>, offset: u64) -> Self {
        self.location = Location::Byte { section, offset };
        self
    }

    /// Sets the location to a line and column (1-based).
    pub fn at_line(mut self, line: u64, column: u64) -> Self {
        self.location = Location::Line { line, column };
        self
    }

    /// Names the SPEC.md rule the bytes break, e.g. `"T9"`; printed after
    /// the message in brackets.
    pub fn with_rule(mut self, label: &'static str) -> Self {
        self.rule = Some(label);
        self
    }

    /// Names the file the error is about, unless one is named already.
    pub fn in_file(mut self, path: impl Into<PathBuf>) -> Self {
        if self.path.is_none() {
            self.path = Some(path.into());
        }
        self
    }

    /// The class of the error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Where the error happened.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The message without file or location.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The SPEC.md rule label the bytes break (e.g. `"T9"`), when the
    /// error names one.
    ///
    /// ```
    /// use tribit::{Error, ErrorKind};
    /// let e = Error::format(None, 40, "bool byte 2 is not 0 or 1").with_rule("T9");
    /// assert_eq!(e.rule(), Some("T9"));
    /// assert_eq!(e.to_string(), "byte 40: bool byte 2 is not 0 or 1 [T9]");
    /// ```
    pub fn rule(&self) -> Option<&'static str> {
        self.rule
    }

    /// The file the error is about, if known.
    pub fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }
}

/// The SPEC.md name of a section kind, for messages.
pub fn section_name(kind: u32) -> String {
    use crate::spec::kind as k;
    let name = match kind {
        k::CHUNK_SUMS => "CHUNK_SUMS",
        k::SEQUENCE_INDEX => "SEQUENCE_INDEX",
        k::SEQUENCE_NAMES => "SEQUENCE_NAMES",
        k::SEQUENCE_NAME_HASH => "SEQUENCE_NAME_HASH",
        k::BLOCK_INDEX => "BLOCK_INDEX",
        k::BLOCKS => "BLOCKS",
        k::MASKS => "MASKS",
        k::EXCEPTIONS => "EXCEPTIONS",
        k::NONACGT_SUMMARY => "NONACGT_SUMMARY",
        k::MASK_BITMAP => "MASK_BITMAP",
        k::EXCEPTION_NIBBLES => "EXCEPTION_NIBBLES",
        k::REFERENCES => "REFERENCES",
        k::TABLE => "TABLE",
        k::DICTIONARY => "DICTIONARY",
        k::HASH_INDEX => "HASH_INDEX",
        k::INDEX_TARGET => "INDEX_TARGET",
        k::MATRIX => "MATRIX",
        k::MATRIX_TILES => "MATRIX_TILES",
        _ if kind >= k::PRIVATE_FIRST => return format!("private section 0x{kind:08x}"),
        _ => return format!("unknown section 0x{kind:04x}"),
    };
    format!("{name} (0x{kind:04x})")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}: ", p.display())?;
        }
        match &self.location {
            Location::None => {}
            Location::Byte {
                section: Some(s),
                offset,
            } => write!(f, "section {} at byte {}: ", section_name(*s), offset)?,
            Location::Byte { section: None, offset } => write!(f, "byte {offset}: ")?,
            Location::Line { line, column: 0 } => write!(f, "line {line}: ")?,
            Location::Line { line, column } => write!(f, "line {line}, column {column}: ")?,
        }
        f.write_str(&self.message)?;
        match self.rule {
            Some(r) => write!(f, " [{r}]"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}
