//! `tribit info`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::{write_err, Ctx};
use crate::error::{section_name, Result};
use crate::sequence::Reader;

/// Describe a tribit file: version, byte order, sections with sizes, and each
/// sequence with its length, MD5 (as SAM M5), and N, masked and exception counts.
#[derive(Args, Debug)]
pub struct Info {
    /// The tribit file to describe.
    input: PathBuf,
    #[command(flatten)]
    refs: super::RefArg,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct SectionJson {
    kind: u32,
    name: String,
    required: bool,
    offset: u64,
    length: u64,
    checksum: String,
}

#[derive(Serialize)]
struct SequenceJson {
    name: String,
    description: String,
    length: u64,
    line_width: u64,
    n: u64,
    masked: u64,
    exceptions: u64,
    md5: String,
    refget: Option<String>,
}

#[derive(Serialize)]
struct InfoJson {
    path: String,
    version: String,
    byte_order: &'static str,
    file_bytes: u64,
    block_bases: Option<u32>,
    blocks: Option<u64>,
    /// Blocks stored as zstd frames (SPEC §5.3); the others are raw.
    zstd_blocks: Option<u64>,
    total_bases: u64,
    bits_per_base: Option<f64>,
    sections: Vec<SectionJson>,
    sequences: Vec<SequenceJson>,
    tables: Vec<TableJson>,
    /// The tables of another file this file holds indexes for (an index
    /// file, SPEC §8.8).
    index_targets: Vec<TargetJson>,
    matrices: Vec<MatrixJson>,
    /// The reference file a reference-escaped file depends on (SPEC §9).
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<ReferenceJson>,
}

#[derive(Serialize)]
struct ReferenceJson {
    /// The path recorded at import.
    recorded_path: String,
    /// Where it was found, when it was.
    found: Option<String>,
    /// Why it could not be used, when it could not.
    error: Option<String>,
    /// xxh3-64 of the reference file's record MD5s (SPEC §9).
    set_digest: String,
    runs: u64,
    escaped_bases: u64,
    sequences: Vec<ReferenceSequenceJson>,
}

#[derive(Serialize)]
struct ReferenceSequenceJson {
    name: String,
    length: u64,
    md5: String,
}

#[derive(Serialize)]
struct TargetJson {
    table: String,
    source: String,
    rows: u64,
    columns: u32,
    table_bytes: u64,
    table_checksum: String,
    indexes: Vec<TargetIndexJson>,
    unusable_indexes: Vec<UnusableJson>,
}

#[derive(Serialize)]
struct TargetIndexJson {
    /// Key column positions in the target table, in key order.
    columns: Vec<u32>,
    keys: u64,
    /// SPEC §8.4 layout: "classic" or "compact".
    layout: &'static str,
}

fn targets(r: &Reader) -> Result<Vec<TargetJson>> {
    let f = crate::table::index::IndexFile::new(r.bytes(), r.container(), true)?;
    Ok(f.targets()
        .iter()
        .map(|ti| TargetJson {
            table: ti.target.name.clone(),
            source: ti.target.source.clone(),
            rows: ti.target.row_count,
            columns: ti.target.column_count,
            table_bytes: ti.target.table_length,
            table_checksum: format!("{:016x}", ti.target.table_checksum),
            indexes: ti
                .indexes
                .iter()
                .map(|ix| TargetIndexJson {
                    columns: ix.columns().to_vec(),
                    keys: ix.entry_count(),
                    layout: ix.layout().name(),
                })
                .collect(),
            unusable_indexes: UnusableJson::list(&ti.unusable),
        })
        .collect())
}

#[derive(Serialize)]
struct MatrixJson {
    name: String,
    rows: u64,
    columns: u64,
    r#type: String,
    tile_rows: u64,
    tile_cols: u64,
    tiles: u64,
    null_value: Option<String>,
    row_names_table: String,
    column_names_table: String,
}

fn matrices(r: &Reader) -> Result<Vec<MatrixJson>> {
    let ms = crate::matrix::MatrixSet::new(r.bytes(), r.container(), true)?;
    Ok(ms
        .matrices()
        .iter()
        .map(|m| {
            let (rows, columns) = m.shape();
            let (tile_rows, tile_cols) = m.tile_shape();
            let (rt, ct) = m.name_tables();
            MatrixJson {
                name: m.name().to_string(),
                rows,
                columns,
                r#type: m.cell_type().name(),
                tile_rows,
                tile_cols,
                tiles: m.header().tile_count,
                null_value: m.null_value().map(|v| format!("{v:#x}")),
                row_names_table: rt.to_string(),
                column_names_table: ct.to_string(),
            }
        })
        .collect())
}

#[derive(Serialize)]
struct ColumnJson {
    name: String,
    r#type: String,
    nullable: bool,
    offset: u32,
}

#[derive(Serialize)]
struct TableJson {
    name: String,
    rows: u64,
    row_width: u32,
    columns: Vec<ColumnJson>,
    indexes: Vec<IndexJson>,
    /// HASH_INDEX sections of the table that cannot be used (SPEC §8.4):
    /// queries scan instead.
    unusable_indexes: Vec<UnusableJson>,
}

#[derive(Serialize)]
struct UnusableJson {
    offset: u64,
    problem: String,
    rule: Option<&'static str>,
}

impl UnusableJson {
    /// The indexes that cannot be used, for `--json`.
    fn list(unusable: &[crate::table::index::UnusableIndex]) -> Vec<UnusableJson> {
        unusable
            .iter()
            .map(|u| UnusableJson {
                offset: u.section_offset,
                problem: u.problem(),
                rule: u.rule,
            })
            .collect()
    }
}

#[derive(Serialize)]
struct IndexJson {
    columns: Vec<String>,
    keys: u64,
    /// SPEC §8.4 layout: "classic" or "compact".
    layout: &'static str,
}

fn tables(r: &Reader) -> Result<Vec<TableJson>> {
    let ts = crate::table::TableSet::new(r.bytes(), r.container())?;
    Ok(ts
        .tables()
        .iter()
        .map(|t| TableJson {
            name: t.name().to_string(),
            rows: t.row_count(),
            row_width: t.row_width(),
            columns: t
                .columns()
                .iter()
                .map(|c| ColumnJson {
                    name: c.def.name.clone(),
                    r#type: c.def.ty.name(),
                    nullable: c.def.nullable,
                    offset: c.offset,
                })
                .collect(),
            indexes: t
                .indexes()
                .iter()
                .map(|ix| IndexJson {
                    columns: ix
                        .columns()
                        .iter()
                        .map(|&c| t.schema().columns[c as usize].name.clone())
                        .collect(),
                    keys: ix.entry_count(),
                    layout: ix.layout().name(),
                })
                .collect(),
            unusable_indexes: UnusableJson::list(&t.unusable_indexes()),
        })
        .collect())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn collect(r: &Reader, path: &std::path::Path) -> Result<InfoJson> {
    let c = r.container();
    let refget = r
        .index_header()
        .is_some_and(|h| h.flags & crate::spec::SEQUENCE_FLAG_REFGET != 0);
    let mut sequences = Vec::with_capacity(r.len());
    for s in r.sequences() {
        let s = s?;
        let masked = r.masked_bases(&s)?;
        let exceptions = r.exception_bases(&s)?;
        sequences.push(SequenceJson {
            name: s.name_str().into_owned(),
            description: String::from_utf8_lossy(s.description()).into_owned(),
            length: s.len(),
            line_width: s.record.line_width,
            n: s.record.n_count,
            masked,
            exceptions,
            md5: hex(&s.record.md5),
            refget: refget.then(|| crate::sequence::refget_id(&s.record.refget)),
        });
    }
    let total_bases: u64 = sequences.iter().map(|s| s.length).sum();
    Ok(InfoJson {
        path: path.display().to_string(),
        version: format!("{}.{}", c.header.major, c.header.minor),
        byte_order: c.order.name(),
        file_bytes: c.header.file_len,
        block_bases: r.index_header().map(|h| h.block_bases),
        blocks: r.index_header().map(|h| h.block_count),
        zstd_blocks: match r.index_header() {
            Some(h) => Some((0..h.block_count).try_fold(0u64, |n, b| {
                Ok::<u64, crate::Error>(n + (r.block_entry(b)?.encoding == crate::spec::ENCODING_ZSTD) as u64)
            })?),
            None => None,
        },
        total_bases,
        bits_per_base: (total_bases > 0).then(|| c.header.file_len as f64 * 8.0 / total_bases as f64),
        sections: c
            .sections
            .iter()
            .map(|e| SectionJson {
                kind: e.kind,
                name: section_name(e.kind),
                required: e.required(),
                offset: e.offset,
                length: e.length,
                checksum: format!("{:016x}", e.checksum),
            })
            .collect(),
        sequences,
        tables: tables(r)?,
        index_targets: targets(r)?,
        matrices: matrices(r)?,
        reference: r.references().map(|refs| ReferenceJson {
            recorded_path: String::from_utf8_lossy(&refs.path).into_owned(),
            found: r.reference_path().map(|p| p.display().to_string()),
            error: r.reference_error().map(|e| e.message().to_string()),
            set_digest: format!("{:016x}", refs.set_digest),
            runs: refs.runs.len() as u64,
            escaped_bases: refs.runs.iter().map(|x| x.length).sum(),
            sequences: refs
                .sequences
                .iter()
                .map(|s| ReferenceSequenceJson {
                    name: String::from_utf8_lossy(&s.name).into_owned(),
                    length: s.length,
                    md5: hex(&s.md5),
                })
                .collect(),
        }),
    })
}

pub fn run(_ctx: &Ctx, a: Info) -> Result<ExitCode> {
    let r = a.refs.open_lenient(&a.input)?;
    let info = collect(&r, &a.input).map_err(|e| e.in_file(&a.input))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if a.json {
        serde_json::to_writer_pretty(&mut out, &info).map_err(|e| write_err(e.into()))?;
        writeln!(out).map_err(write_err)?;
    } else {
        let mut text = String::new();
        use std::fmt::Write as _;
        let _ = writeln!(text, "file        {}", info.path);
        let _ = writeln!(
            text,
            "format      tribit {}, {}, {} bytes",
            info.version, info.byte_order, info.file_bytes
        );
        if let (Some(bb), Some(n)) = (info.block_bases, info.blocks) {
            let z = match info.zstd_blocks {
                Some(z) if z > 0 => format!(", {z} zstd-compressed"),
                _ => String::new(),
            };
            let _ = writeln!(text, "blocks      {n} of {bb} positions{z}");
        }
        let bpb = info
            .bits_per_base
            .map_or(String::new(), |b| format!(" ({b:.3} bits/base for the whole file)"));
        let _ = writeln!(text, "bases       {}{bpb}", info.total_bases);
        if let Some(x) = &info.reference {
            let status = match (&x.found, &x.error) {
                (Some(p), _) => format!("found at {p}"),
                (_, Some(e)) => format!("NOT USABLE: {e}"),
                _ => "not attached".into(),
            };
            let _ = writeln!(
                text,
                "reference   {} (set digest {}): {status}\n            {} runs covering {} positions, copied from:",
                x.recorded_path, x.set_digest, x.runs, x.escaped_bases
            );
            for q in &x.sequences {
                let _ = writeln!(text, "              {} length {} md5 {}", q.name, q.length, q.md5);
            }
        }
        let _ = writeln!(text, "\nsections ({})", info.sections.len());
        let _ = writeln!(
            text,
            "  {:<26} {:>8} {:>14} {:>14}  checksum",
            "kind", "required", "offset", "length"
        );
        for s in &info.sections {
            let _ = writeln!(
                text,
                "  {:<26} {:>8} {:>14} {:>14}  {}",
                s.name,
                if s.required { "yes" } else { "no" },
                s.offset,
                s.length,
                s.checksum
            );
        }
        let _ = writeln!(text, "\nsequences ({})", info.sequences.len());
        let w = info
            .sequences
            .iter()
            .map(|s| s.name.len())
            .max()
            .unwrap_or(4)
            .clamp(4, 40);
        let _ = writeln!(
            text,
            "  {:<w$} {:>12} {:>10} {:>12} {:>10} {:>6}  md5",
            "name", "length", "N", "masked", "exceptions", "width"
        );
        for s in &info.sequences {
            let _ = writeln!(
                text,
                "  {:<w$} {:>12} {:>10} {:>12} {:>10} {:>6}  {}",
                s.name, s.length, s.n, s.masked, s.exceptions, s.line_width, s.md5
            );
        }
        for t in &info.tables {
            let _ = writeln!(text, "\ntable {} ({} rows of {} bytes)", t.name, t.rows, t.row_width);
            for c in &t.columns {
                let null = if c.nullable { ", nullable" } else { "" };
                let _ = writeln!(text, "  {:<24} {}{null} at byte {}", c.name, c.r#type, c.offset);
            }
            for ix in &t.indexes {
                let _ = writeln!(
                    text,
                    "  index on ({}): {} keys, {} layout",
                    ix.columns.join(","),
                    ix.keys,
                    ix.layout
                );
            }
            for u in &t.unusable_indexes {
                let _ = writeln!(
                    text,
                    "  index at byte {} not used (queries scan): {}",
                    u.offset, u.problem
                );
            }
        }
        for t in &info.index_targets {
            let from = if t.source.is_empty() {
                String::new()
            } else {
                format!(" of {}", t.source)
            };
            let _ = writeln!(
                text,
                "\nindexes for table {}{from} ({} rows, {} columns; TABLE of {} bytes, checksum {})",
                t.table, t.rows, t.columns, t.table_bytes, t.table_checksum
            );
            for ix in &t.indexes {
                let cols: Vec<String> = ix.columns.iter().map(|c| format!("#{c}")).collect();
                let _ = writeln!(
                    text,
                    "  index on columns ({}): {} keys, {} layout",
                    cols.join(","),
                    ix.keys,
                    ix.layout
                );
            }
            for u in &t.unusable_indexes {
                let _ = writeln!(text, "  index at byte {} not used: {}", u.offset, u.problem);
            }
        }
        for m in &info.matrices {
            let null = m
                .null_value
                .as_deref()
                .map(|v| format!(", null {v}"))
                .unwrap_or_default();
            let _ = writeln!(
                text,
                "\nmatrix {} ({} x {} {}{null}; {} tiles of {} x {}; names in tables {} and {})",
                m.name,
                m.rows,
                m.columns,
                m.r#type,
                m.tiles,
                m.tile_rows,
                m.tile_cols,
                m.row_names_table,
                m.column_names_table
            );
        }
        out.write_all(text.as_bytes()).map_err(write_err)?;
    }
    out.flush().map_err(write_err)?;
    Ok(ExitCode::SUCCESS)
}
