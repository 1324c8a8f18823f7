//! Streaming sequence writer: letters in, blocks of bit-planes out as soon as
//! each block fills, metadata sections at the end (SPEC §5–6).
//!
//! This module holds the [`Writer`] itself and what it does per sequence
//! (header checks, letters to codes, masks and exceptions as runs, FASTA
//! text layout). Its parts:
//! - `builder`: [`WriterBuilder`], the options set before the first sequence;
//! - `dense`: the dense forms of masks and exceptions (SPEC §6.6) and the
//!   choice between them and runs;
//! - `blocks`: packing staged codes into bit-planes and writing each block,
//!   raw or as a zstd frame, with reference escapes applied (SPEC §5, §9);
//! - `sections`: the metadata sections written by [`Writer::finish`].

mod blocks;
mod builder;
mod dense;
mod sections;

use std::collections::HashSet;
use std::io::{Seek, Write};

use super::digest::{Pool, CHUNK};
use super::escape::EscapeRun;
use super::matcher::Matcher;

use super::block::Compression;
use super::codes::{ENCODE, INVALID, LOWER, SPECIAL};
use super::layout::{BlockEntry, ExceptionRun, MaskRun, Record};
use crate::container::{ByteOrder, ContainerWriter};
use crate::error::{Error, ErrorKind, Result};
use crate::spec::{self, code};

pub use builder::WriterBuilder;
pub use dense::{bitmap_bytes, bitmap_runs, nibble_bytes, nibble_runs, DENSE_SLACK};
use dense::{exception_value, set_nibble, Dense};

/// A letter that tribit cannot store, found by [`Writer::try_push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidLetter {
    /// Index of the letter in the slice given to `try_push`.
    pub index: usize,
    /// The byte.
    pub byte: u8,
}

impl InvalidLetter {
    /// A message saying what was found and what was expected.
    pub fn message(&self) -> String {
        let b = self.byte;
        let shown = if b.is_ascii_graphic() {
            format!("'{}'", b as char)
        } else {
            format!("byte 0x{b:02x}")
        };
        let hint = if b.is_ascii_alphabetic() {
            " (is this a protein sequence?)"
        } else {
            ""
        };
        format!(
            "{shown} is not a nucleotide letter: expected A, C, G, T, N, an IUPAC code (R Y K M S W B D H V), U or '-', in either case{hint}"
        )
    }
}

/// Why [`Writer::try_push`] failed.
#[derive(Debug)]
pub enum PushError {
    /// A letter tribit cannot store.
    Letter(InvalidLetter),
    /// Writing a finished block failed.
    Write(Error),
}

impl From<PushError> for Error {
    fn from(e: PushError) -> Error {
        match e {
            PushError::Letter(l) => Error::input(l.message()),
            PushError::Write(e) => e,
        }
    }
}

struct Current {
    record: Record,
    mask_since: Option<u64>,
    /// Mask runs of this sequence so far, in either form.
    mask_runs: u64,
    /// The sequence's mask bitmap once it is in dense form (SPEC §6.6).
    mask_bits: Option<Vec<u8>>,
    /// Exception runs of this sequence so far, in either form.
    exception_runs: u64,
    /// The sequence's exception nibbles once it is in dense form (SPEC §6.6).
    nibbles: Option<Vec<u8>>,
    /// The last exception run in dense form: end, letter and length.
    last_exception: (u64, u8, u32),
}

/// Writes sequences into a tribit file, one block at a time.
///
/// ```
/// use std::io::Cursor;
/// use tribit::{Reader, WriterBuilder};
/// let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
/// w.begin_sequence(b"chrM mitochondrion").unwrap();
/// w.push(b"GATCACAGGTnnnRCT").unwrap();
/// w.end_sequence(60).unwrap();
/// let bytes = w.finish().unwrap().into_inner();
/// let r = Reader::from_bytes(bytes).unwrap();
/// let mut out = Vec::new();
/// r.fetch(0, 8, 14, &mut out).unwrap();
/// assert_eq!(out, b"GTnnnR");
/// ```
pub struct Writer<W: Write + Seek> {
    c: ContainerWriter<W>,
    order: ByteOrder,
    refget: bool,
    dense: bool,
    compression: Compression,
    /// Scratch for a raw block's bytes before zstd compression.
    frame: Vec<u8>,
    block_bases: u32,
    /// Codes of the current block, one per byte.
    stage: Vec<u8>,
    fill: usize,
    /// Scratch for the three planes of one block.
    planes: Vec<u8>,
    stream_pos: u64,
    block_index: Vec<BlockEntry>,
    summary: Vec<u8>,
    records: Vec<Record>,
    names: Vec<u8>,
    seen: HashSet<Vec<u8>>,
    masks: Vec<MaskRun>,
    exceptions: Vec<ExceptionRun>,
    mask_dense: Dense,
    exception_dense: Dense,
    cur: Option<Current>,
    /// Uppercased letters of the open sequence not yet sent for hashing.
    upper: Vec<u8>,
    digests: Option<Pool>,
    escape: Option<Escaper>,
}

/// Reference-escape state (SPEC §9): the reference, the open sequence's
/// letters, and the runs found so far in stream coordinates.
struct Escaper {
    matcher: std::sync::Arc<Matcher>,
    pending: Vec<u8>,
    runs: Vec<EscapeRun>,
    /// The first run not yet applied to a flushed block.
    next: usize,
}

/// Where the name lies in a header line (without '>'): after any leading
/// spaces or tabs, up to the next space or tab, as samtools reads it.
pub fn name_span(header: &[u8]) -> std::ops::Range<usize> {
    let ws = |b: &u8| *b == b' ' || *b == b'\t';
    let start = header.iter().position(|b| !ws(b)).unwrap_or(header.len());
    let len = header[start..].iter().position(ws).unwrap_or(header.len() - start);
    start..start + len
}

/// How a sequence was laid out as FASTA text, so that export reproduces it
/// (SPEC §7 "FASTA mapping").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextLayout {
    /// Bases per line (every line but the last is this long).
    pub line_width: u64,
    /// Lines end in CR LF rather than LF.
    pub crlf: bool,
    /// Blank lines after the last sequence line.
    pub blank_lines: u16,
    /// The last line of the file has no line ending (last sequence only).
    pub no_final_newline: bool,
}

impl<W: Write + Seek> Writer<W> {
    /// Starts a sequence with the FASTA header line `header` (without '>'):
    /// the name up to the first space or tab, the description after it.
    pub fn begin_sequence(&mut self, header: &[u8]) -> Result<()> {
        if self.cur.is_some() {
            return Err(Error::new(ErrorKind::Input, "begin_sequence while a sequence is open"));
        }
        let span = name_span(header);
        if span.is_empty() {
            return Err(Error::input("empty sequence name: expected a name after '>'"));
        }
        let name_start = u16::try_from(span.start)
            .map_err(|_| Error::input("more than 65,535 spaces between '>' and the sequence name"))?;
        if header.iter().any(|&b| b == b'\n' || b == b'\r') {
            return Err(Error::input("sequence header contains a line break"));
        }
        let name = &header[span.clone()];
        // Names are looked up by text (region strings, command lines,
        // Python str): a name that is not UTF-8 could be stored but never
        // asked for, so it is refused here. Descriptions keep any bytes.
        if let Err(e) = std::str::from_utf8(name) {
            let at = e.valid_up_to();
            return Err(Error::input(format!(
                "sequence name '{}' is not UTF-8 (byte 0x{:02x} at byte {} of the name): names must be UTF-8 text so that they can be looked up",
                String::from_utf8_lossy(name),
                name[at],
                at + 1
            )));
        }
        if !self.seen.insert(name.to_vec()) {
            return Err(Error::input(format!(
                "duplicate sequence name '{}': names must be unique",
                String::from_utf8_lossy(name)
            )));
        }
        let record = Record {
            start: self.stream_pos + self.fill as u64,
            header_offset: self.names.len() as u64,
            header_len: u32::try_from(header.len()).map_err(|_| Error::input("sequence header longer than 4 GiB"))?,
            name_len: span.len() as u32,
            name_start,
            mask_first: self.masks.len() as u64,
            exception_first: self.exceptions.len() as u64,
            ..Record::default()
        };
        self.names.extend_from_slice(header);
        if let Some(p) = self.digests.as_mut() {
            p.begin(self.records.len());
            self.upper = p.buffer();
        }
        self.cur = Some(Current {
            record,
            mask_since: None,
            mask_runs: 0,
            mask_bits: None,
            exception_runs: 0,
            nibbles: None,
            last_exception: (0, 0, 0),
        });
        Ok(())
    }

    /// Appends letters to the open sequence, or reports the first letter that
    /// cannot be stored. After an error the writer must be dropped.
    pub fn try_push(&mut self, letters: &[u8]) -> std::result::Result<(), PushError> {
        if let Some(e) = self.escape.as_mut() {
            if self.cur.is_some() {
                // Matched when the sequence ends; letters are checked now,
                // so that errors point where they are.
                if let Some(index) = letters.iter().position(|&b| ENCODE[b as usize] & INVALID != 0) {
                    return Err(PushError::Letter(InvalidLetter {
                        index,
                        byte: letters[index],
                    }));
                }
                e.pending.extend_from_slice(letters);
                return Ok(());
            }
        }
        let Some(mut cur) = self.cur.take() else {
            return Err(PushError::Write(Error::new(
                ErrorKind::Input,
                "push without begin_sequence",
            )));
        };
        let r = self.push_into(&mut cur, letters);
        self.cur = Some(cur);
        r
    }

    fn push_into(&mut self, cur: &mut Current, letters: &[u8]) -> std::result::Result<(), PushError> {
        let base = self.upper.len();
        self.upper.resize(base + letters.len(), 0);
        let block = self.block_bases as usize;
        let mut i = 0;
        while i < letters.len() {
            // Fast path: eight letters of the same case, A/C/G/T only.
            if i + 8 <= letters.len() && self.fill + 8 <= block {
                let mut t = [0u8; 8];
                for j in 0..8 {
                    t[j] = ENCODE[letters[i + j] as usize];
                }
                let tw = u64::from_le_bytes(t);
                let any = tw & 0x9898_9898_9898_9898; // INVALID | SPECIAL | LOWER
                let all_lower = tw & 0x0808_0808_0808_0808 == 0x0808_0808_0808_0808;
                let plain =
                    any & 0x9090_9090_9090_9090 == 0 && if cur.mask_since.is_some() { all_lower } else { any == 0 };
                if plain {
                    let mut lb = [0u8; 8];
                    lb.copy_from_slice(&letters[i..i + 8]);
                    let lw = u64::from_le_bytes(lb);
                    self.stage[self.fill..self.fill + 8].copy_from_slice(&(tw & 0x0707_0707_0707_0707).to_le_bytes());
                    self.upper[base + i..base + i + 8]
                        .copy_from_slice(&(lw & !((tw & 0x0808_0808_0808_0808) << 2)).to_le_bytes());
                    self.fill += 8;
                    i += 8;
                    if self.fill == block {
                        self.flush_block().map_err(PushError::Write)?;
                    }
                    continue;
                }
            }
            let b = letters[i];
            let t = ENCODE[b as usize];
            if t & INVALID != 0 {
                return Err(PushError::Letter(InvalidLetter { index: i, byte: b }));
            }
            let pos = self.stream_pos + self.fill as u64 - cur.record.start;
            let lower = t & LOWER != 0;
            match (lower, cur.mask_since) {
                (true, None) => cur.mask_since = Some(pos),
                (false, Some(s)) => {
                    self.close_mask(cur, s, pos);
                    cur.mask_since = None;
                }
                _ => {}
            }
            let c = t & 7;
            let up = b & !((t & LOWER) << 2);
            if t & SPECIAL != 0 {
                if c == code::N {
                    cur.record.n_count += 1;
                } else if let Some(nib) = cur.nibbles.as_mut() {
                    let (end, letter, len) = cur.last_exception;
                    if letter == up && end == pos && len < u32::MAX {
                        cur.last_exception = (pos + 1, up, len + 1);
                    } else {
                        cur.exception_runs += 1;
                        cur.last_exception = (pos + 1, up, 1);
                    }
                    set_nibble(nib, pos, exception_value(up));
                } else {
                    let own = self.exceptions.len() as u64 > cur.record.exception_first;
                    match self.exceptions.last_mut() {
                        Some(e) if own && e.letter == up && e.end() == pos && e.length < u32::MAX => e.length += 1,
                        _ => {
                            self.exceptions.push(ExceptionRun {
                                start: pos,
                                length: 1,
                                letter: up,
                            });
                            cur.exception_runs += 1;
                            // Bounded staging: once the runs cost more than
                            // nibbles for the bases so far, switch.
                            if self.dense
                                && cur.exception_runs * spec::EXCEPTION_ENTRY_LEN > nibble_bytes(pos + 1) + DENSE_SLACK
                            {
                                self.exceptions_to_nibbles(cur);
                            }
                        }
                    }
                }
            }
            self.upper[base + i] = up;
            self.stage[self.fill] = c;
            self.fill += 1;
            i += 1;
            if self.fill == block {
                self.flush_block().map_err(PushError::Write)?;
            }
        }
        cur.record.length += letters.len() as u64;
        if self.upper.len() >= CHUNK {
            self.send_upper().map_err(PushError::Write)?;
        }
        Ok(())
    }

    /// Appends letters to the open sequence.
    pub fn push(&mut self, letters: &[u8]) -> Result<()> {
        self.try_push(letters).map_err(Error::from)
    }

    /// Closes the open sequence; `line_width` is the FASTA line width to
    /// export it with (SPEC §6.1).
    pub fn end_sequence(&mut self, line_width: u64) -> Result<()> {
        self.end_sequence_with(TextLayout {
            line_width,
            ..TextLayout::default()
        })
    }

    /// Closes the open sequence with its full FASTA text layout.
    pub fn end_sequence_with(&mut self, text: TextLayout) -> Result<()> {
        let Some(mut cur) = self.cur.take() else {
            return Err(Error::new(ErrorKind::Input, "end_sequence without begin_sequence"));
        };
        if let Some(mut e) = self.escape.take() {
            let letters = std::mem::take(&mut e.pending);
            let start = cur.record.start;
            e.runs.extend(e.matcher.runs(&letters).into_iter().map(|r| EscapeRun {
                start: r.start + start,
                ..r
            }));
            self.escape = Some(e);
            for chunk in letters.chunks(CHUNK) {
                self.push_into(&mut cur, chunk).map_err(Error::from)?;
            }
        }
        if let Some(s) = cur.mask_since.take() {
            let end = cur.record.length;
            self.close_mask(&mut cur, s, end);
        }
        self.settle_forms(&mut cur);
        let r = &mut cur.record;
        r.line_width = if r.length == 0 { 0 } else { text.line_width.max(1) };
        r.blank_lines = text.blank_lines;
        r.flags = if text.crlf { spec::RECORD_FLAG_CRLF } else { 0 }
            | if text.no_final_newline {
                spec::RECORD_FLAG_NO_FINAL_NEWLINE
            } else {
                0
            };
        r.mask_count = self.masks.len() as u64 - r.mask_first;
        r.exception_count = self.exceptions.len() as u64 - r.exception_first;
        self.send_upper()?;
        if let Some(p) = self.digests.as_ref() {
            p.end(self.records.len())?;
        }
        self.records.push(cur.record);
        self.push_code(code::END)
    }

    /// Sends the uppercased letters gathered so far to the digest workers.
    fn send_upper(&mut self) -> Result<()> {
        if let Some(p) = self.digests.as_ref() {
            if !self.upper.is_empty() {
                let next = p.buffer();
                p.send(std::mem::replace(&mut self.upper, next))?;
            }
        }
        Ok(())
    }

    /// Writes a whole sequence.
    pub fn add_sequence(&mut self, header: &[u8], letters: &[u8], line_width: u64) -> Result<()> {
        self.begin_sequence(header)?;
        self.push(letters)?;
        self.end_sequence(line_width)
    }
}
