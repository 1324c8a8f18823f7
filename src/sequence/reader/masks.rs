//! Soft masks and exceptions of one sequence (SPEC §6.3, §6.4), in run
//! form or dense form (SPEC §6.6).

use super::sections::Layout;
use super::{Reader, Sequence};
use crate::error::{section_name, Error, Result};
use std::sync::atomic::Ordering;

use crate::sequence::layout::{check_exception_runs, check_mask_runs, ExceptionRun, MaskRun, RunFault};
use crate::sequence::writer;
use crate::spec::{self, kind};

/// Which dense form (SPEC §6.6).
#[derive(Clone, Copy)]
pub(super) enum DenseKind {
    Mask,
    Exception,
}

impl Reader {
    /// The dense bitmap or nibble array of `seq` (SPEC §6.6), exactly as
    /// long as its length needs, or None when it is in run form.
    pub(super) fn dense(&self, l: &Layout, which: DenseKind, seq: &Sequence<'_>) -> Result<Option<&[u8]>> {
        let (range, k, need, runs) = match which {
            DenseKind::Mask => (
                &l.mask_bitmap,
                kind::MASK_BITMAP,
                writer::bitmap_bytes(seq.record.length),
                seq.record.mask_count,
            ),
            DenseKind::Exception => (
                &l.exception_nibbles,
                kind::EXCEPTION_NIBBLES,
                writer::nibble_bytes(seq.record.length),
                seq.record.exception_count,
            ),
        };
        let Some(range) = range else {
            return Ok(None);
        };
        let b = &self.data.bytes()[range.clone()];
        let at = (range.start + seq.index * spec::DENSE_ENTRY_LEN as usize) as u64;
        let off = self
            .container
            .order
            .u64_at(b, seq.index * spec::DENSE_ENTRY_LEN as usize);
        if off == spec::DENSE_NONE {
            return Ok(None);
        }
        let table = l.header.sequence_count * spec::DENSE_ENTRY_LEN;
        let fail = |msg: String| Err(Error::format(Some(k), at, msg));
        if off < table
            || !off.is_multiple_of(spec::DENSE_ALIGN)
            || off.checked_add(need).is_none_or(|e| e > b.len() as u64)
        {
            return fail(format!(
                "{} of {} lies at {off}: expected a multiple of 8 from {table}, with {need} bytes before the section's end at {}",
                section_name(k),
                seq.name_str(),
                b.len()
            ));
        }
        if runs != 0 {
            return fail(format!(
                "{} is in dense form and also has {runs} runs in {}",
                seq.name_str(),
                section_name(if k == kind::MASK_BITMAP {
                    kind::MASKS
                } else {
                    kind::EXCEPTIONS
                })
            ));
        }
        Ok(Some(&b[off as usize..(off + need) as usize]))
    }

    /// SPEC §6.5: before any base of a record is returned, every mask and
    /// exception run of the record is checked (\[M1], \[M2], \[E1], \[E2],
    /// \[E4]), not only those a read overlaps; once per record and reader.
    pub(super) fn check_runs(&self, seq: &Sequence<'_>) -> Result<()> {
        let r = &seq.record;
        let (word, bit) = (seq.index / 64, 1u64 << (seq.index % 64));
        let done = self.runs_checked.get(word);
        if (r.mask_count == 0 && r.exception_count == 0) || done.is_some_and(|w| w.load(Ordering::Relaxed) & bit != 0) {
            return Ok(());
        }
        let Some(l) = self.layout.as_ref() else {
            return Ok(());
        };
        let mut first: Option<(u32, u64, RunFault)> = None;
        let mut keep = |section, at: u64, f: RunFault| {
            if f.for_readers {
                first = Some((section, at, f));
            }
            first.is_none()
        };
        let (mf, ef) = (r.mask_first, r.exception_first);
        if !check_mask_runs(self.mask_runs_stored(seq), r.length, |f| {
            let at = l.masks.start as u64 + 16 * (mf + f.run);
            keep(kind::MASKS, at, f)
        }) || !check_exception_runs(self.exception_runs_stored(seq), r.length, |f| {
            let at = l.exceptions.start as u64 + 16 * (ef + f.run) + if f.at_letter { 12 } else { 0 };
            keep(kind::EXCEPTIONS, at, f)
        }) {
            let (section, at, f) = first.expect("a failed check reports its fault");
            let msg = format!("{}: {}", seq.name_str(), f.message);
            return Err(Error::format(Some(section), at, msg).with_rule(f.label));
        }
        if let Some(w) = done {
            w.fetch_or(bit, Ordering::Relaxed);
        }
        Ok(())
    }

    /// The soft-mask runs of `seq` (SPEC §6.3), sequence-relative, in
    /// either form (SPEC §6.6).
    pub fn mask_runs(&self, seq: &Sequence<'_>) -> Result<Vec<MaskRun>> {
        if let Some(l) = self.layout.as_ref() {
            if let Some(bits) = self.dense(l, DenseKind::Mask, seq)? {
                return Ok(writer::bitmap_runs(bits, seq.record.length));
            }
        }
        self.check_runs(seq)?;
        Ok(self.mask_runs_stored(seq).collect())
    }

    /// The exception runs of `seq` (SPEC §6.4), sequence-relative, in
    /// either form (SPEC §6.6).
    pub fn exception_runs(&self, seq: &Sequence<'_>) -> Result<Vec<ExceptionRun>> {
        if let Some(l) = self.layout.as_ref() {
            if let Some(nib) = self.dense(l, DenseKind::Exception, seq)? {
                return writer::nibble_runs(nib, seq.record.length).map_err(|(p, v)| {
                    Error::format(
                        Some(kind::EXCEPTION_NIBBLES),
                        l.exception_nibbles.as_ref().map_or(0, |r| r.start as u64),
                        format!("exception nibble {v} at {p} of {} is not 0 to 12", seq.name_str()),
                    )
                });
            }
        }
        self.check_runs(seq)?;
        Ok(self.exception_runs_stored(seq).collect())
    }

    /// Number of soft-masked bases of `seq`, without listing its runs.
    pub fn masked_bases(&self, seq: &Sequence<'_>) -> Result<u64> {
        if let Some(l) = self.layout.as_ref() {
            if let Some(bits) = self.dense(l, DenseKind::Mask, seq)? {
                // Padding bits are zero in a valid file ([DF4]); count only
                // the sequence's own positions regardless.
                let full = (seq.record.length / 8) as usize;
                let mut n: u64 = bits[..full].iter().map(|b| b.count_ones() as u64).sum();
                let rest = seq.record.length % 8;
                if rest > 0 {
                    n += (bits[full] & ((1u8 << rest) - 1)).count_ones() as u64;
                }
                return Ok(n);
            }
        }
        self.check_runs(seq)?;
        Ok(self.mask_runs_stored(seq).map(|m| m.end.saturating_sub(m.start)).sum())
    }

    /// Number of exception-coded bases of `seq`, without listing its runs.
    pub fn exception_bases(&self, seq: &Sequence<'_>) -> Result<u64> {
        if let Some(l) = self.layout.as_ref() {
            if let Some(nib) = self.dense(l, DenseKind::Exception, seq)? {
                let n = (0..seq.record.length)
                    .filter(|&p| (nib[(p / 2) as usize] >> (4 * (p % 2))) & 15 != 0)
                    .count();
                return Ok(n as u64);
            }
        }
        self.check_runs(seq)?;
        Ok(self.exception_runs_stored(seq).map(|e| e.length as u64).sum())
    }

    fn mask_runs_stored<'a>(&'a self, seq: &Sequence<'_>) -> impl Iterator<Item = MaskRun> + 'a {
        let (o, first, n) = (
            self.container.order,
            seq.record.mask_first as usize,
            seq.record.mask_count as usize,
        );
        let mb = self
            .layout
            .as_ref()
            .map_or(&[][..], |l| &self.data.bytes()[l.masks.clone()]);
        (first..first + n).map(move |k| MaskRun::decode(&mb[k * 16..k * 16 + 16], o))
    }

    fn exception_runs_stored<'a>(&'a self, seq: &Sequence<'_>) -> impl Iterator<Item = ExceptionRun> + 'a {
        let (o, first, n) = (
            self.container.order,
            seq.record.exception_first as usize,
            seq.record.exception_count as usize,
        );
        let eb = self
            .layout
            .as_ref()
            .map_or(&[][..], |l| &self.data.bytes()[l.exceptions.clone()]);
        (first..first + n).map(move |k| ExceptionRun::decode(&eb[k * 16..k * 16 + 16], o))
    }
}
