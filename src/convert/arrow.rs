//! Tables as Arrow record batches (SPEC §8 → the Arrow columnar format),
//! and from there Arrow IPC and Parquet files.
//!
//! Column types map one to one: bool → Boolean, the integers and floats →
//! the Arrow type of the same width, `str(N)` → Utf8 (padding removed),
//! `dict` → Dictionary(UInt32, Utf8) whose values are the column's whole
//! DICTIONARY, so codes pass through unchanged. Nulls become validity
//! bitmaps. Every cell is checked as [`Table::cell`] checks it (\[T9], \[T10],
//! \[DI4]): a bad cell is a format error at its offset, never a wrong value.
//!
//! ```
//! use std::io::Cursor;
//! use arrow_array::{Array, Float64Array};
//! use tribit::container::ByteOrder;
//! use tribit::convert::arrow::Converter;
//! use tribit::table::{RowSet, Schema, TableOptions, TablesWriter, Value};
//! let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
//! let mut t = w.table("t", Schema::parse("G:dict,RAW:f64?").unwrap(), &TableOptions::default()).unwrap();
//! t.push_row(&[Value::Str("TP53"), Value::F64(1.5)]).unwrap();
//! t.push_row(&[Value::Str("EGFR"), Value::Null]).unwrap();
//! t.finish().unwrap();
//! let f = tribit::File::from_bytes(w.finish().unwrap().into_inner()).unwrap();
//! let t = f.table("t").unwrap();
//! let conv = Converter::new(t, None).unwrap();
//! let batch = conv.batch(t, RowSet::all(t.row_count()).ranges()).unwrap();
//! let raw = batch.column(1).as_any().downcast_ref::<Float64Array>().unwrap();
//! assert_eq!((raw.value(0), raw.is_null(1)), (1.5, true));
//! ```

use std::io::Write;
use std::ops::Range;
use std::sync::Arc;

use arrow_array::builder::{BooleanBufferBuilder, StringBuilder};
use arrow_array::types::{
    ArrowPrimitiveType, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{ArrayRef, BooleanArray, DictionaryArray, PrimitiveArray, RecordBatch, StringArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Field, Schema as ArrowSchema, SchemaRef};

use crate::error::{Error, Result};
use crate::table::{ColumnType, Primitive, Table, Value};

/// Rows per record batch written to files and streams: large enough that
/// per-batch costs vanish, small enough to stay in cache-sized pieces.
pub const BATCH_ROWS: u64 = 64 * 1024;

/// The Arrow type of a column type.
pub fn data_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Bool => DataType::Boolean,
        ColumnType::I8 => DataType::Int8,
        ColumnType::I16 => DataType::Int16,
        ColumnType::I32 => DataType::Int32,
        ColumnType::I64 => DataType::Int64,
        ColumnType::U8 => DataType::UInt8,
        ColumnType::U16 => DataType::UInt16,
        ColumnType::U32 => DataType::UInt32,
        ColumnType::U64 => DataType::UInt64,
        ColumnType::F32 => DataType::Float32,
        ColumnType::F64 => DataType::Float64,
        ColumnType::Str(_) => DataType::Utf8,
        ColumnType::Dict => DataType::Dictionary(Box::new(DataType::UInt32), Box::new(DataType::Utf8)),
    }
}

fn arrow_err(e: impl std::fmt::Display) -> Error {
    Error::new(crate::ErrorKind::Io, format!("arrow: {e}"))
}

/// Turns rows of one table into record batches of chosen columns. It holds
/// no borrow of the table (bindings keep it across calls); each call takes
/// the table again, which must be the one it was made from.
#[derive(Debug, Clone)]
pub struct Converter {
    columns: Vec<usize>,
    schema: SchemaRef,
    /// The values array of each dict column, built once and shared by every
    /// batch (IPC files allow one dictionary per field).
    dictionaries: Vec<Option<ArrayRef>>,
}

impl Converter {
    /// A converter for `columns` of `t` (every column when `None`), in the
    /// order given; an unknown or repeated name is an *input* error.
    pub fn new(t: &Table<'_>, columns: Option<&[&str]>) -> Result<Converter> {
        let cols: Vec<usize> = match columns {
            None => (0..t.schema().columns.len()).collect(),
            Some(names) => {
                let mut cols = Vec::with_capacity(names.len());
                for n in names {
                    let c = t
                        .schema()
                        .position(n)
                        .ok_or_else(|| Error::input(format!("table '{}' has no column '{n}'", t.name())))?;
                    if cols.contains(&c) {
                        return Err(Error::input(format!("column '{n}' is named twice")));
                    }
                    cols.push(c);
                }
                cols
            }
        };
        let mut fields = Vec::with_capacity(cols.len());
        let mut dictionaries = Vec::with_capacity(cols.len());
        for &c in &cols {
            let d = &t.schema().columns[c];
            fields.push(Field::new(&d.name, data_type(d.ty), d.nullable));
            dictionaries.push(match (d.ty, t.dictionary(c)) {
                (ColumnType::Dict, Some(dict)) => {
                    let values: StringArray = (0..dict.len()).map(|i| dict.get(i as u32)).collect();
                    Some(Arc::new(values) as ArrayRef)
                }
                (ColumnType::Dict, None) => {
                    return Err(Error::format(
                        Some(crate::spec::kind::TABLE),
                        t.offset(),
                        format!("dict column '{}' has no dictionary", d.name),
                    )
                    .with_rule("DI4"))
                }
                _ => None,
            });
        }
        Ok(Converter {
            columns: cols,
            schema: Arc::new(ArrowSchema::new(fields)),
            dictionaries,
        })
    }

    /// The Arrow schema of the batches.
    pub fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// The rows in `ranges` (in order) as one record batch.
    pub fn batch(&self, t: &Table<'_>, ranges: &[Range<u64>]) -> Result<RecordBatch> {
        let n: u64 = ranges.iter().map(|r| r.end.saturating_sub(r.start)).sum();
        if let Some(r) = ranges.iter().find(|r| r.end > t.row_count()) {
            return Err(Error::new(
                crate::ErrorKind::Range,
                format!(
                    "rows {}..{} are outside the {} rows of table '{}'",
                    r.start,
                    r.end,
                    t.row_count(),
                    t.name()
                ),
            ));
        }
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        for (i, &c) in self.columns.iter().enumerate() {
            let d = &t.schema().columns[c];
            let rows = || ranges.iter().flat_map(|r| r.clone());
            let a: ArrayRef = match d.ty {
                ColumnType::I8 => primitive::<i8, Int8Type>(t, c, rows(), n)?,
                ColumnType::I16 => primitive::<i16, Int16Type>(t, c, rows(), n)?,
                ColumnType::I32 => primitive::<i32, Int32Type>(t, c, rows(), n)?,
                ColumnType::I64 => primitive::<i64, Int64Type>(t, c, rows(), n)?,
                ColumnType::U8 => primitive::<u8, UInt8Type>(t, c, rows(), n)?,
                ColumnType::U16 => primitive::<u16, UInt16Type>(t, c, rows(), n)?,
                ColumnType::U32 => primitive::<u32, UInt32Type>(t, c, rows(), n)?,
                ColumnType::U64 => primitive::<u64, UInt64Type>(t, c, rows(), n)?,
                ColumnType::F32 => primitive::<f32, Float32Type>(t, c, rows(), n)?,
                ColumnType::F64 => primitive::<f64, Float64Type>(t, c, rows(), n)?,
                ColumnType::Bool => {
                    let mut values = BooleanBufferBuilder::new(n as usize);
                    let mut valid = d.nullable.then(|| BooleanBufferBuilder::new(n as usize));
                    for r in rows() {
                        let v = t.cell(r, c)?;
                        values.append(v == Value::Bool(true));
                        if let Some(valid) = valid.as_mut() {
                            valid.append(!v.is_null());
                        }
                    }
                    let nulls = valid.map(|mut v| NullBuffer::new(v.finish()));
                    Arc::new(BooleanArray::new(values.finish(), nulls))
                }
                ColumnType::Str(w) => {
                    let mut b = StringBuilder::with_capacity(n as usize, n as usize * (w as usize).min(16));
                    for r in rows() {
                        match t.cell(r, c)? {
                            Value::Str(s) => b.append_value(s),
                            _ => b.append_null(),
                        }
                    }
                    Arc::new(b.finish())
                }
                ColumnType::Dict => {
                    let Some(values) = self.dictionaries[i].clone() else {
                        return Err(Error::input("converter was made from another table"));
                    };
                    let keys = primitive_of::<u32, UInt32Type>(t, c, rows(), n, t.dict_codes(c)?)?;
                    let len = values.len() as u64;
                    if let Some(pos) = keys
                        .values()
                        .iter()
                        .zip(0u64..)
                        .find(|(&k, p)| k as u64 >= len && !keys.is_null(*p as usize))
                    {
                        // Let the cell reader name the row and offset of the bad code.
                        let r = rows().nth(pos.1 as usize).unwrap_or(0);
                        t.cell(r, c)?;
                    }
                    Arc::new(DictionaryArray::<UInt32Type>::try_new(keys, values).map_err(arrow_err)?)
                }
            };
            arrays.push(a);
        }
        RecordBatch::try_new(self.schema(), arrays).map_err(arrow_err)
    }
}

use arrow_array::Array;

fn primitive<T, A>(t: &Table<'_>, c: usize, rows: impl Iterator<Item = u64>, n: u64) -> Result<ArrayRef>
where
    T: Primitive + Default + arrow_buffer::ArrowNativeType,
    A: ArrowPrimitiveType<Native = T>,
{
    let view = t.column::<T>(&t.schema().columns[c].name)?;
    Ok(Arc::new(primitive_of::<T, A>(t, c, rows, n, view)?))
}

fn primitive_of<T, A>(
    t: &Table<'_>,
    c: usize,
    rows: impl Iterator<Item = u64>,
    n: u64,
    view: crate::table::ColumnView<'_, T>,
) -> Result<PrimitiveArray<A>>
where
    T: Primitive + Default + arrow_buffer::ArrowNativeType,
    A: ArrowPrimitiveType<Native = T>,
{
    let mut values: Vec<T> = Vec::with_capacity(n as usize);
    if t.schema().columns[c].nullable {
        let mut valid = BooleanBufferBuilder::new(n as usize);
        for r in rows {
            let v = view.get(r);
            valid.append(v.is_some());
            values.push(v.unwrap_or_default());
        }
        Ok(PrimitiveArray::new(
            values.into(),
            Some(NullBuffer::new(valid.finish())),
        ))
    } else {
        // Not nullable and in range: `get` is `None` only for a row past the
        // end, which `batch` has ruled out.
        values.extend(rows.map(|r| view.get(r).unwrap_or_default()));
        Ok(PrimitiveArray::new(values.into(), None))
    }
}

/// Splits row ranges into pieces of at most `size` rows, in order.
#[derive(Debug, Clone)]
pub struct RowChunks {
    ranges: Vec<Range<u64>>,
    next: usize,
    at: u64,
    size: u64,
}

impl RowChunks {
    /// Chunks of at most `size` (at least 1) rows over `ranges`.
    pub fn new(ranges: Vec<Range<u64>>, size: u64) -> RowChunks {
        let at = ranges.first().map_or(0, |r| r.start);
        RowChunks {
            ranges,
            next: 0,
            at,
            size: size.max(1),
        }
    }
}

impl Iterator for RowChunks {
    type Item = Vec<Range<u64>>;

    fn next(&mut self) -> Option<Vec<Range<u64>>> {
        let mut out = Vec::new();
        let mut left = self.size;
        while left > 0 && self.next < self.ranges.len() {
            let r = &self.ranges[self.next];
            let take = (r.end - self.at).min(left);
            if take > 0 {
                out.push(self.at..self.at + take);
            }
            self.at += take;
            left -= take;
            if self.at >= r.end {
                self.next += 1;
                self.at = self.ranges.get(self.next).map_or(0, |r| r.start);
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

/// Writes `columns` of `t` (every column when `None`) as an Arrow IPC file.
pub fn write_ipc<W: Write>(t: &Table<'_>, columns: Option<&[&str]>, out: W) -> Result<W> {
    let conv = Converter::new(t, columns)?;
    let mut w = arrow_ipc::writer::FileWriter::try_new(out, &conv.schema()).map_err(arrow_err)?;
    for chunk in RowChunks::new(std::iter::once(0..t.row_count()).collect(), BATCH_ROWS) {
        w.write(&conv.batch(t, &chunk)?).map_err(arrow_err)?;
    }
    w.finish().map_err(arrow_err)?;
    w.into_inner().map_err(arrow_err)
}

/// Writes `columns` of `t` (every column when `None`) as a Parquet file,
/// snappy-compressed.
#[cfg(feature = "parquet")]
pub fn write_parquet<W: Write + Send>(t: &Table<'_>, columns: Option<&[&str]>, out: W) -> Result<W> {
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    let conv = Converter::new(t, columns)?;
    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut w = parquet::arrow::ArrowWriter::try_new(out, conv.schema(), Some(props)).map_err(arrow_err)?;
    for chunk in RowChunks::new(std::iter::once(0..t.row_count()).collect(), BATCH_ROWS) {
        w.write(&conv.batch(t, &chunk)?).map_err(arrow_err)?;
    }
    w.into_inner().map_err(arrow_err)
}

#[cfg(test)]
// A one-range slice is a list of row ranges here, not a misspelt range.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;
    use crate::container::ByteOrder;
    use crate::table::{TableOptions, TablesWriter};
    use arrow_array::cast::AsArray;
    use std::io::Cursor;

    fn file(order: ByteOrder) -> crate::File {
        let schema = crate::table::Schema::parse("B:bool?,I:i16,U:u64?,F:f32,S:str(6)?,D:dict?").unwrap();
        let mut w = TablesWriter::new(Cursor::new(Vec::new()), order).unwrap();
        let mut t = w.table("t", schema, &TableOptions::default()).unwrap();
        for i in 0..300u64 {
            let null = i % 7 == 3;
            let s = format!("é{i}");
            t.push_row(&[
                if null { Value::Null } else { Value::Bool(i % 2 == 0) },
                Value::Int(i as i64 - 150),
                if null {
                    Value::Null
                } else {
                    Value::UInt(i * 1_000_000_007)
                },
                Value::F32(i as f32 / 4.0),
                if null { Value::Null } else { Value::Str(&s) },
                if null {
                    Value::Null
                } else {
                    Value::Str(["x", "y", "z"][i as usize % 3])
                },
            ])
            .unwrap();
        }
        t.finish().unwrap();
        crate::File::from_bytes(w.finish().unwrap().into_inner()).unwrap()
    }

    /// Every cell of the batch equals the cell reader's value (the naive twin).
    fn same_as_cells(t: &Table<'_>, b: &RecordBatch, rows: &[u64]) {
        assert_eq!(b.num_rows(), rows.len());
        for (i, &r) in rows.iter().enumerate() {
            for c in 0..6 {
                let a = b.column(c);
                let want = t.cell(r, c).unwrap();
                if want.is_null() {
                    assert!(a.is_null(i), "row {r} col {c} should be null");
                    continue;
                }
                let got = match c {
                    0 => Value::Bool(a.as_boolean().value(i)),
                    1 => Value::Int(a.as_primitive::<Int16Type>().value(i).into()),
                    2 => Value::UInt(a.as_primitive::<UInt64Type>().value(i)),
                    3 => Value::F32(a.as_primitive::<Float32Type>().value(i)),
                    4 => Value::Str(a.as_string::<i32>().value(i)),
                    _ => {
                        let d = a.as_dictionary::<UInt32Type>();
                        let k = d.keys().value(i) as usize;
                        Value::Str(d.values().as_string::<i32>().value(k))
                    }
                };
                assert_eq!(got, want, "row {r} col {c}");
            }
        }
    }

    #[test]
    fn batches_equal_cells_in_both_byte_orders() {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let f = file(order);
            let t = f.table("t").unwrap();
            let conv = Converter::new(t, None).unwrap();
            let b = conv.batch(t, &[0..300]).unwrap();
            same_as_cells(t, &b, &(0..300).collect::<Vec<_>>());
            let b = conv.batch(t, &[5..9, 100..101, 297..300]).unwrap();
            same_as_cells(t, &b, &[5, 6, 7, 8, 100, 297, 298, 299]);
        }
    }

    #[test]
    fn chosen_columns_unknown_and_repeated_names() {
        let f = file(ByteOrder::Little);
        let t = f.table("t").unwrap();
        let conv = Converter::new(t, Some(&["F", "B"])).unwrap();
        let names: Vec<String> = conv.schema().fields().iter().map(|f| f.name().clone()).collect();
        assert_eq!(names, ["F", "B"]);
        let e = Converter::new(t, Some(&["NOPE"])).unwrap_err();
        assert_eq!(e.message(), "table 't' has no column 'NOPE'");
        assert!(Converter::new(t, Some(&["F", "F"])).is_err());
        assert!(conv.batch(t, &[299..301]).is_err(), "rows past the end");
    }

    #[test]
    fn row_chunks_cover_the_ranges_in_order() {
        let chunks: Vec<Vec<Range<u64>>> = RowChunks::new(vec![0..5, 7..7, 10..13], 3).collect();
        assert_eq!(chunks, vec![vec![0..3], vec![3..5, 10..11], vec![11..13]]);
        assert_eq!(RowChunks::new(vec![], 3).count(), 0);
    }

    #[test]
    fn ipc_file_reads_back() {
        let f = file(ByteOrder::Little);
        let t = f.table("t").unwrap();
        let bytes = write_ipc(t, None, Vec::new()).unwrap();
        let r = arrow_ipc::reader::FileReader::try_new(Cursor::new(bytes), None).unwrap();
        let batches: Vec<RecordBatch> = r.map(|b| b.unwrap()).collect();
        assert_eq!(batches.len(), 1);
        same_as_cells(t, &batches[0], &(0..300).collect::<Vec<_>>());
    }
}
