//! SPEC §2–3: the container — file header, section directory, checksums,
//! atomic writing and memory-mapped reading.

mod chunks;
mod header;
mod mmap;
mod order;
mod writer;

pub use crate::output::AtomicFile;
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
    /// and returns them. Section contents are not checksummed here.
    pub fn parse(bytes: &[u8]) -> Result<Container> {
        let len = bytes.len() as u64;
        if len < spec::HEADER_LEN as u64 {
            return Err(Error::format(
                None,
                len,
                format!("file is {len} bytes, shorter than the 64-byte tribit header (truncated or not a tribit file)"),
            ));
        }
        if bytes[..8] != spec::MAGIC {
            return Err(Error::format(
                None,
                0,
                "bad magic: not a tribit file (expected 89 54 42 54 0D 0A 1A 0A)",
            ));
        }
        let sig = [bytes[8], bytes[9], bytes[10], bytes[11]];
        let order = if u32::from_le_bytes(sig) == spec::SIGNATURE {
            ByteOrder::Little
        } else if u32::from_be_bytes(sig) == spec::SIGNATURE {
            ByteOrder::Big
        } else {
            return Err(Error::format(
                None,
                8,
                format!("bad byte-order signature {sig:02X?}: expected 3D 2C 1B 0A (little-endian) or 0A 1B 2C 3D (big-endian)"),
            ));
        };
        let header: FileHeader = from_bytes(&bytes[..64], order, None, 0)?;
        if header.major != spec::VERSION_MAJOR {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "major version {}.{} is not supported: this reader reads major version {}",
                    header.major,
                    header.minor,
                    spec::VERSION_MAJOR
                ),
            )
            .at_byte(None, 12));
        }
        let want = checksum(&bytes[..spec::HEADER_CHECKSUMMED_LEN]);
        if !checksum_matches(header.header_checksum, want) {
            return Err(Error::new(
                ErrorKind::Checksum,
                format!(
                    "header checksum mismatch: stored {:016x}, computed {want:016x}",
                    header.header_checksum
                ),
            )
            .at_byte(None, 56));
        }
        if header.header_len < spec::HEADER_LEN {
            return Err(Error::format(
                None,
                16,
                format!("header_len {} is less than 64", header.header_len),
            ));
        }
        if header.file_len != len {
            let what = if header.file_len > len {
                "truncated"
            } else {
                "has trailing bytes"
            };
            return Err(Error::format(
                None,
                24,
                format!("file is {what}: header says {} bytes, file has {len}", header.file_len),
            ));
        }
        let entry_len = header.directory_entry_len as u64;
        if entry_len < spec::DIRECTORY_ENTRY_LEN as u64 {
            return Err(Error::format(
                None,
                44,
                format!("directory_entry_len {entry_len} is less than 48"),
            ));
        }
        let dir_off = header.directory_offset;
        let dir_len = (header.directory_count as u64).checked_mul(entry_len);
        let dir_end = dir_len.and_then(|l| dir_off.checked_add(l));
        if !dir_off.is_multiple_of(spec::SECTION_ALIGN) || dir_off < header.header_len as u64 || dir_end != Some(len) {
            return Err(Error::format(
                None,
                32,
                format!(
                    "directory at {dir_off} with {} entries of {entry_len} bytes does not end the {len}-byte file on a 64-byte boundary",
                    header.directory_count
                ),
            ));
        }
        let dir = &bytes[dir_off as usize..len as usize];
        let want = checksum(dir);
        if !checksum_matches(header.directory_checksum, want) {
            return Err(Error::new(
                ErrorKind::Checksum,
                format!(
                    "directory checksum mismatch: stored {:016x}, computed {want:016x}",
                    header.directory_checksum
                ),
            )
            .at_byte(None, dir_off));
        }
        let mut sections = Vec::with_capacity(header.directory_count as usize);
        for (i, raw) in dir.chunks_exact(entry_len as usize).enumerate() {
            let at = dir_off + i as u64 * entry_len;
            let e: DirectoryEntry = from_bytes(&raw[..48], order, None, at)?;
            if e.kind == 0 {
                return Err(Error::format(None, at, "directory entry has section kind 0"));
            }
            let end = e.offset.checked_add(e.length);
            if !e.offset.is_multiple_of(spec::SECTION_ALIGN)
                || e.offset < header.header_len as u64
                || end.is_none_or(|end| end > dir_off)
            {
                return Err(Error::format(
                    Some(e.kind),
                    at,
                    format!(
                        "section {} at offset {} length {} is not 64-byte aligned or lies outside [{}, {dir_off})",
                        section_name(e.kind),
                        e.offset,
                        e.length,
                        header.header_len
                    ),
                ));
            }
            if !known_kind(e.kind) && e.required() {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "required {} is not known to this reader (version {}.{}); the file needs a newer tribit",
                        section_name(e.kind),
                        spec::VERSION_MAJOR,
                        spec::VERSION_MINOR
                    ),
                )
                .at_byte(Some(e.kind), at));
            }
            sections.push(e);
        }
        let mut by_offset: Vec<&DirectoryEntry> = sections.iter().filter(|e| e.length > 0).collect();
        by_offset.sort_by_key(|e| e.offset);
        for w in by_offset.windows(2) {
            if w[0].offset + w[0].length > w[1].offset {
                return Err(Error::format(
                    Some(w[1].kind),
                    w[1].offset,
                    format!("{} overlaps {}", section_name(w[1].kind), section_name(w[0].kind)),
                ));
            }
        }
        Ok(Container {
            header,
            order,
            sections,
        })
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
