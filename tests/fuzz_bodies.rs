//! The fuzz targets' bodies (fuzz/fuzz_targets/bodies.rs) as ordinary
//! tests: over the seed corpus (every conformance vector, every test FASTA,
//! and each vector with bytes mutated) and a fixed number of seeded random
//! inputs. Real fuzzing runs them under libFuzzer (fuzz/README.md).

#[path = "../fuzz/fuzz_targets/bodies.rs"]
mod bodies;
mod common;

use common::{testdata, Rng};

fn seeds() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/vectors");
    let mut v = Vec::new();
    for dir in ["valid", "invalid"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "tbit") {
                v.push(std::fs::read(p).unwrap());
            }
        }
    }
    // Regression inputs found by fuzzing live beside the corpus.
    let reg = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    if let Ok(rd) = std::fs::read_dir(reg) {
        for e in rd {
            v.push(std::fs::read(e.unwrap().path()).unwrap());
        }
    }
    assert!(v.len() >= 30);
    v
}

fn mutate(rng: &mut Rng, b: &[u8]) -> Vec<u8> {
    let mut b = b.to_vec();
    match rng.below(4) {
        0 if !b.is_empty() => {
            let at = rng.below(b.len() as u64) as usize;
            b[at] ^= 1 << rng.below(8);
        }
        1 if !b.is_empty() => {
            let at = rng.below(b.len() as u64) as usize;
            b[at] = rng.next() as u8;
        }
        2 => b.truncate(rng.below(b.len() as u64 + 1) as usize),
        _ => {
            let at = rng.below(b.len() as u64 + 1) as usize;
            b.insert(at, rng.next() as u8);
        }
    }
    b
}

#[test]
fn open_and_validate_bodies_over_the_corpus_and_mutations() {
    let mut rng = Rng(99);
    for seed in seeds() {
        bodies::open(&seed);
        bodies::validate_bytes(&seed);
        for _ in 0..40 {
            let m = mutate(&mut rng, &seed);
            bodies::open(&m);
            bodies::validate_bytes(&m);
        }
    }
    for _ in 0..300 {
        let n = rng.below(300) as usize;
        let junk: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        bodies::open(&junk);
        bodies::validate_bytes(&junk);
    }
}

#[test]
fn fasta_body_over_test_files_and_mutations() {
    let mut rng = Rng(5);
    let mut files = vec![
        std::fs::read(testdata("shorties.fa")).unwrap(),
        std::fs::read(testdata("pseudocat.fa")).unwrap(),
    ];
    for e in std::fs::read_dir(testdata("edge")).unwrap() {
        files.push(std::fs::read(e.unwrap().path()).unwrap());
    }
    for f in &files {
        bodies::fasta_text(f);
        for _ in 0..20 {
            bodies::fasta_text(&mutate(&mut rng, f));
        }
    }
}

#[test]
fn roundtrip_body_over_seeded_random_inputs() {
    use arbitrary::{Arbitrary, Unstructured};
    let mut rng = Rng(17);
    for _ in 0..300 {
        let n = rng.below(4000) as usize;
        let raw: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        if let Ok(input) = bodies::RoundTrip::arbitrary(&mut Unstructured::new(&raw)) {
            bodies::roundtrip(input);
        }
    }
}

#[test]
fn csv_body_over_seed_tables_and_mutations() {
    let mut rng = Rng(23);
    let seeds: [&[u8]; 4] = [
        b"A,B,C,D,E,F,G,H\ntrue,-128,18446744073709551615,0.5,-1e300,abcd,TP53,-9223372036854775808\n\
          ,127,,1e-45,,,\"x,y\",9\nfalse,0,7,-0,2.5,\xc3\xa9,\"\"\"q\"\"\",0\n",
        b"ID,GENE,RAW\n1,TP53,0.5\n2,TP53,\n3,BRCA1,2\n",
        b"TRIAL_NAME,PATIENT_ID,GENE_SYMBOL,PROBESET_ID,RAW\nGSE24080,1000001,KLF7,200000_s_at,1234.56\n\
          GSE24080,1000001,TP53,1007_s_at,17.00\nGSE24080,1000002,KLF7,200000_s_at,99.5\n",
        b"a\n\n\"\"\n",
    ];
    // The first seed fits the fixed schema and the inferred one; the others
    // only their inferred schemas.
    let want = [2, 1, 1, 1];
    for (s, want) in seeds.into_iter().zip(want) {
        assert_eq!(bodies::csv_text(s), want, "{}", String::from_utf8_lossy(s));
        for _ in 0..200 {
            let mut m = mutate(&mut rng, s);
            for _ in 0..rng.below(3) {
                m = mutate(&mut rng, &m);
            }
            bodies::csv_text(&m);
        }
    }
}
