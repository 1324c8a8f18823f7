//! Seeded synthetic-genome generator (std only).
//!
//! Writes a FASTA genome shaped like GRCh38 (primary chromosomes chr1..chr22,
//! chrX, chrY with lengths proportional to GRCh38's, about 3.09 Gbases at
//! `--scale 1.0`), for tests and benchmarks of `tribit`:
//!
//! * about 5% `N`, in runs: telomeres at both ends, one large centromere-like
//!   gap per sequence, and many shorter gaps;
//! * about half of the non-N bases soft-masked (lowercase) in runs of
//!   50..5000 bp (log-uniform);
//! * rare IUPAC codes (R Y K M S W B D H V), about one per 1..5 Mbases;
//! * human-like composition (~41% GC) with repeat content: copies of a small
//!   seeded "repeat library" (Alu/L1-like families, 2-20% diverged, either
//!   strand), tandem repeats (micro- and minisatellites) and local segmental
//!   duplications of recently generated sequence;
//! * a description on some header lines (`>chr1 synthetic seed=42`).
//!
//! Usage:
//!
//! ```text
//! cargo run --release --example gen_genome -- [options] -o OUT.fa
//!   -o, --output FILE      FASTA output ('-' = stdout); may be omitted when
//!                          only --regions-out is wanted
//!   --seed N               PRNG seed (default 42)
//!   --scale F              total = F * 3,088,269,832 bases (default 1.0)
//!   --bases N              total bases directly (overrides --scale)
//!   --line-width N         bases per line (default 60; 0 = one line per seq)
//!   --regions N            number of random regions to write (default 0)
//!   --regions-out FILE     where to write them ('-' = stdout), one
//!                          `name:start-end` (1-based, inclusive) per line
//!   --region-len L         length of each region (default 100)
//!   -q, --quiet            no summary line on stderr
//! ```
//!
//! Determinism: the output is a pure function of (`--seed`, the sequence
//! lengths implied by `--scale`/`--bases`, `--line-width`); two runs with the
//! same options produce byte-identical files on any platform (integer-only
//! PRNG, fixed-size generation chunks, no threads, no hashing of addresses,
//! floating point only in IEEE-exact operations plus `ln`/`exp` whose results
//! are only used through truncation to integers). The sequence *content* does
//! not depend on `--line-width` (only the layout does), and the regions file
//! depends only on the seed, the sequence lengths, `--regions` and
//! `--region-len` (not on the FASTA content), so it can be generated on its
//! own.
//!
//! Memory is constant (a few MB): sequence is generated in 1 MiB chunks and
//! written through a 4 MiB `BufWriter`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::exit;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread;
use std::time::Instant;

/// GRCh38 primary-assembly chromosome lengths (chrM excluded).
const GRCH38: [(&str, u64); 24] = [
    ("chr1", 248_956_422),
    ("chr2", 242_193_529),
    ("chr3", 198_295_559),
    ("chr4", 190_214_555),
    ("chr5", 181_538_259),
    ("chr6", 170_805_979),
    ("chr7", 159_345_973),
    ("chr8", 145_138_636),
    ("chr9", 138_394_717),
    ("chr10", 133_797_422),
    ("chr11", 135_086_622),
    ("chr12", 133_275_309),
    ("chr13", 114_364_328),
    ("chr14", 107_043_718),
    ("chr15", 101_991_189),
    ("chr16", 90_338_345),
    ("chr17", 83_257_441),
    ("chr18", 80_373_285),
    ("chr19", 58_617_616),
    ("chr20", 64_444_167),
    ("chr21", 46_709_983),
    ("chr22", 50_818_468),
    ("chrX", 156_040_895),
    ("chrY", 57_227_415),
];

/// Bases generated per chunk (independent of the line width).
const CHUNK: usize = 1 << 20;
/// History kept for local segmental duplications.
const RING: usize = 1 << 20;
const IUPAC: &[u8; 10] = b"RYKMSWBDHV";

// ---------------------------------------------------------------- PRNG

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** seeded through splitmix64 from (seed, stream id).
#[derive(Clone)]
struct Rng {
    s: [u64; 4],
}

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut sm = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [0u64; 4];
        for x in &mut s {
            *x = splitmix64(&mut sm);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    #[inline(always)]
    fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, n) (Lemire's multiply-shift; bias < 2^-32 for our n).
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in [lo, hi] (inclusive).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in [0, 1), 53 bits.
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Log-uniform integer in [lo, hi].
    fn log_uniform(&mut self, lo: u64, hi: u64) -> u64 {
        let lo = lo.max(1);
        if hi <= lo {
            return lo;
        }
        let (a, b) = ((lo as f64).ln(), ((hi + 1) as f64).ln());
        let v = (a + self.f64() * (b - a)).exp() as u64;
        v.clamp(lo, hi)
    }

    /// Number of failures before the first success, success prob p.
    fn geometric(&mut self, p: f64) -> u64 {
        if p <= 0.0 {
            return u64::MAX;
        }
        if p >= 1.0 {
            return 0;
        }
        let u = 1.0 - self.f64(); // (0, 1]
        let g = u.ln() / (1.0 - p).ln();
        if g >= 1e18 {
            u64::MAX / 2
        } else {
            g as u64
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
}

// ---------------------------------------------------------------- bases

/// Byte -> base with human-like composition: A,T 76/256 (29.7%), C,G 52/256
/// (20.3%), i.e. ~40.6% GC.
const fn base_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if i < 76 {
            b'A'
        } else if i < 128 {
            b'C'
        } else if i < 180 {
            b'G'
        } else {
            b'T'
        };
        i += 1;
    }
    t
}
static BASES: [u8; 256] = base_table();

/// Fill `out` with random bases, 8 bases per 64-bit word.
#[inline]
fn fill_random(rng: &mut Rng, out: &mut [u8]) {
    let mut chunks = out.chunks_exact_mut(8);
    for c in &mut chunks {
        let w = rng.next_u64().to_le_bytes();
        for k in 0..8 {
            c[k] = BASES[w[k] as usize];
        }
    }
    let rem = chunks.into_remainder();
    if !rem.is_empty() {
        let w = rng.next_u64().to_le_bytes();
        for (k, b) in rem.iter_mut().enumerate() {
            *b = BASES[w[k] as usize];
        }
    }
}

fn random_base(rng: &mut Rng) -> u8 {
    BASES[(rng.next_u64() >> 56) as usize]
}

fn complement(b: u8) -> u8 {
    match b {
        b'A' => b'T',
        b'C' => b'G',
        b'G' => b'C',
        b'T' => b'A',
        x => x,
    }
}

// ---------------------------------------------------------------- content

enum Seg {
    /// Unique sequence.
    Random,
    /// Copy of `src` (a repeat-library fragment or earlier sequence) with
    /// substitutions; `next_mut` is the offset of the next substitution.
    Copy { pos: usize, rate: f64, next_mut: u64 },
    /// Tandem repeat of `unit[..ulen]`.
    Tandem {
        ulen: usize,
        phase: usize,
        rate: f64,
        next_mut: u64,
    },
}

/// Streaming sequence-content generator (upper-case ACGT only).
struct Content {
    rng: Rng,
    seg: Seg,
    remaining: u64,
    src: Vec<u8>,
    unit: [u8; 64],
    library: Vec<Vec<u8>>,
    ring: Vec<u8>,
    ring_pos: usize,
    ring_filled: usize,
}

impl Content {
    fn new(seed: u64) -> Content {
        let mut lib_rng = Rng::new(seed, 1);
        let mut library = Vec::new();
        // ~40 SINE-like families (~300 bp) and ~12 LINE-like (1-6 kb).
        for i in 0..52 {
            let len = if i < 40 {
                lib_rng.range(250, 350) as usize
            } else {
                lib_rng.range(1000, 6000) as usize
            };
            let mut v = vec![0u8; len];
            fill_random(&mut lib_rng, &mut v);
            if i < 40 {
                // poly-A tail, like Alu
                let tail = lib_rng.range(10, 30) as usize;
                v.resize(v.len() + tail, b'A');
            }
            library.push(v);
        }
        Content {
            rng: Rng::new(seed, 2),
            seg: Seg::Random,
            remaining: 0,
            src: Vec::with_capacity(8192),
            unit: [b'A'; 64],
            library,
            ring: vec![b'A'; RING],
            ring_pos: 0,
            ring_filled: 0,
        }
    }

    fn new_segment(&mut self) {
        let r = self.rng.below(100);
        if r < 52 {
            self.seg = Seg::Random;
            self.remaining = self.rng.log_uniform(50, 8000);
        } else if r < 87 {
            // interspersed repeat: fragment of a library family
            let fam = if self.rng.chance(0.7) {
                self.rng.below(40)
            } else {
                40 + self.rng.below(12)
            } as usize;
            let f = &self.library[fam];
            let len = if self.rng.chance(0.5) {
                f.len()
            } else {
                self.rng.range(50.min(f.len() as u64), f.len() as u64) as usize
            };
            let start = self.rng.below((f.len() - len + 1) as u64) as usize;
            self.src.clear();
            self.src.extend_from_slice(&f[start..start + len]);
            let rate = 0.02 + 0.18 * self.rng.f64();
            self.start_copy(rate);
        } else if r < 95 || self.ring_filled < 10_000 {
            // tandem repeat
            let ulen = if self.rng.chance(0.7) {
                self.rng.range(1, 6)
            } else {
                self.rng.range(7, 64)
            } as usize;
            fill_random(&mut self.rng, &mut self.unit[..ulen]);
            let total = self.rng.log_uniform(20, 3000).max(2 * ulen as u64);
            let rate = if self.rng.chance(0.5) {
                0.0
            } else {
                0.05 * self.rng.f64()
            };
            let next_mut = self.rng.geometric(rate);
            self.seg = Seg::Tandem {
                ulen,
                phase: 0,
                rate,
                next_mut,
            };
            self.remaining = total;
        } else {
            // local segmental duplication from recent history
            let len = self.rng.log_uniform(100, 8000).min(self.ring_filled as u64 / 2) as usize;
            let back = self.rng.range(len as u64, self.ring_filled as u64) as usize;
            let start = (self.ring_pos + RING - back) % RING;
            self.src.clear();
            for i in 0..len {
                self.src.push(self.ring[(start + i) % RING]);
            }
            let rate = 0.001 + 0.05 * self.rng.f64();
            self.start_copy(rate);
        }
        if self.remaining == 0 {
            self.seg = Seg::Random;
            self.remaining = 1;
        }
    }

    fn start_copy(&mut self, rate: f64) {
        if self.rng.chance(0.5) {
            self.src.reverse();
            for b in &mut self.src {
                *b = complement(*b);
            }
        }
        let next_mut = self.rng.geometric(rate);
        self.seg = Seg::Copy { pos: 0, rate, next_mut };
        self.remaining = self.src.len() as u64;
    }

    /// Fill `out` with the next bases of the stream.
    fn fill(&mut self, out: &mut [u8]) {
        let mut i = 0;
        while i < out.len() {
            if self.remaining == 0 {
                self.new_segment();
            }
            let m = (self.remaining.min((out.len() - i) as u64)) as usize;
            let dst = &mut out[i..i + m];
            match &mut self.seg {
                Seg::Random => fill_random(&mut self.rng, dst),
                Seg::Copy { pos, rate, next_mut } => {
                    dst.copy_from_slice(&self.src[*pos..*pos + m]);
                    let mut k = *next_mut;
                    while k < m as u64 {
                        dst[k as usize] = random_base(&mut self.rng);
                        k += 1 + self.rng.geometric(*rate);
                    }
                    *next_mut = k - m as u64;
                    *pos += m;
                }
                Seg::Tandem {
                    ulen,
                    phase,
                    rate,
                    next_mut,
                } => {
                    let unit = &self.unit[..*ulen];
                    let mut p = *phase;
                    for b in dst.iter_mut() {
                        *b = unit[p];
                        p += 1;
                        if p == unit.len() {
                            p = 0;
                        }
                    }
                    *phase = p;
                    let mut k = *next_mut;
                    while k < m as u64 {
                        dst[k as usize] = random_base(&mut self.rng);
                        k += 1 + self.rng.geometric(*rate);
                    }
                    *next_mut = k - m as u64;
                }
            }
            self.remaining -= m as u64;
            i += m;
        }
        // remember history for segmental duplications
        let mut rest = &out[..];
        while !rest.is_empty() {
            let n = rest.len().min(RING - self.ring_pos);
            self.ring[self.ring_pos..self.ring_pos + n].copy_from_slice(&rest[..n]);
            self.ring_pos = (self.ring_pos + n) % RING;
            rest = &rest[n..];
        }
        self.ring_filled = (self.ring_filled + out.len()).min(RING);
    }
}

// ---------------------------------------------------------------- N gaps

/// Sorted, merged N intervals [start, end) for a sequence of length `len`.
fn n_gaps(seed: u64, idx: u64, len: u64) -> Vec<(u64, u64)> {
    let mut rng = Rng::new(seed, 100 + idx);
    let mut v: Vec<(u64, u64)> = Vec::new();
    // telomeres
    let tel = (len / 100).min(10_000);
    if tel > 0 {
        v.push((0, tel));
        v.push((len - tel, len));
    }
    // centromere-like gap: 2-3% of the sequence, 25-55% along it
    let cen = (len as f64 * (0.02 + 0.01 * rng.f64())) as u64;
    if cen > 0 {
        let start = (len as f64 * (0.25 + 0.30 * rng.f64())) as u64;
        v.push((start, (start + cen).min(len)));
    }
    // shorter gaps totalling ~2.5% of the sequence
    let budget = len / 40;
    let hi = (len / 200).clamp(1, 50_000);
    let lo = hi.min(50);
    let mut used = 0;
    while used < budget {
        let l = rng.log_uniform(lo, hi).min(budget - used).max(1);
        let s = rng.below(len - l + 1);
        v.push((s, s + l));
        used += l;
    }
    v.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        if s >= e {
            continue;
        }
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

// ---------------------------------------------------------------- options

struct Opts {
    output: Option<String>,
    seed: u64,
    scale: f64,
    bases: Option<u64>,
    line_width: usize,
    regions: u64,
    regions_out: Option<String>,
    region_len: u64,
    quiet: bool,
}

const USAGE: &str = "\
usage: gen_genome [options] -o OUT.fa
  -o, --output FILE      FASTA output ('-' = stdout); optional with --regions-out
  --seed N               PRNG seed (default 42)
  --scale F              total = F * 3,088,269,832 bases, GRCh38-shaped (default 1.0)
  --bases N              total bases directly (overrides --scale)
  --line-width N         bases per line (default 60; 0 = one line per sequence)
  --regions N            number of random regions to write (default 0)
  --regions-out FILE     file for the regions, one `name:start-end` per line
                         (1-based, inclusive; '-' = stdout)
  --region-len L         length of each region (default 100)
  -q, --quiet            no summary line on stderr
Same seed and options => byte-identical output.";

fn die(msg: &str) -> ! {
    eprintln!("gen_genome: {msg}\n{USAGE}");
    exit(2)
}

fn parse_num<T: std::str::FromStr>(opt: &str, v: &str) -> T {
    let clean: String = v.chars().filter(|&c| c != '_' && c != ',').collect();
    clean
        .parse()
        .unwrap_or_else(|_| die(&format!("invalid value for {opt}: {v:?}")))
}

fn parse_args() -> Opts {
    let mut o = Opts {
        output: None,
        seed: 42,
        scale: 1.0,
        bases: None,
        line_width: 60,
        regions: 0,
        regions_out: None,
        region_len: 100,
        quiet: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut val = || -> String {
            if let Some(v) = &inline {
                return v.clone();
            }
            i += 1;
            args.get(i)
                .cloned()
                .unwrap_or_else(|| die(&format!("{name} needs a value")))
        };
        match name.as_str() {
            "-o" | "--output" => o.output = Some(val()),
            "--seed" => o.seed = parse_num("--seed", &val()),
            "--scale" => o.scale = parse_num("--scale", &val()),
            "--bases" => o.bases = Some(parse_num("--bases", &val())),
            "--line-width" => o.line_width = parse_num("--line-width", &val()),
            "--regions" => o.regions = parse_num("--regions", &val()),
            "--regions-out" => o.regions_out = Some(val()),
            "--region-len" => o.region_len = parse_num("--region-len", &val()),
            "-q" | "--quiet" => o.quiet = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                exit(0)
            }
            _ => die(&format!("unknown argument {a:?}")),
        }
        i += 1;
    }
    if o.output.is_none() && o.regions_out.is_none() {
        die("need -o OUT.fa and/or --regions-out FILE");
    }
    if o.regions > 0 && o.regions_out.is_none() {
        die("--regions needs --regions-out FILE");
    }
    if !(o.scale > 0.0 && o.scale.is_finite()) {
        die("--scale must be > 0");
    }
    if o.region_len == 0 {
        die("--region-len must be > 0");
    }
    o
}

/// Sequence lengths: proportional to GRCh38, summing to `bases` exactly when
/// given, else `round(len * scale)` each (at least 1).
fn seq_lengths(o: &Opts) -> Vec<u64> {
    let total: u64 = GRCH38.iter().map(|c| c.1).sum();
    match o.bases {
        Some(n) => {
            if n < GRCH38.len() as u64 {
                die("--bases must be at least 24");
            }
            // floor of the exact proportional share, remainder to the
            // sequences in order (integer arithmetic only)
            let mut v: Vec<u64> = GRCH38
                .iter()
                .map(|c| ((c.1 as u128 * n as u128) / total as u128) as u64)
                .map(|l| l.max(1))
                .collect();
            let mut sum: u64 = v.iter().sum();
            let nseq = v.len();
            let mut k = 0;
            while sum < n {
                v[k % nseq] += 1;
                sum += 1;
                k += 1;
            }
            while sum > n {
                let j = k % nseq;
                if v[j] > 1 {
                    v[j] -= 1;
                    sum -= 1;
                }
                k += 1;
            }
            v
        }
        None => GRCH38
            .iter()
            .map(|c| ((c.1 as f64 * o.scale).round() as u64).max(1))
            .collect(),
    }
}

// ---------------------------------------------------------------- output

fn open_out(path: &str) -> Box<dyn Write + Send> {
    let w: Box<dyn Write + Send> = if path == "-" {
        Box::new(io::stdout())
    } else {
        Box::new(File::create(path).unwrap_or_else(|e| {
            eprintln!("gen_genome: cannot create {path}: {e}");
            exit(1)
        }))
    };
    Box::new(BufWriter::with_capacity(4 << 20, w))
}

/// Hands filled buffers to a writer thread so that generation (one core)
/// overlaps with the write system calls (the other); byte order is kept.
/// At most `PIPE_DEPTH + 2` buffers of `PIPE_BUF` bytes exist at any time.
struct Pipe {
    cur: Vec<u8>,
    tx: Option<SyncSender<Vec<u8>>>,
    free: Receiver<Vec<u8>>,
    handle: Option<thread::JoinHandle<io::Result<()>>>,
}

const PIPE_BUF: usize = 4 << 20;
const PIPE_DEPTH: usize = 2;

impl Pipe {
    fn new(mut inner: Box<dyn Write + Send>) -> Pipe {
        let (tx, rx) = sync_channel::<Vec<u8>>(PIPE_DEPTH);
        let (free_tx, free) = sync_channel::<Vec<u8>>(PIPE_DEPTH + 2);
        let handle = thread::spawn(move || -> io::Result<()> {
            for buf in rx {
                inner.write_all(&buf)?;
                let _ = free_tx.try_send(buf);
            }
            inner.flush()
        });
        Pipe {
            cur: Vec::with_capacity(PIPE_BUF),
            tx: Some(tx),
            free,
            handle: Some(handle),
        }
    }

    fn send(&mut self) -> io::Result<()> {
        let next = match self.free.try_recv() {
            Ok(mut b) => {
                b.clear();
                b
            }
            Err(_) => Vec::with_capacity(PIPE_BUF),
        };
        let full = std::mem::replace(&mut self.cur, next);
        if self.tx.as_ref().unwrap().send(full).is_err() {
            // the writer thread stopped: report its error
            return Err(self
                .finish()
                .err()
                .unwrap_or_else(|| io::Error::other("writer stopped")));
        }
        Ok(())
    }

    /// Write out everything and wait for the writer thread.
    fn finish(&mut self) -> io::Result<()> {
        if let Some(tx) = self.tx.take() {
            if !self.cur.is_empty() {
                let _ = tx.send(std::mem::take(&mut self.cur));
            }
        }
        match self.handle.take() {
            Some(h) => h.join().unwrap_or_else(|_| Err(io::Error::other("writer panicked"))),
            None => Ok(()),
        }
    }
}

impl Write for Pipe {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }
    fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let n = (PIPE_BUF - self.cur.len()).min(data.len());
            self.cur.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.cur.len() == PIPE_BUF {
                self.send()?;
            }
        }
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn io_fail(e: io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        exit(0);
    }
    eprintln!("gen_genome: write error: {e}");
    exit(1)
}

struct Stats {
    bases: u64,
    n: u64,
    lower: u64,
    iupac: u64,
}

fn write_fasta(o: &Opts, lens: &[u64], out: &mut dyn Write) -> io::Result<Stats> {
    let seed = o.seed;
    let mut content = Content::new(seed);
    let mut mask_rng = Rng::new(seed, 3);
    let mut iupac_rng = Rng::new(seed, 4);
    let mut mask_on = mask_rng.chance(0.5);
    let mut mask_left = mask_rng.log_uniform(50, 5000);
    // distance (in non-gap generated bases) to the next IUPAC code
    let mut iupac_left = iupac_rng.range(1_000_000, 5_000_000);
    let mut st = Stats {
        bases: 0,
        n: 0,
        lower: 0,
        iupac: 0,
    };

    let lw = o.line_width;
    let mut buf = vec![0u8; CHUNK];
    let mut obuf: Vec<u8> = Vec::with_capacity(CHUNK + CHUNK / lw.max(1) + 2);
    for (idx, (&(name, _), &len)) in GRCH38.iter().zip(lens).enumerate() {
        // header: a description on every third sequence and on chrX
        let mut header = format!(">{name}");
        if idx % 3 == 0 || name == "chrX" {
            header.push_str(&format!(" synthetic seed={seed}"));
        }
        header.push('\n');
        out.write_all(header.as_bytes())?;

        let gaps = n_gaps(seed, idx as u64, len);
        let mut gi = 0;
        let mut col = 0usize;
        let mut pos = 0u64;
        while pos < len {
            let n = ((len - pos) as usize).min(CHUNK);
            let b = &mut buf[..n];
            content.fill(b);
            // soft-masking runs
            let mut i = 0;
            while i < n {
                let m = (mask_left.min((n - i) as u64)) as usize;
                if mask_on {
                    for x in &mut b[i..i + m] {
                        *x |= 0x20;
                    }
                }
                mask_left -= m as u64;
                i += m;
                if mask_left == 0 {
                    mask_on = !mask_on;
                    mask_left = mask_rng.log_uniform(50, 5000);
                }
            }
            // IUPAC codes (count down over generated positions)
            let mut i = 0u64;
            while i + iupac_left < n as u64 {
                i += iupac_left;
                let x = &mut b[i as usize];
                let code = IUPAC[iupac_rng.below(IUPAC.len() as u64) as usize];
                *x = code | (*x & 0x20);
                st.iupac += 1;
                i += 1;
                iupac_left = iupac_rng.range(1_000_000, 5_000_000);
            }
            iupac_left -= n as u64 - i;
            // N gaps (upper case), overriding everything above
            let end = pos + n as u64;
            while gi < gaps.len() && gaps[gi].0 < end {
                let (s, e) = gaps[gi];
                let (s2, e2) = (s.max(pos), e.min(end));
                if s2 < e2 {
                    for x in &mut b[(s2 - pos) as usize..(e2 - pos) as usize] {
                        if *x & 0xDF != b'A' && *x & 0xDF != b'C' && *x & 0xDF != b'G' && *x & 0xDF != b'T' {
                            st.iupac -= 1; // an IUPAC code got covered
                        }
                        *x = b'N';
                    }
                    st.n += e2 - s2;
                }
                if e <= end {
                    gi += 1;
                } else {
                    break;
                }
            }
            st.lower += b.iter().map(|&x| (x >> 5 & 1) as u64).sum::<u64>();
            st.bases += n as u64;
            // line wrapping
            obuf.clear();
            if lw == 0 {
                obuf.extend_from_slice(b);
            } else {
                let mut rest: &[u8] = b;
                while !rest.is_empty() {
                    let take = (lw - col).min(rest.len());
                    obuf.extend_from_slice(&rest[..take]);
                    rest = &rest[take..];
                    col += take;
                    if col == lw {
                        obuf.push(b'\n');
                        col = 0;
                    }
                }
            }
            pos = end;
            if pos == len && (lw == 0 || col != 0) {
                obuf.push(b'\n');
            }
            out.write_all(&obuf)?;
        }
        if len == 0 {
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(st)
}

fn write_regions(o: &Opts, lens: &[u64], out: &mut dyn Write) -> io::Result<()> {
    let total: u64 = lens.iter().sum();
    let l = o.region_len;
    if o.regions > 0 && !lens.iter().any(|&x| x >= l) {
        eprintln!("gen_genome: no sequence is at least --region-len {l} long");
        exit(1);
    }
    let mut rng = Rng::new(o.seed, 5);
    let mut line = String::with_capacity(64);
    for _ in 0..o.regions {
        // uniform start over the genome, rejecting regions that overhang
        loop {
            let mut g = rng.below(total);
            let mut k = 0;
            while g >= lens[k] {
                g -= lens[k];
                k += 1;
            }
            if g + l <= lens[k] {
                line.clear();
                use std::fmt::Write as _;
                let _ = writeln!(line, "{}:{}-{}", GRCH38[k].0, g + 1, g + l);
                out.write_all(line.as_bytes())?;
                break;
            }
        }
    }
    out.flush()
}

fn main() {
    let o = parse_args();
    let lens = seq_lengths(&o);
    let t0 = Instant::now();
    let mut summary = String::new();
    if let Some(path) = &o.output {
        let mut pipe = Pipe::new(open_out(path));
        let st = write_fasta(&o, &lens, &mut pipe)
            .and_then(|st| pipe.finish().map(|_| st))
            .unwrap_or_else(|e| io_fail(e));
        let secs = t0.elapsed().as_secs_f64();
        let pct = |x: u64| 100.0 * x as f64 / st.bases.max(1) as f64;
        summary = format!(
            "gen_genome: {} sequences, {} bases, N {:.2}%, masked {:.2}% ({:.1}% of non-N), IUPAC {}, seed {}, {:.2} s ({:.0} MB/s) -> {}",
            lens.len(),
            st.bases,
            pct(st.n),
            pct(st.lower),
            100.0 * st.lower as f64 / (st.bases - st.n).max(1) as f64,
            st.iupac,
            o.seed,
            secs,
            st.bases as f64 / secs.max(1e-9) / 1e6,
            path
        );
    }
    if let Some(path) = &o.regions_out {
        let mut out = open_out(path);
        write_regions(&o, &lens, &mut *out).unwrap_or_else(|e| io_fail(e));
        if summary.is_empty() {
            summary = format!("gen_genome: seed {}, {} bases", o.seed, lens.iter().sum::<u64>());
        }
        summary.push_str(&format!("; {} regions of {} bp -> {}", o.regions, o.region_len, path));
    }
    if !o.quiet {
        eprintln!("{summary}");
    }
}
