//! `tribit completions` and `tribit man`.

mod common;

use std::process::Command;

use common::run::{fails, have, ok, s};

#[test]
fn completion_scripts_name_every_subcommand_and_parse() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let script = String::from_utf8(ok(&["completions", shell])).unwrap();
        for word in ["import", "export", "get", "query", "2bit", "mark-strand", "bed-header"] {
            assert!(script.contains(word), "{shell}: no '{word}'");
        }
        // The shell itself checks the syntax, where it is installed.
        if have(shell) {
            let f = dir.path().join(format!("tribit.{shell}"));
            std::fs::write(&f, &script).unwrap();
            let o = Command::new(shell).args(["-n", s(&f)]).output().unwrap();
            assert!(o.status.success(), "{shell} -n: {}", String::from_utf8_lossy(&o.stderr));
        } else {
            eprintln!("{shell} is not installed: syntax not checked");
        }
    }
    let e = fails(&["completions", "tcsh"]);
    assert!(e.contains("bash") && e.contains("fish"), "{e}");
}

#[test]
fn a_man_page_for_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let man = dir.path().join("man1");
    ok(&["man", "--dir", s(&man)]);
    let mut pages: Vec<String> = std::fs::read_dir(&man)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    for want in [
        "tribit.1",
        "tribit-get.1",
        "tribit-import-fasta.1",
        "tribit-import-2bit.1",
        "tribit-export-fai.1",
        "tribit-export-sizes.1",
        "tribit-export-2bit.1",
        "tribit-query.1",
        "tribit-kmer-count.1",
        "tribit-completions.1",
    ] {
        assert!(pages.iter().any(|p| p == want), "no {want} in {pages:?}");
    }
    for p in &pages {
        let text = std::fs::read_to_string(man.join(p)).unwrap();
        assert!(text.contains(".TH") && text.contains(".SH SYNOPSIS"), "{p}");
    }
    let get = std::fs::read_to_string(man.join("tribit-get.1")).unwrap();
    assert!(get.contains("tribit get") && get.contains("mark\\-strand") && get.contains("Examples"));
    // One page on standard output, the same as the file.
    assert_eq!(ok(&["man", "tribit-get"]), get.as_bytes());
    let e = fails(&["man", "tribit-nope"]);
    assert!(
        e.contains("no man page 'tribit-nope'") && e.contains("tribit-get"),
        "{e}"
    );
}

#[test]
fn common_subcommands_show_examples_in_help() {
    for cmd in [
        &["get"][..],
        &["import", "fasta"],
        &["import", "2bit"],
        &["export", "2bit"],
        &["export", "fai"],
        &["query"],
        &["completions"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let help = String::from_utf8(ok(&args)).unwrap();
        assert!(help.contains("Example"), "{cmd:?} --help has no example");
    }
}
