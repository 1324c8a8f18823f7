//! Index files (SPEC §8.8): indexes kept apart from the data file, tied to
//! their table by its checksum, refused once the table changed.

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use common::run::{fails, kill_after, ok, s, tribit};
use common::Rng;

/// A CSV of `n` rows: K (10 distinct), ID (unique), G (3 genes), V; and the
/// rows as (K, ID, G) for naive filters.
fn csv(dir: &Path, n: u64, seed: u64) -> (PathBuf, Vec<(u64, u64, &'static str)>) {
    let p = dir.join(format!("t{n}_{seed}.csv"));
    let mut rng = Rng(seed);
    let mut text = String::from("K,ID,G,V\n");
    let mut rows = Vec::new();
    for i in 0..n {
        let (k, g) = (rng.below(10), ["TP53", "BRCA1", "EGFR"][rng.below(3) as usize]);
        text.push_str(&format!("{k},{i},{g},{:?}\n", i as f64 / 8.0));
        rows.push((k, i, g));
    }
    std::fs::write(&p, text).unwrap();
    (p, rows)
}

/// `tribit index add DATA --table t --columns COLUMNS --index-file SIDE`.
fn add_index_file(data: &Path, columns: &str, side: &Path) {
    ok(&[
        "index",
        "add",
        s(data),
        "--table",
        "t",
        "--columns",
        columns,
        "--index-file",
        s(side),
        "-q",
    ]);
}

fn import(csv: &Path, out: &Path) {
    ok(&["import", "csv", s(csv), "-o", s(out), "--table", "t", "-q", "-f"]);
}

/// Runs a query and returns (stdout, stderr).
fn query(args: &[&str]) -> (Vec<u8>, String) {
    let o = tribit(args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    (o.stdout, String::from_utf8(o.stderr).unwrap())
}

fn row_numbers(rows: impl Iterator<Item = u64>) -> Vec<u8> {
    rows.map(|r| format!("{r}\n")).collect::<String>().into_bytes()
}

#[test]
fn index_file_answers_as_the_in_file_index_and_a_naive_filter() {
    let dir = tempfile::tempdir().unwrap();
    let (c, rows) = csv(dir.path(), 3000, 7);
    let data = dir.path().join("d.tbit");
    import(&c, &data);
    let side = dir.path().join("d.idx.tbit");
    let inplace = dir.path().join("in.tbit");
    std::fs::copy(&data, &inplace).unwrap();
    for cols in ["K,G", "ID"] {
        ok(&[
            "index",
            "add",
            s(&data),
            "--table",
            "t",
            "--columns",
            cols,
            "--index-file",
            s(&side),
            "-q",
        ]);
        ok(&["index", "add", s(&inplace), "--table", "t", "--columns", cols, "-q"]);
    }
    ok(&["validate", s(&side)]);
    ok(&["validate", s(&data), "--index-file", s(&side)]);
    let mut rng = Rng(99);
    for _ in 0..20 {
        let (k, g) = (rng.below(11), ["TP53", "BRCA1", "EGFR", "MYC"][rng.below(4) as usize]);
        let id = rng.below(3100);
        let naive = row_numbers(rows.iter().filter(|r| r.0 == k && r.2 == g).map(|r| r.1));
        let (k, gw, idw) = (format!("K={k}"), format!("G={g}"), format!("ID={id}"));
        let q = |f: &Path, side: Option<&Path>, w: &[&str]| {
            let mut a = vec!["query", s(f), "--table", "t", "--row-numbers", "--explain"];
            for x in w {
                a.extend(["--where", x]);
            }
            if let Some(p) = side {
                a.extend(["--index-file", s(p)]);
            }
            query(&a)
        };
        let (by_side, plan) = q(&data, Some(&side), &[&k, &gw]);
        assert!(plan.contains("index on (K,G) from the index file"), "{plan}");
        let (by_file, plan) = q(&inplace, None, &[&k, &gw]);
        assert!(plan.contains("index on (K,G) for"), "{plan}");
        let (scanned, plan) = q(&data, None, &[&k, &gw]);
        assert!(plan.contains("scan of column"), "{plan}");
        assert_eq!(by_side, naive);
        assert_eq!(by_file, naive);
        assert_eq!(scanned, naive);
        let (one, plan) = q(&data, Some(&side), &[&idw]);
        assert!(plan.contains("index on (ID) from the index file"), "{plan}");
        assert_eq!(one, row_numbers(rows.iter().filter(|r| r.1 == id).map(|r| r.1)));
    }
    // info describes the index file.
    let info = String::from_utf8(ok(&["info", s(&side)])).unwrap();
    assert!(
        info.contains("indexes for table t of d.tbit (3000 rows, 4 columns"),
        "{info}"
    );
    assert!(info.contains("index on columns (#0,#2)"), "{info}");
    // Adding one twice, or one the data file has, is refused.
    let e = fails(&[
        "index",
        "add",
        s(&data),
        "--table",
        "t",
        "--columns",
        "ID",
        "--index-file",
        s(&side),
    ]);
    assert!(e.contains("already has an index on (ID)"), "{e}");
    let e = fails(&[
        "index",
        "add",
        s(&inplace),
        "--table",
        "t",
        "--columns",
        "ID",
        "--index-file",
        s(&side),
    ]);
    assert!(e.contains("already has an index on (ID) in"), "{e}");
    let e = fails(&[
        "index",
        "add",
        s(&data),
        "--table",
        "t",
        "--columns",
        "K",
        "--index-file",
        s(&data),
    ]);
    assert!(e.contains("is the data file itself"), "{e}");
    // Dropping: the table's target goes with its last index.
    ok(&[
        "index",
        "drop",
        s(&data),
        "--table",
        "t",
        "--columns",
        "K,G",
        "--index-file",
        s(&side),
        "-q",
    ]);
    let (_, plan) = query(&[
        "query",
        s(&data),
        "--where",
        "K=3",
        "--where",
        "G=TP53",
        "--index-file",
        s(&side),
        "--explain",
        "--count",
    ]);
    assert!(plan.contains("scan of column K"), "{plan}");
    ok(&[
        "index",
        "drop",
        s(&data),
        "--table",
        "t",
        "--columns",
        "ID",
        "--index-file",
        s(&side),
        "-q",
    ]);
    let info = String::from_utf8(ok(&["info", s(&side), "--json"])).unwrap();
    assert!(info.contains("\"index_targets\": []"), "{info}");
    let e = fails(&[
        "index",
        "drop",
        s(&data),
        "--table",
        "t",
        "--columns",
        "ID",
        "--index-file",
        s(&side),
    ]);
    assert!(e.contains("has no index on (ID)"), "{e}");
    let e = fails(&["query", s(&data), "--where", "ID=3", "--index-file", s(&side)]);
    assert!(e.contains("is not an index file"), "{e}");
}

#[test]
fn a_changed_or_missing_table_is_refused_with_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _) = csv(dir.path(), 500, 1);
    let data = dir.path().join("d.tbit");
    import(&c, &data);
    let side = dir.path().join("side.tbit");
    add_index_file(&data, "ID", &side);
    let q = |d: &Path| {
        fails(&[
            "query",
            s(d),
            "--table",
            "t",
            "--where",
            "ID=3",
            "--index-file",
            s(&side),
        ])
    };
    // Fewer rows.
    let (fewer, _) = csv(dir.path(), 499, 1);
    let other = dir.path().join("other.tbit");
    import(&fewer, &other);
    let e = q(&other);
    assert!(
        e.contains("table 't' changed since the index file was built (built from d.tbit): the index was built for 500 rows, the table has 499"),
        "{e}"
    );
    // Same rows, other values: only the checksums tell.
    let (same_shape, _) = csv(dir.path(), 500, 2);
    import(&same_shape, &other);
    let e = q(&other);
    assert!(
        e.contains("changed since the index file was built") && e.contains("checksum"),
        "{e}"
    );
    // The table itself is gone.
    ok(&["import", "csv", s(&c), "-o", s(&other), "--table", "u", "-q", "-f"]);
    let e = fails(&[
        "query",
        s(&other),
        "--table",
        "u",
        "--where",
        "ID=3",
        "--index-file",
        s(&side),
    ]);
    assert!(
        e.contains("indexes table 't', which this file does not have (tables: u)"),
        "{e}"
    );
    // The validator reports the pair as a mismatch (exit 1), and the
    // index file alone as valid.
    import(&fewer, &other);
    let v = tribit(&["validate", s(&other), "--index-file", s(&side)]);
    assert_eq!(v.status.code(), Some(1));
    let out = String::from_utf8_lossy(&v.stdout);
    assert!(
        out.contains("[IT6] mismatch: INDEX_TARGET (0x0204) at byte 64"),
        "{out}"
    );
    ok(&["validate", s(&side)]);
    // Extending an index file whose table changed is refused too.
    let e = fails(&[
        "index",
        "add",
        s(&other),
        "--table",
        "t",
        "--columns",
        "K",
        "--index-file",
        s(&side),
    ]);
    assert!(
        e.contains("changed since the index file was built") && e.contains("index drop"),
        "{e}"
    );
}

/// The data file is only read: run as an unprivileged user on a read-only
/// data file (as root, permissions alone would not show an open for writing).
#[cfg(unix)]
#[test]
fn a_read_only_data_file_gains_an_index_file() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let (c, _) = csv(dir.path(), 200, 3);
    let data = dir.path().join("d.tbit");
    import(&c, &data);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let before = (std::fs::read(&data).unwrap(), std::fs::metadata(&data).unwrap());
    let side = dir.path().join("side.tbit");
    let args = [
        "index",
        "add",
        s(&data),
        "--table",
        "t",
        "--columns",
        "ID",
        "--index-file",
        s(&side),
        "-q",
    ];
    let root = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
    let setpriv = std::process::Command::new("setpriv").arg("--version").output().is_ok();
    if root && setpriv {
        // As nobody, the data file (owned by root, 0444) cannot be opened
        // for writing; the index file goes into the world-writable directory.
        let o = std::process::Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                env!("CARGO_BIN_EXE_tribit"),
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "as nobody: {}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(std::fs::metadata(&side).unwrap().uid(), 65534);
    } else {
        eprintln!("not root or no setpriv: the data file's permissions are checked as this user");
        ok(&args);
    }
    let after = std::fs::metadata(&data).unwrap();
    assert!(std::fs::read(&data).unwrap() == before.0);
    assert_eq!(
        (after.ino(), after.mtime(), after.mtime_nsec()),
        (before.1.ino(), before.1.mtime(), before.1.mtime_nsec())
    );
    assert_eq!(after.permissions().mode() & 0o777, 0o444);
    let (rows, _) = query(&[
        "query",
        s(&data),
        "--where",
        "ID=42",
        "--row-numbers",
        "--index-file",
        s(&side),
    ]);
    assert_eq!(rows, b"42\n");
}

#[test]
fn killed_while_extending_an_index_file_leaves_the_old_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _) = csv(dir.path(), 300_000, 5);
    let data = dir.path().join("d.tbit");
    import(&c, &data);
    let pristine = dir.path().join("pristine.tbit");
    add_index_file(&data, "K", &pristine);
    let side = dir.path().join("side.tbit");
    let change = [
        "index",
        "add",
        s(&data),
        "--table",
        "t",
        "--columns",
        "ID",
        "--index-file",
        s(&side),
        "-q",
    ];
    let has_new = |p: &Path| {
        let o = tribit(&[
            "query",
            s(&data),
            "--where",
            "ID=7",
            "--count",
            "--explain",
            "--index-file",
            s(p),
        ]);
        assert_eq!(o.stdout, b"1\n", "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).contains("index on (ID) from the index file")
    };
    std::fs::copy(&pristine, &side).unwrap();
    let t = Instant::now();
    ok(&change);
    let took = t.elapsed();
    assert!(has_new(&side));
    let (mut old, mut new) = (0, 0);
    let points = 16;
    for k in 0..=points {
        std::fs::copy(&pristine, &side).unwrap();
        let delay = took.mul_f64(3.0 * f64::from(k) / f64::from(points));
        kill_after(&change, delay);
        let v = tribit(&["validate", s(&data), "--index-file", s(&side)]);
        assert!(
            v.status.success(),
            "killed after {delay:?}: {}",
            String::from_utf8_lossy(&v.stdout)
        );
        if has_new(&side) {
            new += 1;
        } else {
            old += 1;
        }
    }
    eprintln!("index add --index-file: {old} kills left the old file, {new} the new one (run time {took:?})");
    assert!(
        old > 0 && new > 0,
        "old {old}, new {new}: the kills did not span the change"
    );
}

#[test]
fn validator_reports_broken_index_files() {
    use tribit::spec::kind;
    let dir = tempfile::tempdir().unwrap();
    let (c, _) = csv(dir.path(), 100, 4);
    let data = dir.path().join("d.tbit");
    import(&c, &data);
    let side = dir.path().join("side.tbit");
    add_index_file(&data, "G", &side);
    let good = std::fs::read(&side).unwrap();
    let (t_off, _) = common::section(&good, kind::INDEX_TARGET);
    let check = |mutate: &dyn Fn(&mut Vec<u8>), label: &str| {
        let mut b = good.clone();
        mutate(&mut b);
        common::reseal(&mut b);
        let r = tribit::validate::validate(&b);
        assert!(r.has(label), "{label}: {:?}", r.problems);
        assert!(!r.is_valid());
    };
    check(&|b| b[t_off + 50] = 1, "IT5"); // reserved header byte
    check(&|b| b[t_off + 24..t_off + 28].fill(0), "IT2"); // column_count 0
    check(&|b| b[t_off + 28] += 1, "IT1"); // name_len one too long
    check(&|b| b[t_off + 16] = 99, "HI2"); // row_count 99: the index says 100
                                           // A version 1.2 file cannot hold an INDEX_TARGET.
    check(&|b| b[14] = 2, "D14");
    // The HASH_INDEX moved to another group has no table and no target.
    check(
        &|b| {
            let dir = u64::from_le_bytes(b[32..40].try_into().unwrap()) as usize;
            let n = u32::from_le_bytes(b[40..44].try_into().unwrap()) as usize;
            for i in 0..n {
                let e = dir + 48 * i;
                if u32::from_le_bytes(b[e..e + 4].try_into().unwrap()) == kind::HASH_INDEX {
                    b[e + 32] = 9;
                }
            }
        },
        "T2",
    );
    // The reference reader refuses a broken target when asked to use it.
    let mut b = good.clone();
    b[t_off + 28] += 1;
    common::reseal(&mut b);
    std::fs::write(&side, &b).unwrap();
    let e = fails(&["query", s(&data), "--where", "G=TP53", "--index-file", s(&side)]);
    assert!(e.contains("[IT1]"), "{e}");
}

#[test]
fn the_library_front_door_takes_index_files() {
    use tribit::table::{Plan, Value};
    let dir = tempfile::tempdir().unwrap();
    let (c, rows) = csv(dir.path(), 400, 6);
    let data = dir.path().join("d.tbit");
    import(&c, &data);
    let side = dir.path().join("side.tbit");
    add_index_file(&data, "G", &side);
    let f = tribit::File::open_with_index_files(&data, &[&side]).unwrap();
    assert_eq!(f.index_files(), vec![s(&side)]);
    let t = f.table("t").unwrap();
    let (got, plan) = t.select(&[("G", vec![Value::Str("EGFR")])]).unwrap();
    assert_eq!(
        plan,
        vec![Plan::IndexFile {
            columns: vec!["G".into()],
            file: s(&side).into()
        }]
    );
    let want: Vec<u64> = rows.iter().filter(|r| r.2 == "EGFR").map(|r| r.1).collect();
    assert_eq!(got.rows().collect::<Vec<_>>(), want);
    // A changed table is refused at open, as a mismatch.
    let (other, _) = csv(dir.path(), 401, 6);
    import(&other, &data);
    let e = tribit::File::open_with_index_files(&data, &[&side]).unwrap_err();
    assert_eq!(e.kind(), tribit::ErrorKind::Mismatch);
    assert!(e.to_string().contains("built for 400 rows, the table has 401"), "{e}");
}
