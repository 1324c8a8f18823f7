//! `.fai` (samtools faidx) and chrom.sizes (UCSC) views of a tribit file.
//!
//! The `.fai` describes the FASTA that `tribit export fasta` writes, byte
//! for byte: its offsets come from each record's header length, line width,
//! line ending and trailing blank lines (SPEC §7.2), so no FASTA is written
//! to compute it.

use std::io::Write;

use crate::error::{Error, Result};
use crate::sequence::{Reader, Sequence};
use crate::spec;

/// Bytes one record takes in the exported FASTA (SPEC §7.2), and the
/// offset of its first base from the record's start.
fn record_span(seq: &Sequence<'_>) -> (u64, u64) {
    let r = &seq.record;
    let eol = if r.flags & spec::RECORD_FLAG_CRLF != 0 { 2 } else { 1 };
    let no_final = r.flags & spec::RECORD_FLAG_NO_FINAL_NEWLINE != 0;
    let header = 1 + seq.header.len() as u64;
    let len = r.length;
    let blank = u64::from(r.blank_lines);
    if len == 0 && blank == 0 && no_final {
        return (header, header);
    }
    let lines = len.div_ceil(r.line_width.max(1));
    let total = header + eol + len + (lines + blank) * eol - if no_final { eol } else { 0 };
    (total, header + eol)
}

/// Writes the `.fai` of the exported FASTA: NAME, LENGTH, OFFSET,
/// LINEBASES, LINEWIDTH, tab-separated, one line per sequence. As
/// samtools faidx (1.16) does, sequences with no bases get no line.
///
/// ```
/// use std::io::Cursor;
/// use tribit::{Reader, WriterBuilder};
/// let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
/// w.add_sequence(b"chr1 first", b"ACGTACGTAC", 4).unwrap();
/// w.add_sequence(b"chr2", b"GG", 4).unwrap();
/// let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
/// let mut fai = Vec::new();
/// tribit::convert::fai::write_fai(&r, &mut fai).unwrap();
/// // ">chr1 first\nACGT\nACGT\nAC\n>chr2\nGG\n"
/// assert_eq!(fai, b"chr1\t10\t12\t4\t5\nchr2\t2\t31\t2\t3\n");
/// ```
pub fn write_fai<W: Write>(reader: &Reader, out: &mut W) -> Result<()> {
    let io = |e| Error::io("cannot write", e);
    let mut offset = 0u64;
    for seq in reader.sequences() {
        let seq = seq?;
        let (total, first_base) = record_span(&seq);
        let r = &seq.record;
        if r.length == 0 {
            offset += total;
            continue;
        }
        let eol = if r.flags & spec::RECORD_FLAG_CRLF != 0 { 2 } else { 1 };
        // samtools counts the bases of the first line; a one-line sequence
        // shorter than the recorded width has that many.
        let line_bases = r.line_width.min(r.length);
        let line_width = line_bases + eol;
        out.write_all(seq.name).map_err(io)?;
        writeln!(
            out,
            "\t{}\t{}\t{line_bases}\t{line_width}",
            r.length,
            offset + first_base
        )
        .map_err(io)?;
        offset += total;
    }
    Ok(())
}

/// Writes UCSC chrom.sizes: NAME and LENGTH, tab-separated.
///
/// ```
/// use std::io::Cursor;
/// use tribit::{Reader, WriterBuilder};
/// let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
/// w.add_sequence(b"chr1", b"ACGTACGTAC", 60).unwrap();
/// let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
/// let mut sizes = Vec::new();
/// tribit::convert::fai::write_sizes(&r, &mut sizes).unwrap();
/// assert_eq!(sizes, b"chr1\t10\n");
/// ```
pub fn write_sizes<W: Write>(reader: &Reader, out: &mut W) -> Result<()> {
    let io = |e| Error::io("cannot write", e);
    for seq in reader.sequences() {
        let seq = seq?;
        out.write_all(seq.name).map_err(io)?;
        writeln!(out, "\t{}", seq.len()).map_err(io)?;
    }
    Ok(())
}
