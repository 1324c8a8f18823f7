//! [`WriterBuilder`]: the options of a sequence [`Writer`], set before the
//! first sequence, and the start of writing.

use std::collections::HashSet;
use std::io::{Seek, Write};
use std::path::Path;

use super::super::block::Compression;
use super::super::digest::Pool;
use super::super::matcher::Matcher;
use super::{Dense, Escaper, Writer};
use crate::container::{AtomicFile, ByteOrder, ContainerWriter};
use crate::error::{Error, Result};
use crate::spec::{self, kind};

/// Options of a [`Writer`], set before the first sequence.
#[derive(Debug, Clone)]
pub struct WriterBuilder {
    order: ByteOrder,
    block_bases: u32,
    refget: bool,
    dense: bool,
    compression: Compression,
    reference: Option<std::sync::Arc<Matcher>>,
}

impl Default for WriterBuilder {
    fn default() -> Self {
        WriterBuilder {
            order: ByteOrder::Little,
            block_bases: spec::DEFAULT_BLOCK_BASES,
            refget: false,
            dense: true,
            compression: Compression::None,
            reference: None,
        }
    }
}

impl WriterBuilder {
    /// Byte order of integer fields (little-endian by default).
    pub fn set_byte_order(mut self, order: ByteOrder) -> Self {
        self.order = order;
        self
    }

    /// Stream positions per block; a positive multiple of 512 (65,536 by default).
    pub fn set_block_bases(mut self, bases: u32) -> Self {
        self.block_bases = bases;
        self
    }

    /// Whether to compute GA4GH refget digests (SHA-512/24) as well as MD5
    /// (off by default: it costs about as much as the MD5).
    pub fn set_refget(mut self, on: bool) -> Self {
        self.refget = on;
        self
    }

    /// Whether a sequence whose mask or exception runs are short may use
    /// the dense forms of SPEC §6.6 (on by default). Off, every sequence
    /// uses runs and the file stays readable by 1.0 and 1.1 readers, at
    /// 16 bytes a run.
    pub fn set_dense_forms(mut self, on: bool) -> Self {
        self.dense = on;
        self
    }

    /// How blocks are stored (SPEC §5.3): raw bit-planes by default, or
    /// each block as a zstd frame (a block that does not shrink stays raw).
    /// A file with a zstd block is version 1.4.
    pub fn set_compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Stores each sequence as runs copied from this reference where it
    /// can (SPEC §9): positions whose base the reference holds at the
    /// matched place get code 6, and the file records the reference and
    /// the runs in REFERENCES (version 1.6). The writer then holds one
    /// sequence's letters at a time, to match them.
    pub fn set_reference(mut self, reference: std::sync::Arc<Matcher>) -> Self {
        self.reference = Some(reference);
        self
    }

    /// Starts writing to `out`.
    pub fn build<W: Write + Seek>(self, out: W) -> Result<Writer<W>> {
        let c = ContainerWriter::new(out, self.order)?;
        self.build_with(c)
    }

    /// Starts writing the sequence sections into a container that may
    /// already hold other sections (written before the sequences). The
    /// container's byte order wins over [`WriterBuilder::set_byte_order`].
    pub fn build_with<W: Write + Seek>(mut self, mut c: ContainerWriter<W>) -> Result<Writer<W>> {
        if self.block_bases == 0 || !(self.block_bases as u64).is_multiple_of(spec::PLANE_LINE_BASES) {
            return Err(Error::input(format!(
                "block size {} is not a positive multiple of 512",
                self.block_bases
            )));
        }
        self.order = c.order();
        c.begin_section(kind::BLOCKS, true, 0)?;
        let b = self.block_bases as usize;
        Ok(Writer {
            c,
            order: self.order,
            refget: self.refget,
            dense: self.dense,
            compression: self.compression,
            frame: Vec::new(),
            block_bases: self.block_bases,
            stage: vec![0; b],
            fill: 0,
            planes: vec![0; 3 * b / 8],
            stream_pos: 0,
            block_index: Vec::new(),
            summary: Vec::new(),
            records: Vec::new(),
            names: Vec::new(),
            seen: HashSet::new(),
            masks: Vec::new(),
            exceptions: Vec::new(),
            mask_dense: Dense::default(),
            exception_dense: Dense::default(),
            cur: None,
            upper: Vec::new(),
            digests: Some(Pool::new(self.refget)),
            escape: self.reference.map(|matcher| Escaper {
                matcher,
                pending: Vec::new(),
                runs: Vec::new(),
                next: 0,
            }),
        })
    }

    /// Starts writing an atomic file at `path` (see [`AtomicFile`]).
    pub fn build_to_path(self, path: &Path) -> Result<Writer<AtomicFile>> {
        self.build(AtomicFile::create(path)?).map_err(|e| e.in_file(path))
    }
}
