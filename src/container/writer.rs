//! Writing a container: sections appended one after another at 64-byte
//! boundaries, then the directory, then the header patched in place. The
//! atomic file that makes a half-written output impossible to see is
//! [`crate::output::AtomicFile`].

use std::io::{Seek, SeekFrom, Write};

use xxhash_rust::xxh3::Xxh3;

use super::chunks::{writer_chunks, ChunkHasher};
use super::header::to_bytes;
use super::{ByteOrder, DirectoryEntry, FileHeader};
use crate::error::{Error, Result};
use crate::spec;

/// Whether a section kind belongs to a table (SPEC §8), a version 1.1 feature.
fn is_table_kind(kind: u32) -> bool {
    matches!(
        kind,
        spec::kind::TABLE | spec::kind::DICTIONARY | spec::kind::HASH_INDEX
    )
}

fn is_dense_kind(kind: u32) -> bool {
    matches!(kind, spec::kind::MASK_BITMAP | spec::kind::EXCEPTION_NIBBLES)
}

fn is_matrix_kind(kind: u32) -> bool {
    matches!(kind, spec::kind::MATRIX | spec::kind::MATRIX_TILES)
}

struct OpenSection {
    kind: u32,
    flags: u32,
    group: u32,
    offset: u64,
    hasher: Xxh3,
    chunks: Option<ChunkHasher>,
}

/// Writes a tribit container to any seekable output (SPEC §2–3).
///
/// ```
/// use std::io::Cursor;
/// use tribit::container::{ByteOrder, Container, ContainerWriter};
/// let mut w = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
/// w.add_section(0x8000_0001, false, 0, b"private bytes").unwrap();
/// let bytes = w.finish().unwrap().into_inner();
/// let c = Container::parse(&bytes).unwrap();
/// assert_eq!(c.sections[0].offset, 64);
/// assert_eq!(c.sections[0].length, 13);
/// ```
pub struct ContainerWriter<W: Write + Seek> {
    out: W,
    order: ByteOrder,
    pos: u64,
    sections: Vec<DirectoryEntry>,
    open: Option<OpenSection>,
    /// The lowest minor version a feature outside the section kinds needs
    /// (a block encoding, SPEC §5.3).
    min_minor: u16,
    /// log2 of the chunk length of the CHUNK_SUMS it writes (SPEC §3.2).
    chunk_shift: u32,
}

fn write_err(e: std::io::Error) -> Error {
    Error::io("cannot write", e)
}

impl<W: Write + Seek> ContainerWriter<W> {
    /// Starts a container on `out`, which must be positioned at its start.
    pub fn new(mut out: W, order: ByteOrder) -> Result<Self> {
        // The header is written last, once the directory is known.
        out.write_all(&[0u8; spec::HEADER_LEN as usize]).map_err(write_err)?;
        Ok(ContainerWriter {
            out,
            order,
            pos: spec::HEADER_LEN as u64,
            sections: Vec::new(),
            open: None,
            min_minor: 0,
            chunk_shift: spec::chunk_sums::DEFAULT_SHIFT,
        })
    }

    /// The byte order being written.
    pub fn order(&self) -> ByteOrder {
        self.order
    }

    fn pad_to_alignment(&mut self) -> Result<()> {
        let pad = (spec::SECTION_ALIGN - self.pos % spec::SECTION_ALIGN) % spec::SECTION_ALIGN;
        if pad > 0 {
            self.out.write_all(&[0u8; 64][..pad as usize]).map_err(write_err)?;
            self.pos += pad;
        }
        Ok(())
    }

    /// Records that the file uses a feature of minor version `minor` that
    /// its section kinds do not show (SPEC §10 rule 6).
    pub fn require_minor(&mut self, minor: u16) {
        self.min_minor = self.min_minor.max(minor);
    }

    /// Sets the chunk length, 2^`shift` bytes, of the chunk checksums
    /// written after each table section longer than one chunk (SPEC §3.2;
    /// 64 KiB by default, `shift` is clamped to 6..=30).
    pub fn set_chunk_shift(&mut self, shift: u32) {
        self.chunk_shift = shift.clamp(spec::chunk_sums::MIN_SHIFT, spec::chunk_sums::MAX_SHIFT);
    }

    /// Starts a section of `kind`; `required` sets flag bit 0 (SPEC §3).
    /// A TABLE, DICTIONARY or HASH_INDEX longer than one chunk is followed
    /// by a CHUNK_SUMS section when it ends (SPEC §3.2).
    pub fn begin_section(&mut self, kind: u32, required: bool, group: u32) -> Result<()> {
        debug_assert!(self.open.is_none(), "sections cannot nest");
        self.pad_to_alignment()?;
        let flags = if required { spec::SECTION_FLAG_REQUIRED } else { 0 };
        self.open = Some(OpenSection {
            kind,
            flags,
            group,
            offset: self.pos,
            hasher: Xxh3::with_seed(spec::XXH3_SEED),
            chunks: writer_chunks(kind).then(|| ChunkHasher::new(self.chunk_shift)),
        });
        Ok(())
    }

    /// Appends bytes to the open section.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if let Some(s) = self.open.as_mut() {
            s.hasher.update(bytes);
            if let Some(c) = s.chunks.as_mut() {
                c.update(bytes);
            }
        }
        self.out.write_all(bytes).map_err(write_err)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Appends `n` zero bytes to the open section by seeking over them, so
    /// that a file output gets a hole (a sparse file) rather than written
    /// zeros. The checksum covers them as zeros.
    pub fn write_zeros(&mut self, n: u64) -> Result<()> {
        if let Some(s) = self.open.as_mut() {
            let zeros = [0u8; 1 << 16];
            let mut left = n;
            while left > 0 {
                let k = left.min(zeros.len() as u64) as usize;
                s.hasher.update(&zeros[..k]);
                if let Some(c) = s.chunks.as_mut() {
                    c.update(&zeros[..k]);
                }
                left -= k as u64;
            }
        }
        let step = i64::try_from(n).map_err(|_| Error::new(crate::ErrorKind::Io, "cannot skip 2^63 bytes"))?;
        self.out.seek(SeekFrom::Current(step)).map_err(write_err)?;
        self.pos += n;
        Ok(())
    }

    /// Bytes written so far in the open section.
    pub fn section_position(&self) -> u64 {
        self.open.as_ref().map_or(0, |s| self.pos - s.offset)
    }

    /// Closes the open section and records its directory entry.
    pub fn end_section(&mut self) -> Result<DirectoryEntry> {
        let Some(s) = self.open.take() else {
            return Err(Error::new(crate::ErrorKind::Io, "end_section without begin_section"));
        };
        let e = DirectoryEntry {
            kind: s.kind,
            flags: s.flags,
            offset: s.offset,
            length: self.pos - s.offset,
            checksum: s.hasher.digest(),
            group: s.group,
            reserved0: 0,
            reserved1: 0,
        };
        self.sections.push(e);
        if let Some(sums) = s.chunks.and_then(|c| c.finish(e.offset, e.length, self.order)) {
            self.add_section(spec::kind::CHUNK_SUMS, false, e.group, &sums)?;
        }
        Ok(e)
    }

    /// Writes a whole section at once.
    pub fn add_section(&mut self, kind: u32, required: bool, group: u32, bytes: &[u8]) -> Result<DirectoryEntry> {
        self.begin_section(kind, required, group)?;
        self.write(bytes)?;
        self.end_section()
    }

    /// Writes the directory and the header and returns the output.
    pub fn finish(mut self) -> Result<W> {
        self.pad_to_alignment()?;
        let directory_offset = self.pos;
        let mut dir = Vec::with_capacity(self.sections.len() * spec::DIRECTORY_ENTRY_LEN as usize);
        for e in &self.sections {
            dir.extend_from_slice(&to_bytes(e, self.order));
        }
        self.out.write_all(&dir).map_err(write_err)?;
        let count = u32::try_from(self.sections.len())
            .map_err(|_| Error::new(crate::ErrorKind::Io, "more than 2^32 - 1 sections"))?;
        let mut header = FileHeader {
            magic: spec::MAGIC,
            signature: spec::SIGNATURE,
            major: spec::VERSION_MAJOR,
            // SPEC §10 rule 6: the lowest minor version whose features the file uses.
            minor: self
                .min_minor
                .max(if self.sections.iter().any(|e| e.kind == spec::kind::CHUNK_SUMS) {
                    spec::VERSION_MINOR_CHUNK_SUMS
                } else if self.sections.iter().any(|e| e.kind == spec::kind::REFERENCES) {
                    spec::VERSION_MINOR_REFERENCE
                } else if self.sections.iter().any(|e| is_matrix_kind(e.kind)) {
                    spec::VERSION_MINOR_MATRIX
                } else if self.sections.iter().any(|e| e.kind == spec::kind::INDEX_TARGET) {
                    spec::VERSION_MINOR_INDEX_FILE
                } else if self.sections.iter().any(|e| is_dense_kind(e.kind)) {
                    spec::VERSION_MINOR_DENSE
                } else if self.sections.iter().any(|e| is_table_kind(e.kind)) {
                    spec::VERSION_MINOR_TABLES
                } else {
                    0
                }),
            header_len: spec::HEADER_LEN,
            flags: 0,
            file_len: directory_offset + dir.len() as u64,
            directory_offset,
            directory_count: count,
            directory_entry_len: spec::DIRECTORY_ENTRY_LEN,
            directory_checksum: super::checksum(&dir),
            header_checksum: 0,
        };
        let bytes = to_bytes(&header, self.order);
        header.header_checksum = super::checksum(&bytes[..spec::HEADER_CHECKSUMMED_LEN]);
        let bytes = to_bytes(&header, self.order);
        self.out.seek(SeekFrom::Start(0)).map_err(write_err)?;
        self.out.write_all(&bytes).map_err(write_err)?;
        self.out.seek(SeekFrom::Start(header.file_len)).map_err(write_err)?;
        self.out.flush().map_err(write_err)?;
        Ok(self.out)
    }
}
