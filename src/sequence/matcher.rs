//! Finding the runs of a sequence that a reference already holds (SPEC §9,
//! §12 "Why seeds and extension"): sampled k-mer seeds, forward and
//! reverse complement, extended both ways through SNPs.

use super::codes::ENCODE;
use super::escape::{set_digest, EscapeRun, ReferenceSequence, References};
use super::reader::Reader;
use crate::error::Result;

/// Seed length: 24 bases, 48 bits of a `u64`.
const K: usize = 24;
/// Bases past a mismatch that extension looks at before it decides the
/// mismatch is a substitution (and goes on) or the end of the match.
const LOOK: usize = 16;
/// Matching bases among those `LOOK` that make a mismatch a substitution.
const NEED: usize = 12;
/// Runs shorter than this stay literal: a run costs 32 bytes of
/// REFERENCES, about what 100 literal bases cost in raw planes.
pub const MIN_RUN: u64 = 32;
/// At most this many sampled seeds (2^26: a 1 GiB table), so memory stays
/// bounded on large references: the sampling step grows instead.
const MAX_SEEDS: u64 = 1 << 26;
/// The smallest sampling step: every 8th reference position is a seed, so
/// every exact match of K + 7 bases or more is found.
const MIN_STEP: u64 = 8;
/// Code of a position that matches nothing (N, exceptions, boundaries).
const NONE: u8 = 4;

/// A reference prepared for matching: its bases as codes and a hash table
/// of sampled k-mers.
pub struct Matcher {
    /// Codes 0–3 of every reference sequence, back to back, each followed
    /// by one [`NONE`]; any other letter is [`NONE`].
    codes: Vec<u8>,
    /// Start of each sequence in `codes`.
    starts: Vec<u64>,
    /// Open-addressing table of (k-mer | occupied bit, position).
    table: Vec<(u64, u64)>,
    shift: u32,
    refs: References,
}

/// A run of one sequence's positions mapped onto the reference
/// (sequence-relative [`EscapeRun`]).
pub type SeqRun = EscapeRun;

const OCCUPIED: u64 = 1 << 63;

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("path", &String::from_utf8_lossy(&self.refs.path))
            .field("sequences", &self.refs.sequences.len())
            .field("seeds", &self.table.len())
            .finish()
    }
}

fn code_of(letter: u8) -> u8 {
    let c = ENCODE[letter as usize] & 0x97;
    if c < 4 {
        c
    } else {
        NONE
    }
}

impl Matcher {
    /// Reads every sequence of `reference` (opened at `path`, which is
    /// recorded in the files written against it).
    pub fn build(reference: &Reader, path: &[u8]) -> Result<Matcher> {
        let mut codes = Vec::new();
        let mut starts = Vec::new();
        let mut sequences = Vec::new();
        let mut buf = Vec::new();
        for s in reference.sequences() {
            let s = s?;
            buf.clear();
            reference.fetch_from(&s, 0, s.len(), &mut buf)?;
            starts.push(codes.len() as u64);
            codes.extend(buf.iter().map(|&l| code_of(l)));
            codes.push(NONE);
            sequences.push(ReferenceSequence {
                name: s.name.to_vec(),
                length: s.len(),
                md5: s.record.md5,
            });
        }
        let n = codes.len() as u64;
        let step = MIN_STEP.max(n.div_ceil(MAX_SEEDS));
        let slots = (2 * n.div_ceil(step)).next_power_of_two().max(16);
        let mut m = Matcher {
            table: vec![(0, 0); slots as usize],
            shift: 64 - slots.trailing_zeros(),
            starts,
            refs: References {
                path: path.to_vec(),
                set_digest: set_digest(reference)?,
                sequences,
                runs: Vec::new(),
            },
            codes,
        };
        let (mut kmer, mut valid) = (0u64, 0usize);
        let mask = (1u64 << (2 * K)) - 1;
        for p in 0..m.codes.len() {
            let c = m.codes[p];
            if c == NONE {
                valid = 0;
                continue;
            }
            kmer = ((kmer << 2) | c as u64) & mask;
            valid += 1;
            let s = (p + 1 - K.min(p + 1)) as u64;
            if valid >= K && s.is_multiple_of(step) {
                m.insert(kmer, s);
            }
        }
        Ok(m)
    }

    /// The reference set without runs: what a file written against this
    /// reference records (SPEC §9).
    pub fn references(&self) -> &References {
        &self.refs
    }

    fn slot(&self, kmer: u64) -> usize {
        (kmer.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Keeps the first position of each k-mer.
    fn insert(&mut self, kmer: u64, pos: u64) {
        let mask = self.table.len() - 1;
        let mut s = self.slot(kmer);
        loop {
            let (k, _) = self.table[s];
            if k == 0 {
                self.table[s] = (kmer | OCCUPIED, pos);
                return;
            }
            if k == kmer | OCCUPIED {
                return;
            }
            s = (s + 1) & mask;
        }
    }

    fn lookup(&self, kmer: u64) -> Option<u64> {
        let mask = self.table.len() - 1;
        let mut s = self.slot(kmer);
        loop {
            let (k, p) = self.table[s];
            if k == 0 {
                return None;
            }
            if k == kmer | OCCUPIED {
                return Some(p);
            }
            s = (s + 1) & mask;
        }
    }

    /// The reference sequence holding global position `p`.
    fn sequence_of(&self, p: u64) -> usize {
        self.starts.partition_point(|&s| s <= p) - 1
    }

    /// The code a position of `run` (sequence-relative or stream, as the
    /// run is) stands for: the reference base, complemented on the reverse
    /// strand.
    pub fn code_for(&self, run: &EscapeRun, q: u64) -> u8 {
        let c = self.codes[(self.starts[run.reference as usize] + run.ref_pos(q)) as usize];
        if run.reverse && c < 4 {
            c ^ 3
        } else {
            c
        }
    }

    /// The runs of `letters` (one sequence, any case) that the reference
    /// holds, sequence-relative and sorted. Each run's positions whose
    /// code (A, C, G, T in either case) equals [`Matcher::code_for`] are
    /// the ones to escape; the others stay literal.
    pub fn runs(&self, letters: &[u8]) -> Vec<SeqRun> {
        let t: Vec<u8> = letters.iter().map(|&l| code_of(l)).collect();
        let n = t.len();
        let mut out = Vec::new();
        let mask = (1u64 << (2 * K)) - 1;
        let (mut fwd, mut rev, mut valid) = (0u64, 0u64, 0usize);
        let mut floor = 0usize;
        let mut i = 0usize;
        while i < n {
            let c = t[i];
            i += 1;
            if c == NONE {
                valid = 0;
                continue;
            }
            fwd = ((fwd << 2) | c as u64) & mask;
            rev = (rev >> 2) | (((3 - c) as u64) << (2 * (K - 1)));
            valid += 1;
            if valid < K {
                continue;
            }
            let s = i - K;
            let hit = self
                .lookup(fwd)
                .map(|r| (r, false))
                .or_else(|| self.lookup(rev).map(|r| (r, true)));
            let Some((r, reverse)) = hit else {
                continue;
            };
            let (lo, hi) = self.extend(&t, s, r, reverse, floor);
            let seq = self.sequence_of(r);
            let base = self.starts[seq];
            // Forward: target q ↔ reference r + (q − s); reverse: target
            // q ↔ reference r + K − 1 − (q − s), complemented.
            let ref_lo = if reverse {
                r + (K - 1) as u64 + s as u64 - (hi - 1) as u64
            } else {
                r + lo as u64 - s as u64
            };
            if (hi - lo) as u64 >= MIN_RUN {
                out.push(EscapeRun {
                    start: lo as u64,
                    length: (hi - lo) as u64,
                    ref_start: ref_lo - base,
                    reference: seq as u32,
                    reverse,
                });
            }
            floor = hi;
            i = hi.max(i);
            valid = 0;
        }
        out
    }

    /// Extends the seed at target `s` / reference `r` both ways; returns
    /// the target range [lo, hi) from the first to the last matching base.
    fn extend(&self, t: &[u8], s: usize, r: u64, reverse: bool, floor: usize) -> (usize, usize) {
        let seq = self.sequence_of(r);
        let (rs, re) = (
            self.starts[seq] as i64,
            self.starts[seq] as i64 + self.refs.sequences[seq].length as i64,
        );
        let (s_i, r_i, k) = (s as i64, r as i64, K as i64);
        let ref_at = |q: usize| -> Option<u8> {
            let q = q as i64;
            let p = if reverse {
                r_i + k - 1 - (q - s_i)
            } else {
                r_i + (q - s_i)
            };
            if p < rs || p >= re {
                return None;
            }
            let c = self.codes[p as usize];
            Some(if reverse && c < 4 { c ^ 3 } else { c })
        };
        let hit = |q: usize| ref_at(q).is_some_and(|c| c < 4 && c == t[q]);
        let n = t.len();
        let mut hi = s + K;
        let mut q = hi;
        while q < n && ref_at(q).is_some() {
            if hit(q) {
                q += 1;
                hi = q;
                continue;
            }
            let ahead = (q + 1..(q + 1 + LOOK).min(n)).filter(|&j| hit(j)).count();
            if ahead < NEED {
                break;
            }
            q += 1;
        }
        let mut lo = s;
        let mut q = s;
        while q > floor && ref_at(q - 1).is_some() {
            let p = q - 1;
            if hit(p) {
                q = p;
                lo = p;
                continue;
            }
            let ahead = (p.saturating_sub(LOOK).max(floor)..p).filter(|&j| hit(j)).count();
            if ahead < NEED {
                break;
            }
            q = p;
        }
        (lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(reference: &[u8]) -> Matcher {
        let mut w = crate::sequence::WriterBuilder::default()
            .build(std::io::Cursor::new(Vec::new()))
            .unwrap();
        w.add_sequence(b"ref", reference, 60).unwrap();
        let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
        Matcher::build(&r, b"ref.tbit").unwrap()
    }

    fn random(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b"ACGT"[(x % 4) as usize]
            })
            .collect()
    }

    fn revcomp(s: &[u8]) -> Vec<u8> {
        s.iter()
            .rev()
            .map(|&b| match b {
                b'A' => b'T',
                b'C' => b'G',
                b'G' => b'C',
                _ => b'A',
            })
            .collect()
    }

    #[test]
    fn finds_a_shifted_copy_through_a_substitution() {
        let r = random(5000, 7);
        let m = matcher(&r);
        let mut t = random(300, 9);
        let mut copy = r[1000..3000].to_vec();
        copy[500] = if copy[500] == b'A' { b'C' } else { b'A' };
        t.extend_from_slice(&copy);
        let runs = m.runs(&t);
        assert_eq!(runs.len(), 1, "{runs:?}");
        let run = runs[0];
        // Random bases before the copy may match the reference by chance.
        assert!(run.start <= 300 && run.end() == 2300 && !run.reverse, "{run:?}");
        assert_eq!(run.ref_pos(300), 1000);
        assert_ne!(m.code_for(&run, 800), code_of(t[800]), "the substitution stays literal");
        assert_eq!(m.code_for(&run, 801), code_of(t[801]));
    }

    #[test]
    fn finds_a_reverse_complement_copy() {
        let r = random(5000, 11);
        let m = matcher(&r);
        let t = revcomp(&r[2000..2600]);
        let runs = m.runs(&t);
        assert_eq!(runs.len(), 1, "{runs:?}");
        let run = runs[0];
        assert_eq!(
            (run.start, run.length, run.ref_start, run.reverse),
            (0, 600, 2000, true)
        );
        for q in 0..600 {
            assert_eq!(m.code_for(&run, q), code_of(t[q as usize]), "position {q}");
        }
    }

    #[test]
    fn an_insertion_splits_the_match() {
        let r = random(5000, 13);
        let m = matcher(&r);
        let mut t = r[0..1000].to_vec();
        t.extend_from_slice(&random(40, 99));
        t.extend_from_slice(&r[1000..2000]);
        let runs = m.runs(&t);
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!((runs[0].start, runs[0].ref_start), (0, 0));
        assert_eq!(runs[1].ref_start + (1040 - runs[1].start), 1000);
    }

    #[test]
    fn unrelated_sequence_has_no_runs() {
        let m = matcher(&random(5000, 17));
        assert!(m.runs(&random(3000, 19)).is_empty());
    }
}
