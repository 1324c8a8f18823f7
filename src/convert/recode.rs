//! Rewriting a tribit file with another block encoding (SPEC §5.3), as
//! `tribit convert` does: the sequences are decoded and written again,
//! every other section is copied byte for byte.

use std::io::{Seek, Write};

use crate::container::ContainerWriter;
use crate::error::{Error, ErrorKind, Result};
use crate::sequence::{Compression, Reader, TextLayout, WriterBuilder};
use crate::spec::{self, kind};

/// Bases decoded and pushed at a time.
const CHUNK: u64 = 1 << 20;

/// Whether `k` is one of the sequence set's kinds (SPEC §3.1), which the
/// sequence writer writes anew.
fn sequence_kind(k: u32) -> bool {
    spec::SEQUENCE_SET.contains(&k)
        || matches!(
            k,
            kind::NONACGT_SUMMARY | kind::MASK_BITMAP | kind::EXCEPTION_NIBBLES | kind::REFERENCES
        )
}

/// Writes the file `reader` holds to `out` with its blocks stored as
/// `compression` says. Byte order, block size, digests and the FASTA
/// layout of every sequence stay as they were; tables and private sections
/// are copied unchanged. A reference-escaped file (SPEC §9) is written
/// with its true bases: the copy no longer needs the reference. A file with an unknown section that is not
/// private is refused (SPEC §10 rule 7): it might describe the sequences.
///
/// ```
/// use std::io::Cursor;
/// use tribit::{convert::recode::recode, sequence::Compression, Reader, WriterBuilder};
/// let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
/// w.add_sequence(b"s1", &b"ACGT".repeat(1000), 60).unwrap();
/// let raw = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
/// let z = recode(&raw, Cursor::new(Vec::new()), Compression::Zstd(3)).unwrap().into_inner();
/// let z = Reader::from_bytes(z).unwrap();
/// let (mut a, mut b) = (Vec::new(), Vec::new());
/// raw.fetch(0, 0, 4000, &mut a).unwrap();
/// z.fetch(0, 0, 4000, &mut b).unwrap();
/// assert_eq!(a, b);
/// ```
pub fn recode<W: Write + Seek>(reader: &Reader, out: W, compression: Compression) -> Result<W> {
    let bytes = reader.bytes();
    let mut c = ContainerWriter::new(out, reader.byte_order())?;
    for e in &reader.container().sections {
        if sequence_kind(e.kind) {
            continue;
        }
        if e.kind < kind::PRIVATE_FIRST && !crate::container::known_kind(e.kind) {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "section kind {:#06x} is unknown to this tribit: the file cannot be rewritten",
                    e.kind
                ),
            )
            .at_byte(Some(e.kind), e.offset));
        }
        crate::grow::copy_section(&mut c, bytes, e)?;
    }
    let Some(h) = reader.index_header() else {
        return c.finish();
    };
    let mut w = WriterBuilder::default()
        .set_block_bases(h.block_bases)
        .set_refget(h.flags & spec::SEQUENCE_FLAG_REFGET != 0)
        .set_compression(compression)
        .build_with(c)?;
    let mut buf = Vec::new();
    for i in 0..reader.len() {
        let seq = reader.sequence(i)?;
        w.begin_sequence(seq.header)?;
        let mut at = 0;
        while at < seq.len() {
            let to = (at + CHUNK).min(seq.len());
            buf.clear();
            reader.fetch_from(&seq, at, to, &mut buf)?;
            w.push(&buf)?;
            at = to;
        }
        let r = &seq.record;
        w.end_sequence_with(TextLayout {
            line_width: r.line_width,
            crlf: r.flags & spec::RECORD_FLAG_CRLF != 0,
            blank_lines: r.blank_lines,
            no_final_newline: r.flags & spec::RECORD_FLAG_NO_FINAL_NEWLINE != 0,
        })?;
    }
    w.finish()
}
