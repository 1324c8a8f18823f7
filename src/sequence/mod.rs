//! SPEC §4–6: 3-bit codes, blocks of bit-planes, the sequence directory,
//! soft masks and exceptions; the streaming writer and the zero-copy reader.

mod block;
pub(crate) mod codes;
mod digest;
pub mod escape;
pub mod layout;
pub mod matcher;
mod reader;
mod region;
mod writer;

pub(crate) use block::decompress as decompress_block;
pub use block::{BlockPlanes, Compression};
pub use digest::{refget_id, Digests};
pub use reader::{Reader, Sequence};
pub use region::Region;
pub use writer::{bitmap_bytes, name_span, nibble_bytes, InvalidLetter, PushError, TextLayout, Writer, WriterBuilder};
