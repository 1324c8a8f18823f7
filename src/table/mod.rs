//! SPEC §8 "Tables": fixed-width rows described by a schema, string
//! dictionaries, and typed zero-copy reading, with the hash-key indexes of
//! [`index`] beside them.
//!
//! ```
//! use std::io::Cursor;
//! use tribit::container::ByteOrder;
//! use tribit::table::{Schema, TableOptions, TablesWriter, Value};
//! let schema = Schema::parse("ID:u32,GENE:dict,RAW:f32?").unwrap();
//! let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
//! let opts = TableOptions { indexes: vec![vec!["GENE".into()]] };
//! let mut t = w.table("expr", schema, &opts).unwrap();
//! t.push_row(&[Value::UInt(1), Value::Str("TP53"), Value::F32(2.5)]).unwrap();
//! t.push_row(&[Value::UInt(2), Value::Str("BRCA1"), Value::Null]).unwrap();
//! t.finish().unwrap();
//! let f = tribit::File::from_bytes(w.finish().unwrap().into_inner()).unwrap();
//! let t = f.table("expr").unwrap();
//! assert_eq!(t.row_count(), 2);
//! let raw = t.column::<f32>("RAW").unwrap();
//! assert_eq!((raw.get(0), raw.get(1)), (Some(2.5), None));
//! let rows = t.lookup(&[("GENE", Value::Str("BRCA1"))]).unwrap();
//! assert_eq!(rows.rows().collect::<Vec<_>>(), vec![1]);
//! ```

pub mod filter;
pub mod index;
mod reader;
mod rowset;
mod writer;

pub use reader::{ColumnView, Dictionary, Plan, Primitive, StoredColumn, Table, TableSet, MAX_LOOKUP_KEYS};
pub use rowset::RowSet;
pub use writer::{TableOptions, TableWriter, TablesWriter};

use crate::error::{Error, Result};
use crate::spec::table::ty;

/// The type of a column (SPEC §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// One byte, 0 or 1.
    Bool,
    /// Signed integer of 1 byte.
    I8,
    /// Signed integer of 2 bytes.
    I16,
    /// Signed integer of 4 bytes.
    I32,
    /// Signed integer of 8 bytes.
    I64,
    /// Unsigned integer of 1 byte.
    U8,
    /// Unsigned integer of 2 bytes.
    U16,
    /// Unsigned integer of 4 bytes.
    U32,
    /// Unsigned integer of 8 bytes.
    U64,
    /// IEEE 754 binary32.
    F32,
    /// IEEE 754 binary64.
    F64,
    /// UTF-8 string of at most this many bytes, zero-padded.
    Str(u32),
    /// Dictionary-encoded string: a `u32` code into a DICTIONARY section.
    Dict,
}

impl ColumnType {
    /// Whether the type is one of the eight integer types (SPEC §8.2).
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            ColumnType::I8
                | ColumnType::I16
                | ColumnType::I32
                | ColumnType::I64
                | ColumnType::U8
                | ColumnType::U16
                | ColumnType::U32
                | ColumnType::U64
        )
    }

    /// Whether the type is an integer or a float type (SPEC §8.2).
    pub fn is_numeric(&self) -> bool {
        self.is_integer() || matches!(self, ColumnType::F32 | ColumnType::F64)
    }

    /// The SPEC §8.2 type code.
    pub fn code(self) -> u8 {
        use ColumnType::*;
        match self {
            Bool => ty::BOOL,
            I8 => ty::I8,
            I16 => ty::I16,
            I32 => ty::I32,
            I64 => ty::I64,
            U8 => ty::U8,
            U16 => ty::U16,
            U32 => ty::U32,
            U64 => ty::U64,
            F32 => ty::F32,
            F64 => ty::F64,
            Str(_) => ty::STRING,
            Dict => ty::DICT,
        }
    }

    /// The type of a code and width, if the pair is valid (SPEC \[T6]).
    pub fn from_code(code: u8, width: u32) -> Option<ColumnType> {
        use ColumnType::*;
        let t = match code {
            ty::BOOL => Bool,
            ty::I8 => I8,
            ty::I16 => I16,
            ty::I32 => I32,
            ty::I64 => I64,
            ty::U8 => U8,
            ty::U16 => U16,
            ty::U32 => U32,
            ty::U64 => U64,
            ty::F32 => F32,
            ty::F64 => F64,
            ty::STRING if width > 0 => Str(width),
            ty::DICT => Dict,
            _ => return None,
        };
        (t.width() == width).then_some(t)
    }

    /// Bytes of one cell.
    pub fn width(self) -> u32 {
        use ColumnType::*;
        match self {
            Bool | I8 | U8 => 1,
            I16 | U16 => 2,
            I32 | U32 | F32 | Dict => 4,
            I64 | U64 | F64 => 8,
            Str(n) => n,
        }
    }

    /// Natural alignment the writer gives the column within a row.
    pub fn align(self) -> u32 {
        match self {
            ColumnType::Str(_) => 1,
            t => t.width(),
        }
    }

    /// The spelling used in schemas: `i32`, `str(12)`, `dict`.
    pub fn name(self) -> String {
        use ColumnType::*;
        match self {
            Bool => "bool".into(),
            I8 => "i8".into(),
            I16 => "i16".into(),
            I32 => "i32".into(),
            I64 => "i64".into(),
            U8 => "u8".into(),
            U16 => "u16".into(),
            U32 => "u32".into(),
            U64 => "u64".into(),
            F32 => "f32".into(),
            F64 => "f64".into(),
            Str(n) => format!("str({n})"),
            Dict => "dict".into(),
        }
    }

    /// Parses a schema type name (the inverse of [`ColumnType::name`]).
    pub fn parse(s: &str) -> Option<ColumnType> {
        use ColumnType::*;
        Some(match s {
            "bool" => Bool,
            "i8" => I8,
            "i16" => I16,
            "i32" => I32,
            "i64" => I64,
            "u8" => U8,
            "u16" => U16,
            "u32" => U32,
            "u64" => U64,
            "f32" => F32,
            "f64" => F64,
            "dict" => Dict,
            _ => {
                let n = s.strip_prefix("str(")?.strip_suffix(')')?.parse::<u32>().ok()?;
                if n == 0 {
                    return None;
                }
                Str(n)
            }
        })
    }
}

/// One column of a [`Schema`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDef {
    /// Column name (unique within the table, non-empty UTF-8).
    pub name: String,
    /// Its type.
    pub ty: ColumnType,
    /// Whether cells may be null.
    pub nullable: bool,
}

/// The columns of a table, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    /// The columns.
    pub columns: Vec<ColumnDef>,
}

impl Schema {
    /// Parses `NAME:TYPE[?],...`; a trailing `?` makes the column nullable.
    ///
    /// ```
    /// let s = tribit::table::Schema::parse("A:i32,B:str(8)?").unwrap();
    /// assert!(s.columns[1].nullable);
    /// ```
    pub fn parse(text: &str) -> Result<Schema> {
        let mut columns: Vec<ColumnDef> = Vec::new();
        for (i, item) in text.split(',').map(str::trim).filter(|s| !s.is_empty()).enumerate() {
            let Some((name, t)) = item.rsplit_once(':') else {
                return Err(Error::input(format!(
                    "schema item {} '{item}': expected NAME:TYPE",
                    i + 1
                )));
            };
            let (t, nullable) = match t.trim().strip_suffix('?') {
                Some(t) => (t, true),
                None => (t.trim(), false),
            };
            let ty = ColumnType::parse(t).ok_or_else(|| {
                Error::input(format!(
                    "schema item {} '{item}': unknown type '{t}' (expected bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, str(N) or dict)",
                    i + 1
                ))
            })?;
            columns.push(ColumnDef {
                name: name.trim().to_string(),
                ty,
                nullable,
            });
        }
        let s = Schema { columns };
        s.check()?;
        Ok(s)
    }

    /// Checks names: non-empty and unique.
    pub fn check(&self) -> Result<()> {
        if self.columns.is_empty() {
            return Err(Error::input("a table needs at least one column"));
        }
        for (i, c) in self.columns.iter().enumerate() {
            if c.name.is_empty() {
                return Err(Error::input(format!("column {} has an empty name", i + 1)));
            }
            if self.columns[..i].iter().any(|d| d.name == c.name) {
                return Err(Error::input(format!("duplicate column name '{}'", c.name)));
            }
        }
        Ok(())
    }

    /// The position of the column called `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Renders the schema as [`Schema::parse`] reads it.
    pub fn to_text(&self) -> String {
        let items: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{}:{}{}", c.name, c.ty.name(), if c.nullable { "?" } else { "" }))
            .collect();
        items.join(",")
    }
}

/// A cell value, for writing and reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// No value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer (any signed column type).
    Int(i64),
    /// An unsigned integer (any unsigned column type).
    UInt(u64),
    /// A binary32 float.
    F32(f32),
    /// A binary64 float.
    F64(f64),
    /// A string (fixed-width or dictionary column).
    Str(&'a str),
}

impl Value<'_> {
    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// An owned copy.
    pub fn to_owned_value(&self) -> OwnedValue {
        match *self {
            Value::Null => OwnedValue::Null,
            Value::Bool(b) => OwnedValue::Bool(b),
            Value::Int(v) => OwnedValue::Int(v),
            Value::UInt(v) => OwnedValue::UInt(v),
            Value::F32(v) => OwnedValue::F32(v),
            Value::F64(v) => OwnedValue::F64(v),
            Value::Str(s) => OwnedValue::Str(s.to_string()),
        }
    }
}

impl std::fmt::Display for Value<'_> {
    /// Floats print in their shortest round-trip form; null prints nothing.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(v) => write!(f, "{v}"),
            Value::UInt(v) => write!(f, "{v}"),
            Value::F32(v) => write!(f, "{v:?}"),
            Value::F64(v) => write!(f, "{v:?}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

/// An owned copy of a [`Value`], for parsed query values.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedValue {
    /// No value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A binary32 float.
    F32(f32),
    /// A binary64 float.
    F64(f64),
    /// A string.
    Str(String),
}

impl OwnedValue {
    /// Borrows it as a [`Value`].
    pub fn as_value(&self) -> Value<'_> {
        match self {
            OwnedValue::Null => Value::Null,
            OwnedValue::Bool(b) => Value::Bool(*b),
            OwnedValue::Int(v) => Value::Int(*v),
            OwnedValue::UInt(v) => Value::UInt(*v),
            OwnedValue::F32(v) => Value::F32(*v),
            OwnedValue::F64(v) => Value::F64(*v),
            OwnedValue::Str(s) => Value::Str(s),
        }
    }
}

/// Parses the text `s` as an owned value of type `ty` (query values); see
/// [`parse_field`].
pub fn parse_value(s: &str, ty: ColumnType, nullable: bool) -> std::result::Result<OwnedValue, String> {
    parse_field(s, ty, nullable).map(|v| v.to_owned_value())
}

/// Parses the text `s` as a value of type `ty`, borrowing strings from `s`
/// (CSV fields). An empty `s` is null when `nullable` (SPEC §8.6); numbers
/// out of the column's range, and strings longer than its width, are errors.
///
/// ```
/// use tribit::table::{parse_field, ColumnType, Value};
/// assert_eq!(parse_field("-3", ColumnType::I8, false), Ok(Value::Int(-3)));
/// assert_eq!(parse_field("", ColumnType::F32, true), Ok(Value::Null));
/// assert!(parse_field("300", ColumnType::U8, false).is_err());
/// ```
pub fn parse_field(s: &str, ty: ColumnType, nullable: bool) -> std::result::Result<Value<'_>, String> {
    use ColumnType::*;
    if s.is_empty() && nullable {
        return Ok(Value::Null);
    }
    let int = |lo: i64, hi: i64| -> std::result::Result<Value<'_>, String> {
        match s.parse::<i64>() {
            Ok(v) if v >= lo && v <= hi => Ok(Value::Int(v)),
            Ok(_) => Err(format!("'{s}' is out of range for {}", ty.name())),
            Err(e)
                if matches!(
                    e.kind(),
                    std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
                ) =>
            {
                Err(format!("'{s}' is out of range for {}", ty.name()))
            }
            Err(_) => Err(format!("'{s}' is not an integer ({})", ty.name())),
        }
    };
    let uint = |hi: u64| -> std::result::Result<Value<'_>, String> {
        match s.parse::<u64>() {
            Ok(v) if v <= hi => Ok(Value::UInt(v)),
            Ok(_) => Err(format!("'{s}' is out of range for {}", ty.name())),
            Err(e)
                if *e.kind() == std::num::IntErrorKind::PosOverflow
                    || s.starts_with('-') && s[1..].bytes().all(|b| b.is_ascii_digit()) && s.len() > 1 =>
            {
                Err(format!("'{s}' is out of range for {}", ty.name()))
            }
            Err(_) => Err(format!("'{s}' is not an unsigned integer ({})", ty.name())),
        }
    };
    match ty {
        Bool => match s {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("'{s}' is not a bool (true or false)")),
        },
        I8 => int(i8::MIN.into(), i8::MAX.into()),
        I16 => int(i16::MIN.into(), i16::MAX.into()),
        I32 => int(i32::MIN.into(), i32::MAX.into()),
        I64 => int(i64::MIN, i64::MAX),
        U8 => uint(u8::MAX.into()),
        U16 => uint(u16::MAX.into()),
        U32 => uint(u32::MAX.into()),
        U64 => uint(u64::MAX),
        F32 => match s.parse::<f32>() {
            Ok(v) if v.is_infinite() && !s.to_ascii_lowercase().contains("inf") => Err(format!("'{s}' overflows f32")),
            Ok(v) => Ok(Value::F32(v)),
            Err(_) => Err(format!("'{s}' is not a number (f32)")),
        },
        F64 => match s.parse::<f64>() {
            Ok(v) if v.is_infinite() && !s.to_ascii_lowercase().contains("inf") => Err(format!("'{s}' overflows f64")),
            Ok(v) => Ok(Value::F64(v)),
            Err(_) => Err(format!("'{s}' is not a number (f64)")),
        },
        Str(n) => {
            if s.len() > n as usize {
                Err(format!(
                    "string of {} bytes is longer than the column width {n}",
                    s.len()
                ))
            } else if s.contains('\0') {
                Err("string contains a NUL byte".into())
            } else {
                Ok(Value::Str(s))
            }
        }
        Dict => Ok(Value::Str(s)),
    }
}
