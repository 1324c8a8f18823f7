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

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use crate::error::{Error, ErrorKind, Result};

/// The suffix of every temporary output file.
pub const TEMP_SUFFIX: &str = ".tribit-tmp";

/// The longest file name most file systems accept (NAME_MAX).
const NAME_MAX: usize = 255;

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

// ---------------------------------------------------------------------------
// Temporary files: names, the live list, signal cleanup, stale files.

static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static SIGNALS: OnceLock<()> = OnceLock::new();

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Removes every temporary output file of this process when SIGINT, SIGTERM
/// or SIGHUP arrives, then lets the signal end the process as it would have.
/// Call once at start-up (the `tribit` tool does); calling it again does
/// nothing.
#[cfg(unix)]
pub fn install_signal_cleanup() -> Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    if SIGNALS.get().is_some() {
        return Ok(());
    }
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .map_err(|e| Error::io("cannot install signal handlers", e))?;
    let _ = SIGNALS.set(());
    std::thread::Builder::new()
        .name("tribit-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                for p in live().drain(..) {
                    let _ = std::fs::remove_file(p);
                }
                let _ = signal_hook::low_level::emulate_default_handler(sig);
                std::process::exit(128 + sig);
            }
        })
        .map_err(|e| Error::io("cannot start the signal thread", e))?;
    Ok(())
}

/// Removes every temporary output file on termination signals (no-op here).
#[cfg(not(unix))]
pub fn install_signal_cleanup() -> Result<()> {
    Ok(())
}

/// A short tag of this host, so that temporary files of another host sharing
/// the directory (NFS) are never taken for stale ones.
fn host_tag() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    format!("{:08x}", crate::container::checksum(name.trim().as_bytes()) as u32)
}

/// The first bytes of `name` that fit in `max` bytes, cut at a character
/// boundary when the name is UTF-8.
fn cut(name: &std::ffi::OsStr, max: usize) -> String {
    let s = name.to_string_lossy();
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// The prefix `.NAME.HOST-` shared by every temporary file for `target` on
/// this host, sized so that the whole name fits in NAME_MAX bytes.
fn temp_prefix(target: &Path) -> String {
    let host = host_tag();
    // '.' NAME '.' HOST '-' PID(<=10) '-' RAND(8) SUFFIX
    let fixed = 1 + 1 + host.len() + 1 + 10 + 1 + 8 + TEMP_SUFFIX.len();
    let name = target.file_name().unwrap_or_default();
    format!(".{}.{host}-", cut(name, NAME_MAX - fixed))
}

fn random_tag() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let h = crate::container::checksum(&[t.to_le_bytes(), n.to_le_bytes()].concat());
    format!("{:08x}", h as u32)
}

fn pid_alive(pid: u32) -> Option<bool> {
    if cfg!(target_os = "linux") {
        Some(Path::new("/proc").join(pid.to_string()).exists())
    } else {
        None
    }
}

/// Temporary files in `dir` for `target` left by processes of this host that
/// no longer run (killed with SIGKILL, or a crash).
pub fn stale_temp_files(dir: &Path, target: &Path) -> Vec<PathBuf> {
    let prefix = temp_prefix(target);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some(rest) = rest.strip_suffix(TEMP_SUFFIX) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && pid_alive(pid) == Some(false) {
            out.push(e.path());
        }
    }
    out
}

/// A temporary file on the live list, removed when dropped unless persisted.
struct TempPath {
    path: Option<PathBuf>,
}

impl TempPath {
    fn create(dir: &Path, target: &Path) -> std::io::Result<(TempPath, File)> {
        for old in stale_temp_files(dir, target) {
            let _ = std::fs::remove_file(old);
        }
        let prefix = temp_prefix(target);
        let pid = std::process::id();
        loop {
            let path = dir.join(format!("{prefix}{pid}-{}{TEMP_SUFFIX}", random_tag()));
            let mut o = OpenOptions::new();
            o.read(true).write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                // The kernel applies the umask: the mode a new output should have.
                o.mode(0o666);
            }
            // Listed before it exists, so a signal in between cannot miss it.
            live().push(path.clone());
            match o.open(&path) {
                Ok(f) => return Ok((TempPath { path: Some(path) }, f)),
                Err(e) => {
                    live().retain(|p| p != &path);
                    if e.kind() != std::io::ErrorKind::AlreadyExists {
                        return Err(e);
                    }
                }
            }
        }
    }

    fn persist(mut self, target: &Path) -> std::io::Result<()> {
        let Some(path) = self.path.take() else {
            return Ok(());
        };
        let r = std::fs::rename(&path, target);
        if r.is_err() {
            let _ = std::fs::remove_file(&path);
        }
        live().retain(|p| p != &path);
        r
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(&path);
            live().retain(|p| p != &path);
        }
    }
}

// ---------------------------------------------------------------------------
// AtomicFile: temp-and-rename for regular files.

/// An output file that appears under its name only when complete.
///
/// Bytes go to a temporary file beside the target; [`AtomicFile::commit`]
/// flushes, syncs and renames it over the target. Dropped without a commit
/// (an error, a panic), the temporary file is removed and the target is
/// untouched; on SIGINT, SIGTERM or SIGHUP [`install_signal_cleanup`]
/// removes it. The new file takes the mode and owner of the file it
/// replaces, or `0666` less the umask.
///
/// Sequential writes are handed in 4 MiB buffers to a background thread, so
/// the cost of the `write` system calls overlaps the caller's work; the first
/// seek (the header patch at the end) waits for them.
///
/// ```
/// use std::io::Write;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out.txt");
/// let mut f = tribit::output::AtomicFile::create(&path).unwrap();
/// f.write_all(b"hello").unwrap();
/// assert!(!path.exists());
/// f.commit().unwrap();
/// assert_eq!(std::fs::read(&path).unwrap(), b"hello");
/// ```
pub struct AtomicFile {
    target: PathBuf,
    tmp: TempPath,
    file: File,
    buf: Vec<u8>,
    background: Option<Background>,
}

struct Background {
    tx: SyncSender<Vec<u8>>,
    spare: Receiver<Vec<u8>>,
    worker: JoinHandle<std::io::Result<()>>,
}

const BUFFER: usize = 4 << 20;

impl AtomicFile {
    /// Opens a temporary file in the directory of `target`. On commit it
    /// replaces the regular file at `target` (the target of a link, the
    /// link staying); a directory, device, FIFO or socket there is refused,
    /// never replaced ([`Output`] writes into those). Commands decide first
    /// with [`destination`] whether an existing file may be replaced.
    pub fn create(target: &Path) -> Result<AtomicFile> {
        let (target, _) = resolve_links(target)?;
        let target = target.as_path();
        if let Ok(m) = std::fs::metadata(target) {
            if !m.is_file() {
                return Err(
                    Error::input("not a regular file: only a regular file is replaced by an atomic write")
                        .in_file(target),
                );
            }
        }
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let (tmp, file) = TempPath::create(&dir, target).map_err(|e| {
            Error::io(format!("cannot create a temporary file in {}", dir.display()), e).in_file(target)
        })?;
        let mut writer = file
            .try_clone()
            .map_err(|e| Error::io("cannot open", e).in_file(target))?;
        let (tx, rx) = sync_channel::<Vec<u8>>(2);
        let (spare_tx, spare) = sync_channel::<Vec<u8>>(3);
        let worker = std::thread::spawn(move || {
            for mut b in rx {
                writer.write_all(&b)?;
                b.clear();
                let _ = spare_tx.try_send(b);
            }
            Ok(())
        });
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp,
            file,
            buf: Vec::with_capacity(BUFFER),
            background: Some(Background { tx, spare, worker }),
        })
    }

    /// Hands the buffer to the background thread, or writes it directly once
    /// that thread has been stopped.
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        match &self.background {
            Some(bg) => {
                let next = bg.spare.try_recv().unwrap_or_else(|_| Vec::with_capacity(BUFFER));
                let full = std::mem::replace(&mut self.buf, next);
                if bg.tx.send(full).is_err() {
                    // The worker stopped on an error; stop() reports it.
                    return self.stop();
                }
                Ok(())
            }
            None => {
                self.file.write_all(&self.buf)?;
                self.buf.clear();
                Ok(())
            }
        }
    }

    /// Waits for every queued write; later writes go straight to the file.
    fn stop(&mut self) -> std::io::Result<()> {
        if let Some(bg) = self.background.take() {
            drop(bg.tx);
            match bg.worker.join() {
                Ok(r) => r?,
                Err(_) => return Err(std::io::Error::other("the writer thread panicked")),
            }
        }
        Ok(())
    }

    /// Makes the file visible under its target name.
    pub fn commit(mut self) -> Result<()> {
        let target = self.target.clone();
        let io = |e| Error::io("cannot write", e).in_file(&target);
        self.send().map_err(io)?;
        self.stop().map_err(io)?;
        self.send().map_err(io)?;
        take_over_mode(&self.file, &target).map_err(|e| Error::io("cannot set the mode of", e).in_file(&target))?;
        self.file
            .sync_all()
            .map_err(|e| Error::io("cannot sync", e).in_file(&target))?;
        self.tmp
            .persist(&target)
            .map_err(|e| Error::io("cannot rename the temporary file", e).in_file(&target))?;
        Ok(())
    }
}

/// Gives the temporary file the mode (and, where allowed, the owner) of the
/// file it will replace; a new file keeps the umask-derived mode it was
/// created with.
fn take_over_mode(f: &File, target: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        if let Ok(old) = std::fs::metadata(target) {
            if old.is_file() {
                let mine = f.metadata()?;
                if (mine.uid(), mine.gid()) != (old.uid(), old.gid()) {
                    // Only root may give a file away; others keep their own.
                    let _ = std::os::unix::fs::fchown(f, Some(old.uid()), Some(old.gid()));
                }
                f.set_permissions(std::fs::Permissions::from_mode(old.mode() & 0o7777))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (f, target);
    Ok(())
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }
    fn write_all(&mut self, mut buf: &[u8]) -> std::io::Result<()> {
        while !buf.is_empty() {
            let room = BUFFER - self.buf.len().min(BUFFER);
            let n = room.min(buf.len());
            self.buf.extend_from_slice(&buf[..n]);
            buf = &buf[n..];
            if self.buf.len() >= BUFFER {
                self.send()?;
            }
        }
        Ok(())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.send()?;
        self.stop()?;
        self.send()?;
        self.file.seek(pos)
    }
}

// ---------------------------------------------------------------------------
// Output: what a command writes to.

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
    fn temp_names_fit_name_max_for_long_targets() {
        for len in [1usize, 200, 244, 250, 255] {
            let name = "x".repeat(len);
            let target = Path::new("/tmp").join(&name);
            let p = temp_prefix(&target);
            let full = format!("{p}{}-{}{TEMP_SUFFIX}", u32::MAX, random_tag());
            assert!(full.len() <= NAME_MAX, "{len}: {} bytes", full.len());
        }
    }

    #[test]
    fn atomic_files_never_replace_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        assert!(AtomicFile::create(&sub).is_err());
        assert!(sub.is_dir());
        // Through a link: the link's target is written, the link kept.
        let real = dir.path().join("real");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("real", &link).unwrap();
            let mut f = AtomicFile::create(&link).unwrap();
            f.write_all(b"new").unwrap();
            f.commit().unwrap();
            assert_eq!(std::fs::read(&real).unwrap(), b"new");
            assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        }
    }

    #[test]
    fn cut_respects_char_boundaries() {
        let s = std::ffi::OsStr::new("aé");
        assert_eq!(cut(s, 2), "a");
        assert_eq!(cut(s, 3), "aé");
    }

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
