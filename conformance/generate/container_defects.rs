//! Container defects 100–115 (SPEC §2–§3): the header, the directory,
//! checksums, section bounds and unknown sections, in the order of the
//! reader's checks (SPEC §2.4).

use super::*;

/// Adds the vectors 100–115 to `v`.
pub(super) fn vectors(v: &mut Vec<Vector>) {
    let two = import(TWO, ByteOrder::Little, 512, false);
    let with_private = with_private_section();
    let mut bad = invalid(v);
    bad(
        "100_empty_file",
        "format",
        "H6",
        "§2.4 step 1",
        "zero bytes",
        Vec::new(),
    );
    bad(
        "101_bad_magic",
        "format",
        "H1",
        "§2.4 step 2",
        "first byte 0x88",
        edit(&two, &|b| b[0] = 0x88),
    );
    bad(
        "102_bad_signature",
        "format",
        "H2",
        "§2.4 step 3",
        "byte-order signature neither order",
        edit(&two, &|b| b[8] = 0),
    );
    bad(
        "103_unknown_major_version",
        "unsupported",
        "H3",
        "§2.4 step 5",
        "major version 2",
        edit(&two, &|b| {
            b[12] = 2;
            reseal_header(b);
        }),
    );
    bad(
        "104_header_checksum",
        "checksum",
        "H10",
        "§2.4 step 6",
        "a header byte changed without its checksum",
        edit(&two, &|b| b[20] ^= 1),
    );
    bad(
        "105_truncated",
        "format",
        "H6",
        "§2.4 step 8",
        "the last 48 bytes cut off",
        edit(&two, &|b| b.truncate(b.len() - 48)),
    );
    bad(
        "106_trailing_bytes",
        "format",
        "H6",
        "§2.4 step 8",
        "64 zero bytes appended",
        edit(&two, &|b| b.extend_from_slice(&[0; 64])),
    );
    bad(
        "107_directory_checksum",
        "checksum",
        "H9",
        "§2.4 step 11",
        "a reserved directory byte changed without the directory checksum",
        edit(&two, &|b| {
            let e = entry(b, kind::MASKS);
            b[e + 40] ^= 1;
        }),
    );
    bad(
        "108_section_checksum",
        "checksum",
        "D5",
        "§2.4 step 16",
        "a SEQUENCE_NAMES byte changed without its checksum",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::SEQUENCE_NAMES);
            b[off] = b'z';
        }),
    );
    bad(
        "109_block_checksum",
        "checksum",
        "BI3",
        "§2.4 step 23, §5.1",
        "a plane bit flipped without the block checksum",
        edit(&two, &|b| {
            let at = plane_byte(b, 0, 0);
            b[at] ^= 1;
        }),
    );
    bad(
        "110_section_out_of_bounds",
        "format",
        "D4",
        "§2.4 step 12b",
        "a section length reaching past the directory",
        edit(&two, &|b| {
            let e = entry(b, kind::MASKS);
            b[e + 16..e + 24].copy_from_slice(&(1u64 << 40).to_le_bytes());
            reseal_directory(b);
        }),
    );
    bad(
        "111_misaligned_section",
        "format",
        "D3",
        "§2.4 step 12b",
        "a section offset not a multiple of 64",
        edit(&two, &|b| {
            let e = entry(b, kind::SEQUENCE_NAMES);
            let off = u64_at(b, e + 8) + 8;
            b[e + 8..e + 16].copy_from_slice(&off.to_le_bytes());
            reseal_directory(b);
        }),
    );
    bad(
        "112_overlapping_sections",
        "format",
        "D7",
        "§2.4 step 13",
        "SEQUENCE_NAMES placed over BLOCK_INDEX",
        edit(&two, &|b| {
            let (bi, _) = section(b, kind::BLOCK_INDEX);
            let e = entry(b, kind::SEQUENCE_NAMES);
            b[e + 8..e + 16].copy_from_slice(&(bi as u64).to_le_bytes());
            reseal_directory(b);
        }),
    );
    bad(
        "113_unknown_required_section",
        "unsupported",
        "D10",
        "§2.4 step 12c, §10",
        "a private section marked required",
        edit(&with_private, &|b| {
            let e = entry(b, 0x8000_0001);
            b[e + 4] = 1;
            reseal_directory(b);
        }),
    );
    bad(
        "114_missing_sequence_section",
        "format",
        "K2",
        "§2.4 step 15, §3.1",
        "EXCEPTIONS relabelled as an optional private kind",
        edit(&two, &|b| {
            let e = entry(b, kind::EXCEPTIONS);
            b[e..e + 4].copy_from_slice(&0x8000_0107u32.to_le_bytes());
            b[e + 4] = 0;
            reseal_directory(b);
        }),
    );
    let alone = {
        let mut c = ContainerWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).expect("container");
        c.add_section(0x8000_0001, true, 0, b"needed to read this file")
            .expect("private");
        c.finish().expect("finish").into_inner()
    };
    bad(
        "115_unknown_required_section_alone",
        "unsupported",
        "D10",
        "§2.4 step 12c, §10",
        "only a required private section: refusing needs no sequence support",
        alone,
    );
}
