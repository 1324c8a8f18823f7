//! The block index and the blocks' own checks (SPEC §5).

use super::*;

impl Seq<'_> {
    /// \[BI0]–\[BI9], \[B1], \[S1] \[S3], the per-block checksums.
    pub(super) fn block_index(&self, v: &mut V<'_>) -> bool {
        let (bi, o, b) = (self.bidx, self.o, self.b);
        let s = Some(bi.kind);
        let count = self.h.block_count;
        if Some(bi.length) != count.checked_mul(spec::BLOCK_ENTRY_LEN) {
            v.format(
                "BI0",
                s,
                bi.offset,
                format!("{} bytes for {count} blocks of 48", bi.length),
            );
            return false;
        }
        let bb = self.h.block_bases as u64;
        let mut ok = true;
        let mut prev_end = 0u64;
        let (mask_hint, exc_hint) = self.expected_hints();
        for k in 0..count {
            let at = bi.offset + k * spec::BLOCK_ENTRY_LEN;
            let e = BlockEntry::decode(&b[at as usize..at as usize + 48], o);
            let want = bb.min(self.h.stream_len - k * bb);
            v.reserved(
                "BI5",
                s,
                at + 29,
                b[at as usize + 29..at as usize + 32].iter().any(|&c| c != 0),
                "block entry bytes 29-31",
            );
            let zstd = e.encoding == spec::ENCODING_ZSTD;
            if e.encoding != spec::ENCODING_RAW && !zstd {
                v.add(
                    "BI10",
                    Class::Unsupported,
                    s,
                    at + 28,
                    format!("block {k} has encoding {}", e.encoding),
                );
                ok = false;
                continue;
            }
            if zstd && v.minor < spec::VERSION_MINOR_ZSTD {
                let msg = format!("block {k} is zstd-compressed in a file of version 1.{}", v.minor);
                v.format("Z2", s, at + 28, msg);
            }
            if e.bases as u64 != want {
                v.format(
                    "BI4",
                    s,
                    at + 24,
                    format!("block {k} holds {} positions, expected {want}", e.bases),
                );
                ok = false;
                continue;
            }
            let pb = plane_bytes(want);
            if (zstd && e.stored_len == 0) || (!zstd && e.stored_len != 3 * pb) {
                v.format(
                    "BI2",
                    s,
                    at + 8,
                    format!(
                        "block {k} stored_len {} is not {}",
                        e.stored_len,
                        if zstd { "positive".into() } else { (3 * pb).to_string() }
                    ),
                );
                ok = false;
                continue;
            }
            if !zstd && !e.offset.is_multiple_of(64) {
                v.format(
                    "BI1",
                    s,
                    at,
                    format!("block {k} offset {} is not a multiple of 64", e.offset),
                );
                ok = false;
                continue;
            }
            let Some(range) = u64_range(e.offset, e.stored_len, self.blocks.length) else {
                v.format("BI6", s, at, format!("block {k} lies outside BLOCKS"));
                ok = false;
                continue;
            };
            if e.offset < prev_end {
                v.format(
                    "BI7",
                    s,
                    at,
                    format!(
                        "block {k} at {} overlaps or precedes block {}",
                        e.offset,
                        k.saturating_sub(1)
                    ),
                );
            } else if b[(self.blocks.offset + prev_end) as usize..(self.blocks.offset + e.offset) as usize]
                .iter()
                .any(|&c| c != 0)
            {
                v.format(
                    "BI7",
                    Some(kind::BLOCKS),
                    self.blocks.offset + prev_end,
                    format!("bytes before block {k} are not zero"),
                );
            }
            prev_end = e.offset + e.stored_len;
            let base = self.blocks.offset as usize;
            let data = &b[base + range.start..base + range.end];
            v.sum(
                "BI3",
                Some(kind::BLOCKS),
                self.blocks.offset + e.offset,
                data,
                e.checksum,
                &format!("block {k}"),
            );
            // SPEC §5.3 [Z1]: a zstd block holds the raw block as one frame.
            let data = if zstd {
                match crate::sequence::decompress_block(data, 3 * pb as usize) {
                    Ok(raw) => std::borrow::Cow::Owned(raw),
                    Err(m) => {
                        v.format(
                            "Z1",
                            Some(kind::BLOCKS),
                            self.blocks.offset + e.offset,
                            format!("block {k}: {m}"),
                        );
                        ok = false;
                        continue;
                    }
                }
            } else {
                std::borrow::Cow::Borrowed(data)
            };
            // [B1]: bits of positions past the block's end are zero in every plane.
            if want < pb * 8 {
                let (fb, bit) = ((want / 8) as usize, want % 8);
                for p in 0..3 {
                    let plane = &data[(p * pb) as usize..((p + 1) * pb) as usize];
                    let partial = bit != 0 && plane[fb] >> bit != 0;
                    let rest = if bit != 0 { fb + 1 } else { fb };
                    if partial || plane[rest..].iter().any(|&c| c != 0) {
                        let msg = format!("block {k} plane {p}: padding bits are not zero");
                        v.format("B1", Some(kind::BLOCKS), self.blocks.offset + e.offset, msg);
                    }
                }
            }
            if let Some(&m) = mask_hint.get(k as usize) {
                if e.first_mask != m {
                    v.format(
                        "BI8",
                        s,
                        at + 32,
                        format!("block {k} first_mask {}, expected {m}", e.first_mask),
                    );
                }
            }
            if let Some(&x) = exc_hint.get(k as usize) {
                if e.first_exception != x {
                    v.format(
                        "BI9",
                        s,
                        at + 40,
                        format!("block {k} first_exception {}, expected {x}", e.first_exception),
                    );
                }
            }
        }
        // [BI7]: bytes of BLOCKS after the last stored block are zero too
        // (checked when every block was placed, so prev_end is the end).
        let tail = (self.blocks.offset + prev_end.min(self.blocks.length)) as usize
            ..(self.blocks.offset + self.blocks.length) as usize;
        if ok && b[tail.clone()].iter().any(|&c| c != 0) {
            v.format(
                "BI7",
                Some(kind::BLOCKS),
                tail.start as u64,
                "bytes after the last block are not zero".into(),
            );
        }
        if let Some(sm) = self.summary {
            let lines = self.h.stream_len.div_ceil(512);
            if sm.length != lines.div_ceil(64) * 8 {
                v.format(
                    "S1",
                    Some(sm.kind),
                    sm.offset,
                    format!("{} bytes for {lines} lines", sm.length),
                );
            } else {
                let bits = &b[sm.offset as usize..(sm.offset + sm.length) as usize];
                for l in lines..sm.length * 8 {
                    if bits[(l / 8) as usize] >> (l % 8) & 1 != 0 {
                        v.format(
                            "S3",
                            Some(sm.kind),
                            sm.offset + l / 8,
                            format!("bit {l} past the last line is set"),
                        );
                        break;
                    }
                }
            }
        }
        ok
    }

    /// first_mask and first_exception as SPEC §5.1 \[BI8] \[BI9] define them,
    /// or empty when the records do not allow computing them.
    pub(super) fn expected_hints(&self) -> (Vec<u64>, Vec<u64>) {
        let bb = self.h.block_bases as u64;
        let count = self.h.block_count as usize;
        let (nm, ne) = (self.masks.length / 16, self.exc.length / 16);
        let mut mask_ends = Vec::new();
        let mut exc_ends = Vec::new();
        for r in &self.records {
            if r.mask_first.checked_add(r.mask_count).is_none_or(|e| e > nm)
                || r.exception_first.checked_add(r.exception_count).is_none_or(|e| e > ne)
            {
                return (Vec::new(), Vec::new());
            }
            for k in r.mask_first..r.mask_first + r.mask_count {
                mask_ends.push(r.start.saturating_add(self.mask(k).end));
            }
            for k in r.exception_first..r.exception_first + r.exception_count {
                exc_ends.push(r.start.saturating_add(self.exception(k).end()));
            }
        }
        if mask_ends.windows(2).any(|w| w[0] > w[1]) || exc_ends.windows(2).any(|w| w[0] > w[1]) {
            return (Vec::new(), Vec::new());
        }
        let fast = |ends: &[u64]| -> Vec<u64> {
            let mut out = Vec::with_capacity(count);
            let mut i = 0;
            for k in 0..count as u64 {
                while i < ends.len() && ends[i] <= k * bb {
                    i += 1;
                }
                out.push(i as u64);
            }
            out
        };
        (fast(&mask_ends), fast(&exc_ends))
    }
}
