//! Conversions between text formats and tribit files.

pub mod fasta;
