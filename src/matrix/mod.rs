//! SPEC §8.9: dense matrices with named rows and columns.
//!
//! A matrix is a MATRIX section (header, names of its two name tables, one
//! checksum per tile) and a MATRIX_TILES section (the cells, in tiles of
//! `tile_rows` × `tile_cols`) in one group, plus two ordinary tables (§8.1)
//! holding the row and column names, each with a hash-key index, so that
//! finding a row or column by name is an index lookup.
//!
//! ```text
//! MATRIX_TILES: band 0 (rows 0..R)       band 1 (rows R..2R)   ...
//!               [tile 0,0][tile 0,1]...  [tile 1,0]...
//! tile (b, t):  R_b rows × C cells, row-major; R_b = R except in the last band
//! ```
//!
//! Tiles are verified against their checksum the first time a read touches
//! them (SPEC §8.9 \[MX7]); a bit per tile remembers it.
//!
//! ```
//! use std::io::Cursor;
//! use tribit::container::ByteOrder;
//! use tribit::matrix::MatrixOptions;
//! use tribit::table::{ColumnType, TablesWriter, Value};
//! use tribit::File;
//! let mut w = TablesWriter::new(Cursor::new(Vec::new()), ByteOrder::Little).unwrap();
//! let cols = vec!["TP53".to_string(), "BRCA1".to_string()];
//! let mut m = w.matrix("expr", &cols, &MatrixOptions::new(ColumnType::F32)).unwrap();
//! m.push_row("SRR1", &[Value::F64(1.5), Value::F64(2.0)]).unwrap();
//! m.push_row("SRR2", &[Value::F64(3.0), Value::Null]).unwrap();
//! m.finish().unwrap();
//! let f = File::from_bytes(w.finish().unwrap().into_inner()).unwrap();
//! let m = f.matrix("expr").unwrap();
//! let rows = m.row_positions(&["SRR2"]).unwrap();
//! let cols = m.col_positions(&["BRCA1", "TP53"]).unwrap();
//! let v = m.read_f64(&rows, &cols).unwrap();
//! assert!(v[0].is_nan()); // the null cell
//! assert_eq!(v[1], 3.0);
//! ```

pub mod check;
mod named;
mod writer;

pub use named::Matrix;
pub use writer::{MatrixOptions, MatrixWriter};

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::container::{checksum, checksum_matches, ByteOrder, Container, DirectoryEntry};
use crate::error::{Error, ErrorKind, Result};
use crate::spec::{kind, matrix as mx};
use crate::table::ColumnType;

/// The cell types a matrix may hold (SPEC §8.9 \[MX1]): the numeric column
/// types of §8.2.
pub fn cell_type(code: u8) -> Option<ColumnType> {
    let ty = [1, 2, 4, 8].into_iter().find_map(|w| ColumnType::from_code(code, w))?;
    ty.is_numeric().then_some(ty)
}

/// A broken rule of SPEC §8.9, as the error a reader reports, naming the
/// rule (e.g. `MX2`).
fn broken(label: &'static str, kind_: u32, offset: u64, msg: String) -> Error {
    Error::format(Some(kind_), offset, msg).with_rule(label)
}

/// The fixed header of a MATRIX section (SPEC §8.9), as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatrixHeader {
    /// Rows of the matrix.
    pub row_count: u64,
    /// Columns of the matrix.
    pub col_count: u64,
    /// Rows per tile (R).
    pub tile_rows: u32,
    /// Cells per tile row (C).
    pub tile_cols: u32,
    /// Cell type code (§8.2).
    pub ty: u8,
    /// Flag bits; bit 0: `null_value` is in use.
    pub flags: u8,
    /// Bytes 26-27 and 56-63, reserved (0).
    pub reserved: [u8; 10],
    /// Length of the matrix name.
    pub name_len: u32,
    /// The bit pattern of a null cell, when flag bit 0 is set.
    pub null_value: u64,
    /// Length of the row names table's name.
    pub row_table_len: u32,
    /// Length of the column names table's name.
    pub col_table_len: u32,
    /// Number of tiles.
    pub tile_count: u64,
}

impl MatrixHeader {
    /// Decodes the 64-byte header; `b` holds at least 64 bytes.
    pub fn decode(b: &[u8], o: ByteOrder) -> MatrixHeader {
        let mut reserved = [0u8; 10];
        reserved[..2].copy_from_slice(&b[26..28]);
        reserved[2..].copy_from_slice(&b[56..64]);
        MatrixHeader {
            row_count: o.u64_at(b, 0),
            col_count: o.u64_at(b, 8),
            tile_rows: o.u32_at(b, 16),
            tile_cols: o.u32_at(b, 20),
            ty: b[24],
            flags: b[25],
            reserved,
            name_len: o.u32_at(b, 28),
            null_value: o.u64_at(b, 32),
            row_table_len: o.u32_at(b, 40),
            col_table_len: o.u32_at(b, 44),
            tile_count: o.u64_at(b, 48),
        }
    }
}

/// One matrix's sections, checked (SPEC §2.4 steps M-b to M-d); the cells
/// are read through [`Matrix`], which adds the name tables.
#[derive(Debug)]
pub struct MatrixSection<'a> {
    header: MatrixHeader,
    name: String,
    row_table: String,
    col_table: String,
    ty: ColumnType,
    width: u64,
    order: ByteOrder,
    group: u32,
    offset: u64,
    tiles_offset: u64,
    tiles: &'a [u8],
    sums: &'a [u8],
    verified: Vec<AtomicU64>,
    verify: bool,
}

/// Every matrix of a file, in directory order of their MATRIX sections.
#[derive(Debug, Default)]
pub struct MatrixSet<'a> {
    matrices: Vec<MatrixSection<'a>>,
}

impl<'a> MatrixSet<'a> {
    /// Opens every matrix (SPEC §2.4 steps M-a to M-c), verifying the
    /// MATRIX sections' checksums when `verify` (tiles are verified on
    /// first use). Returns the first broken rule.
    pub fn new(bytes: &'a [u8], c: &Container, verify: bool) -> Result<MatrixSet<'a>> {
        let (set, mut errors) = MatrixSet::open(bytes, c, verify, true);
        match errors.pop() {
            Some(e) => Err(e),
            None => Ok(set),
        }
    }

    /// As [`MatrixSet::new`], but each matrix on its own: every matrix
    /// that opens is kept and every broken rule returned (validators).
    pub fn new_partial(bytes: &'a [u8], c: &Container, verify: bool) -> (MatrixSet<'a>, Vec<Error>) {
        MatrixSet::open(bytes, c, verify, false)
    }

    fn open(bytes: &'a [u8], c: &Container, verify: bool, strict: bool) -> (MatrixSet<'a>, Vec<Error>) {
        let mut set = MatrixSet::default();
        let mut errors = Vec::new();
        let mut names = HashSet::new();
        let headers: Vec<&DirectoryEntry> = c.sections.iter().filter(|e| e.kind == kind::MATRIX).collect();
        // M-a: [MX5] the group rules.
        for e in c.sections.iter().filter(|e| e.kind == kind::MATRIX_TILES) {
            if !headers.iter().any(|h| h.group == e.group) {
                errors.push(broken(
                    "MX5",
                    e.kind,
                    e.offset,
                    format!("no MATRIX in group {}", e.group),
                ));
                if strict {
                    return (set, errors);
                }
            }
        }
        for (i, h) in headers.iter().enumerate() {
            let fail = |msg: String| broken("MX5", kind::MATRIX, h.offset, msg);
            let in_group: Vec<&DirectoryEntry> = c.sections.iter().filter(|e| e.group == h.group).collect();
            let tiles: Vec<&&DirectoryEntry> = in_group.iter().filter(|e| e.kind == kind::MATRIX_TILES).collect();
            let r = if headers[..i].iter().any(|x| x.group == h.group) {
                Err(fail(format!("two MATRIX sections in group {}", h.group)))
            } else if tiles.len() != 1 {
                Err(fail(format!(
                    "{} MATRIX_TILES sections in group {}, expected 1",
                    tiles.len(),
                    h.group
                )))
            } else if in_group.len() != 2 {
                Err(fail(format!(
                    "group {} holds sections other than the matrix's two",
                    h.group
                )))
            } else {
                open_matrix(bytes, c, h, tiles[0], verify)
            };
            match r {
                Ok(m) if !names.insert(m.name.clone()) => {
                    errors.push(fail(format!("duplicate matrix name '{}'", m.name)));
                }
                Ok(m) => set.matrices.push(m),
                Err(e) => errors.push(e),
            }
            if strict && !errors.is_empty() {
                return (set, errors);
            }
        }
        (set, errors)
    }

    /// The matrices.
    pub fn matrices(&self) -> &[MatrixSection<'a>] {
        &self.matrices
    }

    /// The matrix called `name`.
    pub fn get(&self, name: &str) -> Option<&MatrixSection<'a>> {
        self.matrices.iter().find(|m| m.name == name)
    }
}

/// SPEC §8.9 steps M-b and M-c for one matrix.
fn open_matrix<'a>(
    bytes: &'a [u8],
    c: &Container,
    h: &DirectoryEntry,
    t: &DirectoryEntry,
    verify: bool,
) -> Result<MatrixSection<'a>> {
    let o = c.order;
    let at = h.offset;
    let b = if verify {
        c.verified(bytes, h).map_err(|error| error.with_rule("D5"))?
    } else {
        &bytes[h.offset as usize..(h.offset + h.length) as usize]
    };
    let fail = |label, msg: String| broken(label, kind::MATRIX, at, msg);
    if (b.len() as u64) < mx::HEADER_LEN {
        return Err(fail("MX2", format!("{} bytes cannot hold the 64-byte header", b.len())));
    }
    let hd = MatrixHeader::decode(b, o);
    let ty = cell_type(hd.ty).ok_or_else(|| fail("MX1", format!("type {} is not a numeric type", hd.ty)))?;
    if hd.tile_rows == 0 || hd.tile_cols == 0 {
        return Err(fail(
            "MX2",
            format!("tile shape {} x {} is empty", hd.tile_rows, hd.tile_cols),
        ));
    }
    let bands = hd.row_count.div_ceil(hd.tile_rows as u64);
    let tcols = hd.col_count.div_ceil(hd.tile_cols as u64);
    let want_tiles = bands.checked_mul(tcols);
    if want_tiles != Some(hd.tile_count) {
        return Err(fail(
            "MX2",
            format!(
                "tile_count {} is not ceil(rows/tile_rows) x ceil(cols/tile_cols)",
                hd.tile_count
            ),
        ));
    }
    let names_len = hd.name_len as u64 + hd.row_table_len as u64 + hd.col_table_len as u64;
    let p = (mx::HEADER_LEN + names_len).next_multiple_of(8);
    let want_len = hd.tile_count.checked_mul(8).and_then(|x| x.checked_add(p));
    if want_len != Some(b.len() as u64) {
        return Err(fail(
            "MX2",
            format!("length {} is not {p} + 8 x tile_count ({})", b.len(), hd.tile_count),
        ));
    }
    let text = |from: u64, len: u32, what: &str| -> Result<String> {
        let s = &b[from as usize..(from + len as u64) as usize];
        match std::str::from_utf8(s) {
            Ok(s) if !s.is_empty() => Ok(s.to_string()),
            _ => Err(fail("MX3", format!("the {what} is empty or not UTF-8"))),
        }
    };
    let name = text(64, hd.name_len, "matrix name")?;
    let row_table = text(64 + hd.name_len as u64, hd.row_table_len, "row names table name")?;
    let col_table = text(
        64 + hd.name_len as u64 + hd.row_table_len as u64,
        hd.col_table_len,
        "column names table name",
    )?;
    let width = ty.width() as u64;
    let want = tcols
        .checked_mul(hd.tile_cols as u64)
        .and_then(|p| p.checked_mul(hd.row_count))
        .and_then(|x| x.checked_mul(width));
    if want != Some(t.length) {
        return Err(broken(
            "MX4",
            kind::MATRIX_TILES,
            t.offset,
            format!(
                "length {} is not row_count x padded columns x {width} for matrix '{name}'",
                t.length
            ),
        ));
    }
    let words = hd.tile_count.div_ceil(64) as usize;
    Ok(MatrixSection {
        header: hd,
        name,
        row_table,
        col_table,
        ty,
        width,
        order: o,
        group: h.group,
        offset: h.offset,
        tiles_offset: t.offset,
        tiles: &bytes[t.offset as usize..(t.offset + t.length) as usize],
        sums: &b[p as usize..],
        verified: (0..words).map(|_| AtomicU64::new(0)).collect(),
        verify,
    })
}

impl<'a> MatrixSection<'a> {
    /// The matrix name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stored header.
    pub fn header(&self) -> &MatrixHeader {
        &self.header
    }

    /// (rows, columns).
    pub fn shape(&self) -> (u64, u64) {
        (self.header.row_count, self.header.col_count)
    }

    /// The cell type.
    pub fn cell_type(&self) -> ColumnType {
        self.ty
    }

    /// The file's byte order (cells are stored in it).
    pub fn order(&self) -> ByteOrder {
        self.order
    }

    /// The bit pattern of a null cell, if the matrix has one.
    pub fn null_value(&self) -> Option<u64> {
        (self.header.flags & mx::FLAG_NULL_VALUE != 0).then_some(self.header.null_value)
    }

    /// (tile_rows, tile_cols).
    pub fn tile_shape(&self) -> (u64, u64) {
        (self.header.tile_rows as u64, self.header.tile_cols as u64)
    }

    /// The names of the row and column name tables.
    pub fn name_tables(&self) -> (&str, &str) {
        (&self.row_table, &self.col_table)
    }

    /// The section group.
    pub fn group(&self) -> u32 {
        self.group
    }

    /// Absolute offsets of the MATRIX and MATRIX_TILES sections.
    pub fn offsets(&self) -> (u64, u64) {
        (self.offset, self.tiles_offset)
    }

    /// The stored cells, tile by tile.
    pub fn tile_bytes(&self) -> &'a [u8] {
        self.tiles
    }

    /// Columns including the padding of the last tile column.
    pub fn padded_cols(&self) -> u64 {
        let c = self.header.tile_cols as u64;
        self.header.col_count.div_ceil(c) * c
    }

    /// Rows in band `b` (R, except in the last band).
    fn band_rows(&self, b: u64) -> u64 {
        let r = self.header.tile_rows as u64;
        r.min(self.header.row_count - b * r)
    }

    /// Tiles per band.
    pub fn tiles_per_band(&self) -> u64 {
        self.header.col_count.div_ceil(self.header.tile_cols as u64)
    }

    /// Byte range of tile (band `b`, tile column `t`) within MATRIX_TILES.
    pub fn tile_range(&self, b: u64, t: u64) -> std::ops::Range<usize> {
        let (r, c) = self.tile_shape();
        let start = (b * r * self.padded_cols() + t * self.band_rows(b) * c) * self.width;
        let len = self.band_rows(b) * c * self.width;
        start as usize..(start + len) as usize
    }

    /// The stored checksum of tile `k` (storage order).
    pub fn tile_checksum(&self, k: u64) -> u64 {
        self.order.u64_at(self.sums, (k * 8) as usize)
    }

    /// SPEC §8.9 [MX7]: tile (b, t) is checked against its checksum before
    /// its first use; later uses cost one bit test.
    fn ensure(&self, b: u64, t: u64) -> Result<()> {
        if !self.verify {
            return Ok(());
        }
        let k = b * self.tiles_per_band() + t;
        let (word, bit) = ((k / 64) as usize, 1u64 << (k % 64));
        if self.verified[word].load(Ordering::Relaxed) & bit != 0 {
            return Ok(());
        }
        let range = self.tile_range(b, t);
        let at = self.tiles_offset + range.start as u64;
        let got = checksum(&self.tiles[range]);
        let stored = self.tile_checksum(k);
        if !checksum_matches(stored, got) {
            return Err(Error::new(
                ErrorKind::Checksum,
                format!(
                    "tile {k} (rows from {}, columns from {}) of matrix '{}': stored checksum {stored:016x}, computed {got:016x}",
                    b * self.header.tile_rows as u64,
                    t * self.header.tile_cols as u64,
                    self.name
                ),
            ).with_rule("MX7")
            .at_byte(Some(kind::MATRIX_TILES), at));
        }
        self.verified[word].fetch_or(bit, Ordering::Relaxed);
        Ok(())
    }

    /// Copies the cells of `rows` × `cols` (positions, in any order,
    /// repeats allowed) into `out`, row after row, each cell in this
    /// machine's byte order. `out` holds exactly `rows.len() × cols.len()
    /// × width` bytes. Every tile touched is verified first.
    pub fn read_bytes(&self, rows: &[u64], cols: &[u64], out: &mut [u8]) -> Result<()> {
        let w = self.width as usize;
        let (nr, nc) = self.shape();
        if let Some(&r) = rows.iter().find(|&&r| r >= nr) {
            return Err(Error::new(
                ErrorKind::Range,
                format!("row {r} is past the {nr} rows of matrix '{}'", self.name),
            ));
        }
        if let Some(&c) = cols.iter().find(|&&c| c >= nc) {
            return Err(Error::new(
                ErrorKind::Range,
                format!("column {c} is past the {nc} columns of matrix '{}'", self.name),
            ));
        }
        if out.len() != rows.len() * cols.len() * w {
            return Err(Error::input(format!(
                "output of {} bytes for {} x {} cells of {w} bytes",
                out.len(),
                rows.len(),
                cols.len()
            )));
        }
        let runs = self.col_runs(cols);
        let segments = self.segments(rows);
        if self.verify {
            let mut bands: Vec<u64> = segments.iter().map(|s| s.band).collect();
            bands.dedup();
            if !bands.is_sorted() {
                bands.sort_unstable();
                bands.dedup();
            }
            let mut ts: Vec<u64> = runs.iter().map(|r| r.tile).collect();
            ts.dedup();
            if !ts.is_sorted() {
                ts.sort_unstable();
                ts.dedup();
            }
            for &b in &bands {
                for &t in &ts {
                    self.ensure(b, t)?;
                }
            }
        }
        if out.is_empty() {
            return Ok(());
        }
        let row_len = cols.len() * w;
        // Big selections are cut into parts of whole segments gathered on
        // all cores; each part is enough work to outweigh its scheduling
        // (a cache line per row of each run, plus the bytes copied).
        let work = |s: &Segment| s.rows * (runs.len() * 64 + row_len);
        if segments.iter().map(work).sum::<usize>() > 2 * PARALLEL_WORK {
            let mut parts = Vec::new();
            let (mut rest, mut from, mut acc) = (&mut out[..], 0, 0);
            for (k, s) in segments.iter().enumerate() {
                acc += work(s);
                if acc >= PARALLEL_WORK || k + 1 == segments.len() {
                    let rows_in = s.first + s.rows - segments[from].first;
                    let (head, tail) = std::mem::take(&mut rest).split_at_mut(rows_in * row_len);
                    parts.push((&segments[from..=k], head));
                    (rest, from, acc) = (tail, k + 1, 0);
                }
            }
            parts
                .into_par_iter()
                .for_each(|(segs, out)| self.gather(segs, &runs, row_len, out));
        } else {
            self.gather(&segments, &runs, row_len, out);
        }
        if (self.order == ByteOrder::Big) != cfg!(target_endian = "big") && w > 1 {
            for cell in out.chunks_exact_mut(w) {
                cell.reverse();
            }
        }
        Ok(())
    }

    /// `rows` cut into segments: rows that follow each other both in the
    /// output and in one band.
    fn segments(&self, rows: &[u64]) -> Vec<Segment> {
        let tr = self.header.tile_rows as u64;
        let mut segments: Vec<Segment> = Vec::new();
        let mut i = 0;
        while i < rows.len() {
            let r = rows[i];
            let (band, row) = (r / tr, r % tr);
            let left = (self.band_rows(band) - row) as usize;
            let mut n = 1;
            while n < left && i + n < rows.len() && rows[i + n] == r + n as u64 {
                n += 1;
            }
            segments.push(Segment {
                first: i,
                rows: n,
                band,
                row,
            });
            i += n;
        }
        segments
    }

    /// The selected columns as runs that are adjacent both in the output
    /// and within one tile column.
    fn col_runs(&self, cols: &[u64]) -> Vec<ColRun> {
        let tc = self.header.tile_cols as u64;
        let mut runs: Vec<ColRun> = Vec::new();
        for (j, &c) in cols.iter().enumerate() {
            let (tile, cell) = (c / tc, c % tc);
            match runs.last_mut() {
                Some(r) if r.tile == tile && r.cell + r.cells as u64 == cell && r.out + r.cells == j => r.cells += 1,
                _ => runs.push(ColRun {
                    out: j,
                    cells: 1,
                    tile,
                    cell,
                }),
            }
        }
        runs
    }

    /// Copies the rows of `segments` × the columns of `runs` into `out`,
    /// whose first row is the first segment's (positions checked, tiles
    /// verified). Each run of a segment is one strided copy from one tile,
    /// whose bytes are read in storage order.
    fn gather(&self, segments: &[Segment], runs: &[ColRun], row_len: usize, out: &mut [u8]) {
        let Some(first) = segments.first() else {
            return;
        };
        let w = self.width as usize;
        let (_, tc) = self.tile_shape();
        let band_len = (self.header.tile_rows as u64 * self.padded_cols()) as usize * w;
        let stride = tc as usize * w;
        for s in segments {
            let rb = self.band_rows(s.band);
            let band = s.band as usize * band_len;
            let i = s.first - first.first;
            let dst = &mut out[i * row_len..(i + s.rows) * row_len];
            let at = |run: &ColRun| band + ((run.tile * rb * tc + s.row * tc + run.cell) as usize) * w;
            for (k, run) in runs.iter().enumerate() {
                // Each run of a segment starts in another tile, another
                // page: touching the bytes of a later run now lets those
                // misses overlap with this copy.
                if let Some(ahead) = runs.get(k + PREFETCH_RUNS) {
                    let from = at(ahead);
                    prefetch(&self.tiles[from..(from + ahead.cells * w).min(self.tiles.len())]);
                }
                copy_strided(
                    &self.tiles[at(run)..],
                    stride,
                    &mut dst[run.out * w..],
                    row_len,
                    s.rows,
                    run.cells * w,
                );
            }
        }
    }

    /// The cells of `rows` × `cols` as f64 (row after row); null cells are NaN.
    pub fn read_f64(&self, rows: &[u64], cols: &[u64]) -> Result<Vec<f64>> {
        let w = self.width as usize;
        let mut raw = vec![0u8; rows.len() * cols.len() * w];
        self.read_bytes(rows, cols, &mut raw)?;
        let null = self.null_value();
        Ok(raw.chunks_exact(w).map(|c| native_to_f64(self.ty, c, null)).collect())
    }
}

/// Work (bytes copied plus 64 per cache line touched) of one part of a
/// read split across threads.
const PARALLEL_WORK: usize = 1 << 20;

/// Output rows that follow each other in the matrix within one band.
#[derive(Debug, Clone, Copy)]
struct Segment {
    /// First output row.
    first: usize,
    /// Rows in the segment.
    rows: usize,
    /// The band.
    band: u64,
    /// Row of the first one within its band.
    row: u64,
}

/// How many runs ahead [`MatrixSection::gather`] prefetches.
const PREFETCH_RUNS: usize = 4;

/// Touches the cache lines of `b` (its first 256 bytes) with loads whose
/// values are thrown away: the CPU runs them ahead, so their misses
/// overlap with the copies in between.
#[inline(always)]
fn prefetch(b: &[u8]) {
    for line in b.chunks(64).take(4) {
        std::hint::black_box(line[0]);
    }
}

/// Selected columns adjacent in the output and within one tile column.
#[derive(Debug, Clone, Copy)]
struct ColRun {
    /// First output column.
    out: usize,
    /// Columns in the run.
    cells: usize,
    /// Tile column.
    tile: u64,
    /// First cell within the tile row.
    cell: u64,
}

/// Copies `count` pieces of `len` bytes, `src_stride` apart in `src`, to
/// `dst_stride` apart in `dst`; the common cell widths copy as fixed-size
/// moves rather than one `memcpy` call per cell.
fn copy_strided(src: &[u8], src_stride: usize, dst: &mut [u8], dst_stride: usize, count: usize, len: usize) {
    fn fixed<const N: usize>(src: &[u8], ss: usize, dst: &mut [u8], ds: usize, count: usize) {
        let src = &src[..(count - 1) * ss + N];
        let dst = &mut dst[..(count - 1) * ds + N];
        for (s, d) in src.chunks(ss).zip(dst.chunks_mut(ds)) {
            let cell: [u8; N] = s[..N].try_into().expect("N bytes");
            d[..N].copy_from_slice(&cell);
        }
    }
    match len {
        1 => fixed::<1>(src, src_stride, dst, dst_stride, count),
        2 => fixed::<2>(src, src_stride, dst, dst_stride, count),
        4 => fixed::<4>(src, src_stride, dst, dst_stride, count),
        8 => fixed::<8>(src, src_stride, dst, dst_stride, count),
        _ => {
            let src = &src[..(count - 1) * src_stride + len];
            let dst = &mut dst[..(count - 1) * dst_stride + len];
            for (s, d) in src.chunks(src_stride).zip(dst.chunks_mut(dst_stride)) {
                d[..len].copy_from_slice(&s[..len]);
            }
        }
    }
}

/// The bit pattern of one cell given in this machine's byte order.
pub fn native_bits(c: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    if cfg!(target_endian = "big") {
        b[8 - c.len()..].copy_from_slice(c);
        u64::from_be_bytes(b)
    } else {
        b[..c.len()].copy_from_slice(c);
        u64::from_le_bytes(b)
    }
}

/// One cell in native byte order as f64; the null pattern gives NaN.
pub fn native_to_f64(ty: ColumnType, c: &[u8], null: Option<u64>) -> f64 {
    let bits = native_bits(c);
    if null == Some(bits) {
        return f64::NAN;
    }
    let sx = |n: u32| ((bits << (64 - n)) as i64 >> (64 - n)) as f64;
    match ty {
        ColumnType::F32 => f32::from_bits(bits as u32) as f64,
        ColumnType::F64 => f64::from_bits(bits),
        ColumnType::I8 => sx(8),
        ColumnType::I16 => sx(16),
        ColumnType::I32 => sx(32),
        ColumnType::I64 => bits as i64 as f64,
        _ => bits as f64,
    }
}
