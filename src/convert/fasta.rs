//! FASTA ↔ tribit: a streaming importer (plain or gzip input) and an
//! exporter that reproduces well-formed FASTA byte for byte (SPEC §7
//! "FASTA mapping").

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::path::Path;

use memchr::memchr;

use crate::error::{Error, Result};
use crate::sequence::{PushError, Reader, Sequence, TextLayout, Writer};
use crate::spec;

/// Opens `path` for reading, `-` meaning standard input; gzip (and BGZF)
/// input is recognised by its magic bytes and decompressed.
pub fn open_input(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(path).map_err(|e| Error::io("cannot open", e).in_file(path))?)
    };
    decompress(raw).map_err(|e| e.in_file(path))
}

/// Wraps `raw` in a gzip decoder when it starts with the gzip magic.
pub fn decompress(raw: Box<dyn Read + Send>) -> Result<Box<dyn BufRead + Send>> {
    let mut b = BufReader::with_capacity(1 << 20, raw);
    let head = b.fill_buf().map_err(|e| Error::io("cannot read", e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(b),
        )))
    } else {
        Ok(Box::new(b))
    }
}

/// What an import read, and what it had to normalise.
#[derive(Debug, Default, Clone)]
pub struct ImportSummary {
    /// Sequences written.
    pub sequences: u64,
    /// Bases written.
    pub bases: u64,
    /// Lines read.
    pub lines: u64,
    /// Each normalisation that makes the export differ from the input
    /// (CRLF, ragged lines, trailing whitespace, blank lines, no final newline).
    pub warnings: Vec<String>,
}

const MAX_RAGGED_WARNINGS: usize = 5;

struct Parser<'w, W: Write + Seek> {
    w: &'w mut Writer<W>,
    line_no: u64,
    open: bool,
    /// Width of the open record's first sequence line.
    width: Option<u64>,
    /// First line of the open record shorter than its width.
    short_line: Option<u64>,
    ragged_reported: bool,
    ragged_count: usize,
    /// The open record's header line ended in CR LF.
    crlf: bool,
    mixed_eol: Option<u64>,
    /// Blank lines seen since the open record's last sequence line.
    pending_blank: u64,
    inner_blank: Option<u64>,
    leading_blank: Option<u64>,
    trailing_ws: Option<u64>,
    /// The last line read ended in CR.
    last_cr: bool,
    name: Vec<u8>,
    s: ImportSummary,
}

impl<W: Write + Seek> Parser<'_, W> {
    fn end_record(&mut self, no_final_newline: bool) -> Result<()> {
        if self.open {
            let blank_lines = u16::try_from(self.pending_blank).unwrap_or_else(|_| {
                self.s.warnings.push(format!(
                    "more than 65,535 blank lines after '{}' were cut to 65,535",
                    String::from_utf8_lossy(&self.name)
                ));
                u16::MAX
            });
            self.w.end_sequence_with(TextLayout {
                line_width: self.width.unwrap_or(0),
                crlf: self.crlf,
                blank_lines,
                no_final_newline,
            })?;
            self.open = false;
        }
        Ok(())
    }

    fn line(&mut self, mut line: &[u8]) -> Result<()> {
        self.line_no += 1;
        let n = self.line_no;
        let mut cr = false;
        if let [rest @ .., b'\r'] = line {
            line = rest;
            cr = true;
        }
        self.last_cr = cr;
        if let Some(header) = line.strip_prefix(b">") {
            self.end_record(false)?;
            self.w
                .begin_sequence(header)
                .map_err(|e| Error::new(e.kind(), e.message()).at_line(n, 1))?;
            self.name = header[crate::sequence::name_span(header)].to_vec();
            self.open = true;
            self.width = None;
            self.short_line = None;
            self.ragged_reported = false;
            self.crlf = cr;
            self.pending_blank = 0;
            self.s.sequences += 1;
            return Ok(());
        }
        if self.open && cr != self.crlf {
            self.mixed_eol.get_or_insert(n);
        }
        let trimmed = line.len() - line.iter().rev().take_while(|&&b| b == b' ' || b == b'\t').count();
        if trimmed < line.len() {
            self.trailing_ws.get_or_insert(n);
            line = &line[..trimmed];
        }
        if line.is_empty() {
            if self.open {
                self.pending_blank += 1;
            } else {
                self.leading_blank.get_or_insert(n);
            }
            return Ok(());
        }
        if !self.open {
            let shown = String::from_utf8_lossy(&line[..line.len().min(20)]).into_owned();
            return Err(Error::input(format!(
                "expected a FASTA header line starting with '>', found '{shown}'"
            ))
            .at_line(n, 1));
        }
        if self.pending_blank > 0 {
            self.inner_blank.get_or_insert(n - 1);
            self.pending_blank = 0;
        }
        let len = line.len() as u64;
        match self.width {
            None => self.width = Some(len),
            Some(w) => {
                if (self.short_line.is_some() || len > w) && !self.ragged_reported {
                    self.ragged_reported = true;
                    self.ragged_count += 1;
                    if self.ragged_count <= MAX_RAGGED_WARNINGS {
                        self.s.warnings.push(format!(
                            "line {}: ragged line widths in '{}'; it will be exported with width {w}",
                            self.short_line.unwrap_or(n),
                            String::from_utf8_lossy(&self.name)
                        ));
                    }
                }
                if len < w {
                    self.short_line.get_or_insert(n);
                }
            }
        }
        self.s.bases += len;
        self.w.try_push(line).map_err(|e| match e {
            PushError::Letter(l) => Error::input(l.message()).at_line(n, l.index as u64 + 1),
            PushError::Write(e) => e,
        })
    }
}

/// Reads FASTA from `input` into `writer`, streaming: memory use does not
/// grow with sequence length. Errors name the line and column.
///
/// ```
/// use std::io::Cursor;
/// use tribit::{convert::fasta, Reader, WriterBuilder};
/// let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
/// let s = fasta::read_fasta(&b">a\nACGT\nAC\n>b x\nNNNN\n"[..], &mut w).unwrap();
/// assert_eq!((s.sequences, s.bases), (2, 10));
/// let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
/// let mut out = Vec::new();
/// fasta::write_fasta(&r, &mut out).unwrap();
/// assert_eq!(out, b">a\nACGT\nAC\n>b x\nNNNN\n");
/// ```
pub fn read_fasta<R: BufRead, W: Write + Seek>(mut input: R, writer: &mut Writer<W>) -> Result<ImportSummary> {
    let mut p = Parser {
        w: writer,
        line_no: 0,
        open: false,
        width: None,
        short_line: None,
        ragged_reported: false,
        ragged_count: 0,
        crlf: false,
        mixed_eol: None,
        pending_blank: 0,
        inner_blank: None,
        leading_blank: None,
        trailing_ws: None,
        last_cr: false,
        name: Vec::new(),
        s: ImportSummary::default(),
    };
    let mut carry: Vec<u8> = Vec::new();
    let mut final_newline = true;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let kind = e.kind();
                let mut err = Error::io(format!("cannot read input after line {}", p.line_no), e);
                if kind == std::io::ErrorKind::UnexpectedEof || kind == std::io::ErrorKind::InvalidInput {
                    err = Error::input(format!(
                        "truncated or corrupt compressed input after line {}: {err}",
                        p.line_no
                    ));
                }
                return Err(err);
            }
        };
        if chunk.is_empty() {
            if !carry.is_empty() {
                final_newline = false;
                let line = std::mem::take(&mut carry);
                p.line(&line)?;
            }
            break;
        }
        let n = chunk.len();
        let mut start = 0;
        while let Some(nl) = memchr(b'\n', &chunk[start..]) {
            if carry.is_empty() {
                p.line(&chunk[start..start + nl])?;
            } else {
                carry.extend_from_slice(&chunk[start..start + nl]);
                let line = std::mem::take(&mut carry);
                p.line(&line)?;
                carry = line;
                carry.clear();
            }
            start += nl + 1;
        }
        carry.extend_from_slice(&chunk[start..]);
        input.consume(n);
    }
    if p.s.sequences == 0 {
        return Err(if p.line_no == 0 {
            Error::input("empty input: expected FASTA starting with a '>' header line")
        } else {
            Error::input("no FASTA records: expected a '>' header line").at_line(1, 1)
        });
    }
    p.end_record(!final_newline)?;
    let mut s = p.s;
    s.lines = p.line_no;
    if p.ragged_count > MAX_RAGGED_WARNINGS {
        s.warnings.push(format!(
            "{} more sequences have ragged line widths",
            p.ragged_count - MAX_RAGGED_WARNINGS
        ));
    }
    if let Some(l) = p.mixed_eol {
        s.warnings.push(format!(
            "line {l}: a record mixes CR LF and LF line endings; it will be exported with its header line's ending"
        ));
    }
    if let Some(l) = p.trailing_ws {
        s.warnings.push(format!(
            "line {l}: trailing spaces or tabs on sequence lines were removed"
        ));
    }
    if let Some(l) = p.inner_blank {
        s.warnings.push(format!(
            "line {l}: blank lines between sequence lines of a record were removed"
        ));
    }
    if !final_newline && p.last_cr {
        s.warnings.push(format!(
            "line {}: the file ends in CR without LF; the CR was dropped",
            p.line_no
        ));
    }
    if let Some(l) = p.leading_blank {
        s.warnings
            .push(format!("line {l}: blank lines before the first record were removed"));
    }
    Ok(s)
}

/// Writes `letters` as lines of `width` (all of it on one line when 0).
pub fn write_wrapped<W: Write>(out: &mut W, letters: &[u8], width: usize) -> std::io::Result<()> {
    if width == 0 {
        out.write_all(letters)?;
        return out.write_all(b"\n");
    }
    for line in letters.chunks(width) {
        out.write_all(line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Bases fetched per step of an export: whole lines, about 4 MiB.
fn export_chunk(width: u64) -> u64 {
    let w = width.max(1);
    ((4 << 20) / w).max(1) * w
}

/// Writes one sequence as FASTA, reproducing its line width, line endings
/// and trailing blank lines (SPEC §7).
pub fn write_sequence<W: Write>(reader: &Reader, seq: &Sequence<'_>, out: &mut W, buf: &mut Vec<u8>) -> Result<()> {
    let io = |e| Error::io("cannot write", e);
    let r = &seq.record;
    let eol: &[u8] = if r.flags & spec::RECORD_FLAG_CRLF != 0 {
        b"\r\n"
    } else {
        b"\n"
    };
    let no_final = r.flags & spec::RECORD_FLAG_NO_FINAL_NEWLINE != 0;
    out.write_all(b">").map_err(io)?;
    out.write_all(seq.header).map_err(io)?;
    let len = seq.len();
    let blank = r.blank_lines as usize;
    if len == 0 && blank == 0 && no_final {
        return Ok(());
    }
    out.write_all(eol).map_err(io)?;
    let width = r.line_width.max(1);
    let step = export_chunk(width);
    let mut p = 0;
    while p < len {
        let q = (p + step).min(len);
        buf.clear();
        reader.fetch_from(seq, p, q, buf)?;
        let mut lines = buf.chunks(width as usize).peekable();
        while let Some(line) = lines.next() {
            out.write_all(line).map_err(io)?;
            let last = q == len && lines.peek().is_none();
            if !(last && blank == 0 && no_final) {
                out.write_all(eol).map_err(io)?;
            }
        }
        p = q;
    }
    for k in 0..blank {
        if !(k + 1 == blank && no_final) {
            out.write_all(eol).map_err(io)?;
        }
    }
    Ok(())
}

/// Writes every sequence of `reader` as FASTA, with the original header
/// lines and line widths.
pub fn write_fasta<W: Write>(reader: &Reader, out: &mut W) -> Result<()> {
    let mut buf = Vec::new();
    for seq in reader.sequences() {
        write_sequence(reader, &seq?, out, &mut buf)?;
    }
    Ok(())
}
