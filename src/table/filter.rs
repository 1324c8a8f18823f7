//! Comparison conditions of `tribit query --where`: `=`, `!=`, `<`, `<=`,
//! `>`, `>=`. Equality goes to [`Table::select`] (indexes, IN-lists); the
//! others are checked, row by row, on what equality left.

use super::{ColumnType, OwnedValue, RowSet, Table, Value};
use crate::error::{Error, Result};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`: equal (floats by bit pattern, as index keys; empty text is null).
    Eq,
    /// `!=`: not null and not equal.
    Ne,
    /// `<` (numeric columns).
    Lt,
    /// `<=` (numeric columns).
    Le,
    /// `>` (numeric columns).
    Gt,
    /// `>=` (numeric columns).
    Ge,
}

/// Every operator, as written.
pub const OPERATORS: &str = "=, !=, <, <=, >, >=";

impl Op {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// A parsed `COL OP VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Column name.
    pub column: String,
    /// Operator.
    pub op: Op,
    /// The value as text.
    pub value: String,
}

impl Condition {
    /// Parses `COL OP VALUE`: the column name runs up to the first `=`,
    /// `!`, `<` or `>`. An operator that does not exist (`==`, `=>`, `<>`,
    /// `!`, ...) is an error listing the ones that do.
    ///
    /// ```
    /// use tribit::table::filter::{Condition, Op};
    /// let c = Condition::parse("age>=18").unwrap();
    /// assert_eq!((c.column.as_str(), c.op, c.value.as_str()), ("age", Op::Ge, "18"));
    /// assert_eq!(Condition::parse("name=").unwrap().value, "");
    /// assert!(Condition::parse("age=>18").unwrap_err().to_string().contains("=, !=, <, <=, >, >="));
    /// ```
    pub fn parse(text: &str) -> Result<Condition> {
        let Some(at) = text.find(['=', '!', '<', '>']) else {
            return Err(Error::input(format!(
                "'{text}': expected COL OP VALUE with OP one of {OPERATORS}"
            )));
        };
        let (column, rest) = text.split_at(at);
        let (op, len) = match rest.as_bytes() {
            [b'<', b'=', ..] => (Op::Le, 2),
            [b'>', b'=', ..] => (Op::Ge, 2),
            [b'!', b'=', ..] => (Op::Ne, 2),
            [b'<', ..] => (Op::Lt, 1),
            [b'>', ..] => (Op::Gt, 1),
            [b'=', ..] => (Op::Eq, 1),
            _ => (Op::Eq, 0),
        };
        let value = &rest[len..];
        // Anything operator-like left over makes an operator that does not exist.
        let extra = value.bytes().take_while(|b| b"=!<>".contains(b)).count();
        if len == 0 || extra > 0 {
            let written = &rest[..len + extra];
            return Err(Error::input(format!(
                "'{text}': unknown operator '{written}': expected one of {OPERATORS}"
            )));
        }
        if column.is_empty() {
            return Err(Error::input(format!(
                "'{text}': no column name before '{}'",
                op.symbol()
            )));
        }
        Ok(Condition {
            column: column.to_string(),
            op,
            value: value.to_string(),
        })
    }
}

/// A number to compare integer or float cells with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    Int(i128),
    Float(f64),
}

/// A non-equality condition resolved against a table.
#[derive(Debug, Clone)]
pub struct Filter {
    column: usize,
    op: Op,
    bound: Option<Bound>,
    not: Option<OwnedValue>,
}

impl Filter {
    /// Resolves `c` (any operator but `=`) against `t`: `<`, `<=`, `>`,
    /// `>=` need a numeric column and a number; `!=` takes what `=` takes.
    pub fn new(t: &Table<'_>, c: &Condition) -> Result<Filter> {
        let column = t
            .schema()
            .position(&c.column)
            .ok_or_else(|| Error::input(format!("table '{}' has no column '{}'", t.name(), c.column)))?;
        let ty = t.schema().columns[column].ty;
        let numeric_error = |what: &str| Error::input(format!("'{}{}{}': {what}", c.column, c.op.symbol(), c.value));
        match c.op {
            Op::Eq => Err(numeric_error("'=' is answered by select, not by a filter")),
            Op::Ne => Ok(Filter {
                column,
                op: c.op,
                bound: None,
                not: Some(t.parse_value(&c.column, &c.value)?),
            }),
            _ => {
                let bound = match ty {
                    ty if ty.is_integer() => Bound::Int(c.value.trim().parse::<i128>().map_err(|_| {
                        numeric_error(&format!(
                            "expected an integer for column '{}' ({})",
                            c.column,
                            ty.name()
                        ))
                    })?),
                    ColumnType::F32 | ColumnType::F64 => {
                        let v = c.value.trim().parse::<f64>().map_err(|_| {
                            numeric_error(&format!("expected a number for column '{}' ({})", c.column, ty.name()))
                        })?;
                        if v.is_nan() {
                            return Err(numeric_error("NaN is not ordered: compare with a number"));
                        }
                        Bound::Float(v)
                    }
                    _ => {
                        return Err(numeric_error(&format!(
                            "'{}' needs a numeric column; '{}' is {}",
                            c.op.symbol(),
                            c.column,
                            ty.name()
                        )))
                    }
                };
                Ok(Filter {
                    column,
                    op: c.op,
                    bound: Some(bound),
                    not: None,
                })
            }
        }
    }

    /// The column this filter reads.
    pub fn column(&self) -> usize {
        self.column
    }

    /// Whether a cell passes. Null never does; NaN passes only `!=`.
    pub fn test(&self, v: Value<'_>) -> bool {
        if v.is_null() {
            return false;
        }
        if let Some(not) = &self.not {
            return !same(v, not.as_value());
        }
        let ord = match (v, self.bound) {
            (Value::Int(x), Some(Bound::Int(b))) => i128::from(x).partial_cmp(&b),
            (Value::UInt(x), Some(Bound::Int(b))) => i128::from(x).partial_cmp(&b),
            (Value::F32(x), Some(Bound::Float(b))) => f64::from(x).partial_cmp(&b),
            (Value::F64(x), Some(Bound::Float(b))) => x.partial_cmp(&b),
            _ => None,
        };
        let Some(ord) = ord else { return false };
        match self.op {
            Op::Lt => ord.is_lt(),
            Op::Le => ord.is_le(),
            Op::Gt => ord.is_gt(),
            Op::Ge => ord.is_ge(),
            Op::Eq | Op::Ne => false,
        }
    }
}

/// Equality as `=` means it: floats by bit pattern; a signed and an
/// unsigned integer by value.
fn same(a: Value<'_>, b: Value<'_>) -> bool {
    match (a, b) {
        (Value::F32(x), Value::F32(y)) => x.to_bits() == y.to_bits(),
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits(),
        (Value::Int(x), Value::UInt(y)) | (Value::UInt(y), Value::Int(x)) => i128::from(x) == i128::from(y),
        _ => a == b,
    }
}

impl Table<'_> {
    /// The rows of `base` that pass every filter, reading only the
    /// filtered columns of those rows.
    pub fn filter(&self, base: &RowSet, filters: &[Filter]) -> Result<RowSet> {
        let mut out = RowSet::new();
        'rows: for r in base.rows() {
            for f in filters {
                if !f.test(self.cell(r, f.column)?) {
                    continue 'rows;
                }
            }
            out.push_row(r);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_parse_and_unknown_ones_are_listed() {
        for (text, op, value) in [
            ("a=1", Op::Eq, "1"),
            ("a!=1", Op::Ne, "1"),
            ("a<1", Op::Lt, "1"),
            ("a<=1", Op::Le, "1"),
            ("a>-1", Op::Gt, "-1"),
            ("a>=1e3", Op::Ge, "1e3"),
            ("a=", Op::Eq, ""),
        ] {
            let c = Condition::parse(text).unwrap();
            assert_eq!((c.column.as_str(), c.op, c.value.as_str()), ("a", op, value), "{text}");
        }
        for (text, written) in [
            ("a==1", "=="),
            ("a=>1", "=>"),
            ("a<>1", "<>"),
            ("a!1", "!"),
            ("a=<1", "=<"),
        ] {
            let e = Condition::parse(text).unwrap_err().to_string();
            assert!(
                e.contains(&format!("unknown operator '{written}'")) && e.contains("=, !=, <, <=, >, >="),
                "{text}: {e}"
            );
        }
        let e = Condition::parse("a~1").unwrap_err().to_string();
        assert!(
            e.contains("expected COL OP VALUE with OP one of =, !=, <, <=, >, >="),
            "{e}"
        );
        assert!(Condition::parse("<3")
            .unwrap_err()
            .to_string()
            .contains("no column name"));
    }
}
