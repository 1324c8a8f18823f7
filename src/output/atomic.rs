//! [`AtomicFile`]: an output file written as a temporary file beside its
//! target and renamed over it on commit, its writes handed to a
//! background thread.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use super::resolve_links;
use super::temp::TempPath;
use crate::error::{Error, Result};

/// An output file that appears under its name only when complete.
///
/// Bytes go to a temporary file beside the target; [`AtomicFile::commit`]
/// flushes, syncs and renames it over the target. Dropped without a commit
/// (an error, a panic), the temporary file is removed and the target is
/// untouched; on SIGINT, SIGTERM or SIGHUP [`install_signal_cleanup`](super::install_signal_cleanup)
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
    /// never replaced ([`Output`](super::Output) writes into those). Commands decide first
    /// with [`destination`](super::destination) whether an existing file may be replaced.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
