//! The real `tribit` binary, run in temporary directories.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{entries, naive_records, s, testdata, tribit, tribit_ok as ok, Rng, REAL};

#[test]
fn import_then_export_gives_back_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for name in REAL {
        let out = dir.path().join("x.tbit");
        let back = dir.path().join("back.fa");
        ok(&["import", "fasta", s(&testdata(name)), "-o", s(&out), "-f"]);
        ok(&["export", "fasta", s(&out), "-o", s(&back), "-f"]);
        assert!(
            std::fs::read(&back).unwrap() == std::fs::read(testdata(name)).unwrap(),
            "{name}"
        );
        // Export to stdout too.
        let stdout = ok(&["export", "fasta", s(&out)]);
        assert!(stdout == std::fs::read(testdata(name)).unwrap(), "{name} via stdout");
    }
}

#[test]
fn gzip_and_stdin_inputs_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read(testdata("pseudocat.fa")).unwrap();
    let gz = dir.path().join("cat.fa.gz");
    let mut e = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    e.write_all(&src).unwrap();
    e.finish().unwrap();
    let out = dir.path().join("cat.tbit");
    ok(&["import", "fasta", s(&gz), "-o", s(&out)]);
    assert!(ok(&["export", "fasta", s(&out)]) == src);

    let out2 = dir.path().join("stdin.tbit");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tribit"))
        .args(["import", "fasta", "-", "-o", s(&out2)])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&src).unwrap();
    assert!(child.wait().unwrap().success());
    assert!(ok(&["export", "fasta", s(&out2)]) == src);
}

#[test]
fn truncated_gzip_is_an_error_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read(testdata("lambda_virus.fa")).unwrap();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&src).unwrap();
    let gz = e.finish().unwrap();
    let cut = dir.path().join("cut.fa.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let out = dir.path().join("cut.tbit");
    let o = tribit(&["import", "fasta", s(&cut), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cut.fa.gz") && err.contains("truncated"), "{err}");
    assert_eq!(
        entries(dir.path()),
        vec!["cut.fa.gz"],
        "no output or temporary file may remain"
    );
}

#[test]
fn bad_fasta_gives_a_located_error_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str)] = &[
        ("bad_protein.fa", "line 2, column 3"),
        ("bad_duplicate_names.fa", "duplicate sequence name"),
        ("bad_text_before_header.fa", "line 1"),
        ("bad_empty_file.fa", "empty input"),
        ("bad_empty_name.fa", "empty sequence name"),
        ("bad_spaces_in_seq.fa", "not a nucleotide letter"),
    ];
    for (file, want) in cases {
        let out = dir.path().join("out.tbit");
        let o = tribit(&["import", "fasta", s(&testdata("edge").join(file)), "-o", s(&out)]);
        assert_eq!(o.status.code(), Some(2), "{file}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.starts_with("tribit: error: ") && err.contains(file) && err.contains(want),
            "{file}: {err}"
        );
        assert!(entries(dir.path()).is_empty(), "{file} left {:?}", entries(dir.path()));
    }
    // A failed import leaves an existing output untouched.
    let out = dir.path().join("keep.tbit");
    std::fs::write(&out, b"previous").unwrap();
    let o = tribit(&["import", "fasta", s(&testdata("edge/bad_protein.fa")), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&out).unwrap(), b"previous");
}

#[test]
fn normalisations_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.tbit");
    let o = tribit(&["import", "fasta", s(&testdata("edge/norm_ragged.fa")), "-o", s(&out)]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("warning") && err.contains("ragged"), "{err}");
}

#[test]
fn corrupt_tbit_files_give_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.tbit");
    ok(&["import", "fasta", s(&testdata("shorties.fa")), "-o", s(&good)]);
    let bytes = std::fs::read(&good).unwrap();
    let bad = dir.path().join("bad.tbit");
    let mut rng = Rng(11);
    for i in 0..40 {
        let mut b = bytes.clone();
        if i % 4 == 0 {
            b.truncate(rng.below(b.len() as u64) as usize);
        } else {
            let at = rng.below(b.len() as u64) as usize;
            b[at] ^= 1 << rng.below(8);
        }
        std::fs::write(&bad, &b).unwrap();
        for args in [
            vec!["info", s(&bad)],
            vec!["export", "fasta", s(&bad)],
            vec!["get", s(&bad), "shorty3:5-50"],
        ] {
            let o = tribit(&args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(!err.contains("panicked"), "{args:?}: {err}");
            if !o.status.success() {
                assert_eq!(o.status.code(), Some(2));
                assert!(err.contains("bad.tbit"), "{err}");
            }
        }
    }
    std::fs::write(&bad, &bytes[..100]).unwrap();
    let o = tribit(&["info", s(&bad)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("truncated"));
}

#[test]
fn get_reports_unknown_names_and_bad_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("l.tbit");
    ok(&["import", "fasta", s(&testdata("lambda_virus.fa")), "-o", s(&f)]);
    for (region, want) in [
        ("chrZ:1-10", "no sequence named 'chrZ'"),
        ("gi|9626243|ref|NC_001416.1|:60000-60010", "past the end"),
        ("gi|9626243|ref|NC_001416.1|:20-10", "before start"),
        ("gi|9626243|ref|NC_001416.1|:0-10", "1-based"),
    ] {
        let o = tribit(&["get", s(&f), region]);
        assert_eq!(o.status.code(), Some(2), "{region}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{region}: {err}");
    }
    let out = ok(&["get", s(&f), "gi|9626243|ref|NC_001416.1|:1-5", "-n", "2"]);
    assert_eq!(out, b">gi|9626243|ref|NC_001416.1|:1-5\nGG\nGC\nG\n");
}

fn samtools() -> Option<PathBuf> {
    let o = Command::new("samtools").arg("--version").output().ok()?;
    o.status.success().then(|| PathBuf::from("samtools"))
}

#[test]
fn get_matches_samtools_faidx_on_real_genomes() {
    let Some(st) = samtools() else {
        eprintln!("skipped: samtools is not installed (.ci/run installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(2024);
    for name in [
        "vibrio_cholerae_O1_chrII.fa",
        "pseudopig2.fa",
        "sample_101s.fa",
        "shorties.fa",
    ] {
        let fa = dir.path().join(name);
        std::fs::copy(testdata(name), &fa).unwrap();
        let tb = dir.path().join("g.tbit");
        ok(&["import", "fasta", s(&fa), "-o", s(&tb), "-f"]);
        let recs = naive_records(&std::fs::read(&fa).unwrap());
        let mut regions = String::new();
        for k in 0..300 {
            let (n, seq) = &recs[rng.below(recs.len() as u64) as usize];
            let len = seq.len() as u64;
            let a = 1 + rng.below(len);
            let b = (a + rng.below(if k % 3 == 0 { 5000 } else { 150 })).min(len);
            match k % 10 {
                0 => regions.push_str(&format!("{n}\n")),
                1 => regions.push_str(&format!("{n}:{a}\n")),
                _ => regions.push_str(&format!("{n}:{a}-{b}\n")),
            }
        }
        let rf = dir.path().join("regions.txt");
        std::fs::write(&rf, &regions).unwrap();
        let ours = ok(&["get", s(&tb), "-r", s(&rf)]);
        let theirs = Command::new(&st)
            .args(["faidx", s(&fa), "-r", s(&rf)])
            .output()
            .unwrap();
        assert!(theirs.status.success(), "{}", String::from_utf8_lossy(&theirs.stderr));
        assert!(ours == theirs.stdout, "{name}: tribit get differs from samtools faidx");
        let ours = ok(&["get", s(&tb), "-r", s(&rf), "-n", "70", "--no-verify"]);
        let theirs = Command::new(&st)
            .args(["faidx", "-n", "70", s(&fa), "-r", s(&rf)])
            .output()
            .unwrap();
        assert!(ours == theirs.stdout, "{name}: -n 70 differs");
    }
}

#[test]
fn info_reports_sequences_and_json_parses() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("p.tbit");
    ok(&[
        "import",
        "fasta",
        s(&testdata("pseudocat.fa")),
        "-o",
        s(&f),
        "--byte-order",
        "big",
        "--refget",
    ]);
    let j: serde_json::Value = serde_json::from_slice(&ok(&["info", s(&f), "--json"])).unwrap();
    assert_eq!(j["version"], "1.0");
    assert_eq!(j["byte_order"], "big-endian");
    let seq = &j["sequences"][0];
    assert_eq!(seq["name"], "cat");
    assert_eq!(seq["length"], 18803);
    assert_eq!(seq["masked"], 9999);
    assert!(seq["refget"].as_str().unwrap().starts_with("SQ."));
    let text = String::from_utf8(ok(&["info", s(&f)])).unwrap();
    assert!(text.contains("big-endian") && text.contains("BLOCKS") && text.contains("cat"));
}
