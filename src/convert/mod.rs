//! Conversions between text formats and tribit files.

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod canonical;
pub mod csv;
pub mod fasta;
