//! `tribit import csv`, `export csv`, `query` and `info` on tables, run as
//! the real binary in temporary directories.

mod common;

use common::reseal;
use common::run::{fails, s, tribit};

use std::path::Path;

/// Runs a command that must succeed; returns its stdout as text.
fn ok(args: &[&str]) -> String {
    String::from_utf8(common::run::ok(args)).unwrap()
}

const EVERY_TYPE: &str = "\
B,I8,I16,I32,I64,U8,U16,U32,U64,F32,F64,S,D
true,-128,-32768,-2147483648,-9223372036854775808,0,0,0,0,0.1,0.1,abc,TP53
false,127,32767,2147483647,9223372036854775807,255,65535,4294967295,18446744073709551615,3.4028235e38,1.7976931348623157e308,\"a,b\",BRCA1
,,,,,,,,,,,,
true,0,1,-1,5,1,2,3,4,-0.0,5e-324,é,\"quoted \"\"x\"\"\"
";
const SCHEMA: &str =
    "B:bool?,I8:i8?,I16:i16?,I32:i32?,I64:i64?,U8:u8?,U16:u16?,U32:u32?,U64:u64?,F32:f32?,F64:f64?,S:str(5)?,D:dict?";

#[test]
fn every_type_and_null_round_trips_csv_tribit_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, EVERY_TYPE).unwrap();
    for order in ["little", "big"] {
        let out = dir.path().join(format!("{order}.tbit"));
        ok(&[
            "import",
            "csv",
            s(&csv),
            "-o",
            s(&out),
            "--schema",
            SCHEMA,
            "--byte-order",
            order,
            "--index",
            "D",
            "-q",
        ]);
        let back = ok(&["export", "csv", s(&out), "--table", "t"]);
        assert_eq!(back, EVERY_TYPE, "{order}");
        let v = ok(&["validate", s(&out)]);
        assert!(!v.is_empty());
        let info = ok(&["info", s(&out)]);
        assert!(info.contains("table t (4 rows"), "{info}");
        assert!(info.contains("index on (D): 4 keys"), "{info}");
    }
}

#[test]
fn inferred_schema_and_tab_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("x.tsv");
    std::fs::write(&tsv, "A\tB\tC\tD\n1\t1.5\ttrue\tx\n-2\t\tfalse\t\n").unwrap();
    let out = dir.path().join("x.tbit");
    ok(&["import", "csv", s(&tsv), "-o", s(&out), "--delimiter", "\\t", "-q"]);
    let info = ok(&["info", "--json", s(&out)]);
    let j: serde_json::Value = serde_json::from_str(&info).unwrap();
    let types: Vec<String> = j["tables"][0]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}{}",
                c["type"].as_str().unwrap(),
                if c["nullable"] == true { "?" } else { "" }
            )
        })
        .collect();
    assert_eq!(types, ["i64", "f64?", "bool", "dict?"]);
    assert_eq!(
        ok(&["export", "csv", s(&out), "--delimiter", "tab"]),
        "A\tB\tC\tD\n1\t1.5\ttrue\tx\n-2\t\tfalse\t\n"
    );
}

fn expr(dir: &Path) -> std::path::PathBuf {
    let mut csv = String::from("PATIENT,PROBE,GENE,RAW\n");
    for p in 0..9 {
        for q in 0..13 {
            csv.push_str(&format!("P{p},{q}_at,G{},{}\n", q % 4, p * 100 + q));
        }
    }
    let path = dir.join("expr.csv");
    std::fs::write(&path, csv).unwrap();
    let out = dir.join("expr.tbit");
    ok(&[
        "import",
        "csv",
        s(&path),
        "-o",
        s(&out),
        "--table",
        "expr",
        "--index",
        "PATIENT",
        "--index",
        "GENE,PROBE,PATIENT",
        "-q",
    ]);
    out
}

#[test]
fn query_uses_indexes_in_lists_and_scans() {
    let dir = tempfile::tempdir().unwrap();
    let out = expr(dir.path());
    let f = s(&out);
    let q = ok(&["query", f, "--table", "expr", "--where", "PATIENT=P3", "--count"]);
    assert_eq!(q.trim(), "13");
    let o = tribit(&[
        "query",
        f,
        "--where",
        "PATIENT=P3",
        "--where",
        "GENE=G1",
        "--explain",
        "--columns",
        "PROBE,RAW",
    ]);
    assert!(o.status.success());
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "PROBE,RAW\n1_at,301\n5_at,305\n9_at,309\n"
    );
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains("index on (PATIENT)") && err.contains("scan of column GENE"),
        "{err}"
    );
    let list = dir.path().join("patients.txt");
    std::fs::write(&list, "P1\nP8\nP99\n").unwrap();
    let q = ok(&[
        "query",
        f,
        "--in",
        "PATIENT",
        s(&list),
        "--where",
        "PROBE=12_at",
        "--format",
        "tsv",
    ]);
    assert_eq!(q, "PATIENT\tPROBE\tGENE\tRAW\nP1\t12_at\tG0\t112\nP8\t12_at\tG0\t812\n");
    let o = tribit(&[
        "query",
        f,
        "--where",
        "GENE=G2",
        "--where",
        "PROBE=6_at",
        "--where",
        "PATIENT=P4",
        "--explain",
        "--format",
        "json",
    ]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("index on (GENE,PROBE,PATIENT)"), "{err}");
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j[0]["RAW"], 406);
}

#[test]
fn bad_input_names_line_and_column_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        ("A,B\n1,2\n3\n", "A:i32,B:i32", "line 3"),
        ("A,B\n1,x\n", "A:i32,B:i32", "column 'B'"),
        ("A\n300\n", "A:u8", "out of range"),
        ("A\n99999999999999999999\n", "A:i64", "out of range"),
        ("A\nabcdef\n", "A:str(3)", "longer"),
        ("A\n1\n", "Z:i32", "not in the schema"),
        ("A\n1\n", "A:int", "unknown type"),
        ("A\n<FF>\n", "A:dict", "UTF-8"),
        (
            "A,B\n1,x\n2,<FF>\n",
            "A:i32,B:dict",
            "line 3: field 2 (column 'B') is not valid UTF-8",
        ),
    ];
    for (i, (text, schema, want)) in cases.iter().enumerate() {
        let csv = dir.path().join(format!("{i}.csv"));
        let bytes: Vec<u8> = text
            .replace("<FF>", "\u{1}")
            .bytes()
            .map(|b| if b == 1 { 0xFF } else { b })
            .collect();
        std::fs::write(&csv, bytes).unwrap();
        let out = dir.path().join(format!("{i}.tbit"));
        let err = fails(&["import", "csv", s(&csv), "-o", s(&out), "--schema", schema]);
        assert!(err.contains(want), "case {i}: {err}");
        assert!(!out.exists(), "case {i}");
    }
    let ls: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(ls.len(), cases.len(), "no temporary files left");
    let out = expr(dir.path());
    let err = fails(&["query", s(&out), "--where", "NOPE=1"]);
    assert!(err.contains("no column 'NOPE'"), "{err}");
    let err = fails(&["query", s(&out), "--where", "RAW=abc"]);
    assert!(err.contains("RAW=abc"), "{err}");
    let err = fails(&["query", s(&out), "--table", "other"]);
    assert!(err.contains("no such table"), "{err}");
}

fn sections(b: &[u8], kind: u32) -> Vec<tribit::container::DirectoryEntry> {
    let c = tribit::container::Container::parse(b).unwrap();
    c.sections.into_iter().filter(|e| e.kind == kind).collect()
}

#[test]
fn query_scans_past_an_index_it_cannot_use_and_explains_why() {
    use tribit::spec::kind;
    let dir = tempfile::tempdir().unwrap();
    let out = expr(dir.path());
    let mut b = std::fs::read(&out).unwrap();
    let ix = sections(&b, kind::HASH_INDEX)[0]; // on PATIENT
    b[ix.offset as usize + 32] = 2; // hash = 2 [HI1]
    reseal(&mut b);
    std::fs::write(&out, &b).unwrap();
    let o = tribit(&["query", s(&out), "--where", "PATIENT=P3", "--explain", "--count"]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(o.status.success(), "{err}");
    assert_eq!(String::from_utf8(o.stdout).unwrap().trim(), "13");
    assert!(
        err.contains(&format!("HASH_INDEX at byte {} is not used", ix.offset)) && err.contains("[HI1]"),
        "{err}"
    );
    assert!(err.contains("scan of column PATIENT"), "{err}");
    // --row-numbers prints the rows' numbers, and agrees with --count.
    let nums = ok(&["query", s(&out), "--where", "PATIENT=P3", "--row-numbers"]);
    let nums: Vec<u64> = nums.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(nums.len(), 13);
    assert!(nums.windows(2).all(|w| w[0] < w[1]), "{nums:?}");
    // info lists the index it cannot use, and why.
    let info = ok(&["info", s(&out)]);
    assert!(
        info.contains(&format!("index at byte {} not used", ix.offset)) && info.contains("[HI1]"),
        "{info}"
    );
    let j: serde_json::Value = serde_json::from_str(&ok(&["info", s(&out), "--json"])).unwrap();
    assert_eq!(j["tables"][0]["unusable_indexes"][0]["offset"], ix.offset);
    // The composite index still answers its conditions.
    let o = tribit(&[
        "query",
        s(&out),
        "--where",
        "GENE=G2",
        "--where",
        "PROBE=6_at",
        "--where",
        "PATIENT=P4",
        "--explain",
    ]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("index on (GENE,PROBE,PATIENT)"), "{err}");
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "PATIENT,PROBE,GENE,RAW\nP4,6_at,G2,406\n"
    );
}

#[test]
fn query_no_verify_skips_table_checksums() {
    use tribit::spec::kind;
    let dir = tempfile::tempdir().unwrap();
    let out = expr(dir.path());
    let mut b = std::fs::read(&out).unwrap();
    let raw = {
        let c = tribit::container::Container::parse(&b).unwrap();
        let ts = tribit::table::TableSet::new(&b, &c).unwrap();
        let t = ts.table("expr").unwrap();
        t.columns().iter().find(|c| c.def.name == "RAW").unwrap().offset as usize
    };
    let table = sections(&b, kind::TABLE)[0];
    b[table.offset as usize + raw] ^= 1; // row 0's RAW, not resealed
    std::fs::write(&out, &b).unwrap();
    let err = fails(&["query", s(&out), "--where", "PATIENT=P0", "--count"]);
    assert!(err.contains("checksum"), "{err}");
    let q = ok(&[
        "query",
        s(&out),
        "--where",
        "PATIENT=P0",
        "--no-verify",
        "--columns",
        "RAW",
    ]);
    assert!(q.starts_with("RAW\n1\n1\n2\n"), "{q}");
}

#[test]
fn json_output_keeps_f32_short_and_non_finite_floats() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("f.csv");
    std::fs::write(
        &csv,
        "F,D,S\n0.1,0.1,\"a\"\"b\\c\"\nNaN,inf,x\n-inf,-0.0,\n1e-45,,y\n3.4028235e38,5e-324,z\n",
    )
    .unwrap();
    let out = dir.path().join("f.tbit");
    ok(&[
        "import",
        "csv",
        s(&csv),
        "-o",
        s(&out),
        "--schema",
        "F:f32,D:f64?,S:str(8)",
        "-q",
    ]);
    let q = ok(&["query", s(&out), "--format", "json"]);
    assert_eq!(
        q,
        "[\n  {\"F\":0.1,\"D\":0.1,\"S\":\"a\\\"b\\\\c\"},\n  {\"F\":\"NaN\",\"D\":\"inf\",\"S\":\"x\"},\n  \
         {\"F\":\"-inf\",\"D\":-0.0,\"S\":\"\"},\n  {\"F\":1e-45,\"D\":null,\"S\":\"y\"},\n  \
         {\"F\":3.4028235e38,\"D\":5e-324,\"S\":\"z\"}\n]\n"
    );
    let j: serde_json::Value = serde_json::from_str(&q).unwrap();
    assert_eq!(j.as_array().unwrap().len(), 5);
    assert_eq!(j[1]["F"], "NaN");
    assert_eq!(
        ok(&["query", s(&out), "--format", "json", "--where", "S=nope"]),
        "[\n]\n"
    );
}

/// SPEC §8.4: `--index-layout` picks the index layout; `info` names it;
/// both layouts answer the same queries; compact makes a 1.8 file.
#[test]
fn index_layouts_answer_alike_and_info_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("k.csv");
    let mut text = String::from("K,G,V\n");
    for i in 0..300 {
        text.push_str(&format!("{i},g{},{}\n", i % 7, i * 3));
    }
    std::fs::write(&csv, &text).unwrap();
    let mut answers = Vec::new();
    for (layout, version) in [("classic", "1.1"), ("compact", "1.8")] {
        let out = dir.path().join(format!("{layout}.tbit"));
        let o = s(&out);
        let schema = "K:u32,G:dict,V:i64";
        ok(&[
            "import",
            "csv",
            s(&csv),
            "-o",
            o,
            "--schema",
            schema,
            "--index",
            "K",
            "--index",
            "G",
            "--index-layout",
            layout,
            "-q",
        ]);
        let info = ok(&["info", o]);
        assert!(
            info.contains(&format!("index on (K): 300 keys, {layout} layout")),
            "{info}"
        );
        assert!(
            info.contains(&format!("index on (G): 7 keys, {layout} layout")),
            "{info}"
        );
        let j: serde_json::Value = serde_json::from_str(&ok(&["info", o, "--json"])).unwrap();
        assert_eq!(j["version"], version);
        assert_eq!(j["tables"][0]["indexes"][1]["layout"], layout);
        assert!(ok(&["validate", o]).contains("valid"));
        let k = ok(&["query", o, "--where", "K=123", "--row-numbers"]);
        let g = ok(&["query", o, "--where", "G=g3", "--count"]);
        answers.push((k, g));
    }
    assert_eq!(answers[0], answers[1]);
    assert!(
        answers[0].0.contains("123") && answers[0].1.contains("43"),
        "{answers:?}"
    );
}
