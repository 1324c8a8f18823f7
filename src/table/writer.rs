//! Writing tables row by row (SPEC §8.1): rows stream straight to the
//! container; the header, dictionaries and indexes follow them.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Seek, Write};
use std::sync::Arc;

use super::{ColumnType, Schema, Value};
use crate::container::{ByteOrder, ContainerWriter};
use crate::error::{Error, Result};
use crate::matrix::{MatrixOptions, MatrixWriter};
use crate::spec::{kind, table as t};
use crate::table::index::{encode_key_value, IndexBuilder, IndexLayout};

/// Options of one table.
#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    /// Hash-key indexes to build, each a list of key column names.
    pub indexes: Vec<Vec<String>>,
}

/// Writes a file of tables (SPEC §8), each in its own group.
pub struct TablesWriter<W: Write + Seek> {
    c: ContainerWriter<W>,
    names: HashSet<String>,
    matrices: HashSet<String>,
    next_group: u32,
    index_layout: IndexLayout,
}

impl<W: Write + Seek> TablesWriter<W> {
    /// Starts a file on `out`.
    pub fn new(out: W, order: ByteOrder) -> Result<Self> {
        Ok(TablesWriter {
            c: ContainerWriter::new(out, order)?,
            names: HashSet::new(),
            matrices: HashSet::new(),
            next_group: 1,
            index_layout: IndexLayout::Compact,
        })
    }

    /// Sets the chunk length of the chunk checksums written after each
    /// table section longer than one chunk to 2^`shift` bytes (SPEC §3.2;
    /// 64 KiB by default).
    pub fn set_chunk_shift(&mut self, shift: u32) {
        self.c.set_chunk_shift(shift);
    }

    /// Sets the layout of the hash indexes of the tables started after
    /// this call (SPEC §8.4): compact where it fits (the default), or
    /// always classic, which readers older than version 1.8 can use.
    pub fn set_index_layout(&mut self, layout: IndexLayout) {
        self.index_layout = layout;
    }

    /// Starts the table `name`; push its rows, then call [`TableWriter::finish`].
    pub fn table(&mut self, name: &str, schema: Schema, options: &TableOptions) -> Result<TableWriter<'_, W>> {
        if !self.names.insert(name.to_string()) {
            return Err(Error::input(format!("duplicate table name '{name}'")));
        }
        let group = self.next_group;
        self.next_group += 1;
        let mut t = TableWriter::begin(&mut self.c, group, name, schema, options)?;
        t.set_index_layout(self.index_layout);
        Ok(t)
    }

    /// Starts the matrix `name` (SPEC §8.9) with columns `col_names`; push
    /// its rows, then call [`MatrixWriter::finish`]. Its name tables are
    /// the tables `NAME:rows` and `NAME:cols`.
    pub fn matrix(&mut self, name: &str, col_names: &[String], options: &MatrixOptions) -> Result<MatrixWriter<'_, W>> {
        for t in [format!("{name}:rows"), format!("{name}:cols")] {
            if !self.names.insert(t.clone()) {
                return Err(Error::input(format!("duplicate table name '{t}'")));
            }
        }
        if !self.matrices.insert(name.to_string()) {
            return Err(Error::input(format!("duplicate matrix name '{name}'")));
        }
        let group = self.next_group;
        self.next_group += 3;
        MatrixWriter::begin(&mut self.c, group, name, col_names, options)
    }

    /// Writes the directory and header; returns the output.
    pub fn finish(self) -> Result<W> {
        self.c.finish()
    }
}

/// Row layout chosen by the writer: natural alignment, widest first.
pub(crate) struct Layout {
    pub offsets: Vec<u32>,
    pub null_bits: Vec<u32>,
    pub null_offset: u32,
    pub null_len: u32,
    pub row_width: u32,
}

pub(crate) fn layout(schema: &Schema) -> Result<Layout> {
    let n = schema.columns.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(schema.columns[i].ty.align()));
    let mut offsets = vec![0u32; n];
    let mut pos: u64 = 0;
    for &i in &order {
        offsets[i] = u32::try_from(pos).map_err(|_| Error::input("row wider than 2^32 bytes"))?;
        pos += schema.columns[i].ty.width() as u64;
    }
    let mut null_bits = vec![t::NO_NULL_BIT; n];
    let mut k = 0u32;
    for (i, c) in schema.columns.iter().enumerate() {
        if c.nullable {
            null_bits[i] = k;
            k += 1;
        }
    }
    let null_offset = pos as u32;
    let null_len = k.div_ceil(8);
    pos += null_len as u64;
    let max_align = schema.columns.iter().map(|c| c.ty.align()).max().unwrap_or(1) as u64;
    let width = pos.max(1).next_multiple_of(max_align);
    Ok(Layout {
        offsets,
        null_bits,
        null_offset,
        null_len,
        row_width: u32::try_from(width).map_err(|_| Error::input("row wider than 2^32 bytes"))?,
    })
}

/// A string hasher for the dictionaries being built: xxh3 of the bytes
/// (SipHash, the default, costs more than the rest of a row's work).
#[derive(Default)]
struct StrHasher(u64);

impl Hasher for StrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = self.0.rotate_left(29) ^ xxhash_rust::xxh3::xxh3_64(bytes);
    }
    fn write_u8(&mut self, _: u8) {
        // `str` hashes its bytes and then 0xFF; the bytes alone suffice.
    }
}

/// The strings of one dict column so far, numbered in order of first
/// appearance (SPEC §8.3).
#[derive(Default)]
struct DictBuilder {
    codes: HashMap<Arc<str>, u32, BuildHasherDefault<StrHasher>>,
    /// The strings in code order (shared with `codes`).
    strings: Vec<Arc<str>>,
    /// For each code, the code that followed it the last time it was seen
    /// in this column, or `NONE`. Tables written in a repeating order (every
    /// patient lists the same probesets in the same order) predict the next
    /// string with one comparison instead of a hash lookup.
    next: Vec<u32>,
    /// The code of the previous row's value.
    prev: Option<u32>,
}

impl DictBuilder {
    const NONE: u32 = u32::MAX;

    fn code(&self, s: &str) -> Option<u32> {
        if let Some(p) = self.prev {
            if *self.strings[p as usize] == *s {
                return Some(p);
            }
            let n = self.next[p as usize];
            if n != Self::NONE && *self.strings[n as usize] == *s {
                return Some(n);
            }
        }
        self.codes.get(s).copied()
    }

    fn insert(&mut self, s: &str) -> u32 {
        let c = self.strings.len() as u32;
        let a: Arc<str> = s.into();
        self.codes.insert(a.clone(), c);
        self.strings.push(a);
        self.next.push(Self::NONE);
        c
    }

    fn remember(&mut self, c: u32) {
        if let Some(p) = self.prev {
            self.next[p as usize] = c;
        }
        self.prev = Some(c);
    }
}

/// Writes the rows of one table; created by [`TablesWriter::table`].
pub struct TableWriter<'w, W: Write + Seek> {
    c: &'w mut ContainerWriter<W>,
    group: u32,
    name: String,
    schema: Schema,
    layout: Layout,
    rows: u64,
    row: Vec<u8>,
    dicts: Vec<Option<DictBuilder>>,
    indexes: Vec<IndexBuilder>,
    key: Vec<u8>,
    /// Dict codes of the row being pushed: (column, code, whether the string
    /// is new), committed only once the whole row is accepted.
    pending: Vec<(usize, u32, bool)>,
}

impl<'w, W: Write + Seek> TableWriter<'w, W> {
    /// Starts a table on a container writer, in section group `group`.
    pub fn begin(
        c: &'w mut ContainerWriter<W>,
        group: u32,
        name: &str,
        schema: Schema,
        options: &TableOptions,
    ) -> Result<Self> {
        schema.check()?;
        if name.is_empty() {
            return Err(Error::input("a table needs a non-empty name"));
        }
        let layout = layout(&schema)?;
        let mut indexes = Vec::new();
        for cols in &options.indexes {
            let mut pos = Vec::new();
            for c in cols {
                let p = schema
                    .position(c)
                    .ok_or_else(|| Error::input(format!("index column '{c}' is not a column of table '{name}'")))?;
                if pos.contains(&(p as u32)) {
                    return Err(Error::input(format!("index names column '{c}' twice")));
                }
                pos.push(p as u32);
            }
            if pos.is_empty() {
                return Err(Error::input("an index needs at least one column"));
            }
            indexes.push(IndexBuilder::new(pos));
        }
        let dicts = schema
            .columns
            .iter()
            .map(|c| (c.ty == ColumnType::Dict).then(DictBuilder::default))
            .collect();
        c.begin_section(kind::TABLE, true, group)?;
        Ok(TableWriter {
            c,
            group,
            name: name.to_string(),
            row: vec![0; layout.row_width as usize],
            schema,
            layout,
            rows: 0,
            dicts,
            indexes,
            key: Vec::new(),
            pending: Vec::new(),
        })
    }

    /// Sets the layout of every index (SPEC §8.4): see
    /// [`TablesWriter::set_index_layout`].
    pub fn set_index_layout(&mut self, layout: IndexLayout) {
        for b in &mut self.indexes {
            b.set_layout(layout);
        }
    }

    /// Replaces the hash of every index, so tests can force collisions.
    #[doc(hidden)]
    pub fn set_index_hash(&mut self, hash: fn(&[u8]) -> u64) {
        for b in &mut self.indexes {
            b.set_hash(hash);
        }
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Appends one row. Integers must fit their column, strings their width;
    /// an error names the column, and the row is not written.
    pub fn push_row(&mut self, values: &[Value<'_>]) -> Result<()> {
        if values.len() != self.schema.columns.len() {
            return Err(Error::input(format!(
                "row has {} values, the table has {} columns",
                values.len(),
                self.schema.columns.len()
            )));
        }
        let o = self.c.order();
        self.row.fill(0);
        self.pending.clear();
        for (i, (col, v)) in self.schema.columns.iter().zip(values).enumerate() {
            let at = self.layout.offsets[i] as usize;
            let w = col.ty.width() as usize;
            let cell = &mut self.row[at..at + w];
            let bad = |what: &str| Error::input(format!("column '{}' ({}): {what}", col.name, col.ty.name()));
            macro_rules! put {
                ($x:expr) => {{
                    let b = match o {
                        ByteOrder::Little => $x.to_le_bytes(),
                        ByteOrder::Big => $x.to_be_bytes(),
                    };
                    cell.copy_from_slice(&b);
                }};
            }
            macro_rules! int {
                ($t:ty, $v:expr) => {{
                    let x = <$t>::try_from($v).map_err(|_| bad(&format!("{} is out of range", $v)))?;
                    put!(x)
                }};
            }
            match (col.ty, canonical(col.ty, *v)) {
                (_, Value::Null) => {
                    if !col.nullable {
                        return Err(bad("null in a column that is not nullable"));
                    }
                    let bit = self.layout.null_bits[i];
                    self.row[self.layout.null_offset as usize + bit as usize / 8] |= 1 << (bit % 8);
                }
                (ColumnType::Bool, Value::Bool(b)) => cell[0] = b as u8,
                (ColumnType::I8, Value::Int(x)) => int!(i8, x),
                (ColumnType::I16, Value::Int(x)) => int!(i16, x),
                (ColumnType::I32, Value::Int(x)) => int!(i32, x),
                (ColumnType::I64, Value::Int(x)) => int!(i64, x),
                (ColumnType::U8, Value::UInt(x)) => int!(u8, x),
                (ColumnType::U16, Value::UInt(x)) => int!(u16, x),
                (ColumnType::U32, Value::UInt(x)) => int!(u32, x),
                (ColumnType::U64, Value::UInt(x)) => int!(u64, x),
                (ColumnType::U8 | ColumnType::U16 | ColumnType::U32 | ColumnType::U64, Value::Int(x)) => {
                    let u = u64::try_from(x).map_err(|_| bad(&format!("{x} is negative")))?;
                    match col.ty {
                        ColumnType::U8 => int!(u8, u),
                        ColumnType::U16 => int!(u16, u),
                        ColumnType::U32 => int!(u32, u),
                        _ => int!(u64, u),
                    }
                }
                (ColumnType::F32, Value::F32(x)) => put!(x.to_bits()),
                (ColumnType::F64, Value::F64(x)) => put!(x.to_bits()),
                (ColumnType::Str(n), Value::Str(s)) => {
                    if s.len() > n as usize {
                        return Err(bad(&format!(
                            "string of {} bytes is longer than the width {n}",
                            s.len()
                        )));
                    }
                    if s.contains('\0') {
                        return Err(bad("string contains a NUL byte"));
                    }
                    cell[..s.len()].copy_from_slice(s.as_bytes());
                }
                (ColumnType::Dict, Value::Str(s)) => {
                    let Some(d) = self.dicts[i].as_ref() else {
                        return Err(bad("no dictionary"));
                    };
                    let (code, new) = match d.code(s) {
                        Some(c) => (c, false),
                        None => {
                            let c = u32::try_from(d.strings.len())
                                .ok()
                                .filter(|&c| c != DictBuilder::NONE)
                                .ok_or_else(|| bad("more than 2^32 - 1 distinct strings"))?;
                            (c, true)
                        }
                    };
                    self.pending.push((i, code, new));
                    put!(code)
                }
                (_, v) => return Err(bad(&format!("value {v:?} has the wrong type"))),
            }
        }
        // The row is accepted: commit its new dictionary strings.
        for &(i, code, new) in &self.pending {
            let (Some(d), Value::Str(s)) = (self.dicts[i].as_mut(), values[i]) else {
                continue;
            };
            if new {
                d.insert(s);
            }
            d.remember(code);
        }
        for ix in &mut self.indexes {
            self.key.clear();
            for &c in &ix.columns {
                let col = &self.schema.columns[c as usize];
                encode_key_value(&mut self.key, col.ty, canonical(col.ty, values[c as usize]));
            }
            ix.add(&self.key, self.rows);
        }
        self.c.write(&self.row)?;
        self.rows += 1;
        Ok(())
    }

    /// Writes the table header, the dictionaries and the indexes.
    pub fn finish(self) -> Result<()> {
        let o = self.c.order();
        let rows_len = self.c.section_position();
        let header_offset = rows_len.next_multiple_of(8);
        let mut h = vec![0u8; (header_offset - rows_len) as usize];
        let start = h.len();
        o.put_u64(&mut h, self.rows);
        o.put_u32(&mut h, self.layout.row_width);
        o.put_u32(&mut h, self.schema.columns.len() as u32);
        o.put_u32(&mut h, self.layout.null_offset);
        o.put_u32(&mut h, self.layout.null_len);
        o.put_u32(&mut h, self.name.len() as u32);
        o.put_u32(&mut h, t::COLUMN_LEN as u32);
        h.resize(start + t::HEADER_LEN as usize, 0);
        for (i, col) in self.schema.columns.iter().enumerate() {
            let d = h.len();
            h.push(col.ty.code());
            h.push(if col.nullable { t::COLUMN_FLAG_NULLABLE } else { 0 });
            h.extend_from_slice(&[0, 0]);
            o.put_u32(&mut h, self.layout.offsets[i]);
            o.put_u32(&mut h, col.ty.width());
            o.put_u32(&mut h, self.layout.null_bits[i]);
            o.put_u32(&mut h, col.name.len() as u32);
            h.resize(d + t::COLUMN_LEN as usize, 0);
        }
        h.extend_from_slice(self.name.as_bytes());
        for col in &self.schema.columns {
            h.extend_from_slice(col.name.as_bytes());
        }
        let len = h.len() as u64 + rows_len;
        h.resize((len.next_multiple_of(8) - rows_len) as usize, 0);
        o.put_u64(&mut h, header_offset);
        self.c.write(&h)?;
        self.c.end_section()?;
        for (i, d) in self.dicts.into_iter().enumerate() {
            let Some(d) = d else { continue };
            let list = d.strings;
            let mut b = Vec::new();
            o.put_u32(&mut b, i as u32);
            o.put_u32(&mut b, 0);
            o.put_u64(&mut b, list.len() as u64);
            let total: usize = list.iter().map(|s| s.len()).sum();
            o.put_u64(&mut b, total as u64);
            o.put_u64(&mut b, 0);
            let mut off = 0u64;
            o.put_u64(&mut b, 0);
            for s in &list {
                off += s.len() as u64;
                o.put_u64(&mut b, off);
            }
            for s in &list {
                b.extend_from_slice(s.as_bytes());
            }
            self.c.add_section(kind::DICTIONARY, true, self.group, &b)?;
        }
        for ix in self.indexes {
            ix.write_section(self.c, self.group, self.rows)?;
        }
        Ok(())
    }
}

/// The value as the reader will return it: signed columns as `Int`,
/// unsigned as `UInt`, so the key encoding is the same on both sides.
pub(crate) fn canonical(ty: ColumnType, v: Value<'_>) -> Value<'_> {
    match (ty, v) {
        (ColumnType::U8 | ColumnType::U16 | ColumnType::U32 | ColumnType::U64, Value::Int(x)) if x >= 0 => {
            Value::UInt(x as u64)
        }
        (ColumnType::I8 | ColumnType::I16 | ColumnType::I32 | ColumnType::I64, Value::UInt(x))
            if x <= i64::MAX as u64 =>
        {
            Value::Int(x as i64)
        }
        _ => v,
    }
}
