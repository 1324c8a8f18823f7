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
    #[command(after_help = "Example:\n  tribit index add expr.tbit --table expr --columns GENE,PATIENT")]
    Add(IndexArgs),
    /// Drop the index on these columns (in key order) of a table.
    #[command(after_help = "Example:\n  tribit index drop expr.tbit --table expr --columns GENE,PATIENT")]
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
    let g = Grow::open(&a.file)?;
    let name = table_name(&g, a.table)?;
    let cols: Vec<String> = a.columns.iter().map(|c| c.trim().to_string()).collect();
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
