//! Writing a matrix row by row (SPEC §8.9): rows are gathered into a band
//! of `tile_rows` rows, which is cut into tiles and written as soon as it
//! is full, so memory holds one band whatever the matrix size.

use std::collections::HashSet;
use std::io::{Seek, Write};

use crate::container::{checksum, ByteOrder, ContainerWriter};
use crate::error::{Error, Result};
use crate::spec::{kind, matrix as mx};
use crate::table::{ColumnType, Schema, TableOptions, TableWriter, Value};

/// How a matrix is written.
#[derive(Debug, Clone)]
pub struct MatrixOptions {
    /// The cell type (a numeric type, SPEC §8.9 \[MX1]).
    pub ty: ColumnType,
    /// Rows per tile (default [`mx::TILE_ROWS`], lowered to fit `memory_limit`).
    pub tile_rows: Option<u32>,
    /// Cells per tile row (default 512 bytes' worth, at most the column count).
    pub tile_cols: Option<u32>,
    /// Most bytes the band buffer may take; a row wider than this is refused.
    pub memory_limit: u64,
    /// The bit pattern of a null cell (default: a NaN with payload 1 for
    /// floats, the type's maximum for unsigned integers, its minimum for
    /// signed ones). It is recorded only if a null was written.
    pub null_value: Option<u64>,
}

impl MatrixOptions {
    /// Defaults for cells of type `ty`.
    pub fn new(ty: ColumnType) -> MatrixOptions {
        MatrixOptions {
            ty,
            tile_rows: None,
            tile_cols: None,
            memory_limit: 256 << 20,
            null_value: None,
        }
    }
}

/// The default null pattern of each type.
fn default_null(ty: ColumnType) -> u64 {
    match ty {
        ColumnType::F32 => mx::NULL_F32,
        ColumnType::F64 => mx::NULL_F64,
        ColumnType::I8 | ColumnType::I16 | ColumnType::I32 | ColumnType::I64 => {
            let bits = ty.width() * 8;
            1u64 << (bits - 1)
        }
        _ => u64::MAX >> (64 - ty.width() * 8),
    }
}

/// Writes one matrix; created by [`crate::table::TablesWriter::matrix`].
pub struct MatrixWriter<'w, W: Write + Seek> {
    c: &'w mut ContainerWriter<W>,
    group: u32,
    name: String,
    col_names: Vec<String>,
    row_names: Vec<String>,
    seen: HashSet<String>,
    ty: ColumnType,
    width: usize,
    tile_rows: u64,
    tile_cols: u64,
    padded: u64,
    band: Vec<u8>,
    in_band: u64,
    tile: Vec<u8>,
    sums: Vec<u64>,
    null: u64,
    null_used: bool,
    peak: usize,
}

impl<'w, W: Write + Seek> MatrixWriter<'w, W> {
    /// Starts a matrix on `c`: its MATRIX and MATRIX_TILES go to group
    /// `group`, its name tables to `group + 1` and `group + 2`.
    pub fn begin(
        c: &'w mut ContainerWriter<W>,
        group: u32,
        name: &str,
        col_names: &[String],
        o: &MatrixOptions,
    ) -> Result<Self> {
        if super::cell_type(o.ty.code()).is_none() {
            return Err(Error::input(format!("a matrix holds numbers, not {}", o.ty.name())));
        }
        if name.is_empty() {
            return Err(Error::input("a matrix needs a non-empty name"));
        }
        let mut seen = HashSet::new();
        for (j, n) in col_names.iter().enumerate() {
            if !seen.insert(n.clone()) {
                return Err(Error::input(format!("duplicate column name '{n}' (column {})", j + 1)));
            }
        }
        let width = o.ty.width() as usize;
        let cols = col_names.len() as u64;
        let tile_cols = o
            .tile_cols
            .map(u64::from)
            .unwrap_or((mx::TILE_ROW_BYTES as u64 / width as u64).min(cols))
            .max(1);
        let padded = cols.div_ceil(tile_cols) * tile_cols;
        let row_bytes = (padded * width as u64).max(1);
        let fit = o.memory_limit / row_bytes;
        if fit == 0 {
            return Err(Error::input(format!(
                "one row of {row_bytes} bytes is more than the memory limit of {} bytes",
                o.memory_limit
            )));
        }
        let tile_rows = o
            .tile_rows
            .map(u64::from)
            .unwrap_or(mx::TILE_ROWS as u64)
            .min(fit)
            .max(1);
        if tile_rows > u32::MAX as u64 || tile_cols > u32::MAX as u64 {
            return Err(Error::input("tile shape does not fit 32 bits"));
        }
        c.begin_section(kind::MATRIX_TILES, true, group)?;
        Ok(MatrixWriter {
            c,
            group,
            name: name.to_string(),
            col_names: col_names.to_vec(),
            row_names: Vec::new(),
            seen: HashSet::new(),
            ty: o.ty,
            width,
            tile_rows,
            tile_cols,
            padded,
            band: vec![0; (tile_rows * row_bytes) as usize],
            in_band: 0,
            tile: Vec::new(),
            sums: Vec::new(),
            null: o.null_value.unwrap_or_else(|| default_null(o.ty)),
            null_used: false,
            peak: 0,
        })
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.row_names.len() as u64
    }

    /// (tile_rows, tile_cols) chosen.
    pub fn tile_shape(&self) -> (u64, u64) {
        (self.tile_rows, self.tile_cols)
    }

    /// The most bytes of cells held in memory at once so far.
    pub fn buffered_peak(&self) -> usize {
        self.peak
    }

    fn start_row(&mut self, name: &str, n: usize) -> Result<usize> {
        if n != self.col_names.len() {
            return Err(Error::input(format!(
                "row '{name}' has {n} values, the matrix has {} columns",
                self.col_names.len()
            )));
        }
        if !self.seen.insert(name.to_string()) {
            return Err(Error::input(format!("duplicate row name '{name}'")));
        }
        Ok((self.in_band * self.padded) as usize * self.width)
    }

    fn end_row(&mut self, name: &str) -> Result<()> {
        self.row_names.push(name.to_string());
        self.in_band += 1;
        self.peak = self.peak.max(self.band.len() + self.tile.capacity());
        if self.in_band == self.tile_rows {
            self.flush()?;
        }
        Ok(())
    }

    /// Appends the row `name`: one value per column (numbers that fit the
    /// cell type, or null). The row is not written if a value is refused.
    pub fn push_row(&mut self, name: &str, values: &[Value<'_>]) -> Result<()> {
        let at = self.start_row(name, values.len())?;
        let (w, o) = (self.width, self.c.order());
        let mut cells = vec![0u64; values.len()];
        for (j, v) in values.iter().enumerate() {
            let bits = match cell_bits(self.ty, *v) {
                Some(b) if b == self.null && !v.is_null() => Err(format!(
                    "value {v} equals the null pattern {:#x} of this matrix",
                    self.null
                )),
                Some(b) => Ok(b),
                None if v.is_null() => {
                    self.null_used = true;
                    Ok(self.null)
                }
                None => Err(format!("{v} does not fit {}", self.ty.name())),
            };
            cells[j] = bits.map_err(|m| {
                self.seen.remove(name);
                Error::input(format!("row '{name}', column '{}': {m}", self.col_names[j]))
            })?;
        }
        for (j, bits) in cells.into_iter().enumerate() {
            put_cell(&mut self.band[at + j * w..at + (j + 1) * w], bits, o);
        }
        self.end_row(name)
    }

    /// Appends the row `name` from cells already in this machine's byte
    /// order (e.g. a row of a numpy array), `width` bytes each.
    pub fn push_row_native(&mut self, name: &str, cells: &[u8]) -> Result<()> {
        let w = self.width;
        if !cells.len().is_multiple_of(w) {
            return Err(Error::input(format!(
                "{} bytes are not whole {w}-byte cells",
                cells.len()
            )));
        }
        let at = self.start_row(name, cells.len() / w)?;
        let dst = &mut self.band[at..at + cells.len()];
        dst.copy_from_slice(cells);
        if (self.c.order() == ByteOrder::Big) != cfg!(target_endian = "big") && w > 1 {
            for c in dst.chunks_exact_mut(w) {
                c.reverse();
            }
        }
        self.end_row(name)
    }

    /// Cuts the band into tiles and writes them.
    fn flush(&mut self) -> Result<()> {
        if self.in_band == 0 {
            return Ok(());
        }
        let (w, c) = (self.width, self.tile_cols as usize);
        let row = self.padded as usize * w;
        for t in 0..(self.padded / self.tile_cols) as usize {
            self.tile.clear();
            for r in 0..self.in_band as usize {
                let from = r * row + t * c * w;
                self.tile.extend_from_slice(&self.band[from..from + c * w]);
            }
            self.sums.push(checksum(&self.tile));
            self.c.write(&self.tile)?;
        }
        self.band.fill(0);
        self.in_band = 0;
        Ok(())
    }

    /// Writes the last band, the MATRIX section and the two name tables.
    pub fn finish(mut self) -> Result<()> {
        self.flush()?;
        self.c.end_section()?;
        let o = self.c.order();
        let rows_table = format!("{}:rows", self.name);
        let cols_table = format!("{}:cols", self.name);
        let mut h = Vec::with_capacity(64 + self.sums.len() * 8);
        o.put_u64(&mut h, self.row_names.len() as u64);
        o.put_u64(&mut h, self.col_names.len() as u64);
        o.put_u32(&mut h, self.tile_rows as u32);
        o.put_u32(&mut h, self.tile_cols as u32);
        h.push(self.ty.code());
        h.push(if self.null_used { mx::FLAG_NULL_VALUE } else { 0 });
        h.extend_from_slice(&[0, 0]);
        o.put_u32(&mut h, self.name.len() as u32);
        o.put_u64(&mut h, if self.null_used { self.null } else { 0 });
        o.put_u32(&mut h, rows_table.len() as u32);
        o.put_u32(&mut h, cols_table.len() as u32);
        o.put_u64(&mut h, self.sums.len() as u64);
        o.put_u64(&mut h, 0);
        h.extend_from_slice(self.name.as_bytes());
        h.extend_from_slice(rows_table.as_bytes());
        h.extend_from_slice(cols_table.as_bytes());
        h.resize(h.len().next_multiple_of(8), 0);
        for s in &self.sums {
            o.put_u64(&mut h, *s);
        }
        self.c.add_section(kind::MATRIX, true, self.group, &h)?;
        names_table(self.c, self.group + 1, &rows_table, &self.row_names)?;
        names_table(self.c, self.group + 2, &cols_table, &self.col_names)?;
        Ok(())
    }
}

/// A names table: one dictionary column `name`, indexed (SPEC §8.9 \[MX6]).
fn names_table<W: Write + Seek>(c: &mut ContainerWriter<W>, group: u32, name: &str, names: &[String]) -> Result<()> {
    let opts = TableOptions {
        indexes: vec![vec!["name".into()]],
    };
    let mut t = TableWriter::begin(c, group, name, Schema::parse("name:dict")?, &opts)?;
    for n in names {
        t.push_row(&[Value::Str(n)])?;
    }
    t.finish()
}

/// The bit pattern of `v` as a cell of `ty`, if it is a number that fits.
fn cell_bits(ty: ColumnType, v: Value<'_>) -> Option<u64> {
    let bits = (ty.width() * 8) as u64;
    let int = |x: i128| -> Option<u64> {
        let (lo, hi) = match ty {
            ColumnType::I8 | ColumnType::I16 | ColumnType::I32 | ColumnType::I64 => {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            }
            _ => (0, (1i128 << bits) - 1),
        };
        (lo..=hi).contains(&x).then_some((x as u64) & (u64::MAX >> (64 - bits)))
    };
    match (ty, v) {
        (ColumnType::F32, Value::F64(x)) => Some((x as f32).to_bits() as u64),
        (ColumnType::F32, Value::F32(x)) => Some(x.to_bits() as u64),
        (ColumnType::F64, Value::F64(x)) => Some(x.to_bits()),
        (ColumnType::F64, Value::F32(x)) => Some((x as f64).to_bits()),
        (ColumnType::F32, Value::Int(x)) => Some((x as f32).to_bits() as u64),
        (ColumnType::F32, Value::UInt(x)) => Some((x as f32).to_bits() as u64),
        (ColumnType::F64, Value::Int(x)) => Some((x as f64).to_bits()),
        (ColumnType::F64, Value::UInt(x)) => Some((x as f64).to_bits()),
        (_, Value::Int(x)) => int(x as i128),
        (_, Value::UInt(x)) => int(x as i128),
        // An integral float fits an integer cell when its value does.
        (_, Value::F64(x)) if x.fract() == 0.0 && x.abs() < 1e20 => int(x as i128),
        _ => None,
    }
}

/// Writes the low `cell.len()` bytes of `bits` in byte order `o`.
fn put_cell(cell: &mut [u8], bits: u64, o: ByteOrder) {
    let n = cell.len();
    match o {
        ByteOrder::Little => cell.copy_from_slice(&bits.to_le_bytes()[..n]),
        ByteOrder::Big => cell.copy_from_slice(&bits.to_be_bytes()[8 - n..]),
    }
}
