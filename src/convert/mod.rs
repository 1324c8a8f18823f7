//! Conversions between text formats and tribit files.

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod bed;
pub mod canonical;
pub mod csv;
pub mod fai;
pub mod fasta;
pub mod matrix;
pub mod recode;
pub mod twobit;
