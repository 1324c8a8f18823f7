//! Runs the real `tribit` binary and the peer tools the CLI tests compare with.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `tribit` with `args`.
pub fn tribit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tribit"))
        .args(args)
        .output()
        .expect("run tribit")
}

/// Runs `tribit` with `args` and `stdin` on its standard input.
pub fn tribit_stdin(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_tribit"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tribit");
    c.stdin.take().unwrap().write_all(stdin).unwrap();
    c.wait_with_output().unwrap()
}

/// Runs `tribit` and asserts success; returns its standard output.
pub fn ok(args: &[&str]) -> Vec<u8> {
    let o = tribit(args);
    assert!(
        o.status.success(),
        "tribit {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// Runs `tribit`, asserts exit status 2, and returns its standard error.
pub fn fails(args: &[&str]) -> String {
    let o = tribit(args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "tribit {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A path as UTF-8 text.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Whether `tool` runs (`tool --version` or `tool -h` exits).
pub fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Runs a peer tool and asserts success; returns its standard output.
pub fn peer(tool: &str, args: &[&str]) -> Vec<u8> {
    let o = Command::new(tool).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// Runs `tribit` with `args`, kills it after `delay`, and returns whether
/// it had ended by then (crash-safety tests).
pub fn kill_after(args: &[&str], delay: std::time::Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tribit"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let done = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    child.wait().unwrap();
    done
}
