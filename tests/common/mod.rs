//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Cursor;
use std::path::{Path, PathBuf};

use tribit::container::ByteOrder;
use tribit::convert::fasta;
use tribit::{Reader, WriterBuilder};

/// Path of a file in testdata/.
pub fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

/// The real FASTA files shipped in testdata/.
pub const REAL: &[&str] = &[
    "lambda_virus.fa",
    "pseudocat.fa",
    "pseudopig2.fa",
    "shorties.fa",
    "sample_101s.fa",
    "vibrio_cholerae_O1_chrII.fa",
];

/// Imports FASTA text in memory.
pub fn import(text: &[u8], order: ByteOrder, block_bases: u32) -> Reader {
    let mut w = WriterBuilder::default()
        .set_byte_order(order)
        .set_block_bases(block_bases)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    fasta::read_fasta(text, &mut w).unwrap();
    Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap()
}

/// Exports every sequence as FASTA text.
pub fn export(r: &Reader) -> Vec<u8> {
    let mut out = Vec::new();
    fasta::write_fasta(r, &mut out).unwrap();
    out
}

/// A naive FASTA reader for well-formed input: (name, sequence) pairs.
pub fn naive_records(text: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(h) = line.strip_prefix(b">") {
            let h = String::from_utf8_lossy(h);
            let name = h.split_whitespace().next().unwrap_or("").to_string();
            out.push((name, Vec::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.extend_from_slice(line);
        }
    }
    out
}

/// A small deterministic PRNG (splitmix64) for tests.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[path = "../../conformance/generate.rs"]
pub mod generate;

#[allow(unused_imports)]
pub use generate::{reseal, section};

#[allow(unused_imports)]
pub use run::{ok as tribit_ok, s, tribit};

/// The sorted file names in `dir`.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
pub mod run;
