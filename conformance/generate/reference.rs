//! Reference-escape vectors (SPEC §9): the valid 080 and 081, written
//! against a reference stored beside them, and the invalid 280 (the wrong
//! reference) and 281 (a run outside its reference sequence).

use super::*;

/// Adds the vectors 080, 081, 280 and 281 to `v`.
pub(super) fn vectors(v: &mut Vec<Vector>) {
    for (name, order, description) in [
        (
            "080_reference_escape",
            ByteOrder::Little,
            "version 1.6: three sequences written against the reference 080_reference_escape.ref.tbit beside it: a forward run with one literal substitution, a reverse-complement run under a mask, and a sequence with no run",
        ),
        (
            "081_reference_escape_big_endian",
            ByteOrder::Big,
            "080 written big-endian: REFERENCES swapped, planes identical",
        ),
    ] {
        let (bytes, reference) = reference_pair(name, order, false);
        v.push(Vector {
            name,
            bytes,
            invalid: None,
            validator_only: false,
            spec: "§9",
            description,
            reference: Some(reference),
        });
    }
    {
        let (bytes, reference) = reference_pair("280_wrong_reference", ByteOrder::Little, true);
        v.push(Vector {
            name: "280_wrong_reference",
            bytes,
            invalid: Some(("mismatch", "RF6")),
            validator_only: false,
            spec: "§9",
            description: "080's file beside a reference whose r1 has the same name and length but one other base: its MD5 differs, and no base may be returned",
            reference: Some(reference),
        });
        let (mut bytes, _) = reference_pair("281_run_outside_reference", ByteOrder::Little, false);
        // The first run's ref_start moved past the end of its sequence.
        let (off, _) = section(&bytes, kind::REFERENCES);
        let n = u64_at(&bytes, off) as usize;
        let run = off + 64 + 48 * n;
        bytes[run + 16..run + 24].copy_from_slice(&1000u64.to_le_bytes());
        reseal(&mut bytes);
        let (_, reference) = reference_pair("281_run_outside_reference", ByteOrder::Little, false);
        v.push(Vector {
            name: "281_run_outside_reference",
            bytes,
            invalid: Some(("format", "RF3")),
            validator_only: false,
            spec: "§9",
            description:
                "080 with its first run mapped onto reference positions [1000, +80) of a sequence of 120 bases",
            reference: Some(reference),
        });
    }
}
