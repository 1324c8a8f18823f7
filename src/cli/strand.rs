//! What `tribit get` does to letters and headers after a fetch: reverse
//! complement, strand marks in samtools faidx's forms, and case rewriting.

use crate::error::{Error, Result};

/// How a header records the strand (`samtools faidx --mark-strand`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkStrand {
    /// `/rc` after reverse-complemented records, nothing after forward ones.
    Rc,
    /// Nothing.
    No,
    /// `(+)` or `(-)`.
    Sign,
    /// The first text after forward records, the second after reverse ones.
    Custom(String, String),
}

impl MarkStrand {
    /// Parses `rc`, `no`, `sign` or `custom,<pos>,<neg>`. As samtools does,
    /// `custom,<pos>` leaves the negative mark empty and everything after
    /// the second comma belongs to the negative mark.
    pub fn parse(s: &str) -> Result<MarkStrand> {
        match s {
            "rc" => Ok(MarkStrand::Rc),
            "no" => Ok(MarkStrand::No),
            "sign" => Ok(MarkStrand::Sign),
            _ => match s.strip_prefix("custom,") {
                Some(rest) => {
                    let (pos, neg) = rest.split_once(',').unwrap_or((rest, ""));
                    Ok(MarkStrand::Custom(pos.to_string(), neg.to_string()))
                }
                None => Err(Error::input(format!(
                    "--mark-strand '{s}': expected rc, no, sign or custom,<pos>,<neg>"
                ))),
            },
        }
    }

    /// The text appended to a header of a record on the given strand.
    pub fn suffix(&self, reverse: bool) -> &str {
        match (self, reverse) {
            (MarkStrand::Rc, true) => "/rc",
            (MarkStrand::Rc, false) | (MarkStrand::No, _) => "",
            (MarkStrand::Sign, false) => "(+)",
            (MarkStrand::Sign, true) => "(-)",
            (MarkStrand::Custom(p, _), false) => p,
            (MarkStrand::Custom(_, n), true) => n,
        }
    }
}

/// The complement of one letter, keeping its case; IUPAC codes map to their
/// complements (R/Y, K/M, B/V, D/H; S, W and N are their own), anything
/// else is left as it is.
pub fn complement(b: u8) -> u8 {
    let c = match b.to_ascii_uppercase() {
        b'A' => b'T',
        b'C' => b'G',
        b'G' => b'C',
        b'T' => b'A',
        b'U' => b'A',
        b'R' => b'Y',
        b'Y' => b'R',
        b'K' => b'M',
        b'M' => b'K',
        b'B' => b'V',
        b'V' => b'B',
        b'D' => b'H',
        b'H' => b'D',
        other => other,
    };
    if b.is_ascii_lowercase() {
        c.to_ascii_lowercase()
    } else {
        c
    }
}

/// Reverse-complements `letters` in place.
pub fn reverse_complement(letters: &mut [u8]) {
    letters.reverse();
    for b in letters.iter_mut() {
        *b = complement(*b);
    }
}

/// What happens to soft-masked (lowercase) letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Letters as stored.
    Keep,
    /// Everything uppercase.
    Upper,
    /// Lowercase letters become `N`.
    HardMask,
}

impl Case {
    /// Rewrites `letters` in place.
    pub fn apply(self, letters: &mut [u8]) {
        match self {
            Case::Keep => {}
            Case::Upper => letters.make_ascii_uppercase(),
            Case::HardMask => {
                for b in letters.iter_mut() {
                    if b.is_ascii_lowercase() {
                        *b = b'N';
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_complement_keeps_case_and_maps_iupac() {
        let mut s = b"ACGTRYKMBDHVNSWacgtrykmbdhvnsw".to_vec();
        reverse_complement(&mut s);
        // What samtools faidx -i prints for the same letters.
        assert_eq!(&s, b"wsnbdhvkmryacgtWSNBDHVKMRYACGT");
    }

    #[test]
    fn mark_strand_forms_follow_samtools() {
        assert_eq!(MarkStrand::parse("rc").unwrap().suffix(true), "/rc");
        assert_eq!(MarkStrand::parse("rc").unwrap().suffix(false), "");
        assert_eq!(MarkStrand::parse("sign").unwrap().suffix(false), "(+)");
        assert_eq!(MarkStrand::parse("sign").unwrap().suffix(true), "(-)");
        assert_eq!(MarkStrand::parse("no").unwrap().suffix(true), "");
        let c = MarkStrand::parse("custom,A,B,C").unwrap();
        assert_eq!((c.suffix(false), c.suffix(true)), ("A", "B,C"));
        let c = MarkStrand::parse("custom,AA").unwrap();
        assert_eq!((c.suffix(false), c.suffix(true)), ("AA", ""));
        let e = MarkStrand::parse("custom").unwrap_err().to_string();
        assert!(e.contains("expected rc, no, sign or custom,<pos>,<neg>"), "{e}");
    }

    #[test]
    fn case_rewrites() {
        let mut s = b"ACgtNn".to_vec();
        Case::HardMask.apply(&mut s);
        assert_eq!(&s, b"ACNNNN");
        let mut s = b"ACgtNn".to_vec();
        Case::Upper.apply(&mut s);
        assert_eq!(&s, b"ACGTNN");
    }
}
