//! Differential test of the reader against the validator: valid
//! conformance vectors are mutated (one byte changed inside the sections,
//! every checksum resealed, so the mutation itself is what is tested), and
//! a file the reference reader reads in full must not break a rule SPEC
//! §2.4 requires every reader to check. Those rules are the labels of the
//! invalid vectors readers must refuse (the manifest's vectors without
//! `validator_only`), so the list grows with the suite. The other way
//! round, a file the reader refuses must not pass the validator.

mod common;

use std::collections::BTreeSet;

use common::generate::{self, Vector};
use common::Rng;
use tribit::validate::Class;

/// Mutations tried; the run is bounded by this count, not by time.
const MUTATIONS: usize = 2000;

/// Rules of which a reader checks one half (the vector's) and validators
/// the other: a mutation can break the other half, which a reader does not
/// look at. [X1]: only stream_len ≥ sequence_count is checked at open
/// (§2.4 step 17), not the sum of the lengths. [R2]: END inside a sequence
/// is refused when decoding (§6.5), but the END after it is never read.
/// [R3], [R4]: on use a reader checks that the header line and the name
/// lie in bounds (§6.1), not that lines are back to back or that only
/// spaces precede the name. [R11]: flag bit 0 is checked on use; flag
/// bits 2–31 are reserved, which readers ignore (§13.1 rule 5). [CS3]: a
/// reader verifies the chunks it reads (§3.2), and reading a table in full
/// reads its rows, not the buckets and postings of its indexes. [DF2]: on
/// use a reader checks that a record's dense array lies in the section
/// (§6.6), not that the arrays are back to back up to the section's end.
const PARTLY_CHECKED: &[&str] = &["X1", "R2", "R3", "R4", "R11", "CS3", "DF2"];

fn little_endian(b: &[u8]) -> bool {
    b.len() >= 12 && b[8..12] == tribit::spec::SIGNATURE.to_le_bytes()
}

#[test]
fn a_file_the_reader_reads_breaks_no_rule_readers_check() {
    let vectors = generate::vectors();
    let required: BTreeSet<&str> = vectors
        .iter()
        .filter(|v| !v.validator_only)
        .filter_map(|v| v.invalid.map(|(_, label)| label))
        .filter(|l| !PARTLY_CHECKED.contains(l))
        .collect();
    let bases: Vec<&Vector> = vectors
        .iter()
        .filter(|v| v.invalid.is_none() && little_endian(&v.bytes))
        .collect();
    assert!(bases.len() > 10 && required.len() > 40);
    let mut rng = Rng(0x7472_6962_6974);
    let (mut read, mut refused) = (0, 0);
    let mut missed = Vec::new();
    for n in 0..MUTATIONS {
        let base = bases[rng.below(bases.len() as u64) as usize];
        let dir = u64::from_le_bytes(base.bytes[32..40].try_into().unwrap()) as usize;
        if dir <= 64 {
            continue;
        }
        let mut bytes = base.bytes.clone();
        let at = 64 + rng.below(dir as u64 - 64) as usize;
        // A flipped byte, or (fields are 8-byte aligned) a small number
        // written over a whole u64: counts, offsets and lengths.
        let word = at & !7;
        if rng.below(2) == 0 || word + 8 > dir {
            bytes[at] ^= 1 + rng.below(255) as u8;
        } else {
            let x = rng.below(600);
            bytes[word..word + 8].copy_from_slice(&x.to_le_bytes());
        }
        generate::reseal(&mut bytes);
        let mutant = Vector {
            name: base.name,
            bytes,
            invalid: None,
            validator_only: false,
            spec: base.spec,
            description: base.description,
            reference: base.reference.clone(),
        };
        let read_as = mutant.open().and_then(|r| tribit::convert::canonical::to_json(&r));
        let report = mutant.with_reference(|p| tribit::validate::validate_with_reference(&mutant.bytes, None, p));
        if let Err(e) = read_as {
            // The other direction: a file the reader refuses is not valid.
            if report.is_valid() {
                missed.push(format!(
                    "mutation {n}: {} byte {at}: refused ({e}) but valid",
                    base.name
                ));
            }
            refused += 1;
            continue;
        }
        read += 1;
        for p in &report.problems {
            if p.class != Class::Note && required.contains(p.label) {
                missed.push(format!("mutation {n}: {} byte {at}: {p}", base.name));
            }
        }
    }
    assert!(
        missed.is_empty(),
        "the reader and the validator disagree:\n{}",
        missed.join("\n")
    );
    // Both outcomes occur, so the test exercises both sides.
    assert!(read > 0 && refused > 0, "read {read}, refused {refused}");
}
