//! `tribit get` against samtools faidx and bedtools getfasta on the real
//! genomes of testdata/.

mod common;

use common::run::{fails, have, ok, peer, s, tribit, tribit_stdin};
use common::{naive_records, testdata, Rng};

const GENOMES: &[&str] = &[
    "vibrio_cholerae_O1_chrII.fa",
    "pseudopig2.fa",
    "shorties.fa",
    "sample_101s.fa",
];

/// Imports `name` beside a copy of its FASTA; returns (fasta, tbit).
fn setup(dir: &std::path::Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let fa = dir.join(name);
    std::fs::copy(testdata(name), &fa).unwrap();
    let tb = dir.join(format!("{name}.tbit"));
    ok(&["import", "fasta", s(&fa), "-o", s(&tb), "-q"]);
    (fa, tb)
}

/// Random 1-based regions, some past the end of their sequence.
fn regions(recs: &[(String, Vec<u8>)], rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|k| {
            let (name, seq) = &recs[rng.below(recs.len() as u64) as usize];
            let len = seq.len() as u64;
            let a = 1 + rng.below(len);
            let b = a + rng.below(if k % 7 == 0 { 3000 } else { 150 });
            if k % 11 == 0 {
                name.clone()
            } else {
                format!("{name}:{a}-{b}")
            }
        })
        .collect()
}

#[test]
fn reverse_complement_and_mark_strand_match_samtools() {
    if !have("samtools") {
        eprintln!("skipped: samtools is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(13);
    for name in GENOMES {
        let (fa, tb) = setup(dir.path(), name);
        let recs = naive_records(&std::fs::read(&fa).unwrap());
        let rf = dir.path().join("r.txt");
        std::fs::write(&rf, regions(&recs, &mut rng, 200).join("\n")).unwrap();
        for extra in [
            &["-i"][..],
            &["-i", "--mark-strand", "sign"],
            &["--mark-strand", "sign"],
            &["-i", "--mark-strand", "no"],
            &["-i", "--mark-strand", "custom,_fwd,_rev"],
            &["--mark-strand", "custom,_fwd,_rev"],
            &["-i", "-n", "70"],
        ] {
            let mut ours = vec!["get", s(&tb), "-r", s(&rf), "-q"];
            ours.extend_from_slice(extra);
            let mut theirs = vec!["faidx", s(&fa), "-r", s(&rf)];
            theirs.extend_from_slice(extra);
            assert!(
                ok(&ours) == peer("samtools", &theirs),
                "{name} {extra:?}: tribit get differs from samtools faidx"
            );
        }
    }
}

#[test]
fn continue_skips_bad_regions_like_samtools() {
    if !have("samtools") {
        eprintln!("skipped: samtools is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (fa, tb) = setup(dir.path(), "shorties.fa");
    let regs = [
        "shorty1:1-10",
        "nosuch",
        "shorty2:100000-100010",
        "shorty3",
        "shorty4:50-40",
        "shorty5:1-100000",
    ];
    let mut ours = vec!["get", s(&tb), "-c", "-q"];
    ours.extend_from_slice(&regs);
    let mut theirs = vec!["faidx", "-c", s(&fa)];
    theirs.extend_from_slice(&regs);
    assert!(ok(&ours) == peer("samtools", &theirs));
    ours.push("-i");
    theirs.push("-i");
    assert!(ok(&ours) == peer("samtools", &theirs), "with -i");
    // Without -c the first bad region stops everything, before any output.
    let o = tribit(&["get", s(&tb), "shorty1:1-10", "nosuch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no sequence named 'nosuch'"));
    // With -c each skipped region is named in a warning.
    let o = tribit(&["get", s(&tb), "-c", "nosuch"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("'nosuch'"));
}

/// A random BED6 (with some BED3 and BED4 rows when `mixed`).
fn random_bed(recs: &[(String, Vec<u8>)], rng: &mut Rng, n: usize) -> String {
    let mut bed = String::from("track name=test\n# a comment\n");
    for k in 0..n {
        let (name, seq) = &recs[rng.below(recs.len() as u64) as usize];
        let len = seq.len() as u64;
        let a = rng.below(len);
        let b = (a + 1 + rng.below(400)).min(len);
        let strand = ["+", "-", "-", "."][k % 4];
        bed.push_str(&format!("{name}\t{a}\t{b}\tfeat{k}\t{}\t{strand}\n", k % 1000));
    }
    bed
}

#[test]
fn bed_matches_bedtools_getfasta() {
    if !have("bedtools") {
        eprintln!("skipped: bedtools is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(6);
    for name in GENOMES {
        let (fa, tb) = setup(dir.path(), name);
        let recs = naive_records(&std::fs::read(&fa).unwrap());
        // bedtools 2.30 aborts on the `> name` headers of some of these files
        // once their .fai exists: it reads a copy with `>name` headers.
        let text = String::from_utf8(std::fs::read(&fa).unwrap()).unwrap();
        let fa = dir.path().join(format!("bedtools-{name}"));
        std::fs::write(&fa, text.replace("\n> ", "\n>").replacen("> ", ">", 1)).unwrap();
        let bed = dir.path().join("x.bed");
        let text = random_bed(&recs, &mut rng, 300);
        std::fs::write(&bed, &text).unwrap();
        let theirs = peer("bedtools", &["getfasta", "-fi", s(&fa), "-bed", s(&bed), "-s", "-name"]);
        let ours = ok(&["get", s(&tb), "--bed", s(&bed), "--bed-header", "bedtools", "-n", "0"]);
        assert!(ours == theirs, "{name}: differs from bedtools getfasta -s -name");
        // Standard input gives the same.
        let o = tribit_stdin(
            &["get", s(&tb), "--bed", "-", "--bed-header", "bedtools", "-n", "0"],
            text.as_bytes(),
        );
        assert!(o.status.success() && o.stdout == theirs, "{name}: --bed -");
        // Plain names with sign marks are bedtools' -nameOnly for +/- rows.
        let pm: String = text
            .lines()
            .filter(|l| !l.ends_with('.'))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&bed, &pm).unwrap();
        let theirs = peer(
            "bedtools",
            &["getfasta", "-fi", s(&fa), "-bed", s(&bed), "-s", "-nameOnly"],
        );
        let ours = ok(&["get", s(&tb), "--bed", s(&bed), "--mark-strand", "sign", "-n", "0"]);
        assert!(ours == theirs, "{name}: differs from bedtools getfasta -s -nameOnly");
    }
}

#[test]
fn bed_without_names_and_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (_, tb) = setup(dir.path(), "shorties.fa");
    let bed = dir.path().join("x.bed");
    std::fs::write(&bed, "shorty1\t0\t5\nshorty1\t0\t5\tn1\t0\t-\n").unwrap();
    let out = ok(&["get", s(&tb), "--bed", s(&bed)]);
    let want_fwd = ok(&["get", s(&tb), "shorty1:1-5", "-i"]);
    let rc = String::from_utf8(want_fwd).unwrap();
    let rc_seq = rc.lines().nth(1).unwrap();
    let fwd = String::from_utf8(ok(&["get", s(&tb), "shorty1:1-5"])).unwrap();
    let fwd_seq = fwd.lines().nth(1).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!(">shorty1:0-5\n{fwd_seq}\n>n1/rc\n{rc_seq}\n")
    );
    // A malformed row: its line and column, exit 2, nothing printed.
    std::fs::write(&bed, "shorty1\t0\t5\nshorty1\tx\t5\n").unwrap();
    let o = tribit(&["get", s(&tb), "--bed", s(&bed)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("x.bed: line 2, column 9") && e.contains("start 'x'"), "{e}");
    // An interval past the end: an error, or skipped with -c.
    std::fs::write(&bed, "shorty1\t0\t5\nshorty1\t0\t999999\n").unwrap();
    let e = fails(&["get", s(&tb), "--bed", s(&bed)]);
    assert!(e.contains("line 2") && e.contains("ends past the sequence"), "{e}");
    let out = ok(&["get", s(&tb), "--bed", s(&bed), "-c", "-q"]);
    assert_eq!(String::from_utf8(out).unwrap(), format!(">shorty1:0-5\n{fwd_seq}\n"));
    // -i and --bed do not mix.
    let o = tribit(&["get", s(&tb), "--bed", s(&bed), "-i"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn upper_hard_mask_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let (fa, tb) = setup(dir.path(), "pseudopig2.fa");
    let recs = naive_records(&std::fs::read(&fa).unwrap());
    let seq = &recs[0].1;
    let region = "pig2:1-5000";
    let body = |out: Vec<u8>| -> Vec<u8> {
        let text = String::from_utf8(out).unwrap();
        text.lines().skip(1).collect::<String>().into_bytes()
    };
    let plain = body(ok(&["get", s(&tb), region]));
    assert_eq!(&plain[..], &seq[..5000]);
    assert!(
        plain.iter().any(u8::is_ascii_lowercase),
        "the region should hold soft-masked letters"
    );
    let upper = body(ok(&["get", s(&tb), region, "--upper"]));
    assert_eq!(upper, seq[..5000].to_ascii_uppercase());
    let hard = body(ok(&["get", s(&tb), region, "--hard-mask"]));
    let want: Vec<u8> = seq[..5000]
        .iter()
        .map(|&b| if b.is_ascii_lowercase() { b'N' } else { b })
        .collect();
    assert_eq!(hard, want);
    // -o writes the same bytes as standard output.
    let out = dir.path().join("r.fa");
    let stdout = ok(&["get", s(&tb), region, "-i"]);
    assert!(ok(&["get", s(&tb), region, "-i", "-o", s(&out)]).is_empty());
    assert_eq!(std::fs::read(&out).unwrap(), stdout);
    // A failing get leaves no output file.
    let out2 = dir.path().join("r2.fa");
    fails(&["get", s(&tb), "nosuch", "-o", s(&out2)]);
    assert!(!out2.exists());
    // Unknown strand marks list the valid ones.
    let e = fails(&["get", s(&tb), region, "--mark-strand", "plus"]);
    assert!(e.contains("expected rc, no, sign or custom,<pos>,<neg>"), "{e}");
}
