//! Where a subcommand writes its text: standard output, or a file that
//! appears under its name only once complete.

use std::io::Write;
use std::path::PathBuf;

use crate::container::AtomicFile;
use crate::error::Result;

/// Standard output, or a file that appears under its name only once it is
/// complete.
pub enum Output {
    /// Buffered standard output.
    Stdout(std::io::BufWriter<std::io::StdoutLock<'static>>),
    /// A temporary file renamed over the target by [`Output::finish`].
    File(AtomicFile),
}

impl Output {
    /// Standard output when `path` is absent or `-`, else the file.
    pub fn create(path: Option<&PathBuf>) -> Result<Output> {
        match path.filter(|p| p.as_os_str() != "-") {
            Some(p) => Ok(Output::File(AtomicFile::create(p)?)),
            None => Ok(Output::Stdout(std::io::BufWriter::with_capacity(
                1 << 16,
                std::io::stdout().lock(),
            ))),
        }
    }

    /// Flushes standard output, or publishes the file.
    pub fn finish(self) -> Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush().map_err(super::write_err),
            Output::File(f) => f.commit(),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File(f) => f.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::File(f) => f.write_all(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File(f) => f.flush(),
        }
    }
}
