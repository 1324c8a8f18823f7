//! In-process timings of the tranSMART query cases on a `.tbit` table, for
//! `benches/table_peer.sh` (peers: `benches/table_peer.py`, SQLite and
//! DuckDB, on the same CSV, patients and keys).
//!
//! The table is the one `tribit import csv` makes of the CSV of
//! `examples/gen_transmart.rs`, with an index on `PATIENT_ID` and one on
//! `(GENE_SYMBOL, PROBESET_ID, PATIENT_ID)`. Cases (each: one untimed
//! warm-up, then `--reps` timed runs, median reported):
//!
//! * `A1`: all rows of 213 of the 559 patients (at other scales the same
//!   fraction, at least 1), chosen by seed from the patient ids present:
//!   `Table::select` with an IN-list on `PATIENT_ID` (answered by its
//!   index), then the sum of `RAW` over the rows (f64 accumulation) through
//!   a typed column view, so every selected cell is really read;
//! * `G`: the same for every patient (all rows);
//! * `A1_tN`, `G_tN`: the same rows summed by N threads (`--threads`,
//!   default 2; 0 or 1 leaves them out), as DuckDB uses the machine's cores;
//! * `L`: 10,000 point lookups by `(GENE_SYMBOL, PROBESET_ID, PATIENT_ID)`
//!   (keys of rows sampled by seed from the table itself) through
//!   `Table::index_lookup` on the composite index, summing RAW of the rows
//!   found; `us_per_lookup` is reported too;
//! * `L_many`: the same keys in one `Table::index_lookup_many` call, which
//!   walks them through each step of the lookup together so that their
//!   memory reads overlap;
//! * `L_lookup`: the same keys through `Table::lookup` (named conditions,
//!   the planner picks the index);
//! * `P`: one probeset (that of row `--probe-row`, default 99: the 100th
//!   probeset) across all patients, sum RAW: one composite-index lookup
//!   per patient (no index has PROBESET_ID alone, and a hash index answers
//!   only whole keys);
//! * `P_select`: the same rows by one `Table::select` with the patients as
//!   an IN-list: the composite index looks up every (gene, probeset,
//!   patient) combination in one batch;
//! * `P_scan`: the same rows by `Table::lookup` on `PROBESET_ID` alone,
//!   which the library answers by scanning (`--scan-reps`, default 3; 0
//!   leaves it out);
//! * `P_codescan`: the same rows by comparing the stored dictionary code of
//!   every row with the probeset's code (what a scan could cost), through
//!   the public `Table::row_bytes`, `StoredColumn::offset` and
//!   `Table::dictionary`.
//!
//! Also reported: `open` (memory-map, section checksums, table parse; one
//! measurement, first of this process). Each timed case also reports
//! `cpu_seconds`, the median on-CPU time of the timing thread
//! (`CLOCK_THREAD_CPUTIME_ID`, 64-bit Linux), so that time spent waiting for
//! a CPU on a loaded machine can be told apart (not for the `_tN` cases).
//!
//! Output: one JSON object per line on stdout:
//! `{"engine":"tribit","case":"A1","seconds":0.0123,"rows":11645775,"sum":...,"reps":7}`.
//! `--plan-out FILE` writes the chosen patients, all patients, the lookup
//! keys and the probeset as JSON, for the peers.
//!
//! ```text
//! cargo run --release --example table_queries -- FILE.tbit [options]
//!   --table NAME       table (default: the file's only table)
//!   --seed S           seed for patients and keys (default 24080)
//!   --reps N           timed repetitions (default 7)
//!   --keys N           point lookups (default 10000)
//!   --a1 K             patients of case A1 (default 213 of 559, scaled)
//!   --probe-row R      row whose probeset case P uses (default 99)
//!   --threads N        threads of the _tN cases (default 2)
//!   --scan-reps N      repetitions of P_scan (default 3)
//!   --plan-out FILE    write the plan (patients, keys, probeset) as JSON
//!   --cases LIST       run only these cases, e.g. `L,P` (for profiling)
//! ```

use std::process::exit;
use std::time::Instant;

use clap::Parser;
use serde_json::json;
use tribit::container::ByteOrder;
use tribit::sequence::Reader;
use tribit::table::{ColumnType, ColumnView, Primitive, RowSet, Table, TableSet, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
}

/// In-process timings of the tranSMART query cases on a `.tbit` table.
#[derive(Parser)]
#[command(name = "table_queries")]
struct Opts {
    /// The .tbit file.
    input: String,
    /// Table (default: the file's only table).
    #[arg(long)]
    table: Option<String>,
    /// Seed for patients and keys.
    #[arg(long, default_value_t = 24080)]
    seed: u64,
    /// Timed repetitions.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u64).range(1..))]
    reps: u64,
    /// Point lookups.
    #[arg(long, default_value_t = 10_000)]
    keys: usize,
    /// Patients of case A1 (default 213 of 559, scaled).
    #[arg(long)]
    a1: Option<usize>,
    /// Row whose probeset case P uses.
    #[arg(long, default_value_t = 99)]
    probe_row: u64,
    /// Threads of the _tN cases.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Repetitions of P_scan.
    #[arg(long, default_value_t = 3)]
    scan_reps: usize,
    /// Write the plan (patients, keys, probeset) as JSON.
    #[arg(long)]
    plan_out: Option<String>,
    /// Run only these cases, e.g. `L,P` (for profiling).
    #[arg(long, value_delimiter = ',')]
    cases: Option<Vec<String>>,
}

fn die(msg: &str) -> ! {
    eprintln!("table_queries: {msg}");
    exit(2)
}

fn fail<T>(what: &str) -> impl FnOnce(tribit::Error) -> T + '_ {
    move |e| {
        eprintln!("table_queries: {what}: {e}");
        exit(1)
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// On-CPU time of the calling thread in nanoseconds
/// (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`), to tell work from waiting for
/// a CPU on a loaded machine; `None` where not supported here.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn thread_cpu_ns() -> Option<u64> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: on 64-bit Linux `struct timespec` is two 64-bit fields, as
    // declared; `ts` is a valid, writable, exclusively borrowed value for the
    // duration of the call, and clock_gettime only writes it.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn thread_cpu_ns() -> Option<u64> {
    None
}

/// Median wall seconds, min wall seconds, rows, sum, median on-CPU seconds
/// of the calling thread (`None` when not known or not meaningful).
type Timing = (f64, f64, u64, f64, Option<f64>);

/// Runs `f` once untimed, then `reps` times timed; every run must give the
/// same (rows, sum).
fn bench(reps: usize, mut f: impl FnMut() -> (u64, f64)) -> Timing {
    let first = f();
    let mut times = Vec::with_capacity(reps);
    let mut cpu = Vec::with_capacity(reps);
    for _ in 0..reps {
        let c0 = thread_cpu_ns();
        let t = Instant::now();
        let got = std::hint::black_box(f());
        times.push(t.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (c0, thread_cpu_ns()) {
            cpu.push((b - a) as f64 * 1e-9);
        }
        if got.0 != first.0 || got.1.to_bits() != first.1.to_bits() {
            eprintln!("table_queries: a repetition gave {got:?}, the first {first:?}");
            exit(1);
        }
    }
    let min = times.iter().cloned().fold(f64::INFINITY, f64::min);
    let cpu = (cpu.len() == reps).then(|| median(cpu));
    (median(times), min, first.0, first.1, cpu)
}

fn emit(case: &str, (secs, min, rows, sum, cpu): Timing, reps: usize, extra: serde_json::Value) {
    let mut o = json!({
        "engine": "tribit",
        "case": case,
        "seconds": secs,
        "min_seconds": min,
        "rows": rows,
        "sum": sum,
        "reps": reps,
    });
    if let (Some(m), Some(c)) = (o.as_object_mut(), cpu) {
        m.insert("cpu_seconds".into(), c.into());
    }
    if let (Some(m), serde_json::Value::Object(x)) = (o.as_object_mut(), extra) {
        m.extend(x);
    }
    println!("{o}");
    let cpu = cpu.map_or(String::new(), |c| format!(", on-CPU {c:.6} s"));
    eprintln!("table_queries: {case:<12} {secs:>12.6} s (min {min:.6}{cpu}) rows {rows} sum {sum}");
}

/// Sum of the column over the rows, in row order.
#[inline]
fn sum_rows<T: Primitive + Into<f64>>(col: &ColumnView<'_, T>, rows: &[std::ops::Range<u64>]) -> f64 {
    let mut s = 0.0f64;
    for r in rows {
        for i in r.clone() {
            if let Some(v) = col.get(i) {
                s += v.into();
            }
        }
    }
    s
}

/// The same with `threads` threads, each over a contiguous share of rows.
fn sum_rows_par<T: Primitive + Into<f64> + Send + Sync>(col: &ColumnView<'_, T>, rows: &RowSet, threads: usize) -> f64 {
    let total = rows.len();
    let per = total.div_ceil(threads as u64).max(1);
    // Cut the ranges into `threads` pieces of about `per` rows.
    let mut parts: Vec<Vec<std::ops::Range<u64>>> = vec![Vec::new()];
    let mut have = 0u64;
    for r in rows.ranges() {
        let mut start = r.start;
        while start < r.end {
            let take = (r.end - start).min(per - have);
            parts.last_mut().unwrap().push(start..start + take);
            start += take;
            have += take;
            if have == per {
                parts.push(Vec::new());
                have = 0;
            }
        }
    }
    std::thread::scope(|s| {
        let hs: Vec<_> = parts.iter().map(|p| s.spawn(move || sum_rows(col, p))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

fn uint_of(v: Value<'_>) -> Value<'static> {
    match v {
        Value::UInt(x) => Value::UInt(x),
        Value::Int(x) => Value::Int(x),
        other => {
            eprintln!("table_queries: PATIENT_ID holds {other:?}, expected an integer column");
            exit(1)
        }
    }
}

fn as_json(v: Value<'_>) -> serde_json::Value {
    match v {
        Value::UInt(x) => x.into(),
        Value::Int(x) => x.into(),
        _ => serde_json::Value::Null,
    }
}

fn main() {
    let o = Opts::parse();
    let t_open = Instant::now();
    let reader = Reader::open(&o.input).unwrap_or_else(fail("cannot open"));
    let ts = TableSet::new(reader.bytes(), reader.container()).unwrap_or_else(fail("cannot read the tables"));
    let open_secs = t_open.elapsed().as_secs_f64();
    let t: &Table<'_> = match &o.table {
        Some(n) => ts.table(n).unwrap_or_else(|| die(&format!("no table '{n}'"))),
        None => match ts.tables() {
            [one] => one,
            _ => die("the file has several tables (or none): use --table"),
        },
    };
    emit(
        "open",
        (open_secs, open_secs, t.row_count(), 0.0, None),
        1,
        json!({"file_bytes": reader.bytes().len(), "row_width": t.row_width()}),
    );
    let raw_ty = t
        .schema()
        .columns
        .iter()
        .find(|c| c.name == "RAW")
        .map(|c| c.ty)
        .unwrap_or_else(|| die("the table has no RAW column"));
    match raw_ty {
        ColumnType::F64 => run::<f64>(&o, t, reader.byte_order()),
        ColumnType::F32 => run::<f32>(&o, t, reader.byte_order()),
        other => die(&format!("RAW is {}, expected f32 or f64", other.name())),
    }
}

fn run<T: Primitive + Into<f64> + Send + Sync>(o: &Opts, t: &Table<'_>, order: ByteOrder) {
    let pos = |n: &str| {
        t.schema()
            .position(n)
            .unwrap_or_else(|| die(&format!("the table has no column {n}")))
    };
    let (pid_c, gene_c, probe_c) = (pos("PATIENT_ID"), pos("GENE_SYMBOL"), pos("PROBESET_ID"));
    let find_ix = |cols: &[usize]| {
        t.indexes()
            .iter()
            .position(|ix| ix.columns().iter().map(|&c| c as usize).eq(cols.iter().copied()))
    };
    let pid_ix = find_ix(&[pid_c]).unwrap_or_else(|| die("no index on PATIENT_ID"));
    let key_ix =
        find_ix(&[gene_c, probe_c, pid_c]).unwrap_or_else(|| die("no index on (GENE_SYMBOL, PROBESET_ID, PATIENT_ID)"));
    let raw: ColumnView<'_, T> = t.column::<T>("RAW").unwrap_or_else(fail("RAW"));
    let n = t.row_count();
    if n == 0 {
        die("the table is empty");
    }

    // The patients present: one entry of the PATIENT_ID index per patient.
    let ix = &t.indexes()[pid_ix];
    let mut patients: Vec<Value<'static>> = (0..ix.entry_count())
        .map(|e| {
            let r = ix.entry_first_row(e).unwrap_or_else(fail("PATIENT_ID index"));
            uint_of(t.cell(r, pid_c).unwrap_or_else(fail("PATIENT_ID")))
        })
        .collect();
    let key_of = |v: &Value<'_>| match *v {
        Value::UInt(x) => x as i128,
        Value::Int(x) => x as i128,
        _ => 0,
    };
    patients.sort_by_key(key_of);
    let np = patients.len();
    let k = o.a1.unwrap_or_else(|| ((np * 213 + 559 / 2) / 559).max(1)).min(np);
    let mut rng = Rng(o.seed ^ 0xA1A1_A1A1);
    let mut shuffled = patients.clone();
    for i in 0..k {
        let j = i + rng.below((np - i) as u64) as usize;
        shuffled.swap(i, j);
    }
    let mut a1: Vec<Value<'static>> = shuffled[..k].to_vec();
    a1.sort_by_key(key_of);

    // Lookup keys: those of rows sampled by seed.
    let mut rng = Rng(o.seed ^ 0x1234_5678_9ABC);
    let keys: Vec<[Value<'_>; 3]> = (0..o.keys)
        .map(|_| {
            let r = rng.below(n);
            let c = |col| t.cell(r, col).unwrap_or_else(fail("cell"));
            [c(gene_c), c(probe_c), uint_of(c(pid_c))]
        })
        .collect();
    let pr = o.probe_row.min(n - 1);
    let (pgene, pprobe) = match (t.cell(pr, gene_c), t.cell(pr, probe_c)) {
        (Ok(Value::Str(g)), Ok(Value::Str(p))) => (g, p),
        _ => die("GENE_SYMBOL and PROBESET_ID must be string columns"),
    };

    if let Some(path) = &o.plan_out {
        let s = |v: &Value<'_>| match v {
            Value::Str(s) => serde_json::Value::from(*s),
            v => as_json(*v),
        };
        let plan = json!({
            "table": t.name(),
            "seed": o.seed,
            "rows": n,
            "a1_patients": a1.iter().map(|v| as_json(*v)).collect::<Vec<_>>(),
            "all_patients": patients.iter().map(|v| as_json(*v)).collect::<Vec<_>>(),
            "keys": keys.iter().map(|k| k.iter().map(s).collect::<Vec<_>>()).collect::<Vec<_>>(),
            "probe": {"gene": pgene, "probeset": pprobe, "row": pr},
        });
        std::fs::write(path, plan.to_string() + "\n").unwrap_or_else(|e| {
            eprintln!("table_queries: cannot write {path}: {e}");
            exit(1)
        });
    }

    let reps = o.reps as usize;
    let want = |case: &str| o.cases.as_ref().is_none_or(|c| c.iter().any(|x| x == case));
    // A1 and G: IN-list on PATIENT_ID through the planner (index), then sum.
    for (case, list) in [("A1", &a1), ("G", &patients)] {
        let cond = [("PATIENT_ID", list.clone())];
        if want(case) {
            let res = bench(reps, || {
                let (rows, _) = t.select(&cond).unwrap_or_else(fail("select"));
                (rows.len(), sum_rows(&raw, rows.ranges()))
            });
            emit(case, res, reps, json!({"patients": list.len()}));
        }
        if o.threads > 1 && want(&format!("{case}_t{}", o.threads)) {
            let mut res = bench(reps, || {
                let (rows, _) = t.select(&cond).unwrap_or_else(fail("select"));
                (rows.len(), sum_rows_par(&raw, &rows, o.threads))
            });
            res.4 = None; // the work is on other threads
            emit(
                &format!("{case}_t{}", o.threads),
                res,
                reps,
                json!({"patients": list.len(), "threads": o.threads}),
            );
        }
    }

    // L: point lookups on the composite index.
    if want("L") {
        let res = bench(reps, || {
            let (mut found, mut sum) = (0u64, 0.0f64);
            for key in &keys {
                let rows = t.index_lookup(key_ix, key).unwrap_or_else(fail("lookup"));
                found += rows.len();
                sum += sum_rows(&raw, rows.ranges());
            }
            (found, sum)
        });
        let per = json!({"lookups": keys.len(), "us_per_lookup": res.0 * 1e6 / keys.len().max(1) as f64});
        emit("L", res, reps, per);
    }
    if want("L_many") {
        let refs: Vec<&[Value<'_>]> = keys.iter().map(|k| &k[..]).collect();
        let res = bench(reps, || {
            let (mut found, mut sum) = (0u64, 0.0f64);
            for rows in t.index_lookup_many(key_ix, &refs).unwrap_or_else(fail("lookup")) {
                found += rows.len();
                sum += sum_rows(&raw, rows.ranges());
            }
            (found, sum)
        });
        let per = json!({"lookups": keys.len(), "us_per_lookup": res.0 * 1e6 / keys.len().max(1) as f64});
        emit("L_many", res, reps, per);
    }
    if want("L_lookup") {
        let res = bench(reps, || {
            let (mut found, mut sum) = (0u64, 0.0f64);
            for [g, p, id] in &keys {
                let rows = t
                    .lookup(&[("GENE_SYMBOL", *g), ("PROBESET_ID", *p), ("PATIENT_ID", *id)])
                    .unwrap_or_else(fail("lookup"));
                found += rows.len();
                sum += sum_rows(&raw, rows.ranges());
            }
            (found, sum)
        });
        let per = json!({"lookups": keys.len(), "us_per_lookup": res.0 * 1e6 / keys.len().max(1) as f64});
        emit("L_lookup", res, reps, per);
    }

    // P: one probeset across all patients.
    if want("P") {
        let res = bench(reps, || {
            let (mut found, mut sum) = (0u64, 0.0f64);
            for id in &patients {
                let rows = t
                    .index_lookup(key_ix, &[Value::Str(pgene), Value::Str(pprobe), *id])
                    .unwrap_or_else(fail("lookup"));
                found += rows.len();
                sum += sum_rows(&raw, rows.ranges());
            }
            (found, sum)
        });
        emit("P", res, reps, json!({"gene": pgene, "probeset": pprobe}));
    }
    if want("P_select") {
        let ids: Vec<Value<'_>> = patients.to_vec();
        let res = bench(reps, || {
            let (rows, _) = t
                .select(&[
                    ("GENE_SYMBOL", vec![Value::Str(pgene)]),
                    ("PROBESET_ID", vec![Value::Str(pprobe)]),
                    ("PATIENT_ID", ids.clone()),
                ])
                .unwrap_or_else(fail("select"));
            (rows.len(), sum_rows(&raw, rows.ranges()))
        });
        emit("P_select", res, reps, json!({"gene": pgene, "probeset": pprobe}));
    }
    if o.scan_reps > 0 && want("P_scan") {
        let res = bench(o.scan_reps, || {
            let rows = t
                .lookup(&[("PROBESET_ID", Value::Str(pprobe))])
                .unwrap_or_else(fail("lookup"));
            (rows.len(), sum_rows(&raw, rows.ranges()))
        });
        emit("P_scan", res, o.scan_reps, json!({"probeset": pprobe}));
    }
    // P_codescan: compare the dictionary code stored in each row.
    if !want("P_codescan") {
        return;
    }
    let dict = t
        .dictionary(probe_c)
        .unwrap_or_else(|| die("PROBESET_ID is not a dict column"));
    let code = (0..dict.len() as u32)
        .find(|&c| dict.get(c) == Some(pprobe))
        .unwrap_or_else(|| die("probeset not in its dictionary"));
    let off = t.columns()[probe_c].offset as usize;
    let res = bench(reps, || {
        let (mut found, mut sum) = (0u64, 0.0f64);
        for r in 0..n {
            let row = t.row_bytes(r).unwrap().unwrap();
            let b: [u8; 4] = row[off..off + 4].try_into().unwrap();
            let c = match order {
                ByteOrder::Little => u32::from_le_bytes(b),
                ByteOrder::Big => u32::from_be_bytes(b),
            };
            if c == code {
                found += 1;
                sum += raw.get(r).map_or(0.0, Into::into);
            }
        }
        (found, sum)
    });
    emit("P_codescan", res, reps, json!({"probeset": pprobe}));
}
