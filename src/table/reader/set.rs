//! Every table of a file (SPEC §2.4 T-a to T-d): the group rules of \[T2],
//! opening each table with its dictionaries and indexes, and attaching the
//! indexes of an index file (SPEC §8.8).

use std::collections::HashSet;

use super::dictionary::Dictionary;
use super::parse::parse_table;
use super::Table;
use crate::container::{Checked, ChunkSumsMap, Container, DirectoryEntry};
use crate::error::{Error, Result};
use crate::spec::{kind, table as t};
use crate::table::index::{HashIndex, IndexFile, UnusableIndex};
use crate::table::ColumnType;

/// Every table of a file.
#[derive(Debug, Clone, Default)]
pub struct TableSet<'a> {
    tables: Vec<Table<'a>>,
}

impl<'a> TableSet<'a> {
    /// Opens the tables of the container `c` over its `bytes`, verifying
    /// the checksums and bounds of every TABLE, DICTIONARY and HASH_INDEX.
    /// A HASH_INDEX that cannot be used (another hash function, a checksum
    /// mismatch, a wrong shape) does not fail the open: it is listed in
    /// [`Table::unusable_indexes`] and its table is scanned instead.
    pub fn new(bytes: &'a [u8], c: &Container) -> Result<TableSet<'a>> {
        Self::open(bytes, c, Verify::Chunks, true).map(|(ts, _)| ts)
    }

    /// As [`TableSet::new`] but without verifying checksums: every bound and
    /// every structure check still runs, only the pass over each section's
    /// bytes to hash them is skipped (SPEC §13.1 rule 7), so opening costs
    /// the same for a 1 GB table as for a small one.
    ///
    /// ```
    /// # use std::io::Cursor;
    /// # use tribit::container::{ByteOrder, Container};
    /// # use tribit::table::{Schema, TableOptions, TableSet, TablesWriter, Value};
    /// let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
    /// let mut t = w.table("t", Schema::parse("A:u8").unwrap(), &TableOptions::default()).unwrap();
    /// t.push_row(&[Value::UInt(7)]).unwrap();
    /// t.finish().unwrap();
    /// let mut bytes = w.finish().unwrap().into_inner();
    /// bytes[64] = 8; // the one cell, without updating the checksum
    /// let c = Container::parse(&bytes).unwrap();
    /// assert!(TableSet::new(&bytes, &c).is_err());
    /// let ts = TableSet::new_unverified(&bytes, &c).unwrap();
    /// assert_eq!(ts.tables()[0].cell(0, 0).unwrap(), Value::UInt(8));
    /// ```
    pub fn new_unverified(bytes: &'a [u8], c: &Container) -> Result<TableSet<'a>> {
        Self::open(bytes, c, Verify::Off, true).map(|(ts, _)| ts)
    }

    /// Opens every table that can be opened, each on its own, and returns
    /// beside them the error of each one that cannot (and of each \[T2]
    /// problem between sections), for validators: with `verify`, each
    /// section is verified whole against its directory checksum, chunk
    /// checksums or not; else checksums are not checked (as
    /// [`TableSet::new_unverified`]).
    pub fn new_partial(bytes: &'a [u8], c: &Container, verify: bool) -> (TableSet<'a>, Vec<Error>) {
        let verify = if verify { Verify::Whole } else { Verify::Off };
        match Self::open(bytes, c, verify, false) {
            Ok(r) => r,
            // Not strict: every error is collected, none returned.
            Err(e) => (TableSet::default(), vec![e]),
        }
    }

    /// Opens the tables; `strict` returns the first error, else each error
    /// is collected and the tables that open are kept.
    fn open(bytes: &'a [u8], c: &Container, verify: Verify, strict: bool) -> Result<(TableSet<'a>, Vec<Error>)> {
        let sums = match verify {
            Verify::Chunks => ChunkSumsMap::new(bytes, c),
            _ => ChunkSumsMap::default(),
        };
        let verify = verify != Verify::Off;
        let mut tables: Vec<Table<'a>> = Vec::new();
        let mut errors = Vec::new();
        macro_rules! fail {
            ($e:expr) => {{
                let e = $e;
                if strict {
                    return Err(e);
                }
                errors.push(e);
            }};
        }
        // SPEC §2.4 T-a: the group rules of [T2] that need only the
        // directory, before any table is opened (also with no TABLE).
        let mut groups = HashSet::new();
        let mut opened = Vec::new();
        for e in c.sections.iter().filter(|e| e.kind == kind::TABLE) {
            if groups.insert(e.group) {
                opened.push(e);
            } else {
                fail!(
                    Error::format(Some(kind::TABLE), e.offset, format!("two tables in group {}", e.group),)
                        .with_rule("T2")
                );
            }
        }
        // A HASH_INDEX may instead belong to an INDEX_TARGET (SPEC §8.8),
        // whose own rules [IT4] the index file checks.
        let targets: HashSet<u32> = c
            .sections
            .iter()
            .filter(|x| x.kind == kind::INDEX_TARGET)
            .map(|x| x.group)
            .collect();
        for x in c
            .sections
            .iter()
            .filter(|x| matches!(x.kind, kind::DICTIONARY | kind::HASH_INDEX))
        {
            let targeted = x.kind == kind::HASH_INDEX && targets.contains(&x.group);
            if !groups.contains(&x.group) && !targeted {
                fail!(Error::format(Some(x.kind), x.offset, format!("no TABLE in group {}", x.group),).with_rule("T2"));
            }
        }
        // T-b to T-d, table by table.
        let mut names = HashSet::new();
        for e in opened {
            match open_table(bytes, c, e, verify, &sums, &mut names) {
                Ok(table) => tables.push(table),
                Err(err) => fail!(err),
            }
        }
        Ok((TableSet { tables }, errors))
    }

    /// The tables, in directory order.
    pub fn tables(&self) -> &[Table<'a>] {
        &self.tables
    }

    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Table<'a>> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Adds the indexes of the index file `f` (SPEC §8.8) to the tables
    /// they target, once every target of `f` has been found among these
    /// tables and matches its table in the file whose directory is `c`
    /// (\[IT6]); otherwise nothing is added and the error says which table
    /// is missing or what changed. `origin` names the index file in plans.
    pub fn attach(&mut self, f: &IndexFile<'a>, c: &Container, origin: &str) -> Result<()> {
        for ti in f.targets() {
            let Some(t) = self.table(&ti.target.name) else {
                let names: Vec<&str> = self.tables.iter().map(|t| t.name()).collect();
                return Err(Error::new(
                    crate::ErrorKind::Mismatch,
                    format!(
                        "the index file {origin} indexes table '{}', which this file does not have (tables: {})",
                        ti.target.name,
                        if names.is_empty() {
                            "none".into()
                        } else {
                            names.join(", ")
                        }
                    ),
                )
                .with_rule("IT6"));
            };
            ti.target.check(t, c)?;
        }
        let origin: std::sync::Arc<str> = origin.into();
        for ti in f.targets() {
            if let Some(t) = self.tables.iter_mut().find(|t| t.name == ti.target.name) {
                t.indexes
                    .extend(ti.indexes.iter().map(|ix| ix.clone().with_origin(origin.clone())));
                t.unusable.extend(ti.unusable.iter().cloned());
            }
        }
        Ok(())
    }
}

/// How a table's sections are verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verify {
    /// Through their chunk checksums as they are used where they have
    /// some (SPEC §3.2), else whole before first use.
    Chunks,
    /// Whole, before first use.
    Whole,
    /// Not at all (SPEC §13.1 rule 7).
    Off,
}

/// One table: its TABLE, its dictionaries (required: an error fails the
/// table) and its indexes (not required: an error makes that index unusable).
/// Opens the table of TABLE section `e` (SPEC §2.4 T-b to T-d); its name,
/// read once the TABLE is verified, must not be in `names` (the earlier
/// tables', \[T2]) and is added to it.
fn open_table<'a>(
    bytes: &'a [u8],
    c: &Container,
    e: &DirectoryEntry,
    verify: bool,
    sums: &ChunkSumsMap<'a>,
    names: &mut HashSet<String>,
) -> Result<Table<'a>> {
    let section = Checked::open(bytes, c, e, verify, sums)?;
    // The header, column descriptors and names are at the end; the last 8
    // bytes say where they start.
    let len = section.bytes.len();
    section.check(len.saturating_sub(t::TRAILER_LEN as usize)..len)?;
    if len >= t::TRAILER_LEN as usize {
        let ho = c.order.u64_at(section.bytes, len - t::TRAILER_LEN as usize);
        section.check((ho.min(len as u64) as usize)..len)?;
    }
    let mut table = parse_table(section, c.order, e)?;
    if !names.insert(table.name.clone()) {
        return Err(Error::format(
            Some(kind::TABLE),
            e.offset,
            format!("duplicate table name '{}'", table.name),
        )
        .with_rule("T2"));
    }
    for d in c
        .sections
        .iter()
        .filter(|d| d.kind == kind::DICTIONARY && d.group == e.group)
    {
        let s = Checked::open(bytes, c, d, verify, sums)?;
        s.check_all()?;
        let (col, dict) = Dictionary::parse(s.bytes, c.order, d.offset)?;
        let ok = (col as usize) < table.columns.len() && table.columns[col as usize].def.ty == ColumnType::Dict;
        if !ok || table.dicts[col as usize].is_some() {
            return Err(Error::format(
                Some(kind::DICTIONARY),
                d.offset,
                format!("dictionary for column {col}, which is not a dict column or has another dictionary"),
            )
            .with_rule("DI5"));
        }
        table.dicts[col as usize] = Some(dict);
    }
    for (i, col) in table.columns.iter().enumerate() {
        if col.def.ty == ColumnType::Dict && table.dicts[i].is_none() {
            return Err(Error::format(
                Some(kind::TABLE),
                e.offset,
                format!("dict column '{}' has no DICTIONARY section", col.def.name),
            )
            .with_rule("DI5"));
        }
    }
    for x in c
        .sections
        .iter()
        .filter(|x| x.kind == kind::HASH_INDEX && x.group == e.group)
    {
        let ix = Checked::open(bytes, c, x, verify, sums)
            .and_then(|s| HashIndex::parse(s, c.order, x.offset, table.row_count, table.columns.len() as u32));
        match ix {
            Ok(ix) => table.indexes.push(ix),
            Err(err) => table.unusable.push(UnusableIndex::new(x.offset, &err)),
        }
    }
    Ok(table)
}
