//! Dense matrices in and out (SPEC §8.9): delimited text (a header row of
//! column names, then one row per line, its name first) and numpy `.npy`
//! (C order; rows and columns named by position unless names are given).

use std::io::{BufRead, Read, Seek, Write};

use crate::container::ByteOrder;
use crate::error::{Error, Result};
use crate::matrix::{Matrix, MatrixOptions};
use crate::table::{ColumnType, TablesWriter, Value};

/// Whether a text field means a null cell: empty, `NA` or `null`.
fn is_null_field(f: &str) -> bool {
    matches!(f, "" | "NA" | "null")
}

/// A field as a value for a cell of `ty`.
fn field_value(f: &str, ty: ColumnType) -> Option<Value<'static>> {
    if is_null_field(f) {
        return Some(Value::Null);
    }
    match ty {
        ColumnType::F32 | ColumnType::F64 => f.parse::<f64>().ok().map(Value::F64),
        ColumnType::I8 | ColumnType::I16 | ColumnType::I32 | ColumnType::I64 => f.parse::<i64>().ok().map(Value::Int),
        _ => f.parse::<u64>().ok().map(Value::UInt),
    }
}

/// Reads delimited text (`delimiter` between fields, one row per line,
/// CR LF accepted) into the matrix `name` of `w`; returns (rows, columns).
/// An error names the line and column.
pub fn import_text<R: BufRead, W: Write + Seek>(
    mut input: R,
    delimiter: u8,
    w: &mut TablesWriter<W>,
    name: &str,
    o: &MatrixOptions,
) -> Result<(u64, u64)> {
    let d = delimiter as char;
    let mut line = String::new();
    let read = |input: &mut R, line: &mut String, n: u64| -> Result<bool> {
        line.clear();
        let got = input
            .read_line(line)
            .map_err(|e| Error::io("cannot read", e).at_line(n, 0))?;
        while line.ends_with('\n') || line.ends_with('\r') {
            line.pop();
        }
        Ok(got > 0)
    };
    if !read(&mut input, &mut line, 1)? {
        return Err(Error::input("empty input: expected a header row of column names").at_line(1, 0));
    }
    let cols: Vec<String> = line.split(d).skip(1).map(str::to_string).collect();
    if cols.is_empty() {
        return Err(
            Error::input("the header row names no column (expected a corner field, then column names)").at_line(1, 0),
        );
    }
    let mut m = w.matrix(name, &cols, o).map_err(|e| e.at_line(1, 0))?;
    let mut values: Vec<Value<'static>> = Vec::with_capacity(cols.len());
    let mut n = 1u64;
    while read(&mut input, &mut line, n + 1)? {
        n += 1;
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split(d);
        let row = fields.next().unwrap_or_default().to_string();
        values.clear();
        let mut col = row.len() as u64 + 2;
        for (j, f) in fields.enumerate() {
            if j >= cols.len() {
                return Err(
                    Error::input(format!("more than the {} fields of the header", cols.len() + 1)).at_line(n, col),
                );
            }
            let v = field_value(f, o.ty)
                .ok_or_else(|| Error::input(format!("'{f}' is not a {} value", o.ty.name())).at_line(n, col))?;
            values.push(v);
            col += f.len() as u64 + 1;
        }
        if values.len() != cols.len() {
            return Err(Error::input(format!(
                "{} fields, the header has {}",
                values.len() + 1,
                cols.len() + 1
            ))
            .at_line(n, 0));
        }
        m.push_row(&row, &values).map_err(|e| e.at_line(n, 0))?;
    }
    let rows = m.rows();
    m.finish()?;
    Ok((rows, cols.len() as u64))
}

/// The header of a `.npy` file: cell type, byte order, (rows, columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NpyHeader {
    /// The cell type of `descr`.
    pub ty: ColumnType,
    /// The byte order of `descr` (`|` for one-byte types counts as little).
    pub order: ByteOrder,
    /// Rows and columns (a 1-D array is one column).
    pub shape: (u64, u64),
}

/// Reads the `.npy` header (format versions 1-3) and leaves `input` at the data.
pub fn npy_header<R: Read>(input: &mut R) -> Result<NpyHeader> {
    let bad = |m: &str| Error::input(format!("not a 2-D C-order .npy array: {m}"));
    let mut pre = [0u8; 8];
    input.read_exact(&mut pre).map_err(|_| bad("shorter than the magic"))?;
    if &pre[..6] != b"\x93NUMPY" {
        return Err(bad("no \\x93NUMPY magic at byte 0"));
    }
    let len = match pre[6] {
        1 => {
            let mut b = [0u8; 2];
            input.read_exact(&mut b).map_err(|_| bad("truncated header length"))?;
            u16::from_le_bytes(b) as usize
        }
        2 | 3 => {
            let mut b = [0u8; 4];
            input.read_exact(&mut b).map_err(|_| bad("truncated header length"))?;
            u32::from_le_bytes(b) as usize
        }
        v => return Err(bad(&format!("format version {v} (expected 1, 2 or 3)"))),
    };
    let mut h = vec![0u8; len];
    input.read_exact(&mut h).map_err(|_| bad("truncated header"))?;
    let h = String::from_utf8_lossy(&h).into_owned();
    let value = |key: &str| -> Result<String> {
        let k = h
            .find(&format!("'{key}'"))
            .ok_or_else(|| bad(&format!("no '{key}' in the header")))?;
        let rest = h[k + key.len() + 2..].trim_start().trim_start_matches(':').trim_start();
        let end = if rest.starts_with('(') {
            rest.find(')').map(|e| e + 1)
        } else {
            rest.find([',', '}'])
        };
        Ok(rest[..end.unwrap_or(rest.len())].trim().to_string())
    };
    if value("fortran_order")? != "False" {
        return Err(bad(
            "fortran_order is True (save it with numpy.ascontiguousarray first)",
        ));
    }
    let descr = value("descr")?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    let (o, code) = descr.split_at(1.min(descr.len()));
    let order = match o {
        "<" | "|" => ByteOrder::Little,
        ">" => ByteOrder::Big,
        "=" if cfg!(target_endian = "little") => ByteOrder::Little,
        "=" => ByteOrder::Big,
        _ => return Err(bad(&format!("dtype '{descr}'"))),
    };
    let ty = match code {
        "f4" => ColumnType::F32,
        "f8" => ColumnType::F64,
        "i1" => ColumnType::I8,
        "i2" => ColumnType::I16,
        "i4" => ColumnType::I32,
        "i8" => ColumnType::I64,
        "u1" => ColumnType::U8,
        "u2" => ColumnType::U16,
        "u4" => ColumnType::U32,
        "u8" => ColumnType::U64,
        _ => return Err(bad(&format!("dtype '{descr}' is not a number type tribit stores"))),
    };
    let shape = value("shape")?;
    let dims: Vec<u64> = shape
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u64>().map_err(|_| bad(&format!("shape {shape}"))))
        .collect::<Result<_>>()?;
    let shape = match dims[..] {
        [r] => (r, 1),
        [r, c] => (r, c),
        _ => return Err(bad(&format!("shape {shape} has {} dimensions", dims.len()))),
    };
    Ok(NpyHeader { ty, order, shape })
}

/// Reads a `.npy` array into the matrix `name` of `w`, row by row. Names
/// default to the positions ("0", "1", ...); `o.ty` is replaced by the
/// array's type. Returns (rows, columns).
pub fn import_npy<R: Read, W: Write + Seek>(
    mut input: R,
    w: &mut TablesWriter<W>,
    name: &str,
    o: &MatrixOptions,
    row_names: Option<Vec<String>>,
    col_names: Option<Vec<String>>,
) -> Result<(u64, u64)> {
    let h = npy_header(&mut input)?;
    let (nr, nc) = h.shape;
    let named = |v: Option<Vec<String>>, n: u64, what: &str| -> Result<Vec<String>> {
        match v {
            Some(v) if v.len() as u64 != n => Err(Error::input(format!("{} {what} names for {n} {what}s", v.len()))),
            Some(v) => Ok(v),
            None => Ok((0..n).map(|i| i.to_string()).collect()),
        }
    };
    let rows = named(row_names, nr, "row")?;
    let cols = named(col_names, nc, "column")?;
    let o = MatrixOptions { ty: h.ty, ..o.clone() };
    let mut m = w.matrix(name, &cols, &o)?;
    let cw = h.ty.width() as usize;
    let mut row = vec![0u8; nc as usize * cw];
    for (i, r) in rows.iter().enumerate() {
        input.read_exact(&mut row).map_err(|_| {
            Error::input(format!(
                "the .npy data end in row {i} of {nr} (expected {} bytes of cells)",
                nr * nc * cw as u64
            ))
        })?;
        if (h.order == ByteOrder::Big) != cfg!(target_endian = "big") && cw > 1 {
            for c in row.chunks_exact_mut(cw) {
                c.reverse();
            }
        }
        m.push_row_native(r, &row)?;
    }
    m.finish()?;
    Ok((nr, nc))
}

/// Writes rows × columns of `m` as TSV: a header (`corner`, column names),
/// then one line per row, its name first; null cells are empty. Floats
/// are written in their shortest round-trip form.
pub fn write_tsv<W: Write>(m: &Matrix<'_>, rows: &[u64], cols: &[u64], corner: &str, mut out: W) -> Result<()> {
    let io = |e| Error::io("cannot write output", e);
    write!(out, "{corner}").map_err(io)?;
    for &c in cols {
        write!(out, "\t{}", m.col_name(c)?).map_err(io)?;
    }
    writeln!(out).map_err(io)?;
    let ty = m.cell_type();
    let s = m.section();
    let w = ty.width() as usize;
    let null = s.null_value();
    let mut raw = vec![0u8; cols.len() * w];
    for &r in rows {
        s.read_bytes(&[r], cols, &mut raw)?;
        write!(out, "{}", m.row_name(r)?).map_err(io)?;
        for cell in raw.chunks_exact(w) {
            let bits = crate::matrix::native_bits(cell);
            if null == Some(bits) {
                out.write_all(b"\t").map_err(io)?;
                continue;
            }
            let sx = |n: u32| (bits << (64 - n)) as i64 >> (64 - n);
            match ty {
                ColumnType::F32 => write!(out, "\t{}", f32::from_bits(bits as u32)),
                ColumnType::F64 => write!(out, "\t{}", f64::from_bits(bits)),
                ColumnType::I8 => write!(out, "\t{}", sx(8)),
                ColumnType::I16 => write!(out, "\t{}", sx(16)),
                ColumnType::I32 => write!(out, "\t{}", sx(32)),
                ColumnType::I64 => write!(out, "\t{}", bits as i64),
                _ => write!(out, "\t{bits}"),
            }
            .map_err(io)?;
        }
        writeln!(out).map_err(io)?;
    }
    Ok(())
}
