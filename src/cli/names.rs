//! Which inputs of `tribit import fasta A B ...` share a sequence name.
//!
//! Only the error path reads the inputs a second time: an import that fails
//! asks here whether the cause is a name found in two inputs, so the message
//! can name both files.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::convert::fasta::open_input;
use crate::error::Error;
use crate::sequence::name_span;

/// The first name of the last input that an earlier input holds too, at or
/// before line `upto` (where the import stopped), as an error naming both
/// files and the line in each; `None` when there is none, when the last
/// input repeats one of its own names first, or when an input cannot be
/// read again (standard input).
pub fn name_in_two_inputs(inputs: &[PathBuf], upto: u64) -> Option<Error> {
    let (last, earlier) = inputs.split_last()?;
    if inputs.iter().any(|p| p.as_os_str() == "-") {
        return None;
    }
    let mut seen: HashMap<Vec<u8>, (usize, u64)> = HashMap::new();
    for (k, p) in earlier.iter().enumerate() {
        each_name(p, |name, line| {
            seen.entry(name.to_vec()).or_insert((k, line));
            true
        })?;
    }
    let mut own: HashMap<Vec<u8>, u64> = HashMap::new();
    let mut found = None;
    each_name(last, |name, line| {
        if line > upto {
            return false;
        }
        if let Some(&(k, first)) = seen.get(name) {
            found = Some((name.to_vec(), k, first, line));
            return false;
        }
        // A name repeated inside the last input stops the import first.
        own.insert(name.to_vec(), line).is_none()
    })?;
    let (name, k, first, line) = found?;
    Some(
        Error::input(format!(
            "duplicate sequence name '{}': also in {} (line {first}); names must be unique across inputs",
            String::from_utf8_lossy(&name),
            earlier[k].display()
        ))
        .at_line(line, 0)
        .in_file(last),
    )
}

/// Calls `f(name, line)` for each header line of `path` until it returns false.
fn each_name(path: &Path, mut f: impl FnMut(&[u8], u64) -> bool) -> Option<()> {
    let mut input = open_input(path).ok()?;
    let mut line = Vec::new();
    let mut n = 0u64;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line).ok()? == 0 {
            return Some(());
        }
        n += 1;
        if let Some(h) = line.strip_prefix(b">") {
            let h = h.strip_suffix(b"\n").unwrap_or(h);
            let h = h.strip_suffix(b"\r").unwrap_or(h);
            let span = name_span(h);
            if !f(&h[span], n) {
                return Some(());
            }
        }
    }
}
