//! Seeded data shared by the benches (each bench includes this module).
#![allow(dead_code)]

/// splitmix64, so the bench data is the same on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A FASTA of `n` sequences of `len` bases: line width 60, runs of soft
/// masking (about half), N runs (about 5 %), rare IUPAC codes.
pub fn genome(n: usize, len: usize, seed: u64) -> Vec<u8> {
    let mut r = Rng(seed);
    let mut out = Vec::with_capacity(n * (len + len / 60 + 32));
    for i in 0..n {
        out.extend_from_slice(format!(">chr{} synthetic\n", i + 1).as_bytes());
        let mut seq = Vec::with_capacity(len);
        let mut lower = false;
        while seq.len() < len {
            let run = 50 + (r.next() % 3000) as usize;
            let kind = r.next() % 100;
            for _ in 0..run.min(len - seq.len()) {
                let mut b = if kind < 5 {
                    b'N'
                } else {
                    b"ACGT"[(r.next() & 3) as usize]
                };
                if r.next().is_multiple_of(2_000_000) {
                    b = b'R';
                }
                seq.push(if lower { b.to_ascii_lowercase() } else { b });
            }
            lower = !lower;
        }
        for line in seq.chunks(60) {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }
    out
}
