//! One pass over every code of the stream (SPEC §4–§6, §9): letters,
//! digests, exceptions, masks and reference escapes per record.

use super::*;

impl Seq<'_> {
    /// One pass over every code: \[R2] \[R8] \[R9] \[R10] \[E3] \[M3] \[S2] \[C1].
    pub(super) fn stream(&self, v: &mut V<'_>) {
        let bb = self.h.block_bases as u64;
        let (b, o) = (self.b, self.o);
        let si = Some(kind::SEQUENCE_INDEX);
        let refget = self.h.flags & spec::SEQUENCE_FLAG_REFGET != 0;
        let summary = self
            .summary
            .filter(|s| s.length == self.h.stream_len.div_ceil(512).div_ceil(64) * 8);
        let mut rec = 0usize;
        let mut pos = 0u64; // position in the current record
        let mut state = RecordState::new(refget);
        let mut codes = Vec::with_capacity(bb as usize);
        for k in 0..self.h.block_count {
            let at = self.bidx.offset + k * 48;
            let e = BlockEntry::decode(&b[at as usize..at as usize + 48], o);
            let pb = plane_bytes(e.bases as u64) as usize;
            let base = (self.blocks.offset + e.offset) as usize;
            // block_index checked every block, and a zstd one decodes.
            let raw = match e.encoding {
                spec::ENCODING_ZSTD => std::borrow::Cow::Owned(
                    crate::sequence::decompress_block(&b[base..base + e.stored_len as usize], 3 * pb)
                        .unwrap_or_else(|_| vec![0; 3 * pb]),
                ),
                _ => std::borrow::Cow::Borrowed(&b[base..base + 3 * pb]),
            };
            let p2 = &raw[2 * pb..3 * pb];
            if let Some(sm) = summary {
                for (l, line) in p2.chunks_exact(64).enumerate() {
                    let g = k * bb / 512 + l as u64;
                    let bit = b[(sm.offset + g / 8) as usize] >> (g % 8) & 1 != 0;
                    if bit != line.iter().any(|&x| x != 0) {
                        v.format(
                            "S2",
                            Some(sm.kind),
                            sm.offset + g / 8,
                            format!("bit of line {g} does not match plane 2"),
                        );
                    }
                }
            }
            // SPEC §9: code 6 becomes the base it stands for; [RF5] and
            // [RF6] are reported here, once per block.
            let raw = match &self.refs {
                Some((refs, attached)) => {
                    match escape::resolve(&raw, pb, k * bb, refs, attached.as_ref(), self.blocks.offset) {
                        Ok(Some(resolved)) => std::borrow::Cow::Owned(resolved),
                        Ok(None) => raw,
                        Err(_) if attached.is_err() => raw,
                        Err(err) => {
                            let (label, class) = match err.kind() {
                                crate::ErrorKind::Format => ("RF5", Class::Format),
                                crate::ErrorKind::Mismatch => ("RF6", Class::Mismatch),
                                _ => ("RF6", Class::Unsupported),
                            };
                            v.add(
                                label,
                                class,
                                Some(kind::BLOCKS),
                                self.blocks.offset + e.offset,
                                err.message().into(),
                            );
                            raw
                        }
                    }
                }
                None => raw,
            };
            let (p0, p1, p2) = (&raw[..pb], &raw[pb..2 * pb], &raw[2 * pb..3 * pb]);
            codes.clear();
            for j in 0..pb {
                codes.extend_from_slice(&codes8(p0[j], p1[j], p2[j]).to_le_bytes());
            }
            codes.truncate(e.bases as usize);
            for &c in &codes {
                let Some(r) = self.records.get(rec) else { return };
                if pos == r.length {
                    if c != code::END {
                        v.format(
                            "R2",
                            si,
                            self.record_at(rec),
                            format!("record {rec}: code {c} where END belongs"),
                        );
                    }
                    self.finish_record(v, rec, state);
                    state = RecordState::new(refget);
                    rec += 1;
                    pos = 0;
                    continue;
                }
                let letter = match c {
                    code::END => {
                        v.format(
                            "R2",
                            si,
                            self.record_at(rec),
                            format!("record {rec}: END code at position {pos}"),
                        );
                        b'?'
                    }
                    code::REFERENCE if self.refs.is_some() => b'?',
                    code::REFERENCE => {
                        v.add(
                            "C1",
                            Class::Unsupported,
                            Some(kind::BLOCKS),
                            self.blocks.offset + e.offset,
                            format!("record {rec} position {pos} is reference-escaped"),
                        );
                        b'?'
                    }
                    code::N => {
                        state.n += 1;
                        b'N'
                    }
                    _ => DECODE[c as usize],
                };
                let letter = match self.exc_arr[rec] {
                    Some(a) => self.nibble_at(v, rec, a, pos, c).unwrap_or(letter),
                    None => self.exception_at(v, rec, pos, c, &mut state).unwrap_or(letter),
                };
                if let Some(a) = self.mask_arr[rec] {
                    if letter == b'-' && (b[(a + pos / 8) as usize] >> (pos % 8)) & 1 == 1 {
                        v.format(
                            "DF5",
                            Some(kind::MASK_BITMAP),
                            a + pos / 8,
                            format!("record {rec}: masked '-' at {pos}"),
                        );
                    }
                } else if self.masks_ok[rec] && letter == b'-' && self.masked(rec, pos, &mut state) {
                    v.format(
                        "M3",
                        Some(kind::MASKS),
                        self.masks.offset,
                        format!("record {rec}: masked '-' at {pos}"),
                    );
                }
                state.letter(letter);
                pos += 1;
            }
        }
    }

    /// SPEC §9: REFERENCES (\[RF1]-\[RF4], \[RF7], runs inside one sequence
    /// for \[RF5]) and its reference (\[RF6]), which `stream` then uses.
    pub(super) fn references(&mut self, v: &mut V<'_>, e: &DirectoryEntry, group: u32) {
        let s = Some(kind::REFERENCES);
        if e.group != group {
            v.format(
                "RF7",
                s,
                e.offset,
                format!("group {} is not the sequence set's {group}", e.group),
            );
        }
        let Some(range) = u64_range(e.offset, e.length, self.b.len() as u64) else {
            return;
        };
        let mut found = Vec::new();
        let mut collect = |label: &'static str, at: u64, msg: String| {
            found.push((label, at, msg));
            Ok(())
        };
        let decoded = References::decode(&self.b[range], self.o, e.offset, self.h.stream_len, &mut collect);
        for (label, at, msg) in found {
            if label == "RF4" {
                v.reserved(label, s, at, true, &msg);
            } else {
                v.format(label, s, at, msg);
            }
        }
        let Ok(Some(refs)) = decoded else {
            return;
        };
        for (k, r) in refs.runs.iter().enumerate() {
            let i = self.records.partition_point(|x| x.start <= r.start);
            let inside = i > 0 && {
                let x = &self.records[i - 1];
                r.end() <= x.start + x.length
            };
            if !inside {
                v.format(
                    "RF5",
                    s,
                    e.offset,
                    format!("run {k} [{}, +{}) is not inside one sequence", r.start, r.length),
                );
            }
        }
        let attached = escape::attach(&refs, v.paths.0, v.paths.1);
        if let Err(err) = &attached {
            let class = match err.kind() {
                crate::ErrorKind::Mismatch => Class::Mismatch,
                _ => Class::Unsupported,
            };
            v.add("RF6", class, s, e.offset, err.message().into());
        }
        self.refs = Some((refs, attached));
    }

    /// The exception letter at `pos` of record `rec`; reports \[E3] where
    /// runs and code-7 positions disagree.
    fn exception_at(&self, v: &mut V<'_>, rec: usize, pos: u64, c: u8, st: &mut RecordState) -> Option<u8> {
        if !self.exc_ok[rec] {
            return None;
        }
        let r = &self.records[rec];
        while st.exc < r.exception_count && self.exception(r.exception_first + st.exc).end() <= pos {
            st.exc += 1;
        }
        let run = (st.exc < r.exception_count)
            .then(|| self.exception(r.exception_first + st.exc))
            .filter(|x| x.start <= pos);
        match (run, c == code::EXCEPTION) {
            (Some(x), true) => Some(x.letter),
            (None, true) => {
                v.format(
                    "E3",
                    Some(kind::EXCEPTIONS),
                    self.exc.offset,
                    format!("record {rec} position {pos} has code 7 and no run"),
                );
                Some(b'?')
            }
            (Some(_), false) => {
                v.format(
                    "E3",
                    Some(kind::EXCEPTIONS),
                    self.exc.offset,
                    format!("record {rec} position {pos} is in a run but has code {c}"),
                );
                None
            }
            (None, false) => None,
        }
    }

    /// The letter of nibble array `a` at `pos`; reports \[DF6] where
    /// nibbles and code-7 positions disagree.
    fn nibble_at(&self, v: &mut V<'_>, rec: usize, a: u64, pos: u64, c: u8) -> Option<u8> {
        let x = (self.b[(a + pos / 2) as usize] >> (4 * (pos % 2))) & 15;
        let at = a + pos / 2;
        match (x, c == code::EXCEPTION) {
            (1..=12, true) => Some(spec::EXCEPTION_LETTERS[x as usize - 1]),
            (0, true) => {
                v.format(
                    "DF6",
                    Some(kind::EXCEPTION_NIBBLES),
                    at,
                    format!("record {rec} position {pos} has code 7 and nibble 0"),
                );
                Some(b'?')
            }
            (1.., false) => {
                v.format(
                    "DF6",
                    Some(kind::EXCEPTION_NIBBLES),
                    at,
                    format!("record {rec} position {pos} has nibble {x} but code {c}"),
                );
                None
            }
            (0, false) => None,
            _ => Some(b'?'),
        }
    }

    fn masked(&self, rec: usize, pos: u64, st: &mut RecordState) -> bool {
        let r = &self.records[rec];
        while st.mask < r.mask_count && self.mask(r.mask_first + st.mask).end <= pos {
            st.mask += 1;
        }
        st.mask < r.mask_count && self.mask(r.mask_first + st.mask).start <= pos
    }

    fn finish_record(&self, v: &mut V<'_>, rec: usize, st: RecordState) {
        let r = &self.records[rec];
        let at = self.record_at(rec);
        let si = Some(kind::SEQUENCE_INDEX);
        if st.n != r.n_count {
            v.format(
                "R8",
                si,
                at + 72,
                format!("record {rec}: n_count {}, counted {}", r.n_count, st.n),
            );
        }
        let (md5, sha) = st.finish();
        // SPEC §9: without its reference ([RF6], reported once) an escaped
        // file's digests cannot be recomputed.
        if self.refs.as_ref().is_some_and(|(_, a)| a.is_err()) {
            return;
        }
        if md5 != r.md5 {
            v.format(
                "R9",
                si,
                at + 80,
                format!("record {rec}: md5 does not match the sequence"),
            );
        }
        if let Some(sha) = sha {
            if sha != r.refget {
                v.format(
                    "R10",
                    si,
                    at + 96,
                    format!("record {rec}: refget does not match the sequence"),
                );
            }
        }
    }
}

/// Running state of the record being decoded.
struct RecordState {
    n: u64,
    exc: u64,
    mask: u64,
    buf: Vec<u8>,
    md5: Md5,
    sha: Option<Sha512>,
}

impl RecordState {
    fn new(refget: bool) -> Self {
        RecordState {
            n: 0,
            exc: 0,
            mask: 0,
            buf: Vec::new(),
            md5: Md5::new(),
            sha: refget.then(Sha512::new),
        }
    }

    fn letter(&mut self, l: u8) {
        self.buf.push(l);
        if self.buf.len() >= 1 << 16 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.md5.update(&self.buf);
        if let Some(s) = self.sha.as_mut() {
            s.update(&self.buf);
        }
        self.buf.clear();
    }

    fn finish(mut self) -> ([u8; 16], Option<[u8; 24]>) {
        self.flush();
        let sha = self.sha.map(|s| {
            let mut d = [0u8; 24];
            d.copy_from_slice(&s.finalize()[..24]);
            d
        });
        (self.md5.finalize().into(), sha)
    }
}
