//! SPEC §2 "File header" and §3 "Section directory": the fixed structures,
//! read and written with binrw in the file's byte order.

use binrw::{binrw, BinRead, BinWrite};
use std::io::Cursor;

use super::ByteOrder;
use crate::error::{Error, Result};
use crate::spec;

/// SPEC §2 "File header": the 64 bytes at offset 0.
#[binrw]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    /// [`spec::MAGIC`].
    pub magic: [u8; 8],
    /// [`spec::SIGNATURE`] in the file's byte order.
    pub signature: u32,
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
    /// Length of this header (64).
    pub header_len: u32,
    /// Reserved; 0.
    pub flags: u32,
    /// Length of the whole file.
    pub file_len: u64,
    /// Offset of the section directory.
    pub directory_offset: u64,
    /// Number of directory entries.
    pub directory_count: u32,
    /// Length of one directory entry (48).
    pub directory_entry_len: u32,
    /// xxh3-64 of the directory.
    pub directory_checksum: u64,
    /// xxh3-64 of header bytes 0..56.
    pub header_checksum: u64,
}

/// SPEC §3 "Section directory": one 48-byte entry.
#[binrw]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// Section kind (SPEC §3.1).
    pub kind: u32,
    /// Flags; bit 0 = required.
    pub flags: u32,
    /// Absolute offset, a multiple of 64.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
    /// xxh3-64 of the section's bytes.
    pub checksum: u64,
    /// Sections with the same group form one object.
    pub group: u32,
    /// Reserved; 0.
    pub reserved0: u32,
    /// Reserved; 0.
    pub reserved1: u64,
}

impl DirectoryEntry {
    /// Whether a reader that does not know this kind must refuse the file.
    pub fn required(&self) -> bool {
        self.flags & spec::SECTION_FLAG_REQUIRED != 0
    }
}

/// Serialises a binrw value in `order` into a byte vector.
pub(crate) fn to_bytes<T>(value: &T, order: ByteOrder) -> Vec<u8>
where
    T: for<'a> BinWrite<Args<'a> = ()>,
{
    let mut c = Cursor::new(Vec::new());
    // Writing fixed-size fields to a Vec cannot fail.
    if value.write_options(&mut c, order.endian(), ()).is_err() {
        unreachable!("writing to a Vec<u8> is infallible");
    }
    c.into_inner()
}

/// Parses a binrw value in `order` from `bytes`, which the caller has checked
/// is long enough.
pub(crate) fn from_bytes<T>(bytes: &[u8], order: ByteOrder, section: Option<u32>, offset: u64) -> Result<T>
where
    T: for<'a> BinRead<Args<'a> = ()>,
{
    T::read_options(&mut Cursor::new(bytes), order.endian(), ())
        .map_err(|e| Error::format(section, offset, format!("cannot decode structure: {e}")))
}
