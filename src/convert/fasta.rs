//! FASTA ↔ tribit: a streaming importer (plain or gzip input) and an
//! exporter that reproduces well-formed FASTA byte for byte (SPEC §7
//! "FASTA mapping").

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::path::Path;

use memchr::memchr;

use crate::error::{Error, Result};
use crate::sequence::{InvalidLetter, PushError, Reader, Sequence, TextLayout, Writer};
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
    /// The line being read, once its first byte has been.
    line: Option<Line>,
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

    /// A header line (without '>' and its line ending) is complete.
    fn header(&mut self, header: &[u8], cr: bool) -> Result<()> {
        let n = self.line_no;
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
        Ok(())
    }

    /// Part of the current line (no line break in it). Sequence letters go
    /// to the writer as they come, so memory does not grow with the line;
    /// only a trailing run of spaces, tabs and CRs is held back (as a
    /// count) until the line ends or a letter follows it.
    fn piece(&mut self, bytes: &[u8]) -> Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let line = match &mut self.line {
            Some(l) => l,
            None => {
                self.line_no += 1;
                self.line.insert(if bytes[0] == b'>' {
                    Line::Header(Vec::new())
                } else {
                    Line::Seq(SeqLine::default())
                })
            }
        };
        let sl = match line {
            Line::Header(h) => {
                h.extend_from_slice(bytes);
                return Ok(());
            }
            Line::Seq(sl) => sl,
        };
        let n = self.line_no;
        let ws = |b: &u8| matches!(*b, b' ' | b'\t' | b'\r');
        if !self.open {
            // Text before the first header: kept (its first 20 bytes) to
            // be shown in the error once the line proves not blank.
            let room = 20usize.saturating_sub(sl.stray.len());
            sl.stray.extend_from_slice(&bytes[..room.min(bytes.len())]);
            sl.stray_letters |= bytes.iter().any(|b| !ws(b));
            if sl.stray_letters && sl.stray.len() >= 20 {
                return Err(stray_error(&sl.stray, n));
            }
        }
        let split = bytes.len() - bytes.iter().rev().take_while(|b| ws(b)).count();
        if split > 0 && !self.open {
            sl.col += bytes.len() as u64;
            return Ok(());
        }
        if split > 0 {
            if sl.held > 0 {
                // Spaces, tabs or a CR inside the line: not letters.
                let l = InvalidLetter {
                    index: 0,
                    byte: sl.held_first,
                };
                return Err(Error::input(l.message()).at_line(n, sl.held_col + 1));
            }
            if sl.letters == 0 && self.pending_blank > 0 {
                self.inner_blank.get_or_insert(n - 1);
                self.pending_blank = 0;
            }
            let col = sl.col;
            self.w.try_push(&bytes[..split]).map_err(|e| match e {
                PushError::Letter(l) => Error::input(l.message()).at_line(n, col + l.index as u64 + 1),
                PushError::Write(e) => e,
            })?;
            sl.letters += split as u64;
            sl.held = 0;
            sl.held_crs = 0;
        }
        for (k, &b) in bytes[split..].iter().enumerate() {
            let col = sl.col + (split + k) as u64;
            if sl.held == 0 {
                sl.held_first = b;
                sl.held_col = col;
            }
            if b == b'\r' {
                if sl.held_crs == 0 {
                    sl.held_cr_col = col;
                }
                sl.held_crs += 1;
            }
            sl.held += 1;
            sl.held_last = b;
        }
        sl.col += bytes.len() as u64;
        Ok(())
    }

    /// The current line ended (a line break, or the end of the input).
    fn end_line(&mut self) -> Result<()> {
        let sl = match self.line.take() {
            None => {
                self.line_no += 1;
                SeqLine::default()
            }
            Some(Line::Header(mut h)) => {
                // Skip the '>'.
                let cr = h.last() == Some(&b'\r');
                if cr {
                    h.pop();
                }
                self.last_cr = cr;
                return self.header(&h[1..], cr);
            }
            Some(Line::Seq(sl)) => sl,
        };
        let n = self.line_no;
        if sl.stray_letters {
            let t = sl.stray.len()
                - sl.stray
                    .iter()
                    .rev()
                    .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\r'))
                    .count();
            return Err(stray_error(&sl.stray[..t], n));
        }
        let cr = sl.held > 0 && sl.held_last == b'\r';
        self.last_cr = cr;
        if sl.held_crs > u64::from(cr) {
            let l = InvalidLetter { index: 0, byte: b'\r' };
            return Err(Error::input(l.message()).at_line(n, sl.held_cr_col + 1));
        }
        if self.open && cr != self.crlf {
            self.mixed_eol.get_or_insert(n);
        }
        if sl.held > u64::from(cr) {
            self.trailing_ws.get_or_insert(n);
        }
        if sl.letters == 0 {
            if self.open {
                self.pending_blank += 1;
            } else {
                self.leading_blank.get_or_insert(n);
            }
            return Ok(());
        }
        let len = sl.letters;
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
        Ok(())
    }
}

fn stray_error(shown: &[u8], line: u64) -> Error {
    let shown = String::from_utf8_lossy(shown);
    Error::input(format!(
        "expected a FASTA header line starting with '>', found '{shown}'"
    ))
    .at_line(line, 1)
}

/// The line being read.
enum Line {
    /// A header line, '>' included, gathered whole.
    Header(Vec<u8>),
    /// A sequence (or blank) line, streamed.
    Seq(SeqLine),
}

/// What a streamed sequence line has shown so far.
#[derive(Default)]
struct SeqLine {
    /// Bytes of the line seen.
    col: u64,
    /// Letters sent to the writer.
    letters: u64,
    /// Spaces, tabs and CRs after the last letter, held back.
    held: u64,
    held_first: u8,
    held_col: u64,
    held_last: u8,
    held_crs: u64,
    held_cr_col: u64,
    /// Before the first header: the line's first bytes, and whether any is
    /// not a space, tab or CR.
    stray: Vec<u8>,
    stray_letters: bool,
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
        line: None,
        s: ImportSummary::default(),
    };
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
            if p.line.is_some() {
                final_newline = false;
                p.end_line()?;
            }
            break;
        }
        let n = chunk.len();
        let mut start = 0;
        while let Some(nl) = memchr(b'\n', &chunk[start..]) {
            p.piece(&chunk[start..start + nl])?;
            p.end_line()?;
            start += nl + 1;
        }
        p.piece(&chunk[start..])?;
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

/// Bases fetched per step of an export or a region print: memory stays
/// this size whatever the length of a sequence or of its lines.
pub const FETCH_STEP: u64 = 1 << 20;

/// Cuts a stream of letters into lines of `width`, ending each with `eol`,
/// across the chunks it is handed.
struct Wrap<'e> {
    width: usize,
    col: usize,
    eol: &'e [u8],
}

impl Wrap<'_> {
    /// Writes `bytes`; `last` says they end the letters, and `final_eol`
    /// whether the last line gets its line ending.
    fn put<W: Write>(&mut self, out: &mut W, mut bytes: &[u8], last: bool, final_eol: bool) -> std::io::Result<()> {
        while !bytes.is_empty() {
            let n = (self.width - self.col).min(bytes.len());
            out.write_all(&bytes[..n])?;
            self.col += n;
            bytes = &bytes[n..];
            if self.col == self.width {
                if !(last && bytes.is_empty()) || final_eol {
                    out.write_all(self.eol)?;
                }
                self.col = 0;
            }
        }
        if last && self.col > 0 {
            if final_eol {
                out.write_all(self.eol)?;
            }
            self.col = 0;
        }
        Ok(())
    }
}

/// Writes bases `start..end` (0-based, end exclusive) of `seq` as lines of
/// `width` letters (one line when 0), fetching [`FETCH_STEP`] bases at a
/// time into `buf`, so that memory does not grow with the region.
///
/// ```
/// use std::io::Cursor;
/// use tribit::{convert::fasta, WriterBuilder, Reader};
/// let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
/// w.add_sequence(b"s", b"ACGTACGTAC", 60).unwrap();
/// let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
/// let mut out = Vec::new();
/// fasta::write_region(&r, &r.sequence(0).unwrap(), 1, 9, 3, &mut out, &mut Vec::new()).unwrap();
/// assert_eq!(out, b"CGT\nACG\nTA\n");
/// ```
pub fn write_region<W: Write>(
    reader: &Reader,
    seq: &Sequence<'_>,
    start: u64,
    end: u64,
    width: usize,
    out: &mut W,
    buf: &mut Vec<u8>,
) -> Result<()> {
    write_region_with(reader, seq, start..end, width, false, |_| {}, out, buf)
}

/// [`write_region`] with each fetched piece passed through `transform`
/// (case changes, complement) before it is written. With `backwards`, the
/// pieces are fetched from the end of the range to its start, so a
/// `transform` that reverse-complements each piece writes the reverse
/// complement of the range, still [`FETCH_STEP`] bases at a time.
#[allow(clippy::too_many_arguments)]
pub fn write_region_with<W: Write>(
    reader: &Reader,
    seq: &Sequence<'_>,
    range: std::ops::Range<u64>,
    width: usize,
    backwards: bool,
    mut transform: impl FnMut(&mut [u8]),
    out: &mut W,
    buf: &mut Vec<u8>,
) -> Result<()> {
    let io = |e| Error::io("cannot write", e);
    let mut wrap = Wrap {
        width: if width == 0 { usize::MAX } else { width },
        col: 0,
        eol: b"\n",
    };
    let (start, end) = (range.start, range.end);
    let mut done = 0;
    while done < end.saturating_sub(start) {
        let n = FETCH_STEP.min(end - start - done);
        let (p, q) = if backwards {
            (end - done - n, end - done)
        } else {
            (start + done, start + done + n)
        };
        buf.clear();
        reader.fetch_from(seq, p, q, buf)?;
        transform(buf);
        done += n;
        wrap.put(out, buf, done == end - start, true).map_err(io)?;
    }
    Ok(())
}

/// Writes one sequence as FASTA, reproducing its line width, line endings
/// and trailing blank lines (SPEC §7); [`FETCH_STEP`] bases at a time.
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
    let mut wrap = Wrap {
        width: usize::try_from(r.line_width.max(1)).unwrap_or(usize::MAX),
        col: 0,
        eol,
    };
    let mut p = 0;
    while p < len {
        let q = (p + FETCH_STEP).min(len);
        buf.clear();
        reader.fetch_from(seq, p, q, buf)?;
        wrap.put(out, buf, q == len, !(blank == 0 && no_final)).map_err(io)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WriterBuilder;
    use std::io::Cursor;

    /// Imports `text` read `chunk` bytes at a time: the file, its warnings,
    /// or the error message.
    fn import(text: &[u8], chunk: usize) -> std::result::Result<(Vec<u8>, Vec<String>), String> {
        let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
        let input = BufReader::with_capacity(chunk, text);
        let s = read_fasta(input, &mut w).map_err(|e| e.to_string())?;
        Ok((w.finish().unwrap().into_inner(), s.warnings))
    }

    /// Lines split across reads (down to one byte per read) give the same
    /// file, the same warnings and the same errors as whole lines.
    #[test]
    fn lines_split_across_reads_import_the_same() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/edge");
        let mut n = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read(e.unwrap().path()).unwrap();
            let whole = import(&text, 1 << 20);
            for chunk in [1, 2, 3, 7] {
                assert_eq!(import(&text, chunk), whole, "chunk {chunk}");
            }
            n += 1;
        }
        assert!(n > 20);
        for text in [
            &b">a\nAC GT\n"[..],
            b">a\nAC\r\rGT\n",
            b">a\nACGT \t\r\n",
            b">a\nAC\r \r\n",
            b"AC\n",
        ] {
            let whole = import(text, 1 << 20);
            for chunk in [1, 2, 3] {
                assert_eq!(import(text, chunk), whole, "{:?}", String::from_utf8_lossy(text));
            }
        }
    }
}
