//! Sequence and table defects 200–211 (SPEC §4–§8): block sizes, records,
//! codes, exceptions, block encodings and counts, then table columns and
//! dictionaries.

use super::*;

/// Adds the vectors 200–211 to `v`.
pub(super) fn vectors(v: &mut Vec<Vector>) {
    let two = import(TWO, ByteOrder::Little, 512, false);
    let table = table_file(ByteOrder::Little);
    let mut bad = invalid(v);
    bad(
        "200_bad_block_bases",
        "format",
        "X2",
        "§2.4 step 17, §6",
        "block_bases 500",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::SEQUENCE_INDEX);
            b[off + 16..off + 20].copy_from_slice(&500u32.to_le_bytes());
            reseal(b);
        }),
    );
    bad(
        "201_record_outside_names",
        "format",
        "R3",
        "§2.4 step 22, §6.1",
        "a header line past the end of SEQUENCE_NAMES",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::SEQUENCE_INDEX);
            b[off + 64 + 128 + 16] = 200;
            reseal(b);
        }),
    );
    bad(
        "210_final_newline_not_last",
        "format",
        "R11",
        "§2.4 step 22, §6.1, §7.2",
        "flag bit 0 (no final newline) on the first of two records",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::SEQUENCE_INDEX);
            b[off + 64 + 124] |= 1;
            reseal(b);
        }),
    );
    bad(
        "202_end_inside_sequence",
        "format",
        "R2",
        "§6.5, §4",
        "an END code at position 1 of the first sequence",
        edit(&two, &|b| {
            set_code(b, 1, 5);
            reseal(b);
        }),
    );
    bad(
        "203_exception_without_run",
        "format",
        "E3",
        "§6.5, §6.4",
        "code 7 at a position no exception run covers",
        edit(&two, &|b| {
            set_code(b, 0, 7);
            reseal(b);
        }),
    );
    bad(
        "204_bad_exception_letter",
        "format",
        "E4",
        "§6.5, §6.4",
        "exception letter 'X'",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::EXCEPTIONS);
            b[off + 12] = b'X';
            reseal(b);
        }),
    );
    bad(
        "205_unsupported_block_encoding",
        "unsupported",
        "BI10",
        "§2.4 step 23, §5.1",
        "block encoding 2",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::BLOCK_INDEX);
            b[off + 28] = 2;
            reseal(b);
        }),
    );
    bad(
        "206_reference_escape",
        "unsupported",
        "C1",
        "§4, §9",
        "code 6 (reference escape) at position 2",
        edit(&two, &|b| {
            set_code(b, 2, 6);
            reseal(b);
        }),
    );
    bad(
        "207_block_count_mismatch",
        "format",
        "X4",
        "§2.4 step 17",
        "block_count 2 for a one-block stream",
        edit(&two, &|b| {
            let (off, _) = section(b, kind::SEQUENCE_INDEX);
            b[off + 24] = 2;
            reseal(b);
        }),
    );
    bad(
        "211_dictionary_without_table",
        "format",
        "T2",
        "§2.4 T-a, §8",
        "the TABLE relabelled as an optional private kind: its DICTIONARY is left in a group without a TABLE",
        edit(&table, &|b| {
            let e = entry(b, kind::TABLE);
            b[e..e + 4].copy_from_slice(&0x8000_0201u32.to_le_bytes());
            b[e + 4] = 0;
            reseal_directory(b);
        }),
    );
    bad(
        "208_table_columns_overlap",
        "format",
        "T7",
        "§8.1",
        "the second column's offset moved onto the first column's bytes",
        edit(&table, &|b| {
            let (off, len) = section(b, kind::TABLE);
            let h = off + u64_at(b, off + len - 8) as usize;
            let col1 = h + 64 + 32;
            let first = u32_at(b, h + 64 + 4);
            b[col1 + 4..col1 + 8].copy_from_slice(&first.to_le_bytes());
            reseal(b);
        }),
    );
    bad(
        "209_dictionary_code_out_of_range",
        "format",
        "DI4",
        "§8.3",
        "a dict cell holds code 7 of a 3-string dictionary",
        edit(&table, &|b| {
            let (off, len) = section(b, kind::TABLE);
            let h = off + u64_at(b, off + len - 8) as usize;
            let ncol = u32_at(b, h + 12) as usize;
            let d = (0..ncol)
                .map(|i| h + 64 + 32 * i)
                .find(|&d| b[d] == 13)
                .expect("dict column");
            let at = off + u32_at(b, d + 4) as usize;
            b[at..at + 4].copy_from_slice(&7u32.to_le_bytes());
            reseal(b);
        }),
    );
}
