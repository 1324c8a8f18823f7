//! Hash-index lookups (SPEC §8.4): query values canonicalised to key
//! values, hashed, one bucket read, and each candidate entry's first row
//! compared with the key, so a colliding key never contributes rows.

use std::ops::Range;

use super::Table;
use crate::error::{Error, Result};
use crate::spec::kind;
use crate::table::index::{encode_key_value, key_hash, HashIndex};
use crate::table::{ColumnType, RowSet, Value};

/// Whether `v`, canonicalised for a column of `ty`, is a value of that type
/// (null fits every column: a column that is not nullable just holds none).
fn fits(ty: ColumnType, v: Value<'_>) -> bool {
    use ColumnType as T;
    matches!(
        (ty, v),
        (_, Value::Null)
            | (T::Bool, Value::Bool(_))
            | (T::I8 | T::I16 | T::I32 | T::I64, Value::Int(_))
            | (T::U8 | T::U16 | T::U32 | T::U64, Value::UInt(_))
            | (T::F32, Value::F32(_))
            | (T::F64, Value::F64(_))
            | (T::Str(_) | T::Dict, Value::Str(_))
    )
}

/// Equality of SPEC §8.5 keys on decoded values: floats by bit pattern.
pub(super) fn same_key(a: Value<'_>, b: Value<'_>) -> bool {
    match (a, b) {
        (Value::F32(x), Value::F32(y)) => x.to_bits() == y.to_bits(),
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

impl<'a> Table<'a> {
    /// `v` as a key value of column `c`, with the writer's canonicalisation
    /// (a non-negative `Int` for an unsigned column, a `UInt` up to
    /// `i64::MAX` for a signed one); an *input* error when it is not a value
    /// of the column's type, rather than a key that silently matches nothing.
    pub(super) fn key_value<'v>(&self, c: usize, v: Value<'v>) -> Result<Value<'v>> {
        let d = &self.columns[c].def;
        let v = crate::table::writer::canonical(d.ty, v);
        if !fits(d.ty, v) {
            return Err(Error::input(format!(
                "column '{}' of table '{}' is {}: {v:?} is not a value of that type",
                d.name,
                self.name,
                d.ty.name()
            )));
        }
        Ok(v)
    }

    fn index_name(&self, ix: &HashIndex<'_>) -> String {
        let names: Vec<&str> = ix
            .columns()
            .iter()
            .map(|&c| self.columns[c as usize].def.name.as_str())
            .collect();
        names.join(",")
    }

    /// Rows whose key columns equal `key` using index `ix`: hash, one
    /// bucket, then the stored key of each candidate entry's first row is
    /// compared, so a colliding key never contributes rows (SPEC §8.4).
    /// `ix` is a position in [`Table::indexes`]; `key` holds one value per
    /// key column, in key order, each of its column's type (else an *input*
    /// error).
    pub fn index_lookup(&self, ix: usize, key: &[Value<'_>]) -> Result<RowSet> {
        self.index_lookup_with(ix, key, key_hash)
    }

    #[doc(hidden)]
    pub fn index_lookup_with(&self, ix: usize, key: &[Value<'_>], hash: fn(&[u8]) -> u64) -> Result<RowSet> {
        let index = self
            .indexes
            .get(ix)
            .ok_or_else(|| Error::input(format!("table '{}' has no index {ix}", self.name)))?;
        if key.len() != index.columns().len() {
            return Err(Error::input(format!(
                "the index on ({}) of table '{}' takes {} key values, not {}",
                self.index_name(index),
                self.name,
                index.columns().len(),
                key.len()
            )));
        }
        let mut canon = Vec::with_capacity(key.len());
        let mut enc = Vec::new();
        for (&c, v) in index.columns().iter().zip(key) {
            let v = self.key_value(c as usize, *v)?;
            encode_key_value(&mut enc, self.columns[c as usize].def.ty, v);
            canon.push(v);
        }
        let h = hash(&enc);
        for e in index.candidates(h)? {
            let first = self.entry_first_row(index, e)?;
            if self.row_has_key(index.columns(), first, &canon)? {
                return index.entry_rows(e, self.row_count);
            }
        }
        Ok(RowSet::new())
    }

    /// The first row of entry `e` of `index`, checked against the table.
    fn entry_first_row(&self, index: &HashIndex<'_>, e: u64) -> Result<u64> {
        let first = index.entry_first_row(e)?;
        if first >= self.row_count {
            return Err(Error::format(
                Some(kind::HASH_INDEX),
                index.offset(),
                format!("entry {e} points past the rows"),
            )
            .with_rule("HI8"));
        }
        Ok(first)
    }

    /// Whether row `r` holds the (canonical) key `want` in columns `cols`.
    fn row_has_key(&self, cols: &[u32], r: u64, want: &[Value<'_>]) -> Result<bool> {
        for (&c, w) in cols.iter().zip(want) {
            if !same_key(self.cell(r, c as usize)?, *w) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// [`Table::index_lookup`] for many keys at once: the keys go through
    /// each step of the lookup (hash, bucket directory, entries, first row,
    /// key check, rows) together, in groups, so that the memory reads of
    /// different keys overlap instead of waiting for one another. Returns
    /// one row set per key, in order.
    pub fn index_lookup_many(&self, ix: usize, keys: &[&[Value<'_>]]) -> Result<Vec<RowSet>> {
        const GROUP: usize = 32;
        let index = self
            .indexes
            .get(ix)
            .ok_or_else(|| Error::input(format!("table '{}' has no index {ix}", self.name)))?;
        let n = index.columns().len();
        let mut out = Vec::with_capacity(keys.len());
        let mut canon: Vec<Value<'_>> = Vec::with_capacity(GROUP * n);
        let mut enc = Vec::new();
        let mut hashes = [0u64; GROUP];
        let mut spans: [Range<u64>; GROUP] = std::array::from_fn(|_| 0..0);
        let mut firsts = [u64::MAX; GROUP];
        for group in keys.chunks(GROUP) {
            canon.clear();
            for (i, key) in group.iter().enumerate() {
                if key.len() != n {
                    return Err(Error::input(format!(
                        "the index on ({}) of table '{}' takes {n} key values, not {}",
                        self.index_name(index),
                        self.name,
                        key.len()
                    )));
                }
                enc.clear();
                for (&c, v) in index.columns().iter().zip(key.iter()) {
                    let v = self.key_value(c as usize, *v)?;
                    encode_key_value(&mut enc, self.columns[c as usize].def.ty, v);
                    canon.push(v);
                }
                hashes[i] = key_hash(&enc);
            }
            for i in 0..group.len() {
                spans[i] = index.bucket_entries(hashes[i])?;
            }
            for i in 0..group.len() {
                spans[i] = index.in_bucket(spans[i].clone(), hashes[i]);
            }
            for i in 0..group.len() {
                firsts[i] = match spans[i].is_empty() {
                    true => u64::MAX,
                    false => self.entry_first_row(index, spans[i].start)?,
                };
            }
            for i in 0..group.len() {
                let want = &canon[i * n..(i + 1) * n];
                let mut found = None;
                // Nearly always the first candidate; others only on a
                // collision of 64-bit hashes.
                for e in spans[i].clone() {
                    let first = if e == spans[i].start {
                        firsts[i]
                    } else {
                        self.entry_first_row(index, e)?
                    };
                    if self.row_has_key(index.columns(), first, want)? {
                        found = Some(e);
                        break;
                    }
                }
                out.push(match found {
                    Some(e) => index.entry_rows(e, self.row_count)?,
                    None => RowSet::new(),
                });
            }
        }
        Ok(out)
    }
}
