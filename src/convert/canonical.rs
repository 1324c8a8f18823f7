//! The canonical JSON form of a tribit file's content, which the
//! conformance suite compares (conformance/README.md).

use serde_json::{json, Value};

use crate::error::Result;
use crate::sequence::Reader;
use crate::spec;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The canonical JSON form of everything `r` holds (conformance/README.md):
/// version, byte order, and each sequence with its letters, masks, digests
/// and FASTA layout. Reading it runs every check a reader performs.
///
/// ```
/// use std::io::Cursor;
/// use tribit::{convert::canonical, Reader, WriterBuilder};
/// let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
/// w.add_sequence(b"s1 d", b"ACgtN", 60).unwrap();
/// let r = Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap();
/// let j = canonical::to_json(&r).unwrap();
/// assert_eq!(j["sequences"][0]["sequence"], "ACgtN");
/// assert_eq!(j["sequences"][0]["masks"][0][0], 2);
/// ```
pub fn to_json(r: &Reader) -> Result<Value> {
    let mut bytes = Vec::new();
    write_json(r, &mut bytes)?;
    serde_json::from_slice(&bytes).map_err(|e| crate::Error::new(crate::ErrorKind::Io, e.to_string()))
}

fn sequence_json(r: &Reader, s: &crate::Sequence<'_>, refget: bool, buf: &mut Vec<u8>) -> Result<Value> {
    buf.clear();
    r.fetch_from(s, 0, s.len(), buf)?;
    let masks: Vec<[u64; 2]> = r.mask_runs(s)?.iter().map(|m| [m.start, m.end]).collect();
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ok(json!({
        "name": lossy(s.name),
        "header": lossy(s.header),
        "description": lossy(s.description()),
        "length": s.len(),
        "line_width": s.record.line_width,
        "crlf": s.record.flags & spec::RECORD_FLAG_CRLF != 0,
        "final_newline": s.record.flags & spec::RECORD_FLAG_NO_FINAL_NEWLINE == 0,
        "blank_lines": s.record.blank_lines,
        "n_count": s.record.n_count,
        "masks": masks,
        "md5": hex(&s.record.md5),
        "refget": refget.then(|| crate::sequence::refget_id(&s.record.refget)),
        "sequence": lossy(buf),
    }))
}

/// Writes the canonical JSON form of `r` (see [`to_json`]) one sequence
/// and one table row at a time, so memory does not grow with the number of
/// sequences or rows. Keys come in sorted order, as in [`to_json`]. On an
/// error part of the document may have been written: callers that must
/// print all or nothing run it once into [`std::io::sink`] first.
pub fn write_json<W: std::io::Write>(r: &Reader, mut out: W) -> Result<()> {
    let io = |e: std::io::Error| crate::Error::io("cannot write output", e);
    let js = |e: serde_json::Error| crate::Error::io("cannot write output", e.into());
    let c = r.container();
    let refget = r
        .index_header()
        .is_some_and(|h| h.flags & spec::SEQUENCE_FLAG_REFGET != 0);
    let order = match c.order {
        crate::container::ByteOrder::Little => "little",
        crate::container::ByteOrder::Big => "big",
    };
    write!(out, "{{\n  \"byte_order\": \"{order}\",\n  \"sequences\": [").map_err(io)?;
    let mut buf = Vec::new();
    for (i, s) in r.sequences().enumerate() {
        let v = sequence_json(r, &s?, refget, &mut buf)?;
        out.write_all(if i == 0 { b"\n    " } else { b",\n    " }).map_err(io)?;
        serde_json::to_writer(&mut out, &v).map_err(js)?;
    }
    out.write_all(b"\n  ],\n").map_err(io)?;
    write_tables(r, &mut out)?;
    write_targets(r, &mut out)?;
    write_matrices(r, &mut out)?;
    let version = format!("{}.{}", c.header.major, c.header.minor);
    writeln!(out, "  \"version\": \"{version}\"\n}}").map_err(io)?;
    Ok(())
}

/// SPEC §8.8 index targets in canonical form (conformance/README.md):
/// present only when the file holds an INDEX_TARGET. Each target with its
/// stored fields, and the key columns (numbers) of each usable index.
fn write_targets<W: std::io::Write>(r: &Reader, out: &mut W) -> Result<()> {
    let f = crate::table::index::IndexFile::new(r.bytes(), r.container(), true)?;
    if f.is_empty() {
        return Ok(());
    }
    let targets: Vec<Value> = f
        .targets()
        .iter()
        .map(|ti| {
            let t = &ti.target;
            let dicts: Vec<Value> = t
                .dictionaries
                .iter()
                .map(|d| json!([d.column, d.length, format!("{:016x}", d.checksum)]))
                .collect();
            let indexes: Vec<Value> = ti.indexes.iter().map(|ix| json!(ix.columns())).collect();
            json!({
                "column_count": t.column_count,
                "dictionaries": dicts,
                "indexes": indexes,
                "name": t.name,
                "row_count": t.row_count,
                "source": t.source,
                "table_checksum": format!("{:016x}", t.table_checksum),
                "table_length": t.table_length,
            })
        })
        .collect();
    let io = |e: std::io::Error| crate::Error::io("cannot write output", e);
    out.write_all(b"  \"index_targets\": ").map_err(io)?;
    serde_json::to_writer(&mut *out, &targets).map_err(|e| crate::Error::io("cannot write output", e.into()))?;
    out.write_all(b",\n").map_err(io)?;
    Ok(())
}

/// SPEC §8 tables in canonical form (conformance/README.md): present only
/// when the file holds a table, so files without tables keep the 1.0 form.
/// Every cell is decoded (so every cell check runs); floats are given by
/// their bit pattern (`"f32:3f000000"`) so that no float formatting is
/// involved in the comparison. Written a row at a time, keys sorted.
fn write_tables<W: std::io::Write>(r: &Reader, out: &mut W) -> Result<()> {
    use crate::table::{TableSet, Value as Cell};
    let io = |e: std::io::Error| crate::Error::io("cannot write output", e);
    let js = |e: serde_json::Error| crate::Error::io("cannot write output", e.into());
    let ts = TableSet::new(r.bytes(), r.container())?;
    if ts.tables().is_empty() {
        return Ok(());
    }
    out.write_all(b"  \"tables\": [").map_err(io)?;
    for (k, t) in ts.tables().iter().enumerate() {
        let columns: Vec<Value> = t
            .schema()
            .columns
            .iter()
            .map(|c| json!({ "name": c.name, "type": c.ty.name(), "nullable": c.nullable }))
            .collect();
        let indexes: Vec<Value> = t
            .indexes()
            .iter()
            .map(|ix| {
                let names: Vec<&str> = ix
                    .columns()
                    .iter()
                    .map(|&c| t.schema().columns[c as usize].name.as_str())
                    .collect();
                json!(names)
            })
            .collect();
        out.write_all(if k == 0 { b"\n    {" } else { b",\n    {" })
            .map_err(io)?;
        out.write_all(b"\"columns\": ").map_err(io)?;
        serde_json::to_writer(&mut *out, &columns).map_err(js)?;
        out.write_all(b", \"indexes\": ").map_err(io)?;
        serde_json::to_writer(&mut *out, &indexes).map_err(js)?;
        out.write_all(b", \"name\": ").map_err(io)?;
        serde_json::to_writer(&mut *out, t.name()).map_err(js)?;
        write!(out, ", \"row_count\": {}, \"rows\": [", t.row_count()).map_err(io)?;
        let mut cells = Vec::with_capacity(columns.len());
        for row in 0..t.row_count() {
            cells.clear();
            for c in 0..columns.len() {
                cells.push(match t.cell(row, c)? {
                    Cell::Null => Value::Null,
                    Cell::Bool(b) => json!(b),
                    Cell::Int(i) => json!(i),
                    Cell::UInt(u) => json!(u),
                    Cell::F32(f) => json!(format!("f32:{:08x}", f.to_bits())),
                    Cell::F64(f) => json!(format!("f64:{:016x}", f.to_bits())),
                    Cell::Str(s) => json!(s),
                });
            }
            out.write_all(if row == 0 { b"\n      " } else { b",\n      " })
                .map_err(io)?;
            serde_json::to_writer(&mut *out, &cells).map_err(js)?;
        }
        out.write_all(b"\n    ]}").map_err(io)?;
    }
    out.write_all(b"\n  ],\n").map_err(io)?;
    Ok(())
}

/// SPEC §8.9 matrices in canonical form (conformance/README.md): present
/// only when the file holds one. Each matrix gives its name, type, tile
/// shape, row and column names and its cells row by row, each cell as in
/// a table (floats by bit pattern), null cells as null. Every tile is read,
/// so every tile checksum is verified.
fn write_matrices<W: std::io::Write>(r: &Reader, out: &mut W) -> Result<()> {
    use crate::table::{ColumnType, TableSet};
    let io = |e: std::io::Error| crate::Error::io("cannot write output", e);
    let js = |e: serde_json::Error| crate::Error::io("cannot write output", e.into());
    let ms = crate::matrix::MatrixSet::new(r.bytes(), r.container(), true)?;
    if ms.matrices().is_empty() {
        return Ok(());
    }
    let ts = TableSet::new(r.bytes(), r.container())?;
    out.write_all(b"  \"matrices\": [").map_err(io)?;
    for (k, s) in ms.matrices().iter().enumerate() {
        let m = crate::matrix::Matrix::new(s, &ts)?;
        let (nr, nc) = m.shape();
        let (tr, tc) = s.tile_shape();
        let head = json!({
            "name": m.name(),
            "type": m.cell_type().name(),
            "tile_rows": tr,
            "tile_cols": tc,
            "row_names": m.row_names()?,
            "col_names": m.col_names()?,
        });
        out.write_all(if k == 0 { b"\n    " } else { b",\n    " }).map_err(io)?;
        let text = serde_json::to_string(&head).map_err(js)?;
        // The object without its closing brace, then the cells.
        out.write_all(&text.as_bytes()[..text.len() - 1]).map_err(io)?;
        out.write_all(b", \"values\": [").map_err(io)?;
        let ty = m.cell_type();
        let w = ty.width() as usize;
        let cols: Vec<u64> = (0..nc).collect();
        let mut raw = vec![0u8; nc as usize * w];
        for row in 0..nr {
            s.read_bytes(&[row], &cols, &mut raw)?;
            let cells: Vec<Value> = raw
                .chunks_exact(w)
                .map(|c| {
                    let bits = crate::matrix::native_bits(c);
                    let sx = |n: u32| ((bits << (64 - n)) as i64) >> (64 - n);
                    match ty {
                        _ if s.null_value() == Some(bits) => Value::Null,
                        ColumnType::F32 => json!(format!("f32:{:08x}", bits)),
                        ColumnType::F64 => json!(format!("f64:{:016x}", bits)),
                        ColumnType::I8 => json!(sx(8)),
                        ColumnType::I16 => json!(sx(16)),
                        ColumnType::I32 => json!(sx(32)),
                        ColumnType::I64 => json!(bits as i64),
                        _ => json!(bits),
                    }
                })
                .collect();
            out.write_all(if row == 0 { b"\n      " } else { b",\n      " })
                .map_err(io)?;
            serde_json::to_writer(&mut *out, &cells).map_err(js)?;
        }
        out.write_all(b"\n    ]}").map_err(io)?;
    }
    out.write_all(b"\n  ],\n").map_err(io)?;
    Ok(())
}
