//! `tribit export parquet` and `export arrow`, run as the real binary: the
//! files read back (by the parquet and arrow-ipc readers) equal the record
//! batches of the library's converter, whose cells are checked against
//! `Table::cell` in its unit tests.

use std::path::Path;
use std::process::{Command, Output};

use arrow_array::RecordBatch;
use tribit::convert::arrow::Converter;

fn tribit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tribit"))
        .args(args)
        .output()
        .expect("run tribit")
}

fn ok(args: &[&str]) {
    let o = tribit(args);
    assert!(
        o.status.success(),
        "tribit {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const CSV: &str = "\
B,I8,U64,F32,F64,S,D
true,-128,0,0.1,0.1,abc,TP53
false,127,18446744073709551615,3.4028235e38,1.7976931348623157e308,\"a,b\",BRCA1
,,,,,,
true,0,5,-0.0,5e-324,é,\"quoted \"\"x\"\"\"
";
const SCHEMA: &str = "B:bool?,I8:i8?,U64:u64?,F32:f32?,F64:f64?,S:str(5)?,D:dict?";

fn expected(tbit: &Path, columns: Option<&[&str]>) -> RecordBatch {
    let f = tribit::File::open(tbit).unwrap();
    let t = f.table("t").unwrap();
    let conv = Converter::new(t, columns).unwrap();
    conv.batch(t, tribit::table::RowSet::all(t.row_count()).ranges())
        .unwrap()
}

#[test]
fn parquet_and_arrow_files_read_back_equal_in_both_byte_orders() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, CSV).unwrap();
    for order in ["little", "big"] {
        let tbit = dir.path().join(format!("{order}.tbit"));
        ok(&[
            "import",
            "csv",
            s(&csv),
            "-o",
            s(&tbit),
            "--schema",
            SCHEMA,
            "--byte-order",
            order,
            "-q",
        ]);
        let pq = dir.path().join(format!("{order}.parquet"));
        ok(&["export", "parquet", s(&tbit), "-o", s(&pq)]);
        let r =
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&pq).unwrap())
                .unwrap()
                .build()
                .unwrap();
        let got: Vec<RecordBatch> = r.map(|b| b.unwrap()).collect();
        assert_eq!(got, vec![expected(&tbit, None)], "{order}: parquet");

        let ipc = dir.path().join(format!("{order}.arrow"));
        ok(&[
            "export",
            "arrow",
            s(&tbit),
            "--table",
            "t",
            "-o",
            s(&ipc),
            "--columns",
            "D,F32",
        ]);
        let r = arrow_ipc::reader::FileReader::try_new(std::fs::File::open(&ipc).unwrap(), None).unwrap();
        let got: Vec<RecordBatch> = r.map(|b| b.unwrap()).collect();
        assert_eq!(got, vec![expected(&tbit, Some(&["D", "F32"]))], "{order}: arrow");
    }
}

#[test]
fn bad_arguments_exit_2_and_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, CSV).unwrap();
    let tbit = dir.path().join("t.tbit");
    ok(&["import", "csv", s(&csv), "-o", s(&tbit), "--schema", SCHEMA, "-q"]);
    let out = dir.path().join("x.parquet");
    for (args, want) in [
        (vec!["--table", "nope"], "no such table"),
        (vec!["--columns", "B,NOPE"], "has no column 'NOPE'"),
        (vec!["--columns", "B,B"], "named twice"),
    ] {
        let mut all = vec!["export", "parquet", s(&tbit), "-o", s(&out)];
        all.extend(args);
        let o = tribit(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{all:?}: {err}");
        assert!(!out.exists(), "{all:?} left a file");
    }
    let o = tribit(&["export", "arrow", s(&csv), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "a CSV is not a tribit file");
    assert!(!out.exists());
}
