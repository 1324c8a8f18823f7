//! Finding the runs of a sequence that a reference already holds (SPEC §9,
//! §12 "Why seeds and extension"): sampled k-mer seeds, forward and
//! reverse complement, extended both ways along their diagonal with an
//! X-drop score that prices what each choice costs in the file (a
//! substitution kept as a literal inside a run, a new run, a literal
//! base), and runs of one diagonal merged across gaps that are cheaper to
//! copy than a new run.

use super::codes::ENCODE;
use super::escape::{set_digest, EscapeRun, ReferenceSequence, References};
use super::reader::Reader;
use crate::error::Result;

/// Seed length: 24 bases, 48 bits of a `u64`.
const K: usize = 24;
/// Extension scores, in bits of the zstd-compressed file, against leaving
/// the base literal: an escaped matching base saves its literal (zstd
/// stores literal bases in about 2 bits each); a mismatch inside a run
/// stays literal and breaks the code-6 stretch of all three planes, which
/// costs zstd about 25 bits on real genomes (S. aureus N315 against COL),
/// 12 more than leaving it in a literal stretch: the penalty, measured
/// best among 6-32 on that pair.
const MATCH: i64 = 2;
const MISMATCH: i64 = 12;
/// A run costs 32 bytes (256 bits) of REFERENCES: a gap between two runs
/// on one diagonal is bridged when its bases cost less than that.
const RUN_COST: i64 = 256;
/// Extension gives up this far below its best score (two runs' worth, so
/// a cluster of substitutions followed by a long match is crossed).
const X_DROP: i64 = 2 * RUN_COST;
/// The least score a run must reach to be kept: it pays for its 32 bytes
/// and for the breaks it makes in the literal stretch around it.
const MIN_VALUE: i64 = 3 * RUN_COST / 2;
/// At most this many sampled seeds (2^26: a 1 GiB table), so memory stays
/// bounded on large references: the sampling step grows instead.
const MAX_SEEDS: u64 = 1 << 26;
/// The smallest sampling step: every 8th reference position is a seed, so
/// every exact match of K + 7 bases or more is found (seeding every
/// position, or with 16-20-mers, found less than 0.2 % more on N315
/// against COL, at 2-3 times the import time).
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
    /// The least score a run must reach to be kept.
    min_score: i64,
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
            min_score: MIN_VALUE,
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

    /// Keeps runs whose score reaches `score` instead of the default
    /// (384: a run must pay for its 32 bytes). Scores count 2 per copied
    /// base and −12 per substitution inside the run; a low minimum keeps
    /// short copies that cost more than their bases as literals, as the
    /// small worked examples of SPEC §9 do.
    pub fn set_min_score(mut self, score: i64) -> Self {
        self.min_score = score;
        self
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
        let mut out: Vec<SeqRun> = Vec::new();
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
            let seq = self.sequence_of(r);
            let base = self.starts[seq];
            // The diagonal: forward, target q ↔ reference q + d; reverse,
            // target q ↔ reference d − q (complemented).
            let d = if reverse {
                (r + K as u64 - 1 - base) as i64 + s as i64
            } else {
                (r - base) as i64 - s as i64
            };
            let diag = Diagonal { seq, reverse, d };
            let (lo, hi, value) = self.extend(&t, s, K, &diag, floor);
            if value < self.min_score {
                continue;
            }
            let run = diag.run(lo, hi);
            match out.last_mut() {
                Some(last) if self.bridge(&t, last, &run) => {
                    last.length = run.end() - last.start;
                    last.ref_start = last.ref_start.min(run.ref_start);
                }
                _ => out.push(run),
            }
            floor = hi;
            i = hi.max(i);
            valid = 0;
        }
        out
    }

    /// The score of target position `q` against the base `diag` maps it
    /// onto, or None outside the reference sequence.
    fn score(&self, t: &[u8], diag: &Diagonal, q: usize) -> Option<i64> {
        let (len, q) = (self.refs.sequences[diag.seq].length as i64, q as i64);
        let p = if diag.reverse { diag.d - q } else { diag.d + q };
        if p < 0 || p >= len {
            return None;
        }
        let c = self.codes[(self.starts[diag.seq] as i64 + p) as usize];
        let c = if diag.reverse && c < 4 { c ^ 3 } else { c };
        Some(if c < 4 && c == t[q as usize] { MATCH } else { -MISMATCH })
    }

    /// Extends the seed of `k` bases at target `s` along `diag` both ways,
    /// X-drop: each way stops where the score falls [`X_DROP`] below its
    /// best and keeps the part up to the best. Returns the target range
    /// [lo, hi) and its score.
    fn extend(&self, t: &[u8], s: usize, k: usize, diag: &Diagonal, floor: usize) -> (usize, usize, i64) {
        let n = t.len();
        let (mut hi, mut best_hi, mut sc) = (s + k, 0i64, 0i64);
        let mut q = s + k;
        while q < n {
            let Some(v) = self.score(t, diag, q) else { break };
            sc += v;
            q += 1;
            if sc > best_hi {
                best_hi = sc;
                hi = q;
            } else if sc < best_hi - X_DROP {
                break;
            }
        }
        let (mut lo, mut best_lo, mut sc) = (s, 0i64, 0i64);
        let mut q = s;
        while q > floor {
            let Some(v) = self.score(t, diag, q - 1) else { break };
            sc += v;
            q -= 1;
            if sc > best_lo {
                best_lo = sc;
                lo = q;
            } else if sc < best_lo - X_DROP {
                break;
            }
        }
        (lo, hi, MATCH * k as i64 + best_hi + best_lo)
    }

    /// Whether `next` continues `last` on the same diagonal across a gap
    /// whose bases are worth copying (with their mismatches as literals)
    /// rather than paying for a new run.
    fn bridge(&self, t: &[u8], last: &SeqRun, next: &SeqRun) -> bool {
        if last.reference != next.reference || last.reverse != next.reverse {
            return false;
        }
        let same = if last.reverse {
            last.ref_pos(last.end() - 1) == next.ref_pos(next.start) + 1 + (next.start - last.end())
        } else {
            last.ref_pos(last.end() - 1) + 1 + (next.start - last.end()) == next.ref_pos(next.start)
        };
        if !same {
            return false;
        }
        let diag = Diagonal {
            seq: last.reference as usize,
            reverse: last.reverse,
            d: if last.reverse {
                (last.ref_start + last.length - 1 + last.start) as i64
            } else {
                last.ref_start as i64 - last.start as i64
            },
        };
        let gap: i64 = (last.end() as usize..next.start as usize)
            .map(|q| self.score(t, &diag, q).unwrap_or(-X_DROP))
            .sum();
        gap > -RUN_COST
    }
}

/// A diagonal of a target sequence against one reference sequence.
struct Diagonal {
    seq: usize,
    reverse: bool,
    d: i64,
}

impl Diagonal {
    /// The run of target range [lo, hi) on this diagonal.
    fn run(&self, lo: usize, hi: usize) -> SeqRun {
        let (lo_i, hi_i) = (lo as i64, hi as i64);
        SeqRun {
            start: lo as u64,
            length: (hi - lo) as u64,
            ref_start: if self.reverse {
                self.d - (hi_i - 1)
            } else {
                self.d + lo_i
            } as u64,
            reference: self.seq as u32,
            reverse: self.reverse,
        }
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

    /// A base other than `b`.
    fn other(b: u8, x: usize) -> u8 {
        let alt: Vec<u8> = b"ACGT".iter().copied().filter(|&c| c != b).collect();
        alt[x % 3]
    }

    #[test]
    fn substitutions_and_a_cluster_stay_in_one_run_but_a_diverged_stretch_is_left_literal() {
        let r = random(20_000, 23);
        let m = matcher(&r);
        let mut t = r[2000..12_000].to_vec();
        // A substitution every 50 bases, and a cluster of eight in a row.
        for q in (25..t.len()).step_by(50) {
            t[q] = other(t[q], q);
        }
        for (q, b) in t.iter_mut().enumerate().take(3008).skip(3000) {
            *b = other(*b, q);
        }
        // 400 bases where every third base differs: cheaper literal than
        // copied with its substitutions.
        for q in (6000..6400).step_by(3) {
            t[q] = other(t[q], q);
        }
        let runs = m.runs(&t);
        assert_eq!(runs.len(), 2, "{runs:?}");
        let (a, b) = (runs[0], runs[1]);
        assert_eq!((a.start, a.ref_start, a.reverse), (0, 2000, false), "{a:?}");
        assert!((5950..=6050).contains(&a.end()), "{a:?}");
        assert!((6350..=6450).contains(&b.start) && b.end() == 10_000, "{b:?}");
        assert_eq!(b.ref_pos(b.start), 2000 + b.start, "same diagonal: {b:?}");
        for q in [25u64, 3002, 9975] {
            let run = if q < 6000 { a } else { b };
            assert_ne!(m.code_for(&run, q), code_of(t[q as usize]), "{q} stays literal");
        }
    }

    #[test]
    fn unrelated_sequence_has_no_runs() {
        let m = matcher(&random(5000, 17));
        assert!(m.runs(&random(3000, 19)).is_empty());
    }
}
