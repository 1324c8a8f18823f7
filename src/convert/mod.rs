//! Conversions between text formats and tribit files.

pub mod canonical;
pub mod fasta;
