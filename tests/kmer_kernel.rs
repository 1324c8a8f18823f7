//! The GPU kernel (src/kmer/kernel.cu) without a GPU, and with one:
//!
//! - its logic on the CPU: kernel_shim.cpp compiled with the system C++
//!   compiler (found by the `cc` crate), fed the same `KernelInput` the GPU
//!   path copies to the device, compared with the CPU scan;
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
use tribit::kmer::{self, Query, ScanOptions, ScanPath};
use tribit::{Reader, WriterBuilder};

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
    for k in [2, 5, 7, 12, 21, 31, 33, 64, 65, 130] {
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

#[test]
fn emulated_kernel_equals_the_cpu_scan() {
    let dir = tempfile::tempdir().unwrap();
    let exe = match build_shim(dir.path()) {
        Ok(e) => e,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let mut readers: Vec<(String, Reader)> = (0..4).map(|s| (format!("generated {s}"), generated(s))).collect();
    for name in REAL {
        let text = std::fs::read(testdata(name)).unwrap();
        readers.push((name.to_string(), common::import(&text, ByteOrder::Little, 512)));
    }
    let mut rng = Rng(99);
    for (name, r) in &readers {
        let q = some_queries(r, &mut rng);
        for both in [false, true] {
            let opts = ScanOptions::default().set_both_strands(both).set_per_sequence(true);
            let input = KernelInput::new(r, &q, &opts).unwrap();
            let got = input.counts(&emulate(&exe, dir.path(), &input), ScanPath::Gpu);
            let want = kmer::count(r, &q, &opts).unwrap();
            assert_eq!(got.kmers, want.kmers, "{name}, both strands {both}");
        }
    }
}

#[cfg(feature = "cuda")]
#[test]
fn nvrtc_compiles_the_kernel() {
    match tribit::kmer::kernel::compile_ptx() {
        Ok(ptx) => {
            assert!(ptx.contains(".entry tribit_kmer_count"), "{ptx}");
            println!("NVRTC compiled the kernel: {} bytes of PTX", ptx.len());
        }
        Err(why) if why.contains("cannot be loaded") => println!("skipped: {why}"),
        Err(why) => panic!("{why}"),
    }
}

#[cfg(not(feature = "cuda"))]
#[test]
fn nvrtc_compiles_the_kernel() {
    println!("skipped: built without the `cuda` feature (cargo test --features cuda)");
}

#[test]
fn gpu_counts_equal_the_cpu_scan() {
    if let Err(why) = kmer::gpu_available() {
        println!("skipped: no GPU: {why}");
        return;
    }
    let mut rng = Rng(5);
    for name in REAL {
        let text = std::fs::read(testdata(name)).unwrap();
        let r = common::import(&text, ByteOrder::Little, 1 << 14);
        let q = some_queries(&r, &mut rng);
        for both in [false, true] {
            let cpu = ScanOptions::default().set_both_strands(both).set_per_sequence(true);
            let gpu = cpu.clone().set_device(kmer::Device::Gpu);
            let want = kmer::count(&r, &q, &cpu).unwrap();
            let got = kmer::count(&r, &q, &gpu).unwrap();
            assert_eq!(got.path, ScanPath::Gpu);
            assert_eq!(got.kmers, want.kmers, "{name}, both strands {both}");
        }
    }
    println!("GPU counts equal the CPU's on every real genome");
}
