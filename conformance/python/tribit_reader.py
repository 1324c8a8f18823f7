#!/usr/bin/env python3
"""An independent tribit 1.7 reader, written from SPEC.md alone.

It implements the container and sequences of version 1.0 (SPEC §1-§7) and
the tables, dictionaries and hash indexes that version 1.1 adds (§8), and
the matrices that version 1.5 adds (§8.9), the reference escapes of 1.6
(§9) and the chunk checksums of 1.7 (§3.2). It
reads files of every minor version of major version 1 (§2.3): the canonical
JSON's "version" is the header's major.minor as stored, e.g. "1.1" for a
file with tables.

Usage:
    python3 conformance/python/tribit_reader.py FILE

Prints the canonical JSON of FILE (conformance/README.md) and exits 0, or
prints {"error": CLASS, "message": ...} and exits 2, where CLASS is one of
the error classes of SPEC §1: "format", "checksum" or "unsupported".

Requirements: Python 3.8+ and the `xxhash` package from PyPI, for xxh3-64
(SPEC §1 "Checksums and hashes"):

    pip install xxhash

and, for files with zstd blocks (§5.3, version 1.4), `zstandard`:

    pip install zstandard

Everything else is the standard library. The reader opens the file through
a read-only memory map (SPEC §13.1 rule 11), so it only touches the bytes it
needs; files past 4 GiB (sparse or not) are fine on a 64-bit Python.

What it checks, and in which order (SPEC §2.4, §13.1):
  * steps 1-13, the container: header, directory, section placement;
  * steps 14-21, the sequence set, at open;
  * step 22, each sequence record's "checked on use" rules (§6.1), just
    before the record is used;
  * step 23, each block's "checked on use" rules (§5.1), including its
    checksum, the first time a byte of the block is needed;
  * §6.5 while decoding bases: END or an uncovered code 7 inside a sequence
    is a format error, code 6 resolves through REFERENCES and the reference
    it names (§9; a missing or different reference is refused), and every
    mask and exception run of the record must pass [M1], [M2], [E1], [E2]
    and [E4] before any of its bases is returned.
After the sequences have been decoded, blocks that no sequence touched
(blocks holding nothing but END codes) are verified too, so every block's
checksum is checked once.

Tables (§8), after the sequence set, in the order of §2.4 T-a to T-e:
  * the group rules of [T2]: one TABLE per group, every DICTIONARY and
    HASH_INDEX in a group with a TABLE, no table in the sequence set's group;
  * each TABLE in directory order: its checksum, [T1], [T3]-[T8], unique
    table names [T2]; then its DICTIONARY sections (checksum, [DI1], [DI5],
    [DI2], [DI3]) and its HASH_INDEX sections (checksum, [HI1], [HI4],
    [HI5], [HI3], [HI2]), in directory order. An index that fails one of
    these is not used, as §8.4 says, and does not make the table
    unreadable: the reader notes why on stderr and leaves it out of the
    canonical JSON's "indexes";
  * every cell, row by row, when decoding: nulls from the row's null bitmap,
    [T9] for bool, [T10] for fixed-width strings, [DI4] for dict codes.
Left to a validator (SPEC §13.1: a reader need not detect every broken
invariant): distinct dictionary strings [DI3], zero bytes in null cells and
unused row bytes [T11], zero padding in a TABLE [T13], the buckets, entries and postings of a hash index
[HI6]-[HI9] (this reader returns every row and performs no lookup), and the
reserved-zero rules [T12], [DI6], [HI10] (reserved fields are ignored, §1).

The block index's first_mask/first_exception hints (§5.1) are used only after
they have been confirmed; a wrong hint makes the reader search from the
record's first run instead, so it costs time, never correctness.

Whatever the bytes contain, the reader never reads outside the file or a
section (every offset is checked before use; Python slicing would silently
clip, so each read goes through a bounds-checked helper), every loop is
bounded by a checked count, and any unexpected exception is reported as a
"format" error instead of a traceback (SPEC §13.1 rule 6).
"""

import base64
import bisect
import json
import mmap
import os
import re
import struct
import sys

try:
    import xxhash
except ImportError:  # pragma: no cover - reported as a usage problem
    sys.stderr.write("tribit_reader.py needs the xxhash package: pip install xxhash\n")
    sys.exit(3)


# --------------------------------------------------------------------------
# Constants from the specification
# --------------------------------------------------------------------------

MAGIC = b"\x89TBT\r\n\x1a\n"                      # §2 [H1]
SIGNATURE_LITTLE = b"\x3d\x2c\x1b\x0a"             # §2.2
SIGNATURE_BIG = b"\x0a\x1b\x2c\x3d"                # §2.2
HEADER_LEN_1_0 = 64                               # §2
DIRECTORY_ENTRY_LEN_1_0 = 48                      # §3
RECORD_LEN_1_0 = 128                              # §6
INDEX_HEADER_LEN = 64                             # §6
BLOCK_INDEX_ENTRY_LEN = 48                        # §5.1
RUN_ENTRY_LEN = 16                                # §6.3, §6.4
PLANE_LINE = 512                                  # positions per 64-byte plane line, §5
U64_MAX = 0xFFFFFFFFFFFFFFFF

# Section kinds a 1.0 reader knows (§3.1: the ones marked "defined").
SEQUENCE_INDEX = 0x0101
SEQUENCE_NAMES = 0x0102
SEQUENCE_NAME_HASH = 0x0103
BLOCK_INDEX = 0x0104
BLOCKS = 0x0105
MASKS = 0x0106
EXCEPTIONS = 0x0107
NONACGT_SUMMARY = 0x0108
# Section kinds a 1.2 reader also knows (§3.1: "defined in 1.2", §6.6).
MASK_BITMAP = 0x010A
EXCEPTION_NIBBLES = 0x010B
DENSE_NONE = 0xFFFFFFFFFFFFFFFF
# Section kinds a 1.1 reader also knows (§3.1: "defined in 1.1", §8).
TABLE = 0x0201
DICTIONARY = 0x0202
HASH_INDEX = 0x0203
# Section kinds a 1.3 reader also knows (§3.1: "defined in 1.3", §8.8).
INDEX_TARGET = 0x0204
INDEX_TARGET_HEADER_LEN = 64                      # §8.8
INDEX_TARGET_DICTIONARY_LEN = 24                  # §8.8
# Section kinds a 1.5 reader also knows (§3.1: "defined in 1.5", §8.9).
MATRIX = 0x0301
MATRIX_TILES = 0x0302
# Section kind a 1.7 reader also knows (§3.1: "defined in 1.7", §3.2).
CHUNK_SUMS = 0x0001
CHUNK_SUMS_HEADER_LEN = 32                       # §3.2
# Section kind a 1.6 reader also knows (§3.1: "defined in 1.6", §9).
REFERENCES = 0x0109
REFERENCES_HEADER_LEN = 64                       # §9.1
REFERENCE_SEQUENCE_LEN = 48                      # §9.1
REFERENCE_RUN_LEN = 32                           # §9.1
KIND_NAMES = {
    CHUNK_SUMS: "CHUNK_SUMS",
    SEQUENCE_INDEX: "SEQUENCE_INDEX",
    SEQUENCE_NAMES: "SEQUENCE_NAMES",
    SEQUENCE_NAME_HASH: "SEQUENCE_NAME_HASH",
    BLOCK_INDEX: "BLOCK_INDEX",
    BLOCKS: "BLOCKS",
    MASKS: "MASKS",
    EXCEPTIONS: "EXCEPTIONS",
    NONACGT_SUMMARY: "NONACGT_SUMMARY",
    MASK_BITMAP: "MASK_BITMAP",
    EXCEPTION_NIBBLES: "EXCEPTION_NIBBLES",
    TABLE: "TABLE",
    DICTIONARY: "DICTIONARY",
    HASH_INDEX: "HASH_INDEX",
    INDEX_TARGET: "INDEX_TARGET",
    MATRIX: "MATRIX",
    MATRIX_TILES: "MATRIX_TILES",
    REFERENCES: "REFERENCES",
}
KNOWN_KINDS = frozenset(KIND_NAMES)
# The seven kinds that must all be present, or all absent (§3.1 [K2], §2.4 step 15).
SEQUENCE_SET_KINDS = (SEQUENCE_INDEX, SEQUENCE_NAMES, SEQUENCE_NAME_HASH,
                      BLOCK_INDEX, BLOCKS, MASKS, EXCEPTIONS)
# The names of the reserved kinds, only to make messages friendlier (§3.1).
RESERVED_KIND_NAMES = {}

# Codes (§4).
CODE_N = 4
CODE_END = 5
CODE_ESCAPE = 6
CODE_EXCEPTION = 7
EXCEPTION_LETTERS = frozenset(b"RYKMSWBDHVU-")    # §6.4 [E4]

# Code -> output letter for codes 0-4; codes 5-7 map to themselves so that
# they stay recognisable as control bytes after bytes.translate (§4).
CODE_TO_LETTER = bytes(b"ACGTN"[c] if c < 5 else c for c in range(8)) + bytes(248)
SPECIAL_CODE = re.compile(b"[\x05-\x07]")

# SPREAD[v] is the 8 bytes 0/1 of the bits of v, bit 0 first: it turns one
# plane byte into the bits of 8 consecutive positions (§5 "Raw encoding").
SPREAD = [bytes((v >> bit) & 1 for bit in range(8)) for v in range(256)]

# Tables (§8).
TABLE_MIN_LEN = 72                                # §8.1 [T1]: a 64-byte header and header_offset
TABLE_HEADER_LEN = 64                             # §8.1
COLUMN_ENTRY_LEN_1_1 = 32                         # §8.1 [T4]
NOT_NULLABLE = 0xFFFFFFFF                         # §8.1 null_bit of a column that is not nullable
DICTIONARY_HEADER_LEN = 32                        # §8.3
HASH_INDEX_HEADER_LEN = 64                        # §8.4
MAX_BUCKET_BITS = 40                              # §8.4 [HI4], classic layout
MAX_COMPACT_BUCKET_BITS = 32                      # §8.4 [HI4], compact layout (1.8)
HASH_XXH3_KEY = 1                                 # §8.4 [HI1]
LAYOUT_CLASSIC = 0                                # §8.4 header byte 36 (1.8)
LAYOUT_COMPACT = 1
TYPE_BOOL = 1
TYPE_STRING = 12
TYPE_DICT = 13
# Column type code -> (name, width, struct code of the cell) (§8.2). Floats
# are read as unsigned integers of their width: the canonical JSON prints
# their bit patterns. The string width is the column's own (n >= 1).
COLUMN_TYPES = {
    1: ("bool", 1, "B"),
    2: ("i8", 1, "b"),
    3: ("i16", 2, "h"),
    4: ("i32", 4, "i"),
    5: ("i64", 8, "q"),
    6: ("u8", 1, "B"),
    7: ("u16", 2, "H"),
    8: ("u32", 4, "I"),
    9: ("u64", 8, "Q"),
    10: ("f32", 4, "I"),
    11: ("f64", 8, "Q"),
    TYPE_STRING: ("str", None, None),
    TYPE_DICT: ("dict", 4, "I"),
}


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

class TribitError(Exception):
    """A failure of one of the three classes of SPEC §1."""

    def __init__(self, error_class, message):
        super().__init__(message)
        self.error_class = error_class
        self.message = message


def format_error(message):
    return TribitError("format", message)


def checksum_error(message):
    return TribitError("checksum", message)


def unsupported_error(message):
    return TribitError("unsupported", message)


def mismatch_error(message):
    return TribitError("mismatch", message)


def xxh3_64(data):
    """xxh3-64 with seed 0 and the default secret (§1)."""
    return xxhash.xxh3_64_intdigest(data)


def kind_name(kind):
    return KIND_NAMES.get(kind) or RESERVED_KIND_NAMES.get(kind) or "kind 0x%X" % kind


def ceil_div(a, b):
    return -(-a // b)


# --------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------

class Section:
    """One directory entry (§3)."""

    def __init__(self, entry_offset, kind, flags, offset, length, checksum, group):
        self.entry_offset = entry_offset   # absolute offset of the directory entry
        self.kind = kind
        self.flags = flags
        self.offset = offset
        self.length = length
        self.checksum = checksum
        self.group = group

    @property
    def name(self):
        return kind_name(self.kind)


class Record:
    """One sequence record of SEQUENCE_INDEX (§6.1), fields as stored."""

    FORMAT = "QQQIIQQQQQQ16s24sHHI"   # without the byte-order prefix; 128 bytes

    def __init__(self, index, offset, fields):
        self.index = index
        self.offset = offset            # absolute offset of the record
        (self.start, self.length, self.header_offset, self.header_len,
         self.name_len, self.line_width, self.mask_first, self.mask_count,
         self.exception_first, self.exception_count, self.n_count, self.md5,
         self.refget, self.name_start, self.blank_lines, self.flags) = fields


class Column:
    """One column descriptor of a TABLE (§8.1), after [T6] and [T8]."""

    def __init__(self, index, code, flags, offset, width, null_bit, name):
        self.index = index
        self.code = code
        self.flags = flags
        self.offset = offset
        self.width = width
        self.null_bit = null_bit
        self.name = name
        self.nullable = bool(flags & 1)
        self.dictionary = None          # the Dictionary of a dict column (§8.3)

    @property
    def type_name(self):
        if self.code == TYPE_STRING:
            return "str(%d)" % self.width
        return COLUMN_TYPES[self.code][0]


class Table:
    """One TABLE section (§8.1) with the DICTIONARY and HASH_INDEX sections of
    its group (§8.3, §8.4)."""

    def __init__(self, section):
        self.section = section
        self.name = None
        self.columns = []
        self.indexes = []               # per HASH_INDEX: key column numbers, in key order


class Dictionary:
    """One DICTIONARY section (§8.3), after [DI1]-[DI3] and [DI5]."""

    def __init__(self, section, column, count, strings):
        self.section = section
        self.column = column
        self.count = count
        self.strings = strings          # the count strings, decoded, in code order


class TribitReader:
    def __init__(self, path, reference=None):
        self.path = path
        self.reference_path = reference              # --reference: overrides the recorded path (§9)
        self.references = None                      # the decoded REFERENCES section (§9)
        self.reference = None                       # the attached reference reader
        self.display = os.path.basename(path)
        self.data = b""
        self._file = None
        self._open_map()
        self._verified_blocks = set()
        self._cached_block = None                   # (k, codes) of the last block decoded

    # ---- raw access ------------------------------------------------------

    def _open_map(self):
        self._file = open(self.path, "rb")
        self.size = os.fstat(self._file.fileno()).st_size
        # mmap refuses empty files; such a file fails §2.4 step 1 anyway.
        if self.size > 0:
            self.data = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)

    def close(self):
        if isinstance(self.data, mmap.mmap):
            self.data.close()
        if self._file is not None:
            self._file.close()

    def read(self, offset, length):
        """The bytes [offset, offset + length) of the file, never clipped."""
        if offset < 0 or length < 0 or offset + length > self.size:
            raise format_error("%s: read of %d bytes at byte %d is outside the file"
                               % (self.display, length, offset))
        return self.data[offset:offset + length]

    def unpack(self, fmt, offset):
        """Integer fields in the file's byte order (§2.2)."""
        fmt = self.order + fmt
        return struct.unpack(fmt, self.read(offset, struct.calcsize(fmt)))

    def error_at(self, offset, text):
        return "%s: byte %d: %s" % (self.display, offset, text)

    # ---- §2.4 steps 1-13: the container ----------------------------------

    def open_container(self):
        # Step 1: at least 64 bytes.
        if self.size < HEADER_LEN_1_0:
            raise format_error("%s: truncated or not a tribit file (%d bytes, a header is 64)"
                               % (self.display, self.size))
        header = self.read(0, HEADER_LEN_1_0)
        # Step 2: the magic [H1].
        if header[0:8] != MAGIC:
            raise format_error(self.error_at(0, "not a tribit file (bad magic)"))
        # Step 3: the byte order from the signature [H2] (§2.2).
        signature = header[8:12]
        if signature == SIGNATURE_LITTLE:
            self.order, self.byte_order = "<", "little"
        elif signature == SIGNATURE_BIG:
            self.order, self.byte_order = ">", "big"
        else:
            raise format_error(self.error_at(8, "bad signature %s: byte order unknown"
                                             % signature.hex()))
        # Step 4: decode the header in that byte order (§2 table).
        (_signature, self.major, self.minor, self.header_len, _flags, file_len,
         self.directory_offset, self.directory_count, self.directory_entry_len,
         directory_checksum, header_checksum) = struct.unpack(self.order + "IHHIIQQIIQQ", header[8:64])
        # Step 5: the major version [H3]; before the checksum, because bytes
        # from 16 on may mean something else in another major version (§2.3).
        if self.major != 1:
            raise unsupported_error(self.error_at(12, "major version %d is not supported (this reader implements 1)"
                                                  % self.major))
        # Step 6: header checksum over bytes [0, 56) as stored [H10].
        if xxh3_64(header[0:56]) != header_checksum:
            raise checksum_error(self.error_at(56, "header checksum mismatch"))
        # Step 7: header_len >= 64 [H4]. Bytes [64, header_len) are an
        # extension that a 1.0 reader ignores (§2).
        if self.header_len < HEADER_LEN_1_0:
            raise format_error(self.error_at(16, "header_len %d is less than 64" % self.header_len))
        # Step 8: file_len is the actual length [H6].
        if file_len > self.size:
            raise format_error(self.error_at(24, "file is truncated: header says %d bytes, file has %d"
                                             % (file_len, self.size)))
        if file_len < self.size:
            raise format_error(self.error_at(24, "trailing bytes: header says %d bytes, file has %d"
                                             % (file_len, self.size)))
        # Step 9: directory_entry_len >= 48 [H8].
        if self.directory_entry_len < DIRECTORY_ENTRY_LEN_1_0:
            raise format_error(self.error_at(44, "directory_entry_len %d is less than 48"
                                             % self.directory_entry_len))
        # Step 10: directory placement [H7]. Python integers do not overflow,
        # so a sum past 2^64 simply fails the equality, as §1 requires.
        if (self.directory_offset % 64 != 0 or self.directory_offset < self.header_len
                or self.directory_offset + self.directory_count * self.directory_entry_len != file_len):
            raise format_error(self.error_at(32, "directory (offset %d, %d entries of %d bytes) does not "
                                             "end the file at a multiple of 64 after the header"
                                             % (self.directory_offset, self.directory_count,
                                                self.directory_entry_len)))
        # Step 11: directory checksum over [directory_offset, file_len) [H9].
        if xxh3_64(self.read(self.directory_offset, file_len - self.directory_offset)) != directory_checksum:
            raise checksum_error(self.error_at(48, "directory checksum mismatch"))
        # Step 12: every directory entry, in directory order (§3).
        self.sections = []
        for e in range(self.directory_count):
            at = self.directory_offset + e * self.directory_entry_len
            # The first 48 bytes; an extension after them is ignored (§3).
            kind, flags, offset, length, checksum, group = self.unpack("IIQQQI", at)
            # 12a [D1]
            if kind == 0:
                raise format_error(self.error_at(at, "directory entry %d has kind 0" % e))
            # 12b [D3], [D4]
            if offset % 64 != 0 or offset < self.header_len or offset + length > self.directory_offset:
                raise format_error(self.error_at(at, "section %s (offset %d, length %d) is misplaced"
                                                 % (kind_name(kind), offset, length)))
            # 12c [D10]: unknown kinds are skipped, unless required. (Skipped
            # sections still take part in the overlap check of step 13.)
            if kind not in KNOWN_KINDS:
                if flags & 1:
                    raise unsupported_error(self.error_at(at, "required section %s is not supported"
                                                          % kind_name(kind)))
                continue
            self.sections.append(Section(at, kind, flags, offset, length, checksum, group))
        # Step 13: sections with bytes do not overlap [D7], whatever their kind.
        placed = []
        for e in range(self.directory_count):
            at = self.directory_offset + e * self.directory_entry_len
            kind, _flags, offset, length = self.unpack("IIQQ", at)
            if length > 0:
                placed.append((offset, length, kind, at))
        placed.sort()
        for (off_a, len_a, kind_a, _at_a), (off_b, _len_b, kind_b, at_b) in zip(placed, placed[1:]):
            if off_a + len_a > off_b:
                raise format_error(self.error_at(at_b, "section %s at %d overlaps section %s at %d"
                                                 % (kind_name(kind_b), off_b, kind_name(kind_a), off_a)))

    # ---- §2.4 steps 14-21: the sequence set ------------------------------

    def section_bytes(self, section):
        return self.read(section.offset, section.length)

    def verify_section(self, section):
        """A metadata section's directory checksum [D5]; then, when a usable
        CHUNK_SUMS covers it (§3.2), every chunk's checksum [CS3] too: this
        reader verifies whole sections, and also uses the chunk sums."""
        if xxh3_64(self.section_bytes(section)) != section.checksum:
            raise checksum_error(self.error_at(section.offset, "%s checksum mismatch" % section.name))
        sums = self.chunk_sums(section)
        if sums is not None:
            shift, stored = sums
            size = 1 << shift
            for i, want in enumerate(stored):
                start = section.offset + i * size
                got = xxh3_64(self.read(start, min(size, section.offset + section.length - start)))
                if got != want:
                    raise checksum_error(self.error_at(start, "chunk %d of %s: checksum mismatch [CS3]"
                                                       % (i, section.name)))

    def chunk_sums(self, section):
        """(chunk_shift, sums) of the CHUNK_SUMS that covers `section`, when
        exactly one does and it is usable: its own checksum [D5], [CS1] and
        [CS2] hold (§3.2). An unusable one is not used: the whole-section
        checksum has been verified anyway."""
        if section.length == 0:
            return None
        found = []
        for c in self.sections:
            if c.kind != CHUNK_SUMS or c.length < CHUNK_SUMS_HEADER_LEN:
                continue
            target_offset, target_length, shift, reserved, count = self.unpack("QQIIQ", c.offset)
            if target_offset == section.offset:
                found.append((c, target_length, shift, reserved, count))
        if len(found) != 1:                                                 # [CS2]: one per target
            return None
        c, target_length, shift, reserved, count = found[0]
        if xxh3_64(self.section_bytes(c)) != c.checksum:                    # [D5]
            return None
        if not 6 <= shift <= 30 or reserved != 0:                           # [CS1]
            return None
        if count != -(-target_length // (1 << shift)) or c.length != CHUNK_SUMS_HEADER_LEN + 8 * count:
            return None
        if target_length != section.length or c.group != section.group:     # [CS2]
            return None
        return shift, list(self.unpack("%dQ" % count, c.offset + CHUNK_SUMS_HEADER_LEN))

    def open_sequence_set(self):
        by_kind = {}
        for s in self.sections:
            by_kind.setdefault(s.kind, []).append(s)
        # Step 14 [K1]: at most one of each of the seven kinds.
        for kind in SEQUENCE_SET_KINDS:
            if len(by_kind.get(kind, [])) > 1:
                raise format_error(self.error_at(by_kind[kind][1].entry_offset,
                                                 "more than one %s section" % kind_name(kind)))
        # Step 15 [K2]: all seven, or none (then there are no sequences).
        present = [k for k in SEQUENCE_SET_KINDS if k in by_kind]
        # [K4]: the dense sections (§6.6) belong to a sequence set, one of each at most.
        self.dense_sections = {}
        for kind in (MASK_BITMAP, EXCEPTION_NIBBLES):
            found = by_kind.get(kind, [])
            if found and not present:
                raise format_error(self.error_at(found[0].entry_offset,
                                                 "%s without a sequence set" % kind_name(kind)))
            if len(found) > 1:
                raise format_error(self.error_at(found[1].entry_offset,
                                                 "more than one %s section" % kind_name(kind)))
            if found:
                self.dense_sections[kind] = found[0]
        refs = by_kind.get(REFERENCES, [])
        if refs and not present:                                                  # [RF7]
            raise format_error(self.error_at(refs[0].entry_offset, "REFERENCES without a sequence set"))
        if len(refs) > 1:
            raise format_error(self.error_at(refs[1].entry_offset, "more than one REFERENCES section"))
        if not present:
            self.has_sequences = False
            return
        if len(present) != len(SEQUENCE_SET_KINDS):
            missing = ", ".join(kind_name(k) for k in SEQUENCE_SET_KINDS if k not in by_kind)
            raise format_error("%s: incomplete sequence set: missing %s" % (self.display, missing))
        self.has_sequences = True
        index, names, name_hash, block_index, blocks, masks, exceptions = (
            by_kind[k][0] for k in SEQUENCE_SET_KINDS)
        self.names_section, self.blocks_section = names, blocks
        self.block_index_section, self.name_hash_section = block_index, name_hash
        self.masks_section, self.exceptions_section = masks, exceptions
        self.index_section = index
        # Step 16: metadata checksums, in this order. BLOCKS is verified
        # block by block instead (step 23).
        for section in (index, names, name_hash, block_index, masks, exceptions):
            self.verify_section(section)
        # Step 17: SEQUENCE_INDEX header (§6), in this order.
        if index.length < INDEX_HEADER_LEN:
            raise format_error(self.error_at(index.offset, "SEQUENCE_INDEX is shorter than its 64-byte header"))
        (self.sequence_count, self.stream_len, self.block_bases, self.record_len,
         self.block_count, self.index_flags) = self.unpack("QQIIQQ", index.offset)
        if self.record_len < RECORD_LEN_1_0:
            raise format_error(self.error_at(index.offset + 20, "record_len %d is less than 128" % self.record_len))
        if self.block_bases == 0 or self.block_bases % 512 != 0:
            raise format_error(self.error_at(index.offset + 16, "block_bases %d is not a positive multiple of 512"
                                             % self.block_bases))
        if self.block_count != ceil_div(self.stream_len, self.block_bases):
            raise format_error(self.error_at(index.offset + 24, "block_count %d is not ceil(%d / %d)"
                                             % (self.block_count, self.stream_len, self.block_bases)))
        if index.length != INDEX_HEADER_LEN + self.sequence_count * self.record_len:
            raise format_error(self.error_at(index.offset, "SEQUENCE_INDEX length %d is not 64 + %d x %d"
                                             % (index.length, self.sequence_count, self.record_len)))
        if self.stream_len < self.sequence_count:
            raise format_error(self.error_at(index.offset + 8, "stream_len %d is less than sequence_count %d"
                                             % (self.stream_len, self.sequence_count)))
        # Step 18 [BI0].
        if block_index.length != BLOCK_INDEX_ENTRY_LEN * self.block_count:
            raise format_error(self.error_at(block_index.offset, "BLOCK_INDEX length %d is not 48 x %d"
                                             % (block_index.length, self.block_count)))
        # Step 19.
        for section in (masks, exceptions):
            if section.length % RUN_ENTRY_LEN != 0:
                raise format_error(self.error_at(section.offset, "%s length %d is not a multiple of 16"
                                                 % (section.name, section.length)))
        self.mask_total = masks.length // RUN_ENTRY_LEN
        self.exception_total = exceptions.length // RUN_ENTRY_LEN
        # Step 20 [NH1].
        if name_hash.length < 16:
            raise format_error(self.error_at(name_hash.offset, "SEQUENCE_NAME_HASH is shorter than 16 bytes"))
        (self.slot_count,) = self.unpack("Q", name_hash.offset)
        if (self.slot_count & (self.slot_count - 1) != 0 or self.slot_count == 0
                or self.slot_count <= self.sequence_count
                or name_hash.length != 16 + 16 * self.slot_count):
            raise format_error(self.error_at(name_hash.offset, "bad SEQUENCE_NAME_HASH size (%d slots, %d bytes)"
                                             % (self.slot_count, name_hash.length)))
        # Step 21 [K1], [S1]: the optional summary. This reader does not
        # otherwise use it, but checks it as every reader must.
        summaries = by_kind.get(NONACGT_SUMMARY, [])
        if len(summaries) > 1:
            raise format_error(self.error_at(summaries[1].entry_offset, "more than one NONACGT_SUMMARY section"))
        if summaries:
            summary = summaries[0]
            lines = ceil_div(self.stream_len, PLANE_LINE)
            if summary.length != 8 * ceil_div(lines, 64):
                raise format_error(self.error_at(summary.offset, "NONACGT_SUMMARY length %d, expected %d"
                                                 % (summary.length, 8 * ceil_div(lines, 64))))
            self.verify_section(summary)
        # §6.6: each dense section starts with a table of one u64 per record.
        for kind, section in self.dense_sections.items():
            if section.length < 8 * self.sequence_count:
                raise format_error(self.error_at(section.offset, "%s length %d is shorter than its table of %d"
                                                 % (section.name, section.length, self.sequence_count)))
            self.verify_section(section)
        # Step 21b (§9): REFERENCES, then the reference it names.
        if refs:
            self.verify_section(refs[0])
            self.references = self.open_references(refs[0])
            self.reference = self.attach_reference()

    # ---- §9: reference escape --------------------------------------------

    def open_references(self, section):
        """Decodes REFERENCES and checks [RF1]-[RF3]."""
        base = section.offset
        if section.length < REFERENCES_HEADER_LEN:
            raise format_error(self.error_at(base, "REFERENCES is shorter than its header [RF1]"))
        count, runs, _set_digest, path_len, names_len = self.unpack("QQQII", base)
        if section.length != (REFERENCES_HEADER_LEN + REFERENCE_SEQUENCE_LEN * count
                              + REFERENCE_RUN_LEN * runs + path_len + names_len):
            raise format_error(self.error_at(base, "REFERENCES length %d does not fit %d sequences and %d runs [RF1]"
                                             % (section.length, count, runs)))
        runs_at = base + REFERENCES_HEADER_LEN + REFERENCE_SEQUENCE_LEN * count
        path_at = runs_at + REFERENCE_RUN_LEN * runs
        names_at = path_at + path_len
        if path_len == 0:
            raise format_error(self.error_at(path_at, "the reference path is empty [RF2]"))
        path = bytes(self.read(path_at, path_len))
        sequences, expect = [], 0
        for i in range(count):
            at = base + REFERENCES_HEADER_LEN + REFERENCE_SEQUENCE_LEN * i
            length, name_offset, name_len = self.unpack("QQI", at)
            if name_len == 0 or name_offset != expect or name_offset + name_len > names_len:
                raise format_error(self.error_at(at + 8, "reference sequence %d: name misplaced [RF2]" % i))
            expect = name_offset + name_len
            name = bytes(self.read(names_at + name_offset, name_len))
            md5 = bytes(self.read(at + 24, 16))
            sequences.append((name, length, md5))
        if expect != names_len or len({n for n, _, _ in sequences}) != count:
            raise format_error(self.error_at(base + 28, "reference names do not fill names_len or repeat [RF2]"))
        table, previous_end = [], 0
        for k in range(runs):
            at = runs_at + REFERENCE_RUN_LEN * k
            start, length, ref_start, reference, strand = self.unpack("QQQIB", at)
            if (length == 0 or start + length > self.stream_len or start < previous_end or strand > 1
                    or reference >= count or ref_start + length > sequences[reference][1]):
                raise format_error(self.error_at(at, "run %d [%d, +%d) onto sequence %d at %d is out of order "
                                                 "or out of range [RF3]" % (k, start, length, reference, ref_start)))
            previous_end = start + length
            table.append((start, length, ref_start, reference, strand))
        return {"path": path, "sequences": sequences, "runs": table, "starts": [r[0] for r in table]}

    def attach_reference(self):
        """§9 "Attaching": the recorded path relative to this file's folder,
        then as recorded, unless the user named the reference."""
        recorded = self.references["path"].decode("utf-8", "replace")
        if self.reference_path is not None:
            path = self.reference_path
        else:
            tried = [os.path.join(os.path.dirname(os.path.abspath(self.path)), recorded), recorded]
            path = next((p for p in tried if os.path.isfile(p)), None)
            if path is None:
                raise TribitError("io", "%s: the reference file '%s' was not found (looked for %s)"
                                  % (self.display, recorded, " and ".join(tried)))
        ref = TribitReader(path)
        try:
            ref.open_container()
            ref.open_sequence_set()
        except TribitError as err:
            ref.close()
            raise TribitError(err.error_class, "reference %s: %s" % (path, err.message))
        if ref.references is not None:
            raise unsupported_error("reference %s is itself reference-escaped [RF6]" % path)
        records = []
        for name, length, md5 in self.references["sequences"]:
            what = None
            i = ref.lookup(name) if ref.has_sequences else None
            if i is None:
                what = "it has no sequence '%s'" % name.decode("utf-8", "replace")
            else:
                r = ref.record(i)
                if r.length != length:
                    what = "sequence '%s' has %d bases, expected %d" % (name.decode(), r.length, length)
                elif bytes(r.md5) != md5:
                    what = "sequence '%s' has MD5 %s, expected %s (same name and length, other bases)" % (
                        name.decode(), bytes(r.md5).hex(), md5.hex())
                records.append(r)
            if what:
                ref.close()
                raise mismatch_error("%s: reference %s is not the one this file was written against: %s [RF6]"
                                     % (self.display, path, what))
        return (ref, records)

    def resolve_escapes(self, block_start, codes):
        """§9 "Resolving": every code 6 of a block becomes the code of the
        reference base its run maps it to (complemented on strand 1)."""
        out = bytearray(codes)
        ref, records = self.reference
        runs, starts = self.references["runs"], self.references["starts"]
        fetched = {}
        p = out.find(CODE_ESCAPE)
        while p != -1:
            q = block_start + p
            k = bisect.bisect_right(starts, q) - 1
            if k < 0 or q >= runs[k][0] + runs[k][1]:
                raise format_error("%s: stream position %d has code 6 and no run covers it [RF5]" % (self.display, q))
            start, length, ref_start, reference, strand = runs[k]
            if k not in fetched:
                fetched[k] = ref.read_bases(records[reference], ref_start, ref_start + length).upper()
            offset = (length - 1 - (q - start)) if strand == 1 else (q - start)
            letter = fetched[k][offset]
            if letter not in b"ACGT":
                raise mismatch_error("%s: stream position %d copies '%s', not A, C, G or T [RF6]"
                                     % (self.display, q, chr(letter)))
            c = b"ACGT".index(letter)
            out[p] = c ^ 3 if strand == 1 else c
            p = out.find(CODE_ESCAPE, p + 1)
        return bytes(out)

    # ---- §2.4 step 22, §6.1: records -------------------------------------

    def record(self, i):
        """Record i, after the "checked on use" rules of §6.1."""
        at = self.index_section.offset + INDEX_HEADER_LEN + i * self.record_len
        r = Record(i, at, self.unpack(Record.FORMAT, at))   # extension bytes after 128 ignored
        where = "record %d" % i
        if r.header_offset + r.header_len > self.names_section.length:
            raise format_error(self.error_at(at + 16, "%s: header line outside SEQUENCE_NAMES" % where))
        if r.name_len < 1:
            raise format_error(self.error_at(at + 28, "%s: name_len is 0" % where))
        if r.name_start + r.name_len > r.header_len:
            raise format_error(self.error_at(at + 120, "%s: name outside the header line" % where))
        if r.start + r.length >= self.stream_len:
            raise format_error(self.error_at(at, "%s: start %d + length %d leaves no END in a stream of %d"
                                             % (where, r.start, r.length, self.stream_len)))
        if r.mask_first + r.mask_count > self.mask_total:
            raise format_error(self.error_at(at + 40, "%s: mask runs outside MASKS" % where))
        if r.exception_first + r.exception_count > self.exception_total:
            raise format_error(self.error_at(at + 56, "%s: exception runs outside EXCEPTIONS" % where))
        if r.flags & 1 and i != self.sequence_count - 1:
            raise format_error(self.error_at(at + 124, "%s: no final newline, but not the last record [R11]" % where))
        return r

    def header_line(self, r):
        return self.read(self.names_section.offset + r.header_offset, r.header_len)

    # ---- §6.3, §6.4: runs ------------------------------------------------

    def dense_array(self, r, kind):
        """The record's bitmap (MASK_BITMAP) or nibble array (EXCEPTION_NIBBLES)
        of §6.6, after its checks on use, or None when it uses runs."""
        section = self.dense_sections.get(kind)
        if section is None:
            return None
        at = section.offset + 8 * r.index
        (offset,) = self.unpack("Q", at)
        if offset == DENSE_NONE:
            return None
        per_byte = 8 if kind == MASK_BITMAP else 2
        size = 8 * ceil_div(ceil_div(r.length, per_byte), 8)
        table = 8 * self.sequence_count
        if offset % 8 != 0 or offset < table or offset + size > section.length:
            raise format_error(self.error_at(at, "record %d: %s array at %d (%d bytes) outside [%d, %d)"
                                             % (r.index, section.name, offset, size, table, section.length)))
        runs = r.mask_count if kind == MASK_BITMAP else r.exception_count
        if runs != 0:
            raise format_error(self.error_at(at, "record %d: dense %s and %d runs" % (r.index, section.name, runs)))
        return self.read(section.offset + offset, size)

    def mask_runs(self, r):
        bitmap = self.dense_array(r, MASK_BITMAP)
        if bitmap is not None:
            # Position p is masked when bit p % 8 of byte p // 8 is 1.
            runs, since = [], None
            for p in range(r.length):
                on = (bitmap[p // 8] >> (p % 8)) & 1
                if on and since is None:
                    since = p
                elif not on and since is not None:
                    runs.append((since, p))
                    since = None
            if since is not None:
                runs.append((since, r.length))
            return runs
        return self.stored_mask_runs(r)

    def exception_runs(self, r):
        nibbles = self.dense_array(r, EXCEPTION_NIBBLES)
        if nibbles is not None:
            # Nibble of p: low four bits of byte p // 2 when p is even, high when odd;
            # 0 = none, 1-12 = RYKMSWBDHVU-[v - 1]. One run per position is enough:
            # read_bases checks that each covers a code 7.
            runs = []
            for p in range(r.length):
                v = (nibbles[p // 2] >> (4 * (p % 2))) & 15
                if v > 12:
                    raise format_error("%s: record %d: exception nibble %d at position %d is above 12"
                                       % (self.display, r.index, v, p))
                if v:
                    runs.append((p, p + 1, b"RYKMSWBDHVU-"[v - 1]))
            return runs
        return self.stored_exception_runs(r)

    def stored_mask_runs(self, r):
        """The record's mask runs as (start, end), checked: non-empty and inside
        the sequence [M1], sorted, non-overlapping and not adjacent [M2].
        §6.5 asks a reader to check every run of a record before it returns
        a base of it, whatever range it reads."""
        runs = []
        base = self.masks_section.offset + r.mask_first * RUN_ENTRY_LEN
        previous_end = None
        for m in range(r.mask_count):
            at = base + m * RUN_ENTRY_LEN
            start, end = self.unpack("QQ", at)
            if not start < end <= r.length:
                raise format_error(self.error_at(at, "record %d: mask run [%d, %d) outside [0, %d) or empty"
                                                 % (r.index, start, end, r.length)))
            if previous_end is not None and start <= previous_end:
                raise format_error(self.error_at(at, "record %d: mask runs unsorted, overlapping or adjacent"
                                                 % r.index))
            previous_end = end
            runs.append((start, end))
        return runs

    def stored_exception_runs(self, r):
        """The record's exception runs as (start, end, letter), checked: non-empty
        and inside the sequence [E1], sorted and non-overlapping [E2], with a
        letter of §4 [E4], every run of the record whatever range is read
        (§6.5). Unmerged runs ([E5]) and non-zero reserved bytes ([E6]) are
        left to validators and accepted."""
        runs = []
        base = self.exceptions_section.offset + r.exception_first * RUN_ENTRY_LEN
        previous_end = 0
        for e in range(r.exception_count):
            at = base + e * RUN_ENTRY_LEN
            start, length, letter = self.unpack("QIB", at)   # 3 reserved bytes ignored
            if length < 1 or start + length > r.length:
                raise format_error(self.error_at(at, "record %d: exception run (%d, %d) outside [0, %d) or empty"
                                                 % (r.index, start, length, r.length)))
            if start < previous_end:
                raise format_error(self.error_at(at, "record %d: exception runs unsorted or overlapping" % r.index))
            if letter not in EXCEPTION_LETTERS:
                raise format_error(self.error_at(at + 12, "record %d: exception letter 0x%02X is not one of RYKMSWBDHVU-"
                                                 % (r.index, letter)))
            previous_end = start + length
            runs.append((start, start + length, letter))
        return runs

    def first_run_from_hint(self, runs, hint, first, position_in_sequence, block_start_in_sequence):
        """Index of the first run (of the record's `runs`, sorted) whose end is
        > position_in_sequence, starting from a block-index hint (§5.1, §6.5).

        The hint is a MASKS/EXCEPTIONS index; the candidate run number is
        min(max(hint, first) - first, count). It is confirmed before use: the
        run just before it must end at or before the block's first position.
        A wrong hint falls back to a search from the record's first run.
        """
        count = len(runs)
        j = min(max(hint, first) - first, count)
        if j > 0 and runs[j - 1][1] > block_start_in_sequence:
            j = 0                                     # wrong hint: ignore it
        # Binary search in [j, count) for the first run ending after the position.
        lo, hi = j, count
        while lo < hi:
            mid = (lo + hi) // 2
            if runs[mid][1] <= position_in_sequence:
                lo = mid + 1
            else:
                hi = mid
        return lo

    # ---- §2.4 step 23, §5, §5.1: blocks ----------------------------------

    def block_entry(self, k):
        at = self.block_index_section.offset + k * BLOCK_INDEX_ENTRY_LEN
        offset, stored_len, checksum, bases, encoding, first_mask, first_exception = \
            self.unpack("QQQIB3xQQ", at)
        return at, offset, stored_len, checksum, bases, encoding, first_mask, first_exception

    def block_codes(self, k):
        """The codes of block k, one byte per position, after the checks of
        §5.1 "checked on use", in their order."""
        if self._cached_block is not None and self._cached_block[0] == k:
            return self._cached_block[1]            # already checked and decoded
        at, offset, stored_len, checksum, bases, encoding, _fm, _fe = self.block_entry(k)
        if encoding not in (0, 1):                                              # §5.1, §5.3
            raise unsupported_error(self.error_at(at + 28, "block %d uses encoding %d, not implemented"
                                                  % (k, encoding)))
        expected_bases = min(self.block_bases, self.stream_len - k * self.block_bases)
        if bases != expected_bases:                                             # [BI4]
            raise format_error(self.error_at(at + 24, "block %d has %d bases, expected %d" % (k, bases, expected_bases)))
        plane_len = ceil_div(bases, PLANE_LINE) * 64
        if encoding == 0 and stored_len != 3 * plane_len:                       # [BI2]
            raise format_error(self.error_at(at + 8, "block %d stored_len %d, expected %d"
                                             % (k, stored_len, 3 * plane_len)))
        if encoding == 1 and stored_len == 0:                                   # [BI2]
            raise format_error(self.error_at(at + 8, "zstd block %d has stored_len 0" % k))
        if (encoding == 0 and offset % 64 != 0) or offset + stored_len > self.blocks_section.length:  # [BI1], [BI6]
            raise format_error(self.error_at(at, "block %d (offset %d, %d bytes) outside BLOCKS or misaligned"
                                             % (k, offset, stored_len)))
        stored = self.read(self.blocks_section.offset + offset, stored_len)
        if k not in self._verified_blocks:                                      # [BI3]
            if xxh3_64(stored) != checksum:
                raise checksum_error(self.error_at(at + 16, "block %d checksum mismatch" % k))
            self._verified_blocks.add(k)
        if encoding == 1:
            stored = self.zstd_block(k, at, stored, 3 * plane_len)
        # Raw encoding (§5): bit p mod 8 of byte p div 8 of each plane.
        planes = [int.from_bytes(b"".join(map(SPREAD.__getitem__, stored[i * plane_len:(i + 1) * plane_len])),
                                 "little") for i in range(3)]
        codes = (planes[0] | (planes[1] << 1) | (planes[2] << 2)).to_bytes(plane_len * 8, "little")[:bases]
        if self.references is not None and CODE_ESCAPE in codes:                # §9
            codes = self.resolve_escapes(k * self.block_bases, codes)
        self._cached_block = (k, codes)
        return codes

    def zstd_block(self, k, at, stored, raw_len):
        """§5.3 [Z1]: the stored bytes are exactly one zstd frame holding
        exactly raw_len bytes, the raw block."""
        try:
            import zstandard
        except ImportError:
            raise unsupported_error(self.error_at(at + 28, "block %d is zstd-compressed and the zstandard "
                                                  "package is not installed" % k))
        d = zstandard.ZstdDecompressor().decompressobj()
        try:
            raw = d.decompress(bytes(stored))
        except zstandard.ZstdError as e:
            raise format_error(self.error_at(at, "block %d: the zstd frame does not decode: %s" % (k, e)))
        if not d.eof or d.unused_data:
            raise format_error(self.error_at(at, "block %d: the stored bytes are not exactly one zstd frame" % k))
        if len(raw) != raw_len:
            raise format_error(self.error_at(at, "block %d: the zstd frame holds %d bytes, expected %d"
                                             % (k, len(raw), raw_len)))
        return raw

    def verify_all_blocks(self):
        """Blocks that no sequence touched (e.g. holding only END codes)."""
        for k in range(self.block_count):
            if k not in self._verified_blocks:
                self.block_codes(k)

    # ---- §6.5: reading bases ---------------------------------------------

    def read_bases(self, r, a, b):
        """Letters [a, b) of the sequence of record r, as §6.5 defines them."""
        if not 0 <= a <= b <= r.length:
            raise ValueError("range [%d, %d) outside the sequence" % (a, b))  # a range error, not format
        masks = self.mask_runs(r)
        exceptions = self.exception_runs(r)
        out = bytearray()
        B = self.block_bases
        q, end = r.start + a, r.start + b          # stream positions
        m = e = None                               # run cursors, set at the first block
        while q < end:
            k = q // B
            block_start = k * B
            segment_end = min(end, block_start + B)
            codes = self.block_codes(k)[q - block_start:segment_end - block_start]
            seg_a, seg_b = q - r.start, segment_end - r.start       # sequence coordinates
            if m is None:
                # Start the run cursors from the block's hints, once confirmed.
                first_mask, first_exception = self.block_entry(k)[6:8]
                m = self.first_run_from_hint(masks, first_mask, r.mask_first, seg_a, block_start - r.start)
                e = self.first_run_from_hint(exceptions, first_exception, r.exception_first,
                                             seg_a, block_start - r.start)
            # Skip the runs that end before this segment.
            while m < len(masks) and masks[m][1] <= seg_a:
                m += 1
            while e < len(exceptions) and exceptions[e][1] <= seg_a:
                e += 1
            letters = bytearray(codes.translate(CODE_TO_LETTER))
            # Codes 5, 6 and 7, in position order (§6.5 step 2).
            x = e
            for match in SPECIAL_CODE.finditer(codes):
                p = match.start()
                code, pos = codes[p], seg_a + p
                if code == CODE_END:
                    raise format_error("%s: record %d: END code inside the sequence at position %d"
                                       % (self.display, r.index, pos))
                if code == CODE_ESCAPE:
                    raise unsupported_error("%s: record %d (%s): reference-escaped position %d, not implemented"
                                            % (self.display, r.index, self.name(r), pos))
                while x < len(exceptions) and exceptions[x][1] <= pos:
                    x += 1
                if x == len(exceptions) or exceptions[x][0] > pos:
                    raise format_error("%s: record %d: code 7 at position %d has no exception run"
                                       % (self.display, r.index, pos))
                letters[p] = exceptions[x][2]
            # Every exception run touching this segment covers code 7 only.
            x = e
            while x < len(exceptions) and exceptions[x][0] < seg_b:
                lo, hi = max(exceptions[x][0], seg_a), min(exceptions[x][1], seg_b)
                if codes.count(CODE_EXCEPTION, lo - seg_a, hi - seg_a) != hi - lo:
                    raise format_error("%s: record %d: exception run at %d covers a position whose code is not 7"
                                       % (self.display, r.index, exceptions[x][0]))
                x += 1
            # Masks: lowercase A-Z (§6.5 step 3; '-' has no lowercase form).
            x = m
            while x < len(masks) and masks[x][0] < seg_b:
                lo, hi = max(masks[x][0], seg_a) - seg_a, min(masks[x][1], seg_b) - seg_a
                letters[lo:hi] = letters[lo:hi].lower()
                x += 1
            out += letters
            q = segment_end
        return bytes(out)

    # ---- names, §6.1, §6.2 -----------------------------------------------

    def name(self, r):
        h = self.header_line(r)
        return h[r.name_start:r.name_start + r.name_len].decode("utf-8", "replace")

    def lookup(self, name):
        """Record index of `name` (bytes), or None: the lookup of §6.2.

        Not needed for the canonical JSON; here to show the bounded probe
        loop and the name comparison that §6.2 requires."""
        h = xxh3_64(name)
        mask = self.slot_count - 1
        s = h & mask
        for _ in range(self.slot_count):
            slot_hash, rec = self.unpack("QQ", self.name_hash_section.offset + 16 + 16 * s)
            if rec == U64_MAX:
                return None
            if slot_hash == h:
                if rec >= self.sequence_count:
                    raise format_error("%s: name hash slot %d points at a missing record" % (self.display, s))
                r = self.record(rec)
                hl = self.header_line(r)
                if hl[r.name_start:r.name_start + r.name_len] == name:   # names, not only hashes
                    return rec
            s = (s + 1) & mask
        raise format_error("%s: name hash table has no empty slot" % self.display)

    # ---- §8: tables, dictionaries, hash indexes ---------------------------
    #
    # SPEC §2.4 T-a to T-e. This reader handles the tables after the
    # sequence set (steps 14-23), in this order: the group rules [T2]
    # that need no section contents; then each TABLE in directory order (its
    # checksum, then [T1], [T3]-[T8], the name rule of [T2]), its DICTIONARY
    # sections in directory order (checksum, [DI1], [DI5], [DI2], [DI3]) and
    # its HASH_INDEX sections in directory order (checksum, [HI1]-[HI5]; an
    # index that fails them is not used, and not listed, §8.4);
    # then the cells of every table, row by row ([T9], [T10], [DI4]). The
    # rules that need a pass over data and do not change what a reader
    # returns (distinct dictionary strings [DI3], [T11], [T13], [HI6]-[HI9]) and the
    # reserved-zero rules ([T12], [DI6], [HI10]: readers MUST ignore reserved
    # fields, §1) are left to a validator (§13.1).

    def open_tables(self):
        """The TABLE, DICTIONARY and HASH_INDEX sections, checked; a list of
        Table in directory order of their TABLE sections."""
        tables, by_group, others = [], {}, []
        for s in self.sections:
            if s.kind == TABLE:
                if s.group in by_group:                                     # [T2]
                    raise format_error(self.error_at(s.entry_offset, "group %d holds a second TABLE [T2]" % s.group))
                table = Table(s)
                by_group[s.group] = table
                tables.append(table)
            elif s.kind in (DICTIONARY, HASH_INDEX):
                others.append(s)
        # [T2] (1.3): a HASH_INDEX may share its group with an INDEX_TARGET
        # instead (§8.8); the target's own rules are checked by open_targets.
        target_groups = {s.group for s in self.sections if s.kind == INDEX_TARGET}
        for s in others:                                                    # [T2]
            if s.group not in by_group and not (s.kind == HASH_INDEX and s.group in target_groups):
                raise format_error(self.error_at(s.entry_offset, "%s in group %d, which holds no TABLE [T2]"
                                                 % (s.name, s.group)))
        # "The group of the sequence set": the group of its sections ([K3]
        # makes it one value; a reader need not check [K3], so any of them
        # counts). A lone NONACGT_SUMMARY is no sequence set (step 15).
        sequence_groups = {s.group for s in self.sections
                           if self.has_sequences and (s.kind in SEQUENCE_SET_KINDS or s.kind == NONACGT_SUMMARY)}
        for table in tables:                                                # [T2]
            if table.section.group in sequence_groups:
                raise format_error(self.error_at(table.section.entry_offset, "TABLE in group %d, the group of the "
                                                 "sequence set [T2]" % table.section.group))
        names = set()
        for table in tables:
            self.open_table(table)
            if table.name in names:                                         # [T2]
                raise format_error(self.error_at(table.section.entry_offset, "a second table named '%s' [T2]"
                                                 % table.name))
            names.add(table.name)
            group = [s for s in others if s.group == table.section.group]
            for s in group:
                if s.kind == DICTIONARY:
                    self.open_dictionary(table, s)
            for column in table.columns:                                    # [DI5]
                if column.code == TYPE_DICT and column.dictionary is None:
                    raise format_error(self.error_at(table.section.offset, "table '%s' column '%s' has no "
                                                     "DICTIONARY [DI5]" % (table.name, column.name)))
            for s in group:
                if s.kind == HASH_INDEX:
                    # §8.4: an index a reader cannot use (another hash [HI1], a
                    # checksum mismatch, [HI2]-[HI5] broken) does not make its
                    # table unreadable: the reader scans instead, and SHOULD
                    # say why. The canonical JSON lists the usable ones.
                    try:
                        table.indexes.append(self.open_hash_index(table, s))
                    except TribitError as err:
                        sys.stderr.write("tribit_reader.py: note: HASH_INDEX not used (%s): %s\n"
                                         % (err.error_class, err.message))
        return tables

    def open_table(self, table):
        """A TABLE's checksum, header and column descriptors (§8.1)."""
        s = table.section
        self.verify_section(s)                                              # [D5]
        where = "table at byte %d" % s.offset
        # [T1]: the header_offset word and a whole header fit.
        if s.length < TABLE_MIN_LEN:
            raise format_error(self.error_at(s.offset, "TABLE is %d bytes, less than 72 [T1]" % s.length))
        end = s.length - 8                                                  # where the header_offset word starts
        (header_offset,) = self.unpack("Q", s.offset + end)
        if header_offset % 8 != 0 or header_offset + TABLE_HEADER_LEN > end:
            raise format_error(self.error_at(s.offset + end, "%s: header_offset %d is misaligned or leaves no "
                                             "room for the header [T1]" % (where, header_offset)))
        h = s.offset + header_offset
        (row_count, row_width, column_count, null_offset, null_len, name_len,
         column_entry_len) = self.unpack("QIIIIII", h)                    # 32 reserved bytes ignored
        # [T3]: the rows fill [0, header_offset) up to less than 8 bytes of padding.
        rows_len = row_count * row_width
        if rows_len > header_offset or header_offset - rows_len >= 8:
            raise format_error(self.error_at(h, "%s: %d rows of %d bytes do not end within 8 bytes before "
                                             "header_offset %d [T3]" % (where, row_count, row_width, header_offset)))
        # [T4]: the counts, then the descriptors and names inside [header_offset, length - 8).
        if row_width == 0 or column_count == 0 or column_entry_len < COLUMN_ENTRY_LEN_1_1:
            raise format_error(self.error_at(h + 8, "%s: row_width %d, column_count %d, column_entry_len %d "
                                             "[T4]" % (where, row_width, column_count, column_entry_len)))
        descriptors = header_offset + TABLE_HEADER_LEN
        names_at = descriptors + column_count * column_entry_len
        if names_at + name_len > end:
            raise format_error(self.error_at(h + 12, "%s: %d column descriptors of %d bytes and the names do not "
                                             "fit before the last 8 bytes [T4]" % (where, column_count, column_entry_len)))
        # [T5]
        if null_offset + null_len > row_width:
            raise format_error(self.error_at(h + 16, "%s: null bitmap [%d, +%d) outside the %d-byte row [T5]"
                                             % (where, null_offset, null_len, row_width)))
        table.name = self.table_name(s, names_at, name_len, where + ": table name")
        where = "table '%s'" % table.name
        table.row_count, table.row_width = row_count, row_width
        table.null_offset, table.null_len = null_offset, null_len
        at_name = names_at + name_len
        column_names = set()
        for i in range(column_count):
            at = s.offset + descriptors + i * column_entry_len              # bytes past 32 skipped (§10 rule 2b)
            code, flags, offset, width, null_bit, cname_len = self.unpack("BB2xIIII", at)
            if at_name + cname_len > end:                                   # [T4]
                raise format_error(self.error_at(at + 16, "%s: column %d's name runs into the last 8 bytes [T4]"
                                                 % (where, i)))
            cname = self.table_name(s, at_name, cname_len, "%s: column %d name" % (where, i))
            at_name += cname_len
            if cname in column_names:                                       # [T4]
                raise format_error(self.error_at(at + 16, "%s: two columns named '%s' [T4]" % (where, cname)))
            column_names.add(cname)
            ctype = COLUMN_TYPES.get(code)                                  # [T6]
            if ctype is None:
                raise format_error(self.error_at(at, "%s: column '%s' has type code %d, not one of §8.2 [T6]"
                                                 % (where, cname, code)))
            if (width < 1) if ctype[1] is None else (width != ctype[1]):
                raise format_error(self.error_at(at + 8, "%s: column '%s' of type %s has width %d [T6]"
                                                 % (where, cname, ctype[0], width)))
            if offset + width > row_width:                                  # [T7]
                raise format_error(self.error_at(at + 4, "%s: column '%s' [%d, +%d) outside the %d-byte row [T7]"
                                                 % (where, cname, offset, width, row_width)))
            if bool(flags & 1) != (null_bit != NOT_NULLABLE):               # [T8]; flag bits 1-7 ignored
                raise format_error(self.error_at(at + 12, "%s: column '%s': nullable flag %d but null_bit 0x%X [T8]"
                                                 % (where, cname, flags & 1, null_bit)))
            if flags & 1 and null_bit >= 8 * null_len:                      # [T8]
                raise format_error(self.error_at(at + 12, "%s: column '%s': null_bit %d outside the %d-byte "
                                                 "bitmap [T8]" % (where, cname, null_bit, null_len)))
            table.columns.append(Column(i, code, flags, offset, width, null_bit, cname))
        # [T7]: no two columns overlap, none overlaps the bitmap (an empty
        # bitmap has no bytes). Widths are >= 1, so sorting by offset suffices.
        spans = sorted([(c.offset, c.width, "column '%s'" % c.name, c.index) for c in table.columns]
                       + ([(null_offset, null_len, "the null bitmap", -1)] if null_len > 0 else []))
        for (off_a, len_a, what_a, _ia), (off_b, _len_b, what_b, ib) in zip(spans, spans[1:]):
            if off_a + len_a > off_b:
                at = s.offset + descriptors + ib * column_entry_len if ib >= 0 else h + 16
                raise format_error(self.error_at(at, "%s: %s overlaps %s [T7]" % (where, what_b, what_a)))
        # [T8]: two columns never share a null bit.
        null_bits = {}
        for c in table.columns:
            if c.nullable:
                if c.null_bit in null_bits:
                    raise format_error(self.error_at(s.offset + descriptors + c.index * column_entry_len + 12,
                                                     "%s: columns '%s' and '%s' share null bit %d [T8]"
                                                     % (where, null_bits[c.null_bit], c.name, c.null_bit)))
                null_bits[c.null_bit] = c.name

    def table_name(self, s, offset, length, what):
        """A table or column name: non-empty UTF-8 [T4]; offset relative to the section."""
        raw = self.read(s.offset + offset, length)
        try:
            if length == 0:
                raise ValueError("empty")
            return raw.decode("utf-8")
        except ValueError:
            raise format_error(self.error_at(s.offset + offset, "%s is empty or not UTF-8 [T4]" % what))

    def open_dictionary(self, table, s):
        """A DICTIONARY of table's group: checksum, [DI1], [DI5], [DI2], [DI3] (§8.3)."""
        self.verify_section(s)                                              # [D5]
        if s.length < DICTIONARY_HEADER_LEN:                                # [DI1]
            raise format_error(self.error_at(s.offset, "DICTIONARY is %d bytes, shorter than its header [DI1]"
                                             % s.length))
        column, count, bytes_len = self.unpack("I4xQQ", s.offset)          # reserved fields ignored
        if s.length != DICTIONARY_HEADER_LEN + 8 * (count + 1) + bytes_len:  # [DI1]
            raise format_error(self.error_at(s.offset, "DICTIONARY length %d is not 32 + 8 x (%d + 1) + %d [DI1]"
                                             % (s.length, count, bytes_len)))
        if column >= len(table.columns) or table.columns[column].code != TYPE_DICT:   # [DI5]
            raise format_error(self.error_at(s.offset, "DICTIONARY names column %d, not a dict column of table "
                                             "'%s' [DI5]" % (column, table.name)))
        target = table.columns[column]
        if target.dictionary is not None:                                   # [DI5]
            raise format_error(self.error_at(s.offset, "a second DICTIONARY for table '%s' column '%s' [DI5]"
                                             % (table.name, target.name)))
        offsets = self.unpack("%dQ" % (count + 1), s.offset + DICTIONARY_HEADER_LEN)
        if offsets[0] != 0 or offsets[count] != bytes_len:                  # [DI2]
            raise format_error(self.error_at(s.offset + DICTIONARY_HEADER_LEN, "DICTIONARY offsets do not run "
                                             "from 0 to bytes_len %d [DI2]" % bytes_len))
        for i in range(count):
            if offsets[i] > offsets[i + 1]:
                raise format_error(self.error_at(s.offset + DICTIONARY_HEADER_LEN + 8 * (i + 1),
                                                 "DICTIONARY offsets decrease at string %d [DI2]" % (i + 1)))
        # [DI3]: every string is UTF-8, checked once for all of them (a pass
        # over the string data only; the table's cells are far more bytes).
        # That the strings are distinct is not checked: it does not change
        # what a cell decodes to.
        data = s.offset + DICTIONARY_HEADER_LEN + 8 * (count + 1)
        strings = []
        for i in range(count):
            try:
                strings.append(self.read(data + offsets[i], offsets[i + 1] - offsets[i]).decode("utf-8"))
            except ValueError:
                raise format_error(self.error_at(data + offsets[i], "DICTIONARY string %d is not UTF-8 [DI3]" % i))
        target.dictionary = Dictionary(s, column, count, strings)

    def open_hash_index(self, table, s):
        """A HASH_INDEX of table's group, as far as this reader uses it: the
        header and the key columns, checked ([HI1]-[HI5], §8.4). Returns the
        key column numbers, or raises the TribitError that makes the index
        unusable (the caller then does without it). The buckets, entries and
        postings ([HI6]-[HI9]) serve lookups, which this reader does not
        perform: it returns every row, which needs no index."""
        self.verify_section(s)                                              # [D5]
        if s.length < HASH_INDEX_HEADER_LEN:
            raise format_error(self.error_at(s.offset, "HASH_INDEX is %d bytes, shorter than its header [HI5]"
                                             % s.length))
        key_count, bucket_bits, entry_count, word_count, row_count, hash_kind = self.unpack("IIQQQI", s.offset)
        where = "HASH_INDEX of table '%s'" % table.name
        if hash_kind != HASH_XXH3_KEY:                                      # [HI1]
            raise unsupported_error(self.error_at(s.offset + 32, "%s: hash %d is not implemented [HI1]"
                                                  % (where, hash_kind)))
        layout = self.data[s.offset + 36]                                   # [HI1] (1.8): 0 or 1
        if layout not in (LAYOUT_CLASSIC, LAYOUT_COMPACT):
            raise unsupported_error(self.error_at(s.offset + 36, "%s: layout %d is not implemented [HI1]"
                                                  % (where, layout)))
        max_bits = MAX_COMPACT_BUCKET_BITS if layout == LAYOUT_COMPACT else MAX_BUCKET_BITS
        if bucket_bits > max_bits:                                          # [HI4], before 2^B is computed
            raise format_error(self.error_at(s.offset + 4, "%s: bucket_bits %d is more than %d [HI4]"
                                             % (where, bucket_bits, max_bits)))
        k = ceil_div(HASH_INDEX_HEADER_LEN + 4 * key_count, 8) * 8
        if layout == LAYOUT_COMPACT:                                        # [HI5]: u32 directory padded
            length = k + ceil_div(4 * ((1 << bucket_bits) + 1), 8) * 8 + 8 * entry_count + 8 * word_count
        else:                                                               # to 8; 8-byte entries
            length = k + 8 * ((1 << bucket_bits) + 1) + 16 * entry_count + 8 * word_count
        if s.length != length:                                              # [HI5]
            raise format_error(self.error_at(s.offset, "%s: length %d does not match its header [HI5]"
                                             % (where, s.length)))
        if not 1 <= key_count <= len(table.columns):                        # [HI3]
            raise format_error(self.error_at(s.offset, "%s: key_count %d is not in [1, %d] [HI3]"
                                             % (where, key_count, len(table.columns))))
        keys = self.unpack("%dI" % key_count, s.offset + HASH_INDEX_HEADER_LEN)
        if max(keys) >= len(table.columns) or len(set(keys)) != key_count:  # [HI3]
            raise format_error(self.error_at(s.offset + HASH_INDEX_HEADER_LEN, "%s: key columns %s are not distinct "
                                             "columns of the table [HI3]" % (where, list(keys))))
        if row_count != table.row_count:                                    # [HI2]
            raise format_error(self.error_at(s.offset + 24, "%s: row_count %d, the table has %d [HI2]"
                                             % (where, row_count, table.row_count)))
        return list(keys)

    def open_targets(self):
        """The INDEX_TARGET sections of an index file (§8.8, §2.4 I-a and
        I-b), in directory order: each as a dict of its fields, with the key
        columns of its usable HASH_INDEX sections. [IT6] needs the data file
        and is not checked here."""
        sequence_groups = {s.group for s in self.sections
                           if self.has_sequences and (s.kind in SEQUENCE_SET_KINDS or s.kind == NONACGT_SUMMARY)}
        targets = []
        for s in self.sections:
            if s.kind != INDEX_TARGET:
                continue
            shares = [x for x in self.sections if x.group == s.group and x is not s
                      and x.kind in (TABLE, DICTIONARY, INDEX_TARGET)]
            if shares or s.group in sequence_groups:                        # [IT4]
                raise format_error(self.error_at(s.entry_offset, "INDEX_TARGET in group %d, which also holds "
                                                 "another object [IT4]" % s.group))
            self.verify_section(s)                                          # [D5]
            if s.length < INDEX_TARGET_HEADER_LEN:                          # [IT1]
                raise format_error(self.error_at(s.offset, "INDEX_TARGET is %d bytes, shorter than its header "
                                                 "[IT1]" % s.length))
            (table_length, table_checksum, row_count, column_count, name_len, dictionary_count,
             source_len) = self.unpack("QQQIIII", s.offset)
            names_at = INDEX_TARGET_HEADER_LEN + INDEX_TARGET_DICTIONARY_LEN * dictionary_count
            if s.length != names_at + name_len + source_len:                # [IT1]
                raise format_error(self.error_at(s.offset + 28, "INDEX_TARGET length %d does not match its "
                                                 "header [IT1]" % s.length))
            if column_count < 1:                                            # [IT2]
                raise format_error(self.error_at(s.offset + 24, "INDEX_TARGET column_count is 0 [IT2]"))
            dictionaries = []
            for i in range(dictionary_count):                               # [IT3]
                at = s.offset + INDEX_TARGET_HEADER_LEN + INDEX_TARGET_DICTIONARY_LEN * i
                column, _reserved, length, checksum = self.unpack("IIQQ", at)
                if column >= column_count or (dictionaries and dictionaries[-1][0] >= column):
                    raise format_error(self.error_at(at, "INDEX_TARGET dictionary %d: column %d [IT3]"
                                                     % (i, column)))
                dictionaries.append([column, length, "%016x" % checksum])
            try:                                                            # [IT2]
                name = self.read(s.offset + names_at, name_len).decode("utf-8")
                source = self.read(s.offset + names_at + name_len, source_len).decode("utf-8")
            except UnicodeDecodeError:
                raise format_error(self.error_at(s.offset + names_at, "INDEX_TARGET name is not UTF-8 [IT2]"))
            if not name:
                raise format_error(self.error_at(s.offset + names_at, "INDEX_TARGET name is empty [IT2]"))
            if any(t["name"] == name for t in targets):                     # [IT4]
                raise format_error(self.error_at(s.entry_offset, "a second INDEX_TARGET for table '%s' [IT4]"
                                                 % name))
            # The HASH_INDEX sections of the group are checked as in a data
            # file, against the target's row_count and column_count (I-b).
            target = Table(s)
            target.name = name
            target.row_count = row_count
            target.columns = [None] * column_count
            indexes = []
            for x in self.sections:
                if x.kind == HASH_INDEX and x.group == s.group:
                    try:
                        indexes.append(self.open_hash_index(target, x))
                    except TribitError as err:
                        sys.stderr.write("tribit_reader.py: note: HASH_INDEX not used (%s): %s\n"
                                         % (err.error_class, err.message))
            targets.append({"name": name, "source": source, "table_length": table_length,
                            "table_checksum": "%016x" % table_checksum, "row_count": row_count,
                            "column_count": column_count, "dictionaries": dictionaries, "indexes": indexes})
        return targets

    def table_rows(self, table):
        """Every row of table, decoded (§8.1, §8.2): a list of lists of cells,
        None for a null cell, floats as "f32:"/"f64:" bit patterns."""
        s = table.section
        where = "table '%s'" % table.name
        decoders = []
        for c in table.columns:
            if c.code == TYPE_STRING:
                decoders.append((c, None))
            else:
                decoders.append((c, struct.Struct(self.order + COLUMN_TYPES[c.code][2])))
        rows = []
        for r in range(table.row_count):                                    # row_count checked by [T3]
            at = s.offset + r * table.row_width
            row = self.read(at, table.row_width)
            cells = []
            for c, decoder in decoders:
                if c.nullable and (row[table.null_offset + c.null_bit // 8] >> (c.null_bit % 8)) & 1:
                    cells.append(None)
                    continue
                raw = row[c.offset:c.offset + c.width]                      # inside the row by [T7]
                if decoder is None:                                         # [T10]
                    text = raw.rstrip(b"\0")
                    try:
                        if b"\0" in text:
                            raise ValueError("zero byte")
                        cells.append(text.decode("utf-8"))
                    except ValueError:
                        raise format_error(self.error_at(at + c.offset, "%s row %d column '%s': string is not "
                                                         "UTF-8 without zero bytes [T10]" % (where, r, c.name)))
                    continue
                (value,) = decoder.unpack(raw)
                if c.code == TYPE_BOOL:                                     # [T9]
                    if value > 1:
                        raise format_error(self.error_at(at + c.offset, "%s row %d column '%s': bool byte %d [T9]"
                                                         % (where, r, c.name, value)))
                    cells.append(bool(value))
                elif c.code == 10:
                    cells.append("f32:%08x" % value)
                elif c.code == 11:
                    cells.append("f64:%016x" % value)
                elif c.code == TYPE_DICT:                                   # [DI4]
                    if value >= c.dictionary.count:
                        raise format_error(self.error_at(at + c.offset, "%s row %d column '%s': dictionary code %d "
                                                         "of %d strings [DI4]" % (where, r, c.name, value,
                                                                                  c.dictionary.count)))
                    cells.append(c.dictionary.strings[value])
                else:
                    cells.append(value)
            rows.append(cells)
        return rows

    # ---- §8.9: matrices ---------------------------------------------------

    def open_matrices(self, tables):
        """Steps M-a to M-d of §8.9 for every MATRIX, in directory order:
        a list of dicts with the header fields, names and section offsets."""
        heads = [s for s in self.sections if s.kind == MATRIX]
        for s in self.sections:                                             # [MX5]
            if s.kind == MATRIX_TILES and not any(h.group == s.group for h in heads):
                raise format_error(self.error_at(s.offset, "MATRIX_TILES without a MATRIX in group %d [MX5]"
                                                 % s.group))
        matrices, names = [], set()
        for i, h in enumerate(heads):
            group = [s for s in self.sections if s.group == h.group]
            tiles = [s for s in group if s.kind == MATRIX_TILES]
            if any(x.group == h.group for x in heads[:i]) or len(tiles) != 1 or len(group) != 2:
                raise format_error(self.error_at(h.offset, "group %d is not one MATRIX and one MATRIX_TILES [MX5]"
                                                 % h.group))
            t = tiles[0]
            self.verify_section(h)                                          # M-b
            bad = lambda rule, text: format_error(self.error_at(h.offset, "%s [%s]" % (text, rule)))
            if h.length < 64:
                raise bad("MX2", "MATRIX shorter than its 64-byte header")
            (rows, cols, tr, tc, ty, flags, name_len, null_value, rt_len, ct_len,
             tile_count) = self.unpack("QQIIBB2xIQIIQ", h.offset)
            if ty not in COLUMN_TYPES or not 2 <= ty <= 11:
                raise bad("MX1", "cell type %d is not numeric" % ty)
            if tr == 0 or tc == 0:
                raise bad("MX2", "empty tile shape")
            if ceil_div(rows, tr) * ceil_div(cols, tc) != tile_count:
                raise bad("MX2", "tile_count %d does not match the tile shape" % tile_count)
            names_end = 64 + name_len + rt_len + ct_len
            sums_at = ceil_div(names_end, 8) * 8
            if sums_at + 8 * tile_count != h.length:
                raise bad("MX2", "MATRIX length %d is not %d + 8 x tile_count" % (h.length, sums_at))
            raw = self.read(h.offset + 64, name_len + rt_len + ct_len)
            texts = []
            for a, n in ((0, name_len), (name_len, rt_len), (name_len + rt_len, ct_len)):
                try:
                    text = raw[a:a + n].decode("utf-8")
                except UnicodeDecodeError:
                    text = ""
                if not text:
                    raise bad("MX3", "a name is empty or not UTF-8")
                texts.append(text)
            width = COLUMN_TYPES[ty][1]
            padded = ceil_div(cols, tc) * tc
            if rows * padded * width != t.length:
                raise format_error(self.error_at(t.offset, "MATRIX_TILES length %d is not rows x padded "
                                                 "columns x width [MX4]" % t.length))
            if texts[0] in names:
                raise bad("MX5", "duplicate matrix name '%s'" % texts[0])
            names.add(texts[0])
            by_name = {tb.name: tb for tb in tables}                        # M-d [MX6]
            for tname, n, what in ((texts[1], rows, "row"), (texts[2], cols, "column")):
                tb = by_name.get(tname)
                if tb is None:
                    raise bad("MX6", "no %s names table '%s'" % (what, tname))
                if tb.row_count != n or not tb.columns or tb.columns[0].nullable \
                        or tb.columns[0].code not in (TYPE_STRING, TYPE_DICT):
                    raise bad("MX6", "%s names table '%s' does not fit the matrix" % (what, tname))
            matrices.append({"name": texts[0], "rows": rows, "cols": cols, "tr": tr, "tc": tc, "type": ty,
                             "null": null_value if flags & 1 else None, "tiles": t, "sums": h.offset + sums_at,
                             "row_table": by_name[texts[1]], "col_table": by_name[texts[2]], "width": width,
                             "padded": padded})
        return matrices

    def matrix_values(self, m):
        """Every cell of m, row by row, each tile verified first ([MX7])."""
        rows, cols, tr, tc, w, padded = m["rows"], m["cols"], m["tr"], m["tc"], m["width"], m["padded"]
        per_band = ceil_div(cols, tc)
        cell = struct.Struct(self.order + COLUMN_TYPES[m["type"]][2])
        bits = struct.Struct(self.order + {1: "B", 2: "H", 4: "I", 8: "Q"}[w])
        out = []
        for b in range(ceil_div(rows, tr)):
            rb = min(tr, rows - b * tr)
            band_at = m["tiles"].offset + b * tr * padded * w
            tiles = []
            for t in range(per_band):
                at = band_at + t * rb * tc * w
                data = self.read(at, rb * tc * w)
                (stored,) = self.unpack("Q", m["sums"] + 8 * (b * per_band + t))
                if xxh3_64(data) != stored:
                    raise checksum_error(self.error_at(at, "matrix '%s' tile %d checksum mismatch [MX7]"
                                                       % (m["name"], b * per_band + t)))
                tiles.append(data)
            for i in range(rb):
                row = []
                for c in range(cols):
                    t, j = divmod(c, tc)
                    raw = tiles[t][(i * tc + j) * w:(i * tc + j + 1) * w]
                    (pattern,) = bits.unpack(raw)
                    if m["null"] is not None and pattern == m["null"]:
                        row.append(None)
                    elif m["type"] == 10:
                        row.append("f32:%08x" % pattern)
                    elif m["type"] == 11:
                        row.append("f64:%016x" % pattern)
                    else:
                        row.append(cell.unpack(raw)[0])
                out.append(row)
        return out

    # ---- the canonical JSON ----------------------------------------------

    def canonical(self):
        self.open_container()
        self.open_sequence_set()
        doc = {"version": "%d.%d" % (self.major, self.minor),
               "byte_order": self.byte_order,
               "sequences": []}
        if self.has_sequences:
            self.canonical_sequences(doc)
        tables = self.open_tables()
        if tables:
            doc["tables"] = [{
                "name": t.name,
                "row_count": t.row_count,
                "columns": [{"name": c.name, "type": c.type_name, "nullable": c.nullable} for c in t.columns],
                "indexes": [[t.columns[k].name for k in keys] for keys in t.indexes],
                "rows": self.table_rows(t),
            } for t in tables]
        targets = self.open_targets()
        if targets:
            doc["index_targets"] = targets
        matrices = self.open_matrices(tables)
        if matrices:
            doc["matrices"] = [{
                "name": m["name"],
                "type": COLUMN_TYPES[m["type"]][0],
                "tile_rows": m["tr"],
                "tile_cols": m["tc"],
                "row_names": [r[0] for r in self.table_rows(m["row_table"])],
                "col_names": [r[0] for r in self.table_rows(m["col_table"])],
                "values": self.matrix_values(m),
            } for m in matrices]
        return doc

    def canonical_sequences(self, doc):
        refget_present = bool(self.index_flags & 1)                 # §6, flags bit 0
        for i in range(self.sequence_count):
            r = self.record(i)                                      # step 22
            h = self.header_line(r)
            name_end = r.name_start + r.name_len
            description = h[name_end + 1:] if name_end < r.header_len else b""
            letters = self.read_bases(r, 0, r.length)               # steps 23, §6.5
            doc["sequences"].append({
                "name": h[r.name_start:name_end].decode("utf-8", "replace"),
                "header": h.decode("utf-8", "replace"),
                "description": description.decode("utf-8", "replace"),
                "length": r.length,
                "line_width": r.line_width,
                "crlf": bool(r.flags & 2),
                "final_newline": not (r.flags & 1),
                "blank_lines": r.blank_lines,
                "n_count": r.n_count,
                "masks": [[s, e] for s, e in self.mask_runs(r)],
                "md5": r.md5.hex(),
                "refget": ("SQ." + base64.urlsafe_b64encode(r.refget).decode("ascii").rstrip("="))
                          if refget_present else None,
                "sequence": letters.decode("ascii"),
            })
        self.verify_all_blocks()


def main(argv):
    args = argv[1:]
    reference = None
    if len(args) == 3 and args[0] == "--reference":
        reference, args = args[1], args[2:]
    if len(args) != 1:
        sys.stderr.write("usage: tribit_reader.py [--reference REF.tbit] FILE\n")
        return 64
    path = args[0]
    reader = None
    try:
        reader = TribitReader(path, reference)
        doc = reader.canonical()
    except TribitError as err:
        print(json.dumps({"error": err.error_class, "message": err.message}))
        return 2
    except OSError as err:
        print(json.dumps({"error": "format", "message": "%s: cannot read: %s" % (path, err.strerror or err)}))
        return 2
    except Exception as err:  # noqa: BLE001 - hostile input must never crash the reader
        print(json.dumps({"error": "format", "message": "%s: malformed file (%s: %s)"
                          % (path, type(err).__name__, err)}))
        return 2
    finally:
        if reader is not None:
            try:
                reader.close()
            except Exception:  # noqa: BLE001
                pass
    print(json.dumps(doc, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
