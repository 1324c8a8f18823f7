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

#[cfg(test)]
mod tests {
    use super::*;

    /// A file header written out field by field (SPEC §2), little-endian.
    #[rustfmt::skip]
    const HEADER_LE: [u8; 64] = [
        0x89, b'T', b'B', b'T', 0x0D, 0x0A, 0x1A, 0x0A, //  0 magic
        0x3D, 0x2C, 0x1B, 0x0A,                         //  8 signature 0x0A1B2C3D
        0x01, 0x00,                                     // 12 major 1
        0x07, 0x00,                                     // 14 minor 7
        0x40, 0x00, 0x00, 0x00,                         // 16 header_len 64
        0x00, 0x00, 0x00, 0x00,                         // 20 flags
        0xB0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 24 file_len 432
        0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 32 directory_offset 384
        0x01, 0x00, 0x00, 0x00,                         // 40 directory_count 1
        0x30, 0x00, 0x00, 0x00,                         // 44 directory_entry_len 48
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, // 48 directory_checksum
        0xF8, 0xF7, 0xF6, 0xF5, 0xF4, 0xF3, 0xF2, 0xF1, // 56 header_checksum
    ];

    /// The same header big-endian: every field after the magic reversed.
    #[rustfmt::skip]
    const HEADER_BE: [u8; 64] = [
        0x89, b'T', b'B', b'T', 0x0D, 0x0A, 0x1A, 0x0A, //  0 magic (bytes, not a number)
        0x0A, 0x1B, 0x2C, 0x3D,                         //  8 signature
        0x00, 0x01,                                     // 12 major
        0x00, 0x07,                                     // 14 minor
        0x00, 0x00, 0x00, 0x40,                         // 16 header_len
        0x00, 0x00, 0x00, 0x00,                         // 20 flags
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xB0, // 24 file_len
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x80, // 32 directory_offset
        0x00, 0x00, 0x00, 0x01,                         // 40 directory_count
        0x00, 0x00, 0x00, 0x30,                         // 44 directory_entry_len
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // 48 directory_checksum
        0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, // 56 header_checksum
    ];

    /// One directory entry (SPEC §3), little-endian.
    #[rustfmt::skip]
    const ENTRY_LE: [u8; 48] = [
        0x01, 0x01, 0x00, 0x00,                         //  0 kind 0x0101 (SEQUENCE_INDEX)
        0x01, 0x00, 0x00, 0x00,                         //  4 flags: required
        0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //  8 offset 64
        0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 16 length 192
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, // 24 checksum
        0x02, 0x00, 0x00, 0x00,                         // 32 group 2
        0x00, 0x00, 0x00, 0x00,                         // 36 reserved
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 40 reserved
    ];

    fn header() -> FileHeader {
        FileHeader {
            magic: spec::MAGIC,
            signature: spec::SIGNATURE,
            major: 1,
            minor: 7,
            header_len: spec::HEADER_LEN,
            flags: 0,
            file_len: 432,
            directory_offset: 384,
            directory_count: 1,
            directory_entry_len: spec::DIRECTORY_ENTRY_LEN,
            directory_checksum: 0x0102_0304_0506_0708,
            header_checksum: 0xF1F2_F3F4_F5F6_F7F8,
        }
    }

    #[test]
    fn file_header_fields_sit_where_spec_2_says() {
        for (order, bytes) in [(ByteOrder::Little, HEADER_LE), (ByteOrder::Big, HEADER_BE)] {
            let h: FileHeader = from_bytes(&bytes, order, None, 0).unwrap();
            assert_eq!(h, header(), "{order:?}");
            assert_eq!(to_bytes(&h, order), bytes, "{order:?}");
        }
    }

    #[test]
    fn directory_entry_fields_sit_where_spec_3_says() {
        let e: DirectoryEntry = from_bytes(&ENTRY_LE, ByteOrder::Little, None, 0).unwrap();
        assert_eq!(
            e,
            DirectoryEntry {
                kind: spec::kind::SEQUENCE_INDEX,
                flags: spec::SECTION_FLAG_REQUIRED,
                offset: 64,
                length: 192,
                checksum: 0x8877_6655_4433_2211,
                group: 2,
                reserved0: 0,
                reserved1: 0,
            }
        );
        assert!(e.required());
        assert_eq!(to_bytes(&e, ByteOrder::Little), ENTRY_LE);
        // Too few bytes is a format error at the offset given, not a panic.
        let short = from_bytes::<DirectoryEntry>(&ENTRY_LE[..40], ByteOrder::Little, None, 4096).unwrap_err();
        assert!(short.to_string().contains("byte 4096"), "{short}");
    }
}
