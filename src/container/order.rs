//! SPEC §2.2 "Byte order": reading integers in the file's byte order.

/// The byte order of a tribit file's integer fields.
///
/// Bit-planes are byte-oriented and do not depend on it (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    /// Least significant byte first (the default for writers).
    #[default]
    Little,
    /// Most significant byte first.
    Big,
}

impl ByteOrder {
    /// The binrw endianness of this byte order.
    pub fn endian(self) -> binrw::Endian {
        match self {
            ByteOrder::Little => binrw::Endian::Little,
            ByteOrder::Big => binrw::Endian::Big,
        }
    }

    /// The order's name as SPEC.md spells it.
    pub fn name(self) -> &'static str {
        match self {
            ByteOrder::Little => "little-endian",
            ByteOrder::Big => "big-endian",
        }
    }

    /// Decodes a `u32` from four bytes in this order.
    #[inline]
    pub fn u32(self, b: [u8; 4]) -> u32 {
        match self {
            ByteOrder::Little => u32::from_le_bytes(b),
            ByteOrder::Big => u32::from_be_bytes(b),
        }
    }

    /// Decodes a `u64` from eight bytes in this order.
    #[inline]
    pub fn u64(self, b: [u8; 8]) -> u64 {
        match self {
            ByteOrder::Little => u64::from_le_bytes(b),
            ByteOrder::Big => u64::from_be_bytes(b),
        }
    }

    /// Reads the `u32` at `at` of `bytes`; the caller has checked the bounds.
    #[inline]
    pub fn u32_at(self, bytes: &[u8], at: usize) -> u32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(&bytes[at..at + 4]);
        self.u32(b)
    }

    /// Reads the `u64` at `at` of `bytes`; the caller has checked the bounds.
    #[inline]
    pub fn u64_at(self, bytes: &[u8], at: usize) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[at..at + 8]);
        self.u64(b)
    }

    /// Appends `v` in this order.
    #[inline]
    pub fn put_u32(self, out: &mut Vec<u8>, v: u32) {
        match self {
            ByteOrder::Little => out.extend_from_slice(&v.to_le_bytes()),
            ByteOrder::Big => out.extend_from_slice(&v.to_be_bytes()),
        }
    }

    /// Appends `v` in this order.
    #[inline]
    pub fn put_u64(self, out: &mut Vec<u8>, v: u64) {
        match self {
            ByteOrder::Little => out.extend_from_slice(&v.to_le_bytes()),
            ByteOrder::Big => out.extend_from_slice(&v.to_be_bytes()),
        }
    }
}
