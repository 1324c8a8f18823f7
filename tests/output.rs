//! The output-path policy of every command (src/output.rs), run through the
//! real binary. Device, FIFO and symlink cases use paths inside a temporary
//! directory only.

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{entries, s, testdata, tribit, tribit_ok};

const FA: &str = "lambda_virus.fa";

fn imported(dir: &Path) -> std::path::PathBuf {
    let t = dir.join("in.tbit");
    tribit_ok(&["import", "fasta", s(&testdata(FA)), "-o", s(&t), "-q"]);
    t
}

fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().unwrap();
    assert!(st.success());
}

fn refused(o: &std::process::Output, what: &str) -> String {
    assert_eq!(o.status.code(), Some(2), "{what}: expected exit 2");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "{what}: {err}");
    err
}

#[test]
fn export_into_a_fifo_writes_into_it_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let t = imported(dir.path());
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    tribit_ok(&["export", "fasta", s(&t), "-o", s(&fifo)]);
    let got = reader.join().unwrap();
    assert!(got == std::fs::read(testdata(FA)).unwrap());
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    // A tribit file written into a FIFO arrives whole and valid.
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    tribit_ok(&["import", "fasta", s(&testdata(FA)), "-o", s(&fifo), "-q"]);
    let bytes = reader.join().unwrap();
    assert_eq!(bytes, std::fs::read(&t).unwrap());
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn a_character_device_is_written_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let t = imported(dir.path());
    // A null device node inside the temporary directory (root only).
    let dev = dir.path().join("null");
    let made = Command::new("mknod").arg(&dev).args(["c", "1", "3"]).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: cannot create a device node here (not root?)");
        return;
    }
    tribit_ok(&["export", "fasta", s(&t), "-o", s(&dev)]);
    tribit_ok(&["import", "fasta", s(&testdata(FA)), "-o", s(&dev), "-q"]);
    let ft = std::fs::symlink_metadata(&dev).unwrap().file_type();
    assert!(ft.is_char_device(), "the device node was replaced");
    assert_eq!(entries(dir.path()), ["in.tbit", "null"]);
}

#[test]
fn a_link_to_standard_output_prints_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let t = imported(dir.path());
    // As /dev/stdout is: a link to this process's descriptor 1.
    let link = dir.path().join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &link).unwrap();
    let out = tribit_ok(&["export", "fasta", s(&t), "-o", s(&link)]);
    assert!(out == std::fs::read(testdata(FA)).unwrap(), "nothing printed");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
}

#[test]
fn a_link_to_a_regular_file_replaces_the_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let t = imported(dir.path());
    let real = dir.path().join("real.fa");
    std::fs::write(&real, b"old").unwrap();
    let link = dir.path().join("link.fa");
    std::os::unix::fs::symlink("real.fa", &link).unwrap();
    refused(&tribit(&["export", "fasta", s(&t), "-o", s(&link)]), "no --force");
    assert_eq!(std::fs::read(&real).unwrap(), b"old");
    tribit_ok(&["export", "fasta", s(&t), "-o", s(&link), "--force"]);
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(std::fs::read(&real).unwrap() == std::fs::read(testdata(FA)).unwrap());
}

#[test]
fn output_equal_to_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("x.fa");
    std::fs::copy(testdata(FA), &fa).unwrap();
    let before = std::fs::read(&fa).unwrap();
    // By name, through a hard link, and with --force.
    let hard = dir.path().join("hard.fa");
    std::fs::hard_link(&fa, &hard).unwrap();
    for (out, force) in [(&fa, false), (&fa, true), (&hard, true)] {
        let mut args = vec!["import", "fasta", s(&fa), "-o", s(out)];
        if force {
            args.push("-f");
        }
        let err = refused(&tribit(&args), "same file");
        assert!(err.contains("is the input"), "{err}");
        assert_eq!(std::fs::read(&fa).unwrap(), before);
    }
    // export csv/fasta with -o equal to the .tbit input.
    let t = imported(dir.path());
    let err = refused(&tribit(&["export", "fasta", s(&t), "-o", s(&t), "-f"]), "export");
    assert!(err.contains("is the input"), "{err}");
    // Standard input that reads the output file.
    let o = Command::new(env!("CARGO_BIN_EXE_tribit"))
        .args(["import", "fasta", "-", "-o", s(&fa), "-f"])
        .stdin(std::fs::File::open(&fa).unwrap())
        .output()
        .unwrap();
    refused(&o, "stdin is the output");
    assert_eq!(std::fs::read(&fa).unwrap(), before);
}

#[test]
fn an_existing_file_is_replaced_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let t = imported(dir.path());
    let out = dir.path().join("out.fa");
    std::fs::write(&out, b"keep me").unwrap();
    let err = refused(&tribit(&["export", "fasta", s(&t), "-o", s(&out)]), "exists");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    // Read-only: refused without --force, replaced with it.
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o444)).unwrap();
    let err = refused(&tribit(&["export", "fasta", s(&t), "-o", s(&out)]), "read-only");
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    tribit_ok(&["export", "fasta", s(&t), "-o", s(&out), "-f"]);
    assert!(std::fs::read(&out).unwrap() == std::fs::read(testdata(FA)).unwrap());
    // The replaced file keeps its mode.
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o444);
}

#[test]
fn modes_follow_the_existing_file_or_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let t = imported(dir.path());
    let out = dir.path().join("out.fa");
    std::fs::write(&out, b"x").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    tribit_ok(&["export", "fasta", s(&t), "-o", s(&out), "-f"]);
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o7777, 0o600);
    let fresh = dir.path().join("fresh.tbit");
    let st = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 027; exec '{}' import fasta '{}' -o '{}' -q",
            env!("CARGO_BIN_EXE_tribit"),
            s(&testdata(FA)),
            s(&fresh)
        ))
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o7777, 0o640);
}

#[test]
fn output_names_up_to_255_bytes_work() {
    let dir = tempfile::tempdir().unwrap();
    let t = imported(dir.path());
    for len in [244usize, 250, 255] {
        let name = format!("{}.fa", "n".repeat(len - 3));
        let out = dir.path().join(&name);
        tribit_ok(&["export", "fasta", s(&t), "-o", s(&out)]);
        assert!(out.exists(), "{len}");
    }
}

#[test]
fn a_tribit_file_can_go_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let t = imported(dir.path());
    let out = tribit_ok(&["import", "fasta", s(&testdata(FA)), "-o", "-", "-q"]);
    assert_eq!(out, std::fs::read(&t).unwrap());
}

/// Starts an import from a standard input kept open, and waits until its
/// temporary file exists.
fn stalled_import(dir: &Path, out: &Path) -> (std::process::Child, std::process::ChildStdin) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tribit"))
        .args(["import", "fasta", "-", "-o", s(out), "-q"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b">a\nACGT\n").unwrap();
    stdin.flush().unwrap();
    let start = Instant::now();
    while !entries(dir).iter().any(|e| e.ends_with(".tribit-tmp")) {
        assert!(start.elapsed() < Duration::from_secs(20), "no temporary file appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, stdin)
}

#[test]
fn signals_remove_the_temporary_file() {
    for sig in ["INT", "TERM", "HUP"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.tbit");
        let (mut child, stdin) = stalled_import(dir.path(), &out);
        let st = Command::new("kill")
            .args([&format!("-{sig}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let status = child.wait().unwrap();
        drop(stdin);
        assert!(!status.success(), "{sig}");
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        assert!(!err.contains("panicked"), "{err}");
        assert!(entries(dir.path()).is_empty(), "{sig}: left {:?}", entries(dir.path()));
    }
}

#[test]
fn temporary_files_of_a_killed_run_are_cleared_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.tbit");
    let (mut child, stdin) = stalled_import(dir.path(), &out);
    child.kill().unwrap(); // SIGKILL: nothing can clean up
    child.wait().unwrap();
    drop(stdin);
    let left = entries(dir.path());
    assert!(left.iter().any(|e| e.ends_with(".tribit-tmp")), "{left:?}");
    tribit_ok(&["import", "fasta", s(&testdata(FA)), "-o", s(&out), "-q"]);
    assert_eq!(entries(dir.path()), ["out.tbit"]);
}

#[test]
fn errors_blame_the_right_file() {
    let dir = tempfile::tempdir().unwrap();
    let t = imported(dir.path());
    // A write that fails (the file size limit, as a full disk would): the
    // output is named, not the input.
    let out = dir.path().join("out.fa");
    let csv = dir.path().join("t.csv");
    let rows: String = (0..2000).map(|i| format!("{i},name{i}\n")).collect();
    std::fs::write(&csv, format!("ID,NAME\n{rows}")).unwrap();
    let table = dir.path().join("t.tbit");
    tribit_ok(&["import", "csv", s(&csv), "-o", s(&table), "-q"]);
    for (cmd, t) in [("fasta", &t), ("csv", &table)] {
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "trap '' XFSZ; ulimit -f 8; exec '{}' export {cmd} '{}' -o '{}'",
                env!("CARGO_BIN_EXE_tribit"),
                s(t),
                s(&out)
            ))
            .output()
            .unwrap();
        let err = refused(&o, "file size limit");
        assert!(err.contains(s(&out)) && !err.contains(s(t)), "{cmd}: {err}");
        assert!(!out.exists());
    }
    // A corrupt input: the input is named, no output is left.
    let bad = dir.path().join("bad.tbit");
    let mut bytes = std::fs::read(&t).unwrap();
    bytes[64 + 100] ^= 0xff; // inside the first block
    std::fs::write(&bad, bytes).unwrap();
    let err = refused(&tribit(&["export", "fasta", s(&bad), "-o", s(&out)]), "corrupt");
    assert!(err.contains(s(&bad)) && !err.contains(s(&out)), "{err}");
    assert!(err.contains("checksum"), "{err}");
    assert!(!out.exists());
}
