#!/usr/bin/env python3
"""A deliberately tiny, partial tribit reader: the file header only.

    python3 conformance/python/tiny_reader.py FILE

It is the "new user with a partial reader" of conformance/README.md: run the
conformance suite with it to see what a reader that only implements the
64-byte file header (SPEC §2) passes and fails.

It checks the magic, the byte-order signature, the major version, the
header checksum and file_len (§2.4 steps 1, 2, 3, 5, 6 and 8), then looks
at the kinds in the directory. A file with any section of the sequence set
(kinds 0x0101-0x0108) gets

    {"error": "unsupported", "message": "tiny reader: sequences not implemented"}

and exit status 2; any other file gets the canonical JSON with an empty
sequence list. Nothing else of §2.4 is checked.

Needs the `xxhash` package from PyPI for xxh3-64 (pip install xxhash).
"""

import json
import struct
import sys

import xxhash

MAGIC = b"\x89TBT\r\n\x1a\n"
SEQUENCE_KINDS = range(0x0101, 0x0109)


class Failure(Exception):
    def __init__(self, error_class, message):
        super().__init__(message)
        self.error_class, self.message = error_class, message


def read_header(data):
    if len(data) < 64:                                          # step 1
        raise Failure("format", "truncated or not a tribit file")
    if data[0:8] != MAGIC:                                      # step 2
        raise Failure("format", "not a tribit file")
    signature = data[8:12]                                      # step 3, §2.2
    if signature == b"\x3d\x2c\x1b\x0a":
        order, byte_order = "<", "little"
    elif signature == b"\x0a\x1b\x2c\x3d":
        order, byte_order = ">", "big"
    else:
        raise Failure("format", "bad byte-order signature")
    (major, minor, _header_len, _flags, file_len, directory_offset, directory_count,
     directory_entry_len, _directory_checksum, header_checksum) = struct.unpack(order + "HHIIQQIIQQ", data[12:64])
    if major != 1:                                              # step 5
        raise Failure("unsupported", "major version %d" % major)
    if xxhash.xxh3_64_intdigest(data[0:56]) != header_checksum:  # step 6
        raise Failure("checksum", "header checksum mismatch")
    if file_len != len(data):                                   # step 8
        raise Failure("format", "file_len %d, but the file has %d bytes" % (file_len, len(data)))
    # Not a check of §2.4: just enough of the directory to see whether the
    # file has sequences, without reading outside the file.
    end = directory_offset + directory_count * max(directory_entry_len, 4)
    if end > len(data):
        raise Failure("format", "directory outside the file")
    for e in range(directory_count):
        (kind,) = struct.unpack_from(order + "I", data, directory_offset + e * directory_entry_len)
        if kind in SEQUENCE_KINDS:
            raise Failure("unsupported", "tiny reader: sequences not implemented")
    return {"version": "%d.%d" % (major, minor), "byte_order": byte_order, "sequences": []}


def main(argv):
    try:
        with open(argv[1], "rb") as f:
            doc = read_header(f.read())
    except Failure as failure:
        print(json.dumps({"error": failure.error_class, "message": failure.message}))
        return 2
    except Exception as err:  # noqa: BLE001 - never a traceback
        print(json.dumps({"error": "format", "message": "%s: %s" % (type(err).__name__, err)}))
        return 2
    print(json.dumps(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
