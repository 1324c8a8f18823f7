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


def open(path):  # noqa: A001 - the name users expect, as tribit.open(path)
    """Opens the tribit file at ``path`` (memory-mapped)."""
    return File(path)
