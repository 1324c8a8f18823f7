"""The exceptions raised by tribit: one class per kind of the Rust
``tribit::ErrorKind``, each carrying the same message.

Each also derives from the built-in exception a Python caller would expect
(``NotFoundError`` is a ``KeyError``, ``RangeError`` an ``IndexError``,
``InputError`` a ``ValueError``, ``IoError`` an ``OSError``), so code written
for dicts, lists and files catches them too.

Attributes: ``message`` (without file, location or rule), ``path`` (the
file, if known), ``offset`` (byte offset in a tribit file), ``line`` (line
of a text input) and ``rule`` (the SPEC.md rule label the bytes break, such
as ``"T9"``), each None when unknown.
"""


class Error(Exception):
    """Base class of every tribit error."""

    message = None
    path = None
    offset = None
    line = None
    rule = None

    def __str__(self):
        return self.args[0] if self.args else ""


class IoError(Error, OSError):
    """Reading or writing a file failed."""


class FormatError(Error, ValueError):
    """The bytes of a tribit file break a rule of SPEC.md."""


class ChecksumError(FormatError):
    """A stored checksum does not match the bytes it covers."""


class UnsupportedError(Error, NotImplementedError):
    """The file uses something this reader does not implement."""


class InputError(Error, ValueError):
    """Input text (FASTA, CSV, region strings, arguments) is malformed."""


class NotFoundError(Error, KeyError):
    """A named sequence, table or column does not exist."""


class MismatchError(Error, ValueError):
    """An index file does not belong to the table it is used with: the
    table is missing, or changed since the index was built (SPEC 8.8)."""


class RangeError(Error, IndexError):
    """Coordinates or row numbers lie outside a sequence or table."""
