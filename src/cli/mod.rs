//! The `tribit` command-line tool: one file per subcommand.
//!
//! Exit status: 0 success, 1 problems found (validate), 2 error. Data go to
//! a buffered stdout; diagnostics and progress bars to stderr.

mod completions;
mod convert;
mod dump;
mod export;
mod get;
mod grow;
mod import;
mod info;
mod kmer;
mod matrix;
mod names;
mod query;
mod strand;
mod twobit;
mod validate;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::{Error, ErrorKind};

/// tribit: compact, memory-mappable genomic data files.
#[derive(Parser, Debug)]
#[command(name = "tribit", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// No progress bars or warnings on stderr (errors are still printed).
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Replace an existing output file (read-only ones too); without it an
    /// existing file is never overwritten.
    #[arg(short, long, global = true)]
    force: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Convert FASTA, CSV, a matrix (TSV, CSV, .npy) or UCSC .2bit into a tribit file.
    #[command(subcommand)]
    Import(import::Import),
    /// Rewrite a tribit file with raw or zstd-compressed blocks.
    Convert(convert::Convert),
    /// Convert a tribit file into FASTA, CSV, .fai, chrom.sizes or .2bit.
    #[command(subcommand)]
    Export(export::Export),
    // The help text is the doc of get::Get (its first line is the summary).
    Get(get::Get),
    /// Describe a tribit file: version, byte order, sections, sequences.
    Info(info::Info),
    /// Check every rule of SPEC.md and every checksum; list all problems.
    Validate(validate::Validate),
    /// Print the decoded content as canonical JSON (for conformance tests).
    Dump(dump::Dump),
    /// Count or locate k-mers over every sequence (CPU, or GPU with `cuda`).
    #[command(subcommand)]
    Kmer(kmer::Kmer),
    // The help text is the doc of query::Query.
    Query(query::Query),
    // The help text is the doc of matrix::QueryMatrix.
    QueryMatrix(matrix::QueryMatrix),
    /// Add or drop a hash-key index of a table in an existing file.
    #[command(subcommand)]
    Index(grow::Index),
    /// Drop a table from a file (`import csv --into` adds one).
    #[command(subcommand)]
    Table(grow::Table),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::Completions),
    /// Print a man page (roff), or write every page into a directory.
    Man(completions::Man),
}

/// Settings every subcommand sees.
/// `--reference PATH` of the commands that read sequences (SPEC §9).
#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct RefArg {
    /// For a reference-escaped file: the reference to read escaped bases
    /// from, instead of the path recorded in the file (which is looked
    /// for relative to the file's folder, then as recorded). It must hold
    /// the sequences the file was written against (names, lengths and
    /// MD5 are checked).
    #[arg(long, value_name = "REF.tbit")]
    pub reference: Option<std::path::PathBuf>,
}

impl RefArg {
    /// Opens `path` with this reference.
    pub fn open(&self, path: &std::path::Path) -> crate::Result<crate::sequence::Reader> {
        crate::sequence::Reader::open_with_reference(path, self.reference.as_deref())
    }

    /// Opens `path` even when its reference cannot be attached.
    pub fn open_lenient(&self, path: &std::path::Path) -> crate::Result<crate::sequence::Reader> {
        crate::sequence::Reader::open_lenient(path, self.reference.as_deref())
    }
}

pub(crate) struct Ctx {
    pub quiet: bool,
    pub force: bool,
}

impl Ctx {
    /// The output policy (crate::output) for a command reading `inputs`.
    pub fn output_policy<'p>(
        &self,
        inputs: impl IntoIterator<Item = &'p std::path::Path>,
    ) -> crate::output::OutputPolicy {
        inputs
            .into_iter()
            .fold(crate::output::OutputPolicy::default().force(self.force), |p, i| {
                p.input(i)
            })
    }

    pub fn warn(&self, msg: &str) {
        if !self.quiet {
            eprintln!("tribit: warning: {msg}");
        }
    }

    /// A progress bar on stderr, hidden when stderr is not a terminal or with --quiet.
    pub fn progress(&self, total: Option<u64>, what: &str) -> ProgressBar {
        let target = if self.quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(total, target);
        let style = match total {
            Some(_) => ProgressStyle::with_template(
                "{msg} [{elapsed_precise}] {wide_bar} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, eta {eta})",
            ),
            None => ProgressStyle::with_template("{msg} [{elapsed_precise}] {spinner} {binary_bytes} ({binary_bytes_per_sec})"),
        };
        if let Ok(s) = style {
            bar.set_style(s);
        }
        bar.set_message(what.to_string());
        bar
    }
}

fn is_broken_pipe(e: &Error) -> bool {
    use std::error::Error as _;
    e.kind() == ErrorKind::Io
        && e.source()
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Parses the command line, runs the subcommand and maps the outcome to an exit status.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Ctx {
        quiet: cli.quiet,
        force: cli.force,
    };
    if let Err(e) = crate::output::install_signal_cleanup() {
        ctx.warn(&e.to_string());
    }
    let result = match cli.command {
        Command::Import(c) => import::run(&ctx, c),
        Command::Export(c) => export::run(&ctx, c),
        Command::Convert(c) => convert::run(&ctx, c),
        Command::Get(c) => get::run(&ctx, c),
        Command::Info(c) => info::run(&ctx, c),
        Command::Validate(c) => validate::run(&ctx, c),
        Command::Dump(c) => dump::run(&ctx, c),
        Command::Kmer(c) => kmer::run(&ctx, c),
        Command::Query(c) => query::run(&ctx, c),
        Command::QueryMatrix(c) => matrix::run_query(&ctx, c),
        Command::Index(c) => grow::run_index(&ctx, c),
        Command::Table(c) => grow::run_table(&ctx, c),
        Command::Completions(c) => completions::run_completions(c),
        Command::Man(c) => completions::run_man(c),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = std::io::stdout().flush();
            eprintln!("tribit: error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Maps an I/O error on stdout or an output file.
pub(crate) fn write_err(e: std::io::Error) -> Error {
    Error::io("cannot write output", e)
}
