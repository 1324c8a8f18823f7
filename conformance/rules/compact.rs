//! Vectors 400–405: the compact HASH_INDEX layout (SPEC §8.4, version
//! 1.8), each the table of 095 with one planted defect in an index.

use super::*;

/// The parts of the `n`-th HASH_INDEX of a little-endian compact file:
/// (section offset, first entry, first posting word, entry_count).
fn compact_index(b: &[u8], n: usize) -> (usize, usize, usize, usize) {
    let off = u64_at(b, nth_entry(b, kind::HASH_INDEX, n) + 8) as usize;
    let keys = u32_at(b, off) as usize;
    let dir = off + 64 + (4 * keys).next_multiple_of(8);
    let entries = dir + (4 * ((1usize << u32_at(b, off + 4)) + 1)).next_multiple_of(8);
    let count = u64_at(b, off + 8) as usize;
    (off, entries, entries + 8 * count, count)
}

/// The entries of the index at `off` (from [`compact_index`]) whose ref
/// is inline (`list` false) or points at a posting list (`list` true).
fn refs(b: &[u8], (_, entries, _, count): (usize, usize, usize, usize), list: bool) -> Vec<usize> {
    (0..count)
        .map(|e| entries + 8 * e)
        .filter(|&at| (u32_at(b, at + 4) & 0x8000_0000 != 0) == list)
        .collect()
}

pub fn vectors(v: &mut Vec<Vector>) {
    let table = table_file_compact(ByteOrder::Little);
    bad(
        v,
        "400_compact_fingerprint_order",
        f("HI6"),
        Validators,
        "§8.4",
        "the compact index on GENE (one bucket) has its entries 0 and 1 swapped: fingerprints out of order",
        &table,
        &|b| {
            let (_, e, ..) = compact_index(b, 0);
            let first: Vec<u8> = b[e..e + 8].to_vec();
            b.copy_within(e + 8..e + 16, e);
            b[e + 8..e + 16].copy_from_slice(&first);
            reseal(b);
        },
    );
    bad(
        v,
        "401_compact_inline_row",
        f("HI8"),
        Validators,
        "§8.4",
        "entry 0 of the compact index on (GENE, ID) holds row 6 inline, in a table of 6 rows",
        &table,
        &|b| {
            let (_, e, ..) = compact_index(b, 1);
            put_u32(b, e + 4, 6);
            reseal(b);
        },
    );
    bad(
        v,
        "402_compact_posting_count",
        f("HI7"),
        Validators,
        "§8.4",
        "the posting list of TP53 in the compact index on GENE counts 4 words where 3 follow before word_count",
        &table,
        &|b| {
            let ix = compact_index(b, 0);
            let list = refs(b, ix, true)[0];
            let p = (u32_at(b, list + 4) & 0x7FFF_FFFF) as usize;
            put_u64(b, ix.2 + 8 * p, 4);
            reseal(b);
        },
    );
    bad(
        v,
        "403_compact_posting_overlap",
        f("HI7"),
        Validators,
        "§8.4",
        "an inline entry of the compact index on GENE points at TP53's posting list: two lists overlap",
        &table,
        &|b| {
            let ix = compact_index(b, 0);
            let list = refs(b, ix, true)[0];
            let inline = refs(b, ix, false)[0];
            let r = u32_at(b, list + 4);
            put_u32(b, inline + 4, r);
            reseal(b);
        },
    );
    bad(
        v,
        "404_index_layout_unknown",
        ("unsupported", "HI1"),
        Validators,
        "§2.4 T-d, §8.4",
        "the index on GENE names layout 2: readers set it aside and scan",
        &table,
        &|b| {
            let (h, ..) = compact_index(b, 0);
            b[h + 36] = 2;
            reseal(b);
        },
    );
    bad(
        v,
        "405_compact_index_in_minor_7",
        f("HI10"),
        Validators,
        "§8.4, §10",
        "095 in a file of minor version 7, where header byte 36 of a HASH_INDEX is reserved",
        &table,
        &|b| minor(b, 7),
    );
}
