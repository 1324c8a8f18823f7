//! Streaming sequence writer: letters in, blocks of bit-planes out as soon as
//! each block fills, metadata sections at the end (SPEC §5–6).

use std::collections::HashSet;
use std::io::{Seek, Write};
use std::path::Path;

use super::digest::{Pool, CHUNK};
use super::escape::EscapeRun;
use super::matcher::Matcher;

use super::block::{compress, Compression};
use super::codes::{gather, ENCODE, INVALID, LOWER, SPECIAL};
use super::layout::{plane_bytes, BlockEntry, ExceptionRun, IndexHeader, MaskRun, Record};
use crate::container::{checksum, to_bytes, AtomicFile, ByteOrder, ContainerWriter};
use crate::error::{Error, ErrorKind, Result};
use crate::spec::{self, code, kind};

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

/// Extra bytes the dense form of one sequence must save over its runs
/// before the writer uses it, so that ordinary files stay in run form
/// (readable as version 1.0 or 1.1) and the section's own overhead is paid
/// for (SPEC §6.6 "Choice of form").
pub const DENSE_SLACK: u64 = 512;

/// The bitmaps or nibble arrays of the sequences in dense form, and where
/// each lies (SPEC §6.6).
#[derive(Default)]
struct Dense {
    /// Per record: offset in `data`, or [`spec::DENSE_NONE`].
    offsets: Vec<u64>,
    data: Vec<u8>,
}

impl Dense {
    fn push(&mut self, bytes: Option<Vec<u8>>) {
        match bytes {
            Some(b) => {
                self.offsets.push(self.data.len() as u64);
                self.data.extend_from_slice(&b);
            }
            None => self.offsets.push(spec::DENSE_NONE),
        }
    }

    /// The section bytes, or None when no sequence is in dense form.
    fn section(&self, order: ByteOrder) -> Option<Vec<u8>> {
        if self.data.is_empty() {
            return None;
        }
        let table = self.offsets.len() as u64 * spec::DENSE_ENTRY_LEN;
        let mut out = Vec::with_capacity(table as usize + self.data.len());
        for &o in &self.offsets {
            order.put_u64(&mut out, if o == spec::DENSE_NONE { o } else { table + o });
        }
        out.extend_from_slice(&self.data);
        Some(out)
    }
}

/// Bytes of a sequence's mask bitmap: one bit per base, padded to 8 bytes.
pub fn bitmap_bytes(length: u64) -> u64 {
    length.div_ceil(8).div_ceil(spec::DENSE_ALIGN) * spec::DENSE_ALIGN
}

/// Bytes of a sequence's exception nibbles: four bits per base, padded to 8 bytes.
pub fn nibble_bytes(length: u64) -> u64 {
    length.div_ceil(2).div_ceil(spec::DENSE_ALIGN) * spec::DENSE_ALIGN
}

/// Sets bits [s, e) of a bitmap, growing it as needed.
fn set_bits(bits: &mut Vec<u8>, s: u64, e: u64) {
    let need = e.div_ceil(8) as usize;
    if bits.len() < need {
        bits.resize(need, 0);
    }
    let mut p = s;
    while p < e {
        if p.is_multiple_of(8) && p + 8 <= e {
            bits[(p / 8) as usize] = 0xFF;
            p += 8;
        } else {
            bits[(p / 8) as usize] |= 1 << (p % 8);
            p += 1;
        }
    }
}

/// Sets the nibble of position p (low nibble first).
fn set_nibble(nib: &mut Vec<u8>, p: u64, v: u8) {
    let need = (p / 2 + 1) as usize;
    if nib.len() < need {
        nib.resize(need, 0);
    }
    nib[(p / 2) as usize] |= v << (4 * (p % 2));
}

/// Mask runs of a bitmap covering `length` bases.
pub fn bitmap_runs(bits: &[u8], length: u64) -> Vec<MaskRun> {
    let mut out = Vec::new();
    let mut since = None;
    for p in 0..length {
        let on = bits.get((p / 8) as usize).is_some_and(|b| b >> (p % 8) & 1 == 1);
        match (on, since) {
            (true, None) => since = Some(p),
            (false, Some(s)) => {
                out.push(MaskRun { start: s, end: p });
                since = None;
            }
            _ => {}
        }
    }
    if let Some(s) = since {
        out.push(MaskRun { start: s, end: length });
    }
    out
}

/// Exception runs of a nibble array covering `length` bases (values 1–12
/// index [`spec::EXCEPTION_LETTERS`] from 1), or the first position whose
/// value is above 12 and that value.
pub fn nibble_runs(nib: &[u8], length: u64) -> std::result::Result<Vec<ExceptionRun>, (u64, u8)> {
    let mut out: Vec<ExceptionRun> = Vec::new();
    for p in 0..length {
        let v = nib.get((p / 2) as usize).map_or(0, |b| (b >> (4 * (p % 2))) & 15);
        if v == 0 {
            continue;
        }
        let Some(&letter) = spec::EXCEPTION_LETTERS.get(v as usize - 1) else {
            return Err((p, v));
        };
        match out.last_mut() {
            Some(e) if e.letter == letter && e.end() == p && e.length < u32::MAX => e.length += 1,
            _ => out.push(ExceptionRun {
                start: p,
                length: 1,
                letter,
            }),
        }
    }
    Ok(out)
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

    /// Closes the mask run [s, e) of the open sequence.
    fn close_mask(&mut self, cur: &mut Current, s: u64, e: u64) {
        cur.mask_runs += 1;
        if let Some(bits) = cur.mask_bits.as_mut() {
            set_bits(bits, s, e);
            return;
        }
        self.masks.push(MaskRun { start: s, end: e });
        // Bounded staging: once the runs cost more than a bitmap of the
        // bases so far, switch to the bitmap.
        if self.dense && cur.mask_runs * spec::MASK_ENTRY_LEN > bitmap_bytes(e) + DENSE_SLACK {
            self.masks_to_bitmap(cur);
        }
    }

    fn masks_to_bitmap(&mut self, cur: &mut Current) {
        let mut bits = Vec::new();
        for m in self.masks.drain(cur.record.mask_first as usize..) {
            set_bits(&mut bits, m.start, m.end);
        }
        cur.mask_bits = Some(bits);
    }

    fn exceptions_to_nibbles(&mut self, cur: &mut Current) {
        let mut nib = Vec::new();
        for x in self.exceptions.drain(cur.record.exception_first as usize..) {
            for p in x.start..x.end() {
                set_nibble(&mut nib, p, exception_value(x.letter));
            }
            cur.last_exception = (x.end(), x.letter, x.length);
        }
        cur.nibbles = Some(nib);
    }

    /// Picks the form of the open sequence's masks and exceptions by their
    /// final cost (SPEC §6.6 "Choice of form") and records it.
    fn settle_forms(&mut self, cur: &mut Current) {
        let len = cur.record.length;
        let dense_mask = self.dense && cur.mask_runs * spec::MASK_ENTRY_LEN > bitmap_bytes(len) + DENSE_SLACK;
        match (dense_mask, cur.mask_bits.take()) {
            (true, bits) => {
                cur.mask_bits = bits;
                if cur.mask_bits.is_none() {
                    self.masks_to_bitmap(cur);
                }
                let mut bits = cur.mask_bits.take().unwrap_or_default();
                bits.resize(bitmap_bytes(len) as usize, 0);
                self.mask_dense.push(Some(bits));
            }
            (false, Some(bits)) => {
                self.masks.extend(bitmap_runs(&bits, len));
                self.mask_dense.push(None);
            }
            (false, None) => self.mask_dense.push(None),
        }
        let dense_exc = self.dense && cur.exception_runs * spec::EXCEPTION_ENTRY_LEN > nibble_bytes(len) + DENSE_SLACK;
        match (dense_exc, cur.nibbles.take()) {
            (true, nib) => {
                cur.nibbles = nib;
                if cur.nibbles.is_none() {
                    self.exceptions_to_nibbles(cur);
                }
                let mut nib = cur.nibbles.take().unwrap_or_default();
                nib.resize(nibble_bytes(len) as usize, 0);
                self.exception_dense.push(Some(nib));
            }
            (false, Some(nib)) => {
                // The writer's own nibbles are all 0–12.
                self.exceptions.extend(nibble_runs(&nib, len).unwrap_or_default());
                self.exception_dense.push(None);
            }
            (false, None) => self.exception_dense.push(None),
        }
    }

    /// Appends letters to the open sequence.
    pub fn push(&mut self, letters: &[u8]) -> Result<()> {
        self.try_push(letters).map_err(Error::from)
    }

    fn push_code(&mut self, c: u8) -> Result<()> {
        self.stage[self.fill] = c;
        self.fill += 1;
        if self.fill == self.block_bases as usize {
            self.flush_block()?;
        }
        Ok(())
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

    /// Packs the staged codes into planes and writes the block (SPEC §5).
    fn flush_block(&mut self) -> Result<()> {
        let bases = self.fill;
        if bases == 0 {
            return Ok(());
        }
        let pb = plane_bytes(bases as u64) as usize;
        self.escape_stage();
        self.stage[bases..pb * 8].fill(0);
        let full = self.block_bases as usize / 8;
        let (p0, rest) = self.planes.split_at_mut(full);
        let (p1, p2) = rest.split_at_mut(full);
        for (j, chunk) in self.stage[..pb * 8].chunks_exact(8).enumerate() {
            let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            p0[j] = gather(x);
            p1[j] = gather(x >> 1);
            p2[j] = gather(x >> 2);
        }
        // SPEC §5.2: one summary bit per 512 positions with any plane-2 bit.
        let first_line = self.stream_pos / spec::PLANE_LINE_BASES;
        for (l, line) in p2[..pb].chunks_exact(64).enumerate() {
            let bit = first_line + l as u64;
            let byte = (bit / 8) as usize;
            if self.summary.len() <= byte {
                self.summary.resize(byte + 1, 0);
            }
            if line.iter().any(|&b| b != 0) {
                self.summary[byte] |= 1 << (bit % 8);
            }
        }
        let planes = [&p0[..pb], &p1[..pb], &p2[..pb]];
        // SPEC §5.3: the raw block's bytes as one zstd frame, stored right
        // after the previous block, when that is smaller.
        let frame = match self.compression {
            Compression::None => None,
            Compression::Zstd(level) => {
                self.frame.clear();
                for p in planes {
                    self.frame.extend_from_slice(p);
                }
                compress(&self.frame, level)?
            }
        };
        let (offset, stored_len, sum, encoding) = match frame {
            Some(f) => {
                self.c.require_minor(spec::VERSION_MINOR_ZSTD);
                let offset = self.c.section_position();
                self.c.write(&f)?;
                (offset, f.len() as u64, checksum(&f), spec::ENCODING_ZSTD)
            }
            None => {
                // SPEC §5.1 [BI1]: a raw block starts at a multiple of 64.
                let pad = self.c.section_position().next_multiple_of(64) - self.c.section_position();
                self.c.write(&[0u8; 64][..pad as usize])?;
                let offset = self.c.section_position();
                let mut h = xxhash_rust::xxh3::Xxh3::with_seed(spec::XXH3_SEED);
                for p in planes {
                    h.update(p);
                    self.c.write(p)?;
                }
                (offset, 3 * pb as u64, h.digest(), spec::ENCODING_RAW)
            }
        };
        self.block_index.push(BlockEntry {
            offset,
            stored_len,
            checksum: sum,
            bases: bases as u32,
            encoding,
            first_mask: 0,
            first_exception: 0,
        });
        self.stream_pos += bases as u64;
        self.fill = 0;
        Ok(())
    }

    /// SPEC §9: gives code 6 to the staged positions that runs cover and
    /// whose base the reference holds at the mapped place.
    fn escape_stage(&mut self) {
        let Some(e) = self.escape.as_mut() else {
            return;
        };
        let (lo, hi) = (self.stream_pos, self.stream_pos + self.fill as u64);
        while let Some(r) = e.runs.get(e.next) {
            if r.start >= hi {
                break;
            }
            for q in r.start.max(lo)..r.end().min(hi) {
                let c = &mut self.stage[(q - lo) as usize];
                if *c < code::N && *c == e.matcher.code_for(r, q) {
                    *c = code::REFERENCE;
                }
            }
            if r.end() > hi {
                break;
            }
            e.next += 1;
        }
    }

    /// Sets each block's first_mask and first_exception (SPEC §5.1): the
    /// first run whose stream end lies after the block's first position.
    fn set_first_runs(&mut self) {
        let bb = self.block_bases as u64;
        let records = &self.records;
        let mask_ends = records.iter().flat_map(|r| {
            self.masks[r.mask_first as usize..(r.mask_first + r.mask_count) as usize]
                .iter()
                .map(move |m| r.start + m.end)
        });
        let exc_ends = records.iter().flat_map(|r| {
            self.exceptions[r.exception_first as usize..(r.exception_first + r.exception_count) as usize]
                .iter()
                .map(move |e| r.start + e.end())
        });
        let mut mask_ends = mask_ends.peekable();
        let mut exc_ends = exc_ends.peekable();
        let (mut km, mut ke) = (0u64, 0u64);
        for (b, e) in self.block_index.iter_mut().enumerate() {
            let first = b as u64 * bb;
            while mask_ends.next_if(|&end| end <= first).is_some() {
                km += 1;
            }
            while exc_ends.next_if(|&end| end <= first).is_some() {
                ke += 1;
            }
            e.first_mask = km;
            e.first_exception = ke;
        }
    }

    /// Writes the last block and every metadata section, then the directory
    /// and header; returns the output.
    pub fn finish(mut self) -> Result<W> {
        if self.cur.is_some() {
            return Err(Error::new(ErrorKind::Input, "finish while a sequence is open"));
        }
        self.flush_block()?;
        self.c.end_section()?;
        if let Some(p) = self.digests.take() {
            for (i, d) in p.finish()? {
                self.records[i].md5 = d.md5;
                if let Some(g) = d.refget {
                    self.records[i].refget = g;
                }
            }
        }
        let order = self.order;
        let g = 0;
        self.set_first_runs();
        let mut buf = Vec::with_capacity(self.block_index.len() * spec::BLOCK_ENTRY_LEN as usize);
        for e in &self.block_index {
            e.encode(order, &mut buf);
        }
        self.c.add_section(kind::BLOCK_INDEX, true, g, &buf)?;
        let mut summary = std::mem::take(&mut self.summary);
        summary.resize(summary.len().div_ceil(8) * 8, 0);
        self.c.add_section(kind::NONACGT_SUMMARY, false, g, &summary)?;

        let block_count = self.block_index.len() as u64;
        let header = IndexHeader {
            sequence_count: self.records.len() as u64,
            stream_len: self.stream_pos,
            block_bases: self.block_bases,
            record_len: spec::SEQUENCE_RECORD_LEN,
            block_count,
            flags: if self.refget { spec::SEQUENCE_FLAG_REFGET } else { 0 },
            reserved: [0; 24],
        };
        self.c.begin_section(kind::SEQUENCE_INDEX, true, g)?;
        self.c.write(&to_bytes(&header, order))?;
        for r in &self.records {
            self.c.write(&to_bytes(r, order))?;
        }
        self.c.end_section()?;
        self.c.add_section(kind::SEQUENCE_NAMES, true, g, &self.names)?;
        let hash = name_hash(&self.records, &self.names, order);
        self.c.add_section(kind::SEQUENCE_NAME_HASH, true, g, &hash)?;
        buf.clear();
        for m in &self.masks {
            m.encode(order, &mut buf);
        }
        self.c.add_section(kind::MASKS, true, g, &buf)?;
        buf.clear();
        for e in &self.exceptions {
            e.encode(order, &mut buf);
        }
        self.c.add_section(kind::EXCEPTIONS, true, g, &buf)?;
        // SPEC §6.6: present only when a sequence is in dense form, so
        // files without one stay as they were (version 1.0 or 1.1).
        if let Some(b) = self.mask_dense.section(order) {
            self.c.add_section(kind::MASK_BITMAP, true, g, &b)?;
        }
        if let Some(b) = self.exception_dense.section(order) {
            self.c.add_section(kind::EXCEPTION_NIBBLES, true, g, &b)?;
        }
        // SPEC §9: REFERENCES whenever a reference was given, so the file
        // always names what it was written against.
        if let Some(e) = self.escape.take() {
            let all = e.matcher.references();
            // Only the sequences some run copies from are listed.
            let mut used: Vec<u32> = e.runs.iter().map(|r| r.reference).collect();
            used.sort_unstable();
            used.dedup();
            let mut refs = super::escape::References {
                path: all.path.clone(),
                set_digest: all.set_digest,
                sequences: used.iter().map(|&i| all.sequences[i as usize].clone()).collect(),
                runs: e.runs,
            };
            for r in &mut refs.runs {
                r.reference = used.partition_point(|&u| u < r.reference) as u32;
            }
            self.c.add_section(kind::REFERENCES, true, g, &refs.encode(order))?;
        }
        self.c.finish()
    }
}

/// The nibble of an exception letter: its index in
/// [`spec::EXCEPTION_LETTERS`] plus one (SPEC §6.6).
fn exception_value(letter: u8) -> u8 {
    spec::EXCEPTION_LETTERS
        .iter()
        .position(|&l| l == letter)
        .map_or(0, |i| i as u8 + 1)
}

/// Builds SEQUENCE_NAME_HASH (SPEC §6.2): linear probing over a power-of-two
/// table at most half full, slots filled in record order.
fn name_hash(records: &[Record], names: &[u8], order: ByteOrder) -> Vec<u8> {
    let n = records.len() as u64;
    let slots = (2 * n).next_power_of_two().max(1);
    let mut table = vec![(0u64, spec::NAME_HASH_EMPTY); slots as usize];
    for (i, r) in records.iter().enumerate() {
        let off = r.header_offset as usize + r.name_start as usize;
        let h = checksum(&names[off..off + r.name_len as usize]);
        let mut s = (h & (slots - 1)) as usize;
        while table[s].1 != spec::NAME_HASH_EMPTY {
            s = (s + 1) & (slots as usize - 1);
        }
        table[s] = (h, i as u64);
    }
    let mut out = Vec::with_capacity(16 + 16 * slots as usize);
    order.put_u64(&mut out, slots);
    order.put_u64(&mut out, 0);
    for (h, r) in table {
        order.put_u64(&mut out, h);
        order.put_u64(&mut out, r);
    }
    out
}
