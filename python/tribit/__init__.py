"""tribit: read tribit genomic files from Python.

>>> import tribit
>>> f = tribit.open("genome.tbit")             # doctest: +SKIP
>>> f["chr1"][1000:1100]                       # doctest: +SKIP
>>> t = f.tables["expr"]                       # doctest: +SKIP
>>> t.to_pandas(rows=t.select(GENE_SYMBOL="TP53"))   # doctest: +SKIP

A ``File`` is memory-mapped and verified once when opened; it is safe to
share between threads, and it pickles by path (multiprocessing, Dask).
"""

from ._errors import (
    ChecksumError,
    Error,
    FormatError,
    InputError,
    IoError,
    MismatchError,
    NotFoundError,
    RangeError,
    UnsupportedError,
)
from ._tribit import (
    ArrowStream,
    File,
    Record,
    Table,
    Tables,
    import_csv,
    import_fasta,
    reverse_complement,
    validate,
)
from .matrix import Matrix

__all__ = [
    "ArrowStream",
    "ChecksumError",
    "Error",
    "File",
    "FormatError",
    "InputError",
    "Matrix",
    "IoError",
    "MismatchError",
    "NotFoundError",
    "RangeError",
    "Record",
    "Table",
    "Tables",
    "UnsupportedError",
    "import_csv",
    "import_fasta",
    "open",
    "reverse_complement",
    "validate",
]


def open(path, index_files=None, reference=None):  # noqa: A001 - the name users expect, as tribit.open(path)
    """Opens the tribit file at ``path`` (memory-mapped). ``index_files``:
    paths of index files (``tribit index add --index-file``) whose indexes
    answer ``select`` too; a table changed since they were built raises
    ``MismatchError`` here. ``reference``: for a reference-escaped file
    (``tribit import fasta --reference``), the reference to read escaped
    bases from instead of the path recorded in the file; a different
    reference raises ``MismatchError``, a missing one ``NotFoundError``."""
    return File(path, index_files, reference)
