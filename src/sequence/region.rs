//! Region strings in samtools faidx syntax: `name`, `name:start`,
//! `name:start-end`, 1-based and inclusive, commas allowed in numbers.

use crate::error::{Error, ErrorKind, Result};
use crate::sequence::Reader;

/// A region resolved against a file: sequence index and 0-based half-open bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Index of the sequence.
    pub index: usize,
    /// First base, 0-based.
    pub start: u64,
    /// One past the last base.
    pub end: u64,
    /// Whether the requested end lay past the sequence and was clipped.
    pub clipped: bool,
}

fn number(s: &str, what: &str, text: &str) -> Result<u64> {
    let digits: String = s.chars().filter(|&c| c != ',').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::input(format!(
            "region '{text}': {what} '{s}' is not a number: expected name, name:start or name:start-end (1-based)"
        )));
    }
    digits
        .parse::<u64>()
        .map_err(|_| Error::input(format!("region '{text}': {what} '{s}' is too large")))
}

impl Region {
    /// Resolves `text` against `reader`. A whole string that names a sequence
    /// wins over a `name:coordinates` reading, so names containing ':' work.
    /// An end past the sequence is clipped to its length (as samtools does);
    /// a start past it is an error.
    ///
    /// ```
    /// use std::io::Cursor;
    /// use tribit::{Reader, Region, WriterBuilder};
    /// let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
    /// w.add_sequence(b"chr1", b"ACGTACGTAC", 60).unwrap();
    /// let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
    /// let g = Region::resolve(&r, "chr1:2-4").unwrap();
    /// assert_eq!((g.start, g.end), (1, 4));
    /// assert!(Region::resolve(&r, "chr2").is_err());
    /// ```
    pub fn resolve(reader: &Reader, text: &str) -> Result<Region> {
        if let Some(i) = reader.find(text.as_bytes())? {
            let len = reader.sequence(i)?.len();
            return Ok(Region {
                index: i,
                start: 0,
                end: len,
                clipped: false,
            });
        }
        let Some((name, coords)) = text.rsplit_once(':') else {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("region '{text}': no sequence named '{text}'"),
            ));
        };
        let Some(i) = reader.find(name.as_bytes())? else {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("region '{text}': no sequence named '{name}'"),
            ));
        };
        let len = reader.sequence(i)?.len();
        let (s, e) = match coords.split_once('-') {
            Some(("", "")) => return Err(Error::input(format!("region '{text}': no coordinates after ':'"))),
            Some(("", e)) => (1, Some(number(e, "end", text)?)),
            Some((s, "")) => (number(s, "start", text)?, None),
            Some((s, e)) => (number(s, "start", text)?, Some(number(e, "end", text)?)),
            None => (number(coords, "start", text)?, None),
        };
        if s == 0 {
            return Err(Error::new(
                ErrorKind::Range,
                format!("region '{text}': start 0 is invalid; coordinates are 1-based"),
            ));
        }
        if let Some(e) = e {
            if e < s {
                return Err(Error::new(
                    ErrorKind::Range,
                    format!("region '{text}': end {e} is before start {s}"),
                ));
            }
        }
        if s > len {
            return Err(Error::new(
                ErrorKind::Range,
                format!("region '{text}': start {s} is past the end of {name} (length {len})"),
            ));
        }
        let want_end = e.unwrap_or(len);
        Ok(Region {
            index: i,
            start: s - 1,
            end: want_end.min(len),
            clipped: want_end > len,
        })
    }
}
