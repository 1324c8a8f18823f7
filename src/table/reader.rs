//! Reading tables in place (SPEC §8): every offset and length is checked
//! when a table is opened, so cell access is arithmetic plus a bounds-checked
//! slice, decoded with `from_le_bytes`/`from_be_bytes` at any alignment.

use std::marker::PhantomData;

use super::{ColumnDef, ColumnType, OwnedValue, RowSet, Schema, Value};
use crate::container::{ByteOrder, Container, DirectoryEntry};
use crate::error::{Error, Result};
use crate::index::{encode_key_value, key_hash, HashIndex};
use crate::spec::{kind, table as t};

/// The strings of a dictionary-encoded column (SPEC §8.3).
#[derive(Debug, Clone)]
pub struct Dictionary<'a> {
    order: ByteOrder,
    offsets: &'a [u8],
    strings: &'a [u8],
    count: u64,
}

impl<'a> Dictionary<'a> {
    fn parse(bytes: &'a [u8], order: ByteOrder, offset: u64) -> Result<(u32, Dictionary<'a>)> {
        let bad = |at: u64, m: String| Error::format(Some(kind::DICTIONARY), offset + at, m);
        if (bytes.len() as u64) < t::DICTIONARY_HEADER_LEN {
            return Err(bad(0, "section is shorter than its 32-byte header [DI1]".into()));
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
                    "{count} strings of {total} bytes do not fill the {}-byte section [DI1]",
                    bytes.len()
                ),
            ));
        }
        let offs_end = 32 + 8 * (count as usize + 1);
        let d = Dictionary {
            order,
            offsets: &bytes[32..offs_end],
            strings: &bytes[offs_end..],
            count,
        };
        // [DI2] offsets start at 0, never decrease, end at the byte count;
        // [DI3] every string is UTF-8.
        let mut prev = 0u64;
        for i in 0..=count {
            let v = order.u64_at(d.offsets, 8 * i as usize);
            if (i == 0 && v != 0) || v < prev || v > total || (i == count && v != total) {
                return Err(bad(32 + 8 * i, format!("string offset {i} = {v} breaks [DI2]")));
            }
            prev = v;
        }
        for i in 0..count {
            if d.get_bytes(i).is_some_and(|b| std::str::from_utf8(b).is_err()) {
                return Err(bad(offs_end as u64, format!("string {i} is not UTF-8 [DI3]")));
            }
        }
        Ok((column, d))
    }

    fn get_bytes(&self, code: u64) -> Option<&'a [u8]> {
        if code >= self.count {
            return None;
        }
        let a = self.order.u64_at(self.offsets, 8 * code as usize) as usize;
        let b = self.order.u64_at(self.offsets, 8 * code as usize + 8) as usize;
        self.strings.get(a..b)
    }

    /// The string of `code`, if in range.
    pub fn get(&self, code: u32) -> Option<&'a str> {
        self.get_bytes(code as u64).and_then(|b| std::str::from_utf8(b).ok())
    }

    /// Number of strings.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether there is no string.
    pub fn is_empty(&self) -> bool {
        self.count == 0
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
    row_count: u64,
    row_width: usize,
    null_offset: usize,
    null_len: usize,
    columns: Vec<StoredColumn>,
    schema: Schema,
    dicts: Vec<Option<Dictionary<'a>>>,
    indexes: Vec<HashIndex<'a>>,
    group: u32,
}

/// A type a column can be viewed as (SPEC §8.2).
pub trait Primitive: Copy {
    /// Whether a column of `ty` decodes as `Self`.
    fn accepts(ty: ColumnType) -> bool;
    /// Decodes a cell of the accepted width.
    fn decode(b: &[u8], order: ByteOrder) -> Self;
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
    /// The value of row `r`; `None` when null or past the last row.
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
        Some(T::decode(&self.rows[at..at + self.size], self.order))
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
    /// A scan of this column.
    Scan(String),
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

    /// The raw bytes of row `r` (for validators), if in range.
    pub fn row_bytes(&self, r: u64) -> Option<&'a [u8]> {
        let start = (r < self.row_count).then(|| r as usize * self.row_width)?;
        self.rows.get(start..start + self.row_width)
    }

    /// Byte offset and length of the null bitmap within a row.
    pub fn null_bitmap(&self) -> (u32, u32) {
        (self.null_offset as u32, self.null_len as u32)
    }

    /// The section group of the table.
    pub fn group(&self) -> u32 {
        self.group
    }

    /// The table's indexes.
    pub fn indexes(&self) -> &[HashIndex<'a>] {
        &self.indexes
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

    /// A typed view of the column `name`.
    pub fn column<T: Primitive>(&self, name: &str) -> Result<ColumnView<'a, T>> {
        let c = self.col(name)?;
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

    fn null_of(&self, c: usize) -> Option<(usize, u8)> {
        let b = self.columns[c].null_bit;
        (b != t::NO_NULL_BIT).then(|| (self.null_offset + b as usize / 8, 1u8 << (b % 8)))
    }

    /// The value of column `c` in row `r` (both checked).
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
                0,
                format!("table '{}' row {r} column '{}': {m}", self.name, col.def.name),
            )
        };
        Ok(match col.def.ty {
            ColumnType::Bool => match b[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                x => return Err(bad(format!("bool byte {x} is not 0 or 1 [T9]"))),
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
                    _ => return Err(bad("fixed-width string is not UTF-8 or has an inner NUL [T10]".into())),
                }
            }
            ColumnType::Dict => {
                let code = u32::decode(b, o);
                match self.dicts[c].as_ref().and_then(|d| d.get(code)) {
                    Some(s) => Value::Str(s),
                    None => return Err(bad(format!("dictionary code {code} is out of range [DI4]"))),
                }
            }
        })
    }

    fn key_of_row(&self, cols: &[u32], r: u64, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        for &c in cols {
            let v = self.cell(r, c as usize)?;
            encode_key_value(out, self.columns[c as usize].def.ty, v);
        }
        Ok(())
    }

    /// Rows whose key columns equal `key` using index `ix`: hash, one
    /// bucket, then the stored key of each candidate entry's first row is
    /// compared, so a colliding key never contributes rows (SPEC §8.4).
    pub fn index_lookup(&self, ix: usize, key: &[Value<'_>]) -> Result<RowSet> {
        self.index_lookup_with(ix, key, key_hash)
    }

    #[doc(hidden)]
    pub fn index_lookup_with(&self, ix: usize, key: &[Value<'_>], hash: fn(&[u8]) -> u64) -> Result<RowSet> {
        let index = self
            .indexes
            .get(ix)
            .ok_or_else(|| Error::input(format!("table '{}' has no index {ix}", self.name)))?;
        let mut want = Vec::new();
        for (&c, v) in index.columns().iter().zip(key) {
            encode_key_value(&mut want, self.columns[c as usize].def.ty, *v);
        }
        let h = hash(&want);
        let mut got = Vec::new();
        for e in index.candidates(h)? {
            let first = index.entry_first_row(e)?;
            if first >= self.row_count {
                return Err(Error::format(
                    Some(kind::HASH_INDEX),
                    index.offset(),
                    format!("entry {e} points past the rows [HI8]"),
                ));
            }
            self.key_of_row(index.columns(), first, &mut got)?;
            if got == want {
                return index.entry_rows(e, self.row_count);
            }
        }
        Ok(RowSet::new())
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
    pub fn select(&self, conditions: &[(&str, Vec<Value<'_>>)]) -> Result<(RowSet, Vec<Plan>)> {
        let mut conds = Vec::new();
        for (name, vals) in conditions {
            let c = self.col(name)?;
            let ty = self.columns[c].def.ty;
            let vals: Vec<Value<'_>> = vals.iter().map(|v| super::writer::canonical(ty, *v)).collect();
            conds.push((c, vals));
        }
        let mut done = vec![false; conds.len()];
        let mut plans = Vec::new();
        let mut result: Option<RowSet> = None;
        // Indexes covering the most conditions first; multi-column keys need
        // one value per key column.
        let mut order: Vec<usize> = (0..self.indexes.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.indexes[i].columns().len()));
        for ix in order {
            let cols = self.indexes[ix].columns();
            let mut which = Vec::new();
            for &k in cols {
                match conds
                    .iter()
                    .enumerate()
                    .position(|(i, (c, v))| !done[i] && *c == k as usize && (cols.len() == 1 || v.len() == 1))
                {
                    Some(i) => which.push(i),
                    None => break,
                }
            }
            if which.len() != cols.len() {
                continue;
            }
            let rows = if cols.len() == 1 {
                let mut all = Vec::new();
                for v in &conds[which[0]].1 {
                    all.extend_from_slice(self.index_lookup(ix, std::slice::from_ref(v))?.ranges());
                }
                RowSet::from_ranges(all)
            } else {
                let key: Vec<Value<'_>> = which.iter().map(|&i| conds[i].1[0]).collect();
                self.index_lookup(ix, &key)?
            };
            for &i in &which {
                done[i] = true;
            }
            plans.push(Plan::Index(
                cols.iter()
                    .map(|&c| self.columns[c as usize].def.name.clone())
                    .collect(),
            ));
            result = Some(match result {
                Some(r) => r.intersect(&rows),
                None => rows,
            });
        }
        let mut key = Vec::new();
        let mut want = Vec::new();
        for (i, (c, vals)) in conds.iter().enumerate() {
            if done[i] {
                continue;
            }
            plans.push(Plan::Scan(self.columns[*c].def.name.clone()));
            let ty = self.columns[*c].def.ty;
            let wanted: Vec<Vec<u8>> = vals
                .iter()
                .map(|v| {
                    want.clear();
                    encode_key_value(&mut want, ty, *v);
                    want.clone()
                })
                .collect();
            let base = result.take().unwrap_or_else(|| RowSet::all(self.row_count));
            let mut hits = Vec::new();
            for r in base.rows() {
                self.key_of_row(&[*c as u32], r, &mut key)?;
                if wanted.contains(&key) {
                    hits.push(r);
                }
            }
            result = Some(RowSet::from_rows(hits));
        }
        Ok((result.unwrap_or_else(|| RowSet::all(self.row_count)), plans))
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
    pub fn new(bytes: &'a [u8], c: &Container) -> Result<TableSet<'a>> {
        let mut tables: Vec<Table<'a>> = Vec::new();
        for e in c.sections.iter().filter(|e| e.kind == kind::TABLE) {
            let s = c.verified(bytes, e)?;
            let mut table = parse_table(s, c.order, e)?;
            if tables.iter().any(|t| t.group == e.group) {
                return Err(Error::format(
                    Some(kind::TABLE),
                    e.offset,
                    format!("two tables in group {} [T2]", e.group),
                ));
            }
            if tables.iter().any(|t| t.name == table.name) {
                return Err(Error::format(
                    Some(kind::TABLE),
                    e.offset,
                    format!("duplicate table name '{}' [T2]", table.name),
                ));
            }
            for d in c
                .sections
                .iter()
                .filter(|d| d.kind == kind::DICTIONARY && d.group == e.group)
            {
                let (col, dict) = Dictionary::parse(c.verified(bytes, d)?, c.order, d.offset)?;
                let ok = (col as usize) < table.columns.len() && table.columns[col as usize].def.ty == ColumnType::Dict;
                if !ok || table.dicts[col as usize].is_some() {
                    return Err(Error::format(
                        Some(kind::DICTIONARY),
                        d.offset,
                        format!(
                            "dictionary for column {col}, which is not a dict column or has another dictionary [DI5]"
                        ),
                    ));
                }
                table.dicts[col as usize] = Some(dict);
            }
            for (i, col) in table.columns.iter().enumerate() {
                if col.def.ty == ColumnType::Dict && table.dicts[i].is_none() {
                    return Err(Error::format(
                        Some(kind::TABLE),
                        e.offset,
                        format!("dict column '{}' has no DICTIONARY section [DI5]", col.def.name),
                    ));
                }
            }
            for x in c
                .sections
                .iter()
                .filter(|x| x.kind == kind::HASH_INDEX && x.group == e.group)
            {
                let ix = HashIndex::parse(
                    c.verified(bytes, x)?,
                    c.order,
                    x.offset,
                    table.row_count,
                    table.columns.len() as u32,
                )?;
                table.indexes.push(ix);
            }
            tables.push(table);
        }
        for x in c
            .sections
            .iter()
            .filter(|x| matches!(x.kind, kind::DICTIONARY | kind::HASH_INDEX))
        {
            if !tables.iter().any(|t| t.group == x.group) {
                return Err(Error::format(
                    Some(x.kind),
                    x.offset,
                    format!("no TABLE in group {} [T2]", x.group),
                ));
            }
        }
        Ok(TableSet { tables })
    }

    /// The tables, in directory order.
    pub fn tables(&self) -> &[Table<'a>] {
        &self.tables
    }

    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Table<'a>> {
        self.tables.iter().find(|t| t.name == name)
    }
}

fn parse_table<'a>(s: &'a [u8], o: ByteOrder, e: &DirectoryEntry) -> Result<Table<'a>> {
    let bad = |at: u64, m: String| Error::format(Some(kind::TABLE), e.offset + at, m);
    let len = s.len() as u64;
    if len < t::HEADER_LEN + t::TRAILER_LEN {
        return Err(bad(0, format!("section of {len} bytes is too short for a table [T1]")));
    }
    let ho = o.u64_at(s, (len - 8) as usize);
    if ho % 8 != 0 || ho.checked_add(t::HEADER_LEN).is_none_or(|end| end > len - 8) {
        return Err(bad(
            len - 8,
            format!("header offset {ho} is not a multiple of 8 inside the section [T1]"),
        ));
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
            format!("{row_count} rows of {row_width} bytes do not end at the header at {ho} [T3]"),
        ));
    }
    if row_width == 0 || ncol == 0 || (desc_len as u64) < t::COLUMN_LEN {
        return Err(bad(
            ho + 8,
            "row_width, column_count and column_entry_len must be non-zero (>= 32) [T4]".into(),
        ));
    }
    if null_offset as u64 + null_len as u64 > row_width as u64 {
        return Err(bad(ho + 16, "null bitmap lies outside the row [T5]".into()));
    }
    let descs = (ncol as u64)
        .checked_mul(desc_len as u64)
        .and_then(|n| n.checked_add(ho + t::HEADER_LEN));
    let Some(names_at) = descs.filter(|&n| n <= len - 8) else {
        return Err(bad(ho + 12, "column descriptors run past the section [T4]".into()));
    };
    let mut pos = names_at;
    let mut take = |n: u32, what: &str| -> Result<String> {
        let end = pos + n as u64;
        if end > len - 8 {
            return Err(bad(pos, format!("{what} runs past the section [T4]")));
        }
        let r = std::str::from_utf8(&s[pos as usize..end as usize])
            .map(str::to_string)
            .map_err(|_| bad(pos, format!("{what} is not UTF-8 [T4]")));
        pos = end;
        r
    };
    let name = take(name_len, "table name")?;
    if name.is_empty() {
        return Err(bad(ho + 24, "empty table name [T4]".into()));
    }
    let mut columns: Vec<StoredColumn> = Vec::with_capacity(ncol as usize);
    let mut bits_seen = std::collections::HashSet::new();
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
            bad(
                at,
                format!("column {i}: type {code} with width {width} is not valid [T6]"),
            )
        })?;
        if offset as u64 + width as u64 > row_width as u64 {
            return Err(bad(
                at + 4,
                format!("column '{cname}' lies outside the {row_width}-byte row [T7]"),
            ));
        }
        let overlaps = |a: u64, b: u64| a < b && a < offset as u64 + width as u64 && (offset as u64) < b;
        if columns
            .iter()
            .any(|c| overlaps(c.offset as u64, c.offset as u64 + c.def.ty.width() as u64))
            || overlaps(null_offset as u64, null_offset as u64 + null_len as u64)
        {
            return Err(bad(
                at + 4,
                format!("column '{cname}' overlaps another column or the null bitmap [T7]"),
            ));
        }
        if nullable != (null_bit != t::NO_NULL_BIT)
            || (nullable && (null_bit >= null_len * 8 || !bits_seen.insert(null_bit)))
        {
            return Err(bad(
                at + 12,
                format!("column '{cname}': null bit {null_bit} does not match its nullability or the bitmap [T8]"),
            ));
        }
        if cname.is_empty() || columns.iter().any(|c| c.def.name == cname) {
            return Err(bad(at + 16, format!("column name '{cname}' is empty or repeated [T4]")));
        }
        columns.push(StoredColumn {
            def: ColumnDef {
                name: cname,
                ty,
                nullable,
            },
            offset,
            null_bit,
        });
    }
    let schema = Schema {
        columns: columns.iter().map(|c| c.def.clone()).collect(),
    };
    Ok(Table {
        name,
        order: o,
        rows: &s[..(row_count * row_width as u64) as usize],
        row_count,
        row_width: row_width as usize,
        null_offset: null_offset as usize,
        null_len: null_len as usize,
        dicts: vec![None; columns.len()],
        columns,
        schema,
        indexes: Vec::new(),
        group: e.group,
    })
}
