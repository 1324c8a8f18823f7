//! Vectors of the container rules (SPEC §2–§3): the sequence set, the
//! header, the directory and version rules; and of the reference escape
//! (§9).

use super::*;

pub fn vectors(v: &mut Vec<Vector>) {
    let two = import(TWO, ByteOrder::Little, 512, false);
    let dense = import(&dense_fasta(), ByteOrder::Little, 512, false);
    let table = table_file(ByteOrder::Little);
    let matrix = matrix_file(ByteOrder::Little);
    let index = index_file(&table);
    // The sequence set and the directory (§2, §3).
    bad(
        v,
        "379_two_masks_sections",
        f("K1"),
        Readers,
        "§2.4 step 14, §3.1",
        "the NONACGT_SUMMARY relabelled MASKS: two MASKS sections",
        &two,
        &|b| {
            let e = entry(b, kind::NONACGT_SUMMARY);
            put_u32(b, e, kind::MASKS);
            b[e + 4] = 1;
            reseal_directory(b);
        },
    );
    bad(
        v,
        "380_sequence_set_groups",
        f("K3"),
        Validators,
        "§3.1",
        "MASKS in group 5, the rest of the sequence set in group 0",
        &two,
        &|b| {
            let e = entry(b, kind::MASKS);
            put_u32(b, e + 32, 5);
            reseal_directory(b);
        },
    );
    bad(
        v,
        "381_dense_group",
        f("K4"),
        Validators,
        "§3.1, §6.6",
        "MASK_BITMAP in group 5, the rest of the sequence set in group 0",
        &dense,
        &|b| {
            let e = entry(b, kind::MASK_BITMAP);
            put_u32(b, e + 32, 5);
            reseal_directory(b);
        },
    );
    bad(
        v,
        "116_header_len_short",
        f("H4"),
        Readers,
        "§2.4 step 7, §2",
        "header_len 32",
        &two,
        &|b| {
            put_u32(b, 16, 32);
            reseal_header(b);
        },
    );
    bad(
        v,
        "382_header_flags",
        f("H5"),
        Validators,
        "§2, §10",
        "header flags (reserved) 1",
        &two,
        &|b| {
            put_u32(b, 20, 1);
            reseal_header(b);
        },
    );
    bad(
        v,
        "383_directory_not_last",
        f("H7"),
        Readers,
        "§2.4 step 10, §2",
        "directory_count one less than the entries before file_len",
        &two,
        &|b| {
            let n = u32_at(b, 40);
            put_u32(b, 40, n - 1);
            reseal_directory(b);
        },
    );
    bad(
        v,
        "384_directory_entry_len",
        f("H8"),
        Readers,
        "§2.4 step 9, §2",
        "directory_entry_len 40",
        &two,
        &|b| {
            put_u32(b, 44, 40);
            reseal_header(b);
        },
    );
    bad(
        v,
        "385_kind_zero",
        f("D1"),
        Readers,
        "§2.4 step 12a, §3",
        "the NONACGT_SUMMARY entry's kind is 0",
        &two,
        &|b| {
            let e = entry(b, kind::NONACGT_SUMMARY);
            put_u32(b, e, 0);
            reseal_directory(b);
        },
    );
    bad(
        v,
        "386_entry_flags",
        f("D2"),
        Validators,
        "§3, §10",
        "flag bit 1 (reserved) of the MASKS entry set",
        &two,
        &|b| {
            let e = entry(b, kind::MASKS);
            b[e + 4] |= 2;
            reseal_directory(b);
        },
    );
    bad(
        v,
        "387_entry_reserved",
        f("D6"),
        Validators,
        "§3, §10",
        "a reserved byte of the MASKS entry is 1",
        &two,
        &|b| {
            let e = entry(b, kind::MASKS);
            b[e + 36] = 1;
            reseal_directory(b);
        },
    );
    bad(
        v,
        "388_gap_byte",
        f("D8"),
        Validators,
        "§3",
        "a byte of the zero padding after SEQUENCE_NAMES is 1 (no checksum covers it)",
        &two,
        &|b| {
            let (n, len) = section(b, kind::SEQUENCE_NAMES);
            assert!((n + len) % 64 != 0, "padding follows SEQUENCE_NAMES");
            b[n + len] = 1;
        },
    );
    bad(
        v,
        "389_table_in_minor_0",
        f("D12"),
        Validators,
        "§3.1, §10",
        "013's table in a file of minor version 0",
        &table,
        &|b| minor(b, 0),
    );
    bad(
        v,
        "390_dense_in_minor_1",
        f("D13"),
        Validators,
        "§3.1, §6.6, §10",
        "030's dense sections in a file of minor version 1",
        &dense,
        &|b| minor(b, 1),
    );
    bad(
        v,
        "391_index_target_in_minor_2",
        f("D14"),
        Validators,
        "§3.1, §8.8, §10",
        "040's INDEX_TARGET in a file of minor version 2",
        &index,
        &|b| minor(b, 2),
    );
    bad(
        v,
        "392_matrix_in_minor_4",
        f("D15"),
        Validators,
        "§3.1, §8.9, §10",
        "070's matrices in a file of minor version 4",
        &matrix,
        &|b| minor(b, 4),
    );
    bad(
        v,
        "393_zstd_in_minor_3",
        f("Z2"),
        Validators,
        "§5.3, §10",
        "050's zstd blocks in a file of minor version 3",
        &import_zstd(&boundaries_fasta(), ByteOrder::Little),
        &|b| minor(b, 3),
    );

    // Reference escape (§9): each vector lies beside its reference.
    escaped(
        v,
        "394_references_minor_5",
        f("D16"),
        Validators,
        "080's file with minor version 5: REFERENCES is defined in 1.6",
        &|b, _| minor(b, 5),
    );
    escaped(
        v,
        "395_references_length",
        f("RF1"),
        Readers,
        "path_len one more than the REFERENCES section holds",
        &|b, r| {
            let n = u32_at(b, r + 24);
            put_u32(b, r + 24, n + 1);
            reseal(b);
        },
    );
    escaped(
        v,
        "396_references_name_len",
        f("RF2"),
        Readers,
        "the first listed name has name_len 0",
        &|b, r| {
            put_u32(b, r + 64 + 16, 0);
            reseal(b);
        },
    );
    escaped(
        v,
        "397_references_reserved",
        f("RF4"),
        Validators,
        "a reserved byte of the REFERENCES header is 1",
        &|b, r| {
            b[r + 32] = 1;
            reseal(b);
        },
    );
    escaped(
        v,
        "398_code_6_outside_runs",
        f("RF5"),
        Readers,
        "code 6 at position 1 of t3, which no run covers",
        &|b, _| {
            // t1 (80) END t2 (60) END: t3 starts at stream position 142.
            set_code(b, 143, 6);
            reseal(b);
        },
    );
    escaped(
        v,
        "399_two_references",
        f("RF7"),
        Readers,
        "the NONACGT_SUMMARY entry relabelled REFERENCES: two REFERENCES sections",
        &|b, _| {
            let e = entry(b, kind::NONACGT_SUMMARY);
            put_u32(b, e, kind::REFERENCES);
            b[e + 4] = 1;
            reseal_directory(b);
        },
    );
}
