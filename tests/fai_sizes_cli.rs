//! `tribit export fai`, `export sizes` and `import fasta` of several inputs.

mod common;

use std::io::Write;

use common::run::{fails, have, ok, peer, s};
use common::{naive_records, testdata, REAL};

/// The real genomes and every well-formed or normalised edge case.
fn inputs() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = REAL.iter().map(|n| testdata(n)).collect();
    let mut edge: Vec<_> = std::fs::read_dir(testdata("edge"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("bad_"))
        .collect();
    edge.sort();
    v.extend(edge);
    v
}

#[test]
fn export_fai_equals_samtools_faidx_of_the_exported_fasta() {
    if !have("samtools") {
        eprintln!("skipped: samtools is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for input in inputs() {
        let tb = dir.path().join("x.tbit");
        let fa = dir.path().join("x.fa");
        let fai = dir.path().join("x.fa.fai");
        let _ = std::fs::remove_file(&fai);
        ok(&["import", "fasta", s(&input), "-f", "-o", s(&tb), "-q"]);
        ok(&["export", "fasta", s(&tb), "-f", "-o", s(&fa)]);
        let theirs = std::process::Command::new("samtools")
            .args(["faidx", s(&fa)])
            .output()
            .unwrap();
        if !theirs.status.success() {
            // samtools refuses a file holding only an empty sequence.
            eprintln!("samtools faidx refuses {}", input.display());
            continue;
        }
        let ours = ok(&["export", "fai", s(&tb)]);
        assert!(
            ours == std::fs::read(&fai).unwrap(),
            "{}: export fai differs from samtools faidx",
            input.display()
        );
        // -o writes the same bytes.
        let out = dir.path().join("ours.fai");
        ok(&["export", "fai", s(&tb), "-f", "-o", s(&out)]);
        assert_eq!(std::fs::read(&out).unwrap(), ours);
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} files compared");
}

#[test]
fn export_sizes_lists_names_and_lengths() {
    let dir = tempfile::tempdir().unwrap();
    for name in REAL {
        let tb = dir.path().join("x.tbit");
        ok(&["import", "fasta", s(&testdata(name)), "-f", "-o", s(&tb), "-q"]);
        let want: String = naive_records(&std::fs::read(testdata(name)).unwrap())
            .iter()
            .map(|(n, seq)| format!("{n}\t{}\n", seq.len()))
            .collect();
        assert_eq!(
            String::from_utf8(ok(&["export", "sizes", s(&tb)])).unwrap(),
            want,
            "{name}"
        );
    }
}

#[test]
fn several_inputs_go_into_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("pig2.fa.gz");
    let mut e = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    e.write_all(&std::fs::read(testdata("pseudopig2.fa")).unwrap()).unwrap();
    e.finish().unwrap();
    let a = testdata("shorties.fa");
    let c = testdata("lambda_virus.fa");
    let tb = dir.path().join("all.tbit");
    ok(&["import", "fasta", s(&a), s(&gz), s(&c), "-f", "-o", s(&tb), "-q"]);
    let mut want = std::fs::read(&a).unwrap();
    want.extend(std::fs::read(testdata("pseudopig2.fa")).unwrap());
    want.extend(std::fs::read(&c).unwrap());
    assert!(ok(&["export", "fasta", s(&tb)]) == want);
    if have("samtools") {
        let fa = dir.path().join("all.fa");
        std::fs::write(&fa, &want).unwrap();
        peer("samtools", &["faidx", s(&fa)]);
        assert!(ok(&["export", "fai", s(&tb)]) == std::fs::read(dir.path().join("all.fa.fai")).unwrap());
    }
}

#[test]
fn a_name_in_two_inputs_names_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.fa");
    let b = dir.path().join("b.fa");
    std::fs::write(&a, ">x\nACGT\n>chr2 two\nGG\n").unwrap();
    std::fs::write(&b, ">y\nAC\n>z\nTT\n>chr2\nCC\n").unwrap();
    let out = dir.path().join("o.tbit");
    let e = fails(&["import", "fasta", s(&a), s(&b), "-f", "-o", s(&out)]);
    assert!(
        e.contains("b.fa: line 5") && e.contains("'chr2'") && e.contains("a.fa (line 3)"),
        "{e}"
    );
    assert!(!out.exists());
    // A name repeated inside one input is reported as before.
    std::fs::write(&b, ">y\nAC\n>y\nTT\n>chr2\nCC\n").unwrap();
    let e = fails(&["import", "fasta", s(&a), s(&b), "-f", "-o", s(&out)]);
    assert!(e.contains("duplicate sequence name 'y'") && !e.contains("a.fa"), "{e}");
    // Standard input only once.
    let e = fails(&["import", "fasta", "-", "-", "-f", "-o", s(&out)]);
    assert!(e.contains("only once"), "{e}");
}
