//! Defects in the sections later minor versions added: zstd blocks
//! 250–252 (SPEC §5.3), dense forms 230–234 (§6.6), index files 240 and
//! 241 (§8.8) and matrices 270–272 (§8.9), in manifest order.

use super::*;

/// Adds the vectors 230–272 to `v`.
pub(super) fn vectors(v: &mut Vec<Vector>) {
    let index_file = index_file(&table_file(ByteOrder::Little));
    let mut bad = invalid(v);
    let zstd = import_zstd(&boundaries_fasta(), ByteOrder::Little);
    bad(
        "250_zstd_content_short",
        "format",
        "Z1",
        "§5.3",
        "block 1 is a zstd frame of 191 bytes, one short of its raw block; checksums match",
        restore_zstd(&zstd, |k, raw| {
            let n = if k == 1 { raw.len() - 1 } else { raw.len() };
            zstd::bulk::compress(&raw[..n], 3).expect("compress")
        }),
    );
    bad(
        "251_zstd_two_frames",
        "format",
        "Z1",
        "§5.3",
        "block 1 is two zstd frames that together hold its raw block; checksums match",
        restore_zstd(&zstd, |k, raw| {
            let mut f = zstd::bulk::compress(&raw[..if k == 1 { 96 } else { raw.len() }], 3).expect("compress");
            if k == 1 {
                f.extend(zstd::bulk::compress(&raw[96..], 3).expect("compress"));
            }
            f
        }),
    );
    bad(
        "252_zstd_not_a_frame",
        "format",
        "Z1",
        "§5.3",
        "the first byte of block 0's frame (the zstd magic) is changed; checksums match",
        edit(&zstd, &|b| {
            let (bi, _) = section(b, kind::BLOCK_INDEX);
            let (bl, _) = section(b, kind::BLOCKS);
            let at = bl + u64_at(b, bi) as usize;
            b[at] ^= 0xFF;
            reseal(b);
        }),
    );
    let dense = import(&dense_fasta(), ByteOrder::Little, 512, false);
    bad(
        "230_dense_offset_outside",
        "format",
        "DF2",
        "§6.6",
        "the bitmap offset of record 1 points past the end of MASK_BITMAP",
        edit(&dense, &|b| {
            let (off, len) = section(b, kind::MASK_BITMAP);
            b[off + 8..off + 16].copy_from_slice(&(len as u64).to_le_bytes());
            reseal(b);
        }),
    );
    bad(
        "231_dense_and_runs",
        "format",
        "DF3",
        "§6.6",
        "record 1 has a mask bitmap and also claims the mask run of record 0",
        edit(&dense, &|b| {
            let (idx, _) = section(b, kind::SEQUENCE_INDEX);
            let rec = idx + 64 + 128;
            b[rec + 40..rec + 48].copy_from_slice(&0u64.to_le_bytes());
            b[rec + 48..rec + 56].copy_from_slice(&1u64.to_le_bytes());
            reseal(b);
        }),
    );
    bad(
        "232_nibble_above_12",
        "format",
        "DF6",
        "§6.5, §6.6",
        "the nibble of a code-7 position is 13",
        edit(&dense, &|b| {
            let a = dense_array(b, kind::EXCEPTION_NIBBLES, 1);
            b[a] = (b[a] & 0x0F) | 0xD0;
            reseal(b);
        }),
    );
    bad(
        "233_nibble_without_code_7",
        "format",
        "DF6",
        "§6.5, §6.6",
        "a nibble of 1 (R) at a position whose code is 0 (A)",
        edit(&dense, &|b| {
            let a = dense_array(b, kind::EXCEPTION_NIBBLES, 1);
            b[a] = (b[a] & 0xF0) | 0x01;
            reseal(b);
        }),
    );
    bad(
        "234_code_7_nibble_0",
        "format",
        "DF6",
        "§6.5, §6.6",
        "a code-7 position whose nibble is 0",
        edit(&dense, &|b| {
            let a = dense_array(b, kind::EXCEPTION_NIBBLES, 1);
            b[a] &= 0x0F;
            reseal(b);
        }),
    );
    bad(
        "240_index_target_length",
        "format",
        "IT1",
        "§8.8",
        "the INDEX_TARGET's name_len is one byte longer than the section holds",
        edit(&index_file, &|b| {
            let (off, _) = section(b, kind::INDEX_TARGET);
            b[off + 28] += 1;
            reseal(b);
        }),
    );
    let matrix = matrix_file(ByteOrder::Little);
    bad(
        "270_matrix_tile_checksum",
        "checksum",
        "MX7",
        "§8.9",
        "one cell of the first matrix's tile 0 changed; the section checksums resealed, the tile checksum not",
        edit(&matrix, &|b| {
            let (off, _) = section(b, kind::MATRIX_TILES);
            b[off] ^= 0x40;
            reseal(b);
        }),
    );
    bad(
        "241_index_without_target",
        "format",
        "T2",
        "§8, §8.8",
        "a HASH_INDEX moved to a group with neither a TABLE nor an INDEX_TARGET",
        edit(&index_file, &|b| {
            let e = entry(b, kind::HASH_INDEX);
            b[e + 32..e + 36].copy_from_slice(&7u32.to_le_bytes());
            reseal(b);
        }),
    );
    bad(
        "271_matrix_tile_count",
        "format",
        "MX2",
        "§8.9",
        "tile_rows 3 where the tiles were written with 2: tile_count no longer matches",
        edit(&matrix, &|b| {
            let (off, _) = section(b, kind::MATRIX);
            b[off + 16..off + 20].copy_from_slice(&3u32.to_le_bytes());
            reseal(b);
        }),
    );
    bad(
        "272_matrix_names_table_missing",
        "format",
        "MX6",
        "§8.9",
        "the row names table renamed from 'expr:rows' to 'expr:rowz': the matrix names a table the file lacks",
        edit(&matrix, &|b| {
            let (t, len) = section(b, kind::TABLE);
            let at = (t..t + len - 8)
                .find(|&i| &b[i..i + 9] == b"expr:rows")
                .expect("table name");
            b[at + 8] = b'z';
            reseal(b);
        }),
    );
}
