//! Temporary output files: their names (`.NAME.HOST-PID-RAND.tribit-tmp`,
//! cut to NAME_MAX), the list of this process's live ones, their removal on
//! termination signals, and the stale ones a killed process left.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::error::{Error, Result};

/// The suffix of every temporary output file.
pub const TEMP_SUFFIX: &str = ".tribit-tmp";

/// The longest file name most file systems accept (NAME_MAX).
const NAME_MAX: usize = 255;

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
pub(super) struct TempPath {
    path: Option<PathBuf>,
}

impl TempPath {
    pub(super) fn create(dir: &Path, target: &Path) -> std::io::Result<(TempPath, File)> {
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

    pub(super) fn persist(mut self, target: &Path) -> std::io::Result<()> {
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
    fn cut_respects_char_boundaries() {
        let s = std::ffi::OsStr::new("aé");
        assert_eq!(cut(s, 2), "a");
        assert_eq!(cut(s, 3), "aé");
    }
}
