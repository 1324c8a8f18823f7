//! The bytes of a file: memory-mapped, or owned. The only `unsafe` of the
//! reader lives here.

use std::fs::File;
use std::path::Path;

use memmap2::Mmap;

use crate::error::{Error, Result};

/// The whole content of a tribit file, borrowed as one byte slice.
#[derive(Debug)]
pub enum Data {
    /// A read-only memory map of a file.
    Mapped(Mmap),
    /// Bytes held in memory (tests, fuzzing, small inputs).
    Owned(Vec<u8>),
}

impl Data {
    /// Maps the file at `path` read-only.
    pub fn map(path: &Path) -> Result<Data> {
        let file = File::open(path).map_err(|e| Error::io("cannot open", e).in_file(path))?;
        let len = file
            .metadata()
            .map_err(|e| Error::io("cannot stat", e).in_file(path))?
            .len();
        if len == 0 {
            // A zero-length map is an error on some platforms; the header check reports it.
            return Ok(Data::Owned(Vec::new()));
        }
        // SAFETY: the map is read-only and we never hand out references that
        // outlive `self`. Another process truncating or rewriting the file
        // while it is mapped is outside what any mmap reader can guard
        // against (SIGBUS); tribit writers never modify a file in place —
        // they write a temporary file and rename it over the target, which
        // leaves existing maps on the old inode intact.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io("cannot map", e).in_file(path))?;
        Ok(Data::Mapped(map))
    }

    /// Tells the kernel the file will be read at random places (a few
    /// regions) rather than in order, so it maps and reads ahead less.
    pub fn advise_random(&self) {
        if let Data::Mapped(m) = self {
            // Advice is only a hint; a kernel that ignores it changes nothing.
            let _ = m.advise(memmap2::Advice::Random);
        }
    }

    /// The bytes.
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        match self {
            Data::Mapped(m) => m,
            Data::Owned(v) => v,
        }
    }
}
