//! `tribit index add|drop` and `tribit table drop`: change a file in place,
//! crash-safely (SPEC §15).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::Ctx;
use crate::error::Result;
use crate::grow::Grow;

#[derive(Subcommand, Debug)]
pub enum Index {
    /// Add a hash-key index to a table of an existing file. The rows are
    /// read, not rewritten; the file is rewritten beside itself and renamed
    /// over the old one, so a crash leaves the old file or the new one.
    ///
    /// With --index-file, the index goes into that index file instead
    /// (created, or extended by the same rewrite and rename), tied to the
    /// table by its checksum: the data file is only read, so a read-only or
    /// shared file gains indexes too. `tribit query --index-file` uses them.
    #[command(after_help = "Examples:
  tribit index add expr.tbit --table expr --columns GENE,PATIENT
  tribit index add shared/expr.tbit --table expr --columns PROBESET --index-file my.idx.tbit")]
    Add(IndexArgs),
    /// Drop the index on these columns (in key order) of a table, from the
    /// file itself or, with --index-file, from that index file (which loses
    /// the table's entry with its last index).
    #[command(after_help = "Examples:
  tribit index drop expr.tbit --table expr --columns GENE,PATIENT
  tribit index drop shared/expr.tbit --table expr --columns PROBESET --index-file my.idx.tbit")]
    Drop(IndexArgs),
}

#[derive(Args, Debug)]
pub struct IndexArgs {
    /// The tribit file to change.
    file: PathBuf,
    /// The table (may be left out when the file has one table).
    #[arg(long)]
    table: Option<String>,
    /// Key columns, comma-separated, in key order.
    #[arg(long, value_delimiter = ',', required = true)]
    columns: Vec<String>,
    /// Keep the index in this index file (SPEC §8.8) and leave the data
    /// file untouched.
    #[arg(long, value_name = "FILE")]
    index_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Table {
    /// Drop a table, its dictionaries and its indexes from a file.
    #[command(after_help = "Example:\n  tribit table drop genome.tbit --table samples")]
    Drop(TableArgs),
}

#[derive(Args, Debug)]
pub struct TableArgs {
    /// The tribit file to change.
    file: PathBuf,
    /// The table to drop.
    #[arg(long)]
    table: String,
}

/// The table named, or the file's only table.
fn table_name(g: &Grow, name: Option<String>) -> Result<String> {
    match name {
        Some(n) => Ok(n),
        None => {
            let ts = g.tables()?;
            Ok(super::export::pick(&ts, None)?.name().to_string())
        }
    }
}

pub fn run_index(ctx: &Ctx, cmd: Index) -> Result<ExitCode> {
    let (a, add) = match cmd {
        Index::Add(a) => (a, true),
        Index::Drop(a) => (a, false),
    };
    let cols: Vec<String> = a.columns.iter().map(|c| c.trim().to_string()).collect();
    if let Some(side) = &a.index_file {
        let name = match a.table {
            Some(n) => n,
            None => {
                let r = crate::sequence::Reader::open(&a.file)?;
                let ts =
                    crate::table::TableSet::new_unverified(r.bytes(), r.container()).map_err(|e| e.in_file(&a.file))?;
                super::export::pick(&ts, None)?.name().to_string()
            }
        };
        if add {
            crate::grow::add_file_index(&a.file, &name, &cols, side)?;
        } else {
            crate::grow::drop_file_index(&a.file, &name, &cols, side)?;
        }
        if !ctx.quiet {
            eprintln!(
                "tribit: {} {}: index on ({}) of table '{name}' of {}",
                if add { "added to" } else { "dropped from" },
                side.display(),
                cols.join(","),
                a.file.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let g = Grow::open(&a.file)?;
    let name = table_name(&g, a.table)?;
    if add {
        g.add_index(&name, &cols)?;
    } else {
        g.drop_index(&name, &cols)?;
    }
    if !ctx.quiet {
        eprintln!(
            "tribit: {} {}: index on ({}) of table '{name}'",
            if add { "added to" } else { "dropped from" },
            a.file.display(),
            cols.join(",")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_table(ctx: &Ctx, cmd: Table) -> Result<ExitCode> {
    let Table::Drop(a) = cmd;
    Grow::open(&a.file)?.drop_table(&a.table)?;
    if !ctx.quiet {
        eprintln!("tribit: dropped table '{}' from {}", a.table, a.file.display());
    }
    Ok(ExitCode::SUCCESS)
}
