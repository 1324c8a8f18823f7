//! # tribit
//!
//! A versioned, memory-mappable binary format for genomic data, and its
//! reference implementation. SPEC.md in the repository is normative; module
//! docs cite it by section.
//!
//! ```text
//!  offset 0                                                         file_len
//!  ┌────────────┬──────────┬─────────────┬─────┬──────────────┬───────────┐
//!  │ header 64B │ BLOCKS   │ BLOCK_INDEX │ ... │ SEQUENCE_... │ directory │
//!  │ magic, BOM │ planes   │ 32B/block   │     │ sections     │ 48B/entry │
//!  └────────────┴──────────┴─────────────┴─────┴──────────────┴───────────┘
//!   every section starts on a 64-byte boundary; the header points at the
//!   directory, which lists kind, flags, offset, length and xxh3 checksum of
//!   every section.
//!
//!  a raw block of B stream positions (codes: A C G T N END REF EXC = 0..7)
//!  ┌──────────────────┬──────────────────┬──────────────────┐
//!  │ plane 0: bit 0   │ plane 1: bit 1   │ plane 2: bit 2   │  each ceil(B/512)*64 bytes,
//!  │ of every code    │ of every code    │ (0 for A/C/G/T)  │  64-byte aligned
//!  └──────────────────┴──────────────────┴──────────────────┘
//! ```
//!
//! Writing and reading:
//!
//! ```
//! use std::io::Cursor;
//! use tribit::{Reader, Region, WriterBuilder};
//! let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
//! w.add_sequence(b"seq1 a description", b"ACGTNNacgtRYacgt", 60).unwrap();
//! let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
//! let g = Region::resolve(&r, "seq1:5-12").unwrap();
//! let mut out = Vec::new();
//! r.fetch(g.index, g.start, g.end, &mut out).unwrap();
//! assert_eq!(out, b"NNacgtRY");
//! ```

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod container;
pub mod convert;
mod error;
mod file;
pub mod grow;
pub mod kmer;
pub mod matrix;
pub mod output;
pub mod sequence;
pub mod spec;
pub mod table;
#[cfg(test)]
mod testing;
/// The hash-key index of a table (SPEC §8.4–§8.8), a part of [`table`].
pub use table::index;
pub mod validate;

pub use error::{section_name, Error, ErrorKind, Location, Result};
pub use file::File;
pub use sequence::{Compression, Reader, Region, Sequence, Writer, WriterBuilder};
