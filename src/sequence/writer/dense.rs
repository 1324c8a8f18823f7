//! The dense forms of masks and exceptions (SPEC §6.6): per-sequence
//! bitmaps and nibble arrays, their conversion to and from runs, and the
//! writer's choice of form for each sequence by its cost.

use std::io::{Seek, Write};

use super::super::layout::{ExceptionRun, MaskRun};
use super::{Current, Writer};
use crate::container::ByteOrder;
use crate::spec;

/// Extra bytes the dense form of one sequence must save over its runs
/// before the writer uses it, so that ordinary files stay in run form
/// (readable as version 1.0 or 1.1) and the section's own overhead is paid
/// for (SPEC §6.6 "Choice of form").
pub const DENSE_SLACK: u64 = 512;

/// The bitmaps or nibble arrays of the sequences in dense form, and where
/// each lies (SPEC §6.6).
#[derive(Default)]
pub(super) struct Dense {
    /// Per record: offset in `data`, or [`spec::DENSE_NONE`].
    offsets: Vec<u64>,
    data: Vec<u8>,
}

impl Dense {
    fn push(&mut self, bytes: Option<Vec<u8>>) {
        match bytes {
            Some(b) => {
                self.offsets.push(self.data.len() as u64);
                self.data.extend_from_slice(&b);
            }
            None => self.offsets.push(spec::DENSE_NONE),
        }
    }

    /// The section bytes, or None when no sequence is in dense form.
    pub(super) fn section(&self, order: ByteOrder) -> Option<Vec<u8>> {
        if self.data.is_empty() {
            return None;
        }
        let table = self.offsets.len() as u64 * spec::DENSE_ENTRY_LEN;
        let mut out = Vec::with_capacity(table as usize + self.data.len());
        for &o in &self.offsets {
            order.put_u64(&mut out, if o == spec::DENSE_NONE { o } else { table + o });
        }
        out.extend_from_slice(&self.data);
        Some(out)
    }
}

/// Bytes of a sequence's mask bitmap: one bit per base, padded to 8 bytes.
pub fn bitmap_bytes(length: u64) -> u64 {
    length.div_ceil(8).div_ceil(spec::DENSE_ALIGN) * spec::DENSE_ALIGN
}

/// Bytes of a sequence's exception nibbles: four bits per base, padded to 8 bytes.
pub fn nibble_bytes(length: u64) -> u64 {
    length.div_ceil(2).div_ceil(spec::DENSE_ALIGN) * spec::DENSE_ALIGN
}

/// Sets bits [s, e) of a bitmap, growing it as needed.
fn set_bits(bits: &mut Vec<u8>, s: u64, e: u64) {
    let need = e.div_ceil(8) as usize;
    if bits.len() < need {
        bits.resize(need, 0);
    }
    let mut p = s;
    while p < e {
        if p.is_multiple_of(8) && p + 8 <= e {
            bits[(p / 8) as usize] = 0xFF;
            p += 8;
        } else {
            bits[(p / 8) as usize] |= 1 << (p % 8);
            p += 1;
        }
    }
}

/// Sets the nibble of position p (low nibble first).
pub(super) fn set_nibble(nib: &mut Vec<u8>, p: u64, v: u8) {
    let need = (p / 2 + 1) as usize;
    if nib.len() < need {
        nib.resize(need, 0);
    }
    nib[(p / 2) as usize] |= v << (4 * (p % 2));
}

/// Mask runs of a bitmap covering `length` bases.
pub fn bitmap_runs(bits: &[u8], length: u64) -> Vec<MaskRun> {
    let mut out = Vec::new();
    let mut since = None;
    for p in 0..length {
        let on = bits.get((p / 8) as usize).is_some_and(|b| b >> (p % 8) & 1 == 1);
        match (on, since) {
            (true, None) => since = Some(p),
            (false, Some(s)) => {
                out.push(MaskRun { start: s, end: p });
                since = None;
            }
            _ => {}
        }
    }
    if let Some(s) = since {
        out.push(MaskRun { start: s, end: length });
    }
    out
}

/// Exception runs of a nibble array covering `length` bases (values 1–12
/// index [`spec::EXCEPTION_LETTERS`] from 1), or the first position whose
/// value is above 12 and that value.
pub fn nibble_runs(nib: &[u8], length: u64) -> std::result::Result<Vec<ExceptionRun>, (u64, u8)> {
    let mut out: Vec<ExceptionRun> = Vec::new();
    for p in 0..length {
        let v = nib.get((p / 2) as usize).map_or(0, |b| (b >> (4 * (p % 2))) & 15);
        if v == 0 {
            continue;
        }
        let Some(&letter) = spec::EXCEPTION_LETTERS.get(v as usize - 1) else {
            return Err((p, v));
        };
        match out.last_mut() {
            Some(e) if e.letter == letter && e.end() == p && e.length < u32::MAX => e.length += 1,
            _ => out.push(ExceptionRun {
                start: p,
                length: 1,
                letter,
            }),
        }
    }
    Ok(out)
}

/// The nibble of an exception letter: its index in
/// [`spec::EXCEPTION_LETTERS`] plus one (SPEC §6.6).
pub(super) fn exception_value(letter: u8) -> u8 {
    spec::EXCEPTION_LETTERS
        .iter()
        .position(|&l| l == letter)
        .map_or(0, |i| i as u8 + 1)
}

impl<W: Write + Seek> Writer<W> {
    /// Closes the mask run [s, e) of the open sequence.
    pub(super) fn close_mask(&mut self, cur: &mut Current, s: u64, e: u64) {
        cur.mask_runs += 1;
        if let Some(bits) = cur.mask_bits.as_mut() {
            set_bits(bits, s, e);
            return;
        }
        self.masks.push(MaskRun { start: s, end: e });
        // Bounded staging: once the runs cost more than a bitmap of the
        // bases so far, switch to the bitmap.
        if self.dense && cur.mask_runs * spec::MASK_ENTRY_LEN > bitmap_bytes(e) + DENSE_SLACK {
            self.masks_to_bitmap(cur);
        }
    }

    fn masks_to_bitmap(&mut self, cur: &mut Current) {
        let mut bits = Vec::new();
        for m in self.masks.drain(cur.record.mask_first as usize..) {
            set_bits(&mut bits, m.start, m.end);
        }
        cur.mask_bits = Some(bits);
    }

    pub(super) fn exceptions_to_nibbles(&mut self, cur: &mut Current) {
        let mut nib = Vec::new();
        for x in self.exceptions.drain(cur.record.exception_first as usize..) {
            for p in x.start..x.end() {
                set_nibble(&mut nib, p, exception_value(x.letter));
            }
            cur.last_exception = (x.end(), x.letter, x.length);
        }
        cur.nibbles = Some(nib);
    }

    /// Picks the form of the open sequence's masks and exceptions by their
    /// final cost (SPEC §6.6 "Choice of form") and records it.
    pub(super) fn settle_forms(&mut self, cur: &mut Current) {
        let len = cur.record.length;
        let dense_mask = self.dense && cur.mask_runs * spec::MASK_ENTRY_LEN > bitmap_bytes(len) + DENSE_SLACK;
        match (dense_mask, cur.mask_bits.take()) {
            (true, bits) => {
                cur.mask_bits = bits;
                if cur.mask_bits.is_none() {
                    self.masks_to_bitmap(cur);
                }
                let mut bits = cur.mask_bits.take().unwrap_or_default();
                bits.resize(bitmap_bytes(len) as usize, 0);
                self.mask_dense.push(Some(bits));
            }
            (false, Some(bits)) => {
                self.masks.extend(bitmap_runs(&bits, len));
                self.mask_dense.push(None);
            }
            (false, None) => self.mask_dense.push(None),
        }
        let dense_exc = self.dense && cur.exception_runs * spec::EXCEPTION_ENTRY_LEN > nibble_bytes(len) + DENSE_SLACK;
        match (dense_exc, cur.nibbles.take()) {
            (true, nib) => {
                cur.nibbles = nib;
                if cur.nibbles.is_none() {
                    self.exceptions_to_nibbles(cur);
                }
                let mut nib = cur.nibbles.take().unwrap_or_default();
                nib.resize(nibble_bytes(len) as usize, 0);
                self.exception_dense.push(Some(nib));
            }
            (false, Some(nib)) => {
                // The writer's own nibbles are all 0–12.
                self.exceptions.extend(nibble_runs(&nib, len).unwrap_or_default());
                self.exception_dense.push(None);
            }
            (false, None) => self.exception_dense.push(None),
        }
    }
}
