//! SPEC §9 "Reference escape": the REFERENCES section (the reference file
//! and sequences a file depends on, and the runs that map code-6 positions
//! onto them), attaching the reference, and resolving code 6 in a block.

use std::path::{Path, PathBuf};

use super::reader::Reader;
use crate::container::ByteOrder;
use crate::error::{Error, ErrorKind, Result};
use crate::spec::{self, code, kind, references as layout};

/// One sequence of the reference file that escaped positions copy from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceSequence {
    /// Its name in the reference file.
    pub name: Vec<u8>,
    /// Its length in bases.
    pub length: u64,
    /// Its MD5 (SAM/CRAM M5), as the reference file's record stores it.
    pub md5: [u8; 16],
}

/// A run of stream positions mapped onto a reference sequence (SPEC §9):
/// each position of the run whose code is 6 takes the base the mapping
/// gives; the run's other positions keep their own codes (literals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscapeRun {
    /// First stream position of the run.
    pub start: u64,
    /// Number of positions (≥ 1).
    pub length: u64,
    /// Lowest reference position the run maps onto.
    pub ref_start: u64,
    /// Index of the reference sequence in [`References::sequences`].
    pub reference: u32,
    /// Whether the run copies the reverse complement: position
    /// `start + j` takes the complement of reference base
    /// `ref_start + length − 1 − j`.
    pub reverse: bool,
}

impl EscapeRun {
    /// One past the run's last stream position.
    pub fn end(&self) -> u64 {
        self.start + self.length
    }

    /// The reference position stream position `q` (inside the run) maps onto.
    pub fn ref_pos(&self, q: u64) -> u64 {
        if self.reverse {
            self.ref_start + self.length - 1 - (q - self.start)
        } else {
            self.ref_start + (q - self.start)
        }
    }
}

/// The decoded REFERENCES section (SPEC §9).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct References {
    /// The reference file's path as given when the file was written.
    pub path: Vec<u8>,
    /// xxh3-64 of the 16-byte md5 fields of every record of the reference
    /// file, in record order: which reference file, informative.
    pub set_digest: u64,
    /// The reference sequences that runs copy from.
    pub sequences: Vec<ReferenceSequence>,
    /// The runs, sorted by start, not overlapping.
    pub runs: Vec<EscapeRun>,
}

/// SPEC §9: the set digest of a reference file: xxh3-64 over the md5 of
/// each of its records, in record order.
pub fn set_digest(reference: &Reader) -> Result<u64> {
    let mut h = xxhash_rust::xxh3::Xxh3::with_seed(spec::XXH3_SEED);
    for s in reference.sequences() {
        h.update(&s?.record.md5);
    }
    Ok(h.digest())
}

impl References {
    /// The section's bytes in byte order `o` (SPEC §9 "REFERENCES").
    pub fn encode(&self, o: ByteOrder) -> Vec<u8> {
        let names_len: usize = self.sequences.iter().map(|s| s.name.len()).sum();
        let mut out = Vec::new();
        o.put_u64(&mut out, self.sequences.len() as u64);
        o.put_u64(&mut out, self.runs.len() as u64);
        o.put_u64(&mut out, self.set_digest);
        o.put_u32(&mut out, self.path.len() as u32);
        o.put_u32(&mut out, names_len as u32);
        out.resize(layout::HEADER_LEN as usize, 0);
        let mut off = 0u64;
        for s in &self.sequences {
            o.put_u64(&mut out, s.length);
            o.put_u64(&mut out, off);
            o.put_u32(&mut out, s.name.len() as u32);
            o.put_u32(&mut out, 0);
            out.extend_from_slice(&s.md5);
            out.extend_from_slice(&[0; 8]);
            off += s.name.len() as u64;
        }
        for r in &self.runs {
            o.put_u64(&mut out, r.start);
            o.put_u64(&mut out, r.length);
            o.put_u64(&mut out, r.ref_start);
            o.put_u32(&mut out, r.reference);
            out.push(if r.reverse { layout::REVERSE } else { layout::FORWARD });
            out.extend_from_slice(&[0; 3]);
        }
        out.extend_from_slice(&self.path);
        for s in &self.sequences {
            out.extend_from_slice(&s.name);
        }
        out
    }

    /// Decodes the section at absolute offset `at` and checks \[RF1]–\[RF4]
    /// against a stream of `stream_len` positions; the first broken rule
    /// goes to `problem` (label, absolute offset, message), and decoding
    /// stops there when `problem` returns an error.
    pub fn decode(
        b: &[u8],
        o: ByteOrder,
        at: u64,
        stream_len: u64,
        problem: &mut dyn FnMut(&'static str, u64, String) -> Result<()>,
    ) -> Result<Option<References>> {
        let hl = layout::HEADER_LEN as usize;
        if b.len() < hl {
            problem(
                "RF1",
                at,
                format!("REFERENCES is {} bytes, shorter than its 64-byte header", b.len()),
            )?;
            return Ok(None);
        }
        let (n, runs) = (o.u64_at(b, 0), o.u64_at(b, 8));
        let (path_len, names_len) = (o.u32_at(b, 24) as u64, o.u32_at(b, 28) as u64);
        let want = n
            .checked_mul(layout::SEQUENCE_LEN)
            .and_then(|x| x.checked_add(runs.checked_mul(layout::RUN_LEN)?))
            .and_then(|x| x.checked_add(layout::HEADER_LEN + path_len + names_len));
        if want != Some(b.len() as u64) {
            problem(
                "RF1",
                at,
                format!(
                    "REFERENCES is {} bytes; {n} sequences, {runs} runs, a {path_len}-byte path and {names_len} bytes of names need {}",
                    b.len(),
                    want.map_or("more than 2^64".into(), |w| w.to_string())
                ),
            )?;
            return Ok(None);
        }
        if b[32..hl].iter().any(|&x| x != 0) {
            problem("RF4", at + 32, "reserved header bytes 32-63 are not zero".into())?;
        }
        let runs_at = hl + (n * layout::SEQUENCE_LEN) as usize;
        let path_at = runs_at + (runs * layout::RUN_LEN) as usize;
        let names_at = path_at + path_len as usize;
        let path = b[path_at..names_at].to_vec();
        if path.is_empty() {
            problem("RF2", at + path_at as u64, "the reference path is empty".into())?;
        }
        let mut sequences = Vec::with_capacity(n as usize);
        let mut next = 0u64;
        let mut seen = std::collections::HashSet::new();
        for i in 0..n as usize {
            let e = &b[hl + i * layout::SEQUENCE_LEN as usize..][..layout::SEQUENCE_LEN as usize];
            let eat = at + (hl + i * layout::SEQUENCE_LEN as usize) as u64;
            let (length, off, len) = (o.u64_at(e, 0), o.u64_at(e, 8), o.u32_at(e, 16) as u64);
            if e[20..24].iter().chain(&e[40..48]).any(|&x| x != 0) {
                problem(
                    "RF4",
                    eat,
                    format!("reserved bytes of reference sequence {i} are not zero"),
                )?;
            }
            if len == 0 || off != next || off + len > names_len {
                problem(
                    "RF2",
                    eat + 8,
                    format!(
                        "name of reference sequence {i} at [{off}, +{len}): expected a non-empty name at {next}, inside the {names_len} bytes of names"
                    ),
                )?;
                return Ok(None);
            }
            next = off + len;
            let name = b[names_at + off as usize..names_at + next as usize].to_vec();
            if !seen.insert(name.clone()) {
                problem(
                    "RF2",
                    eat + 8,
                    format!(
                        "reference sequence '{}' is listed twice",
                        String::from_utf8_lossy(&name)
                    ),
                )?;
            }
            let mut md5 = [0; 16];
            md5.copy_from_slice(&e[24..40]);
            sequences.push(ReferenceSequence { name, length, md5 });
        }
        if next != names_len {
            problem(
                "RF2",
                at + 28,
                format!("names take {next} of the {names_len} bytes the header gives"),
            )?;
        }
        let mut out = Vec::with_capacity(runs as usize);
        let mut prev_end = 0u64;
        for k in 0..runs as usize {
            let e = &b[runs_at + k * layout::RUN_LEN as usize..][..layout::RUN_LEN as usize];
            let rat = at + (runs_at + k * layout::RUN_LEN as usize) as u64;
            let r = EscapeRun {
                start: o.u64_at(e, 0),
                length: o.u64_at(e, 8),
                ref_start: o.u64_at(e, 16),
                reference: o.u32_at(e, 24),
                reverse: e[28] == layout::REVERSE,
            };
            if e[29..32].iter().any(|&x| x != 0) {
                problem("RF4", rat + 29, format!("reserved bytes of run {k} are not zero"))?;
            }
            let end = r.start.checked_add(r.length);
            if r.length == 0 || end.is_none_or(|e| e > stream_len) || r.start < prev_end {
                problem(
                    "RF3",
                    rat,
                    format!(
                        "run {k} [{}, +{}) is empty, past the stream's {stream_len} positions or before the end {prev_end} of the run before it",
                        r.start, r.length
                    ),
                )?;
                continue;
            }
            prev_end = r.start + r.length;
            if e[28] > layout::REVERSE {
                problem(
                    "RF3",
                    rat + 28,
                    format!("run {k} has strand {}: expected 0 or 1", e[28]),
                )?;
            }
            let target = sequences.get(r.reference as usize);
            let fits = target.is_some_and(|s| r.ref_start.checked_add(r.length).is_some_and(|e| e <= s.length));
            if !fits {
                problem(
                    "RF3",
                    rat + 16,
                    format!(
                        "run {k} maps onto [{}, +{}) of reference sequence {}, which is not one of the {n} listed or is shorter",
                        r.ref_start, r.length, r.reference
                    ),
                )?;
                continue;
            }
            out.push(r);
        }
        Ok(Some(References {
            path,
            set_digest: o.u64_at(b, 16),
            sequences,
            runs: out,
        }))
    }

    /// The first run that ends after stream position `p`.
    pub fn first_run_after(&self, p: u64) -> usize {
        self.runs.partition_point(|r| r.end() <= p)
    }
}

/// A reference file attached to a reader: its sequences, each listed
/// reference sequence's record index in it, and where it was found.
#[derive(Debug)]
pub(crate) struct Attached {
    pub reader: Box<Reader>,
    pub records: Vec<usize>,
    pub path: PathBuf,
}

/// Where the reference recorded as `recorded` is looked for (SPEC §9):
/// relative to the data file's folder, then as recorded.
pub fn candidates(recorded: &[u8], data: Option<&Path>) -> Vec<PathBuf> {
    let rec = PathBuf::from(String::from_utf8_lossy(recorded).into_owned());
    let mut out = Vec::new();
    if let Some(dir) = data.and_then(Path::parent) {
        out.push(dir.join(&rec));
    }
    if !out.contains(&rec) {
        out.push(rec);
    }
    out
}

/// Opens the reference of `refs` (at `explicit`, or found from the
/// recorded path) and checks that each listed sequence is there with its
/// length and MD5 (SPEC §9 \[RF6]); a difference is [`ErrorKind::Mismatch`].
pub(crate) fn attach(refs: &References, data: Option<&Path>, explicit: Option<&Path>) -> Result<Attached> {
    let recorded = String::from_utf8_lossy(&refs.path).into_owned();
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let tried = candidates(&refs.path, data);
            match tried.iter().find(|p| p.is_file()) {
                Some(p) => p.clone(),
                None => {
                    let list: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
                    return Err(Error::new(
                        ErrorKind::NotFound,
                        format!(
                            "the reference file '{recorded}' this file depends on was not found (looked for {}); name it with --reference PATH",
                            list.join(" and ")
                        ),
                    ));
                }
            }
        }
    };
    let ctx = |e: Error| {
        let msg = format!("reference {}: {e}", path.display());
        Error::new(e.kind(), msg)
    };
    let reader = Reader::open_unattached(&path).map_err(ctx)?;
    if reader.container().find(kind::REFERENCES)?.is_some() {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "reference {} is itself reference-escaped; a reference must hold its own bases (SPEC §9 [RF6])",
                path.display()
            ),
        ));
    }
    let mut records = Vec::with_capacity(refs.sequences.len());
    let mismatch = |msg: String| {
        Err(Error::new(
            ErrorKind::Mismatch,
            format!(
                "reference {} is not the one this file was written against: {msg}",
                path.display()
            ),
        ))
    };
    for s in &refs.sequences {
        let name = String::from_utf8_lossy(&s.name);
        let Some(i) = reader.find(&s.name).map_err(ctx)? else {
            return mismatch(format!("it has no sequence '{name}'"));
        };
        let rec = reader.sequence(i).map_err(ctx)?.record;
        if rec.length != s.length {
            return mismatch(format!(
                "sequence '{name}' has {} bases, expected {}",
                rec.length, s.length
            ));
        }
        if rec.md5 != s.md5 {
            return mismatch(format!(
                "sequence '{name}' has MD5 {}, expected {} (same name and length, other bases)",
                hex(&rec.md5),
                hex(&s.md5)
            ));
        }
        records.push(i);
    }
    Ok(Attached {
        reader: Box::new(reader),
        records,
        path,
    })
}

/// Lowercase hex of `b`.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The code of a reference letter, when it is A, C, G or T in either case.
fn base_code(letter: u8) -> Option<u8> {
    match letter.to_ascii_uppercase() {
        b'A' => Some(code::A),
        b'C' => Some(code::C),
        b'G' => Some(code::G),
        b'T' => Some(code::T),
        _ => None,
    }
}

/// The code at position `p` of three planes.
fn code_at(raw: &[u8], pb: usize, p: usize) -> u8 {
    let (j, s) = (p / 8, p % 8);
    ((raw[j] >> s) & 1) | (((raw[pb + j] >> s) & 1) << 1) | (((raw[2 * pb + j] >> s) & 1) << 2)
}

/// The first position of three planes (padding bits zero, SPEC §5 \[B1])
/// whose code is 6, if any.
pub(crate) fn first_escape(raw: &[u8], pb: usize) -> Option<usize> {
    let word = |k: usize, j: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&raw[k * pb + j..k * pb + j + 8]);
        u64::from_le_bytes(w)
    };
    (0..pb).step_by(8).find_map(|j| {
        let x = word(2, j) & word(1, j) & !word(0, j);
        (x != 0).then(|| j * 8 + x.trailing_zeros() as usize)
    })
}

/// Replaces every code 6 of a block (raw planes `raw`, planes of `pb`
/// bytes, covering stream positions from `first`) by the code of the
/// base it stands for (SPEC §9 "Resolving"). `refs` are the file's runs,
/// `reference` the attached reference (or why there is none). Returns
/// None when the block holds no code 6.
pub(crate) fn resolve(
    raw: &[u8],
    pb: usize,
    first: u64,
    refs: &References,
    reference: std::result::Result<&Attached, &Error>,
    blocks_at: u64,
) -> Result<Option<Vec<u8>>> {
    let Some(p) = first_escape(raw, pb) else {
        return Ok(None);
    };
    let attached = reference.map_err(|e| Error::new(e.kind(), e.to_string()))?;
    let mut out = raw.to_vec();
    let bases = (pb * 8) as u64;
    let mut k = refs.first_run_after(first + p as u64);
    let mut letters = Vec::new();
    while k < refs.runs.len() && refs.runs[k].start < first + bases {
        let r = refs.runs[k];
        k += 1;
        let (lo, hi) = (r.start.max(first), r.end().min(first + bases));
        let (a, b) = if r.reverse {
            (r.ref_pos(hi - 1), r.ref_pos(lo) + 1)
        } else {
            (r.ref_pos(lo), r.ref_pos(hi - 1) + 1)
        };
        let rec = attached.records[r.reference as usize];
        letters.clear();
        attached.reader.fetch(rec, a, b, &mut letters)?;
        for q in lo..hi {
            let p = (q - first) as usize;
            if code_at(&out, pb, p) != code::REFERENCE {
                continue;
            }
            let letter = letters[(r.ref_pos(q) - a) as usize];
            let Some(mut c) = base_code(letter) else {
                return Err(Error::new(
                    ErrorKind::Mismatch,
                    format!(
                        "stream position {q} copies base {} of reference sequence '{}', which is '{}', not A, C, G or T",
                        r.ref_pos(q),
                        String::from_utf8_lossy(&refs.sequences[r.reference as usize].name),
                        letter as char
                    ),
                ));
            };
            if r.reverse {
                c ^= 3;
            }
            let (j, bit) = (p / 8, 1u8 << (p % 8));
            out[j] = (out[j] & !bit) | if c & 1 != 0 { bit } else { 0 };
            out[pb + j] = (out[pb + j] & !bit) | if c & 2 != 0 { bit } else { 0 };
            out[2 * pb + j] &= !bit;
        }
    }
    if let Some(p) = first_escape(&out, pb) {
        return Err(Error::format(
            Some(kind::BLOCKS),
            blocks_at,
            format!(
                "stream position {} has code 6 but no REFERENCES run covers it (SPEC §9 [RF5])",
                first + p as u64
            ),
        ));
    }
    Ok(Some(out))
}
