//! Decoding cells (SPEC §8.2): the [`Primitive`] types a column can be
//! viewed as, strided [`ColumnView`]s over the rows, and [`Table::cell`],
//! which reports a cell that breaks \[T9], \[T10] or \[DI4].

use std::marker::PhantomData;

use super::Table;
use crate::container::ByteOrder;
use crate::error::{Error, Result};
use crate::spec::kind;
use crate::table::{ColumnType, Value};

/// A type a column can be viewed as (SPEC §8.2).
pub trait Primitive: Copy {
    /// Whether a column of `ty` decodes as `Self`.
    fn accepts(ty: ColumnType) -> bool;
    /// Decodes a cell of the accepted width.
    fn decode(b: &[u8], order: ByteOrder) -> Self;
    /// Whether the cell bytes `b` hold a value (false for a bool byte other
    /// than 0 or 1, SPEC \[T9]); every bit pattern of the other types does.
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
    /// value: a bool byte other than 0 or 1 breaks SPEC \[T9] and reads as
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

impl<'a> Table<'a> {
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

    /// The value of column `c` in row `r` (both checked). A cell that breaks
    /// \[T9], \[T10] or \[DI4] is a *format* error at the cell's absolute offset.
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
    pub(super) fn code(&self, r: u64, c: usize) -> Option<u32> {
        let base = r as usize * self.row_width;
        if let Some((at, mask)) = self.null_of(c) {
            if self.rows[base + at] & mask != 0 {
                return None;
            }
        }
        let at = base + self.columns[c].offset as usize;
        Some(u32::decode(&self.rows[at..at + 4], self.order))
    }
}
