//! Peak memory (the process's maximum resident set, from getrusage of the
//! child) of the real binary on one very long line and one very long
//! sequence: it must not grow with their length.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;

use common::{s, tribit_ok};

/// Peak RSS in KiB of `tribit args`, measured by a Python parent (its only
/// child, so RUSAGE_CHILDREN is that process alone). None without python3.
fn peak_kib(args: &[&str]) -> Option<u64> {
    let o = Command::new("python3")
        .arg("-c")
        .arg(
            "import resource, subprocess, sys\n\
             r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n\
             assert r.returncode == 0, r.returncode\n\
             print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
        )
        .arg(env!("CARGO_BIN_EXE_tribit"))
        .args(args)
        .output()
        .ok()?;
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).ok()?.trim().parse().ok()
}

fn one_line_fasta(path: &Path, bases: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(b">long\nacgt").unwrap();
    // Few mask runs and no exceptions: only the length of the line grows.
    let unit = b"ACGTTGCAACGTNNNNGATTACAGATTACA";
    let mut left = bases;
    while left > 0 {
        let n = left.min(unit.len());
        f.write_all(&unit[..n]).unwrap();
        left -= n;
    }
    f.write_all(b"\n").unwrap();
}

#[test]
fn memory_does_not_grow_with_line_or_sequence_length() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.fa");
    let long = dir.path().join("long.fa");
    const LONG: usize = 96 << 20;
    one_line_fasta(&small, 1 << 16);
    one_line_fasta(&long, LONG);
    let st = dir.path().join("small.tbit");
    let lt = dir.path().join("long.tbit");
    let Some(base) = peak_kib(&["import", "fasta", s(&small), "-o", s(&st), "-q"]) else {
        eprintln!("skipped: python3 is needed to measure the peak RSS of a child");
        return;
    };
    let import = peak_kib(&["import", "fasta", s(&long), "-o", s(&lt), "-q"]).unwrap();
    let mib = |k: u64| k / 1024;
    eprintln!(
        "import: small {} MiB, one {} MiB line {} MiB",
        mib(base),
        LONG >> 20,
        mib(import)
    );
    // Before streaming, about twice the line: +192 MiB here.
    assert!(import < base + 32 * 1024, "import peaked at {} MiB", mib(import));

    // Reading maps the file: its pages count in the RSS once touched.
    let file_kib = std::fs::metadata(&lt).unwrap().len() / 1024;
    let get_base = peak_kib(&["get", s(&st), "long"]).unwrap();
    let get = peak_kib(&["get", s(&lt), "long"]).unwrap();
    let export = peak_kib(&["export", "fasta", s(&lt)]).unwrap();
    eprintln!(
        "get: small {} MiB, long {} MiB; export {} MiB; file {} MiB",
        mib(get_base),
        mib(get),
        mib(export),
        file_kib / 1024
    );
    // Before, the whole sequence was fetched at once: +96 MiB over the map.
    assert!(get < get_base + file_kib + 32 * 1024, "get peaked at {} MiB", mib(get));
    assert!(
        export < get_base + file_kib + 32 * 1024,
        "export peaked at {} MiB",
        mib(export)
    );
    // And the bytes are right.
    let back = tribit_ok(&["export", "fasta", s(&lt)]);
    assert!(back == std::fs::read(&long).unwrap());
}

#[test]
fn dump_memory_does_not_grow_with_the_number_of_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let fasta = |n: usize| {
        let mut t = Vec::new();
        for i in 0..n {
            t.extend_from_slice(format!(">s{i} some description\nACGTNacgtRYACGT\n").as_bytes());
        }
        t
    };
    let small = dir.path().join("small.fa");
    let many = dir.path().join("many.fa");
    std::fs::write(&small, fasta(100)).unwrap();
    std::fs::write(&many, fasta(100_000)).unwrap();
    let st = dir.path().join("small.tbit");
    let mt = dir.path().join("many.tbit");
    tribit_ok(&["import", "fasta", s(&small), "-o", s(&st), "-q"]);
    tribit_ok(&["import", "fasta", s(&many), "-o", s(&mt), "-q"]);
    let Some(base) = peak_kib(&["dump", s(&st)]) else {
        eprintln!("skipped: python3 is needed to measure the peak RSS of a child");
        return;
    };
    let dump = peak_kib(&["dump", s(&mt)]).unwrap();
    let file_kib = std::fs::metadata(&mt).unwrap().len() / 1024;
    eprintln!(
        "dump: 100 sequences {} KiB, 100,000 sequences {} KiB (file {} KiB)",
        base, dump, file_kib
    );
    // Before, the whole document was built first: about 5 KiB a sequence.
    assert!(dump < base + file_kib + 32 * 1024, "dump peaked at {dump} KiB");
    // Still one JSON document with every sequence.
    let out = tribit_ok(&["dump", s(&mt)]);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["sequences"].as_array().unwrap().len(), 100_000);
    assert_eq!(v["sequences"][99_999]["name"], "s99999");
}

#[test]
fn alternating_case_and_iupac_letters_import_within_a_small_factor() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.fa");
    one_line_fasta(&small, 1 << 16);
    let st = dir.path().join("small.tbit");
    let Some(base) = peak_kib(&["import", "fasta", s(&small), "-o", s(&st), "-q"]) else {
        eprintln!("skipped: python3 is needed to measure the peak RSS of a child");
        return;
    };
    // 16 Mi bases where every base starts a mask run or an exception run:
    // at 16 bytes a run that was 256 MiB in memory and on disk.
    let bases = 16usize << 20;
    for (name, unit) in [("case", &b"Ac"[..]), ("iupac", b"GR"), ("both", b"aRgY")] {
        let fa = dir.path().join(format!("{name}.fa"));
        let mut t = b">x\n".to_vec();
        for line in unit.repeat(bases / unit.len()).chunks(60) {
            t.extend_from_slice(line);
            t.push(b'\n');
        }
        std::fs::write(&fa, &t).unwrap();
        let out = dir.path().join(format!("{name}.tbit"));
        let peak = peak_kib(&["import", "fasta", s(&fa), "-o", s(&out), "-q"]).unwrap();
        let size = std::fs::metadata(&out).unwrap().len();
        eprintln!(
            "{name}: FASTA {} MiB, import peak {} MiB (small file {} MiB), tbit {} MiB",
            t.len() >> 20,
            peak / 1024,
            base / 1024,
            size >> 20
        );
        assert!(peak < base + 32 * 1024, "{name}: import peaked at {} MiB", peak / 1024);
        assert!(size < t.len() as u64, "{name}: {size} bytes from {} of FASTA", t.len());
        assert!(
            tribit_ok(&["export", "fasta", s(&out)]) == t,
            "{name} did not round-trip"
        );
    }
}
