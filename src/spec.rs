//! Every constant of the on-disk format, in one place.
//!
//! Each constant names the SPEC.md section that defines it. The test
//! `never_change_these_constants` pins the values: changing one breaks every
//! file already written, so the test must fail loudly if that happens.

/// SPEC §2 "File header": the first eight bytes of every tribit file.
///
/// Like PNG's signature, the high-bit first byte catches 7-bit transfers and
/// the CR LF / SUB / LF tail catches line-ending conversion.
pub const MAGIC: [u8; 8] = [0x89, b'T', b'B', b'T', 0x0D, 0x0A, 0x1A, 0x0A];

/// SPEC §2.2 "Byte order": written as a `u32` in the writer's byte order.
/// Its bytes read `3D 2C 1B 0A` in a little-endian file and `0A 1B 2C 3D`
/// in a big-endian one.
pub const SIGNATURE: u32 = 0x0A1B_2C3D;

/// SPEC §2.3 "Versions": the major version this implementation reads and writes.
pub const VERSION_MAJOR: u16 = 1;
/// SPEC §2.3 "Versions": the highest minor version this implementation
/// writes (and whose reserved fields its validator checks as errors).
pub const VERSION_MINOR: u16 = VERSION_MINOR_COMPACT_INDEX;
/// SPEC §10 rule 6: the minor version a file needs once it holds a TABLE,
/// DICTIONARY or HASH_INDEX section; files without them are written as 1.0.
pub const VERSION_MINOR_TABLES: u16 = 1;
/// SPEC §10 rule 6: the minor version a file needs once it holds a
/// MASK_BITMAP or EXCEPTION_NIBBLES section.
pub const VERSION_MINOR_DENSE: u16 = 2;
/// SPEC §10 rule 6: the minor version a file needs once it holds an
/// INDEX_TARGET section (an index file, SPEC §8.8).
pub const VERSION_MINOR_INDEX_FILE: u16 = 3;
/// SPEC §5.3, §10 rule 6: the minor version a file needs once a block uses
/// the zstd encoding.
pub const VERSION_MINOR_ZSTD: u16 = 4;
/// SPEC §10 rule 6: the minor version a file needs once it holds a MATRIX
/// or MATRIX_TILES section (SPEC §8.9).
pub const VERSION_MINOR_MATRIX: u16 = 5;
/// SPEC §9, §10 rule 6: the minor version a file needs once it holds a
/// REFERENCES section (reference-escaped sequences, code 6).
pub const VERSION_MINOR_REFERENCE: u16 = 6;
/// SPEC §3.2, §10 rule 6: the minor version a file needs once it holds a
/// CHUNK_SUMS section (per-chunk checksums of another section).
pub const VERSION_MINOR_CHUNK_SUMS: u16 = 7;
/// SPEC §8.4, §10 rule 6: the minor version a file needs once it holds a
/// HASH_INDEX of the compact layout (header byte 36 = 1).
pub const VERSION_MINOR_COMPACT_INDEX: u16 = 8;

/// SPEC §2 "File header": length of the fixed file header in bytes.
pub const HEADER_LEN: u32 = 64;
/// SPEC §2 "File header": bytes covered by the header checksum.
pub const HEADER_CHECKSUMMED_LEN: usize = 56;
/// SPEC §3 "Section directory": length of one directory entry.
pub const DIRECTORY_ENTRY_LEN: u32 = 48;
/// SPEC §1 "Conventions": every section starts at a multiple of this.
pub const SECTION_ALIGN: u64 = 64;

/// SPEC §3 "Section directory": directory entry flag bit 0.
pub const SECTION_FLAG_REQUIRED: u32 = 1;

/// SPEC §1 "Conventions": seed of every xxh3-64 checksum and hash.
pub const XXH3_SEED: u64 = 0;

/// SPEC §3.1 "Section kinds".
pub mod kind {
    /// Checksums of the fixed-size chunks of another section (SPEC §3.2),
    /// defined in 1.7.
    pub const CHUNK_SUMS: u32 = 0x0001;
    /// Sequence directory: a 64-byte header and one record per sequence.
    pub const SEQUENCE_INDEX: u32 = 0x0101;
    /// Header lines (name and description) of every sequence.
    pub const SEQUENCE_NAMES: u32 = 0x0102;
    /// Open-addressing hash table from name to record.
    pub const SEQUENCE_NAME_HASH: u32 = 0x0103;
    /// One entry per block: where it lies, its checksum and encoding.
    pub const BLOCK_INDEX: u32 = 0x0104;
    /// The blocks of 3-bit codes, as bit-planes.
    pub const BLOCKS: u32 = 0x0105;
    /// Soft-mask (lowercase) runs.
    pub const MASKS: u32 = 0x0106;
    /// Letters of exception-coded positions (IUPAC codes other than N).
    pub const EXCEPTIONS: u32 = 0x0107;
    /// One bit per 512 stream positions: any code other than A, C, G, T.
    pub const NONACGT_SUMMARY: u32 = 0x0108;
    /// The reference file and runs of reference-escaped positions (SPEC §9),
    /// defined in 1.6.
    pub const REFERENCES: u32 = 0x0109;
    /// Dense soft-mask form, one bit per base (SPEC §6.6), defined in 1.2.
    pub const MASK_BITMAP: u32 = 0x010A;
    /// Dense exception form, four bits per base (SPEC §6.7), defined in 1.2.
    pub const EXCEPTION_NIBBLES: u32 = 0x010B;
    /// A fixed-width table (SPEC §8.1), defined in version 1.1.
    pub const TABLE: u32 = 0x0201;
    /// The strings of a dictionary-encoded column (SPEC §8.3), defined in 1.1.
    pub const DICTIONARY: u32 = 0x0202;
    /// A persisted hash-key index over table columns (SPEC §8.4), defined in 1.1.
    pub const HASH_INDEX: u32 = 0x0203;
    /// The table of another file that the HASH_INDEX sections of its group
    /// index (SPEC §8.8), defined in 1.3.
    pub const INDEX_TARGET: u32 = 0x0204;
    /// A dense matrix's header and tile checksums (SPEC §8.9), defined in 1.5.
    pub const MATRIX: u32 = 0x0301;
    /// A dense matrix's cells, in tiles (SPEC §8.9), defined in 1.5.
    pub const MATRIX_TILES: u32 = 0x0302;
    /// First kind of the private range; kinds from here up are never assigned by SPEC.md.
    pub const PRIVATE_FIRST: u32 = 0x8000_0000;
}

/// SPEC §3.1 "Sequence set": the seven kinds a sequence set must have, in
/// the order SPEC §2.4 step 16 verifies their checksums (BLOCKS excepted).
pub const SEQUENCE_SET: [u32; 7] = [
    kind::SEQUENCE_INDEX,
    kind::SEQUENCE_NAMES,
    kind::SEQUENCE_NAME_HASH,
    kind::BLOCK_INDEX,
    kind::BLOCKS,
    kind::MASKS,
    kind::EXCEPTIONS,
];

/// SPEC §3.2 "Chunk checksums": layout of CHUNK_SUMS.
pub mod chunk_sums {
    /// Length of the header that precedes the checksums.
    pub const HEADER_LEN: u64 = 32;
    /// Smallest and largest `chunk_shift` (chunks of 64 B to 1 GiB).
    pub const MIN_SHIFT: u32 = 6;
    /// See [`MIN_SHIFT`].
    pub const MAX_SHIFT: u32 = 30;
    /// The reference writer's chunks: 64 KiB, so a lookup verifies a few
    /// pages' worth of bytes, and a 100 GB section needs 12 MB of sums.
    pub const DEFAULT_SHIFT: u32 = 16;
}

/// SPEC §8 "Tables": layouts of TABLE, DICTIONARY and HASH_INDEX.
pub mod table {
    /// SPEC §8.1: length of the table header.
    pub const HEADER_LEN: u64 = 64;
    /// SPEC §8.1: length of one column descriptor.
    pub const COLUMN_LEN: u64 = 32;
    /// SPEC §8.1: the section ends with a `u64` giving the header's offset.
    pub const TRAILER_LEN: u64 = 8;
    /// SPEC §8.1: `null_bit` of a column that is not nullable.
    pub const NO_NULL_BIT: u32 = u32::MAX;
    /// SPEC §8.1: column flag bit 0, the column is nullable.
    pub const COLUMN_FLAG_NULLABLE: u8 = 1;
    /// SPEC §8.3: length of the dictionary header.
    pub const DICTIONARY_HEADER_LEN: u64 = 32;
    /// SPEC §8.4: length of the hash index header.
    pub const INDEX_HEADER_LEN: u64 = 64;
    /// SPEC §8.4: length of one index entry (hash, first posting word).
    pub const INDEX_ENTRY_LEN: u64 = 16;
    /// SPEC §8.4: offset of the `layout` byte in the hash index header
    /// (reserved, 0, before version 1.8).
    pub const INDEX_LAYOUT_AT: usize = 36;
    /// SPEC §8.4: layout 0, 16-byte entries (hash, first posting word).
    pub const INDEX_LAYOUT_CLASSIC: u8 = 0;
    /// SPEC §8.4 (1.8): layout 1, 8-byte entries (fingerprint, reference)
    /// and a `u32` bucket directory.
    pub const INDEX_LAYOUT_COMPACT: u8 = 1;
    /// SPEC §8.4 (1.8): length of one compact entry (`u32` fp, `u32` ref).
    pub const COMPACT_ENTRY_LEN: u64 = 8;
    /// SPEC §8.4 (1.8): a compact `ref` with this bit set points at a
    /// posting list; clear, it is the key's single row.
    pub const COMPACT_REF_LIST: u32 = 1 << 31;
    /// SPEC §8.4 (1.8): the largest bucket_bits of a compact index.
    pub const COMPACT_MAX_BUCKET_BITS: u32 = 32;
    /// SPEC §8.4: hash function 1, xxh3-64 with seed 0 over the key encoding of §8.5.
    pub const HASH_XXH3_64: u32 = 1;
    /// SPEC §8.4: a posting word with this bit set starts a row range.
    pub const POSTING_RANGE: u64 = 1 << 63;
    /// SPEC §8.8: length of the INDEX_TARGET header.
    pub const TARGET_HEADER_LEN: u64 = 64;
    /// SPEC §8.8: length of one dictionary entry of an INDEX_TARGET.
    pub const TARGET_DICTIONARY_LEN: u64 = 24;
    /// SPEC §8.2: column type codes.
    pub mod ty {
        /// One byte, 0 or 1.
        pub const BOOL: u8 = 1;
        /// Signed 8-bit integer.
        pub const I8: u8 = 2;
        /// Signed 16-bit integer.
        pub const I16: u8 = 3;
        /// Signed 32-bit integer.
        pub const I32: u8 = 4;
        /// Signed 64-bit integer.
        pub const I64: u8 = 5;
        /// Unsigned 8-bit integer.
        pub const U8: u8 = 6;
        /// Unsigned 16-bit integer.
        pub const U16: u8 = 7;
        /// Unsigned 32-bit integer.
        pub const U32: u8 = 8;
        /// Unsigned 64-bit integer.
        pub const U64: u8 = 9;
        /// IEEE 754 binary32.
        pub const F32: u8 = 10;
        /// IEEE 754 binary64.
        pub const F64: u8 = 11;
        /// Fixed-width UTF-8 string, zero-padded.
        pub const STRING: u8 = 12;
        /// `u32` code into the column's DICTIONARY.
        pub const DICT: u8 = 13;
    }
}

/// SPEC §8.8 "Matrices": layout of MATRIX and MATRIX_TILES.
pub mod matrix {
    /// Length of the fixed MATRIX header.
    pub const HEADER_LEN: u64 = 64;
    /// MATRIX flag bit 0: cells equal to `null_value` are null.
    pub const FLAG_NULL_VALUE: u8 = 1;
    /// The reference writer's tile row: 512 bytes (128 f32 cells), so a
    /// row of a tile is eight cache lines (SPEC §8.9 "Why tiles").
    pub const TILE_ROW_BYTES: u32 = 512;
    /// The reference writer's rows per tile: 8, so a tile is 4 KiB.
    pub const TILE_ROWS: u32 = 8;
    /// The reference writer's null value of f32 cells: a quiet NaN with
    /// payload 1, distinct from the NaN that parsing "nan" gives.
    pub const NULL_F32: u64 = 0x7FC0_0001;
    /// The reference writer's null value of f64 cells (as for f32).
    pub const NULL_F64: u64 = 0x7FF8_0000_0000_0001;
}

/// SPEC §4 "Codes": the 3-bit code of each symbol.
pub mod code {
    /// Adenine.
    pub const A: u8 = 0;
    /// Cytosine.
    pub const C: u8 = 1;
    /// Guanine.
    pub const G: u8 = 2;
    /// Thymine.
    pub const T: u8 = 3;
    /// Any base (N).
    pub const N: u8 = 4;
    /// End of sequence: follows the last base of every sequence in the stream.
    pub const END: u8 = 5;
    /// Reference escape: the base comes from a reference sequence.
    pub const REFERENCE: u8 = 6;
    /// Exception: the letter is kept in the EXCEPTIONS section.
    pub const EXCEPTION: u8 = 7;
}

/// SPEC §4 "Codes": letters an exception entry may hold (uppercase).
pub const EXCEPTION_LETTERS: &[u8] = b"RYKMSWBDHVU-";

/// SPEC §5 "Blocks": bases per plane line; block sizes are multiples of it
/// and the NONACGT summary has one bit per line.
pub const PLANE_LINE_BASES: u64 = 512;
/// SPEC §5 "Blocks": the default number of stream positions per block.
pub const DEFAULT_BLOCK_BASES: u32 = 1 << 14;
/// SPEC §5 "Blocks": block encoding of raw bit-planes.
pub const ENCODING_RAW: u8 = 0;
/// SPEC §5.3 "zstd blocks": block encoding of the raw block's bytes
/// compressed as one zstd frame (version 1.4).
pub const ENCODING_ZSTD: u8 = 1;
/// SPEC §5.3 (informative): the block size the reference writer uses for
/// zstd files unless told otherwise: the 48-byte index entry and the frame
/// header then cost 0.2% of a block's planes.
pub const DEFAULT_ZSTD_BLOCK_BASES: u32 = 1 << 16;
/// SPEC §5.3: the zstd level a writer uses when none is given.
pub const DEFAULT_ZSTD_LEVEL: i32 = 3;
/// SPEC §9.3 (informative): the zstd level of a reference-escaped file
/// when none is given. Its blocks are mostly code 6 with scattered
/// literals, which level 9 stores 4 % smaller than level 3 at the same
/// import time (N315 against COL, DH1 against MG1655).
pub const REFERENCE_ZSTD_LEVEL: i32 = 9;

/// SPEC §6 "Sequence index": length of the index header.
pub const SEQUENCE_INDEX_HEADER_LEN: u64 = 64;
/// SPEC §6 "Sequence index": length of one sequence record.
pub const SEQUENCE_RECORD_LEN: u32 = 128;
/// SPEC §6 "Sequence index": index flag bit 0, refget digests present.
pub const SEQUENCE_FLAG_REFGET: u64 = 1;
/// SPEC §6.1 "Sequence record": flag bit 0, the FASTA's last line had no newline.
pub const RECORD_FLAG_NO_FINAL_NEWLINE: u32 = 1;
/// SPEC §6.1 "Sequence record": flag bit 1, the FASTA lines of this record ended in CR LF.
pub const RECORD_FLAG_CRLF: u32 = 2;
/// SPEC §6.2 "Name hash": length of the name hash header.
pub const NAME_HASH_HEADER_LEN: u64 = 16;
/// SPEC §6.2 "Name hash": length of one slot.
pub const NAME_HASH_SLOT_LEN: u64 = 16;
/// SPEC §6.2 "Name hash": record value of an empty slot.
pub const NAME_HASH_EMPTY: u64 = u64::MAX;
/// SPEC §5.1 "Block index": length of one entry.
pub const BLOCK_ENTRY_LEN: u64 = 48;
/// SPEC §6.3 "Masks": length of one mask run.
pub const MASK_ENTRY_LEN: u64 = 16;
/// SPEC §6.4 "Exceptions": length of one exception run.
pub const EXCEPTION_ENTRY_LEN: u64 = 16;
/// SPEC §9 "Reference escape": layout of REFERENCES.
pub mod references {
    /// Length of the REFERENCES header.
    pub const HEADER_LEN: u64 = 64;
    /// Length of one reference sequence entry.
    pub const SEQUENCE_LEN: u64 = 48;
    /// Length of one escape run.
    pub const RUN_LEN: u64 = 32;
    /// Run strand byte: the reference's forward strand.
    pub const FORWARD: u8 = 0;
    /// Run strand byte: the reverse complement of the reference.
    pub const REVERSE: u8 = 1;
}
/// SPEC §6.6 "Dense forms": table entry of a sequence kept in run form.
pub const DENSE_NONE: u64 = u64::MAX;
/// SPEC §6.6 "Dense forms": length of one table entry.
pub const DENSE_ENTRY_LEN: u64 = 8;
/// SPEC §6.6 "Dense forms": each sequence's bitmap or nibble array is
/// padded to a multiple of this.
pub const DENSE_ALIGN: u64 = 8;

#[cfg(test)]
mod tests {
    use super::*;

    /// These values are the format. A change here makes every existing file
    /// unreadable or, worse, misread: bump the major version instead.
    #[test]
    fn never_change_these_constants() {
        assert_eq!(&MAGIC, b"\x89TBT\r\n\x1a\n");
        assert_eq!(SIGNATURE.to_le_bytes(), [0x3D, 0x2C, 0x1B, 0x0A]);
        assert_eq!((VERSION_MAJOR, VERSION_MINOR, VERSION_MINOR_TABLES), (1, 8, 1));
        assert_eq!(VERSION_MINOR_COMPACT_INDEX, 8);
        assert_eq!(
            (
                table::INDEX_LAYOUT_AT,
                table::INDEX_LAYOUT_CLASSIC,
                table::INDEX_LAYOUT_COMPACT,
                table::COMPACT_ENTRY_LEN,
                table::COMPACT_REF_LIST,
                table::COMPACT_MAX_BUCKET_BITS
            ),
            (36, 0, 1, 8, 0x8000_0000, 32)
        );
        assert_eq!((VERSION_MINOR_CHUNK_SUMS, kind::CHUNK_SUMS), (7, 0x0001));
        assert_eq!(
            (chunk_sums::HEADER_LEN, chunk_sums::MIN_SHIFT, chunk_sums::MAX_SHIFT),
            (32, 6, 30)
        );
        assert_eq!((VERSION_MINOR_DENSE, VERSION_MINOR_INDEX_FILE), (2, 3));
        assert_eq!(kind::INDEX_TARGET, 0x204);
        assert_eq!((table::TARGET_HEADER_LEN, table::TARGET_DICTIONARY_LEN), (64, 24));
        assert_eq!((VERSION_MINOR_ZSTD, ENCODING_RAW, ENCODING_ZSTD), (4, 0, 1));
        assert_eq!(VERSION_MINOR_MATRIX, 5);
        assert_eq!(VERSION_MINOR_REFERENCE, 6);
        assert_eq!(
            (
                references::HEADER_LEN,
                references::SEQUENCE_LEN,
                references::RUN_LEN,
                references::FORWARD,
                references::REVERSE
            ),
            (64, 48, 32, 0, 1)
        );
        assert_eq!((kind::MATRIX, kind::MATRIX_TILES), (0x301, 0x302));
        assert_eq!((matrix::HEADER_LEN, matrix::FLAG_NULL_VALUE), (64, 1));
        assert_eq!(
            (matrix::NULL_F32, matrix::NULL_F64),
            (0x7FC0_0001, 0x7FF8_0000_0000_0001)
        );
        assert_eq!((kind::MASK_BITMAP, kind::EXCEPTION_NIBBLES), (0x10A, 0x10B));
        assert_eq!((DENSE_NONE, DENSE_ENTRY_LEN, DENSE_ALIGN), (u64::MAX, 8, 8));
        assert_eq!((HEADER_LEN, DIRECTORY_ENTRY_LEN, SECTION_ALIGN), (64, 48, 64));
        assert_eq!(XXH3_SEED, 0);
        assert_eq!(
            [
                code::A,
                code::C,
                code::G,
                code::T,
                code::N,
                code::END,
                code::REFERENCE,
                code::EXCEPTION
            ],
            [0, 1, 2, 3, 4, 5, 6, 7]
        );
        assert_eq!(EXCEPTION_LETTERS, b"RYKMSWBDHVU-");
        assert_eq!(
            [
                kind::SEQUENCE_INDEX,
                kind::SEQUENCE_NAMES,
                kind::SEQUENCE_NAME_HASH,
                kind::BLOCK_INDEX,
                kind::BLOCKS,
                kind::MASKS,
                kind::EXCEPTIONS,
                kind::NONACGT_SUMMARY,
                kind::REFERENCES,
                kind::TABLE,
                kind::DICTIONARY,
                kind::HASH_INDEX,
            ],
            [0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x107, 0x108, 0x109, 0x201, 0x202, 0x203]
        );
        assert_eq!(PLANE_LINE_BASES, 512);
        {
            use table::*;
            assert_eq!(
                (
                    HEADER_LEN,
                    COLUMN_LEN,
                    TRAILER_LEN,
                    DICTIONARY_HEADER_LEN,
                    INDEX_HEADER_LEN,
                    INDEX_ENTRY_LEN
                ),
                (64, 32, 8, 32, 64, 16)
            );
            assert_eq!((NO_NULL_BIT, COLUMN_FLAG_NULLABLE, HASH_XXH3_64), (u32::MAX, 1, 1));
            assert_eq!(POSTING_RANGE, 0x8000_0000_0000_0000);
            assert_eq!(
                [
                    ty::BOOL,
                    ty::I8,
                    ty::I16,
                    ty::I32,
                    ty::I64,
                    ty::U8,
                    ty::U16,
                    ty::U32,
                    ty::U64,
                    ty::F32,
                    ty::F64,
                    ty::STRING,
                    ty::DICT
                ],
                [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
            );
        }
        assert_eq!((RECORD_FLAG_NO_FINAL_NEWLINE, RECORD_FLAG_CRLF), (1, 2));
        assert_eq!(
            (
                SEQUENCE_INDEX_HEADER_LEN,
                SEQUENCE_RECORD_LEN,
                NAME_HASH_HEADER_LEN,
                NAME_HASH_SLOT_LEN
            ),
            (64, 128, 16, 16)
        );
        assert_eq!((BLOCK_ENTRY_LEN, MASK_ENTRY_LEN, EXCEPTION_ENTRY_LEN), (48, 16, 16));
        // xxh3-64 test vectors, so a dependency update cannot change the hash.
        assert_eq!(xxhash_rust::xxh3::xxh3_64(b""), 0x2D06_8005_38D3_94C2);
        assert_eq!(
            xxhash_rust::xxh3::xxh3_64_with_seed(b"chr1", XXH3_SEED),
            0xF56E_6623_5D6A_613C
        );
        assert_eq!(
            xxhash_rust::xxh3::xxh3_64_with_seed(b"ACGT", XXH3_SEED),
            0xECC2_F3E8_BCC7_25AF
        );
    }
}
