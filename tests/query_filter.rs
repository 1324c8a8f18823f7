//! `tribit query --where` comparisons (!=, <, <=, >, >=) ANDed with
//! index-answered equalities, against a naive filter over all rows.

mod common;

use std::io::Cursor;

use proptest::prelude::*;

use common::run::{fails, ok, s, tribit};
use tribit::container::{ByteOrder, Container};
use tribit::table::filter::{Condition, Filter, Op};
use tribit::table::{Schema, TableOptions, TableSet, TablesWriter, Value};

/// One generated row: K i32 (indexed), V f64? (with NaN and ±0), U u8,
/// G dict, S i64?.
#[derive(Debug, Clone)]
struct Row {
    k: i32,
    v: Option<f64>,
    u: u8,
    g: &'static str,
    s: Option<i64>,
}

const GENES: [&str; 3] = ["TP53", "BRCA1", "EGFR"];
const FLOATS: [f64; 7] = [-1.5, -0.0, 0.0, 2.5, 1e300, f64::NAN, 7.0];

fn row_strategy() -> impl Strategy<Value = Row> {
    (
        -3i32..4,
        prop::option::of(0usize..FLOATS.len()),
        any::<u8>(),
        0usize..3,
        prop::option::of(-5i64..6),
    )
        .prop_map(|(k, v, u, g, s)| Row {
            k,
            v: v.map(|i| FLOATS[i]),
            u,
            g: GENES[g],
            s,
        })
}

fn build(rows: &[Row]) -> Vec<u8> {
    let schema = Schema::parse("K:i32,V:f64?,U:u8,G:dict,S:i64?").unwrap();
    let opts = TableOptions {
        indexes: vec![vec!["K".into()]],
    };
    let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    let mut t = w.table("t", schema, &opts).unwrap();
    for r in rows {
        t.push_row(&[
            Value::Int(r.k.into()),
            r.v.map_or(Value::Null, Value::F64),
            Value::UInt(r.u.into()),
            Value::Str(r.g),
            r.s.map_or(Value::Null, Value::Int),
        ])
        .unwrap();
    }
    t.finish().unwrap();
    w.finish().unwrap().into_inner()
}

/// The naive twin: every condition on every row, on the generated values.
fn naive(rows: &[Row], conds: &[Condition]) -> Vec<u64> {
    let num = |r: &Row, col: &str| -> Option<f64> {
        match col {
            "K" => Some(r.k as f64),
            "V" => r.v,
            "U" => Some(r.u as f64),
            "S" => r.s.map(|x| x as f64),
            _ => unreachable!(),
        }
    };
    let pass = |r: &Row, c: &Condition| -> bool {
        if c.column == "G" {
            return match c.op {
                Op::Eq => r.g == c.value,
                Op::Ne => r.g != c.value,
                _ => unreachable!(),
            };
        }
        let Some(x) = num(r, &c.column) else {
            // Null: only `COL=` (empty) matches, and `!=` never.
            return c.op == Op::Eq && c.value.is_empty();
        };
        if c.value.is_empty() {
            return c.op == Op::Ne;
        }
        let b: f64 = c.value.parse().unwrap();
        match c.op {
            Op::Eq => x.to_bits() == b.to_bits() || (c.column != "V" && x == b),
            Op::Ne => !(x.to_bits() == b.to_bits() || (c.column != "V" && x == b)),
            Op::Lt => x < b,
            Op::Le => x <= b,
            Op::Gt => x > b,
            Op::Ge => x >= b,
        }
    };
    rows.iter()
        .enumerate()
        .filter(|(_, r)| conds.iter().all(|c| pass(r, c)))
        .map(|(i, _)| i as u64)
        .collect()
}

fn cond_strategy() -> impl Strategy<Value = Condition> {
    let ops = prop::sample::select(vec![Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge]);
    let numeric = (
        prop::sample::select(vec!["K", "V", "U", "S"]),
        ops,
        prop::sample::select(vec!["-2", "0", "3", "2.5", "-0.0", "255", "7", ""]),
    )
        .prop_filter_map("a value the column takes", |(col, op, val)| {
            let int_col = col != "V";
            if int_col && (val.contains('.')) {
                return None;
            }
            if val.is_empty() && !matches!(op, Op::Eq | Op::Ne) {
                return None;
            }
            if val.is_empty() && matches!(col, "K" | "U") {
                return None; // not nullable
            }
            if col == "U" && matches!(op, Op::Eq | Op::Ne) && val.starts_with('-') {
                return None; // out of u8 for equality
            }
            Some(Condition {
                column: col.to_string(),
                op,
                value: val.to_string(),
            })
        });
    let gene = (prop::sample::select(vec![Op::Eq, Op::Ne]), 0usize..3).prop_map(|(op, g)| Condition {
        column: "G".into(),
        op,
        value: GENES[g].into(),
    });
    prop_oneof![3 => numeric, 1 => gene]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn select_then_filter_equals_a_naive_filter(
        rows in prop::collection::vec(row_strategy(), 0..120),
        conds in prop::collection::vec(cond_strategy(), 0..4),
    ) {
        let bytes = build(&rows);
        let c = Container::parse(&bytes).unwrap();
        let ts = TableSet::new(&bytes, &c).unwrap();
        let t = &ts.tables()[0];
        let mut eq = Vec::new();
        let mut filters = Vec::new();
        for cond in &conds {
            if cond.op == Op::Eq {
                eq.push((cond.column.as_str(), vec![t.parse_value(&cond.column, &cond.value).unwrap()]));
            } else {
                filters.push(Filter::new(t, cond).unwrap());
            }
        }
        let borrowed: Vec<(&str, Vec<Value<'_>>)> =
            eq.iter().map(|(c, v)| (*c, v.iter().map(|x| x.as_value()).collect())).collect();
        let (sel, _) = t.select(&borrowed).unwrap();
        let got: Vec<u64> = t.filter(&sel, &filters).unwrap().rows().collect();
        prop_assert_eq!(got, naive(&rows, &conds));
    }
}

fn table_file(dir: &std::path::Path) -> std::path::PathBuf {
    let csv = dir.join("t.csv");
    let mut text = String::from("K,V,G\n");
    for i in 0..1000 {
        text.push_str(&format!("{},{},{}\n", i % 10, (i as f64) / 4.0, GENES[i % 3]));
    }
    std::fs::write(&csv, text).unwrap();
    let tb = dir.join("t.tbit");
    ok(&["import", "csv", s(&csv), "-f", "-o", s(&tb), "--index", "K", "-q"]);
    tb
}

#[test]
fn cli_ands_comparisons_with_index_lookups_and_explains() {
    let dir = tempfile::tempdir().unwrap();
    let tb = table_file(dir.path());
    // K=3 (index: 100 rows), V>=100 (rows 400..1000 with K=3: 60 rows), G!=TP53.
    let o = tribit(&[
        "query",
        s(&tb),
        "--where",
        "K=3",
        "--where",
        "V>=100",
        "--where",
        "G!=TP53",
        "--count",
        "--explain",
    ]);
    assert!(o.status.success());
    let want = (0..1000)
        .filter(|i| i % 10 == 3 && (*i as f64) / 4.0 >= 100.0 && i % 3 != 0)
        .count();
    assert_eq!(String::from_utf8(o.stdout).unwrap().trim(), want.to_string());
    let e = String::from_utf8(o.stderr).unwrap();
    assert!(e.contains("index on (K) for K"), "{e}");
    assert!(
        e.contains("filter 'V>=100': read column V of the 100 rows the conditions above left"),
        "{e}"
    );
    assert!(e.contains("filter 'G!=TP53'"), "{e}");
    // Without an equality, the filter reads every row, and says so.
    let o = tribit(&["query", s(&tb), "--where", "V<1", "--row-numbers", "--explain"]);
    assert_eq!(String::from_utf8(o.stdout).unwrap(), "0\n1\n2\n3\n");
    assert!(String::from_utf8(o.stderr)
        .unwrap()
        .contains("of the 1000 rows (every row"));
}

#[test]
fn cli_refuses_unknown_operators_and_wrong_types() {
    let dir = tempfile::tempdir().unwrap();
    let tb = table_file(dir.path());
    let e = fails(&["query", s(&tb), "--where", "K==3"]);
    assert!(
        e.contains("unknown operator '=='") && e.contains("=, !=, <, <=, >, >="),
        "{e}"
    );
    let e = fails(&["query", s(&tb), "--where", "K~3"]);
    assert!(e.contains("expected COL OP VALUE"), "{e}");
    let e = fails(&["query", s(&tb), "--where", "G<TP53"]);
    assert!(e.contains("'<' needs a numeric column; 'G' is dict"), "{e}");
    let e = fails(&["query", s(&tb), "--where", "K<2.5"]);
    assert!(e.contains("expected an integer for column 'K'"), "{e}");
    let e = fails(&["query", s(&tb), "--where", "X<2"]);
    assert!(e.contains("no column 'X'"), "{e}");
}

#[test]
fn delimiter_takes_exactly_what_its_help_says() {
    let dir = tempfile::tempdir().unwrap();
    let help = String::from_utf8(ok(&["import", "csv", "--help"])).unwrap();
    assert!(help.contains("one ASCII character other than '\"', CR or LF") && help.contains("'tab' or '\\t'"));
    let tsv = dir.path().join("t.tsv");
    std::fs::write(&tsv, "A\tB\n1\t2\n").unwrap();
    let semi = dir.path().join("t.txt");
    std::fs::write(&semi, "A;B\n1;2\n").unwrap();
    let out = dir.path().join("o.tbit");
    for (input, d) in [(&tsv, "tab"), (&tsv, "\\t"), (&tsv, "\t"), (&semi, ";")] {
        ok(&["import", "csv", s(input), "-f", "-o", s(&out), "--delimiter", d, "-q"]);
        assert_eq!(ok(&["export", "csv", s(&out)]), b"A,B\n1,2\n", "{d:?}");
        assert_eq!(
            ok(&["export", "csv", s(&out), "--delimiter", d]),
            std::fs::read(input).unwrap(),
            "{d:?}"
        );
    }
    for d in ["\"", ";;", "é", "\n", ""] {
        let e = fails(&["import", "csv", s(&semi), "-f", "-o", s(&out), "--delimiter", d]);
        assert!(e.contains("expected one ASCII character other than"), "{d:?}: {e}");
    }
}
