//! Reading tables in place (SPEC §8): every offset and length is checked
//! when a table is opened, so cell access is arithmetic plus a bounds-checked
//! slice, decoded with `from_le_bytes`/`from_be_bytes` at any alignment.
//!
//! [`Table`] and its plain accessors live here; the rest is split by concern:
//! [`dictionary`] (SPEC §8.3 string dictionaries), [`cells`] (typed views and
//! cell decoding), [`lookup`] (hash-index lookups, SPEC §8.4), [`select`]
//! (queries: index plans and scans), [`set`] (every table of a file, the group
//! rules and index-file attachment) and [`parse`] (the TABLE header and column
//! descriptors).

mod cells;
mod dictionary;
mod lookup;
mod parse;
mod select;
mod set;

pub use cells::{ColumnView, Primitive};
pub use dictionary::Dictionary;
pub use select::{Plan, MAX_LOOKUP_KEYS};
pub use set::TableSet;

use std::ops::Range;
use std::sync::{Arc, Mutex};

use super::{ColumnDef, OwnedValue, Schema};
use crate::container::{ByteOrder, Checked};
use crate::error::{Error, Result};
use crate::spec::table as t;
use crate::table::index::{HashIndex, UnusableIndex};

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
    /// breaks \[HI6], a chunk whose checksum fails): not asked again.
    broken: Arc<Mutex<Vec<UnusableIndex>>>,
    group: u32,
    /// Absolute offset of the TABLE section.
    offset: u64,
    /// Section-relative: header_offset, the end of the names, the section length.
    header_offset: u64,
    names_end: u64,
    len: u64,
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
    /// (for validators, SPEC \[T13]): from the end of the rows to
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
    /// reason (SPEC \[HI1]: an index is not required, so the table is read
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

    /// Parses `text` as a value of column `name`, for query arguments.
    pub fn parse_value(&self, name: &str, text: &str) -> Result<OwnedValue> {
        let c = self.col(name)?;
        let d = &self.columns[c].def;
        super::parse_value(text, d.ty, d.nullable).map_err(|m| Error::input(format!("value for column '{name}': {m}")))
    }
}
