//! The front door: one [`File`] leads to a file's sequences and tables.
//!
//! Opening parses the header and directory and verifies the sequence
//! metadata (as [`Reader::open`] does); the tables are opened and verified
//! (as [`TableSet::new`] does) the first time they are asked for, then kept,
//! so later calls cost a lookup. A `File` is `Send + Sync` and owns its bytes:
//! bindings keep one in an `Arc` and derive table and column views on each
//! call without lifetimes of their own.
//!
//! ```
//! use std::io::Cursor;
//! use tribit::container::ByteOrder;
//! use tribit::table::{Schema, TableOptions, TablesWriter, Value};
//! use tribit::File;
//! let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
//! let opts = TableOptions { indexes: vec![vec!["GENE".into()]] };
//! let mut t = w.table("expr", Schema::parse("GENE:dict,RAW:f64").unwrap(), &opts).unwrap();
//! t.push_row(&[Value::Str("TP53"), Value::F64(2.5)]).unwrap();
//! t.push_row(&[Value::Str("BRCA1"), Value::F64(4.0)]).unwrap();
//! t.finish().unwrap();
//! let f = File::from_bytes(w.finish().unwrap().into_inner()).unwrap();
//! assert!(f.sequences().is_empty());
//! let expr = f.table("expr").unwrap();
//! let rows = expr.lookup(&[("GENE", Value::Str("BRCA1"))]).unwrap();
//! assert_eq!(rows.rows().collect::<Vec<_>>(), vec![1]);
//! assert_eq!(expr.column::<f64>("RAW").unwrap().get(1), Some(4.0));
//! assert!(f.table("nope").is_err());
//! ```

use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::container::{Container, Data};
use crate::error::{Error, ErrorKind, Result};
use crate::matrix::{Matrix, MatrixSet};
use crate::sequence::Reader;
use crate::table::index::IndexFile;
use crate::table::{Table, TableSet};

/// The bytes the tables borrow: the file's, and those of its index files.
struct Owner {
    data: Arc<Data>,
    index_files: Vec<IndexFileData>,
}

/// An index file (SPEC §8.8) given with the file: its name, bytes and
/// checked directory.
struct IndexFileData {
    name: String,
    data: Arc<Data>,
    container: Container,
}

impl Clone for IndexFileData {
    fn clone(&self) -> Self {
        IndexFileData {
            name: self.name.clone(),
            data: Arc::clone(&self.data),
            container: self.container.clone(),
        }
    }
}

self_cell::self_cell!(
    /// The matrices of a file, borrowing the bytes they share with the reader.
    struct Matrices {
        owner: Arc<Data>,
        #[covariant]
        dependent: MatrixSet,
    }
);

self_cell::self_cell!(
    /// The tables of a file, borrowing the bytes they share with the reader.
    struct Tables {
        owner: Owner,
        #[covariant]
        dependent: TableSet,
    }
);

/// A tribit file, opened once: its sequences and its tables.
pub struct File {
    reader: Reader,
    index_files: Vec<IndexFileData>,
    tables: OnceLock<Tables>,
    matrices: OnceLock<Matrices>,
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File")
            .field("path", &self.reader.path())
            .field("sequences", &self.reader.len())
            .field("tables_opened", &self.tables.get().is_some())
            .finish()
    }
}

impl File {
    /// Memory-maps and opens the file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<File> {
        Ok(File::from_reader(Reader::open(path)?))
    }

    /// Memory-maps and opens the file at `path`; a reference-escaped file
    /// (SPEC §9) reads its escaped bases from `reference` when given,
    /// else from the path recorded in it. A missing or different reference
    /// fails here, as [`Reader::open_with_reference`] says.
    pub fn open_with_reference(path: impl AsRef<Path>, reference: Option<impl AsRef<Path>>) -> Result<File> {
        Ok(File::from_reader(Reader::open_with_reference(path, reference)?))
    }

    /// Opens a file held in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<File> {
        Ok(File::from_reader(Reader::from_bytes(bytes)?))
    }

    /// Wraps a reader that is already open.
    pub fn from_reader(reader: Reader) -> File {
        File {
            reader,
            index_files: Vec::new(),
            tables: OnceLock::new(),
            matrices: OnceLock::new(),
        }
    }

    /// Opens the file at `path` with the index files `index_files` (SPEC
    /// §8.8), whose indexes then answer lookups as the file's own do. The
    /// tables are opened and every index file is checked against them now,
    /// so a table that changed since an index file was built is refused
    /// here, as an [`ErrorKind::Mismatch`] error that says what differs.
    pub fn open_with_index_files(path: impl AsRef<Path>, index_files: &[impl AsRef<Path>]) -> Result<File> {
        File::open(path)?.with_index_files(index_files)
    }

    /// Adds index files to an open file, as [`File::open_with_index_files`] does.
    pub fn with_index_files(mut self, index_files: &[impl AsRef<Path>]) -> Result<File> {
        let f = &mut self;
        for p in index_files {
            let p = p.as_ref();
            let data = Data::map(p)?;
            let container = Container::parse(data.bytes()).map_err(|e| e.in_file(p))?;
            f.index_files.push(IndexFileData {
                name: p.display().to_string(),
                data: Arc::new(data),
                container,
            });
        }
        f.tables()?;
        Ok(self)
    }

    /// The paths of the index files given at open, in order.
    pub fn index_files(&self) -> Vec<&str> {
        self.index_files.iter().map(|x| x.name.as_str()).collect()
    }

    /// The sequences (empty when the file holds none).
    pub fn sequences(&self) -> &Reader {
        &self.reader
    }

    /// The parsed header and directory.
    pub fn container(&self) -> &Container {
        self.reader.container()
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.reader.bytes()
    }

    /// The path the file was opened from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.reader.path()
    }

    /// Every table, opened and verified on the first call. An error is not
    /// kept: the next call tries again and returns it again.
    pub fn tables(&self) -> Result<&TableSet<'_>> {
        if let Some(t) = self.tables.get() {
            return Ok(t.borrow_dependent());
        }
        let container = self.reader.container();
        let owner = Owner {
            data: Arc::clone(self.reader.data()),
            index_files: self.index_files.clone(),
        };
        let opened = Tables::try_new(owner, |o| {
            let mut ts = TableSet::new(o.data.bytes(), container)?;
            for x in &o.index_files {
                let f = IndexFile::new(x.data.bytes(), &x.container, true).map_err(|e| e.in_file(&x.name))?;
                if f.is_empty() {
                    return Err(Error::input(format!(
                        "{} is not an index file: it has no INDEX_TARGET",
                        x.name
                    )));
                }
                ts.attach(&f, container, &x.name)?;
            }
            Ok(ts)
        });
        let opened = match (opened, self.path()) {
            (Ok(t), _) => t,
            (Err(e), Some(p)) => return Err(e.in_file(p)),
            (Err(e), None) => return Err(e),
        };
        // Two threads may both open the tables; the first one kept wins.
        Ok(self.tables.get_or_init(|| opened).borrow_dependent())
    }

    /// Every matrix (SPEC §8.9), opened on the first call (the MATRIX
    /// sections verified; each tile is verified when first read).
    pub fn matrices(&self) -> Result<&MatrixSet<'_>> {
        if let Some(m) = self.matrices.get() {
            return Ok(m.borrow_dependent());
        }
        let container = self.reader.container();
        let opened = Matrices::try_new(Arc::clone(self.reader.data()), |d| {
            MatrixSet::new(d.bytes(), container, true)
        });
        let opened = match (opened, self.path()) {
            (Ok(m), _) => m,
            (Err(e), Some(p)) => return Err(e.in_file(p)),
            (Err(e), None) => return Err(e),
        };
        Ok(self.matrices.get_or_init(|| opened).borrow_dependent())
    }

    /// The names of the matrices, in directory order.
    pub fn matrix_names(&self) -> Result<Vec<&str>> {
        Ok(self.matrices()?.matrices().iter().map(|m| m.name()).collect())
    }

    /// The matrix called `name` with its row and column names; a
    /// [`ErrorKind::NotFound`] error names the matrices the file has.
    pub fn matrix(&self, name: &str) -> Result<Matrix<'_>> {
        let ms = self.matrices()?;
        let in_file = |e: Error| match self.path() {
            Some(p) => e.in_file(p),
            None => e,
        };
        let Some(m) = ms.get(name) else {
            let names: Vec<&str> = ms.matrices().iter().map(|m| m.name()).collect();
            let have = if names.is_empty() {
                "the file has no matrices".to_string()
            } else {
                format!("matrices: {}", names.join(", "))
            };
            return Err(in_file(Error::new(
                ErrorKind::NotFound,
                format!("no matrix '{name}' ({have})"),
            )));
        };
        Matrix::new(m, self.tables()?).map_err(in_file)
    }

    /// The table called `name`; a [`ErrorKind::NotFound`] error names the
    /// tables the file has.
    pub fn table(&self, name: &str) -> Result<&Table<'_>> {
        let ts = self.tables()?;
        ts.table(name).ok_or_else(|| {
            let names: Vec<&str> = ts.tables().iter().map(|t| t.name()).collect();
            let have = if names.is_empty() {
                "the file has no tables".to_string()
            } else {
                format!("tables: {}", names.join(", "))
            };
            let e = Error::new(ErrorKind::NotFound, format!("no table '{name}' ({have})"));
            match self.path() {
                Some(p) => e.in_file(p),
                None => e,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::ByteOrder;
    use crate::table::{Schema, TableOptions, TablesWriter, Value};
    use crate::WriterBuilder;
    use std::io::Cursor;

    fn table_file() -> Vec<u8> {
        let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
        let mut t = w
            .table("t", Schema::parse("A:u8").unwrap(), &TableOptions::default())
            .unwrap();
        t.push_row(&[Value::UInt(7)]).unwrap();
        t.finish().unwrap();
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn tables_are_opened_once_and_shared() {
        let f = File::from_bytes(table_file()).unwrap();
        let a = f.tables().unwrap() as *const TableSet<'_>;
        let b = f.tables().unwrap() as *const TableSet<'_>;
        assert_eq!(a, b, "the second call must return the kept tables");
        assert_eq!(f.table("t").unwrap().cell(0, 0).unwrap(), Value::UInt(7));
    }

    #[test]
    fn a_damaged_table_fails_at_first_touch_not_at_open() {
        let mut bytes = table_file();
        bytes[64] = 8; // the one cell, without updating the checksum
        let f = File::from_bytes(bytes).unwrap();
        let e = f.tables().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Checksum);
        // Not kept: asking again gives the same error, not an empty set.
        assert_eq!(f.table("t").unwrap_err().kind(), ErrorKind::Checksum);
    }

    #[test]
    fn unknown_table_is_not_found_and_names_the_tables() {
        let f = File::from_bytes(table_file()).unwrap();
        let e = f.table("x").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.message(), "no table 'x' (tables: t)");
    }

    #[test]
    fn sequences_and_tables_from_one_file() {
        let mut w = WriterBuilder::default().build(Cursor::new(Vec::new())).unwrap();
        w.add_sequence(b"s1", b"ACGTN", 60).unwrap();
        let f = File::from_bytes(w.finish().unwrap().into_inner()).unwrap();
        assert_eq!(f.sequences().len(), 1);
        assert!(f.tables().unwrap().tables().is_empty());
        let e = f.table("t").unwrap_err();
        assert_eq!(e.message(), "no table 't' (the file has no tables)");
    }

    #[test]
    fn file_is_send_and_sync() {
        fn both<T: Send + Sync>() {}
        both::<File>();
    }
}
