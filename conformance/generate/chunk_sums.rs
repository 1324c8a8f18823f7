//! Chunk checksum vectors 290–294 (SPEC §3.2): a damaged chunk every
//! reader refuses, and broken CHUNK_SUMS only validators must flag.

use super::*;

/// Adds the vectors 290–294 to `v`.
pub(super) fn vectors(v: &mut Vec<Vector>) {
    {
        // SPEC §3.2. 290: chunk 1 of the TABLE damaged, neither its
        // directory checksum nor its chunk checksum resealed: every reader
        // refuses it. 291-294 break a rule only validators must check: a
        // reader may not use the chunk checksums, or must not use unusable
        // ones, and then reads the table.
        let chunked = table_file_chunked(ByteOrder::Little, Some(6));
        let sums = section(&chunked, kind::CHUNK_SUMS).0;
        let mut damaged = chunked.clone();
        damaged[section(&chunked, kind::TABLE).0 + 70] ^= 0x10;
        let mut count = chunked.clone();
        count[sums + 24] += 1;
        reseal(&mut count);
        let mut target = chunked.clone();
        target[sums..sums + 8].copy_from_slice(&8u64.to_le_bytes());
        reseal(&mut target);
        let mut sum = chunked.clone();
        sum[sums + 32 + 8] ^= 1; // chunk 1's checksum
        reseal(&mut sum);
        let mut older = chunked.clone();
        older[14..16].copy_from_slice(&6u16.to_le_bytes());
        reseal_header(&mut older);
        for (name, bytes, invalid, validator_only, description) in [
            (
                "290_table_chunk_damaged",
                damaged,
                ("checksum", "CS3"),
                false,
                "090 with one bit of the TABLE's second 64-byte chunk flipped: the chunk's checksum and the section's both fail",
            ),
            (
                "291_chunk_sums_count",
                count,
                ("format", "CS1"),
                true,
                "090 with the first CHUNK_SUMS count one above the target's chunks: the sums are not used, the TABLE is verified whole",
            ),
            (
                "292_chunk_sums_target",
                target,
                ("format", "CS2"),
                true,
                "090 with the first CHUNK_SUMS naming byte 8 as its target, where no section starts",
            ),
            (
                "293_chunk_sum_wrong",
                sum,
                ("checksum", "CS3"),
                true,
                "090 with chunk 1's stored checksum changed (every section checksum resealed): a reader that uses the chunk sums refuses the table, one that verifies it whole reads it",
            ),
            (
                "294_chunk_sums_in_1_6",
                older,
                ("format", "D17"),
                true,
                "090 labelled minor version 6: CHUNK_SUMS is defined in 1.7",
            ),
        ] {
            v.push(Vector {
                name,
                bytes,
                invalid: Some(invalid),
                spec: "§3.2",
                description,
                reference: None,
                validator_only,
            });
        }
    }
}
