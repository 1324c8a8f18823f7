//! SPEC §5–6: the fixed structures of the sequence sections.

use binrw::binrw;

use crate::container::ByteOrder;
use crate::spec;

/// SPEC §6 "Sequence index": the 64-byte header of SEQUENCE_INDEX.
#[binrw]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IndexHeader {
    /// Number of sequences.
    pub sequence_count: u64,
    /// Length of the code stream: Σ (length + 1).
    pub stream_len: u64,
    /// Stream positions per block, a multiple of 512.
    pub block_bases: u32,
    /// Length of one record (128).
    pub record_len: u32,
    /// Number of blocks: ceil(stream_len / block_bases).
    pub block_count: u64,
    /// Bit 0: refget digests present.
    pub flags: u64,
    /// Reserved; zero.
    pub reserved: [u8; 24],
}

/// SPEC §6.1 "Sequence record": 128 bytes per sequence.
#[binrw]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Record {
    /// Stream position of the first base.
    pub start: u64,
    /// Number of bases.
    pub length: u64,
    /// Offset of the header line in SEQUENCE_NAMES.
    pub header_offset: u64,
    /// Length of the header line.
    pub header_len: u32,
    /// Length of the name, which starts at `name_start` of the header line.
    pub name_len: u32,
    /// FASTA line width (0 for an empty sequence).
    pub line_width: u64,
    /// First mask run of this sequence.
    pub mask_first: u64,
    /// Number of mask runs.
    pub mask_count: u64,
    /// First exception run of this sequence.
    pub exception_first: u64,
    /// Number of exception runs.
    pub exception_count: u64,
    /// Number of N codes.
    pub n_count: u64,
    /// MD5 as SAM/CRAM compute M5.
    pub md5: [u8; 16],
    /// First 24 bytes of SHA-512 (GA4GH refget), or zeros.
    pub refget: [u8; 24],
    /// Offset of the name in the header line (spaces or tabs after '>' come first).
    pub name_start: u16,
    /// Blank lines that followed the sequence's last line in the FASTA.
    pub blank_lines: u16,
    /// Bit 0: the FASTA's last line had no newline; bit 1: lines ended in CR LF.
    pub flags: u32,
}

/// SPEC §5.1 "Block index": one 48-byte entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockEntry {
    /// Offset from the start of BLOCKS, a multiple of 64.
    pub offset: u64,
    /// Stored length in bytes.
    pub stored_len: u64,
    /// xxh3-64 of the stored bytes.
    pub checksum: u64,
    /// Stream positions in the block.
    pub bases: u32,
    /// 0 = raw planes.
    pub encoding: u8,
    /// Index of the first MASKS entry whose run ends (in stream
    /// coordinates) after the block's first position.
    pub first_mask: u64,
    /// Index of the first EXCEPTIONS entry whose run ends (in stream
    /// coordinates) after the block's first position.
    pub first_exception: u64,
}

impl BlockEntry {
    /// Decodes entry bytes (the caller checked the length).
    pub fn decode(b: &[u8], order: ByteOrder) -> BlockEntry {
        BlockEntry {
            offset: order.u64_at(b, 0),
            stored_len: order.u64_at(b, 8),
            checksum: order.u64_at(b, 16),
            bases: order.u32_at(b, 24),
            encoding: b[28],
            first_mask: order.u64_at(b, 32),
            first_exception: order.u64_at(b, 40),
        }
    }

    /// Appends the 48 bytes of this entry.
    pub fn encode(&self, order: ByteOrder, out: &mut Vec<u8>) {
        order.put_u64(out, self.offset);
        order.put_u64(out, self.stored_len);
        order.put_u64(out, self.checksum);
        order.put_u32(out, self.bases);
        out.extend_from_slice(&[self.encoding, 0, 0, 0]);
        order.put_u64(out, self.first_mask);
        order.put_u64(out, self.first_exception);
    }
}

/// Bytes of one plane of a raw block of `bases` positions (SPEC §5).
#[inline]
pub fn plane_bytes(bases: u64) -> u64 {
    bases.div_ceil(spec::PLANE_LINE_BASES) * 64
}

/// SPEC §6.3 "Masks": a soft-masked run [start, end) of one sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskRun {
    /// First masked base (0-based, in the sequence).
    pub start: u64,
    /// One past the last masked base.
    pub end: u64,
}

impl MaskRun {
    /// Decodes entry bytes (the caller checked the length).
    pub fn decode(b: &[u8], order: ByteOrder) -> MaskRun {
        MaskRun {
            start: order.u64_at(b, 0),
            end: order.u64_at(b, 8),
        }
    }

    /// Appends the 16 bytes of this entry.
    pub fn encode(&self, order: ByteOrder, out: &mut Vec<u8>) {
        order.put_u64(out, self.start);
        order.put_u64(out, self.end);
    }
}

/// SPEC §6.4 "Exceptions": `length` positions from `start` hold `letter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExceptionRun {
    /// First position (0-based, in the sequence).
    pub start: u64,
    /// Number of positions.
    pub length: u32,
    /// The uppercase letter, one of [`spec::EXCEPTION_LETTERS`].
    pub letter: u8,
}

impl ExceptionRun {
    /// Decodes entry bytes (the caller checked the length).
    pub fn decode(b: &[u8], order: ByteOrder) -> ExceptionRun {
        ExceptionRun {
            start: order.u64_at(b, 0),
            length: order.u32_at(b, 8),
            letter: b[12],
        }
    }

    /// Appends the 16 bytes of this entry.
    pub fn encode(&self, order: ByteOrder, out: &mut Vec<u8>) {
        order.put_u64(out, self.start);
        order.put_u32(out, self.length);
        out.extend_from_slice(&[self.letter, 0, 0, 0]);
    }

    /// One past the last position.
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.length as u64)
    }
}
