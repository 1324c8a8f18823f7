//! BED intervals (0-based, half-open), as `tribit get --bed` reads them.
//!
//! Fields are separated by tabs. Columns 1–3 (chrom, start, end) are
//! required; column 4 is the name and column 6 the strand, when present.
//! Empty lines and lines starting with `#`, `track` or `browser` are
//! skipped, as bedtools does.

use std::io::BufRead;

use crate::error::{Error, Result};

/// One BED line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedRecord {
    /// 1-based line number in the input.
    pub line: u64,
    /// Sequence name (column 1).
    pub chrom: String,
    /// First base, 0-based (column 2).
    pub start: u64,
    /// One past the last base (column 3).
    pub end: u64,
    /// Column 4, if the line has one.
    pub name: Option<String>,
    /// Column 6, if the line has one (`+`, `-` or `.`).
    pub strand: Option<String>,
}

impl BedRecord {
    /// Whether column 6 says the minus strand.
    pub fn is_minus(&self) -> bool {
        self.strand.as_deref() == Some("-")
    }
}

fn coordinate(field: &str, what: &str, line: u64, column: u64) -> Result<u64> {
    if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::input(format!("BED {what} '{field}' is not a non-negative integer")).at_line(line, column));
    }
    field
        .parse()
        .map_err(|_| Error::input(format!("BED {what} '{field}' is too large")).at_line(line, column))
}

/// Parses one line; `Ok(None)` for lines BED readers skip.
pub fn parse_line(text: &str, line: u64) -> Result<Option<BedRecord>> {
    let text = text.trim_end_matches(['\r', '\n']);
    if text.trim().is_empty() || text.starts_with('#') || text.starts_with("track") || text.starts_with("browser") {
        return Ok(None);
    }
    let f: Vec<&str> = text.split('\t').collect();
    if f.len() < 3 {
        return Err(Error::input(format!(
            "expected at least 3 tab-separated BED fields (chrom, start, end), found {}",
            f.len()
        ))
        .at_line(line, 0));
    }
    let col = |i: usize| -> u64 { f[..i].iter().map(|s| s.len() as u64 + 1).sum::<u64>() + 1 };
    if f[0].is_empty() {
        return Err(Error::input("empty BED chrom field").at_line(line, 1));
    }
    let start = coordinate(f[1], "start", line, col(1))?;
    let end = coordinate(f[2], "end", line, col(2))?;
    if end < start {
        return Err(Error::input(format!("BED end {end} is before start {start}")).at_line(line, col(2)));
    }
    Ok(Some(BedRecord {
        line,
        chrom: f[0].to_string(),
        start,
        end,
        name: f.get(3).map(|s| s.to_string()),
        strand: f.get(5).map(|s| s.to_string()),
    }))
}

/// Reads every interval of `input`.
///
/// ```
/// use tribit::convert::bed::read_bed;
/// let text = "# comment\nchr1\t0\t4\tgene1\t0\t-\nchr2\t10\t20\n";
/// let recs = read_bed(text.as_bytes()).unwrap();
/// assert_eq!(recs.len(), 2);
/// assert_eq!((recs[0].start, recs[0].end, recs[0].is_minus()), (0, 4, true));
/// assert_eq!(recs[1].name, None);
/// assert!(read_bed("chr1\tx\t4\n".as_bytes()).is_err());
/// ```
pub fn read_bed<R: BufRead>(input: R) -> Result<Vec<BedRecord>> {
    let mut out = Vec::new();
    for (i, line) in input.split(b'\n').enumerate() {
        let n = i as u64 + 1;
        let line = line.map_err(|e| Error::io("cannot read", e))?;
        let text = std::str::from_utf8(&line).map_err(|_| Error::input("BED line is not UTF-8").at_line(n, 0))?;
        if let Some(r) = parse_line(text, n)? {
            out.push(r);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_headers_and_reads_optional_columns() {
        let text = "track name=x\nbrowser position chr1\n\nchr1\t5\t9\tg\t0\t+\r\n";
        let r = read_bed(text.as_bytes()).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].line, 4);
        assert_eq!(r[0].name.as_deref(), Some("g"));
        assert_eq!(r[0].strand.as_deref(), Some("+"));
    }

    #[test]
    fn bad_lines_name_line_and_column() {
        let e = read_bed("chr1\t0\t5\nchr1\t7\n".as_bytes()).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("expected at least 3"), "{e}");
        let e = read_bed("chr1\t9\t5\n".as_bytes()).unwrap_err().to_string();
        assert!(e.contains("line 1, column 8") && e.contains("before start"), "{e}");
        let e = read_bed("chr1\t-1\t5\n".as_bytes()).unwrap_err().to_string();
        assert!(e.contains("column 6") && e.contains("'-1'"), "{e}");
    }
}
