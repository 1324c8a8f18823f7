//! CSV input mistakes that used to hide rows with exit 0, and CSV from
//! standard input and pipes, through the real binary.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{entries, s, tribit, tribit_ok};

fn rows_csv(n: usize) -> String {
    let mut t = String::from("ID,NAME\n");
    for i in 0..n {
        t.push_str(&format!("{i},n{i}\n"));
    }
    t
}

fn count(tbit: &std::path::Path) -> String {
    let out = tribit_ok(&["query", s(tbit), "--count"]);
    String::from_utf8(out).unwrap().trim().to_string()
}

fn fails(args: &[&str]) -> String {
    let o = tribit(args);
    assert_eq!(o.status.code(), Some(2), "{args:?} should fail");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn an_unterminated_quote_in_the_last_column_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = rows_csv(100_000);
    // Row 21 (line 22) opens a quote in its last field and never closes it.
    text = text.replacen("20,n20\n", "20,\"n20\n", 1);
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, &text).unwrap();
    let out = dir.path().join("t.tbit");
    let err = fails(&["import", "csv", s(&csv), "-o", s(&out)]);
    assert!(err.contains("line 22"), "{err}");
    assert!(err.contains("next line"), "{err}");
    // With multi-line fields allowed, the quote still open at the end is caught.
    let err = fails(&["import", "csv", s(&csv), "-o", s(&out), "--allow-multiline"]);
    assert!(err.contains("line 22") && err.contains("never closed"), "{err}");
    assert_eq!(entries(dir.path()), ["t.csv"]);
}

#[test]
fn multiline_fields_need_the_option_and_then_keep_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("m.csv");
    std::fs::write(
        &csv,
        "ID,NOTE\n1,\"two\nlines\"\n2,\"a \"\"quoted\"\" word\"\n3,plain\n",
    )
    .unwrap();
    let out = dir.path().join("m.tbit");
    let err = fails(&["import", "csv", s(&csv), "-o", s(&out)]);
    assert!(err.contains("line 2") && err.contains("--allow-multiline"), "{err}");
    tribit_ok(&["import", "csv", s(&csv), "-o", s(&out), "--allow-multiline", "-q"]);
    assert_eq!(count(&out), "3");
    let back = tribit_ok(&["export", "csv", s(&out)]);
    assert_eq!(
        String::from_utf8(back).unwrap(),
        "ID,NOTE\n1,\"two\nlines\"\n2,\"a \"\"quoted\"\" word\"\n3,plain\n"
    );
}

#[test]
fn a_quoted_field_past_16_mib_is_taken_for_a_missing_quote() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    let mut f = std::fs::File::create(&csv).unwrap();
    f.write_all(b"ID,NOTE\n1,ok\n2,\"").unwrap();
    let line = format!("{}\n", "x".repeat(99));
    for _ in 0..(17 << 20) / 100 {
        f.write_all(line.as_bytes()).unwrap();
    }
    f.write_all(b"\"\n").unwrap();
    drop(f);
    let out = dir.path().join("big.tbit");
    let err = fails(&["import", "csv", s(&csv), "-o", s(&out), "--allow-multiline"]);
    assert!(err.contains("line 3") && err.contains("16 MiB"), "{err}");
}

#[test]
fn quotes_inside_unquoted_fields_are_letters() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("q.csv");
    std::fs::write(&csv, "ID,NOTE\n1,5\" screen\n2,x\n").unwrap();
    let out = dir.path().join("q.tbit");
    tribit_ok(&["import", "csv", s(&csv), "-o", s(&out), "-q"]);
    assert_eq!(count(&out), "2");
}

#[test]
fn csv_from_standard_input_with_an_inferred_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("in.tbit");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tribit"))
        .args(["import", "csv", "-", "-o", s(&out), "-q"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(rows_csv(5000).as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(count(&out), "5000");
    let info = String::from_utf8(tribit_ok(&["info", s(&out)])).unwrap();
    assert!(info.contains("ID") && info.contains("i64"), "{info}");
}

#[test]
fn csv_from_a_pipe_with_an_inferred_schema() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.csv");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, rows_csv(3000)).unwrap())
    };
    let out = dir.path().join("p.tbit");
    tribit_ok(&["import", "csv", s(&fifo), "-o", s(&out), "-q"]);
    writer.join().unwrap();
    assert_eq!(count(&out), "3000");
}
