//! Sorted sets of row numbers, kept as disjoint half-open ranges, so that a
//! key owning a long run of rows costs one range.

use std::ops::Range;

/// Rows of a table: ascending, disjoint, non-adjacent ranges.
///
/// ```
/// use tribit::table::RowSet;
/// let a = RowSet::from_ranges(vec![0..10, 20..30]);
/// let b = RowSet::from_rows([5, 6, 7, 25, 40]);
/// assert_eq!(a.intersect(&b).rows().collect::<Vec<_>>(), vec![5, 6, 7, 25]);
/// assert_eq!(a.union(&b).len(), 21);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowSet {
    ranges: Vec<Range<u64>>,
}

impl RowSet {
    /// The empty set.
    pub fn new() -> RowSet {
        RowSet::default()
    }

    /// Every row of a table of `n` rows.
    pub fn all(n: u64) -> RowSet {
        RowSet::from_ranges(std::iter::once(0..n).collect())
    }

    /// A set from ranges in any order (overlaps and adjacency are merged).
    pub fn from_ranges(mut ranges: Vec<Range<u64>>) -> RowSet {
        ranges.retain(|r| r.start < r.end);
        ranges.sort_by_key(|r| r.start);
        let mut out: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match out.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => out.push(r),
            }
        }
        RowSet { ranges: out }
    }

    /// A set from single rows in any order.
    pub fn from_rows(rows: impl IntoIterator<Item = u64>) -> RowSet {
        RowSet::from_ranges(rows.into_iter().map(|r| r..r + 1).collect())
    }

    /// Appends row `r`, which must be above every row in the set (rows
    /// pushed in ascending order build the set in one pass); a row at or
    /// below the last one is merged in as by [`RowSet::union`].
    pub fn push_row(&mut self, r: u64) {
        match self.ranges.last_mut() {
            Some(last) if last.end == r => last.end = r + 1,
            Some(last) if last.end > r => *self = self.union(&RowSet::from_rows([r])),
            _ => self.ranges.push(r..r + 1),
        }
    }

    /// The ranges, ascending.
    pub fn ranges(&self) -> &[Range<u64>] {
        &self.ranges
    }

    /// Number of rows.
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|r| r.end - r.start).sum()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The rows, ascending.
    pub fn rows(&self) -> impl Iterator<Item = u64> + '_ {
        self.ranges.iter().flat_map(|r| r.clone())
    }

    /// Rows in either set.
    pub fn union(&self, other: &RowSet) -> RowSet {
        let mut all = self.ranges.clone();
        all.extend(other.ranges.iter().cloned());
        RowSet::from_ranges(all)
    }

    /// Rows in both sets (a merge of the two sorted range lists).
    pub fn intersect(&self, other: &RowSet) -> RowSet {
        let (a, b) = (&self.ranges, &other.ranges);
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < a.len() && j < b.len() {
            let start = a[i].start.max(b[j].start);
            let end = a[i].end.min(b[j].end);
            if start < end {
                out.push(start..end);
            }
            if a[i].end < b[j].end {
                i += 1;
            } else {
                j += 1;
            }
        }
        RowSet { ranges: out }
    }
}
