//! SPEC §5–6: the fixed structures of the sequence sections.

use binrw::binrw;

use crate::container::{from_bytes, ByteOrder, DirectoryEntry, Fault, Sink};
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

impl IndexHeader {
    /// SPEC §6: reads the header of the SEQUENCE_INDEX `e` and checks
    /// \[X2]–\[X4] and \[X7] (and, for a deep sink, the reserved fields
    /// \[X5] and \[X6]; for a reader, the part of \[X1] the header shows),
    /// sending each fault to `sink`. Returns the header when its records can
    /// be read; `minor` is the file's minor version.
    pub(crate) fn check(
        b: &[u8],
        o: ByteOrder,
        minor: u16,
        e: &DirectoryEntry,
        sink: &mut dyn Sink,
    ) -> Option<IndexHeader> {
        let s = Some(e.kind);
        if e.length < spec::SEQUENCE_INDEX_HEADER_LEN {
            let m = "SEQUENCE_INDEX is shorter than its 64-byte header".to_string();
            sink.fault(Fault::format("X7", s, e.offset, m));
            return None;
        }
        let at = e.offset as usize;
        let h: IndexHeader = from_bytes(&b[at..at + 64], o, s, e.offset).ok()?;
        let mut usable = true;
        macro_rules! fatal {
            ($f:expr) => {{
                usable = false;
                if !sink.fault($f) {
                    return None;
                }
            }};
        }
        if h.block_bases == 0 || !(h.block_bases as u64).is_multiple_of(spec::PLANE_LINE_BASES) {
            let m = format!("block_bases {} is not a positive multiple of 512", h.block_bases);
            fatal!(Fault::format("X2", s, e.offset + 16, m));
        }
        if h.record_len < spec::SEQUENCE_RECORD_LEN {
            let m = format!("record_len {} is below 128", h.record_len);
            fatal!(Fault::format("X3", s, e.offset + 20, m));
        }
        if usable && h.block_count != h.stream_len.div_ceil(h.block_bases as u64) {
            let m = format!(
                "block_count {} is not ceil(stream_len {} / block_bases {})",
                h.block_count, h.stream_len, h.block_bases
            );
            fatal!(Fault::format("X4", s, e.offset + 24, m));
        }
        let deep = sink.deep();
        if deep && h.flags & !spec::SEQUENCE_FLAG_REFGET != 0 {
            let f = Fault::reserved("X5", s, e.offset + 32, "index flag bits 1-63", minor);
            if !sink.fault(f) {
                return None;
            }
        }
        if deep && h.reserved.iter().any(|&x| x != 0) {
            let f = Fault::reserved("X6", s, e.offset + 40, "index header bytes 40-63", minor);
            if !sink.fault(f) {
                return None;
            }
        }
        let want = h
            .sequence_count
            .checked_mul(h.record_len as u64)
            .and_then(|n| n.checked_add(64));
        if want != Some(e.length) {
            let m = format!(
                "{} records of {} bytes do not fill the {}-byte section",
                h.sequence_count, h.record_len, e.length
            );
            sink.fault(Fault::format("X7", s, e.offset, m));
            return None;
        }
        // A validator checks the whole of [X1] against the records.
        if !deep && h.stream_len < h.sequence_count {
            let m = format!("stream_len {} is less than the sequence count", h.stream_len);
            sink.fault(Fault::format("X1", s, e.offset + 8, m));
            return None;
        }
        usable.then_some(h)
    }
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

/// A run of one record that breaks a rule of SPEC §6.3 or §6.4, found by
/// [`check_mask_runs`] or [`check_exception_runs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFault {
    /// The rule's label, e.g. `M1`.
    pub label: &'static str,
    /// The run's place among the record's runs (0 = its first).
    pub run: u64,
    /// Whether the fault lies in the run's letter byte (offset 12 of the
    /// entry) rather than at its start.
    pub at_letter: bool,
    /// What is wrong.
    pub message: String,
    /// Whether a reader that returns bases of the record must refuse it
    /// (SPEC §6.5); the others are for validators only.
    pub for_readers: bool,
}

/// SPEC \[M1] and \[M2] over the mask runs of a record of `length` bases, in
/// stored order: each fault goes to `fault`, which returns whether to go on.
/// Returns whether no run broke a rule.
pub fn check_mask_runs(
    runs: impl Iterator<Item = MaskRun>,
    length: u64,
    mut fault: impl FnMut(RunFault) -> bool,
) -> bool {
    let mut ok = true;
    let mut prev_end = None;
    for (k, m) in runs.enumerate() {
        let mut report = |label, message| {
            ok = false;
            let for_readers = true;
            fault(RunFault {
                label,
                run: k as u64,
                at_letter: false,
                message,
                for_readers,
            })
        };
        if !(m.start < m.end && m.end <= length) {
            let msg = format!(
                "mask run [{}, {}) is empty or reaches past the sequence's length {length}",
                m.start, m.end
            );
            if !report("M1", msg) {
                return false;
            }
        }
        if prev_end.is_some_and(|p| p >= m.start) {
            let msg = format!(
                "mask run at {} is unsorted, overlapping or adjacent to the one before",
                m.start
            );
            if !report("M2", msg) {
                return false;
            }
        }
        prev_end = Some(m.end);
    }
    ok
}

/// SPEC \[E1], \[E2], \[E4] and \[E5] over the exception runs of a record of
/// `length` bases, in stored order, as [`check_mask_runs`] does; \[E5]
/// (canonical form: the letters are the same either way) is for validators
/// only and does not count against the result.
pub fn check_exception_runs(
    runs: impl Iterator<Item = ExceptionRun>,
    length: u64,
    mut fault: impl FnMut(RunFault) -> bool,
) -> bool {
    let mut ok = true;
    let mut prev: Option<ExceptionRun> = None;
    for (k, x) in runs.enumerate() {
        let mut report = |label, at_letter, message| {
            let for_readers = label != "E5";
            ok &= !for_readers;
            fault(RunFault {
                label,
                run: k as u64,
                at_letter,
                message,
                for_readers,
            })
        };
        if x.length == 0 || x.start.checked_add(x.length as u64).is_none_or(|e| e > length) {
            let msg = format!(
                "exception run at {} of length {} is empty or reaches past the sequence's length {length}",
                x.start, x.length
            );
            if !report("E1", false, msg) {
                return false;
            }
        }
        if let Some(p) = prev {
            if p.end() > x.start {
                let msg = format!("exception run at {} is unsorted or overlaps the one before", x.start);
                if !report("E2", false, msg) {
                    return false;
                }
            } else if p.end() == x.start && p.letter == x.letter && p.length < u32::MAX {
                let msg = format!(
                    "exception run at {} continues the one before with the same letter",
                    x.start
                );
                if !report("E5", false, msg) {
                    return false;
                }
            }
        }
        if !spec::EXCEPTION_LETTERS.contains(&x.letter) {
            let msg = format!(
                "exception letter 0x{:02x} is not one of {}",
                x.letter,
                String::from_utf8_lossy(spec::EXCEPTION_LETTERS)
            );
            if !report("E4", true, msg) {
                return false;
            }
        }
        prev = Some(x);
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masks(runs: &[(u64, u64)], length: u64) -> Vec<&'static str> {
        let mut got = Vec::new();
        let it = runs.iter().map(|&(start, end)| MaskRun { start, end });
        check_mask_runs(it, length, |f| {
            got.push(f.label);
            true
        });
        got
    }

    fn exceptions(runs: &[(u64, u32, u8)], length: u64) -> Vec<&'static str> {
        let mut got = Vec::new();
        let it = runs
            .iter()
            .map(|&(start, length, letter)| ExceptionRun { start, length, letter });
        check_exception_runs(it, length, |f| {
            got.push(f.label);
            true
        });
        got
    }

    /// A SEQUENCE_INDEX header written out field by field (SPEC §6),
    /// little-endian.
    #[rustfmt::skip]
    const INDEX_HEADER_LE: [u8; 64] = [
        0x02, 0, 0, 0, 0, 0, 0, 0,       //  0 sequence_count 2
        0x0B, 0x04, 0, 0, 0, 0, 0, 0,    //  8 stream_len 1035
        0x00, 0x02, 0, 0,                // 16 block_bases 512
        0x80, 0, 0, 0,                   // 20 record_len 128
        0x03, 0, 0, 0, 0, 0, 0, 0,       // 24 block_count 3
        0x01, 0, 0, 0, 0, 0, 0, 0,       // 32 flags: refget digests
        0, 0, 0, 0, 0, 0, 0, 0,          // 40 reserved (24 bytes)
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// One BLOCK_INDEX entry (SPEC §5.1), big-endian.
    #[rustfmt::skip]
    const BLOCK_ENTRY_BE: [u8; 48] = [
        0, 0, 0, 0, 0, 0, 0x01, 0x00,                   //  0 offset 256
        0, 0, 0, 0, 0, 0, 0x00, 0xC0,                   //  8 stored_len 192 (3 planes of 64)
        0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, // 16 checksum
        0, 0, 0x01, 0x00,                               // 24 bases 256
        0x00,                                           // 28 encoding 0: raw planes
        0, 0, 0,                                        // 29 reserved
        0, 0, 0, 0, 0, 0, 0, 0x05,                      // 32 first_mask 5
        0, 0, 0, 0, 0, 0, 0, 0x07,                      // 40 first_exception 7
    ];

    #[test]
    fn index_header_fields_sit_where_spec_6_says() {
        let h: IndexHeader = crate::container::from_bytes(&INDEX_HEADER_LE, ByteOrder::Little, None, 0).unwrap();
        assert_eq!(
            h,
            IndexHeader {
                sequence_count: 2,
                stream_len: 1035,
                block_bases: 512,
                record_len: 128,
                block_count: 3,
                flags: 1,
                reserved: [0; 24],
            }
        );
        assert_eq!(crate::container::to_bytes(&h, ByteOrder::Little), INDEX_HEADER_LE);
    }

    #[test]
    fn block_entry_fields_sit_where_spec_5_1_says() {
        let e = BlockEntry::decode(&BLOCK_ENTRY_BE, ByteOrder::Big);
        assert_eq!(
            e,
            BlockEntry {
                offset: 256,
                stored_len: 192,
                checksum: 0x0123_4567_89AB_CDEF,
                bases: 256,
                encoding: spec::ENCODING_RAW,
                first_mask: 5,
                first_exception: 7,
            }
        );
        assert_eq!(e.stored_len, 3 * plane_bytes(e.bases as u64));
        let mut out = Vec::new();
        e.encode(ByteOrder::Big, &mut out);
        assert_eq!(out, BLOCK_ENTRY_BE);
    }

    #[test]
    fn mask_runs_are_checked_whatever_their_place() {
        assert!(masks(&[(0, 3), (4, 10)], 10).is_empty());
        // A run [5, 0) first: a search for the runs that overlap [0, n)
        // would skip it; the check does not.
        assert_eq!(masks(&[(5, 0), (6, 8)], 10), ["M1"]);
        assert_eq!(masks(&[(0, 3), (3, 5)], 10), ["M2"]); // adjacent
        assert_eq!(masks(&[(4, 6), (0, 2)], 10), ["M2"]); // unsorted
        assert_eq!(masks(&[(8, 11)], 10), ["M1"]);
    }

    #[test]
    fn exception_runs_are_checked_whatever_their_place() {
        assert!(exceptions(&[(1, 2, b'R'), (3, 1, b'Y')], 10).is_empty());
        assert_eq!(exceptions(&[(1, 0, b'R')], 10), ["E1"]);
        assert_eq!(exceptions(&[(u64::MAX, 2, b'R')], 10), ["E1"]);
        assert_eq!(exceptions(&[(5, 1, b'R'), (1, 1, b'Y')], 10), ["E2"]);
        assert_eq!(exceptions(&[(1, 1, b'R'), (2, 1, b'R')], 10), ["E5"]);
        assert_eq!(exceptions(&[(1, 1, b'Z')], 10), ["E4"]);
        // E5 alone leaves the runs usable; E4 does not.
        let it = [(1, 1, b'R'), (2, 1, b'R')].map(|(start, length, letter)| ExceptionRun { start, length, letter });
        assert!(check_exception_runs(it.into_iter(), 10, |f| !f.for_readers));
        let it = [ExceptionRun {
            start: 1,
            length: 1,
            letter: b'Z',
        }];
        assert!(!check_exception_runs(it.into_iter(), 10, |_| true));
    }
}
