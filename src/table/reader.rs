//! Reading tables in place (SPEC §8): every offset and length is checked
//! when a table is opened, so cell access is arithmetic plus a bounds-checked
//! slice, decoded with `from_le_bytes`/`from_be_bytes` at any alignment.

use std::collections::HashSet;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use super::{ColumnDef, ColumnType, OwnedValue, RowSet, Schema, Value};
use crate::container::{ByteOrder, Checked, ChunkSumsMap, Container, DirectoryEntry};
use crate::error::{Error, Result};
use crate::index::{encode_key_value, key_hash, HashIndex, IndexFile, UnusableIndex};
use crate::spec::{kind, table as t};

/// The strings of a dictionary-encoded column (SPEC §8.3).
#[derive(Debug, Clone)]
pub struct Dictionary<'a> {
    order: ByteOrder,
    offsets: &'a [u8],
    /// The string data, checked to be UTF-8 with every string boundary on a
    /// character boundary, so each string is a slice of it.
    strings: &'a str,
    count: u64,
    offset: u64,
}

impl<'a> Dictionary<'a> {
    fn parse(bytes: &'a [u8], order: ByteOrder, offset: u64) -> Result<(u32, Dictionary<'a>)> {
        let bad = |at: u64, m: String| Error::format(Some(kind::DICTIONARY), offset + at, m);
        if (bytes.len() as u64) < t::DICTIONARY_HEADER_LEN {
            return Err(bad(0, "section is shorter than its 32-byte header".into()).with_rule("DI1"));
        }
        let column = order.u32_at(bytes, 0);
        let count = order.u64_at(bytes, 8);
        let total = order.u64_at(bytes, 16);
        let need = count
            .checked_add(1)
            .and_then(|n| n.checked_mul(8))
            .and_then(|n| n.checked_add(t::DICTIONARY_HEADER_LEN))
            .and_then(|n| n.checked_add(total));
        if need != Some(bytes.len() as u64) {
            return Err(bad(
                8,
                format!(
                    "{count} strings of {total} bytes do not fill the {}-byte section",
                    bytes.len()
                ),
            )
            .with_rule("DI1"));
        }
        let offs_end = 32 + 8 * (count as usize + 1);
        let offsets = &bytes[32..offs_end];
        let off = |i: u64| order.u64_at(offsets, 8 * i as usize);
        // [DI2] offsets start at 0, never decrease, end at the byte count.
        let mut prev = 0u64;
        for i in 0..=count {
            let v = off(i);
            if (i == 0 && v != 0) || v < prev || v > total || (i == count && v != total) {
                return Err(bad(32 + 8 * i, format!("string offset {i} = {v} breaks")).with_rule("DI2"));
            }
            prev = v;
        }
        // [DI3] every string is UTF-8: the whole data is checked once, then
        // each boundary lies between characters, which makes every string
        // UTF-8 on its own.
        let strings = match std::str::from_utf8(&bytes[offs_end..]) {
            Ok(s) => s,
            Err(e) => {
                let at = e.valid_up_to() as u64;
                // The string holding byte `at`: the last one starting at or before it.
                let (mut lo, mut hi) = (0u64, count);
                while lo + 1 < hi {
                    let mid = lo + (hi - lo) / 2;
                    if off(mid) <= at {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                return Err(bad(offs_end as u64 + at, format!("string {lo} is not UTF-8")).with_rule("DI3"));
            }
        };
        for i in 1..count {
            let v = off(i);
            if !strings.is_char_boundary(v as usize) {
                return Err(bad(
                    offs_end as u64 + v,
                    format!(
                        "string offset {i} = {v} splits a UTF-8 character, so string {} is not UTF-8",
                        i - 1
                    ),
                )
                .with_rule("DI3"));
            }
        }
        let d = Dictionary {
            order,
            offsets,
            strings,
            count,
            offset,
        };
        Ok((column, d))
    }

    /// The string of `code`, if in range.
    pub fn get(&self, code: u32) -> Option<&'a str> {
        if code as u64 >= self.count {
            return None;
        }
        let a = self.order.u64_at(self.offsets, 8 * code as usize) as usize;
        let b = self.order.u64_at(self.offsets, 8 * code as usize + 8) as usize;
        // On a character boundary by the check at parse: `get` never fails here.
        self.strings.get(a..b)
    }

    /// Number of strings.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether there is no string.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Absolute offset of the DICTIONARY section.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

/// Column metadata as stored (SPEC §8.1).
#[derive(Debug, Clone)]
pub struct StoredColumn {
    /// Name, type and nullability.
    pub def: ColumnDef,
    /// Byte offset within the row.
    pub offset: u32,
    /// Null bit, or [`t::NO_NULL_BIT`].
    pub null_bit: u32,
}

/// One table of a file, viewed in place.
#[derive(Debug, Clone)]
pub struct Table<'a> {
    name: String,
    order: ByteOrder,
    rows: &'a [u8],
    /// The TABLE section, for verifying the chunks of rows as they are
    /// used (SPEC §3.2).
    section: Checked<'a>,
    row_count: u64,
    row_width: usize,
    null_offset: usize,
    null_len: usize,
    columns: Vec<StoredColumn>,
    schema: Schema,
    dicts: Vec<Option<Dictionary<'a>>>,
    indexes: Vec<HashIndex<'a>>,
    unusable: Vec<UnusableIndex>,
    /// Indexes found unusable when a lookup read them (a bucket that
    /// breaks [HI6], a chunk whose checksum fails): not asked again.
    broken: Arc<Mutex<Vec<UnusableIndex>>>,
    group: u32,
    /// Absolute offset of the TABLE section.
    offset: u64,
    /// Section-relative: header_offset, the end of the names, the section length.
    header_offset: u64,
    names_end: u64,
    len: u64,
}

/// A type a column can be viewed as (SPEC §8.2).
pub trait Primitive: Copy {
    /// Whether a column of `ty` decodes as `Self`.
    fn accepts(ty: ColumnType) -> bool;
    /// Decodes a cell of the accepted width.
    fn decode(b: &[u8], order: ByteOrder) -> Self;
    /// Whether the cell bytes `b` hold a value (false for a bool byte other
    /// than 0 or 1, SPEC [T9]); every bit pattern of the other types does.
    #[inline]
    fn is_valid(_b: &[u8]) -> bool {
        true
    }
}

macro_rules! primitive {
    ($t:ty, $ct:ident) => {
        impl Primitive for $t {
            fn accepts(ty: ColumnType) -> bool {
                ty == ColumnType::$ct
            }
            #[inline]
            fn decode(b: &[u8], order: ByteOrder) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(b);
                match order {
                    ByteOrder::Little => <$t>::from_le_bytes(a),
                    ByteOrder::Big => <$t>::from_be_bytes(a),
                }
            }
        }
    };
}
primitive!(i8, I8);
primitive!(i16, I16);
primitive!(i32, I32);
primitive!(i64, I64);
primitive!(u8, U8);
primitive!(u16, U16);
primitive!(u32, U32);
primitive!(u64, U64);
primitive!(f32, F32);
primitive!(f64, F64);

impl Primitive for bool {
    fn accepts(ty: ColumnType) -> bool {
        ty == ColumnType::Bool
    }
    fn decode(b: &[u8], _: ByteOrder) -> Self {
        b[0] != 0
    }
    #[inline]
    fn is_valid(b: &[u8]) -> bool {
        b[0] <= 1
    }
}

/// A strided, typed view of one column: cell `r` is decoded on access.
#[derive(Debug, Clone, Copy)]
pub struct ColumnView<'a, T> {
    rows: &'a [u8],
    order: ByteOrder,
    width: usize,
    offset: usize,
    size: usize,
    null: Option<(usize, u8)>,
    count: u64,
    _t: PhantomData<T>,
}

impl<'a, T: Primitive> ColumnView<'a, T> {
    /// The value of row `r`; `None` when null, past the last row, or not a
    /// value: a bool byte other than 0 or 1 breaks SPEC [T9] and reads as
    /// `None` here (never as `true`); [`Table::cell`] reports it as an error.
    #[inline]
    pub fn get(&self, r: u64) -> Option<T> {
        if r >= self.count {
            return None;
        }
        let base = r as usize * self.width;
        if let Some((at, mask)) = self.null {
            if self.rows[base + at] & mask != 0 {
                return None;
            }
        }
        let at = base + self.offset;
        let b = &self.rows[at..at + self.size];
        T::is_valid(b).then(|| T::decode(b, self.order))
    }

    /// Number of rows.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Every cell in row order.
    pub fn iter(&self) -> impl Iterator<Item = Option<T>> + '_ {
        (0..self.count).map(|r| self.get(r))
    }
}

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
fn same_key(a: Value<'_>, b: Value<'_>) -> bool {
    match (a, b) {
        (Value::F32(x), Value::F32(y)) => x.to_bits() == y.to_bits(),
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

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
    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of rows.
    pub fn row_count(&self) -> u64 {
        self.row_count
    }

    /// Bytes per row.
    pub fn row_width(&self) -> u32 {
        self.row_width as u32
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The columns with their stored placement.
    pub fn columns(&self) -> &[StoredColumn] {
        &self.columns
    }

    /// The raw bytes of row `r`, its chunk verified; None out of range.
    pub fn row_bytes(&self, r: u64) -> Result<Option<&'a [u8]>> {
        let Some(start) = (r < self.row_count).then(|| r as usize * self.row_width) else {
            return Ok(None);
        };
        self.section.check(start..start + self.row_width)?;
        Ok(self.rows.get(start..start + self.row_width))
    }

    /// Verifies the chunks that hold `rows` (SPEC §3.2), for work that
    /// then reads them in place; a no-op when the table was verified whole
    /// at open or verification is off.
    pub fn check_rows(&self, rows: Range<u64>) -> Result<()> {
        let w = self.row_width as u64;
        let end = rows.end.min(self.row_count);
        if rows.start >= end {
            return Ok(());
        }
        if rows.start == 0 && end == self.row_count {
            return self.section.check_all();
        }
        self.section.check((rows.start * w) as usize..(end * w) as usize)
    }

    /// Byte offset and length of the null bitmap within a row.
    pub fn null_bitmap(&self) -> (u32, u32) {
        (self.null_offset as u32, self.null_len as u32)
    }

    /// The section group of the table.
    pub fn group(&self) -> u32 {
        self.group
    }

    /// Absolute offset of the TABLE section.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The two runs of padding of the TABLE section, relative to its start
    /// (for validators, SPEC [T13]): from the end of the rows to
    /// header_offset, and from the end of the names to the trailing
    /// header_offset field.
    pub fn padding(&self) -> [Range<u64>; 2] {
        let rows_end = self.row_count * self.row_width as u64;
        [rows_end..self.header_offset, self.names_end..self.len - t::TRAILER_LEN]
    }

    /// The table's indexes that opened (those [`Table::select`] consults,
    /// unless a lookup found one broken: see [`Table::unusable_indexes`]).
    pub fn indexes(&self) -> &[HashIndex<'a>] {
        &self.indexes
    }

    /// The HASH_INDEX sections of the table that cannot be used, with the
    /// reason (SPEC [HI1]: an index is not required, so the table is read
    /// without it and its conditions are scanned): those refused at open,
    /// then those a lookup found broken.
    pub fn unusable_indexes(&self) -> Vec<UnusableIndex> {
        let mut all = self.unusable.clone();
        all.extend(self.broken.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned());
        all
    }

    fn is_broken(&self, ix: usize) -> bool {
        let at = self.indexes[ix].offset();
        self.broken
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|u| u.section_offset == at)
    }

    /// The dictionary of column `c`, if it is dictionary-encoded.
    pub fn dictionary(&self, c: usize) -> Option<&Dictionary<'a>> {
        self.dicts.get(c).and_then(|d| d.as_ref())
    }

    fn col(&self, name: &str) -> Result<usize> {
        self.schema
            .position(name)
            .ok_or_else(|| Error::input(format!("table '{}' has no column '{name}'", self.name)))
    }

    /// A typed view of the column `name` (every row verified first).
    pub fn column<T: Primitive>(&self, name: &str) -> Result<ColumnView<'a, T>> {
        let c = self.col(name)?;
        self.check_rows(0..self.row_count)?;
        let col = &self.columns[c];
        if !T::accepts(col.def.ty) {
            return Err(Error::input(format!(
                "column '{name}' is {}, not {}",
                col.def.ty.name(),
                std::any::type_name::<T>()
            )));
        }
        Ok(ColumnView {
            rows: self.rows,
            order: self.order,
            width: self.row_width,
            offset: col.offset as usize,
            size: col.def.ty.width() as usize,
            null: self.null_of(c),
            count: self.row_count,
            _t: PhantomData,
        })
    }

    /// The codes of the dict column `c`, as a typed view (their strings are
    /// in [`Table::dictionary`]); an *input* error for another column.
    pub fn dict_codes(&self, c: usize) -> Result<ColumnView<'a, u32>> {
        let col = self
            .columns
            .get(c)
            .filter(|col| col.def.ty == ColumnType::Dict)
            .ok_or_else(|| Error::input(format!("column {c} of table '{}' is not a dict column", self.name)))?;
        self.check_rows(0..self.row_count)?;
        Ok(ColumnView {
            rows: self.rows,
            order: self.order,
            width: self.row_width,
            offset: col.offset as usize,
            size: 4,
            null: self.null_of(c),
            count: self.row_count,
            _t: PhantomData,
        })
    }

    /// The bytes of every row, `row_count * row_width` of them, in place
    /// (for views that bindings build over the same memory), every row
    /// verified first.
    pub fn rows_bytes(&self) -> Result<&'a [u8]> {
        self.check_rows(0..self.row_count)?;
        Ok(self.rows)
    }

    fn null_of(&self, c: usize) -> Option<(usize, u8)> {
        let b = self.columns[c].null_bit;
        (b != t::NO_NULL_BIT).then(|| (self.null_offset + b as usize / 8, 1u8 << (b % 8)))
    }

    /// The value of column `c` in row `r` (both checked). A cell that breaks
    /// [T9], [T10] or [DI4] is a *format* error at the cell's absolute offset.
    pub fn cell(&self, r: u64, c: usize) -> Result<Value<'a>> {
        if r >= self.row_count || c >= self.columns.len() {
            return Err(Error::new(
                crate::ErrorKind::Range,
                format!(
                    "cell ({r}, {c}) is outside {} rows x {} columns",
                    self.row_count,
                    self.columns.len()
                ),
            ));
        }
        let base = r as usize * self.row_width;
        self.section.check(base..base + self.row_width)?;
        let row = &self.rows[base..base + self.row_width];
        if let Some((at, mask)) = self.null_of(c) {
            if row[at] & mask != 0 {
                return Ok(Value::Null);
            }
        }
        let col = &self.columns[c];
        let at = col.offset as usize;
        let b = &row[at..at + col.def.ty.width() as usize];
        let o = self.order;
        let bad = |m: String| {
            Error::format(
                Some(kind::TABLE),
                self.offset + base as u64 + at as u64,
                format!("table '{}' row {r} column '{}': {m}", self.name, col.def.name),
            )
        };
        Ok(match col.def.ty {
            ColumnType::Bool => match b[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                x => return Err(bad(format!("bool byte {x} is not 0 or 1")).with_rule("T9")),
            },
            ColumnType::I8 => Value::Int(i8::decode(b, o).into()),
            ColumnType::I16 => Value::Int(i16::decode(b, o).into()),
            ColumnType::I32 => Value::Int(i32::decode(b, o).into()),
            ColumnType::I64 => Value::Int(i64::decode(b, o)),
            ColumnType::U8 => Value::UInt(u8::decode(b, o).into()),
            ColumnType::U16 => Value::UInt(u16::decode(b, o).into()),
            ColumnType::U32 => Value::UInt(u32::decode(b, o).into()),
            ColumnType::U64 => Value::UInt(u64::decode(b, o)),
            ColumnType::F32 => Value::F32(f32::decode(b, o)),
            ColumnType::F64 => Value::F64(f64::decode(b, o)),
            ColumnType::Str(_) => {
                let end = b.iter().rposition(|&x| x != 0).map_or(0, |p| p + 1);
                match std::str::from_utf8(&b[..end]) {
                    Ok(s) if !s.contains('\0') => Value::Str(s),
                    _ => return Err(bad("fixed-width string is not UTF-8 or has an inner NUL".into()).with_rule("T10")),
                }
            }
            ColumnType::Dict => {
                let code = u32::decode(b, o);
                match self.dicts[c].as_ref().and_then(|d| d.get(code)) {
                    Some(s) => Value::Str(s),
                    None => return Err(bad(format!("dictionary code {code} is out of range")).with_rule("DI4")),
                }
            }
        })
    }

    /// The code of a dict cell, `None` when null (for scans).
    fn code(&self, r: u64, c: usize) -> Option<u32> {
        let base = r as usize * self.row_width;
        if let Some((at, mask)) = self.null_of(c) {
            if self.rows[base + at] & mask != 0 {
                return None;
            }
        }
        let at = base + self.columns[c].offset as usize;
        Some(u32::decode(&self.rows[at..at + 4], self.order))
    }

    fn key_of_row(&self, cols: &[u32], r: u64, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        for &c in cols {
            let v = self.cell(r, c as usize)?;
            encode_key_value(out, self.columns[c as usize].def.ty, v);
        }
        Ok(())
    }

    /// `v` as a key value of column `c`, with the writer's canonicalisation
    /// (a non-negative `Int` for an unsigned column, a `UInt` up to
    /// `i64::MAX` for a signed one); an *input* error when it is not a value
    /// of the column's type, rather than a key that silently matches nothing.
    fn key_value<'v>(&self, c: usize, v: Value<'v>) -> Result<Value<'v>> {
        let d = &self.columns[c].def;
        let v = super::writer::canonical(d.ty, v);
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

    /// Parses `text` as a value of column `name`, for query arguments.
    pub fn parse_value(&self, name: &str, text: &str) -> Result<OwnedValue> {
        let c = self.col(name)?;
        let d = &self.columns[c].def;
        super::parse_value(text, d.ty, d.nullable).map_err(|m| Error::input(format!("value for column '{name}': {m}")))
    }
}

/// Every table of a file.
#[derive(Debug, Clone, Default)]
pub struct TableSet<'a> {
    tables: Vec<Table<'a>>,
}

impl<'a> TableSet<'a> {
    /// Opens the tables of the container `c` over its `bytes`, verifying
    /// the checksums and bounds of every TABLE, DICTIONARY and HASH_INDEX.
    /// A HASH_INDEX that cannot be used (another hash function, a checksum
    /// mismatch, a wrong shape) does not fail the open: it is listed in
    /// [`Table::unusable_indexes`] and its table is scanned instead.
    pub fn new(bytes: &'a [u8], c: &Container) -> Result<TableSet<'a>> {
        Self::open(bytes, c, Verify::Chunks, true).map(|(ts, _)| ts)
    }

    /// As [`TableSet::new`] but without verifying checksums: every bound and
    /// every structure check still runs, only the pass over each section's
    /// bytes to hash them is skipped (SPEC §13.1 rule 7), so opening costs
    /// the same for a 1 GB table as for a small one.
    ///
    /// ```
    /// # use std::io::Cursor;
    /// # use tribit::container::{ByteOrder, Container};
    /// # use tribit::table::{Schema, TableOptions, TableSet, TablesWriter, Value};
    /// let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    /// let mut t = w.table("t", Schema::parse("A:u8").unwrap(), &TableOptions::default()).unwrap();
    /// t.push_row(&[Value::UInt(7)]).unwrap();
    /// t.finish().unwrap();
    /// let mut bytes = w.finish().unwrap().into_inner();
    /// bytes[64] = 8; // the one cell, without updating the checksum
    /// let c = Container::parse(&bytes).unwrap();
    /// assert!(TableSet::new(&bytes, &c).is_err());
    /// let ts = TableSet::new_unverified(&bytes, &c).unwrap();
    /// assert_eq!(ts.tables()[0].cell(0, 0).unwrap(), Value::UInt(8));
    /// ```
    pub fn new_unverified(bytes: &'a [u8], c: &Container) -> Result<TableSet<'a>> {
        Self::open(bytes, c, Verify::Off, true).map(|(ts, _)| ts)
    }

    /// Opens every table that can be opened, each on its own, and returns
    /// beside them the error of each one that cannot (and of each [T2]
    /// problem between sections), for validators: with `verify`, each
    /// section is verified whole against its directory checksum, chunk
    /// checksums or not; else checksums are not checked (as
    /// [`TableSet::new_unverified`]).
    pub fn new_partial(bytes: &'a [u8], c: &Container, verify: bool) -> (TableSet<'a>, Vec<Error>) {
        let verify = if verify { Verify::Whole } else { Verify::Off };
        match Self::open(bytes, c, verify, false) {
            Ok(r) => r,
            // Not strict: every error is collected, none returned.
            Err(e) => (TableSet::default(), vec![e]),
        }
    }

    /// Opens the tables; `strict` returns the first error, else each error
    /// is collected and the tables that open are kept.
    fn open(bytes: &'a [u8], c: &Container, verify: Verify, strict: bool) -> Result<(TableSet<'a>, Vec<Error>)> {
        let sums = match verify {
            Verify::Chunks => ChunkSumsMap::new(bytes, c),
            _ => ChunkSumsMap::default(),
        };
        let verify = verify != Verify::Off;
        let mut tables: Vec<Table<'a>> = Vec::new();
        let mut errors = Vec::new();
        macro_rules! fail {
            ($e:expr) => {{
                let e = $e;
                if strict {
                    return Err(e);
                }
                errors.push(e);
            }};
        }
        // SPEC §2.4 T-a: the group rules of [T2] that need only the
        // directory, before any table is opened (also with no TABLE).
        let mut groups = HashSet::new();
        let mut opened = Vec::new();
        for e in c.sections.iter().filter(|e| e.kind == kind::TABLE) {
            if groups.insert(e.group) {
                opened.push(e);
            } else {
                fail!(
                    Error::format(Some(kind::TABLE), e.offset, format!("two tables in group {}", e.group),)
                        .with_rule("T2")
                );
            }
        }
        // A HASH_INDEX may instead belong to an INDEX_TARGET (SPEC §8.8),
        // whose own rules [IT4] the index file checks.
        let targets: HashSet<u32> = c
            .sections
            .iter()
            .filter(|x| x.kind == kind::INDEX_TARGET)
            .map(|x| x.group)
            .collect();
        for x in c
            .sections
            .iter()
            .filter(|x| matches!(x.kind, kind::DICTIONARY | kind::HASH_INDEX))
        {
            let targeted = x.kind == kind::HASH_INDEX && targets.contains(&x.group);
            if !groups.contains(&x.group) && !targeted {
                fail!(Error::format(Some(x.kind), x.offset, format!("no TABLE in group {}", x.group),).with_rule("T2"));
            }
        }
        // T-b to T-d, table by table.
        let mut names = HashSet::new();
        for e in opened {
            match open_table(bytes, c, e, verify, &sums, &mut names) {
                Ok(table) => tables.push(table),
                Err(err) => fail!(err),
            }
        }
        Ok((TableSet { tables }, errors))
    }

    /// The tables, in directory order.
    pub fn tables(&self) -> &[Table<'a>] {
        &self.tables
    }

    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Table<'a>> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Adds the indexes of the index file `f` (SPEC §8.8) to the tables
    /// they target, once every target of `f` has been found among these
    /// tables and matches its table in the file whose directory is `c`
    /// ([IT6]); otherwise nothing is added and the error says which table
    /// is missing or what changed. `origin` names the index file in plans.
    pub fn attach(&mut self, f: &IndexFile<'a>, c: &Container, origin: &str) -> Result<()> {
        for ti in f.targets() {
            let Some(t) = self.table(&ti.target.name) else {
                let names: Vec<&str> = self.tables.iter().map(|t| t.name()).collect();
                return Err(Error::new(
                    crate::ErrorKind::Mismatch,
                    format!(
                        "the index file {origin} indexes table '{}', which this file does not have (tables: {})",
                        ti.target.name,
                        if names.is_empty() {
                            "none".into()
                        } else {
                            names.join(", ")
                        }
                    ),
                )
                .with_rule("IT6"));
            };
            ti.target.check(t, c)?;
        }
        let origin: std::sync::Arc<str> = origin.into();
        for ti in f.targets() {
            if let Some(t) = self.tables.iter_mut().find(|t| t.name == ti.target.name) {
                t.indexes
                    .extend(ti.indexes.iter().map(|ix| ix.clone().with_origin(origin.clone())));
                t.unusable.extend(ti.unusable.iter().cloned());
            }
        }
        Ok(())
    }
}

/// How a table's sections are verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verify {
    /// Through their chunk checksums as they are used where they have
    /// some (SPEC §3.2), else whole before first use.
    Chunks,
    /// Whole, before first use.
    Whole,
    /// Not at all (SPEC §13.1 rule 7).
    Off,
}

/// One table: its TABLE, its dictionaries (required: an error fails the
/// table) and its indexes (not required: an error makes that index unusable).
/// Opens the table of TABLE section `e` (SPEC §2.4 T-b to T-d); its name,
/// read once the TABLE is verified, must not be in `names` (the earlier
/// tables', [T2]) and is added to it.
fn open_table<'a>(
    bytes: &'a [u8],
    c: &Container,
    e: &DirectoryEntry,
    verify: bool,
    sums: &ChunkSumsMap<'a>,
    names: &mut HashSet<String>,
) -> Result<Table<'a>> {
    let section = Checked::open(bytes, c, e, verify, sums)?;
    // The header, column descriptors and names are at the end; the last 8
    // bytes say where they start.
    let len = section.bytes.len();
    section.check(len.saturating_sub(t::TRAILER_LEN as usize)..len)?;
    if len >= t::TRAILER_LEN as usize {
        let ho = c.order.u64_at(section.bytes, len - t::TRAILER_LEN as usize);
        section.check((ho.min(len as u64) as usize)..len)?;
    }
    let mut table = parse_table(section, c.order, e)?;
    if !names.insert(table.name.clone()) {
        return Err(Error::format(
            Some(kind::TABLE),
            e.offset,
            format!("duplicate table name '{}'", table.name),
        )
        .with_rule("T2"));
    }
    for d in c
        .sections
        .iter()
        .filter(|d| d.kind == kind::DICTIONARY && d.group == e.group)
    {
        let s = Checked::open(bytes, c, d, verify, sums)?;
        s.check_all()?;
        let (col, dict) = Dictionary::parse(s.bytes, c.order, d.offset)?;
        let ok = (col as usize) < table.columns.len() && table.columns[col as usize].def.ty == ColumnType::Dict;
        if !ok || table.dicts[col as usize].is_some() {
            return Err(Error::format(
                Some(kind::DICTIONARY),
                d.offset,
                format!("dictionary for column {col}, which is not a dict column or has another dictionary"),
            )
            .with_rule("DI5"));
        }
        table.dicts[col as usize] = Some(dict);
    }
    for (i, col) in table.columns.iter().enumerate() {
        if col.def.ty == ColumnType::Dict && table.dicts[i].is_none() {
            return Err(Error::format(
                Some(kind::TABLE),
                e.offset,
                format!("dict column '{}' has no DICTIONARY section", col.def.name),
            )
            .with_rule("DI5"));
        }
    }
    for x in c
        .sections
        .iter()
        .filter(|x| x.kind == kind::HASH_INDEX && x.group == e.group)
    {
        let ix = Checked::open(bytes, c, x, verify, sums)
            .and_then(|s| HashIndex::parse(s, c.order, x.offset, table.row_count, table.columns.len() as u32));
        match ix {
            Ok(ix) => table.indexes.push(ix),
            Err(err) => table.unusable.push(UnusableIndex::new(x.offset, &err)),
        }
    }
    Ok(table)
}

fn parse_table<'a>(section: Checked<'a>, o: ByteOrder, e: &DirectoryEntry) -> Result<Table<'a>> {
    let s = section.bytes;
    let bad = |at: u64, m: String| Error::format(Some(kind::TABLE), e.offset + at, m);
    let len = s.len() as u64;
    if len < t::HEADER_LEN + t::TRAILER_LEN {
        return Err(bad(0, format!("section of {len} bytes is too short for a table")).with_rule("T1"));
    }
    let ho = o.u64_at(s, (len - 8) as usize);
    if !ho.is_multiple_of(8) || ho.checked_add(t::HEADER_LEN).is_none_or(|end| end > len - 8) {
        return Err(bad(
            len - 8,
            format!("header offset {ho} is not a multiple of 8 inside the section"),
        )
        .with_rule("T1"));
    }
    let h = ho as usize;
    let row_count = o.u64_at(s, h);
    let row_width = o.u32_at(s, h + 8);
    let ncol = o.u32_at(s, h + 12);
    let null_offset = o.u32_at(s, h + 16);
    let null_len = o.u32_at(s, h + 20);
    let name_len = o.u32_at(s, h + 24);
    let desc_len = o.u32_at(s, h + 28);
    let rows_len = row_count.checked_mul(row_width as u64);
    if rows_len.is_none_or(|r| r > ho || ho - r >= 8) {
        return Err(bad(
            ho,
            format!("{row_count} rows of {row_width} bytes do not end at the header at {ho}"),
        )
        .with_rule("T3"));
    }
    if row_width == 0 || ncol == 0 || (desc_len as u64) < t::COLUMN_LEN {
        return Err(bad(
            ho + 8,
            "row_width, column_count and column_entry_len must be non-zero (>= 32)".into(),
        )
        .with_rule("T4"));
    }
    if null_offset as u64 + null_len as u64 > row_width as u64 {
        return Err(bad(ho + 16, "null bitmap lies outside the row".into()).with_rule("T5"));
    }
    let descs = (ncol as u64)
        .checked_mul(desc_len as u64)
        .and_then(|n| n.checked_add(ho + t::HEADER_LEN));
    let Some(names_at) = descs.filter(|&n| n <= len - 8) else {
        return Err(bad(ho + 12, "column descriptors run past the section".into()).with_rule("T4"));
    };
    let mut pos = names_at;
    let mut take = |n: u32, what: &str| -> Result<&'a str> {
        let end = pos + n as u64;
        if end > len - 8 {
            return Err(bad(pos, format!("{what} runs past the section")).with_rule("T4"));
        }
        let r = std::str::from_utf8(&s[pos as usize..end as usize])
            .map_err(|_| bad(pos, format!("{what} is not UTF-8")).with_rule("T4"));
        pos = end;
        r
    };
    let name = take(name_len, "table name")?.to_string();
    if name.is_empty() {
        return Err(bad(ho + 24, "empty table name".into()).with_rule("T4"));
    }
    // ncol descriptors fit in the section, so ncol is bounded by its length;
    // the checks below are linear (overlaps: one sort) in ncol.
    let mut columns: Vec<StoredColumn> = Vec::with_capacity(ncol as usize);
    let mut bits_seen = HashSet::new();
    let mut names_seen = HashSet::new();
    let null_end = null_offset as u64 + null_len as u64;
    for i in 0..ncol as u64 {
        let d = (ho + t::HEADER_LEN + i * desc_len as u64) as usize;
        let at = d as u64;
        let code = s[d];
        let nullable = s[d + 1] & t::COLUMN_FLAG_NULLABLE != 0;
        let offset = o.u32_at(s, d + 4);
        let width = o.u32_at(s, d + 8);
        let null_bit = o.u32_at(s, d + 12);
        let cname = take(o.u32_at(s, d + 16), "column name")?;
        let ty = ColumnType::from_code(code, width).ok_or_else(|| {
            bad(at, format!("column {i}: type {code} with width {width} is not valid")).with_rule("T6")
        })?;
        let end = offset as u64 + width as u64;
        if end > row_width as u64 {
            return Err(bad(
                at + 4,
                format!("column '{cname}' lies outside the {row_width}-byte row"),
            )
            .with_rule("T7"));
        }
        if null_len > 0 && (null_offset as u64) < end && (offset as u64) < null_end {
            return Err(bad(at + 4, format!("column '{cname}' overlaps the null bitmap")).with_rule("T7"));
        }
        // u64: 8 x null_len does not fit a u32 for a bitmap of 2^29 bytes or more.
        if nullable != (null_bit != t::NO_NULL_BIT)
            || (nullable && (null_bit as u64 >= null_len as u64 * 8 || !bits_seen.insert(null_bit)))
        {
            return Err(bad(
                at + 12,
                format!("column '{cname}': null bit {null_bit} does not match its nullability or the bitmap"),
            )
            .with_rule("T8"));
        }
        if cname.is_empty() || !names_seen.insert(cname) {
            return Err(bad(at + 16, format!("column name '{cname}' is empty or repeated")).with_rule("T4"));
        }
        columns.push(StoredColumn {
            def: ColumnDef {
                name: cname.to_string(),
                ty,
                nullable,
            },
            offset,
            null_bit,
        });
    }
    // [T7] no two columns overlap: sorted by offset, each (width >= 1) ends
    // at or before the next begins.
    let mut spans: Vec<usize> = (0..columns.len()).collect();
    spans.sort_by_key(|&i| columns[i].offset);
    for w in spans.windows(2) {
        let (a, b) = (&columns[w[0]], &columns[w[1]]);
        if a.offset as u64 + a.def.ty.width() as u64 > b.offset as u64 {
            let later = w[0].max(w[1]);
            return Err(bad(
                ho + t::HEADER_LEN + later as u64 * desc_len as u64 + 4,
                format!(
                    "column '{}' overlaps column '{}'",
                    columns[later].def.name,
                    columns[w[0].min(w[1])].def.name
                ),
            )
            .with_rule("T7"));
        }
    }
    let schema = Schema {
        columns: columns.iter().map(|c| c.def.clone()).collect(),
    };
    Ok(Table {
        name,
        order: o,
        rows: &s[..(row_count * row_width as u64) as usize],
        section,
        row_count,
        row_width: row_width as usize,
        null_offset: null_offset as usize,
        null_len: null_len as usize,
        dicts: vec![None; columns.len()],
        columns,
        schema,
        indexes: Vec::new(),
        unusable: Vec::new(),
        broken: Arc::default(),
        group: e.group,
        offset: e.offset,
        header_offset: ho,
        names_end: pos,
        len,
    })
}
