//! A matrix joined to its row and column name tables (SPEC §8.9 \[MX6]):
//! [`Matrix`] finds rows and columns by name through each table's hash
//! index and reads cells through its [`MatrixSection`].

use std::collections::HashMap;

use super::{broken, MatrixSection};
use crate::error::{Error, ErrorKind, Result};
use crate::spec::kind;
use crate::table::{ColumnType, Table, TableSet, Value};

/// A matrix with its name tables: the view [`crate::File::matrix`] returns.
#[derive(Debug, Clone, Copy)]
pub struct Matrix<'f> {
    section: &'f MatrixSection<'f>,
    rows: &'f Table<'f>,
    cols: &'f Table<'f>,
}

/// SPEC §8.9 [MX6]: `t` is a names table for `n` entries.
fn check_names(t: &Table<'_>, n: u64, m: &MatrixSection<'_>, what: &str) -> Result<()> {
    let fail = |msg: String| broken("MX6", kind::MATRIX, m.offset, msg);
    if t.row_count() != n {
        return Err(fail(format!(
            "{what} names table '{}' has {} rows, the matrix {n}",
            t.name(),
            t.row_count()
        )));
    }
    match t.schema().columns.first() {
        Some(c) if matches!(c.ty, ColumnType::Dict | ColumnType::Str(_)) && !c.nullable => Ok(()),
        _ => Err(fail(format!(
            "{what} names table '{}' does not start with a non-nullable string column",
            t.name()
        ))),
    }
}

impl<'f> Matrix<'f> {
    /// Joins a matrix to its name tables (SPEC §2.4 step M-d: \[MX6]).
    pub fn new(section: &'f MatrixSection<'f>, tables: &'f TableSet<'f>) -> Result<Matrix<'f>> {
        let find = |name: &str, what: &str| {
            tables.table(name).ok_or_else(|| {
                broken(
                    "MX6",
                    kind::MATRIX,
                    section.offset,
                    format!("no {what} names table '{name}'"),
                )
            })
        };
        let rows = find(&section.row_table, "row")?;
        let cols = find(&section.col_table, "column")?;
        check_names(rows, section.header.row_count, section, "row")?;
        check_names(cols, section.header.col_count, section, "column")?;
        Ok(Matrix { section, rows, cols })
    }

    /// The cells and layout.
    pub fn section(&self) -> &'f MatrixSection<'f> {
        self.section
    }

    /// The matrix name.
    pub fn name(&self) -> &'f str {
        self.section.name()
    }

    /// (rows, columns).
    pub fn shape(&self) -> (u64, u64) {
        self.section.shape()
    }

    /// The cell type.
    pub fn cell_type(&self) -> ColumnType {
        self.section.ty
    }

    /// The row names table.
    pub fn row_table(&self) -> &'f Table<'f> {
        self.rows
    }

    /// The column names table.
    pub fn col_table(&self) -> &'f Table<'f> {
        self.cols
    }

    /// The name of row `i`.
    pub fn row_name(&self, i: u64) -> Result<&'f str> {
        name_at(self.rows, i)
    }

    /// The name of column `j`.
    pub fn col_name(&self, j: u64) -> Result<&'f str> {
        name_at(self.cols, j)
    }

    /// Every row name, in order.
    pub fn row_names(&self) -> Result<Vec<&'f str>> {
        (0..self.rows.row_count()).map(|i| name_at(self.rows, i)).collect()
    }

    /// Every column name, in order.
    pub fn col_names(&self) -> Result<Vec<&'f str>> {
        (0..self.cols.row_count()).map(|i| name_at(self.cols, i)).collect()
    }

    /// The positions of rows named `names`, in their order, by the row
    /// names table's hash index (a scan if it has none); a *not found*
    /// error names the first unknown name.
    pub fn row_positions(&self, names: &[&str]) -> Result<Vec<u64>> {
        positions(self.rows, names, "row", self.name())
    }

    /// The positions of columns named `names` (as [`Matrix::row_positions`]).
    pub fn col_positions(&self, names: &[&str]) -> Result<Vec<u64>> {
        positions(self.cols, names, "column", self.name())
    }

    /// See [`MatrixSection::read_bytes`].
    pub fn read_bytes(&self, rows: &[u64], cols: &[u64], out: &mut [u8]) -> Result<()> {
        self.section.read_bytes(rows, cols, out)
    }

    /// See [`MatrixSection::read_f64`].
    pub fn read_f64(&self, rows: &[u64], cols: &[u64]) -> Result<Vec<f64>> {
        self.section.read_f64(rows, cols)
    }
}

fn name_at<'f>(t: &'f Table<'f>, i: u64) -> Result<&'f str> {
    match t.cell(i, 0)? {
        Value::Str(s) => Ok(s),
        v => {
            Err(Error::format(Some(kind::TABLE), t.offset(), format!("name {i} is {v}, not a string")).with_rule("MX6"))
        }
    }
}

fn positions(t: &Table<'_>, names: &[&str], what: &str, matrix: &str) -> Result<Vec<u64>> {
    let missing = |n: &str| {
        Error::new(
            ErrorKind::NotFound,
            format!("no {what} named '{n}' in matrix '{matrix}'"),
        )
    };
    if let Some(ix) = t.indexes().iter().position(|ix| ix.columns() == [0]) {
        let keys: Vec<[Value<'_>; 1]> = names.iter().map(|n| [Value::Str(n)]).collect();
        let refs: Vec<&[Value<'_>]> = keys.iter().map(|k| &k[..]).collect();
        let sets = t.index_lookup_many(ix, &refs)?;
        return names
            .iter()
            .zip(sets)
            .map(|(n, s)| s.rows().next().ok_or_else(|| missing(n)))
            .collect();
    }
    let mut at: HashMap<&str, u64> = HashMap::with_capacity(t.row_count() as usize);
    for i in 0..t.row_count() {
        if let Value::Str(s) = t.cell(i, 0)? {
            at.entry(s).or_insert(i);
        }
    }
    names
        .iter()
        .map(|n| at.get(n).copied().ok_or_else(|| missing(n)))
        .collect()
}
