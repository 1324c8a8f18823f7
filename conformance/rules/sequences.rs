//! Vectors of the sequence rules (SPEC §4–§6): the sequence index, blocks,
//! the summary, records, the name hash, masks and exceptions.

use super::*;

pub fn vectors(v: &mut Vec<Vector>) {
    let two = import(TWO, ByteOrder::Little, 512, false);
    let every = import(EVERY_CODE, ByteOrder::Little, 512, false);
    let boundaries = import(&boundaries_fasta(), ByteOrder::Little, 512, false);
    let dense = import(&dense_fasta(), ByteOrder::Little, 512, false);
    // Sequence index (§6), block index (§5.1), summary (§5.2).
    bad(
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
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
        v,
        "370_mask_past_end",
        f("M1"),
        Readers,
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
        v,
        "371_masks_adjacent",
        f("M2"),
        Readers,
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
        v,
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
        v,
        "373_exception_empty",
        f("E1"),
        Readers,
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
        v,
        "374_exceptions_unsorted",
        f("E2"),
        Readers,
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
        v,
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
        v,
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
        v,
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
        v,
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
}
