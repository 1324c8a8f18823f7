//! The naive twin of the k-mer scan, for tests: every window of every
//! sequence's decoded letters (as [`Reader::fetch`] returns them), compared
//! letter by letter with the query after uppercasing. It shares nothing with
//! the fast paths but the [`Query`] type. IUPAC letters and mismatches
//! (SPEC §14) are written out here on letters, from the SPEC's table.

use super::{KmerCount, Match, Query, Strand, StrandCounts};
use crate::error::Result;
use crate::sequence::Reader;

/// Calls `f(sequence index, uppercase letters)` for each sequence.
fn each_sequence(reader: &Reader, mut f: impl FnMut(usize, &[u8])) -> Result<()> {
    let mut buf = Vec::new();
    for i in 0..reader.len() {
        buf.clear();
        let seq = reader.sequence(i)?;
        reader.fetch_from(&seq, 0, seq.len(), &mut buf)?;
        buf.make_ascii_uppercase();
        f(i, &buf);
    }
    Ok(())
}

/// Counts like [`super::count`], always with per-sequence counts.
///
/// ```
/// use std::io::Cursor;
/// use tribit::kmer::{naive, Query};
/// use tribit::{Reader, WriterBuilder};
/// let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
/// w.add_sequence(b"s", b"AAAAnAA", 60).unwrap();
/// let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
/// let c = naive::count(&r, &[Query::new("AA").unwrap()], true).unwrap();
/// // AA is not a palindrome: TT never occurs, so reverse is 0.
/// assert_eq!((c[0].forward, c[0].reverse), (4, 0));
/// ```
pub fn count(reader: &Reader, queries: &[Query], both_strands: bool) -> Result<Vec<KmerCount>> {
    count_with_mismatches(reader, queries, both_strands, 0)
}

/// [`count`] where a window may differ from the query in up to
/// `mismatches` positions.
pub fn count_with_mismatches(
    reader: &Reader,
    queries: &[Query],
    both_strands: bool,
    mismatches: usize,
) -> Result<Vec<KmerCount>> {
    let mut out: Vec<KmerCount> = queries
        .iter()
        .map(|q| KmerCount {
            query: q.clone(),
            forward: 0,
            reverse: 0,
            per_sequence: vec![StrandCounts::default(); reader.len()],
        })
        .collect();
    locate_each(reader, queries, both_strands, mismatches, |m| {
        let c = &mut out[m.query];
        match m.strand {
            Strand::Forward => {
                c.forward += 1;
                c.per_sequence[m.sequence].forward += 1;
            }
            Strand::Reverse => {
                c.reverse += 1;
                c.per_sequence[m.sequence].reverse += 1;
            }
        }
    })?;
    Ok(out)
}

/// Every match, in the order [`super::locate`] reports them.
pub fn locate(reader: &Reader, queries: &[Query], both_strands: bool) -> Result<Vec<Match>> {
    locate_with_mismatches(reader, queries, both_strands, 0)
}

/// [`locate`] where a window may differ from the query in up to
/// `mismatches` positions.
pub fn locate_with_mismatches(
    reader: &Reader,
    queries: &[Query],
    both_strands: bool,
    mismatches: usize,
) -> Result<Vec<Match>> {
    let mut out = Vec::new();
    locate_each(reader, queries, both_strands, mismatches, |m| out.push(m))?;
    out.sort();
    Ok(out)
}

/// The genome letters an IUPAC pattern letter accepts (SPEC §14).
fn accepts(pattern: u8, base: u8) -> bool {
    let bases: &[u8] = match pattern {
        b'R' => b"AG",
        b'Y' => b"CT",
        b'S' => b"CG",
        b'W' => b"AT",
        b'K' => b"GT",
        b'M' => b"AC",
        b'B' => b"CGT",
        b'D' => b"AGT",
        b'H' => b"ACT",
        b'V' => b"ACG",
        b'N' => b"ACGT",
        _ => return pattern == base,
    };
    bases.contains(&base)
}

/// Whether `window` (uppercase genome letters) reads as `pattern` with at
/// most `mismatches` differences: every letter must be A, C, G or T.
fn window_matches(window: &[u8], pattern: &[u8], mismatches: usize) -> bool {
    if !window.iter().all(|b| b"ACGT".contains(b)) {
        return false;
    }
    window.iter().zip(pattern).filter(|&(&b, &p)| !accepts(p, b)).count() <= mismatches
}

fn locate_each(
    reader: &Reader,
    queries: &[Query],
    both_strands: bool,
    mismatches: usize,
    mut f: impl FnMut(Match),
) -> Result<()> {
    let texts: Vec<(Vec<u8>, Option<Vec<u8>>)> = queries
        .iter()
        .map(|q| {
            let rc = q.reverse_complement();
            let rev = (both_strands && rc.as_str() != q.as_str()).then(|| rc.as_str().as_bytes().to_vec());
            (q.as_str().as_bytes().to_vec(), rev)
        })
        .collect();
    each_sequence(reader, |i, letters| {
        for (qi, (fwd, rev)) in texts.iter().enumerate() {
            let k = fwd.len();
            if k > letters.len() {
                continue;
            }
            for s in 0..=letters.len() - k {
                let w = &letters[s..s + k];
                if window_matches(w, fwd, mismatches) {
                    f(Match {
                        sequence: i,
                        start: s as u64,
                        query: qi,
                        strand: Strand::Forward,
                    });
                }
                if rev.as_deref().is_some_and(|r| window_matches(w, r, mismatches)) {
                    f(Match {
                        sequence: i,
                        start: s as u64,
                        query: qi,
                        strand: Strand::Reverse,
                    });
                }
            }
        }
    })
}
