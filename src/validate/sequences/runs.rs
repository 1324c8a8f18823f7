//! Mask and exception runs and their dense forms (SPEC §6.3, §6.4, §6.6).

use super::*;

impl Seq<'_> {
    pub(super) fn mask(&self, k: u64) -> MaskRun {
        MaskRun::decode(&self.b[(self.masks.offset + 16 * k) as usize..][..16], self.o)
    }

    pub(super) fn exception(&self, k: u64) -> ExceptionRun {
        ExceptionRun::decode(&self.b[(self.exc.offset + 16 * k) as usize..][..16], self.o)
    }

    /// SPEC §6.6: \[DF2] \[DF3] \[DF4], and nibble values of \[DF6].
    pub(super) fn dense(&mut self, v: &mut V<'_>) {
        for (which, d) in self.dense_sections.into_iter().enumerate() {
            let Some(d) = d else { continue };
            let s = Some(d.kind);
            let count = self.records.len() as u64;
            let table = count * spec::DENSE_ENTRY_LEN;
            if d.length < table {
                v.format(
                    "DF2",
                    s,
                    d.offset,
                    format!("{} bytes cannot hold the table of {count} sequences", d.length),
                );
                continue;
            }
            let mut expected = table;
            for i in 0..self.records.len() {
                let r = self.records[i];
                let at = d.offset + i as u64 * spec::DENSE_ENTRY_LEN;
                let off = self.o.u64_at(self.b, at as usize);
                if off == spec::DENSE_NONE {
                    continue;
                }
                let (size, runs) = if which == 0 {
                    (crate::sequence::bitmap_bytes(r.length), r.mask_count)
                } else {
                    (crate::sequence::nibble_bytes(r.length), r.exception_count)
                };
                if off != expected {
                    v.format("DF2", s, at, format!("record {i}: array at {off}, expected {expected}"));
                }
                if off.checked_add(size).is_none_or(|e| e > d.length)
                    || !off.is_multiple_of(spec::DENSE_ALIGN)
                    || off < table
                {
                    v.format(
                        "DF2",
                        s,
                        at,
                        format!("record {i}: {size}-byte array at {off} lies outside the section"),
                    );
                    expected = expected.saturating_add(size);
                    continue;
                }
                expected = off + size;
                if runs != 0 {
                    let rk = if which == 0 { kind::MASKS } else { kind::EXCEPTIONS };
                    v.format(
                        "DF3",
                        Some(kind::SEQUENCE_INDEX),
                        self.record_at(i),
                        format!(
                            "record {i} is in dense form and has {runs} runs in {}",
                            section_name(rk)
                        ),
                    );
                }
                let arr = &self.b[(d.offset + off) as usize..(d.offset + off + size) as usize];
                let per = if which == 0 { 8 } else { 2 };
                let width = if which == 0 { 1 } else { 4 };
                for p in r.length..size * per {
                    let x = (arr[(p / per) as usize] >> (width * (p % per))) & ((1 << width) - 1);
                    if x != 0 {
                        v.format(
                            "DF4",
                            s,
                            d.offset + off + p / per,
                            format!("record {i}: padding position {p} is not 0"),
                        );
                        break;
                    }
                }
                if which == 1 {
                    if let Some(p) = (0..r.length).find(|&p| (arr[(p / 2) as usize] >> (4 * (p % 2))) & 15 > 12) {
                        v.format(
                            "DF6",
                            s,
                            d.offset + off + p / 2,
                            format!("record {i}: nibble at {p} is above 12"),
                        );
                    }
                }
                if which == 0 {
                    self.mask_arr[i] = Some(d.offset + off);
                } else {
                    self.exc_arr[i] = Some(d.offset + off);
                }
            }
            if expected != d.length {
                v.format(
                    "DF2",
                    s,
                    d.offset,
                    format!("the arrays end at {expected}, the section at {}", d.length),
                );
            }
        }
    }

    /// \[M1] \[M2] \[E1] \[E2] \[E4] \[E5] \[E6].
    pub(super) fn runs(&mut self, v: &mut V<'_>) {
        use crate::sequence::layout::{check_exception_runs, check_mask_runs};
        let (nm, ne) = (self.masks.length / 16, self.exc.length / 16);
        for i in 0..self.records.len() {
            let r = self.records[i];
            if r.mask_first.checked_add(r.mask_count).is_some_and(|e| e <= nm) {
                let runs = (r.mask_first..r.mask_first + r.mask_count).map(|k| self.mask(k));
                let at = self.masks.offset + 16 * r.mask_first;
                self.masks_ok[i] = check_mask_runs(runs, r.length, |f| {
                    let msg = format!("record {i}: {}", f.message);
                    v.format(f.label, Some(kind::MASKS), at + 16 * f.run, msg);
                    true
                });
            }
            if r.exception_first
                .checked_add(r.exception_count)
                .is_some_and(|e| e <= ne)
            {
                let runs = (r.exception_first..r.exception_first + r.exception_count).map(|k| self.exception(k));
                let at = self.exc.offset + 16 * r.exception_first;
                self.exc_ok[i] = check_exception_runs(runs, r.length, |f| {
                    let msg = format!("record {i}: {}", f.message);
                    let off = at + 16 * f.run + if f.at_letter { 12 } else { 0 };
                    v.format(f.label, Some(kind::EXCEPTIONS), off, msg);
                    true
                });
                for k in r.exception_first..r.exception_first + r.exception_count {
                    let at = self.exc.offset + 16 * k;
                    let raw = &self.b[at as usize + 13..at as usize + 16];
                    v.reserved(
                        "E6",
                        Some(kind::EXCEPTIONS),
                        at + 13,
                        raw.iter().any(|&c| c != 0),
                        "exception bytes 13-15",
                    );
                }
            }
        }
    }
}
