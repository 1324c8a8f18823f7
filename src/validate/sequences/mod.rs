//! The sequence set (SPEC §5–§6): records, names and the name hash here;
//! runs and dense forms, the block index, and the pass over every code in
//! the files beside this one.

mod blocks;
mod runs;
mod stream;

use super::*;

impl V<'_> {
    /// SPEC §5–§6: the sequence set.
    pub(super) fn sequences(&mut self, h: &FileHeader, sections: &[DirectoryEntry]) {
        let find = |k: u32| sections.iter().find(|e| e.kind == k).copied();
        let want = spec::SEQUENCE_SET;
        let found: Vec<Option<DirectoryEntry>> = want.iter().map(|&k| find(k)).collect();
        let summary = find(kind::NONACGT_SUMMARY);
        let dense = [find(kind::MASK_BITMAP), find(kind::EXCEPTION_NIBBLES)];
        if found.iter().all(Option::is_none) {
            if let Some(e) = find(kind::REFERENCES) {
                self.format(
                    "RF7",
                    Some(e.kind),
                    e.offset,
                    "REFERENCES without a sequence set".into(),
                );
            }
            if let Some(s) = summary {
                self.format(
                    "K2",
                    Some(s.kind),
                    s.offset,
                    "NONACGT_SUMMARY without a sequence set".into(),
                );
            }
            for d in dense.iter().flatten() {
                self.format(
                    "K4",
                    Some(d.kind),
                    d.offset,
                    format!("{} without a sequence set", section_name(d.kind)),
                );
            }
            return;
        }
        if let Some(k) = want.iter().zip(&found).find(|(_, f)| f.is_none()).map(|(k, _)| *k) {
            self.format(
                "K2",
                None,
                h.directory_offset,
                format!("the sequence set has no {}", section_name(k)),
            );
            return;
        }
        let es: Vec<DirectoryEntry> = found.into_iter().flatten().chain(summary).collect();
        if es.iter().any(|e| e.group != es[0].group) {
            self.format(
                "K3",
                None,
                h.directory_offset,
                "sections of the sequence set have different groups".into(),
            );
        }
        for d in dense.iter().flatten() {
            if d.group != es[0].group {
                self.format(
                    "K4",
                    Some(d.kind),
                    d.offset,
                    format!("group {} is not the sequence set's {}", d.group, es[0].group),
                );
            }
        }
        if let Some(mut s) = Seq::new(self, &es[..7], summary) {
            s.dense_sections = dense;
            if let Some(e) = find(kind::REFERENCES) {
                s.references(self, &e, es[0].group);
            }
            s.check(self);
        }
    }
}

/// The sequence set being validated.
struct Seq<'a> {
    b: &'a [u8],
    o: ByteOrder,
    h: IndexHeader,
    idx: DirectoryEntry,
    names: DirectoryEntry,
    hash: DirectoryEntry,
    bidx: DirectoryEntry,
    blocks: DirectoryEntry,
    masks: DirectoryEntry,
    exc: DirectoryEntry,
    summary: Option<DirectoryEntry>,
    records: Vec<Record>,
    /// MASK_BITMAP and EXCEPTION_NIBBLES, when present (SPEC §6.6).
    dense_sections: [Option<DirectoryEntry>; 2],
    /// Per record: absolute offset of its bitmap, when usable.
    mask_arr: Vec<Option<u64>>,
    /// Per record: absolute offset of its nibbles, when usable.
    exc_arr: Vec<Option<u64>>,
    /// Records whose runs are sorted and in range, so per-position checks can walk them.
    masks_ok: Vec<bool>,
    exc_ok: Vec<bool>,
    /// REFERENCES (SPEC §9) when present and decodable, with its
    /// reference or why it could not be attached.
    refs: Option<(References, Result<Attached, crate::Error>)>,
}

impl<'a> Seq<'a> {
    pub(super) fn new(v: &mut V<'a>, es: &[DirectoryEntry], summary: Option<DirectoryEntry>) -> Option<Seq<'a>> {
        let (b, o) = (v.b, v.o);
        let [idx, names, hash, bidx, blocks, masks, exc] = [es[0], es[1], es[2], es[3], es[4], es[5], es[6]];
        let si = Some(idx.kind);
        let minor = v.minor;
        let hd = IndexHeader::check(b, o, minor, &idx, v)?;
        let mut records = Vec::with_capacity(hd.sequence_count as usize);
        for i in 0..hd.sequence_count {
            let at = idx.offset + 64 + i * hd.record_len as u64;
            records.push(from_bytes::<Record>(&b[at as usize..at as usize + 128], o, si, at).ok()?);
        }
        let n = records.len();
        Some(Seq {
            b,
            o,
            h: hd,
            idx,
            names,
            hash,
            bidx,
            blocks,
            masks,
            exc,
            summary,
            records,
            dense_sections: [None, None],
            mask_arr: vec![None; n],
            exc_arr: vec![None; n],
            masks_ok: vec![false; n],
            exc_ok: vec![false; n],
            refs: None,
        })
    }

    pub(super) fn record_at(&self, i: usize) -> u64 {
        self.idx.offset + 64 + i as u64 * self.h.record_len as u64
    }

    pub(super) fn check(&mut self, v: &mut V<'_>) {
        let records_ok = self.records_and_names(v);
        self.name_hash(v);
        self.runs(v);
        self.dense(v);
        let blocks_ok = self.block_index(v);
        if records_ok && blocks_ok {
            self.stream(v);
        }
    }

    /// \[R1] \[R3]–\[R7] \[R11] \[R12] \[X1].
    pub(super) fn records_and_names(&mut self, v: &mut V<'_>) -> bool {
        let si = Some(kind::SEQUENCE_INDEX);
        let names = &self.b[self.names.offset as usize..(self.names.offset + self.names.length) as usize];
        let n_masks = self.masks.length / 16;
        let n_exc = self.exc.length / 16;
        let (mut start, mut hoff, mut mfirst, mut efirst) = (0u64, 0u64, 0u64, 0u64);
        let mut ok = true;
        let mut seen = HashSet::new();
        let last = self.records.len().saturating_sub(1);
        for (i, r) in self.records.iter().enumerate() {
            let at = self.record_at(i);
            if r.start != start {
                v.format(
                    "R1",
                    si,
                    at,
                    format!("record {i} starts at {}, expected {start}", r.start),
                );
                ok = false;
            }
            start = r.start.saturating_add(r.length).saturating_add(1);
            if r.header_offset != hoff {
                v.format(
                    "R3",
                    si,
                    at + 16,
                    format!("record {i} header at {}, expected {hoff}", r.header_offset),
                );
            }
            hoff = r.header_offset.saturating_add(r.header_len as u64);
            match u64_range(r.header_offset, r.header_len as u64, names.len() as u64) {
                None => {
                    v.format(
                        "R3",
                        si,
                        at + 16,
                        format!("record {i} header lies outside SEQUENCE_NAMES"),
                    );
                    ok = false;
                }
                Some(hr) => {
                    let hl = &names[hr];
                    let (ns, nl) = (r.name_start as usize, r.name_len as usize);
                    let ws = |c: &u8| *c == b' ' || *c == b'\t';
                    let bad = nl == 0
                        || ns + nl > hl.len()
                        || !hl[..ns].iter().all(ws)
                        || hl[ns..ns + nl].iter().any(|c| ws(c) || *c == b'\r' || *c == b'\n')
                        || (ns + nl < hl.len() && !ws(&hl[ns + nl]))
                        || hl.iter().any(|&c| c == b'\r' || c == b'\n');
                    if bad {
                        v.format(
                            "R4",
                            si,
                            at + 24,
                            format!("record {i}: name placement breaks SPEC §6.1 [R4]"),
                        );
                        if nl == 0 || ns + nl > hl.len() {
                            ok = false;
                        }
                    } else if !seen.insert(&hl[ns..ns + nl]) {
                        let name = String::from_utf8_lossy(&hl[ns..ns + nl]).into_owned();
                        v.format("R12", si, at, format!("duplicate name '{name}'"));
                    }
                }
            }
            if (r.length == 0) != (r.line_width == 0) {
                v.format(
                    "R5",
                    si,
                    at + 32,
                    format!("record {i}: line_width {} with length {}", r.line_width, r.length),
                );
            }
            if r.mask_first != mfirst {
                v.format(
                    "R6",
                    si,
                    at + 40,
                    format!("record {i}: mask_first {}, expected {mfirst}", r.mask_first),
                );
            }
            mfirst = r.mask_first.saturating_add(r.mask_count);
            if r.exception_first != efirst {
                v.format(
                    "R7",
                    si,
                    at + 56,
                    format!("record {i}: exception_first {}, expected {efirst}", r.exception_first),
                );
            }
            efirst = r.exception_first.saturating_add(r.exception_count);
            let r11 = r.flags & !(spec::RECORD_FLAG_CRLF | spec::RECORD_FLAG_NO_FINAL_NEWLINE) != 0;
            v.reserved("R11", si, at + 124, r11, "record flag bits 2-31");
            if r.flags & spec::RECORD_FLAG_NO_FINAL_NEWLINE != 0 && i != last {
                v.format(
                    "R11",
                    si,
                    at + 124,
                    format!("record {i} is not the last but has flag bit 0"),
                );
            }
            if self.h.flags & spec::SEQUENCE_FLAG_REFGET == 0 && r.refget != [0; 24] {
                v.format(
                    "R10",
                    si,
                    at + 96,
                    format!("record {i}: refget must be zero when the index flag is clear"),
                );
            }
            if r.mask_first.checked_add(r.mask_count).is_none_or(|e| e > n_masks)
                || r.exception_first
                    .checked_add(r.exception_count)
                    .is_none_or(|e| e > n_exc)
            {
                ok = false;
            }
        }
        if hoff != self.names.length {
            v.format(
                "R3",
                Some(kind::SEQUENCE_NAMES),
                self.names.offset,
                format!("header lines fill {hoff} of {} bytes", self.names.length),
            );
        }
        if mfirst != n_masks {
            v.format(
                "R6",
                Some(kind::MASKS),
                self.masks.offset,
                format!("records use {mfirst} of {n_masks} mask runs"),
            );
        }
        if efirst != n_exc {
            v.format(
                "R7",
                Some(kind::EXCEPTIONS),
                self.exc.offset,
                format!("records use {efirst} of {n_exc} exception runs"),
            );
        }
        if !self.masks.length.is_multiple_of(16) || !self.exc.length.is_multiple_of(16) {
            let e = if !self.masks.length.is_multiple_of(16) {
                self.masks
            } else {
                self.exc
            };
            v.format(
                "E1",
                Some(e.kind),
                e.offset,
                format!("{} length is not a multiple of 16", section_name(e.kind)),
            );
            ok = false;
        }
        if start != self.h.stream_len {
            v.format(
                "X1",
                si,
                self.idx.offset + 8,
                format!("stream_len {} but the records need {start}", self.h.stream_len),
            );
            ok = false;
        }
        ok
    }

    pub(super) fn name_of(&self, r: &Record) -> Option<&'a [u8]> {
        let s = self
            .names
            .offset
            .checked_add(r.header_offset)?
            .checked_add(r.name_start as u64)?;
        let e = s.checked_add(r.name_len as u64)?;
        (e <= self.names.offset + self.names.length && r.header_offset + r.header_len as u64 <= self.names.length)
            .then(|| &self.b[s as usize..e as usize])
    }

    /// \[NH1]–\[NH5].
    pub(super) fn name_hash(&self, v: &mut V<'_>) {
        let (e, o, b) = (self.hash, self.o, self.b);
        let s = Some(e.kind);
        if e.length < 16 {
            v.format(
                "NH1",
                s,
                e.offset,
                "SEQUENCE_NAME_HASH is shorter than its header".into(),
            );
            return;
        }
        let at = e.offset as usize;
        let slots = o.u64_at(b, at);
        v.reserved("NH2", s, e.offset + 8, o.u64_at(b, at + 8) != 0, "name hash bytes 8-15");
        let n = self.records.len() as u64;
        let fits = slots.checked_mul(16).and_then(|x| x.checked_add(16)) == Some(e.length);
        if !slots.is_power_of_two() || slots <= n || !fits {
            v.format(
                "NH1",
                s,
                e.offset,
                format!("slot_count {slots} must be a power of two above {n} filling the section"),
            );
            return;
        }
        let slot = |k: u64| {
            (
                o.u64_at(b, at + 16 + 16 * k as usize),
                o.u64_at(b, at + 24 + 16 * k as usize),
            )
        };
        let mut seen = vec![false; n as usize];
        for k in 0..slots {
            let (hash, rec) = slot(k);
            let off = e.offset + 16 + 16 * k;
            if rec == spec::NAME_HASH_EMPTY {
                if hash != 0 {
                    v.format("NH4", s, off, format!("empty slot {k} has a non-zero hash"));
                }
                continue;
            }
            if rec >= n || seen[rec as usize] {
                v.format(
                    "NH4",
                    s,
                    off,
                    format!("slot {k} holds record {rec}, out of range or seen before"),
                );
                continue;
            }
            seen[rec as usize] = true;
            if let Some(name) = self.name_of(&self.records[rec as usize]) {
                if checksum(name) != hash {
                    v.format(
                        "NH3",
                        s,
                        off,
                        format!("slot {k}: hash is not xxh3-64 of the name of record {rec}"),
                    );
                }
            }
            let mut j = hash & (slots - 1);
            while j != k {
                if slot(j).1 == spec::NAME_HASH_EMPTY {
                    v.format(
                        "NH5",
                        s,
                        off,
                        format!("slot {k} is not reachable from its home slot {}", hash & (slots - 1)),
                    );
                    break;
                }
                j = (j + 1) & (slots - 1);
            }
        }
        if let Some(missing) = seen.iter().position(|&x| !x) {
            v.format("NH4", s, e.offset, format!("record {missing} has no slot"));
        }
    }
}
