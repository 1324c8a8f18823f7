//! Files that grow (SPEC §15): add or replace a table, drop one, add or
//! drop an index on an existing table.
//!
//! Every change writes a new file beside the old one and renames it over
//! the old one (SPEC §15.1): a crash at any moment leaves the old file or
//! the new one under the name, never a mix. The sections that stay are
//! copied byte for byte, and their checksums are checked on the way, so a
//! damaged section is never carried into the new file. Readers that mapped
//! the old file keep reading it (the rename leaves its inode alone).

use std::io::Read;
use std::path::Path;

use crate::container::{AtomicFile, ByteOrder, Container, ContainerWriter, Data, DirectoryEntry};
use crate::error::{Error, ErrorKind, Result};
use crate::spec::{self, kind};
use crate::table::index::{encode_key_value, IndexBuilder, IndexFile, IndexTarget};
use crate::table::{Schema, TableOptions, TableSet, TableWriter};

/// The file being changed: its bytes, directory and tables.
pub struct Grow {
    path: std::path::PathBuf,
    data: Data,
    container: Container,
}

/// What a change does to the sections already in the file.
enum Keep<'a> {
    All,
    /// Leave out every section of this group.
    NotGroup(u32),
    /// Leave out the sections at these offsets.
    NotAt(&'a [u64]),
}

impl Grow {
    /// Opens `path` for a change. Refuses a file of a newer minor version
    /// than this library writes, or one with sections of a kind it does
    /// not know below the private range: copying them under a version
    /// number that does not announce them would misrepresent the file.
    pub fn open(path: &Path) -> Result<Grow> {
        let data = Data::map(path)?;
        let container = Container::parse(data.bytes()).map_err(|e| e.in_file(path))?;
        let h = &container.header;
        if h.minor > spec::VERSION_MINOR {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "file version {}.{} is newer than this tribit writes ({}.{}): it cannot be changed without losing what it does not know",
                    h.major, h.minor, spec::VERSION_MAJOR, spec::VERSION_MINOR
                ),
            )
            .in_file(path));
        }
        if let Some(e) = container
            .sections
            .iter()
            .find(|e| e.kind < spec::kind::PRIVATE_FIRST && !crate::container::known_kind(e.kind))
        {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "section kind {:#06x} is unknown to this tribit: the file cannot be changed",
                    e.kind
                ),
            )
            .at_byte(Some(e.kind), e.offset)
            .in_file(path));
        }
        Ok(Grow {
            path: path.to_path_buf(),
            data,
            container,
        })
    }

    /// The tables of the file (checksums checked).
    pub fn tables(&self) -> Result<TableSet<'_>> {
        TableSet::new(self.data.bytes(), &self.container).map_err(|e| e.in_file(&self.path))
    }

    /// A group number no section of the file uses.
    fn free_group(&self) -> u32 {
        self.container
            .sections
            .iter()
            .map(|e| e.group)
            .max()
            .map_or(1, |g| g.saturating_add(1))
    }

    /// Writes the new file: the kept sections copied (checksums checked),
    /// then whatever `add` writes; renames it over the old one.
    fn rewrite(&self, keep: Keep<'_>, add: impl FnOnce(&mut ContainerWriter<AtomicFile>) -> Result<()>) -> Result<()> {
        let out = AtomicFile::create(&self.path)?;
        let mut c = ContainerWriter::new(out, self.container.order)?;
        let bytes = self.data.bytes();
        for e in &self.container.sections {
            let kept = match keep {
                Keep::All => true,
                Keep::NotGroup(g) => e.group != g,
                Keep::NotAt(at) => !at.contains(&e.offset),
            };
            if kept {
                copy_section(&mut c, bytes, e).map_err(|err| err.in_file(&self.path))?;
            }
        }
        add(&mut c)?;
        let perms = std::fs::metadata(&self.path).map(|m| m.permissions());
        c.finish().map_err(|e| e.in_file(&self.path))?.commit()?;
        // SPEC §15.1 step 3: the file keeps its permissions, and the rename
        // itself reaches stable storage.
        if let Ok(p) = perms {
            std::fs::set_permissions(&self.path, p)
                .map_err(|e| Error::io("cannot set permissions", e).in_file(&self.path))?;
        }
        sync_directory(&self.path)
    }

    /// Adds the table `name`, its rows read from CSV `input` as `csv` says
    /// (replacing a table of that name when `replace`);
    /// returns the number of rows.
    #[allow(clippy::too_many_arguments)]
    pub fn add_csv_table<R: Read + Send>(
        &self,
        name: &str,
        schema: Schema,
        options: &TableOptions,
        replace: bool,
        input: R,
        csv: crate::convert::csv::CsvOptions,
        progress: impl FnMut(u64),
    ) -> Result<u64> {
        let ts = self.tables()?;
        let old = ts.table(name).map(|t| t.group());
        if old.is_some() {
            self.not_matrix_names(name, "replaced")?;
        }
        if old.is_some() && !replace {
            return Err(Error::input(format!(
                "a table '{name}' exists already: choose another --table name, or --replace it"
            ))
            .in_file(&self.path));
        }
        let group = self.free_group();
        let keep = old.map_or(Keep::All, Keep::NotGroup);
        let mut rows = 0;
        self.rewrite(keep, |c| {
            let mut t = TableWriter::begin(c, group, name, schema, options)
                .map_err(|e| Error::input(format!("--index: {}", e.message())))?;
            rows = crate::convert::csv::import_csv_with(input, csv, &mut t, progress)?;
            t.finish()
        })?;
        Ok(rows)
    }

    /// A table that holds a matrix's row or column names (SPEC §8.9 \[MX6])
    /// belongs to that matrix: dropping, replacing it or its index would
    /// leave the matrix without names, so it is refused.
    fn not_matrix_names(&self, name: &str, what: &str) -> Result<()> {
        let set = crate::matrix::MatrixSet::new(self.data.bytes(), &self.container, false)?;
        for m in set.matrices() {
            let (rows, cols) = m.name_tables();
            if name == rows || name == cols {
                return Err(Error::input(format!(
                    "table '{name}' holds the {} names of matrix '{}' and cannot be {what} on its own",
                    if name == rows { "row" } else { "column" },
                    m.name()
                ))
                .in_file(&self.path));
            }
        }
        Ok(())
    }

    /// Drops the table `name` with its dictionaries and indexes.
    pub fn drop_table(&self, name: &str) -> Result<()> {
        let ts = self.tables()?;
        let group = table_of(&ts, name, &self.path)?.group();
        self.not_matrix_names(name, "dropped")?;
        self.rewrite(Keep::NotGroup(group), |_| Ok(()))
    }

    /// Adds a hash-key index on `columns` of table `name`, built from its
    /// rows; the rows are not rewritten, only copied.
    pub fn add_index(&self, name: &str, columns: &[String]) -> Result<()> {
        let ts = self.tables()?;
        let t = table_of(&ts, name, &self.path)?;
        let cols = key_columns(t, columns)?;
        if t.indexes().iter().any(|ix| ix.columns() == cols.as_slice()) {
            return Err(Error::input(format!(
                "table '{name}' already has an index on ({})",
                columns.join(",")
            )));
        }
        let b = build_index(t, cols)?;
        let (group, rows) = (t.group(), t.row_count());
        self.rewrite(Keep::All, |c| b.write_section(c, group, rows))
    }

    /// Drops the index on `columns` (in key order) of table `name`.
    pub fn drop_index(&self, name: &str, columns: &[String]) -> Result<()> {
        let ts = self.tables()?;
        let t = table_of(&ts, name, &self.path)?;
        self.not_matrix_names(name, "changed")?;
        let cols = key_columns(t, columns)?;
        let group = t.group();
        let bytes = self.data.bytes();
        let order = self.container.order;
        // Index sections of the table's group whose key columns are `cols`
        // (read from the section itself, so an unusable index can be dropped too).
        let at: Vec<u64> = self
            .container
            .sections
            .iter()
            .filter(|e| e.kind == kind::HASH_INDEX && e.group == group)
            .filter(|e| index_columns(bytes, e, order).as_deref() == Some(cols.as_slice()))
            .map(|e| e.offset)
            .collect();
        if at.is_empty() {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("table '{name}' has no index on ({})", columns.join(",")),
            ));
        }
        self.rewrite(Keep::NotAt(&at), |_| Ok(()))
    }
}

/// An index on `cols` of table `t`, built from its rows.
fn build_index(t: &crate::table::Table<'_>, cols: Vec<u32>) -> Result<IndexBuilder> {
    let mut b = IndexBuilder::new(cols.clone());
    let mut key = Vec::new();
    for r in 0..t.row_count() {
        key.clear();
        for &c in &cols {
            encode_key_value(&mut key, t.schema().columns[c as usize].ty, t.cell(r, c as usize)?);
        }
        b.add(&key, r);
    }
    Ok(b)
}

/// Adds a hash-key index on `columns` of table `name` of the data file
/// `data` to the index file `index_file` (SPEC §8.8), creating it or
/// extending it by rewrite and rename. `data` is only read: it is opened
/// read-only and never renamed, so a read-only or shared file gains an
/// index too.
pub fn add_file_index(data: &Path, name: &str, columns: &[String], index_file: &Path) -> Result<()> {
    refuse_same_file(data, index_file)?;
    let bytes = Data::map(data)?;
    let c = Container::parse(bytes.bytes()).map_err(|e| e.in_file(data))?;
    let ts = TableSet::new(bytes.bytes(), &c).map_err(|e| e.in_file(data))?;
    let t = table_of(&ts, name, data)?;
    let cols = key_columns(t, columns)?;
    if t.indexes().iter().any(|ix| ix.columns() == cols.as_slice()) {
        return Err(Error::input(format!(
            "table '{name}' already has an index on ({}) in {}",
            columns.join(","),
            data.display()
        )));
    }
    let source = data
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let target = IndexTarget::of_table(t, &c, &source)?;
    let rows = t.row_count();
    if !index_file.exists() {
        let b = build_index(t, cols)?;
        let out = AtomicFile::create(index_file)?;
        let mut w = ContainerWriter::new(out, ByteOrder::Little)?;
        w.add_section(kind::INDEX_TARGET, true, 1, &target.encode(ByteOrder::Little))?;
        b.write_section(&mut w, 1, rows)?;
        w.finish().map_err(|e| e.in_file(index_file))?.commit()?;
        return sync_directory(index_file);
    }
    let g = Grow::open(index_file)?;
    let f = IndexFile::new(g.data.bytes(), &g.container, true).map_err(|e| e.in_file(index_file))?;
    let group = match f.target(name) {
        Some(ti) => {
            ti.target.check(t, &c).map_err(|e| {
                let msg = format!(
                    "{}; drop its indexes from the index file first (tribit index drop ... --index-file), or write another index file",
                    e.message()
                );
                let n = Error::new(e.kind(), msg).in_file(index_file);
                match e.rule() {
                    Some(r) => n.with_rule(r),
                    None => n,
                }
            })?;
            let order = g.container.order;
            let taken = g
                .container
                .sections
                .iter()
                .filter(|e| e.kind == kind::HASH_INDEX && e.group == ti.group)
                .any(|e| index_columns(g.data.bytes(), e, order).as_deref() == Some(cols.as_slice()));
            if taken {
                return Err(Error::input(format!(
                    "the index file already has an index on ({}) of table '{name}'",
                    columns.join(",")
                ))
                .in_file(index_file));
            }
            Some(ti.group)
        }
        None => None,
    };
    let b = build_index(t, cols)?;
    let new_group = g.free_group();
    g.rewrite(Keep::All, |w| {
        let group = match group {
            Some(gr) => gr,
            None => {
                w.add_section(kind::INDEX_TARGET, true, new_group, &target.encode(w.order()))?;
                new_group
            }
        };
        b.write_section(w, group, rows)
    })
}

/// Drops the index on `columns` of table `name` (named as in the data file
/// `data`, which is only read) from the index file `index_file`; the
/// table's INDEX_TARGET goes with its last index.
pub fn drop_file_index(data: &Path, name: &str, columns: &[String], index_file: &Path) -> Result<()> {
    refuse_same_file(data, index_file)?;
    let bytes = Data::map(data)?;
    let c = Container::parse(bytes.bytes()).map_err(|e| e.in_file(data))?;
    let ts = TableSet::new_unverified(bytes.bytes(), &c).map_err(|e| e.in_file(data))?;
    let cols = key_columns(table_of(&ts, name, data)?, columns)?;
    let g = Grow::open(index_file)?;
    let f = IndexFile::new(g.data.bytes(), &g.container, false).map_err(|e| e.in_file(index_file))?;
    let missing = || {
        Error::new(
            ErrorKind::NotFound,
            format!(
                "{} has no index on ({}) of table '{name}'",
                index_file.display(),
                columns.join(",")
            ),
        )
    };
    let ti = f.target(name).ok_or_else(missing)?;
    let order = g.container.order;
    let of_group: Vec<&DirectoryEntry> = g
        .container
        .sections
        .iter()
        .filter(|e| e.kind == kind::HASH_INDEX && e.group == ti.group)
        .collect();
    let at: Vec<u64> = of_group
        .iter()
        .filter(|e| index_columns(g.data.bytes(), e, order).as_deref() == Some(cols.as_slice()))
        .map(|e| e.offset)
        .collect();
    if at.is_empty() {
        return Err(missing());
    }
    if at.len() == of_group.len() {
        g.rewrite(Keep::NotGroup(ti.group), |_| Ok(()))
    } else {
        g.rewrite(Keep::NotAt(&at), |_| Ok(()))
    }
}

/// Refuses to use a data file as its own index file.
fn refuse_same_file(data: &Path, index_file: &Path) -> Result<()> {
    let same = match (std::fs::canonicalize(data), std::fs::canonicalize(index_file)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::input(format!(
            "{} is the data file itself: name another file for --index-file",
            index_file.display()
        )));
    }
    Ok(())
}

/// Flushes the directory entry of `path` (the rename) to stable storage.
fn sync_directory(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io("cannot sync the directory", e).in_file(path))?;
    }
    Ok(())
}

/// Copies section `e` of `bytes` unchanged, checking its checksum on the way.
pub(crate) fn copy_section<W: std::io::Write + std::io::Seek>(
    c: &mut ContainerWriter<W>,
    bytes: &[u8],
    e: &DirectoryEntry,
) -> Result<()> {
    if e.kind == spec::kind::CHUNK_SUMS {
        // Written afresh after the section it covers, at its new offset
        // (SPEC §3.2); its own checksum is of no further use.
        return Ok(());
    }
    let s = &bytes[e.offset as usize..(e.offset + e.length) as usize];
    if e.kind == spec::kind::HASH_INDEX {
        // SPEC §10 rule 6: a compact index keeps the file at 1.8.
        c.require_minor(crate::table::index::section_minor(s));
    }
    c.begin_section(e.kind, e.required(), e.group)?;
    for chunk in s.chunks(1 << 22) {
        c.write(chunk)?;
    }
    let written = c.end_section()?;
    if !crate::container::checksum_matches(e.checksum, written.checksum) {
        return Err(Error::new(
            ErrorKind::Checksum,
            format!(
                "checksum mismatch in {}: stored {:016x}, computed {:016x}; the file is left as it was",
                crate::section_name(e.kind),
                e.checksum,
                written.checksum
            ),
        )
        .at_byte(Some(e.kind), e.offset));
    }
    Ok(())
}

fn table_of<'t, 'a>(ts: &'t TableSet<'a>, name: &str, path: &Path) -> Result<&'t crate::table::Table<'a>> {
    ts.table(name).ok_or_else(|| {
        let names: Vec<&str> = ts.tables().iter().map(|t| t.name()).collect();
        Error::new(
            ErrorKind::NotFound,
            format!(
                "{} has no table '{name}' (tables: {})",
                path.display(),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ),
        )
    })
}

fn key_columns(t: &crate::table::Table<'_>, columns: &[String]) -> Result<Vec<u32>> {
    let mut cols: Vec<u32> = Vec::new();
    for c in columns {
        let p = t
            .schema()
            .position(c)
            .ok_or_else(|| Error::input(format!("table '{}' has no column '{c}'", t.name())))?;
        if cols.contains(&(p as u32)) {
            return Err(Error::input(format!("column '{c}' is named twice")));
        }
        cols.push(p as u32);
    }
    if cols.is_empty() {
        return Err(Error::input("an index needs at least one column"));
    }
    Ok(cols)
}

/// The key columns a HASH_INDEX section names (SPEC §8.4), if its header
/// can be read.
fn index_columns(bytes: &[u8], e: &DirectoryEntry, order: crate::container::ByteOrder) -> Option<Vec<u32>> {
    let s = bytes.get(e.offset as usize..(e.offset + e.length) as usize)?;
    let n = order.u32(s.get(0..4)?.try_into().ok()?) as usize;
    (0..n)
        .map(|i| {
            let at = 64 + 4 * i;
            Some(order.u32(s.get(at..at + 4)?.try_into().ok()?))
        })
        .collect()
}
