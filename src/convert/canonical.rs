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
    let c = r.container();
    let refget = r
        .index_header()
        .is_some_and(|h| h.flags & spec::SEQUENCE_FLAG_REFGET != 0);
    let mut seqs = Vec::new();
    let mut buf = Vec::new();
    for s in r.sequences() {
        let s = s?;
        buf.clear();
        r.fetch_from(&s, 0, s.len(), &mut buf)?;
        let masks: Vec<[u64; 2]> = r.mask_runs(&s).map(|m| [m.start, m.end]).collect();
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        seqs.push(json!({
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
            "sequence": lossy(&buf),
        }));
    }
    let mut doc = json!({
        "version": format!("{}.{}", c.header.major, c.header.minor),
        "byte_order": match c.order { crate::container::ByteOrder::Little => "little", crate::container::ByteOrder::Big => "big" },
        "sequences": seqs,
    });
    let tables = tables_json(r)?;
    if !tables.is_empty() {
        doc["tables"] = Value::Array(tables);
    }
    Ok(doc)
}

/// SPEC §8 tables in canonical form (conformance/README.md): present only
/// when the file holds a table, so files without tables keep the 1.0 form.
/// Every cell is decoded (so every cell check runs); floats are given by
/// their bit pattern (`"f32:3f000000"`) so that no float formatting is
/// involved in the comparison.
fn tables_json(r: &Reader) -> Result<Vec<Value>> {
    use crate::table::{TableSet, Value as Cell};
    let ts = TableSet::new(r.bytes(), r.container())?;
    let mut out = Vec::new();
    for t in ts.tables() {
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
        let mut rows = Vec::with_capacity(t.row_count() as usize);
        for row in 0..t.row_count() {
            let mut cells = Vec::with_capacity(columns.len());
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
            rows.push(Value::Array(cells));
        }
        out.push(json!({
            "name": t.name(),
            "row_count": t.row_count(),
            "columns": columns,
            "indexes": indexes,
            "rows": rows,
        }));
    }
    Ok(out)
}
