//! The k-mers a scan looks for (SPEC §14): [`Query`], checked from its
//! letters (`A C G T` and the IUPAC codes) into codes and base sets, and
//! [`Patterns`], the distinct code strings of a scan and which query strand
//! each stands for.

use std::collections::HashMap;
use std::fmt;

use super::results::{KmerCount, StrandCounts};
use super::MAX_K;
use crate::error::{Error, Result};

/// The bases a pattern letter stands for, as a mask (bit c for code c:
/// A 1, C 2, G 4, T 8): `A C G T` and the IUPAC codes (SPEC §14).
fn letter_set(ch: char) -> Option<u8> {
    Some(match ch.to_ascii_uppercase() {
        'A' => 0b0001,
        'C' => 0b0010,
        'G' => 0b0100,
        'T' => 0b1000,
        'M' => 0b0011,
        'R' => 0b0101,
        'W' => 0b1001,
        'S' => 0b0110,
        'Y' => 0b1010,
        'K' => 0b1100,
        'V' => 0b0111,
        'H' => 0b1011,
        'D' => 0b1101,
        'B' => 0b1110,
        'N' => 0b1111,
        _ => return None,
    })
}

/// The letter of a base set (the inverse of `letter_set`).
fn set_letter(set: u8) -> char {
    b"?ACMGRSVTWYHKDBN"[set as usize & 15] as char
}

/// The set of the complements: A↔T, C↔G (code XOR 3) reverses the mask's
/// four bits.
fn complement_set(set: u8) -> u8 {
    ((set & 1) << 3) | ((set & 2) << 1) | ((set & 4) >> 1) | ((set & 8) >> 3)
}

/// A k-mer to look for: 1 to [`MAX_K`] letters `A C G T`, or IUPAC codes
/// that stand for several bases (`R Y S W K M B D H V N`), either case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Query {
    text: String,
    codes: Vec<u8>,
    sets: Vec<u8>,
}

impl Query {
    /// Checks and stores a k-mer. Letters other than `A C G T` and the
    /// IUPAC codes (in either case) are an [`ErrorKind::Input`](crate::error::ErrorKind::Input) error
    /// naming the letter.
    ///
    /// ```
    /// use tribit::kmer::Query;
    /// assert_eq!(Query::new("acgT").unwrap().as_str(), "ACGT");
    /// assert!(Query::new("TATAWAW").unwrap().is_degenerate());
    /// assert!(Query::new("ACUT").is_err());
    /// ```
    pub fn new(kmer: &str) -> Result<Query> {
        if kmer.is_empty() {
            return Err(Error::input("empty k-mer: give 1 or more letters A, C, G, T"));
        }
        let mut sets = Vec::with_capacity(kmer.len());
        for (i, ch) in kmer.chars().enumerate() {
            match letter_set(ch) {
                Some(s) => sets.push(s),
                None => {
                    return Err(Error::input(format!(
                        "k-mer '{kmer}': letter {:?} at position {} is not A, C, G, T or an IUPAC code \
                         (R Y S W K M B D H V N)",
                        ch,
                        i + 1
                    )))
                }
            }
        }
        if sets.len() > MAX_K {
            return Err(Error::input(format!(
                "k-mer of length {} is longer than the maximum {MAX_K}",
                sets.len()
            )));
        }
        Ok(Query::from_sets(sets))
    }

    fn from_sets(sets: Vec<u8>) -> Query {
        Query {
            text: sets.iter().map(|&s| set_letter(s)).collect(),
            codes: sets.iter().map(|&s| s.trailing_zeros() as u8).collect(),
            sets,
        }
    }

    /// The k-mer in uppercase.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Its length k.
    pub fn k(&self) -> usize {
        self.sets.len()
    }

    /// Its codes (SPEC §4: A 0, C 1, G 2, T 3); at a degenerate position,
    /// the lowest code the letter stands for.
    pub fn codes(&self) -> &[u8] {
        &self.codes
    }

    /// The bases each position stands for, as masks (bit c for code c).
    pub fn sets(&self) -> &[u8] {
        &self.sets
    }

    /// Whether a letter stands for more than one base.
    pub fn is_degenerate(&self) -> bool {
        self.sets.iter().any(|s| s.count_ones() > 1)
    }

    /// The reverse complement.
    ///
    /// ```
    /// use tribit::kmer::Query;
    /// assert_eq!(Query::new("AACG").unwrap().reverse_complement().as_str(), "CGTT");
    /// assert_eq!(Query::new("GRN").unwrap().reverse_complement().as_str(), "NYC");
    /// ```
    pub fn reverse_complement(&self) -> Query {
        // SPEC §4: the complement of an A, C, G or T code is code XOR 3.
        Query::from_sets(self.sets.iter().rev().map(|&s| complement_set(s)).collect())
    }

    /// Whether the k-mer equals its reverse complement (then both strands
    /// count it once per position).
    pub fn is_palindrome(&self) -> bool {
        self.sets
            .iter()
            .zip(self.sets.iter().rev())
            .all(|(&a, &b)| a == complement_set(b))
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The distinct code strings to scan for, and which query strand each is.
pub(crate) struct Patterns {
    /// Distinct patterns (codes; see [`Query::codes`]).
    pub codes: Vec<Vec<u8>>,
    /// Their base sets (see [`Query::sets`]), which tell them apart.
    pub sets: Vec<Vec<u8>>,
    /// Per query: its forward pattern and, with both strands (not a
    /// palindrome), its reverse-complement pattern.
    pub of_query: Vec<(usize, Option<usize>)>,
}

impl Patterns {
    pub fn new(queries: &[Query], both_strands: bool) -> Patterns {
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let (mut codes, mut sets): (Vec<Vec<u8>>, Vec<Vec<u8>>) = (Vec::new(), Vec::new());
        let mut add = |q: Query| {
            *index.entry(q.sets.clone()).or_insert_with(|| {
                codes.push(q.codes);
                sets.push(q.sets);
                codes.len() - 1
            })
        };
        let mut of_query = Vec::with_capacity(queries.len());
        for q in queries {
            let f = add(q.clone());
            let r = (both_strands && !q.is_palindrome()).then(|| add(q.reverse_complement()));
            of_query.push((f, r));
        }
        Patterns { codes, sets, of_query }
    }

    /// Turns per-pattern totals (and per-pattern-per-sequence counts,
    /// `per_seq[s * patterns + p]`) into per-query counts.
    pub fn counts(&self, queries: &[Query], totals: &[u64], per_seq: Option<(&[u64], usize)>) -> Vec<KmerCount> {
        let np = self.codes.len();
        queries
            .iter()
            .zip(&self.of_query)
            .map(|(q, &(f, r))| KmerCount {
                query: q.clone(),
                forward: totals[f],
                reverse: r.map_or(0, |r| totals[r]),
                per_sequence: per_seq.map_or_else(Vec::new, |(v, nseq)| {
                    (0..nseq)
                        .map(|s| StrandCounts {
                            forward: v[s * np + f],
                            reverse: r.map_or(0, |r| v[s * np + r]),
                        })
                        .collect()
                }),
            })
            .collect()
    }
}
