//! Seeded generator of a tranSMART-shaped expression CSV (std only).
//!
//! The shape is GEO GSE24080 as tranSMART stores it (one row per patient and
//! Affymetrix HG-U133 Plus 2 probeset): 559 patients x 54,675 probesets =
//! 30,563,325 rows by default, about 57 bytes per row, ~1.76 GB:
//!
//! ```text
//! TRIAL_NAME,PATIENT_ID,GENE_SYMBOL,PROBESET_ID,RAW,LOG,ZSCORE
//! GSE24080,1000001,KLF7,200000_s_at,1234.56,10.2698,0.4821
//! ```
//!
//! * rows are ordered by patient, then probeset (the same probeset order
//!   for every patient), so each patient owns one contiguous run of rows;
//! * `TRIAL_NAME` is the constant `GSE24080`;
//! * `PATIENT_ID` is an integer, 1000001, 1000002, ... (one per patient);
//! * `PROBESET_ID` is unique per probeset, Affymetrix-style (`1007_s_at`,
//!   `200000_at`, `1552256_a_at`, ...);
//! * `GENE_SYMBOL` comes from a pool of gene-like symbols (20,000 at full
//!   scale, proportionally fewer for fewer probesets), so several probesets
//!   share a gene; never empty;
//! * `RAW` is a positive, log-normal-ish intensity with 2 decimals
//!   (per-probeset mean and spread, a small per-patient offset), `LOG` is
//!   log2 of the printed RAW with 4 decimals, `ZSCORE` is
//!   (LOG - probeset mean) / probeset spread with 4 decimals.
//!
//! Usage:
//!
//! ```text
//! cargo run --release --example gen_transmart -- [options] -o OUT.csv
//!   -o, --output FILE    CSV output ('-' = stdout; default '-')
//!   --patients N         number of patients (default 559)
//!   --probesets M        number of probesets (default 54675)
//!   --seed S             PRNG seed (default 24080)
//!   -q, --quiet          no summary line on stderr
//! ```
//!
//! Determinism: the output is a function of (patients, probesets, seed):
//! the PRNG is splitmix64 and numbers are formatted by integer arithmetic;
//! the floating-point values go through `ln`/`exp2`/`log2`/`cos`, so a
//! platform whose libm rounds differently could in rare cases print a last
//! digit differently. The per-probeset data (gene, id, mean, spread) do not
//! depend on `--patients`.
//!
//! Speed: one thread, a 16 MiB `BufWriter`, hand-written fixed-point
//! formatting: the full-scale file takes a few seconds of CPU (plus the
//! time the disk or page cache needs to take 1.76 GB).

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::exit;
use std::time::Instant;

use clap::Parser;

/// splitmix64.
struct Rng(u64);

impl Rng {
    #[inline]
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    #[inline]
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform in [0, n).
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
}

/// Standard normal deviates by Box-Muller, two at a time.
struct Normal {
    rng: Rng,
    spare: Option<f64>,
}

impl Normal {
    #[inline]
    fn next(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = 1.0 - self.rng.unit(); // (0, 1]
        let u2 = self.rng.unit();
        let r = (-2.0 * u1.ln()).sqrt();
        let t = std::f64::consts::TAU * u2;
        self.spare = Some(r * t.sin());
        r * t.cos()
    }
}

/// Seeded generator of a tranSMART-shaped (GEO GSE24080) expression CSV.
#[derive(Parser)]
#[command(name = "gen_transmart")]
struct Opts {
    /// CSV output ('-' = stdout).
    #[arg(short, long, default_value = "-")]
    output: String,
    /// Number of patients.
    #[arg(long, default_value_t = 559, value_parser = clap::value_parser!(u64).range(1..))]
    patients: u64,
    /// Number of probesets.
    #[arg(long, default_value_t = 54_675, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    probesets: u64,
    /// PRNG seed.
    #[arg(long, default_value_t = 24080)]
    seed: u64,
    /// No summary line on stderr.
    #[arg(short, long)]
    quiet: bool,
}

fn die(msg: &str) -> ! {
    eprintln!("gen_transmart: {msg}");
    exit(2)
}

/// A pool of distinct gene-like symbols (`KLF7`, `ZNF384`, `CDKN2A`, ...).
fn gene_pool(n: usize, rng: &mut Rng) -> Vec<String> {
    const PREFIXES: [&str; 40] = [
        "ZNF", "KLF", "SLC", "CD", "TP", "BRCA", "MAPK", "CDK", "HOX", "IL", "TNF", "KRT", "COL", "RPL", "RPS", "ATP",
        "NDUF", "PSM", "HLA", "GPR", "OR", "TMEM", "FAM", "CCDC", "KIAA", "ABC", "ADAM", "WNT", "SOX", "FOX", "PAX",
        "MYO", "KCN", "SCN", "CACN", "PRKC", "RAB", "ARHGEF", "DNAJ", "USP",
    ];
    const LETTERS: &[u8; 26] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut seen = HashSet::with_capacity(n * 2);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let mut s = String::with_capacity(8);
        if rng.below(3) == 0 {
            // Free-form symbol: 3-5 letters.
            let len = 3 + rng.below(3);
            for _ in 0..len {
                s.push(LETTERS[rng.below(26) as usize] as char);
            }
        } else {
            s.push_str(PREFIXES[rng.below(PREFIXES.len() as u64) as usize]);
        }
        // A number, sometimes with a letter after it (CDKN2A-like).
        let range = if rng.below(2) == 0 { 400 } else { 30 };
        let num = 1 + rng.below(range);
        s.push_str(&num.to_string());
        if rng.below(4) == 0 {
            s.push(LETTERS[rng.below(26) as usize] as char);
        }
        if seen.insert(s.clone()) {
            out.push(s);
        }
    }
    out
}

/// Probeset `i`'s identifier: a number unique to `i` and an Affymetrix
/// suffix, so the identifiers are distinct.
fn probeset_id(i: u64, m: u64, rng: &mut Rng) -> String {
    let small = (m / 100).max(1); // 1007_s_at, 1053_at, ...
    let new = m * 28 / 100; // 1552256_a_at, ...
    let n = if i < small {
        1000 + 7 * i
    } else if i < small + new {
        1_552_256 + (i - small)
    } else {
        200_000 + (i - small - new)
    };
    let suffix = match rng.below(100) {
        0..=59 => "_at",
        60..=79 => "_s_at",
        80..=91 => "_a_at",
        92..=96 => "_x_at",
        _ => "_g_at",
    };
    format!("{n}{suffix}")
}

/// Appends `v` rounded to `decimals` (1..=6) decimals, fixed point.
#[inline]
fn put_fixed(out: &mut Vec<u8>, v: f64, decimals: u32) {
    let scale = 10i64.pow(decimals);
    let mut q = (v * scale as f64).round() as i64;
    if q < 0 {
        out.push(b'-');
        q = -q;
    }
    put_uint(out, (q / scale) as u64);
    out.push(b'.');
    let mut frac = (q % scale) as u64;
    let mut buf = [b'0'; 8];
    for k in (0..decimals as usize).rev() {
        buf[k] = b'0' + (frac % 10) as u8;
        frac /= 10;
    }
    out.extend_from_slice(&buf[..decimals as usize]);
}

#[inline]
fn put_uint(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut k = buf.len();
    loop {
        k -= 1;
        buf[k] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[k..]);
}

struct Probe {
    /// `GENE,PROBESET,` ready to copy.
    text: Vec<u8>,
    /// Mean and spread of log2(RAW).
    mu: f64,
    sd: f64,
}

fn main() {
    let o = Opts::parse();
    let t0 = Instant::now();
    let mut rng = Rng(o.seed ^ 0x5452_414E_534D_4152); // "TRANSMAR"
    let pool = ((o.probesets as u128 * 20_000).div_ceil(54_675) as usize).clamp(1, 20_000);
    let genes = gene_pool(pool, &mut rng);
    let probes: Vec<Probe> = (0..o.probesets)
        .map(|i| {
            let id = probeset_id(i, o.probesets, &mut rng);
            // Each gene gets its first probeset in pool order, then random
            // ones: several probesets per gene, every gene used when
            // there are enough probesets.
            let g = if (i as usize) < genes.len() {
                i as usize
            } else {
                rng.below(genes.len() as u64) as usize
            };
            let mut text = Vec::with_capacity(24);
            text.extend_from_slice(genes[g].as_bytes());
            text.push(b',');
            text.extend_from_slice(id.as_bytes());
            text.push(b',');
            Probe {
                text,
                mu: 5.0 + 8.0 * rng.unit(),
                sd: 0.2 + 1.3 * rng.unit(),
            }
        })
        .collect();

    let sink: Box<dyn Write> = if o.output == "-" {
        Box::new(io::stdout().lock())
    } else {
        Box::new(File::create(&o.output).unwrap_or_else(|e| die(&format!("cannot create {}: {e}", o.output))))
    };
    let mut out = BufWriter::with_capacity(16 << 20, sink);
    let mut normal = Normal {
        rng: Rng(o.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xA5A5),
        spare: None,
    };
    let io_fail = |e: io::Error| -> ! {
        if e.kind() == io::ErrorKind::BrokenPipe {
            exit(0)
        }
        eprintln!("gen_transmart: cannot write {}: {e}", o.output);
        exit(1)
    };
    const HEADER: &[u8] = b"TRIAL_NAME,PATIENT_ID,GENE_SYMBOL,PROBESET_ID,RAW,LOG,ZSCORE\n";
    out.write_all(HEADER).unwrap_or_else(|e| io_fail(e));
    let mut bytes = HEADER.len() as u64;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    for p in 0..o.patients {
        let mut prefix = b"GSE24080,".to_vec();
        put_uint(&mut prefix, 1_000_001 + p);
        prefix.push(b',');
        let offset = 0.15 * normal.next();
        for pr in &probes {
            let z = normal.next();
            let raw = (pr.mu + offset + pr.sd * z).exp2();
            // RAW as printed (2 decimals, at least 0.01); LOG from that value.
            let cents = (raw * 100.0).round().max(1.0);
            let raw_printed = cents / 100.0;
            let log = raw_printed.log2();
            let zscore = (log - pr.mu) / pr.sd;
            buf.extend_from_slice(&prefix);
            buf.extend_from_slice(&pr.text);
            put_uint(&mut buf, cents as u64 / 100);
            buf.push(b'.');
            let c = cents as u64 % 100;
            buf.push(b'0' + (c / 10) as u8);
            buf.push(b'0' + (c % 10) as u8);
            buf.push(b',');
            put_fixed(&mut buf, log, 4);
            buf.push(b',');
            put_fixed(&mut buf, zscore, 4);
            buf.push(b'\n');
            if buf.len() >= (1 << 20) - 256 {
                out.write_all(&buf).unwrap_or_else(|e| io_fail(e));
                bytes += buf.len() as u64;
                buf.clear();
            }
        }
    }
    out.write_all(&buf).unwrap_or_else(|e| io_fail(e));
    bytes += buf.len() as u64;
    out.flush().unwrap_or_else(|e| io_fail(e));
    if !o.quiet {
        let rows = o.patients * o.probesets;
        let secs = t0.elapsed().as_secs_f64();
        eprintln!(
            "gen_transmart: {} patients x {} probesets = {rows} rows, {} genes, {bytes} bytes ({:.1} bytes/row), seed {}, {secs:.2} s ({:.0} MB/s) -> {}",
            o.patients,
            o.probesets,
            genes.len(),
            bytes as f64 / rows as f64,
            o.seed,
            bytes as f64 / secs.max(1e-9) / 1e6,
            o.output
        );
    }
}
