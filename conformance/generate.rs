//! The conformance vector generator, shared by `examples/gen_conformance.rs`
//! (which writes conformance/) and `tests/conformance.rs` (which checks that
//! the committed vectors are exactly what this code makes).
//!
//! Valid vectors are written by the reference writer; each invalid vector is
//! a valid file with one planted defect, its checksums recomputed unless the
//! defect is a checksum. Numbers follow dependency order: 0xx valid, 1xx
//! container defects, 2xx sequence defects, 3xx (rules/) one vector per
//! labelled rule the others leave unshown.
//!
//! The generator's parts, under generate/: `fixtures` (the inputs and the
//! valid files the reference writer makes of them), `patch` (reading and
//! editing a file's bytes, resealing checksums), one module per family of
//! vectors in manifest order (`valid`, `reference`, `chunk_sums`,
//! `container_defects`, `sequence_defects`, `feature_defects`, then
//! rules/), and `expected` (the manifest and the expected answers).
#![allow(dead_code)]

use std::io::Cursor;

use tribit::container::{ByteOrder, ContainerWriter};
use tribit::convert::fasta;
use tribit::spec::kind;
use tribit::WriterBuilder;

#[path = "rules/mod.rs"]
mod rules;

#[path = "generate/chunk_sums.rs"]
mod chunk_sums;
#[path = "generate/container_defects.rs"]
mod container_defects;
#[path = "generate/expected.rs"]
mod expected;
#[path = "generate/feature_defects.rs"]
mod feature_defects;
#[path = "generate/fixtures.rs"]
mod fixtures;
#[path = "generate/patch.rs"]
mod patch;
#[path = "generate/reference.rs"]
mod reference;
#[path = "generate/sequence_defects.rs"]
mod sequence_defects;
#[path = "generate/valid.rs"]
mod valid;

// Used by the generator and tests/conformance.rs, not by every test crate
// that includes this file.
#[allow(unused_imports)]
pub use expected::{files, manifest};
pub use fixtures::*;
pub use patch::*;

/// One vector: its file name stem, bytes and manifest fields.
pub struct Vector {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    /// None for a valid vector; Some((class, label)) for an invalid one.
    pub invalid: Option<(&'static str, &'static str)>,
    /// An invalid vector whose rule only validators must check (SPEC
    /// §13.1, §13.3): a reader may read it.
    pub validator_only: bool,
    pub spec: &'static str,
    pub description: &'static str,
    /// The reference file a reference-escaped vector (SPEC §9) was written
    /// against, stored beside it as `NAME.ref.tbit`, the path it records.
    pub reference: Option<Vec<u8>>,
}

impl Vector {
    /// Runs `f` with the path of this vector's reference written to a
    /// temporary folder (None when it has none).
    pub fn with_reference<T>(&self, f: impl FnOnce(Option<&std::path::Path>) -> T) -> T {
        match &self.reference {
            None => f(None),
            Some(bytes) => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let p = dir.path().join(format!("{}.ref.tbit", self.name));
                std::fs::write(&p, bytes).expect("write the reference");
                f(Some(&p))
            }
        }
    }

    /// Opens the vector as the reference reader does, with its reference.
    pub fn open(&self) -> tribit::Result<tribit::Reader> {
        self.with_reference(|p| match p {
            Some(p) => tribit::Reader::from_bytes_with_reference(self.bytes.clone(), p),
            None => tribit::Reader::from_bytes(self.bytes.clone()),
        })
    }
}

/// Every vector, in manifest order.
pub fn vectors() -> Vec<Vector> {
    let mut v = Vec::new();
    valid::vectors(&mut v);
    reference::vectors(&mut v);
    chunk_sums::vectors(&mut v);
    container_defects::vectors(&mut v);
    sequence_defects::vectors(&mut v);
    feature_defects::vectors(&mut v);
    rules::vectors(&mut v);
    v
}

/// Adds invalid vectors to `v`: the closure takes the name, class, label,
/// SPEC section, description and bytes of one.
fn invalid(
    v: &mut Vec<Vector>,
) -> impl FnMut(&'static str, &'static str, &'static str, &'static str, &'static str, Vec<u8>) + '_ {
    move |name, class, label, spec, description, bytes| {
        v.push(Vector {
            name,
            bytes,
            invalid: Some((class, label)),
            validator_only: false,
            spec,
            description,
            reference: None,
        });
    }
}
