//! `tribit query` edge cases: IN-lists past the batch limit, nulls in
//! IN-lists.

mod common;

use common::{s, tribit_ok};

fn table(dir: &std::path::Path) -> std::path::PathBuf {
    let csv = dir.join("t.csv");
    let mut text = String::from("ID,NOTE\n");
    for i in 0..1000 {
        if i % 10 == 0 {
            text.push_str(&format!("{i},\n"));
        } else {
            text.push_str(&format!("{i},n{i}\n"));
        }
    }
    std::fs::write(&csv, text).unwrap();
    let out = dir.join("t.tbit");
    tribit_ok(&["import", "csv", s(&csv), "-o", s(&out), "--index", "ID", "-q"]);
    out
}

#[test]
fn explain_names_the_key_limit_not_a_missing_index() {
    let dir = tempfile::tempdir().unwrap();
    let t = table(dir.path());
    let list = dir.path().join("ids.txt");
    let ids: Vec<String> = (0..70_000).map(|i| i.to_string()).collect();
    std::fs::write(&list, ids.join("\n")).unwrap();
    let o = common::tribit(&["query", s(&t), "--in", "ID", s(&list), "--count", "--explain"]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("no index covers"), "{err}");
    assert!(err.contains("70000 key combinations") && err.contains("65536"), "{err}");
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "1000");
}

#[test]
fn an_empty_line_in_an_in_list_matches_nulls() {
    let dir = tempfile::tempdir().unwrap();
    let t = table(dir.path());
    let list = dir.path().join("notes.txt");
    std::fs::write(&list, "n1\n\nn3\n").unwrap();
    let out = tribit_ok(&["query", s(&t), "--in", "NOTE", s(&list), "--count"]);
    assert_eq!(String::from_utf8_lossy(&out).trim(), "102");
    // On a column that is not nullable, a blank line is skipped.
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, "1\n\n2\n").unwrap();
    let out = tribit_ok(&["query", s(&t), "--in", "ID", s(&ids), "--count"]);
    assert_eq!(String::from_utf8_lossy(&out).trim(), "2");
}
