//! Vectors of the table rules (SPEC §8): tables, dictionaries, hash
//! indexes, index files and matrices.

use super::*;

pub fn vectors(v: &mut Vec<Vector>) {
    let table = table_file(ByteOrder::Little);
    let matrix = matrix_file(ByteOrder::Little);
    let index = index_file(&table);
    // Tables (§8.1).
    bad(
        v,
        "300_table_header_offset",
        f("T1"),
        Readers,
        "§2.4 T-b, §8.1",
        "the TABLE's trailing header_offset is not a multiple of 8",
        &table,
        &|b| {
            let (off, len) = section(b, kind::TABLE);
            let h = u64_at(b, off + len - 8);
            put_u64(b, off + len - 8, h + 1);
            reseal(b);
        },
    );
    bad(
        v,
        "301_table_rows_past_header",
        f("T3"),
        Readers,
        "§2.4 T-b, §8.1",
        "row_count 7 where six rows fill the bytes before the header",
        &table,
        &|b| {
            let h = table_header(b);
            put_u64(b, h, 7);
            reseal(b);
        },
    );
    bad(
        v,
        "302_table_column_entry_len",
        f("T4"),
        Readers,
        "§2.4 T-b, §8.1",
        "column_entry_len 16, below the 32 a descriptor needs",
        &table,
        &|b| {
            let h = table_header(b);
            put_u32(b, h + 28, 16);
            reseal(b);
        },
    );
    bad(
        v,
        "303_table_null_bitmap_outside",
        f("T5"),
        Readers,
        "§2.4 T-b, §8.1",
        "null_offset moved to row_width: the null bitmap ends past the row",
        &table,
        &|b| {
            let h = table_header(b);
            let w = u32_at(b, h + 8);
            put_u32(b, h + 16, w);
            reseal(b);
        },
    );
    bad(
        v,
        "304_table_column_type",
        f("T6"),
        Readers,
        "§2.4 T-b, §8.1, §8.2",
        "column ID has type code 14, which §8.2 does not define",
        &table,
        &|b| {
            let h = table_header(b);
            b[h + 64] = 14;
            reseal(b);
        },
    );
    bad(
        v,
        "305_table_nullable_without_bit",
        f("T8"),
        Readers,
        "§2.4 T-b, §8.1",
        "column ID flagged nullable with null_bit 0xFFFFFFFF",
        &table,
        &|b| {
            let h = table_header(b);
            b[h + 64 + 1] = 1;
            reseal(b);
        },
    );
    bad(
        v,
        "306_bool_cell_2",
        f("T9"),
        Readers,
        "§2.4 T-e, §8.1, §8.2",
        "the non-null bool cell OK of row 0 holds 2",
        &table,
        &|b| {
            let (off, _) = section(b, kind::TABLE);
            let h = table_header(b);
            let at = off + u32_at(b, h + 64 + 32 + 4) as usize;
            b[at] = 2;
            reseal(b);
        },
    );
    bad(
        v,
        "307_string_cell_not_utf8",
        f("T10"),
        Readers,
        "§2.4 T-e, §8.1, §8.2",
        "the non-null str(6) cell CODE of row 0 starts with byte 0xFF",
        &table,
        &|b| {
            let (off, _) = section(b, kind::TABLE);
            let h = table_header(b);
            let at = off + u32_at(b, h + 64 + 32 * 10 + 4) as usize;
            b[at] = 0xFF;
            reseal(b);
        },
    );
    bad(
        v,
        "308_null_cell_bytes",
        f("T11"),
        Validators,
        "§8.1",
        "the null bool cell OK of row 1 holds 1 instead of 0",
        &table,
        &|b| {
            let (off, _) = section(b, kind::TABLE);
            let h = table_header(b);
            let w = u32_at(b, h + 8) as usize;
            let at = off + w + u32_at(b, h + 64 + 32 + 4) as usize;
            b[at] = 1;
            reseal(b);
        },
    );
    bad(
        v,
        "309_table_reserved",
        f("T12"),
        Validators,
        "§8.1, §10",
        "a reserved byte of the TABLE header is 1",
        &table,
        &|b| {
            let h = table_header(b);
            b[h + 32] = 1;
            reseal(b);
        },
    );
    bad(
        v,
        "310_table_padding",
        f("T13"),
        Validators,
        "§8.1",
        "a padding byte between the column names and the trailing header_offset is 1",
        &table,
        &|b| {
            let (off, len) = section(b, kind::TABLE);
            let h = table_header(b);
            let n = u32_at(b, h + 12) as usize;
            let names: usize =
                u32_at(b, h + 24) as usize + (0..n).map(|i| u32_at(b, h + 64 + 32 * i + 16) as usize).sum::<usize>();
            let end = h + 64 + 32 * n + names;
            assert!(end < off + len - 8, "the names leave padding");
            b[end] = 1;
            reseal(b);
        },
    );
    bad(
        v,
        "311_table_optional",
        f("D9"),
        Validators,
        "§3.1",
        "the TABLE's directory entry has flag bit 0 (required) clear",
        &table,
        &|b| {
            let e = entry(b, kind::TABLE);
            b[e + 4] = 0;
            reseal_directory(b);
        },
    );

    // Dictionaries (§8.3).
    bad(
        v,
        "312_dictionary_length",
        f("DI1"),
        Readers,
        "§2.4 T-c, §8.3",
        "the DICTIONARY's bytes_len is one more than its strings",
        &table,
        &|b| {
            let (d, _) = section(b, kind::DICTIONARY);
            let n = u64_at(b, d + 16);
            put_u64(b, d + 16, n + 1);
            reseal(b);
        },
    );
    bad(
        v,
        "313_dictionary_offsets",
        f("DI2"),
        Readers,
        "§2.4 T-c, §8.3",
        "the DICTIONARY's offsets decrease (offsets[1] = 10 > offsets[2] = 9)",
        &table,
        &|b| {
            let (d, _) = section(b, kind::DICTIONARY);
            put_u64(b, d + 40, 10);
            reseal(b);
        },
    );
    bad(
        v,
        "314_dictionary_not_utf8",
        f("DI3"),
        Readers,
        "§2.4 T-c, §8.3",
        "the first byte of the dictionary string 'ÅÄÖ' is 0xFF",
        &table,
        &|b| {
            let (d, _) = section(b, kind::DICTIONARY);
            let count = u64_at(b, d + 8) as usize;
            let strings = d + 32 + 8 * (count + 1);
            let at = strings + u64_at(b, d + 32 + 8 * 2) as usize;
            b[at] = 0xFF;
            reseal(b);
        },
    );
    bad(
        v,
        "315_dictionary_column_not_dict",
        f("DI5"),
        Readers,
        "§2.4 T-c, §8.3",
        "the DICTIONARY names column 0 (ID, u32)",
        &table,
        &|b| {
            let (d, _) = section(b, kind::DICTIONARY);
            put_u32(b, d, 0);
            reseal(b);
        },
    );
    bad(
        v,
        "316_dictionary_reserved",
        f("DI6"),
        Validators,
        "§8.3, §10",
        "a reserved byte of the DICTIONARY header is 1",
        &table,
        &|b| {
            let (d, _) = section(b, kind::DICTIONARY);
            b[d + 4] = 1;
            reseal(b);
        },
    );

    // Hash indexes (§8.4): a reader sets a broken index aside and scans
    // (T-d), so every one of these reads as a table.
    bad(
        v,
        "317_hash_function",
        ("unsupported", "HI1"),
        Validators,
        "§2.4 T-d, §8.4",
        "the index on GENE names hash function 2: readers set it aside and scan",
        &table,
        &|b| {
            let (h, ..) = hash_index(b);
            put_u32(b, h + 32, 2);
            reseal(b);
        },
    );
    bad(
        v,
        "318_hash_index_row_count",
        f("HI2"),
        Validators,
        "§2.4 T-d, §8.4",
        "the index on GENE says 7 rows for a table of 6",
        &table,
        &|b| {
            let (h, ..) = hash_index(b);
            put_u64(b, h + 24, 7);
            reseal(b);
        },
    );
    bad(
        v,
        "319_hash_index_key_column",
        f("HI3"),
        Validators,
        "§2.4 T-d, §8.4",
        "the index on GENE names key column 12 of a 12-column table",
        &table,
        &|b| {
            let (h, ..) = hash_index(b);
            put_u32(b, h + 64, 12);
            reseal(b);
        },
    );
    bad(
        v,
        "320_hash_index_bucket_bits",
        f("HI4"),
        Validators,
        "§2.4 T-d, §8.4",
        "bucket_bits 41",
        &table,
        &|b| {
            let (h, ..) = hash_index(b);
            put_u32(b, h + 4, 41);
            reseal(b);
        },
    );
    bad(
        v,
        "321_hash_index_length",
        f("HI5"),
        Validators,
        "§2.4 T-d, §8.4",
        "word_count one more than the section holds",
        &table,
        &|b| {
            let (h, ..) = hash_index(b);
            let n = u64_at(b, h + 16);
            put_u64(b, h + 16, n + 1);
            reseal(b);
        },
    );
    bad(
        v,
        "322_hash_index_bucket_order",
        f("HI6"),
        Validators,
        "§8.4",
        "bucket 0 ends after entry 1: entry 2, whose hash has top bit 0, is left in bucket 1",
        &table,
        &|b| {
            let (_, k, ..) = hash_index(b);
            put_u64(b, k + 8, 2);
            reseal(b);
        },
    );
    bad(
        v,
        "323_hash_index_first_word",
        f("HI7"),
        Validators,
        "§8.4",
        "entry 0's posting list starts at word 1",
        &table,
        &|b| {
            let (_, _, e, _) = hash_index(b);
            put_u64(b, e + 8, 1);
            reseal(b);
        },
    );
    bad(
        v,
        "324_hash_index_posting_order",
        f("HI8"),
        Validators,
        "§8.4",
        "a posting list lists rows 0–2 as a range, then row 2 again",
        &table,
        &|b| {
            let (_, _, _, w) = hash_index(b);
            put_u64(b, w + 8 * 4, 2);
            reseal(b);
        },
    );
    bad(
        v,
        "325_hash_index_wrong_hash",
        f("HI9"),
        Validators,
        "§8.4",
        "entry 0's hash is one more than the hash of its key (order and bucket unchanged)",
        &table,
        &|b| {
            let (_, _, e, _) = hash_index(b);
            let hash = u64_at(b, e);
            put_u64(b, e, hash + 1);
            reseal(b);
        },
    );
    bad(
        v,
        "326_hash_index_reserved",
        f("HI10"),
        Validators,
        "§8.4, §10",
        "a reserved byte of the HASH_INDEX header is 1",
        &table,
        &|b| {
            let (h, ..) = hash_index(b);
            b[h + 37] = 1;
            reseal(b);
        },
    );

    // Index files (§8.8).
    bad(
        v,
        "327_index_target_no_columns",
        f("IT2"),
        Readers,
        "§2.4 I-a, §8.8",
        "the INDEX_TARGET's column_count is 0",
        &index,
        &|b| {
            let (t, _) = section(b, kind::INDEX_TARGET);
            put_u32(b, t + 24, 0);
            reseal(b);
        },
    );
    bad(
        v,
        "328_index_target_dictionary_column",
        f("IT3"),
        Readers,
        "§2.4 I-a, §8.8",
        "the INDEX_TARGET's dictionary entry names column 99 of a 12-column table",
        &index,
        &|b| {
            let (t, _) = section(b, kind::INDEX_TARGET);
            put_u32(b, t + 64, 99);
            reseal(b);
        },
    );
    bad(
        v,
        "329_two_index_targets",
        f("IT4"),
        Readers,
        "§2.4 I-a, §8.8",
        "the first HASH_INDEX relabelled INDEX_TARGET: its group holds two targets",
        &index,
        &|b| {
            let e = entry(b, kind::HASH_INDEX);
            put_u32(b, e, kind::INDEX_TARGET);
            b[e + 4] = 1;
            reseal_directory(b);
        },
    );
    bad(
        v,
        "330_index_target_reserved",
        f("IT5"),
        Validators,
        "§8.8, §10",
        "a reserved byte of the INDEX_TARGET header is 1",
        &index,
        &|b| {
            let (t, _) = section(b, kind::INDEX_TARGET);
            b[t + 40] = 1;
            reseal(b);
        },
    );

    // Matrices (§8.9).
    bad(
        v,
        "331_matrix_type",
        f("MX1"),
        Readers,
        "§8.9",
        "the first MATRIX has cell type 12 (string)",
        &matrix,
        &|b| {
            let (m, _) = section(b, kind::MATRIX);
            b[m + 24] = 12;
            reseal(b);
        },
    );
    bad(
        v,
        "332_matrix_name_not_utf8",
        f("MX3"),
        Readers,
        "§8.9",
        "the first byte of the matrix name 'expr' is 0xFF",
        &matrix,
        &|b| {
            let (m, _) = section(b, kind::MATRIX);
            b[m + 64] = 0xFF;
            reseal(b);
        },
    );
    bad(
        v,
        "333_matrix_tiles_length",
        f("MX4"),
        Readers,
        "§8.9",
        "the first MATRIX_TILES entry's length is 4 bytes short of 5 rows x 9 columns x 4 bytes",
        &matrix,
        &|b| {
            let e = entry(b, kind::MATRIX_TILES);
            let n = u64_at(b, e + 16);
            put_u64(b, e + 16, n - 4);
            reseal(b);
        },
    );
    bad(
        v,
        "334_matrix_group",
        f("MX5"),
        Readers,
        "§8.9",
        "the second matrix's MATRIX_TILES moved into the first matrix's group",
        &matrix,
        &|b| {
            let first = nth_entry(b, kind::MATRIX_TILES, 0);
            let second = nth_entry(b, kind::MATRIX_TILES, 1);
            let g = u32_at(b, first + 32);
            put_u32(b, second + 32, g);
            reseal_directory(b);
        },
    );
    bad(
        v,
        "335_matrix_duplicate_row_name",
        f("MX8"),
        Validators,
        "§8.9",
        "row 1 of the table expr:rows names row 'SRR100', as row 0 does",
        &matrix,
        &|b| {
            let (t, _) = section(b, kind::TABLE);
            put_u32(b, t + 4, 0);
            reseal(b);
        },
    );
    bad(
        v,
        "336_matrix_padding_cell",
        f("MX9"),
        Validators,
        "§8.9",
        "a cell of a padding column (row 0, column 7) of the first matrix is not zero; its tile checksum resealed",
        &matrix,
        &|b| {
            let (m, mlen) = section(b, kind::MATRIX);
            let (tiles, _) = section(b, kind::MATRIX_TILES);
            // Band 0 (R_b = 2), tile 2 (columns 6–8, C = 3): cell (0, 1) is
            // column 7, at (2 × 2 × 3 + 1) × 4 bytes; the tile spans 24 bytes.
            b[tiles + 13 * 4] = 1;
            let count = u64_at(b, m + 48) as usize;
            let sums = m + mlen - 8 * count;
            let sum = xxhash_rust::xxh3::xxh3_64(&b[tiles + 48..tiles + 72]);
            put_u64(b, sums + 8 * 2, sum);
            reseal(b);
        },
    );
    bad(
        v,
        "337_matrix_reserved",
        f("MX10"),
        Validators,
        "§8.9, §10",
        "a reserved byte of the first MATRIX header is 1",
        &matrix,
        &|b| {
            let (m, _) = section(b, kind::MATRIX);
            b[m + 26] = 1;
            reseal(b);
        },
    );
}
