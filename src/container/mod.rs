//! SPEC §2–3: the container — file header, section directory, checksums,
//! atomic writing and memory-mapped reading.

mod check;
mod chunks;
mod header;
mod mmap;
mod order;
mod writer;

pub use crate::output::AtomicFile;
pub(crate) use check::{check, Fault, First, Sink};
pub use chunks::{problems as chunk_problems, Checked, ChunkSums, ChunkSumsMap};
pub(crate) use header::{from_bytes, to_bytes};
pub use header::{DirectoryEntry, FileHeader};
pub use mmap::Data;
pub use order::ByteOrder;
pub use writer::ContainerWriter;

use crate::error::{section_name, Error, ErrorKind, Result};
use crate::spec;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// xxh3-64 with the format's seed (SPEC §1).
#[inline]
pub fn checksum(bytes: &[u8]) -> u64 {
    xxh3_64_with_seed(bytes, spec::XXH3_SEED)
}

/// Whether a stored checksum matches the computed one. Fuzzing builds
/// (`--cfg fuzzing`, set by cargo-fuzz) accept any checksum so that the
/// fuzzer reaches the structures behind them.
#[inline]
pub fn checksum_matches(stored: u64, computed: u64) -> bool {
    cfg!(fuzzing) || stored == computed
}

/// Whether this implementation knows a section kind (SPEC §3.1).
pub fn known_kind(kind: u32) -> bool {
    use spec::kind as k;
    spec::SEQUENCE_SET.contains(&kind)
        || matches!(
            kind,
            k::CHUNK_SUMS
                | k::NONACGT_SUMMARY
                | k::REFERENCES
                | k::MASK_BITMAP
                | k::EXCEPTION_NIBBLES
                | k::TABLE
                | k::DICTIONARY
                | k::HASH_INDEX
                | k::INDEX_TARGET
                | k::MATRIX
                | k::MATRIX_TILES
        )
}

/// A parsed and checked header and directory (SPEC §2–3).
#[derive(Debug, Clone)]
pub struct Container {
    /// The file header.
    pub header: FileHeader,
    /// The byte order the header's signature announced.
    pub order: ByteOrder,
    /// Every directory entry, in directory order.
    pub sections: Vec<DirectoryEntry>,
}

impl Container {
    /// Checks the header and directory of `bytes` (SPEC §2.4 "Opening a file")
    /// and returns them; the first broken rule is the error. Section
    /// contents are not checksummed here.
    pub fn parse(bytes: &[u8]) -> Result<Container> {
        let mut first = check::First::default();
        match check::check(bytes, &mut first) {
            Some(c) if first.0.is_none() => Ok(c),
            _ => Err(first.into_error()),
        }
    }

    /// The single section of `kind`, if present; an error if there are several.
    pub fn find(&self, kind: u32) -> Result<Option<&DirectoryEntry>> {
        let mut found = self.sections.iter().filter(|e| e.kind == kind);
        let first = found.next();
        if let Some(second) = found.next() {
            return Err(Error::format(
                Some(kind),
                second.offset,
                format!(
                    "more than one {} section (this version allows one sequence set)",
                    section_name(kind)
                ),
            ));
        }
        Ok(first)
    }

    /// The bytes of `entry`, after checking its checksum.
    pub fn verified<'a>(&self, bytes: &'a [u8], entry: &DirectoryEntry) -> Result<&'a [u8]> {
        let s = &bytes[entry.offset as usize..(entry.offset + entry.length) as usize];
        let got = checksum(s);
        if !checksum_matches(entry.checksum, got) {
            return Err(Error::new(
                ErrorKind::Checksum,
                format!(
                    "checksum mismatch in {}: stored {:016x}, computed {got:016x}",
                    section_name(entry.kind),
                    entry.checksum
                ),
            )
            .at_byte(Some(entry.kind), entry.offset));
        }
        Ok(s)
    }
}
