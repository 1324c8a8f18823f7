//! String dictionaries of dict columns (SPEC §8.3): a DICTIONARY section is
//! checked whole when its table opens (\[DI1] to \[DI3]), then each string is a
//! slice of it.

use crate::container::ByteOrder;
use crate::error::{Error, Result};
use crate::spec::{kind, table as t};

/// The strings of a dictionary-encoded column (SPEC §8.3).
#[derive(Debug, Clone)]
pub struct Dictionary<'a> {
    order: ByteOrder,
    offsets: &'a [u8],
    /// The string data, checked to be UTF-8 with every string boundary on a
    /// character boundary, so each string is a slice of it.
    strings: &'a str,
    count: u64,
    offset: u64,
}

impl<'a> Dictionary<'a> {
    pub(super) fn parse(bytes: &'a [u8], order: ByteOrder, offset: u64) -> Result<(u32, Dictionary<'a>)> {
        let bad = |at: u64, m: String| Error::format(Some(kind::DICTIONARY), offset + at, m);
        if (bytes.len() as u64) < t::DICTIONARY_HEADER_LEN {
            return Err(bad(0, "section is shorter than its 32-byte header".into()).with_rule("DI1"));
        }
        let column = order.u32_at(bytes, 0);
        let count = order.u64_at(bytes, 8);
        let total = order.u64_at(bytes, 16);
        let need = count
            .checked_add(1)
            .and_then(|n| n.checked_mul(8))
            .and_then(|n| n.checked_add(t::DICTIONARY_HEADER_LEN))
            .and_then(|n| n.checked_add(total));
        if need != Some(bytes.len() as u64) {
            return Err(bad(
                8,
                format!(
                    "{count} strings of {total} bytes do not fill the {}-byte section",
                    bytes.len()
                ),
            )
            .with_rule("DI1"));
        }
        let offs_end = 32 + 8 * (count as usize + 1);
        let offsets = &bytes[32..offs_end];
        let off = |i: u64| order.u64_at(offsets, 8 * i as usize);
        // [DI2] offsets start at 0, never decrease, end at the byte count.
        let mut prev = 0u64;
        for i in 0..=count {
            let v = off(i);
            if (i == 0 && v != 0) || v < prev || v > total || (i == count && v != total) {
                return Err(bad(32 + 8 * i, format!("string offset {i} = {v} breaks")).with_rule("DI2"));
            }
            prev = v;
        }
        // [DI3] every string is UTF-8: the whole data is checked once, then
        // each boundary lies between characters, which makes every string
        // UTF-8 on its own.
        let strings = match std::str::from_utf8(&bytes[offs_end..]) {
            Ok(s) => s,
            Err(e) => {
                let at = e.valid_up_to() as u64;
                // The string holding byte `at`: the last one starting at or before it.
                let (mut lo, mut hi) = (0u64, count);
                while lo + 1 < hi {
                    let mid = lo + (hi - lo) / 2;
                    if off(mid) <= at {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                return Err(bad(offs_end as u64 + at, format!("string {lo} is not UTF-8")).with_rule("DI3"));
            }
        };
        for i in 1..count {
            let v = off(i);
            if !strings.is_char_boundary(v as usize) {
                return Err(bad(
                    offs_end as u64 + v,
                    format!(
                        "string offset {i} = {v} splits a UTF-8 character, so string {} is not UTF-8",
                        i - 1
                    ),
                )
                .with_rule("DI3"));
            }
        }
        let d = Dictionary {
            order,
            offsets,
            strings,
            count,
            offset,
        };
        Ok((column, d))
    }

    /// The string of `code`, if in range.
    pub fn get(&self, code: u32) -> Option<&'a str> {
        if code as u64 >= self.count {
            return None;
        }
        let a = self.order.u64_at(self.offsets, 8 * code as usize) as usize;
        let b = self.order.u64_at(self.offsets, 8 * code as usize + 8) as usize;
        // On a character boundary by the check at parse: `get` never fails here.
        self.strings.get(a..b)
    }

    /// Number of strings.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether there is no string.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Absolute offset of the DICTIONARY section.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}
