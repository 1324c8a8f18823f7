//! Parsing a TABLE section (SPEC §8.1): the header at header_offset, the
//! column descriptors and the names after it, each checked (\[T1], \[T3] to
//! \[T8]) before the table is viewed in place.

use std::collections::HashSet;
use std::sync::Arc;

use super::{StoredColumn, Table};
use crate::container::{ByteOrder, Checked, DirectoryEntry};
use crate::error::{Error, Result};
use crate::spec::{kind, table as t};
use crate::table::{ColumnDef, ColumnType, Schema};

pub(super) fn parse_table<'a>(section: Checked<'a>, o: ByteOrder, e: &DirectoryEntry) -> Result<Table<'a>> {
    let s = section.bytes;
    let bad = |at: u64, m: String| Error::format(Some(kind::TABLE), e.offset + at, m);
    let len = s.len() as u64;
    if len < t::HEADER_LEN + t::TRAILER_LEN {
        return Err(bad(0, format!("section of {len} bytes is too short for a table")).with_rule("T1"));
    }
    let ho = o.u64_at(s, (len - 8) as usize);
    if !ho.is_multiple_of(8) || ho.checked_add(t::HEADER_LEN).is_none_or(|end| end > len - 8) {
        return Err(bad(
            len - 8,
            format!("header offset {ho} is not a multiple of 8 inside the section"),
        )
        .with_rule("T1"));
    }
    let h = ho as usize;
    let row_count = o.u64_at(s, h);
    let row_width = o.u32_at(s, h + 8);
    let ncol = o.u32_at(s, h + 12);
    let null_offset = o.u32_at(s, h + 16);
    let null_len = o.u32_at(s, h + 20);
    let name_len = o.u32_at(s, h + 24);
    let desc_len = o.u32_at(s, h + 28);
    let rows_len = row_count.checked_mul(row_width as u64);
    if rows_len.is_none_or(|r| r > ho || ho - r >= 8) {
        return Err(bad(
            ho,
            format!("{row_count} rows of {row_width} bytes do not end at the header at {ho}"),
        )
        .with_rule("T3"));
    }
    if row_width == 0 || ncol == 0 || (desc_len as u64) < t::COLUMN_LEN {
        return Err(bad(
            ho + 8,
            "row_width, column_count and column_entry_len must be non-zero (>= 32)".into(),
        )
        .with_rule("T4"));
    }
    if null_offset as u64 + null_len as u64 > row_width as u64 {
        return Err(bad(ho + 16, "null bitmap lies outside the row".into()).with_rule("T5"));
    }
    let descs = (ncol as u64)
        .checked_mul(desc_len as u64)
        .and_then(|n| n.checked_add(ho + t::HEADER_LEN));
    let Some(names_at) = descs.filter(|&n| n <= len - 8) else {
        return Err(bad(ho + 12, "column descriptors run past the section".into()).with_rule("T4"));
    };
    let mut pos = names_at;
    let mut take = |n: u32, what: &str| -> Result<&'a str> {
        let end = pos + n as u64;
        if end > len - 8 {
            return Err(bad(pos, format!("{what} runs past the section")).with_rule("T4"));
        }
        let r = std::str::from_utf8(&s[pos as usize..end as usize])
            .map_err(|_| bad(pos, format!("{what} is not UTF-8")).with_rule("T4"));
        pos = end;
        r
    };
    let name = take(name_len, "table name")?.to_string();
    if name.is_empty() {
        return Err(bad(ho + 24, "empty table name".into()).with_rule("T4"));
    }
    // ncol descriptors fit in the section, so ncol is bounded by its length;
    // the checks below are linear (overlaps: one sort) in ncol.
    let mut columns: Vec<StoredColumn> = Vec::with_capacity(ncol as usize);
    let mut bits_seen = HashSet::new();
    let mut names_seen = HashSet::new();
    let null_end = null_offset as u64 + null_len as u64;
    for i in 0..ncol as u64 {
        let d = (ho + t::HEADER_LEN + i * desc_len as u64) as usize;
        let at = d as u64;
        let code = s[d];
        let nullable = s[d + 1] & t::COLUMN_FLAG_NULLABLE != 0;
        let offset = o.u32_at(s, d + 4);
        let width = o.u32_at(s, d + 8);
        let null_bit = o.u32_at(s, d + 12);
        let cname = take(o.u32_at(s, d + 16), "column name")?;
        let ty = ColumnType::from_code(code, width).ok_or_else(|| {
            bad(at, format!("column {i}: type {code} with width {width} is not valid")).with_rule("T6")
        })?;
        let end = offset as u64 + width as u64;
        if end > row_width as u64 {
            return Err(bad(
                at + 4,
                format!("column '{cname}' lies outside the {row_width}-byte row"),
            )
            .with_rule("T7"));
        }
        if null_len > 0 && (null_offset as u64) < end && (offset as u64) < null_end {
            return Err(bad(at + 4, format!("column '{cname}' overlaps the null bitmap")).with_rule("T7"));
        }
        // u64: 8 x null_len does not fit a u32 for a bitmap of 2^29 bytes or more.
        if nullable != (null_bit != t::NO_NULL_BIT)
            || (nullable && (null_bit as u64 >= null_len as u64 * 8 || !bits_seen.insert(null_bit)))
        {
            return Err(bad(
                at + 12,
                format!("column '{cname}': null bit {null_bit} does not match its nullability or the bitmap"),
            )
            .with_rule("T8"));
        }
        if cname.is_empty() || !names_seen.insert(cname) {
            return Err(bad(at + 16, format!("column name '{cname}' is empty or repeated")).with_rule("T4"));
        }
        columns.push(StoredColumn {
            def: ColumnDef {
                name: cname.to_string(),
                ty,
                nullable,
            },
            offset,
            null_bit,
        });
    }
    // [T7] no two columns overlap: sorted by offset, each (width >= 1) ends
    // at or before the next begins.
    let mut spans: Vec<usize> = (0..columns.len()).collect();
    spans.sort_by_key(|&i| columns[i].offset);
    for w in spans.windows(2) {
        let (a, b) = (&columns[w[0]], &columns[w[1]]);
        if a.offset as u64 + a.def.ty.width() as u64 > b.offset as u64 {
            let later = w[0].max(w[1]);
            return Err(bad(
                ho + t::HEADER_LEN + later as u64 * desc_len as u64 + 4,
                format!(
                    "column '{}' overlaps column '{}'",
                    columns[later].def.name,
                    columns[w[0].min(w[1])].def.name
                ),
            )
            .with_rule("T7"));
        }
    }
    let schema = Schema {
        columns: columns.iter().map(|c| c.def.clone()).collect(),
    };
    Ok(Table {
        name,
        order: o,
        rows: &s[..(row_count * row_width as u64) as usize],
        section,
        row_count,
        row_width: row_width as usize,
        null_offset: null_offset as usize,
        null_len: null_len as usize,
        dicts: vec![None; columns.len()],
        columns,
        schema,
        indexes: Vec::new(),
        unusable: Vec::new(),
        broken: Arc::default(),
        group: e.group,
        offset: e.offset,
        header_offset: ho,
        names_end: pos,
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Value;

    /// A TABLE section written out field by field (SPEC §8.1),
    /// little-endian: table `t` with an i32 column `id` and a nullable u8
    /// column `v`, two rows, the null bitmap in the row's last byte.
    #[rustfmt::skip]
    const TABLE_LE: [u8; 160] = [
        // rows: 2 × row_width 6
        0x07, 0x00, 0x00, 0x00, 0xC8, 0x00,             //   0 row 0: id 7, v 200, bitmap 0
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01,             //   6 row 1: id -1, v null (bit 0)
        0x00, 0x00, 0x00, 0x00,                         //  12 padding to a multiple of 8
        // header, at header_offset 16
        0x02, 0, 0, 0, 0, 0, 0, 0,                      //  16 row_count 2
        0x06, 0, 0, 0,                                  //  24 row_width 6
        0x02, 0, 0, 0,                                  //  28 column_count 2
        0x05, 0, 0, 0,                                  //  32 null_offset 5
        0x01, 0, 0, 0,                                  //  36 null_len 1
        0x01, 0, 0, 0,                                  //  40 name_len 1
        0x20, 0, 0, 0,                                  //  44 column_entry_len 32
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, //  48 reserved (32 bytes)
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        // column descriptor 0: id
        0x04, 0x00, 0x00, 0x00,                         //  80 type 4 (i32), flags 0, reserved
        0x00, 0, 0, 0,                                  //  84 offset 0
        0x04, 0, 0, 0,                                  //  88 width 4
        0xFF, 0xFF, 0xFF, 0xFF,                         //  92 null_bit: none
        0x02, 0, 0, 0,                                  //  96 name_len 2
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,             // 100 reserved
        // column descriptor 1: v
        0x06, 0x01, 0x00, 0x00,                         // 112 type 6 (u8), flags: nullable
        0x04, 0, 0, 0,                                  // 116 offset 4
        0x01, 0, 0, 0,                                  // 120 width 1
        0x00, 0, 0, 0,                                  // 124 null_bit 0
        0x01, 0, 0, 0,                                  // 128 name_len 1
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,             // 132 reserved
        // names: table, then columns
        b't', b'i', b'd', b'v',                         // 144 "t" "id" "v"
        0, 0, 0, 0,                                     // 148 padding to a multiple of 8
        0x10, 0, 0, 0, 0, 0, 0, 0,                      // 152 header_offset 16
    ];

    fn entry() -> DirectoryEntry {
        DirectoryEntry {
            kind: kind::TABLE,
            flags: crate::spec::SECTION_FLAG_REQUIRED,
            offset: 4096,
            length: TABLE_LE.len() as u64,
            checksum: 0,
            group: 1,
            reserved0: 0,
            reserved1: 0,
        }
    }

    #[test]
    fn table_fields_sit_where_spec_8_1_says() {
        let tb = parse_table(Checked::trusted(&TABLE_LE), ByteOrder::Little, &entry()).unwrap();
        assert_eq!((tb.name(), tb.row_count(), tb.row_width()), ("t", 2, 6));
        assert_eq!(tb.null_bitmap(), (5, 1));
        let cols: Vec<(&str, u32, u32)> = tb
            .columns()
            .iter()
            .map(|c| (c.def.name.as_str(), c.offset, c.null_bit))
            .collect();
        assert_eq!(cols, [("id", 0, t::NO_NULL_BIT), ("v", 4, 0)]);
        assert_eq!(tb.cell(0, 0).unwrap(), Value::Int(7));
        assert_eq!(tb.cell(0, 1).unwrap(), Value::UInt(200));
        assert_eq!(tb.cell(1, 0).unwrap(), Value::Int(-1));
        assert_eq!(tb.cell(1, 1).unwrap(), Value::Null);
    }

    #[test]
    fn a_broken_field_is_refused_at_its_byte_with_its_rule() {
        // (byte to change, new value, rule, offset the error names within
        // the section)
        let cases: [(usize, u8, &str, u64); 4] = [
            (152, 0x11, "T1", 152), // header_offset not a multiple of 8
            (24, 0x09, "T3", 16),   // row_width 9: the rows run past the header
            (80, 0x0E, "T6", 80),   // type 14 is reserved
            (116, 0x03, "T7", 116), // v at offset 3 overlaps id
        ];
        for (at, value, rule, offset) in cases {
            let mut b = TABLE_LE;
            b[at] = value;
            let err = parse_table(Checked::trusted(&b), ByteOrder::Little, &entry()).unwrap_err();
            assert_eq!(err.rule(), Some(rule), "byte {at}: {err}");
            assert!(
                err.to_string().contains(&format!("byte {}", 4096 + offset)),
                "byte {at}: {err}"
            );
        }
    }
}
