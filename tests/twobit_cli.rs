//! `tribit import 2bit` and `export 2bit` on real .2bit files, read back by
//! our importer and by py2bit.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::run::{fails, ok, s};
use common::{naive_records, testdata};

/// Where Debian's lastz-examples puts its test data.
const LASTZ: &str = "/usr/share/doc/lastz/examples/test_data";

/// (name, letters) of every record of the FASTA that `tbit` exports.
fn exported(tbit: &Path) -> Vec<(String, Vec<u8>)> {
    naive_records(&ok(&["export", "fasta", s(tbit)]))
}

fn gunzip(gz: &Path, to: &Path) -> bool {
    let Ok(f) = std::fs::File::open(gz) else {
        return false;
    };
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(f), &mut bytes).unwrap();
    std::fs::write(to, bytes).unwrap();
    true
}

#[test]
fn big_endian_shorties_have_the_letters_of_their_fasta() {
    let dir = tempfile::tempdir().unwrap();
    let tb = dir.path().join("s.tbit");
    ok(&[
        "import",
        "2bit",
        s(&testdata("shorties.2bit")),
        "-f",
        "-o",
        s(&tb),
        "-q",
    ]);
    assert_eq!(
        exported(&tb),
        naive_records(&std::fs::read(testdata("shorties.fa")).unwrap())
    );
    // The default line width is twoBitToFa's 50.
    let text = ok(&["export", "fasta", s(&tb)]);
    assert_eq!(String::from_utf8(text).unwrap().lines().nth(1).unwrap().len(), 50);
}

#[test]
fn lastz_examples_2bit_files() {
    if !Path::new(LASTZ).is_dir() {
        eprintln!("skipped: lastz-examples is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    // pseudopig: big-endian, soft-masked, with its FASTA.
    assert!(gunzip(&Path::new(LASTZ).join("pseudopig.2bit.gz"), &p("pig.2bit")));
    assert!(gunzip(&Path::new(LASTZ).join("pseudopig.fa.gz"), &p("pig.fa")));
    ok(&["import", "2bit", s(&p("pig.2bit")), "-f", "-o", s(&p("pig.tbit")), "-q"]);
    let want = naive_records(&std::fs::read(p("pig.fa")).unwrap());
    assert!(want.iter().any(|(_, l)| l.iter().any(u8::is_ascii_lowercase)));
    assert_eq!(exported(&p("pig.tbit")), want);
    // fake_chimp_reads: little-endian, 10,000 sequences; our export gives
    // back the very same bytes.
    assert!(gunzip(
        &Path::new(LASTZ).join("fake_chimp_reads.2bit.gz"),
        &p("chimp.2bit")
    ));
    ok(&[
        "import",
        "2bit",
        s(&p("chimp.2bit")),
        "-f",
        "-o",
        s(&p("chimp.tbit")),
        "-q",
    ]);
    ok(&["export", "2bit", s(&p("chimp.tbit")), "-f", "-o", s(&p("back.2bit"))]);
    assert!(std::fs::read(p("back.2bit")).unwrap() == std::fs::read(p("chimp.2bit")).unwrap());
    // aglobin: N runs and masks survive export and import.
    assert!(gunzip(&Path::new(LASTZ).join("aglobin.2bit.gz"), &p("ag.2bit")));
    ok(&["import", "2bit", s(&p("ag.2bit")), "-f", "-o", s(&p("ag.tbit")), "-q"]);
    let ag = exported(&p("ag.tbit"));
    assert!(ag.iter().any(|(_, l)| l.contains(&b'N')));
    ok(&["export", "2bit", s(&p("ag.tbit")), "-f", "-o", s(&p("ag2.2bit"))]);
    ok(&["import", "2bit", s(&p("ag2.2bit")), "-f", "-o", s(&p("ag2.tbit")), "-q"]);
    assert_eq!(exported(&p("ag2.tbit")), ag);
}

/// Files whose letters .2bit can hold.
const TWOBIT_SAFE: &[&str] = &[
    "lambda_virus.fa",
    "pseudocat.fa",
    "pseudopig2.fa",
    "shorties.fa",
    "sample_101s.fa",
];

/// A FASTA with N runs, lowercase n, an empty sequence and one base.
const EDGES: &[u8] = b">a\nNNNNacgtnnnnACGTN\n>empty\n>b one\nnnnnnnnnnnnnAC\n>c\nG\n";

#[test]
fn export_then_import_gives_the_same_letters() {
    let dir = tempfile::tempdir().unwrap();
    let edges = dir.path().join("edges.fa");
    std::fs::write(&edges, EDGES).unwrap();
    let mut inputs: Vec<PathBuf> = TWOBIT_SAFE.iter().map(|n| testdata(n)).collect();
    inputs.push(edges);
    for input in &inputs {
        for long in [false, true] {
            let tb = dir.path().join("x.tbit");
            let two = dir.path().join("x.2bit");
            let back = dir.path().join("y.tbit");
            ok(&["import", "fasta", s(input), "-f", "-o", s(&tb), "-q"]);
            let mut args = vec!["export", "2bit", s(&tb), "-f", "-o", s(&two)];
            if long {
                args.push("--long");
            }
            ok(&args);
            let bytes = std::fs::read(&two).unwrap();
            assert_eq!(&bytes[..8], &[0x43, 0x27, 0x41, 0x1A, long as u8, 0, 0, 0]);
            ok(&["import", "2bit", s(&two), "-f", "-o", s(&back), "-q"]);
            let want: Vec<_> = naive_records(&std::fs::read(input).unwrap());
            assert_eq!(exported(&back), want, "{} long={long}", input.display());
        }
    }
}

const PY2BIT_DUMP: &str = r#"
import sys, py2bit
t = py2bit.open(sys.argv[1], True)
for name in t.chroms():
    n = t.chroms(name)
    seq = t.sequence(name) if n > 0 else ""
    sys.stdout.write(">" + name + "\n" + seq + "\n")
"#;

#[test]
fn py2bit_reads_what_export_writes() {
    let ok_py = Command::new("python3").args(["-c", "import py2bit"]).output();
    if !ok_py.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: py2bit is not installed (.ci/run installs it with pip)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let edges = dir.path().join("edges.fa");
    std::fs::write(&edges, EDGES).unwrap();
    let mut inputs: Vec<PathBuf> = TWOBIT_SAFE.iter().map(|n| testdata(n)).collect();
    inputs.push(edges);
    for input in &inputs {
        let tb = dir.path().join("x.tbit");
        let two = dir.path().join("x.2bit");
        ok(&["import", "fasta", s(input), "-f", "-o", s(&tb), "-q"]);
        ok(&["export", "2bit", s(&tb), "-f", "-o", s(&two)]);
        let o = Command::new("python3")
            .args(["-c", PY2BIT_DUMP, s(&two)])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let theirs = naive_records(&o.stdout);
        // py2bit prints every N in uppercase, masked or not (twoBitToFa and
        // our import keep 'n'); everything else must be identical.
        let want: Vec<_> = naive_records(&std::fs::read(input).unwrap())
            .into_iter()
            .map(|(n, l)| {
                (
                    n,
                    l.iter().map(|&b| if b == b'n' { b'N' } else { b }).collect::<Vec<u8>>(),
                )
            })
            .collect();
        assert_eq!(theirs, want, "{}", input.display());
    }
}

#[test]
fn what_2bit_cannot_hold_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tb = dir.path().join("v.tbit");
    let two = dir.path().join("v.2bit");
    ok(&[
        "import",
        "fasta",
        s(&testdata("vibrio_cholerae_O1_chrII.fa")),
        "-f",
        "-o",
        s(&tb),
        "-q",
    ]);
    let e = fails(&["export", "2bit", s(&tb), "-f", "-o", s(&two)]);
    assert!(
        e.contains("position 356433: letter 'Y' cannot be stored in .2bit (only A, C, G, T and N"),
        "{e}"
    );
    assert!(!two.exists());
    let long_name = dir.path().join("n.fa");
    std::fs::write(&long_name, format!(">{}\nACGT\n", "x".repeat(300))).unwrap();
    ok(&["import", "fasta", s(&long_name), "-f", "-o", s(&tb), "-q"]);
    let e = fails(&["export", "2bit", s(&tb), "-f", "-o", s(&two)]);
    assert!(e.contains("at most 255 bytes"), "{e}");
    // Damaged .2bit input: the byte offset, no output.
    let mut bytes = std::fs::read(testdata("shorties.2bit")).unwrap();
    bytes.truncate(bytes.len() - 10);
    let bad = dir.path().join("bad.2bit");
    std::fs::write(&bad, &bytes).unwrap();
    let out = dir.path().join("bad.tbit");
    let e = fails(&["import", "2bit", s(&bad), "-f", "-o", s(&out)]);
    assert!(e.contains("bad.2bit: byte") && e.contains("packed bases"), "{e}");
    assert!(!out.exists());
    let e = fails(&["import", "2bit", s(&testdata("shorties.fa")), "-f", "-o", s(&out)]);
    assert!(e.contains("not a .2bit file"), "{e}");
}
