//! Files that grow: `import csv --into`, `table drop`, `index add|drop`,
//! and a process killed at many points during a change.

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use common::run::{fails, kill_after, ok, s, tribit};
use common::testdata;

/// A CSV of `n` rows: K (10 distinct), ID (unique), G (3 genes), V.
fn csv(dir: &Path, n: u64) -> PathBuf {
    let p = dir.join(format!("t{n}.csv"));
    let mut text = String::from("K,ID,G,V\n");
    for i in 0..n {
        text.push_str(&format!(
            "{},{i},{},{:?}\n",
            i % 10,
            ["TP53", "BRCA1", "EGFR"][(i % 3) as usize],
            i as f64 / 8.0
        ));
    }
    std::fs::write(&p, text).unwrap();
    p
}

/// A file holding the shorties genome.
fn genome(dir: &Path) -> PathBuf {
    let g = dir.join("g.tbit");
    ok(&["import", "fasta", s(&testdata("shorties.fa")), "-o", s(&g), "-q"]);
    g
}

#[test]
fn a_genome_gains_tables_and_indexes_and_loses_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let g = genome(dir.path());
    let fasta = std::fs::read(testdata("shorties.fa")).unwrap();
    let small = csv(dir.path(), 100);
    ok(&["import", "csv", s(&small), "--into", s(&g), "--table", "a", "-q"]);
    ok(&[
        "import",
        "csv",
        s(&small),
        "--into",
        s(&g),
        "--table",
        "b",
        "--index",
        "ID",
        "-q",
    ]);
    ok(&["validate", s(&g)]);
    // The sequences are untouched, both tables answer.
    assert!(ok(&["export", "fasta", s(&g)]) == fasta);
    assert_eq!(
        ok(&["export", "csv", s(&g), "--table", "a"]),
        std::fs::read(&small).unwrap()
    );
    assert_eq!(
        ok(&["query", s(&g), "--table", "b", "--where", "ID=42", "--row-numbers"]),
        b"42\n"
    );
    // A second table of the same name is refused unless replaced.
    let e = fails(&["import", "csv", s(&small), "--into", s(&g), "--table", "a"]);
    assert!(e.contains("g.tbit: a table 'a' exists already"), "{e}");
    let bigger = csv(dir.path(), 150);
    ok(&[
        "import",
        "csv",
        s(&bigger),
        "--into",
        s(&g),
        "--table",
        "a",
        "--replace",
        "-q",
    ]);
    assert_eq!(ok(&["query", s(&g), "--table", "a", "--count"]), b"150\n");
    // An index added later answers like one built at import.
    let explain = |args: &[&str]| {
        let o = tribit(args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (o.stdout, String::from_utf8(o.stderr).unwrap())
    };
    let q = [
        "query",
        s(&g),
        "--table",
        "a",
        "--where",
        "K=3",
        "--where",
        "G=TP53",
        "--row-numbers",
        "--explain",
    ];
    let (before, plan) = explain(&q);
    assert!(plan.contains("scan of column K"), "{plan}");
    ok(&["index", "add", s(&g), "--table", "a", "--columns", "K,G", "-q"]);
    let (after, plan) = explain(&q);
    assert!(plan.contains("index on (K,G)"), "{plan}");
    assert_eq!(before, after);
    ok(&["validate", s(&g)]);
    let e = fails(&["index", "add", s(&g), "--table", "a", "--columns", "K,G"]);
    assert!(e.contains("already has an index on (K,G)"), "{e}");
    // Dropping it: the scan again, same rows.
    ok(&["index", "drop", s(&g), "--table", "a", "--columns", "K,G", "-q"]);
    let (dropped, plan) = explain(&q);
    assert!(plan.contains("scan of column K"), "{plan}");
    assert_eq!(dropped, before);
    let e = fails(&["index", "drop", s(&g), "--table", "a", "--columns", "K"]);
    assert!(e.contains("no index on (K)"), "{e}");
    let e = fails(&["index", "add", s(&g), "--table", "nope", "--columns", "K"]);
    assert!(e.contains("no table 'nope' (tables: b, a)"), "{e}");
    // The file keeps its permissions through a change.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&g, std::fs::Permissions::from_mode(0o640)).unwrap();
        ok(&["index", "add", s(&g), "--table", "b", "--columns", "K", "-q"]);
        assert_eq!(std::fs::metadata(&g).unwrap().permissions().mode() & 0o777, 0o640);
    }
    // Dropping the tables leaves the genome as it was imported.
    ok(&["table", "drop", s(&g), "--table", "a", "-q"]);
    ok(&["table", "drop", s(&g), "--table", "b", "-q"]);
    let fresh = dir.path().join("fresh.tbit");
    ok(&["import", "fasta", s(&testdata("shorties.fa")), "-o", s(&fresh), "-q"]);
    assert!(std::fs::read(&g).unwrap() == std::fs::read(&fresh).unwrap());
}

#[test]
fn a_damaged_file_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let g = genome(dir.path());
    let mut bytes = std::fs::read(&g).unwrap();
    bytes[100] ^= 1; // inside BLOCKS
    std::fs::write(&g, &bytes).unwrap();
    let e = fails(&[
        "import",
        "csv",
        s(&csv(dir.path(), 10)),
        "--into",
        s(&g),
        "--table",
        "a",
    ]);
    assert!(
        e.contains("checksum mismatch in BLOCKS") && e.contains("left as it was"),
        "{e}"
    );
    assert!(std::fs::read(&g).unwrap() == bytes);
}

/// Kills `change` at `points` moments spread over its run time; after each
/// kill the file must validate and hold the old content or the new one.
fn crash_at_many_points(pristine: &Path, target: &Path, change: &[&str], is_new: impl Fn(&Path) -> bool, points: u32) {
    // How long the change takes when left alone.
    std::fs::copy(pristine, target).unwrap();
    let t = Instant::now();
    ok(change);
    let took = t.elapsed();
    assert!(is_new(target));
    let (mut old, mut new) = (0, 0);
    for k in 0..=points {
        std::fs::copy(pristine, target).unwrap();
        // Up to three times the undisturbed run time: the machine may be
        // busier now, and the last kills should come after the change.
        let delay = took.mul_f64(3.0 * f64::from(k) / f64::from(points));
        kill_after(change, delay);
        let v = tribit(&["validate", s(target)]);
        assert!(
            v.status.success(),
            "killed after {delay:?}: the file does not validate: {}",
            String::from_utf8_lossy(&v.stdout)
        );
        let fasta = ok(&["export", "fasta", s(target)]);
        assert!(fasta == std::fs::read(testdata("shorties.fa")).unwrap());
        if is_new(target) {
            new += 1;
        } else {
            old += 1;
        }
    }
    eprintln!("{change:?}: {old} kills left the old file, {new} the new one (run time {took:?})");
    assert!(
        old > 0 && new > 0,
        "old {old}, new {new}: the kills did not span the change"
    );
}

#[test]
fn killed_during_index_add_or_import_into_the_file_is_old_or_new() {
    let dir = tempfile::tempdir().unwrap();
    let g = genome(dir.path());
    let big = csv(dir.path(), 300_000);
    ok(&["import", "csv", s(&big), "--into", s(&g), "--table", "t", "-q"]);
    let pristine = dir.path().join("pristine.tbit");
    std::fs::copy(&g, &pristine).unwrap();
    let target = dir.path().join("target.tbit");
    let has_index = |p: &Path| {
        let o = tribit(&["query", s(p), "--table", "t", "--where", "ID=7", "--count", "--explain"]);
        assert_eq!(o.stdout, b"1\n");
        String::from_utf8_lossy(&o.stderr).contains("index on (ID)")
    };
    crash_at_many_points(
        &pristine,
        &target,
        &["index", "add", s(&target), "--table", "t", "--columns", "ID", "-q"],
        has_index,
        20,
    );
    let has_table = |p: &Path| {
        let o = tribit(&["query", s(p), "--table", "u", "--count"]);
        if o.status.success() {
            assert_eq!(o.stdout, b"300000\n");
            true
        } else {
            assert!(String::from_utf8_lossy(&o.stderr).contains("no such table"));
            false
        }
    };
    crash_at_many_points(
        &pristine,
        &target,
        &[
            "import",
            "csv",
            s(&big),
            "--into",
            s(&target),
            "--table",
            "u",
            "--index",
            "K",
            "-q",
        ],
        has_table,
        20,
    );
}
