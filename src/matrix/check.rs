//! SPEC §13.3 for matrices: every rule of §8.9, for the validator. The
//! reader's own checks ([`super::MatrixSet::new_partial`], [`super::Matrix::new`])
//! run first; the rules a reader need not check follow.

use std::collections::HashSet;

use super::{Matrix, MatrixSet};
use crate::container::{checksum, Container};
use crate::spec::kind;
use crate::table::TableSet;

/// One problem of a matrix.
#[derive(Debug)]
pub struct Finding {
    /// The rule's label.
    pub label: &'static str,
    /// Whether a checksum mismatched (else a format problem).
    pub checksum: bool,
    /// Whether the rule is a reserved-zero rule (SPEC §10 rule 9).
    pub reserved: bool,
    /// Section kind.
    pub section: u32,
    /// Absolute byte offset.
    pub offset: u64,
    /// What is wrong.
    pub message: String,
}

fn from_broken(b: crate::Error) -> Finding {
    let (section, offset) = match b.location() {
        crate::Location::Byte { section, offset } => (section.unwrap_or(kind::MATRIX), *offset),
        _ => (kind::MATRIX, 0),
    };
    Finding {
        label: b.rule().unwrap_or("MX2"),
        checksum: b.kind() == crate::ErrorKind::Checksum,
        reserved: false,
        section,
        offset,
        message: b.message().to_string(),
    }
}

/// Checks every matrix of the file (section checksums are the
/// container's \[D5]; tile checksums, \[MX7], are checked here).
pub fn check(bytes: &[u8], c: &Container) -> Vec<Finding> {
    let (set, broken) = MatrixSet::new_partial(bytes, c, false);
    let mut out: Vec<Finding> = broken.into_iter().map(from_broken).collect();
    let (ts, _) = TableSet::new_partial(bytes, c, false);
    for s in set.matrices() {
        let h = s.header();
        let (at, tiles_at) = s.offsets();
        let mut add = |label, reserved, section, offset, message: String| {
            out.push(Finding {
                label,
                checksum: false,
                reserved,
                section,
                offset,
                message,
            })
        };
        if h.reserved.iter().any(|&b| b != 0) {
            add(
                "MX10",
                true,
                kind::MATRIX,
                at + 26,
                "MATRIX bytes 26-27 and 56-63".into(),
            );
        }
        if h.flags & !crate::spec::matrix::FLAG_NULL_VALUE != 0 {
            add(
                "MX10",
                true,
                kind::MATRIX,
                at + 25,
                format!("MATRIX flag bits 1-7 (flags {:#x})", h.flags),
            );
        }
        let bits = s.cell_type().width() * 8;
        let fits = bits == 64 || h.null_value >> bits == 0;
        if s.null_value().is_none() && h.null_value != 0 || !fits {
            add(
                "MX10",
                false,
                kind::MATRIX,
                at + 32,
                format!(
                    "null_value {:#x} is not 0 without flag bit 0, or does not fit the cell",
                    h.null_value
                ),
            );
        }
        let names_end = 64 + h.name_len as usize + h.row_table_len as usize + h.col_table_len as usize;
        let sect = &bytes[at as usize..];
        let pad_end = names_end.next_multiple_of(8);
        if sect[names_end..pad_end].iter().any(|&b| b != 0) {
            add(
                "MX10",
                true,
                kind::MATRIX,
                at + names_end as u64,
                "the padding after the names".into(),
            );
        }
        // [MX7] every tile; [MX9] padding cells of the last tile column.
        let (tr, tc) = s.tile_shape();
        let w = s.cell_type().width() as u64;
        let per_band = s.tiles_per_band();
        let pad_cols = s.padded_cols() - h.col_count;
        let tiles = s.tile_bytes();
        for b in 0..h.row_count.div_ceil(tr) {
            for t in 0..per_band {
                let r = s.tile_range(b, t);
                let k = b * per_band + t;
                if checksum(&tiles[r.clone()]) != s.tile_checksum(k) {
                    out.push(Finding {
                        label: "MX7",
                        checksum: true,
                        reserved: false,
                        section: kind::MATRIX_TILES,
                        offset: tiles_at + r.start as u64,
                        message: format!("tile {k} checksum mismatch"),
                    });
                }
                if pad_cols > 0 && t == per_band - 1 {
                    let row = (tc * w) as usize;
                    let used = ((tc - pad_cols) * w) as usize;
                    let dirty = tiles[r.clone()]
                        .chunks_exact(row)
                        .any(|x| x[used..].iter().any(|&b| b != 0));
                    if dirty {
                        out.push(Finding {
                            label: "MX9",
                            checksum: false,
                            reserved: false,
                            section: kind::MATRIX_TILES,
                            offset: tiles_at + r.start as u64,
                            message: format!("padding cells of tile {k} are not zero"),
                        });
                    }
                }
            }
        }
        // [MX6] the name tables; [MX8] names distinct.
        match Matrix::new(s, &ts) {
            Err(b) => out.push(from_broken(b)),
            Ok(m) => {
                for (names, what) in [(m.row_names(), "row"), (m.col_names(), "column")] {
                    let Ok(names) = names else { continue };
                    let mut seen = HashSet::new();
                    if let Some(d) = names.iter().find(|n| !seen.insert(**n)) {
                        out.push(Finding {
                            label: "MX8",
                            checksum: false,
                            reserved: false,
                            section: kind::MATRIX,
                            offset: at,
                            message: format!("{what} name '{d}' appears twice in matrix '{}'", s.name()),
                        });
                    }
                }
            }
        }
    }
    out
}
