//! Invalid vectors 300–399 (and 116): one per labelled rule of SPEC.md that the
//! vectors 1xx and 2xx leave unshown. Each is a valid file from the
//! reference writer with one planted defect, resealed so that the defect
//! is the only thing wrong with its checksums.
//!
//! A vector marked *validator only* breaks a rule SPEC §13.1 lets a reader
//! leave unchecked (reserved bytes, digests, run order, hints, the
//! invariants of an index a reader may set aside): a reader may read it,
//! and what it returns is unspecified; a validator (§13.3) must report the
//! label. The others break a check of SPEC §2.4 that every reader makes,
//! so every reader refuses them with the class given.

use super::*;

/// Whether readers must refuse a vector or only validators must flag it.
#[derive(Clone, Copy)]
enum Who {
    /// A check of SPEC §2.4: every reader refuses the file.
    Readers,
    /// A rule only validators must check (SPEC §13.1, §13.3).
    Validators,
}
use Who::{Readers, Validators};

fn put_u64(b: &mut [u8], at: usize, x: u64) {
    b[at..at + 8].copy_from_slice(&x.to_le_bytes());
}

fn put_u32(b: &mut [u8], at: usize, x: u32) {
    b[at..at + 4].copy_from_slice(&x.to_le_bytes());
}

/// Byte offset of the directory entry of the `n`-th section of `kind`.
fn nth_entry(b: &[u8], kind: u32, n: usize) -> usize {
    let dir = u64_at(b, 32) as usize;
    let count = u32_at(b, 40) as usize;
    (0..count)
        .map(|i| dir + 48 * i)
        .filter(|&e| u32_at(b, e) == kind)
        .nth(n)
        .expect("section present")
}

/// Absolute offset of the header of the first TABLE (SPEC §8.1).
fn table_header(b: &[u8]) -> usize {
    let (off, len) = section(b, kind::TABLE);
    off + u64_at(b, off + len - 8) as usize
}

/// Absolute offset of record `i` of SEQUENCE_INDEX.
fn record(b: &[u8], i: usize) -> usize {
    section(b, kind::SEQUENCE_INDEX).0 + 64 + 128 * i
}

/// Layout of the first HASH_INDEX: (offset, K, number of buckets + 1,
/// offset of the entries, offset of the posting words).
fn hash_index(b: &[u8]) -> (usize, usize, usize, usize) {
    let (off, _) = section(b, kind::HASH_INDEX);
    let keys = u32_at(b, off) as usize;
    let k = off + 64 + (4 * keys).div_ceil(8) * 8;
    let buckets = (1usize << u32_at(b, off + 4)) + 1;
    let entries = k + 8 * buckets;
    let words = entries + 16 * u64_at(b, off + 8) as usize;
    (off, k, entries, words)
}

/// Sets the minor version and reseals the header.
fn minor(b: &mut [u8], m: u16) {
    b[14..16].copy_from_slice(&m.to_le_bytes());
    reseal_header(b);
}

/// Appends the vectors 300–399 to `v`.
pub fn vectors(v: &mut Vec<Vector>) {
    let two = import(TWO, ByteOrder::Little, 512, false);
    let every = import(EVERY_CODE, ByteOrder::Little, 512, false);
    let boundaries = import(&boundaries_fasta(), ByteOrder::Little, 512, false);
    let dense = import(&dense_fasta(), ByteOrder::Little, 512, false);
    let table = table_file(ByteOrder::Little);
    let matrix = matrix_file(ByteOrder::Little);
    let index = index_file(&table);
    let mut bad = |name: &'static str,
                   (class, label): (&'static str, &'static str),
                   who: Who,
                   spec: &'static str,
                   description: &'static str,
                   base: &[u8],
                   f: &dyn Fn(&mut Vec<u8>)| {
        let mut bytes = base.to_vec();
        f(&mut bytes);
        v.push(Vector {
            name,
            bytes,
            invalid: Some((class, label)),
            validator_only: matches!(who, Validators),
            spec,
            description,
            reference: None,
        });
    };
    let f = |l| ("format", l);

    // Tables (§8.1).
    bad(
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
        "326_hash_index_reserved",
        f("HI10"),
        Validators,
        "§8.4, §10",
        "a reserved byte of the HASH_INDEX header is 1",
        &table,
        &|b| {
            let (h, ..) = hash_index(b);
            b[h + 36] = 1;
            reseal(b);
        },
    );

    // Index files (§8.8).
    bad(
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

    // Sequence index (§6), block index (§5.1), summary (§5.2).
    bad(
        "338_stream_len_short",
        f("X1"),
        Readers,
        "§2.4 step 17, §6",
        "stream_len 1 for two sequences",
        &two,
        &|b| {
            let (s, _) = section(b, kind::SEQUENCE_INDEX);
            put_u64(b, s + 8, 1);
            reseal(b);
        },
    );
    bad(
        "339_record_len_short",
        f("X3"),
        Readers,
        "§2.4 step 17, §6",
        "record_len 100",
        &two,
        &|b| {
            let (s, _) = section(b, kind::SEQUENCE_INDEX);
            put_u32(b, s + 20, 100);
            reseal(b);
        },
    );
    bad(
        "340_index_flags",
        f("X5"),
        Validators,
        "§6, §10",
        "SEQUENCE_INDEX flag bit 1 (reserved) set",
        &two,
        &|b| {
            let (s, _) = section(b, kind::SEQUENCE_INDEX);
            b[s + 32] = 2;
            reseal(b);
        },
    );
    bad(
        "341_index_reserved",
        f("X6"),
        Validators,
        "§6, §10",
        "a reserved byte of the SEQUENCE_INDEX header is 1",
        &two,
        &|b| {
            let (s, _) = section(b, kind::SEQUENCE_INDEX);
            b[s + 40] = 1;
            reseal(b);
        },
    );
    bad(
        "342_sequence_count",
        f("X7"),
        Readers,
        "§2.4 step 17, §6",
        "sequence_count 3 in a SEQUENCE_INDEX with two records",
        &two,
        &|b| {
            let (s, _) = section(b, kind::SEQUENCE_INDEX);
            put_u64(b, s, 3);
            reseal(b);
        },
    );
    bad(
        "343_block_index_length",
        f("BI0"),
        Readers,
        "§2.4 step 18, §5.1",
        "BLOCK_INDEX holds a second, zero entry for a one-block stream",
        &two,
        &|b| {
            *b = rebuild(b, |k, d| {
                let mut d = d.to_vec();
                if k == kind::BLOCK_INDEX {
                    d.extend_from_slice(&[0; 48]);
                }
                d
            });
            reseal(b);
        },
    );
    bad(
        "344_block_offset_misaligned",
        f("BI1"),
        Readers,
        "§2.4 step 23, §5.1",
        "block 1's offset is 8 bytes before the end of block 0",
        &boundaries,
        &|b| {
            let (bi, _) = section(b, kind::BLOCK_INDEX);
            let o = u64_at(b, bi + 48);
            put_u64(b, bi + 48, o - 8);
            reseal(b);
        },
    );
    bad(
        "345_block_stored_len",
        f("BI2"),
        Readers,
        "§2.4 step 23, §5.1",
        "block 0's stored_len 128 where its 23 positions need 3 planes of 64 bytes",
        &two,
        &|b| {
            let (bi, _) = section(b, kind::BLOCK_INDEX);
            put_u64(b, bi + 8, 128);
            reseal(b);
        },
    );
    bad(
        "346_block_bases",
        f("BI4"),
        Readers,
        "§2.4 step 23, §5.1",
        "block 0 says 22 positions of a 23-position stream",
        &two,
        &|b| {
            let (bi, _) = section(b, kind::BLOCK_INDEX);
            put_u32(b, bi + 24, 22);
            reseal(b);
        },
    );
    bad(
        "347_block_reserved",
        f("BI5"),
        Validators,
        "§5.1, §10",
        "a reserved byte of block 0's BLOCK_INDEX entry is 1",
        &two,
        &|b| {
            let (bi, _) = section(b, kind::BLOCK_INDEX);
            b[bi + 29] = 1;
            reseal(b);
        },
    );
    bad(
        "348_block_past_blocks",
        f("BI6"),
        Readers,
        "§2.4 step 23, §5.1",
        "block 0 stored at offset 64 of a 192-byte BLOCKS: it ends 64 bytes past it",
        &two,
        &|b| {
            let (bi, _) = section(b, kind::BLOCK_INDEX);
            put_u64(b, bi, 64);
            reseal(b);
        },
    );
    bad(
        "349_blocks_trailing_bytes",
        f("BI7"),
        Validators,
        "§5.1",
        "BLOCKS ends in 64 bytes of 0xFF that belong to no block",
        &two,
        &|b| {
            *b = rebuild(b, |k, d| {
                let mut d = d.to_vec();
                if k == kind::BLOCKS {
                    d.extend_from_slice(&[0xFF; 64]);
                }
                d
            });
            reseal(b);
        },
    );
    bad(
        "350_first_mask_hint",
        f("BI8"),
        Validators,
        "§5.1",
        "block 1's first_mask is one more than exact (a hint a reader confirms)",
        &boundaries,
        &|b| {
            let (bi, _) = section(b, kind::BLOCK_INDEX);
            let n = u64_at(b, bi + 48 + 32);
            put_u64(b, bi + 48 + 32, n + 1);
            reseal(b);
        },
    );
    bad(
        "351_first_exception_hint",
        f("BI9"),
        Validators,
        "§5.1",
        "block 1's first_exception is one more than exact (a hint a reader confirms)",
        &boundaries,
        &|b| {
            let (bi, _) = section(b, kind::BLOCK_INDEX);
            let n = u64_at(b, bi + 48 + 40);
            put_u64(b, bi + 48 + 40, n + 1);
            reseal(b);
        },
    );
    bad(
        "352_block_padding_bits",
        f("B1"),
        Validators,
        "§5",
        "stream position 100 of a 23-position block holds code 1 (a padding bit)",
        &two,
        &|b| {
            set_code(b, 100, 1);
            reseal(b);
        },
    );
    bad(
        "353_summary_length",
        f("S1"),
        Readers,
        "§2.4 step 21, §5.2",
        "NONACGT_SUMMARY of 16 bytes for one line",
        &two,
        &|b| {
            *b = rebuild(b, |k, d| {
                let mut d = d.to_vec();
                if k == kind::NONACGT_SUMMARY {
                    d.extend_from_slice(&[0; 8]);
                }
                d
            });
            reseal(b);
        },
    );
    bad(
        "354_summary_bit_clear",
        f("S2"),
        Validators,
        "§5.2",
        "the summary bit of line 0 is clear though it holds N and exception codes",
        &two,
        &|b| {
            let (s, _) = section(b, kind::NONACGT_SUMMARY);
            b[s] &= !1;
            reseal(b);
        },
    );
    bad(
        "355_summary_padding_bit",
        f("S3"),
        Validators,
        "§5.2",
        "summary bit 1 set in a stream of one line",
        &two,
        &|b| {
            let (s, _) = section(b, kind::NONACGT_SUMMARY);
            b[s] |= 2;
            reseal(b);
        },
    );

    // Sequence records (§6.1).
    bad(
        "356_record_start",
        f("R1"),
        Validators,
        "§6.1",
        "record 1 starts one position late (start 16, length 6): its END is still in place, but no END precedes it",
        &two,
        &|b| {
            let r = record(b, 1);
            put_u64(b, r, 16);
            put_u64(b, r + 8, 6);
            reseal(b);
        },
    );
    bad(
        "357_name_past_header",
        f("R4"),
        Readers,
        "§2.4 step 22, §6.1",
        "record 1's name_len 2 in a header line of 1 byte",
        &two,
        &|b| {
            let r = record(b, 1);
            put_u32(b, r + 28, 2);
            reseal(b);
        },
    );
    bad(
        "358_line_width_zero",
        f("R5"),
        Validators,
        "§6.1",
        "record 0 (14 bases) has line_width 0",
        &two,
        &|b| {
            let r = record(b, 0);
            put_u64(b, r + 32, 0);
            reseal(b);
        },
    );
    bad(
        "359_mask_first",
        f("R6"),
        Readers,
        "§2.4 step 22, §6.1",
        "record 0's mask_first 1: its one run would be entry 1 of a one-entry MASKS",
        &two,
        &|b| {
            let r = record(b, 0);
            put_u64(b, r + 40, 1);
            reseal(b);
        },
    );
    bad(
        "360_exception_first",
        f("R7"),
        Readers,
        "§2.4 step 22, §6.1",
        "record 0's exception_first 1: its four runs would end past the four entries of EXCEPTIONS",
        &two,
        &|b| {
            let r = record(b, 0);
            put_u64(b, r + 56, 1);
            reseal(b);
        },
    );
    bad(
        "361_n_count",
        f("R8"),
        Validators,
        "§6.1",
        "record 0's n_count 3 where it holds two N",
        &two,
        &|b| {
            let r = record(b, 0);
            put_u64(b, r + 72, 3);
            reseal(b);
        },
    );
    bad(
        "362_md5",
        f("R9"),
        Validators,
        "§6.1",
        "one bit of record 0's md5 flipped",
        &two,
        &|b| {
            let r = record(b, 0);
            b[r + 80] ^= 1;
            reseal(b);
        },
    );
    bad(
        "363_refget",
        f("R10"),
        Validators,
        "§6.1",
        "one bit of record 0's refget digest flipped",
        &import(TWO, ByteOrder::Little, 512, true),
        &|b| {
            let r = record(b, 0);
            b[r + 96] ^= 1;
            reseal(b);
        },
    );
    bad(
        "364_duplicate_name",
        f("R12"),
        Validators,
        "§6.1",
        "both records are named 'a' (the second header line changed from 'b')",
        &two,
        &|b| {
            let (n, len) = section(b, kind::SEQUENCE_NAMES);
            b[n + len - 1] = b'a';
            reseal(b);
        },
    );

    // Name hash (§6.2).
    bad(
        "365_name_hash_slot_count",
        f("NH1"),
        Readers,
        "§2.4 step 20, §6.2",
        "slot_count 3, not a power of two",
        &two,
        &|b| {
            let (h, _) = section(b, kind::SEQUENCE_NAME_HASH);
            put_u64(b, h, 3);
            reseal(b);
        },
    );
    bad(
        "366_name_hash_reserved",
        f("NH2"),
        Validators,
        "§6.2, §10",
        "the reserved field of SEQUENCE_NAME_HASH is 1",
        &two,
        &|b| {
            let (h, _) = section(b, kind::SEQUENCE_NAME_HASH);
            b[h + 8] = 1;
            reseal(b);
        },
    );
    let slots = |b: &[u8]| {
        let (h, _) = section(b, kind::SEQUENCE_NAME_HASH);
        let n = u64_at(b, h) as usize;
        (
            h,
            n,
            (0..n)
                .filter(|&s| u64_at(b, h + 24 + 16 * s) != u64::MAX)
                .collect::<Vec<_>>(),
        )
    };
    bad(
        "367_name_hash_value",
        f("NH3"),
        Validators,
        "§6.2",
        "one bit of an occupied slot's hash flipped",
        &two,
        &|b| {
            let (h, _, used) = slots(b);
            b[h + 16 + 16 * used[0]] ^= 1;
            reseal(b);
        },
    );
    bad(
        "368_name_hash_record_twice",
        f("NH4"),
        Validators,
        "§6.2",
        "an empty slot holds the record and hash of an occupied one",
        &two,
        &|b| {
            let (h, n, used) = slots(b);
            let empty = (0..n).find(|s| !used.contains(s)).expect("an empty slot");
            let from = h + 16 + 16 * used[0];
            let to = h + 16 + 16 * empty;
            let slot = b[from..from + 16].to_vec();
            b[to..to + 16].copy_from_slice(&slot);
            reseal(b);
        },
    );
    bad(
        "369_name_hash_placement",
        f("NH5"),
        Validators,
        "§6.2",
        "an occupied slot moved one slot on, leaving its home slot empty",
        &two,
        &|b| {
            let (h, n, used) = slots(b);
            let s = *used
                .iter()
                .find(|&&s| !used.contains(&((s + 1) % n)))
                .expect("a slot followed by an empty one");
            let (from, to) = (h + 16 + 16 * s, h + 16 + 16 * ((s + 1) % n));
            let slot = b[from..from + 16].to_vec();
            b[to..to + 16].copy_from_slice(&slot);
            put_u64(b, from, 0);
            put_u64(b, from + 8, u64::MAX);
            reseal(b);
        },
    );

    // Masks and exceptions (§6.3, §6.4, §6.6).
    bad(
        "370_mask_past_end",
        f("M1"),
        Validators,
        "§6.3, §6.5",
        "record 0's mask run ends at 15 in a sequence of 14",
        &two,
        &|b| {
            let (m, _) = section(b, kind::MASKS);
            put_u64(b, m + 8, 15);
            reseal(b);
        },
    );
    bad(
        "371_masks_adjacent",
        f("M2"),
        Validators,
        "§6.3, §6.5",
        "mask runs [5, 22) and [22, 33): adjacent runs are stored as one",
        &every,
        &|b| {
            let (m, _) = section(b, kind::MASKS);
            let next = u64_at(b, m + 16);
            put_u64(b, m + 8, next);
            reseal(b);
        },
    );
    bad(
        "372_mask_over_gap",
        f("M3"),
        Validators,
        "§6.3",
        "a mask run extended back over the '-' at position 21",
        &every,
        &|b| {
            let (m, _) = section(b, kind::MASKS);
            let s = u64_at(b, m + 16);
            put_u64(b, m + 16, s - 1);
            reseal(b);
        },
    );
    bad(
        "373_exception_empty",
        f("E1"),
        Validators,
        "§6.4, §6.5",
        "record 0's first exception run has length 0",
        &two,
        &|b| {
            let (x, _) = section(b, kind::EXCEPTIONS);
            put_u32(b, x + 8, 0);
            reseal(b);
        },
    );
    bad(
        "374_exceptions_unsorted",
        f("E2"),
        Validators,
        "§6.4, §6.5",
        "record 0's first two exception runs (R at 10, Y at 11) stored in the other order",
        &two,
        &|b| {
            let (x, _) = section(b, kind::EXCEPTIONS);
            let (a, c) = (b[x..x + 16].to_vec(), b[x + 16..x + 32].to_vec());
            b[x..x + 16].copy_from_slice(&c);
            b[x + 16..x + 32].copy_from_slice(&a);
            reseal(b);
        },
    );
    bad(
        "375_exceptions_not_merged",
        f("E5"),
        Validators,
        "§6.4",
        "exception runs R at 10 and R at 11 (was Y) left unmerged",
        &two,
        &|b| {
            let (x, _) = section(b, kind::EXCEPTIONS);
            b[x + 16 + 12] = b'R';
            reseal(b);
        },
    );
    bad(
        "376_exception_reserved",
        f("E6"),
        Validators,
        "§6.4, §10",
        "a reserved byte of an exception run is 1",
        &two,
        &|b| {
            let (x, _) = section(b, kind::EXCEPTIONS);
            b[x + 13] = 1;
            reseal(b);
        },
    );
    bad(
        "377_bitmap_padding",
        f("DF4"),
        Validators,
        "§6.6",
        "the last padding bit of the last mask bitmap is 1",
        &dense,
        &|b| {
            let (m, len) = section(b, kind::MASK_BITMAP);
            b[m + len - 1] |= 0x80;
            reseal(b);
        },
    );
    bad(
        "378_bitmap_over_gap",
        f("DF5"),
        Validators,
        "§6.6",
        "the mask bit of the '-' at position 23 of record 1 is 1",
        &dense,
        &|b| {
            let a = dense_array(b, kind::MASK_BITMAP, 1);
            b[a + 2] |= 0x80;
            reseal(b);
        },
    );

    // The sequence set and the directory (§2, §3).
    bad(
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
        "389_table_in_minor_0",
        f("D12"),
        Validators,
        "§3.1, §10",
        "013's table in a file of minor version 0",
        &table,
        &|b| minor(b, 0),
    );
    bad(
        "390_dense_in_minor_1",
        f("D13"),
        Validators,
        "§3.1, §6.6, §10",
        "030's dense sections in a file of minor version 1",
        &dense,
        &|b| minor(b, 1),
    );
    bad(
        "391_index_target_in_minor_2",
        f("D14"),
        Validators,
        "§3.1, §8.8, §10",
        "040's INDEX_TARGET in a file of minor version 2",
        &index,
        &|b| minor(b, 2),
    );
    bad(
        "392_matrix_in_minor_4",
        f("D15"),
        Validators,
        "§3.1, §8.9, §10",
        "070's matrices in a file of minor version 4",
        &matrix,
        &|b| minor(b, 4),
    );
    bad(
        "393_zstd_in_minor_3",
        f("Z2"),
        Validators,
        "§5.3, §10",
        "050's zstd blocks in a file of minor version 3",
        &import_zstd(&boundaries_fasta(), ByteOrder::Little),
        &|b| minor(b, 3),
    );

    // Reference escape (§9): each vector lies beside its reference.
    let mut escaped = |name: &'static str,
                       (class, label): (&'static str, &'static str),
                       who: Who,
                       description: &'static str,
                       f: &dyn Fn(&mut Vec<u8>, usize)| {
        let (mut bytes, reference) = reference_pair(name, ByteOrder::Little, false);
        let (off, _) = section(&bytes, kind::REFERENCES);
        f(&mut bytes, off);
        v.push(Vector {
            name,
            bytes,
            invalid: Some((class, label)),
            validator_only: matches!(who, Validators),
            spec: "§9",
            description,
            reference: Some(reference),
        });
    };
    escaped(
        "394_references_minor_5",
        f("D16"),
        Validators,
        "080's file with minor version 5: REFERENCES is defined in 1.6",
        &|b, _| minor(b, 5),
    );
    escaped(
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
        "398_code_6_outside_runs",
        f("RF5"),
        Validators,
        "code 6 at position 1 of t3, which no run covers",
        &|b, _| {
            // t1 (80) END t2 (60) END: t3 starts at stream position 142.
            set_code(b, 143, 6);
            reseal(b);
        },
    );
    escaped(
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
