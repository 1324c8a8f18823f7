//! Tables, dictionaries, hash indexes and index targets (SPEC §8): the
//! reader's own checks, reported under the rule each error names, then
//! the deep passes only a validator makes.

use super::*;

/// The SPEC §8 label of a table error of the reader: the rule it names,
/// or, for one that names none, the nearest rule of its section: \[D5] for a
/// checksum, \[T1], \[DI1], \[HI5] or \[IT1] for the shape of a TABLE,
/// DICTIONARY, HASH_INDEX or INDEX_TARGET.
fn table_label(e: &crate::Error, section: Option<u32>) -> &'static str {
    if let Some(l) = e.rule() {
        return l;
    }
    match (e.kind(), section) {
        (crate::ErrorKind::Checksum, _) => "D5",
        (_, Some(kind::DICTIONARY)) => "DI1",
        (_, Some(kind::HASH_INDEX)) => "HI5",
        (_, Some(kind::INDEX_TARGET)) => "IT1",
        _ => "T1",
    }
}

impl V<'_> {
    /// SPEC §8: tables, dictionaries and hash indexes. Each table is
    /// opened on its own (one that cannot be opened hides no other), each
    /// index on its own (an unusable index hides nothing of its table), and
    /// without checksums, which \[D5] covers, so that the structure of a
    /// section with a bad checksum is checked too. Then the cell, padding
    /// and index checks of every table that opened report every problem.
    pub(super) fn tables(&mut self, h: &FileHeader, sections: &[DirectoryEntry]) {
        use crate::table::TableSet;
        let table_kinds = [kind::TABLE, kind::DICTIONARY, kind::HASH_INDEX];
        for e in sections.iter().filter(|e| table_kinds.contains(&e.kind)) {
            if h.minor < spec::VERSION_MINOR_TABLES {
                let msg = format!("{} in a file of version {}.{}", section_name(e.kind), h.major, h.minor);
                self.format("D12", Some(e.kind), e.offset, msg);
            }
            if sections
                .iter()
                .any(|s| spec::SEQUENCE_SET.contains(&s.kind) && s.group == e.group)
            {
                self.format(
                    "T2",
                    Some(e.kind),
                    e.offset,
                    format!("group {} is also the sequence set's", e.group),
                );
            }
        }
        for e in sections.iter().filter(|e| e.kind == kind::INDEX_TARGET) {
            if h.minor < spec::VERSION_MINOR_INDEX_FILE {
                let msg = format!("{} in a file of version {}.{}", section_name(e.kind), h.major, h.minor);
                self.format("D14", Some(e.kind), e.offset, msg);
            }
        }
        if !sections
            .iter()
            .any(|e| table_kinds.contains(&e.kind) || e.kind == kind::INDEX_TARGET)
        {
            return;
        }
        let c = crate::container::Container {
            header: h.clone(),
            order: self.o,
            sections: sections.to_vec(),
        };
        let (ts, errors) = TableSet::new_partial(self.b, &c, false);
        for e in &errors {
            self.reader_error(e);
        }
        for t in ts.tables() {
            self.table(t, sections);
        }
        self.index_targets(&c);
    }

    /// \[HI10] of the HASH_INDEX section `e` (its bytes `s`), in a table's
    /// file or an index file: the reserved header bytes and the padding
    /// after the key columns are zero. A section too short for its header
    /// is \[HI5]'s, reported where the index is parsed.
    pub(super) fn hash_index_reserved(&mut self, e: &DirectoryEntry, s: &[u8]) {
        if s.len() < 64 {
            return;
        }
        let end = 64 + 4 * self.o.u32_at(s, 0) as usize;
        let nz = |r: std::ops::Range<usize>| s.get(r).is_some_and(|x| x.iter().any(|&v| v != 0));
        // Byte 36 is the layout from 1.8 on ([HI1] judges its value),
        // reserved before.
        let layout_reserved = self.minor < spec::VERSION_MINOR_COMPACT_INDEX && s[36] != 0;
        let bad = nz(37..64) || nz(end..end.next_multiple_of(8));
        self.reserved(
            "HI10",
            Some(e.kind),
            e.offset + 36,
            layout_reserved,
            "index header byte 36 (the layout from version 1.8)",
        );
        self.reserved(
            "HI10",
            Some(e.kind),
            e.offset,
            bad,
            "index header bytes 37-63 and key column padding",
        );
        // The compact directory's padding after u32[2^B + 1].
        if s[36] == crate::spec::table::INDEX_LAYOUT_COMPACT {
            let bits = self.o.u32_at(s, 4);
            if bits <= crate::spec::table::COMPACT_MAX_BUCKET_BITS {
                let dir = end.next_multiple_of(8) + 4 * ((1usize << bits) + 1);
                self.reserved(
                    "HI10",
                    Some(e.kind),
                    e.offset + dir as u64,
                    nz(dir..dir.next_multiple_of(8)),
                    "compact bucket directory padding",
                );
            }
        }
    }

    /// SPEC §8.8: the INDEX_TARGET sections of an index file and the
    /// HASH_INDEX sections of their groups, as far as a lone file shows
    /// them (\[HI9] needs the table: [`validate_index_file`]).
    pub(super) fn index_targets(&mut self, c: &crate::container::Container) {
        let (f, errors) = crate::table::index::IndexFile::new_partial(self.b, c, false);
        for e in &errors {
            self.reader_error(e);
        }
        let (b, o) = (self.b, self.o);
        for ti in f.targets() {
            for e in c.sections.iter().filter(|e| e.group == ti.group) {
                let s = &b[e.offset as usize..(e.offset + e.length) as usize];
                match e.kind {
                    kind::INDEX_TARGET => {
                        let bad = !crate::table::index::IndexTarget::reserved_are_zero(s, o);
                        self.reserved(
                            "IT5",
                            Some(e.kind),
                            e.offset,
                            bad,
                            "index target bytes 40-63 and 68-71 of each dictionary",
                        );
                    }
                    kind::HASH_INDEX => self.hash_index_reserved(e, s),
                    _ => {}
                }
            }
            for u in &ti.unusable {
                self.reader_error(&u.error());
            }
            for ix in &ti.indexes {
                self.index(ix, ti.target.row_count, None);
            }
        }
    }

    /// A table error of the reader, with the label its message carries.
    pub(super) fn reader_error(&mut self, e: &crate::Error) {
        let (section, offset) = match e.location() {
            crate::Location::Byte { section, offset } => (*section, *offset),
            _ => (None, 0),
        };
        let class = match e.kind() {
            crate::ErrorKind::Unsupported => Class::Unsupported,
            crate::ErrorKind::Checksum => Class::Checksum,
            crate::ErrorKind::Mismatch => Class::Mismatch,
            _ => Class::Format,
        };
        let label = table_label(e, section);
        self.add(label, class, section, offset, e.message().to_string());
    }

    /// Every check of one table that opened.
    pub(super) fn table(&mut self, t: &crate::table::Table<'_>, sections: &[DirectoryEntry]) {
        let toff = t.offset();
        self.table_reserved(t, sections);
        // [T13] the padding after the rows and after the names.
        let tlen = sections
            .iter()
            .find(|e| e.kind == kind::TABLE && e.offset == toff)
            .map_or(0, |e| e.length);
        let s = &self.b[toff as usize..(toff + tlen) as usize];
        let [after_rows, after_names] = t.padding();
        if after_names.end - after_names.start >= 8 {
            let msg = format!(
                "the names end {} bytes before the trailing header_offset, more than 7",
                after_names.end - after_names.start
            );
            self.format("T13", Some(kind::TABLE), toff + after_names.start, msg);
        }
        for (what, r) in [("rows", after_rows), ("names", after_names)] {
            if let Some(k) = s[r.start as usize..r.end as usize].iter().position(|&x| x != 0) {
                let msg = format!("padding after the {what} is not zero");
                self.format("T13", Some(kind::TABLE), toff + r.start + k as u64, msg);
            }
        }
        for u in t.unusable_indexes() {
            self.reader_error(&u.error());
        }
        // [T11] bytes outside cells, null cells and unused bitmap bits are
        // zero. Only with rows: a table of no rows may declare any
        // row_width, and nothing of that size may be allocated from it.
        let (noff, nlen) = t.null_bitmap();
        if t.row_count() > 0 {
            let mut used = vec![false; t.row_width() as usize];
            for c in t.columns() {
                let w = c.def.ty.width() as usize;
                used[c.offset as usize..c.offset as usize + w].fill(true);
            }
            used[noff as usize..(noff + nlen) as usize].fill(true);
            let mut bitmap_mask = vec![0u8; nlen as usize];
            for c in t.columns().iter().filter(|c| c.null_bit != spec::table::NO_NULL_BIT) {
                bitmap_mask[c.null_bit as usize / 8] |= 1 << (c.null_bit % 8);
            }
            for r in 0..t.row_count() {
                let Ok(Some(row)) = t.row_bytes(r) else { break };
                let at = toff + r * t.row_width() as u64;
                let mut bad = used.iter().zip(row).any(|(u, b)| !u && *b != 0);
                let bitmap = &row[noff as usize..(noff + nlen) as usize];
                bad |= bitmap.iter().zip(&bitmap_mask).any(|(b, m)| b & !m != 0);
                for c in t.columns().iter().filter(|c| c.null_bit != spec::table::NO_NULL_BIT) {
                    let null = row[noff as usize + c.null_bit as usize / 8] & (1 << (c.null_bit % 8)) != 0;
                    let cell = &row[c.offset as usize..c.offset as usize + c.def.ty.width() as usize];
                    bad |= null && cell.iter().any(|&b| b != 0);
                }
                if bad {
                    let msg = format!("row {r}: a null cell, padding or an unused null bit is not zero");
                    self.format("T11", Some(kind::TABLE), at, msg);
                }
            }
        }
        // [DI3] distinct strings.
        for (ci, col) in t.columns().iter().enumerate() {
            if let Some(d) = t.dictionary(ci) {
                let mut seen = HashSet::new();
                for code in 0..d.len().min(u32::MAX as u64) as u32 {
                    if !seen.insert(d.get(code)) {
                        let msg = format!("dictionary of '{}' repeats string {code}", col.def.name);
                        self.format("DI3", Some(kind::DICTIONARY), d.offset(), msg);
                        break;
                    }
                }
            }
        }
        // [T9] [T10] [DI4]: every cell decodes.
        for r in 0..t.row_count() {
            for ci in 0..t.columns().len() {
                if let Err(e) = t.cell(r, ci) {
                    self.reader_error(&e);
                }
            }
        }
        // [HI7]-[HI9]: the index holds exactly the table's keys.
        for ix in t.indexes() {
            self.index(ix, t.row_count(), Some(t));
        }
    }

    /// \[HI7]-\[HI8] of the index `ix` of a table of `row_count` rows, and
    /// \[HI9] when the table `t` is at hand.
    pub(super) fn index(
        &mut self,
        ix: &crate::table::index::HashIndex<'_>,
        row_count: u64,
        t: Option<&crate::table::Table<'_>>,
    ) {
        use crate::table::index::{encode_key_value, key_hash};
        use crate::table::ColumnType;
        // [HI6] over the whole index (a lookup checks only the buckets it
        // reads); the other rules assume it.
        if let Err(e) = ix.check_order() {
            self.reader_error(&e);
            return;
        }
        let mut key = Vec::new();
        {
            // [HI7] over the whole index: no posting word belongs to no
            // entry or to two (a lookup checks only the entries it reads).
            if let Err(e) = ix.check_postings() {
                self.reader_error(&e);
            }
            // Only with the table: a lone index file's row_count bounds nothing.
            let mut owner = vec![false; if t.is_some() { row_count as usize } else { 0 }];
            let mut keys = HashSet::new();
            let mut complete = true;
            for e in 0..ix.entry_count() {
                let rows = match ix.entry_rows(e, row_count) {
                    Ok(r) => r,
                    Err(err) => {
                        self.reader_error(&err);
                        complete = false;
                        break;
                    }
                };
                let Some(t) = t else { continue };
                let mut first: Option<Vec<u8>> = None;
                for r in rows.rows() {
                    key.clear();
                    for &c in ix.columns() {
                        let ty: ColumnType = t.columns()[c as usize].def.ty;
                        encode_key_value(&mut key, ty, t.cell(r, c as usize).unwrap_or(crate::table::Value::Null));
                    }
                    let bad_owner = std::mem::replace(&mut owner[r as usize], true);
                    let differs = first.as_ref().is_some_and(|f| *f != key);
                    if bad_owner || differs || !ix.entry_holds_hash(e, key_hash(&key)) {
                        self.format(
                            "HI9",
                            Some(kind::HASH_INDEX),
                            ix.offset(),
                            format!("entry {e}: row {r} is in two entries or has another key or hash"),
                        );
                    }
                    if first.is_none() {
                        first = Some(key.clone());
                    }
                }
                if let Some(f) = first {
                    if !keys.insert(f) {
                        self.format(
                            "HI9",
                            Some(kind::HASH_INDEX),
                            ix.offset(),
                            format!("entry {e} repeats another entry's key"),
                        );
                    }
                }
            }
            if let Some(r) = owner.iter().position(|&o| !o).filter(|_| complete && t.is_some()) {
                self.format(
                    "HI9",
                    Some(kind::HASH_INDEX),
                    ix.offset(),
                    format!("row {r} is in no entry"),
                );
            }
        }
    }

    /// SPEC §8: reserved fields of a table's TABLE \[T12], DICTIONARY \[DI6]
    /// and HASH_INDEX \[HI10] sections, once the table has opened (so its
    /// TABLE header and dictionaries are known to be in bounds; an index
    /// may be unusable, so its reads are bounded here).
    pub(super) fn table_reserved(&mut self, t: &crate::table::Table<'_>, sections: &[DirectoryEntry]) {
        let b = self.b;
        let o = self.o;
        let mine = |e: &&DirectoryEntry| {
            (e.kind == kind::TABLE && e.offset == t.offset())
                || (matches!(e.kind, kind::DICTIONARY | kind::HASH_INDEX) && e.group == t.group())
        };
        for e in sections.iter().filter(mine) {
            let (off, len) = (e.offset as usize, e.length as usize);
            let s = &b[off..off + len];
            let nz = |r: std::ops::Range<usize>| s.get(r).is_some_and(|x| x.iter().any(|&v| v != 0));
            match e.kind {
                kind::TABLE => {
                    let ho = o.u64_at(s, len - 8) as usize;
                    let n = o.u32_at(s, ho + 12) as usize;
                    let el = o.u32_at(s, ho + 28) as usize;
                    self.reserved(
                        "T12",
                        Some(e.kind),
                        (off + ho + 32) as u64,
                        nz(ho + 32..ho + 64),
                        "table header bytes 32-63",
                    );
                    for i in 0..n {
                        let d = ho + 64 + i * el;
                        let bad = nz(d + 2..d + 4) || nz(d + 20..d + 32) || s[d + 1] & !1 != 0;
                        self.reserved(
                            "T12",
                            Some(e.kind),
                            (off + d) as u64,
                            bad,
                            "column descriptor reserved bytes or flag bits 1-7",
                        );
                    }
                }
                kind::DICTIONARY => {
                    let bad = nz(4..8) || nz(24..32);
                    self.reserved(
                        "DI6",
                        Some(e.kind),
                        e.offset,
                        bad,
                        "dictionary header bytes 4-7 and 24-31",
                    );
                }
                kind::HASH_INDEX => self.hash_index_reserved(e, s),
                _ => {}
            }
        }
    }
}
