//! The GPU kernel (src/kmer/kernel.cu) without a GPU, and with one:
//!
//! - its logic on the CPU: kernel_shim.cpp compiled with the system C++
//!   compiler (found by the `cc` crate), fed the same `KernelInput` the GPU
//!   path copies to the device, compared with the CPU scan and the naive
//!   one;
//! - the checks `KernelInput` makes on the host (reference escapes, SPEC
//!   §6.1 [R1], the blocks before the planes are allocated), with the CPU
//!   scan's errors;
//! - NVRTC compiles it (feature `cuda`, where libnvrtc loads);
//! - end to end on a device (feature `cuda`, where one is present).
//!
//! Each test prints why it skipped when what it needs is missing.

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{testdata, Rng, REAL};
use tribit::container::ByteOrder;
use tribit::kmer::kernel::{KernelInput, SHIM_SOURCE, SOURCE};
use tribit::kmer::{self, naive, Query, ScanOptions, ScanPath};
use tribit::spec::kind;
use tribit::{ErrorKind, Reader, WriterBuilder};

/// The target triple of this build, for `cc` outside a build script.
fn target() -> String {
    let arch = std::env::consts::ARCH;
    match std::env::consts::OS {
        "linux" => format!("{arch}-unknown-linux-gnu"),
        "macos" => format!("{arch}-apple-darwin"),
        "windows" => format!("{arch}-pc-windows-msvc"),
        os => format!("{arch}-unknown-{os}"),
    }
}

/// Compiles the shim (with kernel.cu beside it) into an executable in
/// `dir`, or says why it cannot.
fn build_shim(dir: &Path) -> Result<PathBuf, String> {
    std::fs::write(dir.join("kernel.cu"), SOURCE).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("kernel_shim.cpp"), SHIM_SOURCE).map_err(|e| e.to_string())?;
    let t = target();
    let compiler = cc::Build::new()
        .cpp(true)
        .target(&t)
        .host(&t)
        .opt_level(2)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .try_get_compiler()
        .map_err(|e| format!("no C++ compiler: {e}"))?;
    let exe = dir.join("kernel_shim");
    let mut cmd = compiler.to_command();
    cmd.args(["-std=c++11", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&exe)
        .arg(dir.join("kernel_shim.cpp"));
    let out = cmd.output().map_err(|e| format!("cannot run the C++ compiler: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the kernel does not compile as C++: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(exe)
}

/// Runs the kernel's logic on the CPU over `input` with a small odd grid (so
/// the grid-stride loop runs), returning the raw counts.
fn emulate(exe: &Path, dir: &Path, input: &KernelInput) -> Vec<u64> {
    let (inp, outp) = (dir.join("in.bin"), dir.join("out.bin"));
    std::fs::write(&inp, input.to_bytes(3, 37)).unwrap();
    let st = Command::new(exe).arg(&inp).arg(&outp).status().unwrap();
    assert!(st.success());
    let raw = std::fs::read(&outp).unwrap();
    assert_eq!(raw.len(), 8 * input.counts_len());
    raw.chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn generated(seed: u64) -> Reader {
    let mut rng = Rng(seed);
    let mut w = WriterBuilder::default()
        .set_block_bases(512)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    for i in 0..5 {
        let mut s = Vec::new();
        for _ in 0..rng.below(12) {
            let len = 1 + rng.below(400) as usize;
            let run: Vec<u8> = match rng.below(6) {
                0 => vec![b'N'; len],
                1 => b"RYk".to_vec(),
                _ => (0..len).map(|_| b"ACGTacgtAC"[rng.below(10) as usize]).collect(),
            };
            s.extend(run);
        }
        w.add_sequence(format!("g{i}").as_bytes(), &s, 60).unwrap();
    }
    Reader::from_bytes(w.finish().unwrap().into_inner()).unwrap()
}

fn some_queries(r: &Reader, rng: &mut Rng) -> Vec<Query> {
    let mut out = vec![Query::new("A").unwrap(), Query::new("ACGT").unwrap()];
    let mut buf = Vec::new();
    // 511 and 512 (MAX_K): the kernel's funnel reads up to word w + 8, the
    // last word of padding but one.
    for k in [2, 5, 7, 12, 21, 31, 33, 64, 65, 130, 511, 512] {
        let i = rng.below(r.len() as u64) as usize;
        buf.clear();
        r.fetch(i, 0, r.sequence(i).unwrap().len(), &mut buf).unwrap();
        let text: String = if buf.len() >= k {
            let at = rng.below((buf.len() - k + 1) as u64) as usize;
            buf[at..at + k]
                .iter()
                .map(|&b| match b.to_ascii_uppercase() {
                    c @ (b'A' | b'C' | b'G' | b'T') => c as char,
                    _ => 'C',
                })
                .collect()
        } else {
            "ACGTAC".chars().cycle().take(k).collect()
        };
        out.push(Query::new(&text).unwrap());
    }
    out
}

/// The compiled shim, or `None` after printing why it cannot be built.
fn shim_or_skip(dir: &Path) -> Option<PathBuf> {
    build_shim(dir).map_err(|why| println!("skipped: {why}")).ok()
}

/// `generated` genomes 0 .. n, then the real genomes named, in 512-base
/// blocks.
fn readers(n: u64, real: &[&str]) -> Vec<(String, Reader)> {
    let mut out: Vec<(String, Reader)> = (0..n).map(|s| (format!("generated {s}"), generated(s))).collect();
    for name in real {
        let text = std::fs::read(testdata(name)).unwrap();
        out.push((name.to_string(), common::import(&text, ByteOrder::Little, 512)));
    }
    out
}

#[test]
fn emulated_kernel_equals_the_cpu_scan() {
    let dir = tempfile::tempdir().unwrap();
    let Some(exe) = shim_or_skip(dir.path()) else {
        return;
    };
    let mut rng = Rng(99);
    for (name, r) in &readers(4, REAL) {
        let q = some_queries(r, &mut rng);
        for (both, per) in [(false, false), (false, true), (true, false), (true, true)] {
            let opts = ScanOptions::default().set_both_strands(both).set_per_sequence(per);
            let input = KernelInput::new(r, &q, &opts).unwrap();
            let raw = emulate(&exe, dir.path(), &input);
            // Totals only: one count per pattern, whatever the sequence count.
            assert_eq!(raw.len(), if per { r.len() } else { 1 } * input.pattern_count());
            let got = input.counts(&raw, ScanPath::Gpu);
            let want = kmer::count(r, &q, &opts).unwrap();
            assert_eq!(got.kmers, want.kmers, "{name}, both strands {both}, per sequence {per}");
            if per {
                let oracle = naive::count(r, &q, both).unwrap();
                assert_eq!(got.kmers, oracle, "{name}, both strands {both}: naive");
            }
        }
    }
}

/// Degenerate queries (SPEC §14's IUPAC letters) and 0 to 3 mismatches:
/// a third of the letters of some exact queries swapped for a letter that
/// holds the base and more, with palindromes among them.
fn fuzzy_queries(r: &Reader, rng: &mut Rng) -> Vec<Query> {
    let mut out: Vec<Query> = ["W", "NN", "RY", "ANT", "TATAWAW", "GGNCC", "ACGTN"]
        .iter()
        .map(|t| Query::new(t).unwrap())
        .collect();
    for q in some_queries(r, rng).into_iter().filter(|q| q.k() <= 65) {
        let text: String = q
            .as_str()
            .chars()
            .map(|c| match (rng.below(3), c) {
                (0, 'A') => 'R',
                (0, 'C') => 'Y',
                (0, 'G') => 'K',
                (0, 'T') => 'W',
                (_, c) => c,
            })
            .collect();
        out.push(q);
        out.push(Query::new(&text).unwrap());
    }
    out
}

#[test]
fn emulated_kernel_equals_the_cpu_scan_with_iupac_letters_and_mismatches() {
    let dir = tempfile::tempdir().unwrap();
    let Some(exe) = shim_or_skip(dir.path()) else {
        return;
    };
    let mut rng = Rng(17);
    for (name, r) in &readers(3, &REAL[..1]) {
        let q = fuzzy_queries(r, &mut rng);
        for m in 0..=kmer::MAX_MISMATCHES {
            for (both, per) in [(false, true), (true, false), (true, true)] {
                let opts = ScanOptions::default()
                    .set_both_strands(both)
                    .set_per_sequence(per)
                    .set_mismatches(m);
                let input = KernelInput::new(r, &q, &opts).unwrap();
                let got = input.counts(&emulate(&exe, dir.path(), &input), ScanPath::Gpu);
                let want = kmer::count(r, &q, &opts).unwrap();
                assert_eq!(
                    got.kmers, want.kmers,
                    "{name}, {m} mismatches, both strands {both}, per sequence {per}"
                );
                if per && !both {
                    let oracle = naive::count_with_mismatches(r, &q, both, m as usize).unwrap();
                    assert_eq!(got.kmers, oracle, "{name}, {m} mismatches: naive");
                }
            }
        }
    }
}

/// As `with_code_6_at` in tests/kmer.rs: `ACGTNACGTACGTAAC` in one block
/// (planes of 64 bytes) with code 6 (planes 0, 1, 2 = 0, 1, 1) at block
/// position `p`, resealed; p ≥ 17 is padding.
fn with_code_6_at(p: usize) -> Reader {
    let mut w = WriterBuilder::default()
        .set_block_bases(512)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    w.add_sequence(b"s0", b"ACGTNACGTACGTAAC", 60).unwrap();
    let mut b = w.finish().unwrap().into_inner();
    let (blocks, _) = common::section(&b, kind::BLOCKS);
    let plane = 64usize;
    b[blocks + p / 8] &= !(1 << (p % 8));
    b[blocks + plane + p / 8] |= 1 << (p % 8);
    b[blocks + 2 * plane + p / 8] |= 1 << (p % 8);
    common::reseal(&mut b);
    Reader::from_bytes(b).unwrap()
}

#[test]
fn a_reference_escape_is_unsupported_on_the_gpu_path_too() {
    // SPEC §14: the GPU path gathers the planes on the host and refuses
    // code 6 there, with the CPU's error, rather than count it as a
    // non-match on the device.
    let r = with_code_6_at(2);
    let q = [Query::new("AC").unwrap()];
    let opts = ScanOptions::default();
    let gpu = KernelInput::new(&r, &q, &opts).err().expect("code 6 must be refused");
    let cpu = kmer::count(&r, &q, &opts).unwrap_err();
    assert_eq!(gpu.kind(), ErrorKind::Unsupported);
    assert!(gpu.to_string().contains("s0 position 2 is reference-escaped"), "{gpu}");
    assert_eq!(gpu.to_string(), cpu.to_string());
}

#[test]
fn code_6_in_the_padding_is_not_read() {
    // Padding past the end of the stream (SPEC §5 [B1]) is not a code.
    let dir = tempfile::tempdir().unwrap();
    let exe = build_shim(dir.path());
    for p in [17, 100, 511] {
        let r = with_code_6_at(p);
        let q = [Query::new("AC").unwrap(), Query::new("C").unwrap()];
        let opts = ScanOptions::default().set_per_sequence(true);
        let input = KernelInput::new(&r, &q, &opts).unwrap();
        match &exe {
            Ok(exe) => {
                let got = input.counts(&emulate(exe, dir.path(), &input), ScanPath::Gpu);
                assert_eq!(got.kmers, naive::count(&r, &q, false).unwrap(), "padding at {p}");
            }
            Err(why) => println!("not emulated: {why}"),
        }
    }
}

#[test]
fn records_out_of_stream_order_are_refused_before_the_gpu() {
    // SPEC §6.1 [R1]: the kernel maps positions to sequences by the record
    // starts, so a first record that starts late is a format error.
    let mut w = WriterBuilder::default()
        .set_block_bases(512)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    w.add_sequence(b"a", b"ACGTACGTAC", 60).unwrap();
    let mut b = w.finish().unwrap().into_inner();
    let (index, _) = common::section(&b, kind::SEQUENCE_INDEX);
    let field = |b: &mut [u8], at: usize, delta: i64| {
        let v = u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
        b[at..at + 8].copy_from_slice(&v.wrapping_add(delta as u64).to_le_bytes());
    };
    field(&mut b, index + 64, 3); // start 0 -> 3
    field(&mut b, index + 64 + 8, -3); // length 10 -> 7: still inside the stream
    common::reseal(&mut b);
    let r = Reader::from_bytes(b).unwrap();
    let e = KernelInput::new(&r, &[Query::new("AC").unwrap()], &ScanOptions::default())
        .err()
        .expect("[R1] must be checked");
    assert_eq!(e.kind(), ErrorKind::Format);
    assert!(e.to_string().contains("[R1]"), "{e}");
}

#[test]
fn a_huge_stream_len_is_refused_before_the_planes_are_allocated() {
    // 1000 blocks of 512 positions, then the header claims blocks of
    // 4,294,966,784 positions (the largest B) and a stream that fills them:
    // 4.3e12 positions, 1.6 TB of planes. The blocks do not bear that out
    // (SPEC §5.1 [BI4]), which is found before anything is allocated.
    let seq = vec![b'A'; 1000 * 512 - 1];
    let mut w = WriterBuilder::default()
        .set_block_bases(512)
        .build(Cursor::new(Vec::new()))
        .unwrap();
    w.add_sequence(b"a", &seq, 60).unwrap();
    let mut b = w.finish().unwrap().into_inner();
    // Hide NONACGT_SUMMARY (optional) as a private kind: its length would
    // have to follow the new stream_len.
    let dir = u64::from_le_bytes(b[32..40].try_into().unwrap()) as usize;
    let count = u32::from_le_bytes(b[40..44].try_into().unwrap()) as usize;
    for e in (0..count).map(|i| dir + 48 * i) {
        if u32::from_le_bytes(b[e..e + 4].try_into().unwrap()) == kind::NONACGT_SUMMARY {
            b[e..e + 4].copy_from_slice(&0x8000_0001u32.to_le_bytes());
        }
    }
    let (index, _) = common::section(&b, kind::SEQUENCE_INDEX);
    let big_b: u32 = 4_294_966_784;
    let stream_len = 999 * big_b as u64 + 1; // block_count stays 1000
    b[index + 8..index + 16].copy_from_slice(&stream_len.to_le_bytes());
    b[index + 16..index + 20].copy_from_slice(&big_b.to_le_bytes());
    // The record spans the stream, so SPEC §6.1 [R1] holds and only the
    // blocks can tell.
    b[index + 64 + 8..index + 64 + 16].copy_from_slice(&(stream_len - 1).to_le_bytes());
    common::reseal(&mut b);
    let r = Reader::from_bytes(b).unwrap();
    assert_eq!(r.index_header().unwrap().stream_len, stream_len);
    let q = [Query::new("AC").unwrap()];
    let e = KernelInput::new(&r, &q, &ScanOptions::default())
        .err()
        .expect("the blocks do not hold that stream");
    assert_eq!(e.kind(), ErrorKind::Format, "{e}");
    assert!(e.to_string().contains("block 0"), "{e}");
    // The CPU scan refuses it too.
    let e = kmer::count(&r, &q, &ScanOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Format, "{e}");
}

#[cfg(feature = "cuda")]
#[test]
fn nvrtc_compiles_the_kernel() {
    match tribit::kmer::kernel::compile_ptx() {
        Ok(ptx) => {
            assert!(ptx.contains(".entry tribit_kmer_count"), "{ptx}");
            println!("NVRTC compiled the kernel: {} bytes of PTX", ptx.len());
        }
        Err(why) if why.contains("cannot be loaded") => kmer::skip_unless_gpu_required(&why),
        Err(why) => panic!("{why}"),
    }
}

#[test]
fn gpu_counts_equal_the_cpu_scan() {
    if let Err(why) = kmer::gpu_available() {
        return kmer::skip_unless_gpu_required(&format!("no GPU: {why}"));
    }
    let mut rng = Rng(5);
    for name in REAL {
        let text = std::fs::read(testdata(name)).unwrap();
        let r = common::import(&text, ByteOrder::Little, 1 << 14);
        let q = some_queries(&r, &mut rng);
        for (both, per) in [(false, false), (false, true), (true, false), (true, true)] {
            let cpu = ScanOptions::default().set_both_strands(both).set_per_sequence(per);
            let gpu = cpu.clone().set_device(kmer::Device::Gpu);
            let want = kmer::count(&r, &q, &cpu).unwrap();
            let got = kmer::count(&r, &q, &gpu).unwrap();
            assert_eq!(got.path, ScanPath::Gpu);
            assert_eq!(got.kmers, want.kmers, "{name}, both strands {both}, per sequence {per}");
        }
        let q = fuzzy_queries(&r, &mut rng);
        for m in 0..=kmer::MAX_MISMATCHES {
            let cpu = ScanOptions::default().set_both_strands(true).set_mismatches(m);
            let gpu = cpu.clone().set_device(kmer::Device::Gpu);
            let got = kmer::count(&r, &q, &gpu).unwrap();
            assert_eq!(
                got.kmers,
                kmer::count(&r, &q, &cpu).unwrap().kmers,
                "{name}, {m} mismatches"
            );
        }
    }
    println!("GPU counts equal the CPU's on every real genome");
}

/// `TRIBIT_REQUIRE_GPU=1` turns the GPU test's skip into a failure that
/// says why; without it the same test skips and says why. (Runs this test
/// binary's own GPU test in a child process.)
#[test]
fn require_gpu_turns_a_skip_into_a_failure() {
    let exe = std::env::current_exe().unwrap();
    let run = |require: bool| {
        let mut c = Command::new(&exe);
        c.args([
            "--exact",
            "gpu_counts_equal_the_cpu_scan",
            "--nocapture",
            "--test-threads=1",
        ]);
        if require {
            c.env("TRIBIT_REQUIRE_GPU", "1");
        } else {
            c.env_remove("TRIBIT_REQUIRE_GPU");
        }
        let out = c.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, text) = run(true);
    match kmer::gpu_available() {
        Ok(device) => assert!(ok, "GPU {device} present, the test must pass: {text}"),
        Err(why) => {
            assert!(!ok, "no GPU ({why}), yet the required GPU test passed: {text}");
            assert!(
                text.contains("TRIBIT_REQUIRE_GPU is set") && text.contains("no GPU"),
                "{text}"
            );
            let (ok, text) = run(false);
            assert!(ok, "{text}");
            assert!(text.contains("skipped: no GPU"), "{text}");
        }
    }
}
