//! Where the sequence sections lie (SPEC §5–6), checked once at open.

use std::ops::Range;
use std::sync::Arc;

use super::Reader;
use crate::container::{Container, DirectoryEntry, First};
use crate::error::{section_name, Error, Result};
use crate::sequence::escape::References;
use crate::sequence::layout::IndexHeader;
use crate::spec::{self, kind};

/// Where the sequence sections lie, checked once at open.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub(super) header: IndexHeader,
    pub(super) records: Range<usize>,
    pub(super) names: Range<usize>,
    pub(super) hash_slots: Range<usize>,
    pub(super) slot_count: u64,
    pub(super) block_index: Range<usize>,
    pub(super) blocks: Range<usize>,
    pub(super) blocks_offset: u64,
    pub(super) masks: Range<usize>,
    pub(super) exceptions: Range<usize>,
    pub(super) summary: Option<Range<usize>>,
    /// MASK_BITMAP (SPEC §6.6), when present.
    pub(super) mask_bitmap: Option<Range<usize>>,
    /// EXCEPTION_NIBBLES (SPEC §6.6), when present.
    pub(super) exception_nibbles: Option<Range<usize>>,
    /// REFERENCES (SPEC §9), decoded, when present.
    pub(super) references: Option<Arc<References>>,
}

fn range_of(e: &DirectoryEntry) -> Range<usize> {
    e.offset as usize..(e.offset + e.length) as usize
}

impl Reader {
    /// Checks the sequence sections' presence, checksums and sizes.
    pub(super) fn layout(c: &Container, bytes: &[u8]) -> Result<Option<Layout>> {
        let kinds = spec::SEQUENCE_SET;
        let mut found = Vec::with_capacity(kinds.len());
        for k in kinds {
            found.push(c.find(k)?);
        }
        if found.iter().all(|e| e.is_none()) {
            for k in [kind::MASK_BITMAP, kind::EXCEPTION_NIBBLES, kind::REFERENCES] {
                if let Some(e) = c.find(k)? {
                    return Err(Error::format(
                        Some(k),
                        e.offset,
                        format!("the file has a {} but no sequence set", section_name(k)),
                    ));
                }
            }
            return Ok(None);
        }
        let mut es = Vec::with_capacity(kinds.len());
        for (k, e) in kinds.iter().zip(&found) {
            match e {
                Some(e) => es.push(**e),
                None => {
                    return Err(Error::format(
                        None,
                        c.header.directory_offset,
                        format!("the file has sequence sections but no {}", section_name(*k)),
                    ))
                }
            }
        }
        let [idx, names, hash, bidx, blocks, masks, exc] = [es[0], es[1], es[2], es[3], es[4], es[5], es[6]];
        // The metadata sections are small: verify them now. BLOCKS is
        // verified block by block, on first touch.
        for e in [&idx, &names, &hash, &bidx, &masks, &exc] {
            c.verified(bytes, e)?;
        }
        let o = c.order;
        let mut first = First::default();
        let Some(h) = IndexHeader::check(bytes, o, c.header.minor, &idx, &mut first) else {
            return Err(first.into_error());
        };
        if Some(bidx.length) != h.block_count.checked_mul(spec::BLOCK_ENTRY_LEN) {
            return Err(Error::format(
                Some(bidx.kind),
                bidx.offset,
                format!(
                    "BLOCK_INDEX is {} bytes; {} blocks need {}",
                    bidx.length,
                    h.block_count,
                    h.block_count * 32
                ),
            ));
        }
        for (e, unit) in [(&masks, spec::MASK_ENTRY_LEN), (&exc, spec::EXCEPTION_ENTRY_LEN)] {
            if e.length % unit != 0 {
                return Err(Error::format(
                    Some(e.kind),
                    e.offset,
                    format!(
                        "{} length {} is not a multiple of {unit}",
                        section_name(e.kind),
                        e.length
                    ),
                ));
            }
        }
        let hb = &bytes[range_of(&hash)];
        if (hb.len() as u64) < spec::NAME_HASH_HEADER_LEN {
            return Err(Error::format(
                Some(hash.kind),
                hash.offset,
                "SEQUENCE_NAME_HASH is shorter than its header",
            ));
        }
        let slot_count = o.u64_at(hb, 0);
        let slots_len = slot_count.checked_mul(spec::NAME_HASH_SLOT_LEN);
        if !slot_count.is_power_of_two()
            || slot_count <= h.sequence_count
            || slots_len.and_then(|l| l.checked_add(16)) != Some(hash.length)
        {
            return Err(Error::format(
                Some(hash.kind),
                hash.offset,
                format!(
                    "slot_count {slot_count} must be a power of two above the sequence count {} and fill the {}-byte section",
                    h.sequence_count, hash.length
                ),
            ));
        }
        let summary = match c.find(kind::NONACGT_SUMMARY)? {
            Some(e) => {
                let lines = h.stream_len.div_ceil(spec::PLANE_LINE_BASES);
                if e.length != lines.div_ceil(8).div_ceil(8) * 8 {
                    return Err(Error::format(
                        Some(e.kind),
                        e.offset,
                        format!(
                            "NONACGT_SUMMARY is {} bytes; {lines} lines need {}",
                            e.length,
                            lines.div_ceil(64) * 8
                        ),
                    ));
                }
                c.verified(bytes, e)?;
                Some(range_of(e))
            }
            None => None,
        };
        let mut dense = [None, None];
        for (slot, k) in dense.iter_mut().zip([kind::MASK_BITMAP, kind::EXCEPTION_NIBBLES]) {
            if let Some(e) = c.find(k)? {
                let table = h.sequence_count.checked_mul(spec::DENSE_ENTRY_LEN);
                if table.is_none_or(|t| t > e.length) {
                    return Err(Error::format(
                        Some(k),
                        e.offset,
                        format!(
                            "{} is {} bytes, shorter than its table of {} sequences",
                            section_name(k),
                            e.length,
                            h.sequence_count
                        ),
                    ));
                }
                c.verified(bytes, e)?;
                *slot = Some(range_of(e));
            }
        }
        let [mask_bitmap, exception_nibbles] = dense;
        // SPEC §9: REFERENCES, checked at open ([RF1]-[RF3]); reserved
        // bytes ([RF4]) are ignored, as §13.1 rule 5 says of every reader.
        let references = match c.find(kind::REFERENCES)? {
            Some(e) => {
                c.verified(bytes, e)?;
                let mut stop = |label: &'static str, at: u64, msg: String| match label {
                    "RF4" => Ok(()),
                    _ => Err(Error::format(Some(kind::REFERENCES), at, msg)),
                };
                References::decode(&bytes[range_of(e)], o, e.offset, h.stream_len, &mut stop)?.map(Arc::new)
            }
            None => None,
        };
        let ir = range_of(&idx);
        Ok(Some(Layout {
            references,
            mask_bitmap,
            exception_nibbles,
            header: h,
            records: ir.start + 64..ir.end,
            names: range_of(&names),
            hash_slots: range_of(&hash).start + 16..range_of(&hash).end,
            slot_count,
            block_index: range_of(&bidx),
            blocks: range_of(&blocks),
            blocks_offset: blocks.offset,
            masks: range_of(&masks),
            exceptions: range_of(&exc),
            summary,
        }))
    }
}
