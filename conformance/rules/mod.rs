//! Invalid vectors 300–399 (and 116): one per labelled rule of SPEC.md
//! that the vectors 1xx and 2xx leave unshown, in three files: tables
//! (§8), sequences (§4–§6), and the container (§2–§3) with references
//! (§9); then 400–405, the compact hash index (§8.4, 1.8). Each is a
//! valid file from the reference writer with one planted defect, resealed
//! so that the defect is the only thing wrong with its checksums.
//!
//! A vector marked *validator only* breaks a rule SPEC §13.1 lets a reader
//! leave unchecked (reserved bytes, digests, run order, hints, the
//! invariants of an index a reader may set aside): a reader may read it,
//! and what it returns is unspecified; a validator (§13.3) must report the
//! label. The others break a check of SPEC §2.4 that every reader makes,
//! so every reader refuses them with the class given.

use super::*;

mod compact;
mod container;
mod sequences;
mod tables;

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

/// A `format` failure of rule `label`.
fn f(label: &'static str) -> (&'static str, &'static str) {
    ("format", label)
}

/// Appends invalid vector `name`: `base` changed by `edit`.
#[allow(clippy::too_many_arguments)]
fn bad(
    v: &mut Vec<Vector>,
    name: &'static str,
    (class, label): (&'static str, &'static str),
    who: Who,
    spec: &'static str,
    description: &'static str,
    base: &[u8],
    edit: &dyn Fn(&mut Vec<u8>),
) {
    let mut bytes = base.to_vec();
    edit(&mut bytes);
    v.push(Vector {
        name,
        bytes,
        invalid: Some((class, label)),
        validator_only: matches!(who, Validators),
        spec,
        description,
        reference: None,
    });
}

/// Appends invalid vector `name`: 080's reference-escaped file (SPEC §9),
/// written to lie beside its reference, changed by `edit` (which is given
/// the offset of REFERENCES).
fn escaped(
    v: &mut Vec<Vector>,
    name: &'static str,
    (class, label): (&'static str, &'static str),
    who: Who,
    description: &'static str,
    edit: &dyn Fn(&mut Vec<u8>, usize),
) {
    let (mut bytes, reference) = reference_pair(name, ByteOrder::Little, false);
    let (off, _) = section(&bytes, kind::REFERENCES);
    edit(&mut bytes, off);
    v.push(Vector {
        name,
        bytes,
        invalid: Some((class, label)),
        validator_only: matches!(who, Validators),
        spec: "§9",
        description,
        reference: Some(reference),
    });
}

/// Appends the vectors 300–399, 116 and 400–405 to `v`.
pub fn vectors(v: &mut Vec<Vector>) {
    tables::vectors(v);
    sequences::vectors(v);
    container::vectors(v);
    compact::vectors(v);
}
