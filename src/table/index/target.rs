//! SPEC §8.8 "Index files": hash indexes kept in a file of their own, beside
//! a data file that may be read-only or shared. Each indexed table has an
//! INDEX_TARGET section that names it and pins it by the stored checksums
//! and lengths of its TABLE and DICTIONARY sections; the HASH_INDEX sections
//! of the target's group are laid out exactly as in a data file (§8.4).
//! A reader compares the target with the data file's table before it uses
//! one of these indexes, and refuses the pair when anything differs.

use crate::container::{ByteOrder, Checked, ChunkSumsMap, Container, DirectoryEntry};
use crate::error::{Error, ErrorKind, Result};
use crate::spec::{kind, table as t};
use crate::table::index::{HashIndex, UnusableIndex};
use crate::table::Table;

/// One DICTIONARY section of a target table, as the INDEX_TARGET records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetDictionary {
    /// The dict column the dictionary belongs to.
    pub column: u32,
    /// Length of the DICTIONARY section.
    pub length: u64,
    /// Its stored checksum.
    pub checksum: u64,
}

/// An INDEX_TARGET section (SPEC §8.8): the table of another file that the
/// HASH_INDEX sections of its group index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexTarget {
    /// The table's name.
    pub name: String,
    /// The data file's name when the index was built (informative only).
    pub source: String,
    /// Length of the table's TABLE section.
    pub table_length: u64,
    /// Stored checksum of the TABLE section.
    pub table_checksum: u64,
    /// The table's row_count.
    pub row_count: u64,
    /// The table's column_count.
    pub column_count: u32,
    /// The table's dictionaries, by increasing column.
    pub dictionaries: Vec<TargetDictionary>,
}

impl IndexTarget {
    /// The target that describes table `tb` of the file whose directory is
    /// `c`; `source` names that file (informative).
    pub fn of_table(tb: &Table<'_>, c: &Container, source: &str) -> Result<IndexTarget> {
        let entry = |kind: u32, offset: u64| -> Result<&DirectoryEntry> {
            c.sections
                .iter()
                .find(|e| e.kind == kind && e.offset == offset)
                .ok_or_else(|| Error::format(Some(kind), offset, "section is not in the directory"))
        };
        let table = entry(kind::TABLE, tb.offset())?;
        let mut dictionaries = Vec::new();
        for ci in 0..tb.columns().len() {
            if let Some(d) = tb.dictionary(ci) {
                let e = entry(kind::DICTIONARY, d.offset())?;
                dictionaries.push(TargetDictionary {
                    column: ci as u32,
                    length: e.length,
                    checksum: e.checksum,
                });
            }
        }
        Ok(IndexTarget {
            name: tb.name().to_string(),
            source: source.to_string(),
            table_length: table.length,
            table_checksum: table.checksum,
            row_count: tb.row_count(),
            column_count: tb.columns().len() as u32,
            dictionaries,
        })
    }

    /// The section's bytes in byte order `o` (SPEC §8.8 layout).
    pub fn encode(&self, o: ByteOrder) -> Vec<u8> {
        let mut b = Vec::new();
        o.put_u64(&mut b, self.table_length);
        o.put_u64(&mut b, self.table_checksum);
        o.put_u64(&mut b, self.row_count);
        o.put_u32(&mut b, self.column_count);
        o.put_u32(&mut b, self.name.len() as u32);
        o.put_u32(&mut b, self.dictionaries.len() as u32);
        o.put_u32(&mut b, self.source.len() as u32);
        b.resize(t::TARGET_HEADER_LEN as usize, 0);
        for d in &self.dictionaries {
            o.put_u32(&mut b, d.column);
            o.put_u32(&mut b, 0);
            o.put_u64(&mut b, d.length);
            o.put_u64(&mut b, d.checksum);
        }
        b.extend_from_slice(self.name.as_bytes());
        b.extend_from_slice(self.source.as_bytes());
        b
    }

    /// Parses the INDEX_TARGET section `s` at absolute `offset`, checking
    /// \[IT1]–\[IT3].
    pub fn parse(s: &[u8], o: ByteOrder, offset: u64) -> Result<IndexTarget> {
        let bad = |at: u64, m: String| Error::format(Some(kind::INDEX_TARGET), offset + at, m);
        let len = s.len() as u64;
        if len < t::TARGET_HEADER_LEN {
            return Err(bad(0, format!("section of {len} bytes is shorter than its 64-byte header")).with_rule("IT1"));
        }
        let column_count = o.u32_at(s, 24);
        let name_len = o.u32_at(s, 28) as u64;
        let dict_count = o.u32_at(s, 32) as u64;
        let source_len = o.u32_at(s, 36) as u64;
        let need = t::TARGET_HEADER_LEN + t::TARGET_DICTIONARY_LEN * dict_count + name_len + source_len;
        if need != len {
            return Err(bad(
                28,
                format!("{dict_count} dictionaries and names of {name_len} and {source_len} bytes need {need} bytes, the section has {len}"),
            ).with_rule("IT1"));
        }
        if column_count == 0 {
            return Err(bad(24, "column_count is 0".into()).with_rule("IT2"));
        }
        let mut dictionaries: Vec<TargetDictionary> = Vec::with_capacity(dict_count as usize);
        for i in 0..dict_count {
            let at = (t::TARGET_HEADER_LEN + i * t::TARGET_DICTIONARY_LEN) as usize;
            let column = o.u32_at(s, at);
            if column >= column_count || dictionaries.last().is_some_and(|d| d.column >= column) {
                return Err(bad(
                    at as u64,
                    format!("dictionary {i} is for column {column}: columns must ascend and be below {column_count}"),
                )
                .with_rule("IT3"));
            }
            dictionaries.push(TargetDictionary {
                column,
                length: o.u64_at(s, at + 8),
                checksum: o.u64_at(s, at + 16),
            });
        }
        let names_at = (t::TARGET_HEADER_LEN + t::TARGET_DICTIONARY_LEN * dict_count) as usize;
        let name_end = names_at + name_len as usize;
        let name = std::str::from_utf8(&s[names_at..name_end])
            .ok()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| bad(names_at as u64, "the table name is empty or not UTF-8".into()).with_rule("IT2"))?;
        let source = std::str::from_utf8(&s[name_end..])
            .map_err(|_| bad(name_end as u64, "the source name is not UTF-8".into()).with_rule("IT2"))?;
        Ok(IndexTarget {
            name: name.to_string(),
            source: source.to_string(),
            table_length: o.u64_at(s, 0),
            table_checksum: o.u64_at(s, 8),
            row_count: o.u64_at(s, 16),
            column_count,
            dictionaries,
        })
    }

    /// Whether the reserved bytes of the section `s` are zero (SPEC \[IT5]).
    pub fn reserved_are_zero(s: &[u8], o: ByteOrder) -> bool {
        let n = s.get(32..36).map_or(0, |b| o.u32(b.try_into().unwrap_or([0; 4]))) as usize;
        let header = s.get(40..64).is_none_or(|r| r.iter().all(|&x| x == 0));
        header
            && (0..n).all(|i| {
                let at = 64 + 24 * i + 4;
                s.get(at..at + 4).is_none_or(|r| r.iter().all(|&x| x == 0))
            })
    }

    /// SPEC \[IT6]: that table `tb` of the file whose directory is `c` is the
    /// table this target was built for; else a *mismatch* error that says
    /// what differs.
    pub fn check(&self, tb: &Table<'_>, c: &Container) -> Result<()> {
        let now = IndexTarget::of_table(tb, c, "")?;
        let what = if now.row_count != self.row_count {
            format!(
                "the index was built for {} rows, the table has {}",
                self.row_count, now.row_count
            )
        } else if now.column_count != self.column_count {
            format!(
                "the index was built for {} columns, the table has {}",
                self.column_count, now.column_count
            )
        } else if (now.table_length, now.table_checksum) != (self.table_length, self.table_checksum) {
            format!(
                "its TABLE section is {} bytes with checksum {:016x}, the index was built for {} bytes with checksum {:016x}",
                now.table_length, now.table_checksum, self.table_length, self.table_checksum
            )
        } else if now.dictionaries != self.dictionaries {
            let col = now
                .dictionaries
                .iter()
                .zip(&self.dictionaries)
                .find(|(a, b)| a != b)
                .map_or_else(
                    || now.dictionaries.len().min(self.dictionaries.len()),
                    |(a, _)| a.column as usize,
                );
            let name = tb.schema().columns.get(col).map_or("?", |c| c.name.as_str());
            format!("the dictionary of column '{name}' differs from the one the index was built with")
        } else {
            return Ok(());
        };
        let built = if self.source.is_empty() {
            String::new()
        } else {
            format!(" (built from {})", self.source)
        };
        Err(Error::new(
            ErrorKind::Mismatch,
            format!(
                "table '{}' changed since the index file was built{built}: {what}",
                self.name
            ),
        )
        .with_rule("IT6"))
    }
}

/// One target of an index file, with its indexes.
#[derive(Debug, Clone)]
pub struct TargetIndexes<'a> {
    /// The INDEX_TARGET.
    pub target: IndexTarget,
    /// The section group of the target and its indexes.
    pub group: u32,
    /// Absolute offset of the INDEX_TARGET section.
    pub offset: u64,
    /// The usable HASH_INDEX sections of the group.
    pub indexes: Vec<HashIndex<'a>>,
    /// Those that cannot be used, with the reason (SPEC §8.4: not required).
    pub unusable: Vec<UnusableIndex>,
}

/// The index targets of a file (an *index file*, SPEC §8.8).
#[derive(Debug, Clone, Default)]
pub struct IndexFile<'a> {
    targets: Vec<TargetIndexes<'a>>,
}

impl<'a> IndexFile<'a> {
    /// Opens every INDEX_TARGET of the container `c` over `bytes` with its
    /// HASH_INDEX sections, checking their checksums when `verify`; the
    /// first problem of a target is returned. A HASH_INDEX that cannot be
    /// used is kept among [`TargetIndexes::unusable`], as in a data file.
    pub fn new(bytes: &'a [u8], c: &Container, verify: bool) -> Result<IndexFile<'a>> {
        Self::open(bytes, c, verify, true).map(|(f, _)| f)
    }

    /// As [`IndexFile::new`], but every problem is collected and the targets
    /// that open are kept (for validators).
    pub fn new_partial(bytes: &'a [u8], c: &Container, verify: bool) -> (IndexFile<'a>, Vec<Error>) {
        Self::open(bytes, c, verify, false).unwrap_or_else(|e| (IndexFile::default(), vec![e]))
    }

    fn open(bytes: &'a [u8], c: &Container, verify: bool, strict: bool) -> Result<(IndexFile<'a>, Vec<Error>)> {
        let mut targets: Vec<TargetIndexes<'a>> = Vec::new();
        let mut errors = Vec::new();
        // Strict opens (readers) verify chunk by chunk where they can;
        // validators verify each section whole.
        let sums = if verify && strict {
            ChunkSumsMap::new(bytes, c)
        } else {
            ChunkSumsMap::default()
        };
        let seq_group = c
            .sections
            .iter()
            .find(|e| crate::spec::SEQUENCE_SET.contains(&e.kind))
            .map(|e| e.group);
        for e in c.sections.iter().filter(|e| e.kind == kind::INDEX_TARGET) {
            let r = (|| {
                // [IT4] the group is the target's alone.
                let shared = c.sections.iter().any(|x| {
                    x.group == e.group
                        && x.offset != e.offset
                        && matches!(x.kind, kind::TABLE | kind::DICTIONARY | kind::INDEX_TARGET)
                });
                if shared || seq_group == Some(e.group) {
                    return Err(Error::format(
                        Some(kind::INDEX_TARGET),
                        e.offset,
                        format!(
                            "group {} holds another INDEX_TARGET, a TABLE, a DICTIONARY or the sequence set",
                            e.group
                        ),
                    )
                    .with_rule("IT4"));
                }
                let ts = Checked::open(bytes, c, e, verify, &sums)?;
                ts.check_all()?;
                let target = IndexTarget::parse(ts.bytes, c.order, e.offset)?;
                if targets.iter().any(|x| x.target.name == target.name) {
                    return Err(Error::format(
                        Some(kind::INDEX_TARGET),
                        e.offset,
                        format!("a second INDEX_TARGET for table '{}'", target.name),
                    )
                    .with_rule("IT4"));
                }
                let mut ti = TargetIndexes {
                    target,
                    group: e.group,
                    offset: e.offset,
                    indexes: Vec::new(),
                    unusable: Vec::new(),
                };
                for x in c
                    .sections
                    .iter()
                    .filter(|x| x.kind == kind::HASH_INDEX && x.group == e.group)
                {
                    let ix = Checked::open(bytes, c, x, verify, &sums).and_then(|s| {
                        HashIndex::parse(s, c.order, x.offset, ti.target.row_count, ti.target.column_count)
                    });
                    match ix {
                        Ok(ix) => ti.indexes.push(ix),
                        Err(err) => ti.unusable.push(UnusableIndex::new(x.offset, &err)),
                    }
                }
                Ok(ti)
            })();
            match r {
                Ok(ti) => targets.push(ti),
                Err(err) if strict => return Err(err),
                Err(err) => errors.push(err),
            }
        }
        Ok((IndexFile { targets }, errors))
    }

    /// The targets, in directory order.
    pub fn targets(&self) -> &[TargetIndexes<'a>] {
        &self.targets
    }

    /// The target of the table `name`.
    pub fn target(&self, name: &str) -> Option<&TargetIndexes<'a>> {
        self.targets.iter().find(|t| t.target.name == name)
    }

    /// Whether the file holds no target.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> IndexTarget {
        IndexTarget {
            name: "expr".into(),
            source: "expr.tbit".into(),
            table_length: 224,
            table_checksum: 0x0123_4567_89AB_CDEF,
            row_count: 3,
            column_count: 3,
            dictionaries: vec![TargetDictionary {
                column: 1,
                length: 65,
                checksum: 7,
            }],
        }
    }

    #[test]
    fn layout_of_a_target() {
        let b = target().encode(ByteOrder::Little);
        #[rustfmt::skip]
        let head: [u8; 40] = [
            0xE0, 0, 0, 0, 0, 0, 0, 0,                          // table_length = 224
            0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01,     // table_checksum
            3, 0, 0, 0, 0, 0, 0, 0,                             // row_count = 3
            3, 0, 0, 0,                                         // column_count = 3
            4, 0, 0, 0,                                         // name_len = 4
            1, 0, 0, 0,                                         // dictionary_count = 1
            9, 0, 0, 0,                                         // source_len = 9
        ];
        assert_eq!(b[..40], head);
        assert!(b[40..64].iter().all(|&x| x == 0), "reserved");
        assert_eq!(b[64..68], [1, 0, 0, 0]); // dictionary 0: column 1
        assert_eq!(b[72..80], [65, 0, 0, 0, 0, 0, 0, 0]); // its length
        assert_eq!(&b[88..], b"exprexpr.tbit");
        assert_eq!(b.len(), 64 + 24 + 4 + 9);
        for o in [ByteOrder::Little, ByteOrder::Big] {
            let b = target().encode(o);
            assert_eq!(IndexTarget::parse(&b, o, 0).unwrap(), target());
            assert!(IndexTarget::reserved_are_zero(&b, o));
        }
    }

    #[test]
    fn broken_targets_name_their_rule() {
        let o = ByteOrder::Little;
        let good = target().encode(o);
        let label = |b: &[u8]| IndexTarget::parse(b, o, 0).unwrap_err().rule();
        assert_eq!(label(&good[..good.len() - 1]), Some("IT1"));
        let mut b = good.clone();
        b[24] = 0; // column_count 0
        assert_eq!(label(&b), Some("IT2"));
        let mut b = good.clone();
        b[64] = 3; // dictionary column 3 of 3 columns
        assert_eq!(label(&b), Some("IT3"));
        let mut b = good.clone();
        b[88] = 0xFF; // the name is not UTF-8
        assert_eq!(label(&b), Some("IT2"));
        let mut b = good;
        b[50] = 1;
        assert!(!IndexTarget::reserved_are_zero(&b, o));
    }
}
