//! The k-mer scan (SPEC §14): every CPU path against the naive oracle and a
//! brute-force scan of the FASTA text, on real genomes and on generated
//! ones with N runs, masks, exceptions and block-boundary matches; the CLI;
//! and Jellyfish's counts when it is installed.

mod common;

use std::io::Cursor;
use std::path::Path;
use std::process::Command;

use common::{naive_records, testdata, Rng, REAL};
use proptest::prelude::*;
use tribit::container::ByteOrder;
use tribit::kmer::{self, naive, CpuPath, KmerCount, Match, Query, ScanOptions, Strand};
use tribit::{ErrorKind, Reader, WriterBuilder};

fn import(text: &[u8], block_bases: u32) -> Reader {
    common::import(text, ByteOrder::Little, block_bases)
}

fn from_sequences(seqs: &[Vec<u8>], block_bases: u32) -> Reader {
    let mut w = WriterBuilder::default()
        .set_block_bases(block_bases)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    for (i, s) in seqs.iter().enumerate() {
        w.add_sequence(format!("s{i}").as_bytes(), s, 60).unwrap();
    }
    Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap()
}

fn paths() -> Vec<CpuPath> {
    CpuPath::ALL.into_iter().filter(|p| p.is_available()).collect()
}

fn queries(texts: &[&str]) -> Vec<Query> {
    texts.iter().map(|t| Query::new(t).unwrap()).collect()
}

/// Every locate match, collected.
fn locate(r: &Reader, q: &[Query], opts: &ScanOptions) -> Vec<Match> {
    let mut out = Vec::new();
    kmer::locate(r, q, opts, |m| {
        out.push(m);
        Ok(())
    })
    .unwrap();
    out
}

/// Checks count (with and without per-sequence counts) and locate on every
/// path, both strand settings, with and without the summary, and with the
/// exact k-mers on the bit-parallel kernels and in the hash tables, against
/// the naive oracle.
fn check_all(r: &Reader, q: &[Query], what: &str) {
    for both in [false, true] {
        let want: Vec<KmerCount> = naive::count(r, q, both).unwrap();
        let want_locate = naive::locate(r, q, both).unwrap();
        for (path, hash_from) in paths()
            .into_iter()
            .map(|p| (p, usize::MAX))
            .chain([(CpuPath::best(), 1)])
        {
            for summary in [true, false] {
                let opts = ScanOptions::default()
                    .set_cpu_path(Some(path))
                    .set_both_strands(both)
                    .set_use_summary(summary)
                    .set_hash_from(hash_from);
                let got = kmer::count(r, q, &opts.clone().set_per_sequence(true)).unwrap();
                assert_eq!(
                    got.kmers, want,
                    "{what}: {path:?} both={both} summary={summary} hash_from={hash_from}"
                );
                let totals = kmer::count(r, q, &opts).unwrap();
                for (g, w) in totals.kmers.iter().zip(&want) {
                    assert_eq!((g.forward, g.reverse), (w.forward, w.reverse), "{what}: {path:?}");
                    assert!(g.per_sequence.is_empty());
                }
                if summary {
                    assert_eq!(
                        locate(r, q, &opts),
                        want_locate,
                        "{what}: locate {path:?} both={both} hash_from={hash_from}"
                    );
                }
            }
        }
    }
}

/// Windows of the sequences of `r` as queries, of the lengths given, with
/// letters other than ACGT replaced (so each query is valid).
fn sample_queries(r: &Reader, ks: &[usize], rng: &mut Rng) -> Vec<Query> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for &k in ks {
        let i = rng.below(r.len() as u64) as usize;
        let s = r.sequence(i).unwrap();
        buf.clear();
        r.fetch(i, 0, s.len(), &mut buf).unwrap();
        let text: String = if (k as u64) <= s.len() {
            let at = rng.below(s.len() - k as u64 + 1) as usize;
            buf[at..at + k]
                .iter()
                .map(|&b| match b.to_ascii_uppercase() {
                    c @ (b'A' | b'C' | b'G' | b'T') => c as char,
                    _ => 'A',
                })
                .collect()
        } else {
            (0..k).map(|_| b"ACGT"[rng.below(4) as usize] as char).collect()
        };
        out.push(Query::new(&text).unwrap());
    }
    out
}

#[test]
fn queries_are_checked() {
    assert_eq!(Query::new("").unwrap_err().kind(), ErrorKind::Input);
    let e = Query::new("ACGX").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Input);
    assert!(e.to_string().contains("'X' at position 4"), "{e}");
    assert!(Query::new("ACGU").is_err());
    // IUPAC letters: their reverse complement, and palindromes among them.
    let q = Query::new("acgn").unwrap();
    assert!(q.is_degenerate() && !Query::new("ACGT").unwrap().is_degenerate());
    assert_eq!(q.reverse_complement().as_str(), "NCGT");
    assert_eq!(
        Query::new("RYSWKMBDHV").unwrap().reverse_complement().as_str(),
        "BDHVKMWSRY"
    );
    assert!(Query::new("WW").unwrap().is_palindrome());
    assert!(Query::new("RY").unwrap().is_palindrome());
    assert!(!Query::new("RR").unwrap().is_palindrome());
    assert!(Query::new("AC-G").is_err());
    assert!(Query::new(&"A".repeat(kmer::MAX_K)).is_ok());
    assert!(Query::new(&"A".repeat(kmer::MAX_K + 1)).is_err());
    let q = Query::new("aacG").unwrap();
    assert_eq!(q.as_str(), "AACG");
    assert_eq!(q.reverse_complement().as_str(), "CGTT");
    assert!(Query::new("ACGT").unwrap().is_palindrome());
    assert!(!Query::new("ACG").unwrap().is_palindrome());
}

#[test]
fn semantics_on_a_small_example() {
    // s0: overlapping AA, a soft-masked run, an N, an IUPAC code and a
    // match that would span into s1 if sequences were not separated.
    let seqs = [
        b"AAAAcgtAcGTNACGTRACG".to_vec(),
        b"TACGT".to_vec(),
        Vec::new(),
        b"ac".to_vec(),
    ];
    let r = from_sequences(&seqs, 512);
    let q = queries(&["AA", "ACGT", "GT", "CGTA"]);
    let c = kmer::count(&r, &q, &ScanOptions::default().set_per_sequence(true)).unwrap();
    let totals: Vec<u64> = c.kmers.iter().map(|k| k.total()).collect();
    // AA: at 0, 1, 2 (overlapping). ACGT: at 3 ("Acgt"), 7 ("AcGT"), 12, not
    // at 17 (ACG then END), and at 1 in s1. GT: 5, 9, 14 and 3 in s1.
    // CGTA: at 4 ("cgtA") only: CGTN, CGTR and CGT-END do not match.
    assert_eq!(totals, [3, 4, 4, 1]);
    assert_eq!(
        c.kmers[1].per_sequence.iter().map(|s| s.forward).collect::<Vec<_>>(),
        [3, 1, 0, 0]
    );
    // ACGT is a palindrome: both strands count it once per position.
    let b = kmer::count(&r, &q, &ScanOptions::default().set_both_strands(true)).unwrap();
    assert_eq!((b.kmers[1].forward, b.kmers[1].reverse), (4, 0));
    // AA's reverse complement TT never occurs; GT's (AC) occurs 4 + 1 + 1 times.
    assert_eq!((b.kmers[0].forward, b.kmers[0].reverse), (3, 0));
    assert_eq!((b.kmers[2].forward, b.kmers[2].reverse), (4, 6));
    check_all(&r, &q, "small example");
}

#[test]
fn matches_across_block_boundaries_are_exact() {
    // Plant a 40-mer across each 512-position boundary of one long sequence,
    // and one across the END between two sequences (which must not match).
    let mut rng = Rng(7);
    let motif: Vec<u8> = (0..40).map(|_| b"ACGT"[rng.below(4) as usize]).collect();
    let mut s0: Vec<u8> = (0..3000).map(|_| b"AC"[rng.below(2) as usize]).collect();
    for at in [490usize, 1000, 1530, 2030, 2559] {
        s0[at..at + 40].copy_from_slice(&motif);
    }
    s0.extend_from_slice(&motif[..20]);
    let s1: Vec<u8> = motif[20..].iter().chain(b"CCCC").copied().collect();
    for bb in [512u32, 1024, 16384] {
        let r = from_sequences(&[s0.clone(), s1.clone()], bb);
        let text = String::from_utf8(motif.clone()).unwrap();
        let q = queries(&[&text, &text[..21], &text[5..12], &text[19..21]]);
        let c = kmer::count(&r, &q, &ScanOptions::default()).unwrap();
        assert_eq!(c.kmers[0].forward, 5, "block_bases {bb}");
        check_all(&r, &q, &format!("block boundaries, B = {bb}"));
    }
}

#[test]
fn long_k_and_every_small_k() {
    let mut rng = Rng(11);
    let seqs: Vec<Vec<u8>> = (0..3)
        .map(|i| (0..1500 + 700 * i).map(|_| b"AACGT"[rng.below(5) as usize]).collect())
        .collect();
    let r = from_sequences(&seqs, 512);
    let ks: Vec<usize> = (1..=66).chain([100, 127, 128, 129, 255, 256, 300, 511, 512]).collect();
    let q = sample_queries(&r, &ks, &mut rng);
    check_all(&r, &q, "k 1..66 and long k");
}

#[test]
fn real_genomes_match_the_naive_scan() {
    let ks = [
        1, 2, 3, 5, 7, 8, 11, 12, 16, 21, 25, 31, 32, 33, 40, 63, 64, 65, 101, 200,
    ];
    for name in REAL {
        let text = std::fs::read(testdata(name)).unwrap();
        for bb in [512, 1 << 14] {
            let r = import(&text, bb);
            let mut rng = Rng(name.len() as u64 + bb as u64);
            let mut q = sample_queries(&r, &ks, &mut rng);
            q.push(Query::new("GATTACA").unwrap());
            q.push(Query::new("ACGTACGTTGCAACGTACGTA").unwrap());
            check_all(&r, &q, name);
        }
    }
}

#[test]
fn counts_equal_a_brute_force_scan_of_the_fasta_text() {
    // Independent of the reader: letters straight from the FASTA file.
    for name in REAL {
        let text = std::fs::read(testdata(name)).unwrap();
        let records = naive_records(&text);
        let r = import(&text, 1 << 14);
        let q = queries(&[
            "A",
            "CG",
            "GATC",
            "TTGACA",
            "ACGTACG",
            "GGCGGCGCGC",
            "AAAAAAAAAAAAAAAAAAAAA",
        ]);
        let got = kmer::count(&r, &q, &ScanOptions::default().set_both_strands(true)).unwrap();
        for (c, query) in got.kmers.iter().zip(&q) {
            let fwd = query.as_str().as_bytes();
            let rc = query.reverse_complement();
            let rev = rc.as_str().as_bytes();
            let (mut f, mut b) = (0u64, 0u64);
            for (_, seq) in &records {
                let up = seq.to_ascii_uppercase();
                for w in up.windows(fwd.len()) {
                    f += (w == fwd) as u64;
                    b += (w == rev && rev != fwd) as u64;
                }
            }
            assert_eq!((c.forward, c.reverse), (f, b), "{name} {query}");
        }
    }
}

#[test]
fn thread_count_does_not_change_the_answer() {
    let text = std::fs::read(testdata("vibrio_cholerae_O1_chrII.fa")).unwrap();
    let r = import(&text, 512);
    let q = queries(&["ACGTA", "GATTACA", "CCGG"]);
    let base = ScanOptions::default().set_both_strands(true).set_per_sequence(true);
    let one = kmer::count(&r, &q, &base.clone().set_threads(Some(1))).unwrap();
    let three = kmer::count(&r, &q, &base.clone().set_threads(Some(3))).unwrap();
    assert_eq!(one.kmers, three.kmers);
    let l1 = locate(&r, &q, &base.clone().set_threads(Some(1)));
    let l3 = locate(&r, &q, &base.set_threads(Some(3)));
    assert_eq!(l1, l3);
}

#[test]
fn unavailable_paths_and_devices_are_clear_errors() {
    let r = from_sequences(&[b"ACGT".to_vec()], 512);
    let q = queries(&["AC"]);
    for p in CpuPath::ALL {
        let res = kmer::count(&r, &q, &ScanOptions::default().set_cpu_path(Some(p)));
        assert_eq!(res.is_ok(), p.is_available());
    }
    match kmer::gpu_available() {
        Ok(dev) => println!("GPU present: {dev}"),
        Err(why) => {
            let e = kmer::count(&r, &q, &ScanOptions::default().set_device(kmer::Device::Gpu)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unsupported);
            assert!(e.to_string().contains("--device gpu"), "{e}");
            println!("no GPU ({why}): {e}");
        }
    }
    assert!(kmer::count(&r, &[], &ScanOptions::default()).is_err());
}

/// A generated run of letters: ACGT from a small alphabet (so k-mers
/// repeat), N runs, IUPAC codes, either case.
fn run_strategy() -> impl Strategy<Value = Vec<u8>> {
    (0u8..12, 1usize..300, any::<bool>(), any::<u64>()).prop_map(|(kind, len, lower, seed)| {
        let mut rng = Rng(seed);
        let mut v: Vec<u8> = match kind {
            0 => vec![b'N'; len],
            1 => (0..1 + len % 3)
                .map(|_| b"RYKMSWBDHV"[rng.below(10) as usize])
                .collect(),
            2 => vec![b"ACGT"[rng.below(4) as usize]; len],
            _ => {
                let alphabet: &[u8] = [&b"ACGT"[..], b"AC", b"GT", b"ACG"][(seed % 4) as usize];
                (0..len)
                    .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
                    .collect()
            }
        };
        if lower {
            v.make_ascii_lowercase();
        }
        v
    })
}

fn genome_strategy() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(
        prop::collection::vec(run_strategy(), 0..10).prop_map(|r| r.concat()),
        1..5,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn generated_genomes_match_the_naive_scan(
        seqs in genome_strategy(),
        lines in 1u32..3,
        seed in any::<u64>(),
    ) {
        let r = from_sequences(&seqs, 512 * lines);
        let mut rng = Rng(seed);
        let ks = [1, 2, 3, 4, 6, 7, 9, 13, 21, 32, 33, 64, 65, 150];
        let picked: Vec<usize> = (0..4).map(|_| ks[rng.below(ks.len() as u64) as usize]).collect();
        let q = sample_queries(&r, &picked, &mut rng);
        for both in [false, true] {
            let want = naive::count(&r, &q, both).unwrap();
            let want_locate = naive::locate(&r, &q, both).unwrap();
            for path in paths() {
                let opts = ScanOptions::default().set_cpu_path(Some(path)).set_both_strands(both);
                let got = kmer::count(&r, &q, &opts.clone().set_per_sequence(true)).unwrap();
                prop_assert_eq!(&got.kmers, &want, "{:?} both={}", path, both);
                prop_assert_eq!(locate(&r, &q, &opts), want_locate.clone());
            }
        }
    }
}

/// Many exact patterns of mixed k (1 to 64, and some longer, which the
/// kernels keep), with duplicates: windows of the genome and random ones.
fn many_patterns(r: &Reader, rng: &mut Rng, n: usize) -> Vec<Query> {
    let ks: Vec<usize> = (0..n)
        .map(|_| match rng.below(8) {
            0 => 1,
            1 => 64,
            2 => 65 + rng.below(20) as usize,
            3 => 21,
            _ => 1 + rng.below(64) as usize,
        })
        .collect();
    let mut q = sample_queries(r, &ks, rng);
    for _ in 0..n / 8 {
        let k = 1 + rng.below(40) as usize;
        let text: String = (0..k).map(|_| b"ACGT"[rng.below(4) as usize] as char).collect();
        q.push(Query::new(&text).unwrap());
    }
    for _ in 0..n / 8 {
        let again = q[rng.below(q.len() as u64) as usize].clone();
        q.push(again);
    }
    q
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn many_patterns_in_hash_tables_match_the_naive_scan(
        seqs in genome_strategy(),
        lines in 1u32..3,
        seed in any::<u64>(),
    ) {
        let r = from_sequences(&seqs, 512 * lines);
        let mut rng = Rng(seed);
        let q = many_patterns(&r, &mut rng, 40);
        for both in [false, true] {
            let want = naive::count(&r, &q, both).unwrap();
            let want_locate = naive::locate(&r, &q, both).unwrap();
            for hash_from in [1, 2, usize::MAX] {
                let opts = ScanOptions::default().set_both_strands(both).set_hash_from(hash_from);
                let got = kmer::count(&r, &q, &opts.clone().set_per_sequence(true)).unwrap();
                prop_assert_eq!(&got.kmers, &want, "both={} hash_from={}", both, hash_from);
                if hash_from == 1 {
                    prop_assert!(got.hashed > 0);
                } else if hash_from == usize::MAX {
                    prop_assert_eq!(got.hashed, 0);
                }
                prop_assert_eq!(locate(&r, &q, &opts), want_locate.clone());
            }
        }
    }
}

#[test]
fn many_patterns_on_real_genomes_and_across_blocks() {
    // A few hundred k-mers of mixed lengths, as a pattern file would hold.
    let mut rng = Rng(21);
    for name in &REAL[..1] {
        let text = std::fs::read(testdata(name)).unwrap();
        for bb in [512u32, 4096] {
            let r = import(&text, bb);
            let q = many_patterns(&r, &mut rng, 120);
            // About 15 k-mers each of k = 21 and k = 64: those lengths go to
            // the tables from 8 on.
            let c = kmer::count(&r, &q, &ScanOptions::default().set_hash_from(8)).unwrap();
            assert!(c.hashed >= 8, "{name}: {} hashed", c.hashed);
            check_all(&r, &q, &format!("{name}: many patterns, B = {bb}"));
        }
    }
}

#[test]
fn every_k_mer_of_a_length_hashed_counts_every_window() {
    // All 4^5 5-mers (the short-k table is a bitmap over every code):
    // their counts add up to the windows without N, per sequence.
    let mut rng = Rng(5);
    let seqs: Vec<Vec<u8>> = (0..3)
        .map(|i| {
            (0..2000 + 333 * i)
                .map(|_| b"ACGTNacgt"[rng.below(9) as usize])
                .collect()
        })
        .collect();
    let r = from_sequences(&seqs, 1024);
    let all: Vec<Query> = (0..1024u32)
        .map(|x| {
            Query::new(
                &(0..5)
                    .map(|j| b"ACGT"[(x >> (2 * j)) as usize & 3] as char)
                    .collect::<String>(),
            )
            .unwrap()
        })
        .collect();
    let c = kmer::count(&r, &all, &ScanOptions::default()).unwrap();
    assert_eq!(c.hashed, 1024);
    let windows: u64 = seqs
        .iter()
        .map(|s| s.windows(5).filter(|w| !w.contains(&b'N')).count() as u64)
        .sum();
    assert_eq!(c.kmers.iter().map(KmerCount::total).sum::<u64>(), windows);
    check_all(&r, &all, "every 5-mer");
}

// ---- the command-line tool ----------------------------------------------

fn tribit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tribit"))
        .args(args)
        .output()
        .expect("run tribit")
}

fn ok(args: &[&str]) -> String {
    let o = tribit(args);
    assert!(
        o.status.success(),
        "tribit {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn imported(dir: &Path, name: &str) -> String {
    let out = dir.join(format!("{name}.tbit"));
    let o = out.to_str().unwrap().to_string();
    ok(&["import", "fasta", testdata(name).to_str().unwrap(), "-o", &o, "-q"]);
    o
}

#[test]
fn cli_count_prints_counts_json_and_per_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let f = imported(dir.path(), "shorties.fa");
    let r = Reader::open(&f).unwrap();
    let q = queries(&["ACGT", "GATC"]);
    let want = naive::count(&r, &q, true).unwrap();
    let text = ok(&["kmer", "count", &f, "acgt", "GATC", "--both-strands", "-t", "2"]);
    assert_eq!(text, format!("ACGT\t{}\nGATC\t{}\n", want[0].total(), want[1].total()));

    let json: serde_json::Value =
        serde_json::from_str(&ok(&["kmer", "count", &f, "GATC", "--json", "--per-sequence"])).unwrap();
    let fwd = naive::count(&r, &q[1..], false).unwrap();
    assert_eq!(json["kmers"][0]["count"], fwd[0].total());
    assert_eq!(json["device"], "cpu");
    assert_eq!(json["path"], CpuPath::best().name());
    let per = json["kmers"][0]["per_sequence"].as_array().unwrap();
    assert_eq!(per.len(), r.len());
    assert_eq!(per[4]["name"], "shorty5");
    assert_eq!(per[4]["count"], fwd[0].per_sequence[4].total());

    let rows = ok(&["kmer", "count", &f, "GATC", "--per-sequence"]);
    assert_eq!(rows.lines().count(), r.len());
    assert_eq!(
        rows.lines().nth(4).unwrap(),
        format!("shorty5\tGATC\t{}", fwd[0].per_sequence[4].total())
    );

    for p in paths() {
        let o = tribit(&[
            "kmer",
            "count",
            &f,
            "GATC",
            "--cpu-path",
            p.name(),
            "--verbose",
            "--no-verify",
        ]);
        assert!(o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(&format!("on the {} path", p.name())), "{err}");
    }
}

#[test]
fn cli_counts_a_patterns_file_with_names_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let f = imported(dir.path(), "lambda_virus.fa");
    let r = Reader::open(&f).unwrap();
    let pats = dir.path().join("pats.txt");
    std::fs::write(&pats, "# motifs\nsite1\tGATC\n\nACGTT\r\nlong\tAAAAAAAAAAAAAAAAAAAAG\n").unwrap();
    let p = pats.to_str().unwrap();
    let q = queries(&["CCGG", "GATC", "ACGTT", "AAAAAAAAAAAAAAAAAAAAG"]);
    let want = naive::count(&r, &q, false).unwrap();
    // Named output: the name first (the k-mer where there is none); the
    // command line's k-mers come before the file's.
    let text = ok(&["kmer", "count", &f, "CCGG", "--patterns", p]);
    let expect: Vec<String> = ["CCGG", "site1", "ACGTT", "long"]
        .iter()
        .zip(&want)
        .map(|(label, c)| format!("{label}\t{}\t{}", c.query, c.total()))
        .collect();
    assert_eq!(text.lines().collect::<Vec<_>>(), expect);
    let json: serde_json::Value = serde_json::from_str(&ok(&["kmer", "count", &f, "--patterns", p, "--json"])).unwrap();
    assert_eq!(json["kmers"][0]["name"], "site1");
    assert!(json["kmers"][1].get("name").is_none());
    assert_eq!(json["kmers"][2]["count"], want[3].total());
    assert_eq!(json["prepare_seconds"].as_f64().map(|s| s >= 0.0), Some(true));
    assert_eq!(json["hashed_patterns"], 0);
    // --hash-from 1: the same counts from the hash tables, which say so.
    let hashed: serde_json::Value = serde_json::from_str(&ok(&[
        "kmer",
        "count",
        &f,
        "--patterns",
        p,
        "--json",
        "--hash-from",
        "1",
    ]))
    .unwrap();
    assert_eq!(hashed["hashed_patterns"], 3);
    assert_eq!(
        kmer::count(&r, &q, &ScanOptions::default()).unwrap().hashed,
        0,
        "fewer than kmer::HASH_FROM"
    );
    assert_eq!(hashed["kmers"], json["kmers"]);
    assert_eq!(
        tribit(&["kmer", "count", &f, "--patterns", p, "--hash-from", "0"])
            .status
            .code(),
        Some(2)
    );
    // Unnamed files print as the command line does.
    std::fs::write(&pats, "GATC\nCCGG\n").unwrap();
    assert_eq!(
        ok(&["kmer", "count", &f, "--patterns", p]),
        ok(&["kmer", "count", &f, "GATC", "CCGG"])
    );
    // A bad line names the file and the line.
    std::fs::write(&pats, "GATC\nx\tGAUC\n").unwrap();
    let o = tribit(&["kmer", "count", &f, "--patterns", p]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("pats.txt") && err.contains("line 2"), "{err}");
    std::fs::write(&pats, "# nothing\n").unwrap();
    let err = String::from_utf8_lossy(&tribit(&["kmer", "count", &f, "--patterns", p]).stderr).to_string();
    assert!(err.contains("no k-mer"), "{err}");
}

/// A random pattern of length k: mostly A C G T, with IUPAC letters.
fn fuzzy_pattern(rng: &mut Rng, k: usize) -> String {
    (0..k)
        .map(|_| {
            let letters = if rng.below(4) == 0 { "RYSWKMBDHVN" } else { "ACGT" };
            letters.as_bytes()[rng.below(letters.len() as u64) as usize] as char
        })
        .collect()
}

#[test]
fn iupac_and_mismatches_equal_the_naive_scan() {
    // Real genomes and generated ones with N runs and IUPAC letters; k
    // across words and lines; count (per sequence) and locate; both
    // strands; 0 to 3 mismatches.
    let mut rng = Rng(2024);
    let mut readers: Vec<(String, Reader)> = Vec::new();
    for name in ["lambda_virus.fa", "shorties.fa"] {
        readers.push((
            name.into(),
            common::import(&std::fs::read(testdata(name)).unwrap(), ByteOrder::Little, 512),
        ));
    }
    for seed in 0..3u64 {
        let mut w = WriterBuilder::default()
            .set_block_bases(512)
            .build(Cursor::new(Vec::new()))
            .unwrap();
        let mut g = Rng(seed + 10);
        for i in 0..3 {
            let s: Vec<u8> = (0..300 + g.below(1500))
                .map(|_| b"ACGTACGTACGTacgtNRY"[g.below(19) as usize])
                .collect();
            w.add_sequence(format!("g{i}").as_bytes(), &s, 60).unwrap();
        }
        readers.push((
            format!("generated {seed}"),
            Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap(),
        ));
    }
    for (name, r) in &readers {
        for m in 0..=3u8 {
            let q: Vec<Query> = [1, 4, 7, 12, 21, 33, 65]
                .iter()
                .map(|&k| Query::new(&fuzzy_pattern(&mut rng, k)).unwrap())
                .chain([Query::new("TATAWAW").unwrap(), Query::new("GGNCC").unwrap()])
                .collect();
            // Every path this CPU runs: the scalar kernel and the wide ones.
            for (both, path) in [false, true]
                .into_iter()
                .flat_map(|b| paths().into_iter().map(move |p| (b, p)))
            {
                let opts = ScanOptions::default()
                    .set_both_strands(both)
                    .set_per_sequence(true)
                    .set_mismatches(m)
                    .set_cpu_path(Some(path));
                let got = kmer::count(r, &q, &opts).unwrap();
                let want = naive::count_with_mismatches(r, &q, both, m as usize).unwrap();
                assert_eq!(got.kmers, want, "{name}: {m} mismatches, both strands {both}, {path:?}");
                let found = locate(r, &q, &opts);
                assert_eq!(
                    found,
                    naive::locate_with_mismatches(r, &q, both, m as usize).unwrap(),
                    "{name} locate, {path:?}"
                );
            }
        }
    }
}

#[test]
fn degenerate_letters_are_the_sum_of_their_bases() {
    // N counts every ACGT window; W = A or T.
    let r = common::import(b">s\nAATTNACGTtw\n", ByteOrder::Little, 512);
    let n = |q: &str, m: u8| {
        let opts = ScanOptions::default().set_mismatches(m);
        kmer::count(&r, &[Query::new(q).unwrap()], &opts).unwrap().kmers[0].forward
    };
    assert_eq!(n("N", 0), 9);
    assert_eq!(n("W", 0), n("A", 0) + n("T", 0));
    assert_eq!(n("NN", 0), 7);
    // AA, AT, AC are at most one substitution from AA; with two, every
    // pair of ACGT letters matches.
    assert_eq!(n("AA", 0), 1);
    assert_eq!(n("AA", 1), 3);
    assert_eq!(n("AA", 2), 7);
}

#[test]
fn cli_counts_iupac_and_mismatches() {
    let dir = tempfile::tempdir().unwrap();
    let f = imported(dir.path(), "lambda_virus.fa");
    let r = Reader::open(&f).unwrap();
    let q = queries(&["GGNCC", "TATAWAW"]);
    let want = naive::count_with_mismatches(&r, &q, true, 1).unwrap();
    let text = ok(&["kmer", "count", &f, "ggncc", "TATAWAW", "--both-strands", "-m", "1"]);
    assert_eq!(
        text,
        format!("GGNCC\t{}\nTATAWAW\t{}\n", want[0].total(), want[1].total())
    );
    let bed = ok(&["kmer", "locate", &f, "TATAWAW", "--mismatches", "1"]);
    let hits = naive::locate_with_mismatches(&r, &q[1..], false, 1).unwrap();
    assert_eq!(bed.lines().count(), hits.len());
    assert!(!hits.is_empty());
}

#[test]
fn cli_locate_prints_bed() {
    let dir = tempfile::tempdir().unwrap();
    let f = imported(dir.path(), "pseudocat.fa");
    let r = Reader::open(&f).unwrap();
    let q = queries(&["CAGGA"]);
    let want = naive::locate(&r, &q, true).unwrap();
    let bed = ok(&["kmer", "locate", &f, "cagga", "--both-strands"]);
    let lines: Vec<&str> = bed.lines().collect();
    assert_eq!(lines.len(), want.len());
    assert!(!want.is_empty());
    for (line, m) in lines.iter().zip(&want) {
        let sign = if m.strand == Strand::Forward { '+' } else { '-' };
        assert_eq!(*line, format!("cat\t{}\t{}\tCAGGA\t0\t{sign}", m.start, m.start + 5));
    }
}

#[test]
fn cli_locate_reads_a_patterns_file() {
    // 80 sampled k-mers (hashed by default) plus a named one: one pass,
    // the BED name column holds the name or the k-mer.
    let dir = tempfile::tempdir().unwrap();
    let f = imported(dir.path(), "pseudocat.fa");
    let r = Reader::open(&f).unwrap();
    let mut q = sample_queries(&r, &[12; 80], &mut Rng(3));
    q.push(Query::new("CAGGA").unwrap());
    let mut text: String = q[..80].iter().map(|q| format!("{q}\n")).collect();
    text.push_str("site\tcagga\n");
    let pats = dir.path().join("p.txt");
    std::fs::write(&pats, text).unwrap();
    let want = naive::locate(&r, &q, false).unwrap();
    let bed = ok(&["kmer", "locate", &f, "--patterns", pats.to_str().unwrap()]);
    let lines: Vec<&str> = bed.lines().collect();
    assert_eq!(lines.len(), want.len());
    for (line, m) in lines.iter().zip(&want) {
        let label = if m.query == 80 {
            "site".to_string()
        } else {
            q[m.query].to_string()
        };
        let end = m.start + q[m.query].k() as u64;
        assert_eq!(*line, format!("cat\t{}\t{end}\t{label}\t0\t+", m.start));
    }
    assert!(lines.iter().any(|l| l.contains("\tsite\t")));
}

#[test]
fn cli_repeat_must_be_at_least_1() {
    let dir = tempfile::tempdir().unwrap();
    let f = imported(dir.path(), "lambda_virus.fa");
    let o = tribit(&["kmer", "count", &f, "ACGT", "--repeat", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--repeat"));
    let once = ok(&["kmer", "count", &f, "ACGT"]);
    assert_eq!(ok(&["kmer", "count", &f, "ACGT", "--repeat", "3"]), once);
}

#[test]
fn cli_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let f = imported(dir.path(), "lambda_virus.fa");
    let o = tribit(&["kmer", "count", &f, "ACUT"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("tribit: error: ") && err.contains("'U' at position 3"),
        "{err}"
    );
    let o = tribit(&["kmer", "count", &f, "ACGT", "--mismatches", "4"]);
    assert_eq!(o.status.code(), Some(2));
    let o = tribit(&["kmer", "count", &f, "ACGT", "--cpu-path", "neon"]);
    assert_eq!(o.status.code(), Some(2));
    // Without a GPU (or without the cuda feature): a clear error, not a panic.
    if let Err(why) = kmer::gpu_available() {
        let o = tribit(&["kmer", "count", &f, "ACGT", "--device", "gpu"]);
        assert_eq!(o.status.code(), Some(2), "no GPU here ({why})");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--device gpu") && !err.contains("panicked"), "{err}");
    }
}

// ---- Jellyfish -------------------------------------------------------------

fn jellyfish_count(fa: &Path, k: usize, canonical: bool, out: &Path, queries: &[Query]) -> Vec<u64> {
    let mut args = vec![
        "count".to_string(),
        "-m".into(),
        k.to_string(),
        "-s".into(),
        "4M".into(),
    ];
    args.extend(["-t".into(), "2".into(), "-o".into(), out.display().to_string()]);
    if canonical {
        args.push("-C".into());
    }
    args.push(fa.display().to_string());
    let st = Command::new("jellyfish").args(&args).status().unwrap();
    assert!(st.success(), "jellyfish {args:?}");
    let mut q = vec!["query".to_string(), out.display().to_string()];
    q.extend(queries.iter().map(|x| x.as_str().to_string()));
    let o = Command::new("jellyfish").args(&q).output().unwrap();
    assert!(o.status.success());
    // One "KMER COUNT" line per query, in order (canonical form with -C).
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect()
}

/// Jellyfish counts k-mer windows; forward counts must equal ours. With
/// `-C` it counts each window under its canonical form (the smaller of the
/// k-mer and its reverse complement), so its count for q is the number of
/// windows equal to q or to rc(q): our both-strands total (a palindrome's
/// windows once, as ours). The meanings differ — Jellyfish answers "how
/// often does this canonical k-mer occur", we answer "at how many
/// (position, strand) pairs does q start" — but the numbers agree.
#[test]
fn counts_equal_jellyfish() {
    if Command::new("jellyfish").arg("--version").output().is_err() {
        println!("skipped: jellyfish is not installed (apt-get install jellyfish)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut compared, mut palindromes) = (0, 0);
    for name in REAL {
        let text = std::fs::read(testdata(name)).unwrap();
        let r = import(&text, 1 << 14);
        // k = 8 is even, so palindromes exist: the ones the genome holds,
        // and a few fixed ones (ACGTACGT, NotI's site, TTAATTAA).
        for k in [7, 8, 21] {
            let mut rng = Rng(k as u64);
            let mut q = sample_queries(&r, &[k; 12], &mut rng);
            q.push(Query::new(&"ACGT".repeat(6)[..k]).unwrap());
            if k == 8 {
                q.extend(palindromes_in(&r, k, 6));
                q.extend(queries(&["GCGGCCGC", "TTAATTAA"]));
            }
            let fwd = jellyfish_count(&testdata(name), k, false, &dir.path().join("f.jf"), &q);
            let canon = jellyfish_count(&testdata(name), k, true, &dir.path().join("c.jf"), &q);
            let ours = kmer::count(&r, &q, &ScanOptions::default().set_both_strands(true)).unwrap();
            assert_eq!((fwd.len(), canon.len()), (q.len(), q.len()));
            for ((c, f), b) in ours.kmers.iter().zip(&fwd).zip(&canon) {
                assert_eq!(c.forward, *f, "{name} {}: forward", c.query);
                assert_eq!(c.total(), *b, "{name} {}: canonical vs both strands", c.query);
                compared += 1;
                if c.query.is_palindrome() && c.forward > 0 {
                    assert_eq!(c.reverse, 0, "{name} {}", c.query);
                    palindromes += 1;
                }
            }
        }
    }
    assert!(palindromes > 0, "no palindrome with matches was compared");
    println!("{compared} k-mer counts equal Jellyfish's (forward and canonical), {palindromes} of palindromes");
}

/// Up to `n` distinct palindromic k-mers (k even) that occur in the first
/// sequence of `r`.
fn palindromes_in(r: &Reader, k: usize, n: usize) -> Vec<Query> {
    let mut buf = Vec::new();
    r.fetch(0, 0, r.sequence(0).unwrap().len(), &mut buf).unwrap();
    buf.make_ascii_uppercase();
    let mut out: Vec<Query> = Vec::new();
    for w in buf.windows(k) {
        if out.len() == n {
            break;
        }
        let Ok(q) = Query::new(std::str::from_utf8(w).unwrap_or("N")) else {
            continue;
        };
        if q.is_palindrome() && !out.contains(&q) {
            out.push(q);
        }
    }
    out
}

#[test]
fn both_byte_orders_give_the_same_counts() {
    // Planes are never byte-swapped (SPEC §5): the scan reads them alike.
    let text = std::fs::read(testdata("sample_101s.fa")).unwrap();
    let le = common::import(&text, ByteOrder::Little, 512);
    let be = common::import(&text, ByteOrder::Big, 512);
    let q = queries(&["ACG", "AAA", "TTTTT"]);
    let opts = ScanOptions::default().set_both_strands(true).set_per_sequence(true);
    assert_eq!(
        kmer::count(&le, &q, &opts).unwrap().kmers,
        kmer::count(&be, &q, &opts).unwrap().kmers
    );
}

/// The sequence `ACGTNACGTACGTAAC` (one block of 17 positions, planes of
/// 64 bytes) with code 6 (planes 0, 1, 2 = 0, 1, 1) planted at block
/// position `p` and the file resealed. p = 2 turns the G into a reference
/// escape, in the line the N already marks; p ≥ 17 sets padding (SPEC §5
/// [B1]) past the end of the stream.
fn with_code_6_at(p: usize) -> Reader {
    let mut w = WriterBuilder::default()
        .set_block_bases(512)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    w.add_sequence(b"s0", b"ACGTNACGTACGTAAC", 60).unwrap();
    let mut b = w.finish().unwrap().into_inner();
    let (blocks, _) = common::section(&b, tribit::spec::kind::BLOCKS);
    let plane = 64usize;
    b[blocks + p / 8] &= !(1 << (p % 8));
    b[blocks + plane + p / 8] |= 1 << (p % 8);
    b[blocks + 2 * plane + p / 8] |= 1 << (p % 8);
    common::reseal(&mut b);
    Reader::from_bytes(b).unwrap()
}

#[test]
fn a_reference_escape_is_reported_unsupported() {
    // SPEC §14 and §9: code 6 stands for a reference base; a reader without
    // §9 must refuse the scan rather than count the window as a non-match.
    let r = with_code_6_at(2);
    for path in paths() {
        for summary in [true, false] {
            let opts = ScanOptions::default().set_cpu_path(Some(path)).set_use_summary(summary);
            let e = kmer::count(&r, &queries(&["AC"]), &opts).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
            assert!(e.to_string().contains("s0 position 2 is reference-escaped"), "{e}");
            let mut n = 0;
            let e = kmer::locate(&r, &queries(&["AC"]), &opts, |_| {
                n += 1;
                Ok(())
            })
            .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
            // AC at 0 precedes the escape, yet nothing is reported.
            assert_eq!(n, 0, "{path:?} summary={summary}");
        }
    }
}

#[test]
fn code_6_in_the_padding_is_not_a_reference_escape() {
    // Bits past the end of the stream are padding (SPEC §5 [B1]): a scan
    // does not read them as codes, so a (bad) padding bit pattern that looks
    // like code 6 does not make the file unsupported.
    for p in [17, 100, 511] {
        let r = with_code_6_at(p);
        let q = queries(&["AC", "ACGT", "C"]);
        check_all(&r, &q, &format!("code 6 in padding at {p}"));
    }
}

#[test]
fn locate_refuses_before_it_reports() {
    // A reference escape far beyond the first batch of matches: locate
    // reports none of them (SPEC §14), on one thread or three.
    let len = 2_500_000usize;
    let mut seq: Vec<u8> = b"ACGT".iter().copied().cycle().take(len).collect();
    let (bb, at) = (16_384usize, 2_400_000usize);
    seq[at + 10] = b'N'; // so the summary marks the line
    let mut w = WriterBuilder::default()
        .set_block_bases(bb as u32)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    w.add_sequence(b"long", &seq, 60).unwrap();
    let mut b = w.finish().unwrap().into_inner();
    let (index, _) = common::section(&b, tribit::spec::kind::BLOCK_INDEX);
    let (blocks, _) = common::section(&b, tribit::spec::kind::BLOCKS);
    let blk = at / bb;
    let offset = u64::from_le_bytes(b[index + 48 * blk..index + 48 * blk + 8].try_into().unwrap()) as usize;
    let (p, plane) = (at % bb, bb / 8);
    let base = blocks + offset;
    b[base + p / 8] &= !(1 << (p % 8));
    b[base + plane + p / 8] |= 1 << (p % 8);
    b[base + 2 * plane + p / 8] |= 1 << (p % 8);
    common::reseal(&mut b);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("escaped.tbit");
    std::fs::write(&f, &b).unwrap();
    let r = Reader::from_bytes(b).unwrap();
    for threads in [1, 3] {
        let mut n = 0;
        let opts = ScanOptions::default().set_threads(Some(threads));
        let e = kmer::locate(&r, &queries(&["A"]), &opts, |_| {
            n += 1;
            Ok(())
        })
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert!(e.to_string().contains(&format!("long position {at} ")), "{e}");
        assert_eq!(n, 0, "{threads} threads");
    }
    let o = tribit(&["kmer", "locate", f.to_str().unwrap(), "A", "-t", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "{} bytes of BED", o.stdout.len());
    assert!(String::from_utf8_lossy(&o.stderr).contains("reference-escaped"));
}

/// A two-sequence file whose records break SPEC §6.1 [R1] as `edit` says
/// (`edit(records)` gets SEQUENCE_INDEX from its first record on), resealed.
fn with_records(edit: impl Fn(&mut [u8])) -> Vec<u8> {
    let mut w = WriterBuilder::default()
        .set_block_bases(512)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    w.add_sequence(b"a", b"ACGTACGTAC", 60).unwrap();
    w.add_sequence(b"b", b"ACGTTTACGT", 60).unwrap();
    let mut b = w.finish().unwrap().into_inner();
    let (index, len) = common::section(&b, tribit::spec::kind::SEQUENCE_INDEX);
    edit(&mut b[index + 64..index + len]);
    common::reseal(&mut b);
    b
}

fn set_u64(b: &mut [u8], at: usize, f: impl Fn(u64) -> u64) {
    let v = u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    b[at..at + 8].copy_from_slice(&f(v).to_le_bytes());
}

/// Record edits that break [R1] while keeping every record inside the
/// stream: a first record that starts late, and a gap before the second.
fn r1_breaks() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "start_0 = 3",
            with_records(|rec| {
                set_u64(rec, 0, |s| s + 3);
                set_u64(rec, 8, |l| l - 3);
            }),
        ),
        (
            "a gap before record 1",
            with_records(|rec| {
                set_u64(rec, 128, |s| s + 2);
                set_u64(rec, 128 + 8, |l| l - 2);
            }),
        ),
    ]
}

#[test]
fn records_out_of_stream_order_are_a_format_error() {
    // SPEC §6.1 [R1] is what per-sequence counts and locate coordinates
    // rest on: a break is a format error, never a wrong count or a wrapped
    // coordinate.
    let dir = tempfile::tempdir().unwrap();
    for (what, bytes) in r1_breaks() {
        let f = dir.path().join("r1.tbit");
        std::fs::write(&f, &bytes).unwrap();
        let r = Reader::from_bytes(bytes).unwrap();
        let q = queries(&["AC", "CGT"]);
        let per = ScanOptions::default().set_per_sequence(true);
        let e = kmer::count(&r, &q, &per).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Format, "{what}: {e}");
        assert!(e.to_string().contains("[R1]"), "{what}: {e}");
        let e = kmer::locate(&r, &q, &ScanOptions::default(), |_| Ok(())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Format, "{what}: {e}");
        let f = f.to_str().unwrap();
        for args in [
            &["kmer", "count", f, "AC", "--per-sequence"][..],
            &["kmer", "locate", f, "AC"][..],
        ] {
            let o = tribit(args);
            assert_eq!(o.status.code(), Some(2), "{what}: {args:?}");
            assert!(o.stdout.is_empty(), "{what}: {args:?}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains("[R1]") && !err.contains("panicked"), "{what}: {err}");
        }
    }
}

#[test]
fn the_path_reported_is_the_one_that_ran() {
    // k > 64 runs the scalar kernel on every path: the report says so.
    let mut rng = Rng(3);
    let seq: Vec<u8> = (0..3000).map(|_| b"ACGT"[rng.below(4) as usize]).collect();
    let r = from_sequences(&[seq], 512);
    let long = sample_queries(&r, &[100], &mut rng);
    let short = sample_queries(&r, &[21], &mut rng);
    let both: Vec<Query> = short.iter().chain(&long).cloned().collect();
    for path in paths() {
        let opts = ScanOptions::default().set_cpu_path(Some(path));
        let ran = |q: &[Query]| kmer::count(&r, q, &opts).unwrap().path;
        assert_eq!(ran(&short), kmer::ScanPath::Cpu(path));
        assert_eq!(ran(&long), kmer::ScanPath::Cpu(CpuPath::Scalar), "{path:?}");
        assert_eq!(ran(&both), kmer::ScanPath::Cpu(CpuPath::Scalar), "{path:?}");
        let located = kmer::locate(&r, &long, &opts, |_| Ok(())).unwrap();
        assert_eq!(located, kmer::ScanPath::Cpu(CpuPath::Scalar));
    }
    let dir = tempfile::tempdir().unwrap();
    let f = imported(dir.path(), "lambda_virus.fa");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["kmer", "count", &f, &"ACGT".repeat(25), "--json"])).unwrap();
    assert_eq!(json["path"], "scalar");
}

#[test]
fn large_blocks_and_k_1_locate_exactly() {
    // Blocks of 2^20 positions: locate works in batches of lines, not
    // blocks, and still reports every match once, in order.
    let mut rng = Rng(21);
    let seqs: Vec<Vec<u8>> = [1_500_000usize, 3, 700_000]
        .iter()
        .map(|&n| (0..n).map(|_| b"AACGTN"[rng.below(6) as usize]).collect())
        .collect();
    let r = from_sequences(&seqs, 1 << 20);
    let q = queries(&["A", "CG"]);
    let want = naive::locate(&r, &q, true).unwrap();
    for threads in [1, 3] {
        let opts = ScanOptions::default().set_both_strands(true).set_threads(Some(threads));
        assert_eq!(locate(&r, &q, &opts), want, "{threads} threads");
    }
    let c = kmer::count(&r, &q, &ScanOptions::default().set_per_sequence(true)).unwrap();
    assert_eq!(c.kmers, naive::count(&r, &q, false).unwrap());
}

#[test]
fn files_without_bases_count_nothing() {
    let empty = from_sequences(&[], 512);
    let only_empty = from_sequences(&[Vec::new(), Vec::new()], 512);
    let n_only = from_sequences(&[b"NNNNnnnnRYK".to_vec()], 512);
    let q = queries(&["A", "ACGT"]);
    for r in [&empty, &only_empty, &n_only] {
        let opts = ScanOptions::default().set_both_strands(true).set_per_sequence(true);
        let c = kmer::count(r, &q, &opts).unwrap();
        assert!(c.kmers.iter().all(|k| k.total() == 0));
        assert_eq!(c.kmers[0].per_sequence.len(), r.len());
        assert!(locate(r, &q, &opts).is_empty());
        check_all(r, &q, "no bases");
    }
}
