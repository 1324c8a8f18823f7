//! Dense matrices (SPEC §8.9): round trips in both byte orders against a
//! naive dense copy, name lookups, streaming under a memory limit, and
//! damaged files refused.

mod common;

use std::io::Cursor;

use common::{s, tribit, tribit_ok, Rng};
use tribit::container::ByteOrder;
use tribit::matrix::MatrixOptions;
use tribit::table::{ColumnType, TablesWriter, Value};
use tribit::{ErrorKind, File};

/// A seeded matrix as f64 cells (some null), with names.
fn cells(rows: usize, cols: usize, seed: u64) -> Vec<Vec<Option<f64>>> {
    let mut r = Rng(seed);
    (0..rows)
        .map(|_| {
            (0..cols)
                .map(|_| match r.below(20) {
                    0 => None,
                    _ => Some(r.below(60_000) as f64),
                })
                .collect()
        })
        .collect()
}

fn write(m: &[Vec<Option<f64>>], o: &MatrixOptions, order: ByteOrder) -> Vec<u8> {
    let cols: Vec<String> = (0..m[0].len()).map(|j| format!("G{j}")).collect();
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), order).unwrap();
    let mut mw = w.matrix("expr", &cols, o).unwrap();
    for (i, row) in m.iter().enumerate() {
        let v: Vec<Value> = row.iter().map(|c| c.map_or(Value::Null, Value::F64)).collect();
        mw.push_row(&format!("R{i}"), &v).unwrap();
    }
    mw.finish().unwrap();
    w.finish().unwrap().into_inner()
}

fn same(a: f64, b: Option<f64>) -> bool {
    match b {
        None => a.is_nan(),
        Some(b) => a == b,
    }
}

/// Selections large enough to be gathered in parts on several threads:
/// neighbouring rows across bands, scattered and repeated rows, and
/// columns in runs, alone and reversed, in both byte orders.
#[test]
fn large_selections_match_the_naive_copy() {
    let m = cells(700, 300, 7);
    let mut r = Rng(11);
    let mut rows: Vec<u64> = (90..610).collect();
    rows.extend((0..300).map(|_| r.below(700)));
    rows.extend([699, 699, 0, 5, 4, 3]);
    let mut cols: Vec<u64> = (0..300).collect();
    cols.extend((0..40).map(|_| r.below(300)));
    cols.extend((100..140).rev());
    for order in [ByteOrder::Little, ByteOrder::Big] {
        let mut o = MatrixOptions::new(ColumnType::F64);
        o.tile_rows = Some(13);
        o.tile_cols = Some(8);
        let f = File::from_bytes(write(&m, &o, order)).unwrap();
        let x = f.matrix("expr").unwrap();
        let got = x.read_f64(&rows, &cols).unwrap();
        for (a, &i) in rows.iter().enumerate() {
            for (b, &j) in cols.iter().enumerate() {
                let want = m[i as usize][j as usize];
                assert!(same(got[a * cols.len() + b], want), "{order:?} ({i},{j})");
            }
        }
        // One column down every row: one cell per row of each band.
        let all: Vec<u64> = (0..700).collect();
        let got = x.read_f64(&all, &[299]).unwrap();
        for (i, row) in m.iter().enumerate() {
            assert!(same(got[i], row[299]), "{order:?} ({i},299)");
        }
    }
}

#[test]
fn round_trip_both_orders_and_types_against_the_naive_copy() {
    let m = cells(53, 37, 1);
    for order in [ByteOrder::Little, ByteOrder::Big] {
        for ty in [ColumnType::F32, ColumnType::F64, ColumnType::U32, ColumnType::U16] {
            let mut o = MatrixOptions::new(ty);
            o.tile_rows = Some(5);
            o.tile_cols = Some(8);
            let f = File::from_bytes(write(&m, &o, order)).unwrap();
            assert!(tribit::validate::validate(f.bytes()).is_valid());
            let x = f.matrix("expr").unwrap();
            assert_eq!(x.shape(), (53, 37));
            let all_r: Vec<u64> = (0..53).collect();
            let all_c: Vec<u64> = (0..37).collect();
            let got = x.read_f64(&all_r, &all_c).unwrap();
            for (i, row) in m.iter().enumerate() {
                for (j, &want) in row.iter().enumerate() {
                    assert!(same(got[i * 37 + j], want), "{ty:?} {order:?} ({i},{j})");
                }
            }
            // A scattered subset, repeats and reverse order included.
            let rows = [52u64, 0, 7, 7, 31];
            let cols = [36u64, 8, 9, 10, 0, 15, 16];
            let got = x.read_f64(&rows, &cols).unwrap();
            for (a, &r) in rows.iter().enumerate() {
                for (b, &c) in cols.iter().enumerate() {
                    assert!(same(got[a * cols.len() + b], m[r as usize][c as usize]));
                }
            }
        }
    }
}

#[test]
fn names_are_index_lookups_in_asked_order() {
    let m = cells(40, 12, 2);
    let f = File::from_bytes(write(&m, &MatrixOptions::new(ColumnType::F64), ByteOrder::Little)).unwrap();
    let x = f.matrix("expr").unwrap();
    assert!(!x.row_table().indexes().is_empty(), "row names must be indexed");
    assert_eq!(x.row_positions(&["R39", "R0", "R17"]).unwrap(), vec![39, 0, 17]);
    assert_eq!(x.col_positions(&["G11", "G3"]).unwrap(), vec![11, 3]);
    assert_eq!(x.row_name(17).unwrap(), "R17");
    let e = x.row_positions(&["R1", "nope"]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.message(), "no row named 'nope' in matrix 'expr'");
    assert_eq!(f.matrix("x").unwrap_err().message(), "no matrix 'x' (matrices: expr)");
}

#[test]
fn streaming_write_holds_one_band_under_the_memory_limit() {
    // 600 rows x 500 f32 columns = 1.2 MB of cells, written under 64 KiB.
    let cols: Vec<String> = (0..500).map(|j| format!("g{j}")).collect();
    let limit = 64 << 10;
    let mut o = MatrixOptions::new(ColumnType::F32);
    o.memory_limit = limit;
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    let mut mw = w.matrix("big", &cols, &o).unwrap();
    let row = |i: usize| -> Vec<f32> { (0..500).map(|j| (i * 500 + j) as f32).collect() };
    for i in 0..600 {
        let bytes: Vec<u8> = row(i).iter().flat_map(|v| v.to_ne_bytes()).collect();
        mw.push_row_native(&format!("r{i}"), &bytes).unwrap();
    }
    let (tr, _) = mw.tile_shape();
    assert!(
        mw.buffered_peak() as u64 <= limit,
        "peak {} > {limit}",
        mw.buffered_peak()
    );
    assert!(tr >= 1 && tr * 512 * 4 <= limit);
    mw.finish().unwrap();
    let f = File::from_bytes(w.finish().unwrap().into_inner()).unwrap();
    let x = f.matrix("big").unwrap();
    assert!(600 * 500 * 4 > limit as usize);
    let got = x.read_f64(&[599, 3], &[499, 0]).unwrap();
    assert_eq!(
        got,
        vec![
            row(599)[499] as f64,
            row(599)[0] as f64,
            row(3)[499] as f64,
            row(3)[0] as f64
        ]
    );
    // One band is too small for one row: refused, not written.
    o.memory_limit = 100;
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    let e = w.matrix("m", &cols, &o).err().unwrap();
    assert!(e.message().contains("memory limit"), "{}", e.message());
}

#[test]
fn a_damaged_tile_is_refused_on_first_touch_and_by_the_validator() {
    let m = cells(40, 70, 3);
    let mut o = MatrixOptions::new(ColumnType::F32);
    o.tile_rows = Some(16);
    let bytes = write(&m, &o, ByteOrder::Little);
    let good = File::from_bytes(bytes.clone()).unwrap();
    let tiles_at = good.matrices().unwrap().matrices()[0].offsets().1 as usize;
    let mut bad = bytes.clone();
    bad[tiles_at + 4] ^= 1; // row 0, column 1: tile (0, 0)
    let f = File::from_bytes(bad.clone()).unwrap();
    let x = f.matrix("expr").unwrap();
    // A tile elsewhere still reads.
    assert!(x.read_f64(&[20], &[0]).is_ok());
    let e = x.read_f64(&[0], &[1]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Checksum);
    assert_eq!(e.rule(), Some("MX7"), "{e}");
    let report = tribit::validate::validate(&bad);
    assert!(report.has("MX7"));
}

#[test]
fn truncated_or_broken_headers_are_refused() {
    let m = cells(10, 10, 4);
    let bytes = write(&m, &MatrixOptions::new(ColumnType::F32), ByteOrder::Little);
    let f = File::from_bytes(bytes.clone()).unwrap();
    let (hdr_at, _) = f.matrices().unwrap().matrices()[0].offsets();
    // tile_rows = 0 (checksums resealed so the rule, not the checksum, fails).
    let mut bad = bytes.clone();
    bad[hdr_at as usize + 16..hdr_at as usize + 20].copy_from_slice(&0u32.to_le_bytes());
    common::reseal(&mut bad);
    let f = File::from_bytes(bad.clone()).unwrap();
    let e = f.matrix("expr").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Format);
    assert_eq!(e.rule(), Some("MX2"), "{e}");
    assert!(tribit::validate::validate(&bad).has("MX2"));
    // A truncated file is refused at open.
    assert!(File::from_bytes(bytes[..bytes.len() - 10].to_vec()).is_err());
}

#[test]
fn cli_import_tsv_npy_and_query_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("m.tsv");
    std::fs::write(&tsv, "id\tTP53\tBRCA1\nSRR1\t1.5\t\nSRR2\t-2\t3.25\n").unwrap();
    let out = dir.path().join("m.tbit");
    tribit_ok(&["import", "matrix", s(&tsv), "-o", s(&out), "--name", "expr"]);
    let q = tribit_ok(&["query-matrix", s(&out), "--rows", "SRR2,SRR1", "--cols", "BRCA1"]);
    assert_eq!(String::from_utf8(q).unwrap(), "\tBRCA1\nSRR2\t3.25\nSRR1\t\n");
    let v = tribit_ok(&["validate", s(&out)]);
    assert!(String::from_utf8_lossy(&v).contains("valid"));
    // .npy: big-endian u32, 2 x 3, names from files.
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    let mut h = "{'descr': '>u4', 'fortran_order': False, 'shape': (2, 3), }".to_string();
    while !(h.len() + 11).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    npy.extend_from_slice(&(h.len() as u16).to_le_bytes());
    npy.extend_from_slice(h.as_bytes());
    for v in [1u32, 2, 3, 4, 5, 4_000_000_000] {
        npy.extend_from_slice(&v.to_be_bytes());
    }
    let p = dir.path().join("c.npy");
    std::fs::write(&p, &npy).unwrap();
    let names = dir.path().join("runs.txt");
    std::fs::write(&names, "a\nb\n").unwrap();
    let out2 = dir.path().join("c.tbit");
    tribit_ok(&[
        "import",
        "matrix",
        s(&p),
        "-o",
        s(&out2),
        "--row-names",
        s(&names),
        "--byte-order",
        "big",
    ]);
    let q = tribit_ok(&["query-matrix", s(&out2), "--rows", "b", "--cols", "2,0"]);
    assert_eq!(String::from_utf8(q).unwrap(), "\t2\t0\nb\t4000000000\t4\n");
    // Bad input: line and column named, exit 2, no output file.
    std::fs::write(&tsv, "id\tA\nr1\t1\nr2\tx\n").unwrap();
    let bad_out = dir.path().join("bad.tbit");
    let o = tribit(&["import", "matrix", s(&tsv), "-o", s(&bad_out)]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 3, column 4") && err.contains("'x' is not a f32 value"),
        "{err}"
    );
    assert!(!bad_out.exists());
    // Unknown name: exit 2.
    let o = tribit(&["query-matrix", s(&out), "--rows", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_matrix_names_table_cannot_be_dropped_or_replaced_alone() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("m.tsv");
    std::fs::write(&tsv, "id\tA\tB\nr1\t1\t2\nr2\t3\t4\n").unwrap();
    let f = dir.path().join("m.tbit");
    tribit_ok(&["import", "matrix", s(&tsv), "-o", s(&f), "--name", "expr"]);
    let before = std::fs::read(&f).unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, "name\nx\n").unwrap();
    for args in [
        vec!["table", "drop", s(&f), "--table", "expr:rows"],
        vec!["index", "drop", s(&f), "--table", "expr:cols", "--columns", "name"],
        vec![
            "import",
            "csv",
            s(&csv),
            "--into",
            s(&f),
            "--table",
            "expr:rows",
            "--replace",
        ],
    ] {
        let o = tribit(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("names of matrix 'expr'"), "{args:?}: {err}");
        // Nothing was written: the file is as it was, and valid.
        assert_eq!(std::fs::read(&f).unwrap(), before, "{args:?}");
    }
    tribit_ok(&["validate", s(&f)]);
}
