//! Conversions between text formats and tribit files.

pub mod bed;
pub mod canonical;
pub mod csv;
pub mod fai;
pub mod fasta;
pub mod twobit;
