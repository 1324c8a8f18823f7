//! `tribit completions SHELL` and `tribit man`: shell completion scripts
//! (clap_complete) and roff man pages (clap_mangen), both generated from
//! the same definitions as `--help`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory};

use super::{write_err, Cli};
use crate::error::{Error, Result};

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  tribit completions bash > ~/.local/share/bash-completion/completions/tribit
  tribit completions zsh > ~/.zfunc/_tribit
  tribit completions fish > ~/.config/fish/completions/tribit.fish")]
pub struct Completions {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub fn run_completions(a: Completions) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(a.shell, &mut cmd, "tribit", &mut out);
    out.flush().map_err(write_err)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  tribit man | man -l -
  tribit man tribit-get | man -l -
  tribit man --dir ~/.local/share/man/man1")]
pub struct Man {
    /// The page to print: 'tribit' (default) or 'tribit-SUBCOMMAND', as
    /// 'tribit-get' or 'tribit-import-fasta'.
    page: Option<String>,
    /// Write every page (tribit.1, tribit-get.1, ...) into this directory
    /// instead.
    #[arg(long, value_name = "DIR", conflicts_with = "page")]
    dir: Option<PathBuf>,
}

/// Every command and subcommand, with the page name of each.
fn pages() -> Vec<(String, clap::Command)> {
    fn walk(prefix: &str, cmd: &clap::Command, out: &mut Vec<(String, clap::Command)>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let name = format!("{prefix}-{}", sub.get_name());
            // The page's title and usage name the full command.
            let page = sub.clone().name(name.clone()).bin_name(name.replace('-', " "));
            walk(&name, sub, out);
            out.push((name, page));
        }
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = vec![("tribit".to_string(), cmd.clone())];
    walk("tribit", &cmd, &mut out);
    out
}

pub fn run_man(a: Man) -> Result<ExitCode> {
    let pages = pages();
    if let Some(dir) = &a.dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", e).in_file(dir))?;
        for (name, cmd) in pages {
            let path = dir.join(format!("{name}.1"));
            let mut text = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut text).map_err(write_err)?;
            std::fs::write(&path, text).map_err(|e| Error::io("cannot write", e).in_file(&path))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let want = a.page.as_deref().unwrap_or("tribit");
    let Some((_, cmd)) = pages.iter().find(|(n, _)| n == want) else {
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        return Err(Error::input(format!(
            "no man page '{want}': pages are {}",
            names.join(", ")
        )));
    };
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(cmd.clone()).render(&mut out).map_err(write_err)?;
    out.flush().map_err(write_err)?;
    Ok(ExitCode::SUCCESS)
}
