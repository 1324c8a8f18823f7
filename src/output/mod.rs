//! Where output goes: the one policy every command follows for `-o PATH`.
//!
//! - A regular file (or a new name) is written as a hidden temporary file
//!   in the same directory, then synced and renamed over the target
//!   ([`AtomicFile`]): readers see the old file or the whole new one, never
//!   a part. The new file gets the mode of the file it replaces, or
//!   `0666` less the umask when there was none.
//! - An existing file is replaced only when the caller allows it
//!   ([`OutputPolicy::force`]), read-only or not, as gzip and zstd do.
//! - A symbolic link is followed: its target is replaced, the link stays.
//! - Anything that is not a regular file (a character device, a FIFO, a
//!   socket, `/dev/stdout`) is opened and written in place, never replaced;
//!   `-` is standard output.
//! - An output that is the same file as an input (same device and inode,
//!   whatever the spelling of its path) is refused.
//! - Temporary files are named `.NAME.HOST-PID-RAND.tribit-tmp`, cut to fit
//!   the 255-byte name limit. [`install_signal_cleanup`] removes them on
//!   SIGINT, SIGTERM and SIGHUP; after a SIGKILL, the next write of the same
//!   target on the same host removes those whose process is gone
//!   (Linux), and `find DIR -name '.*.tribit-tmp'` lists any others.
//!
//! This module holds the policy ([`OutputPolicy`], [`destination`]) and
//! [`Output`]; `temp` names, tracks and cleans up the temporary files, and
//! `atomic` holds [`AtomicFile`], the temp-and-rename writer.

mod atomic;
mod temp;

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

pub use atomic::AtomicFile;
pub use temp::{install_signal_cleanup, stale_temp_files, TEMP_SUFFIX};

/// What an output may replace, and which files it must not be.
///
/// ```
/// use tribit::output::OutputPolicy;
/// let p = OutputPolicy::default().force(true).input("genome.fa");
/// assert!(p.is_forced());
/// ```
#[derive(Debug, Clone, Default)]
pub struct OutputPolicy {
    force: bool,
    inputs: Vec<PathBuf>,
    stdin_is_input: bool,
}

impl OutputPolicy {
    /// Whether an existing file may be replaced (off by default).
    pub fn force(mut self, on: bool) -> Self {
        self.force = on;
        self
    }

    /// Whether existing files may be replaced.
    pub fn is_forced(&self) -> bool {
        self.force
    }

    /// Adds an input the output must not be; `-` means standard input.
    pub fn input(mut self, path: impl Into<PathBuf>) -> Self {
        let p = path.into();
        if p.as_os_str() == "-" {
            self.stdin_is_input = true;
        } else {
            self.inputs.push(p);
        }
        self
    }
}

/// Where an output path leads, once links are followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output (`-`, or a link to this process's descriptor 1).
    Stdout,
    /// Not a regular file (device, FIFO, socket, another descriptor): written in place.
    Special(PathBuf),
    /// A regular file, existing or not, at this path (links resolved): replaced by rename.
    Regular {
        /// The path the temporary file is renamed to.
        target: PathBuf,
        /// Whether a file is there now.
        exists: bool,
    },
}

/// Follows symbolic links from `path` to the path that is not one. Returns
/// it and whether the chain passed through `/proc` or `/dev/fd` (a process's
/// descriptor, which must be written, not replaced).
fn resolve_links(path: &Path) -> Result<(PathBuf, bool)> {
    let mut p = path.to_path_buf();
    let mut via_fd = false;
    for _ in 0..40 {
        let is_fd_path = p.starts_with("/proc") || p.starts_with("/dev/fd");
        via_fd |= is_fd_path;
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let t = std::fs::read_link(&p).map_err(|e| Error::io("cannot read the link", e).in_file(&p))?;
                p = if t.is_absolute() {
                    t
                } else {
                    p.parent().unwrap_or(Path::new(".")).join(t)
                };
            }
            _ => return Ok((p, via_fd)),
        }
    }
    Err(Error::input("too many levels of symbolic links").in_file(path))
}

/// Decides where `path` leads and whether writing there is allowed.
pub fn destination(path: &Path, policy: &OutputPolicy) -> Result<Destination> {
    if path.as_os_str() == "-" {
        return Ok(Destination::Stdout);
    }
    let (resolved, via_fd) = resolve_links(path)?;
    let meta = match std::fs::metadata(path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("cannot inspect the output", e).in_file(path)),
    };
    if let Some(m) = &meta {
        check_not_an_input(path, m, policy)?;
        if m.is_dir() {
            return Err(Error::input("the output is a directory: expected a file name").in_file(path));
        }
        if via_fd && is_own_stdout(m) {
            return Ok(Destination::Stdout);
        }
        if !m.is_file() || via_fd {
            return Ok(Destination::Special(path.to_path_buf()));
        }
        if !policy.force {
            let ro = if m.permissions().readonly() {
                "a read-only file"
            } else {
                "a file"
            };
            return Err(
                Error::input(format!("the output is {ro} that exists: use --force to replace it")).in_file(path),
            );
        }
    }
    Ok(Destination::Regular {
        target: resolved,
        exists: meta.is_some(),
    })
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

fn stdin_metadata() -> Option<std::fs::Metadata> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
        File::from(fd).metadata().ok()
    }
    #[cfg(not(unix))]
    None
}

fn is_own_stdout(m: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
            return false;
        };
        File::from(fd).metadata().is_ok_and(|s| same_file(&s, m))
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        false
    }
}

fn check_not_an_input(path: &Path, out: &std::fs::Metadata, policy: &OutputPolicy) -> Result<()> {
    // Devices and FIFOs may be both (reading /dev/stdin, writing /dev/stdout
    // on one terminal); only a regular file would be destroyed.
    if !out.is_file() {
        return Ok(());
    }
    for input in &policy.inputs {
        if std::fs::metadata(input).is_ok_and(|m| same_file(&m, out)) {
            return Err(Error::input(format!(
                "the output is the input {}: choose another output name",
                input.display()
            ))
            .in_file(path));
        }
    }
    if policy.stdin_is_input && stdin_metadata().is_some_and(|m| same_file(&m, out)) {
        return Err(
            Error::input("the output is the file standard input reads: choose another output name").in_file(path),
        );
    }
    Ok(())
}

enum Inner {
    Atomic(AtomicFile),
    /// A seekable output (a tribit file) bound for something that cannot
    /// seek: built in an unnamed temporary file, copied out on commit.
    Spool {
        tmp: File,
        dest: Box<dyn Write + Send>,
    },
    /// A stream written straight into its destination.
    Direct(std::io::BufWriter<Box<dyn Write + Send>>),
}

/// An output opened under the policy of this module: see the module docs.
///
/// ```
/// use std::io::Write;
/// use tribit::output::{Output, OutputPolicy};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("a.txt");
/// let mut o = Output::create(&path, &OutputPolicy::default()).unwrap();
/// o.write_all(b"one").unwrap();
/// o.commit().unwrap();
/// // An existing file is replaced only with force.
/// assert!(Output::create(&path, &OutputPolicy::default()).is_err());
/// let mut o = Output::create(&path, &OutputPolicy::default().force(true)).unwrap();
/// o.write_all(b"two").unwrap();
/// o.commit().unwrap();
/// assert_eq!(std::fs::read(&path).unwrap(), b"two");
/// ```
pub struct Output {
    inner: Inner,
    path: PathBuf,
}

fn open_special(path: &Path) -> Result<File> {
    OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io("cannot open for writing", e).in_file(path))
}

impl Output {
    /// Opens `path` for a stream of bytes (FASTA, CSV): a regular file is
    /// written atomically, anything else directly. [`Seek`] fails unless the
    /// output is a regular file.
    pub fn create(path: &Path, policy: &OutputPolicy) -> Result<Output> {
        let inner = match destination(path, policy)? {
            Destination::Regular { target, .. } => Inner::Atomic(AtomicFile::create(&target)?),
            Destination::Stdout => {
                Inner::Direct(std::io::BufWriter::with_capacity(1 << 20, Box::new(std::io::stdout())))
            }
            Destination::Special(p) => {
                Inner::Direct(std::io::BufWriter::with_capacity(1 << 20, Box::new(open_special(&p)?)))
            }
        };
        Ok(Output {
            inner,
            path: path.to_path_buf(),
        })
    }

    /// Opens `path` for a writer that seeks (a tribit file): as
    /// [`Output::create`], but a destination that cannot seek receives the
    /// finished file in one pass on commit.
    pub fn create_seekable(path: &Path, policy: &OutputPolicy) -> Result<Output> {
        let spool = |dest: Box<dyn Write + Send>| -> Result<Inner> {
            let tmp = tempfile::tempfile().map_err(|e| Error::io("cannot create a temporary file", e))?;
            Ok(Inner::Spool { tmp, dest })
        };
        let inner = match destination(path, policy)? {
            Destination::Regular { target, .. } => Inner::Atomic(AtomicFile::create(&target)?),
            Destination::Stdout => {
                use std::io::IsTerminal;
                if std::io::stdout().is_terminal() {
                    return Err(Error::input(
                        "a tribit file is binary: not writing it to a terminal (redirect standard output, or name a file with -o)",
                    ));
                }
                spool(Box::new(std::io::stdout()))?
            }
            Destination::Special(p) => spool(Box::new(open_special(&p)?))?,
        };
        Ok(Output {
            inner,
            path: path.to_path_buf(),
        })
    }

    /// The path given for the output.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Finishes the output: renames a regular file into place, copies a
    /// spooled file out, flushes a stream.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        let io = |e| Error::io("cannot write", e).in_file(&path);
        match self.inner {
            Inner::Atomic(a) => a.commit(),
            Inner::Spool { mut tmp, mut dest } => {
                tmp.seek(SeekFrom::Start(0)).map_err(io)?;
                std::io::copy(&mut tmp, &mut dest).map_err(io)?;
                dest.flush().map_err(io)
            }
            Inner::Direct(mut w) => w.flush().map_err(io),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.inner {
            Inner::Atomic(a) => a.write(buf),
            Inner::Spool { tmp, .. } => tmp.write(buf),
            Inner::Direct(w) => w.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match &mut self.inner {
            Inner::Atomic(a) => a.write_all(buf),
            Inner::Spool { tmp, .. } => tmp.write_all(buf),
            Inner::Direct(w) => w.write_all(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.inner {
            Inner::Atomic(a) => a.flush(),
            Inner::Spool { tmp, .. } => tmp.flush(),
            Inner::Direct(w) => w.flush(),
        }
    }
}

impl Seek for Output {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match &mut self.inner {
            Inner::Atomic(a) => a.seek(pos),
            Inner::Spool { tmp, .. } => tmp.seek(pos),
            Inner::Direct(_) => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "this output cannot seek",
            )),
        }
    }
}

/// Names the file an error of a conversion is about: writing failures
/// ([`ErrorKind::Io`]) belong to the output, anything wrong with the data
/// read (format, checksum, input text) to the input.
pub fn blame(e: Error, input: &Path, output: &Path) -> Error {
    if e.kind() == ErrorKind::Io {
        e.in_file(output)
    } else {
        e.in_file(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blame_sends_write_failures_to_the_output() {
        let io = Error::io("cannot write", std::io::Error::other("No space left on device"));
        let e = blame(io, Path::new("in.tbit"), Path::new("out.fa"));
        assert!(e.to_string().contains("out.fa"), "{e}");
        let f = Error::format(None, 64, "bad block");
        let e = blame(f, Path::new("in.tbit"), Path::new("out.fa"));
        assert!(e.to_string().contains("in.tbit"), "{e}");
    }
}
