//! Queries on a table: [`Table::select`] answers the conditions an index
//! covers through batched lookups and scans the rest, recording the
//! [`Plan`] it used (for `--explain`).

use std::collections::HashSet;

use super::lookup::same_key;
use super::Table;
use crate::error::Result;
use crate::spec::kind;
use crate::table::index::{encode_key_value, UnusableIndex};
use crate::table::{ColumnType, RowSet, Value};

/// How a query was answered, for `--explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// An index on these columns answered these conditions.
    Index(Vec<String>),
    /// An index on these columns, kept in an index file (SPEC §8.8),
    /// answered these conditions.
    IndexFile {
        /// The key columns.
        columns: Vec<String>,
        /// The index file, as it was named when attached.
        file: String,
    },
    /// A scan of this column.
    Scan(String),
    /// A scan of this column, although the index on `index` covers it: the
    /// IN-lists gave `keys` key combinations, more than one batched lookup
    /// takes ([`MAX_LOOKUP_KEYS`]).
    ScanPastKeyLimit {
        /// The scanned column.
        column: String,
        /// The columns of the index that was not used.
        index: Vec<String>,
        /// Key combinations the IN-lists gave (saturating).
        keys: u64,
    },
}

/// The most key combinations one query looks up in an index; beyond it the
/// conditions are scanned.
pub const MAX_LOOKUP_KEYS: usize = 1 << 16;

/// IN-lists longer than this are matched through a hash set of encoded keys.
const SHORT_LIST: usize = 16;

/// How a scanned condition tests one row.
enum Matcher<'v> {
    /// A dict column: the sorted codes of the wanted strings, and whether
    /// null is wanted; a row's code is compared without decoding its string.
    Codes { codes: Vec<u32>, null: bool },
    /// A short list: decoded cells compared with the values.
    Values(Vec<Value<'v>>),
    /// A long list: the §8.5 encodings of the values.
    Keys(HashSet<Vec<u8>>),
}

impl<'a> Table<'a> {
    fn key_of_row(&self, cols: &[u32], r: u64, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        for &c in cols {
            let v = self.cell(r, c as usize)?;
            encode_key_value(out, self.columns[c as usize].def.ty, v);
        }
        Ok(())
    }

    /// Rows where every `(column, value)` holds: an index that covers some
    /// conditions answers them, the rest are scanned. Same as [`Table::select`]
    /// with one value per condition.
    pub fn lookup(&self, conditions: &[(&str, Value<'_>)]) -> Result<RowSet> {
        let conds: Vec<(&str, Vec<Value<'_>>)> = conditions.iter().map(|(c, v)| (*c, vec![*v])).collect();
        Ok(self.select(&conds)?.0)
    }

    /// Rows where, for every condition, the column equals one of the values
    /// (IN-lists are unions, conditions intersect). Returns the plan used.
    /// An index answers the conditions on all of its key columns, IN-lists
    /// included: it looks up every combination of their values (batched, as
    /// [`Table::index_lookup_many`]) when there are at most 65,536, and the
    /// other conditions are scanned.
    /// Each value must be of its column's type (an unsigned column also
    /// takes a non-negative `Int`, a signed one a `UInt` up to `i64::MAX`);
    /// another is an *input* error. Floats compare by bit pattern (SPEC §8.5).
    pub fn select(&self, conditions: &[(&str, Vec<Value<'_>>)]) -> Result<(RowSet, Vec<Plan>)> {
        let mut conds = Vec::new();
        for (name, vals) in conditions {
            let c = self.col(name)?;
            let vals = vals.iter().map(|v| self.key_value(c, *v)).collect::<Result<Vec<_>>>()?;
            conds.push((c, vals));
        }
        let mut done = vec![false; conds.len()];
        let mut plans = Vec::new();
        let mut result: Option<RowSet> = None;
        // Indexes covering the most conditions first. A multi-column key
        // with IN-lists is looked up as every combination of their values,
        // as long as there are at most MAX_KEYS of them.
        const MAX_KEYS: usize = MAX_LOOKUP_KEYS;
        let mut past_limit: Vec<Option<(Vec<String>, u64)>> = vec![None; conds.len()];
        let mut order: Vec<usize> = (0..self.indexes.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.indexes[i].columns().len()));
        for ix in order {
            if self.is_broken(ix) {
                continue;
            }
            let cols = self.indexes[ix].columns();
            let mut which = Vec::new();
            for &k in cols {
                match conds
                    .iter()
                    .enumerate()
                    .position(|(i, (c, _))| !done[i] && *c == k as usize && !which.contains(&i))
                {
                    Some(i) => which.push(i),
                    None => break,
                }
            }
            if which.len() != cols.len() {
                continue;
            }
            let Some(n) = which.iter().try_fold(1usize, |n, &i| {
                n.checked_mul(conds[i].1.len()).filter(|&n| n <= MAX_KEYS)
            }) else {
                let keys = which
                    .iter()
                    .fold(1u64, |n, &i| n.saturating_mul(conds[i].1.len() as u64));
                let names: Vec<String> = cols
                    .iter()
                    .map(|&c| self.columns[c as usize].def.name.clone())
                    .collect();
                for &i in &which {
                    past_limit[i].get_or_insert((names.clone(), keys));
                }
                continue;
            };
            // Every combination, the last key column varying fastest.
            let mut keys: Vec<Vec<Value<'_>>> = Vec::with_capacity(n);
            let mut at = vec![0usize; which.len()];
            for _ in 0..n {
                keys.push(which.iter().zip(&at).map(|(&i, &j)| conds[i].1[j]).collect());
                for d in (0..at.len()).rev() {
                    at[d] += 1;
                    if at[d] < conds[which[d]].1.len() {
                        break;
                    }
                    at[d] = 0;
                }
            }
            let refs: Vec<&[Value<'_>]> = keys.iter().map(|k| &k[..]).collect();
            let found = match self.index_lookup_many(ix, &refs) {
                Ok(found) => found,
                // A broken bucket or chunk of the index itself (not of the
                // rows): the index is unusable from now on, and its
                // conditions are scanned (SPEC §8.4).
                Err(e) if matches!(e.location(), crate::Location::Byte { section: Some(k), .. } if *k == kind::HASH_INDEX) =>
                {
                    let at = self.indexes[ix].offset();
                    self.broken
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(UnusableIndex::new(at, &e));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut all = Vec::new();
            for r in found {
                all.extend_from_slice(r.ranges());
            }
            let rows = RowSet::from_ranges(all);
            for &i in &which {
                done[i] = true;
            }
            let columns: Vec<String> = cols
                .iter()
                .map(|&c| self.columns[c as usize].def.name.clone())
                .collect();
            plans.push(match self.indexes[ix].origin() {
                Some(file) => Plan::IndexFile {
                    columns,
                    file: file.to_string(),
                },
                None => Plan::Index(columns),
            });
            result = Some(match result {
                Some(r) => r.intersect(&rows),
                None => rows,
            });
        }
        for (i, (c, vals)) in conds.iter().enumerate() {
            if done[i] {
                continue;
            }
            let column = self.columns[*c].def.name.clone();
            plans.push(match past_limit[i].take() {
                Some((index, keys)) => Plan::ScanPastKeyLimit { column, index, keys },
                None => Plan::Scan(column),
            });
            let base = result.take().unwrap_or_else(|| RowSet::all(self.row_count));
            result = Some(self.scan(&base, *c, vals)?);
        }
        Ok((result.unwrap_or_else(|| RowSet::all(self.row_count)), plans))
    }

    /// The rows of `base` whose column `c` holds one of `vals` (already
    /// checked by [`Table::key_value`]).
    fn scan(&self, base: &RowSet, c: usize, vals: &[Value<'_>]) -> Result<RowSet> {
        let ty = self.columns[c].def.ty;
        let matcher = match (ty, self.dictionary(c)) {
            (ColumnType::Dict, Some(d)) => {
                // Translate the strings to codes once: one pass over the
                // dictionary, then rows compare a u32.
                let want: HashSet<&str> = vals
                    .iter()
                    .filter_map(|v| match v {
                        Value::Str(s) => Some(*s),
                        _ => None,
                    })
                    .collect();
                let mut codes = Vec::new();
                if !want.is_empty() {
                    for code in 0..d.len().min(u32::MAX as u64 + 1) {
                        if d.get(code as u32).is_some_and(|s| want.contains(s)) {
                            codes.push(code as u32);
                        }
                    }
                }
                Matcher::Codes {
                    codes,
                    null: vals.iter().any(Value::is_null),
                }
            }
            _ if vals.len() <= SHORT_LIST => Matcher::Values(vals.to_vec()),
            _ => Matcher::Keys(
                vals.iter()
                    .map(|v| {
                        let mut k = Vec::new();
                        encode_key_value(&mut k, ty, *v);
                        k
                    })
                    .collect(),
            ),
        };
        let dict_len = self.dictionary(c).map_or(0, |d| d.len());
        for r in base.ranges() {
            self.check_rows(r.clone())?;
        }
        let mut key = Vec::new();
        let mut hits = RowSet::new();
        for r in base.rows() {
            let hit = match &matcher {
                Matcher::Codes { codes, null } => match self.code(r, c) {
                    None => *null,
                    Some(code) if code as u64 >= dict_len => {
                        self.cell(r, c)?; // the [DI4] error
                        false
                    }
                    Some(code) => codes.binary_search(&code).is_ok(),
                },
                Matcher::Values(want) => {
                    let v = self.cell(r, c)?;
                    want.iter().any(|w| same_key(v, *w))
                }
                Matcher::Keys(set) => {
                    self.key_of_row(&[c as u32], r, &mut key)?;
                    set.contains(&key)
                }
            };
            if hit {
                hits.push_row(r);
            }
        }
        Ok(hits)
    }
}
