"""Many tribit files as one dataset on Dask.

``read_table`` gives a dask DataFrame whose partitions are (file, row
range) pairs; equality and IN filters are answered inside each partition
by that file's persisted hash indexes (``Table.select``), not by a scan.
``read_matrix`` gives a dask Array whose chunks follow the stored tiles'
bands, with the files stacked by rows in the order of their first row
names (shards by row-name ranges, as run IDs of one study are neighbours).

Both work on a local scheduler or on a cluster; point Dask at one with
``distributed.Client("tcp://scheduler:8786")`` before computing. Workers
open the files by path, so the paths must be readable on every worker.
"""

import glob as _glob
import os

import numpy as np

__all__ = ["read_table", "read_matrix"]

#: Rows per partition of ``read_table`` (a file smaller than this is one partition).
PARTITION_ROWS = 4_000_000


def _only(path, name, members, what, plural):
    """`name`, or the file's only member when `name` is None."""
    if name is not None:
        return name
    names = list(members)
    if len(names) != 1:
        raise ValueError(f"{path}: name the {what} ({plural}: {names})")
    return names[0]


def _paths(paths_or_glob):
    if isinstance(paths_or_glob, (str, os.PathLike)):
        p = os.fspath(paths_or_glob)
        found = sorted(_glob.glob(p)) if any(c in p for c in "*?[") else [p]
    else:
        found = [os.fspath(p) for p in paths_or_glob]
    if not found:
        raise FileNotFoundError(f"no tribit file matches {paths_or_glob!r}")
    return found


def _conditions(filters):
    """pyarrow/Dask style filters [(col, op, value)] as Table.select keywords."""
    out = {}
    for col, op, value in filters or []:
        if op in ("=", "=="):
            values = [value]
        elif op == "in":
            values = list(value)
        else:
            raise ValueError(f"filter ({col!r}, {op!r}, ...): only '==' and 'in' are supported")
        if col in out:
            keep = set(values)
            out[col] = [v for v in out[col] if v in keep]
        else:
            out[col] = values
    return out


def _table_partition(path, table, columns, start, stop, conditions):
    import tribit

    t = tribit.File(path).tables[table]
    if conditions:
        rows = np.asarray(t.select(**conditions), dtype=np.uint64)
        rows = rows[(rows >= start) & (rows < stop)]
    else:
        rows = np.arange(start, stop, dtype=np.uint64)
    return t.to_pandas(columns=columns, rows=rows).reset_index(drop=True)


def read_table(paths_or_glob, table=None, columns=None, filters=None, partition_rows=PARTITION_ROWS):
    """A dask DataFrame of table ``table`` (the file's only table if None)
    over every file of ``paths_or_glob``; ``filters`` as pyarrow's
    ``[("PATIENT_ID", "in", [...]), ("GENE_SYMBOL", "==", "TP53")]``."""
    import dask.dataframe as dd
    from dask import delayed

    import tribit

    paths = _paths(paths_or_glob)
    conditions = _conditions(filters)
    parts, meta = [], None
    for p in paths:
        f = tribit.File(p)
        name = _only(p, table, f.tables, "table", "tables")
        t = f.tables[name]
        if meta is None:
            meta = t.to_pandas(columns=columns, rows=np.zeros(0, dtype=np.uint64)).iloc[:0]
        n = len(t)
        for start in range(0, max(n, 1), partition_rows):
            parts.append(delayed(_table_partition)(p, name, columns, start, min(n, start + partition_rows),
                                                   conditions))
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _matrix_block(path, name, r0, r1, c0, c1):
    import tribit

    m = tribit.File(path).matrices[name]
    return np.array(m.read(range(r0, r1), range(c0, c1)))


def read_matrix(paths_or_glob, name=None):
    """A dask Array stacking the matrix ``name`` of every file by rows
    (files ordered by their first row name); every file must have the same
    columns in the same order. Chunks are whole bands of the stored tiles
    (a multiple of tile_rows rows) by all columns. Returns (array,
    row_names, col_names)."""
    import dask.array as da
    from dask import delayed

    import tribit

    shards = []
    for p in _paths(paths_or_glob):
        f = tribit.File(p)
        n = _only(p, name, f.matrices, "matrix", "matrices")
        m = f.matrices[n]
        rows = m.row_names
        shards.append((rows[0] if rows else "", p, n, m, rows))
    shards.sort(key=lambda s: s[0])
    cols = shards[0][3].col_names
    blocks, row_names = [], []
    for _, p, n, m, rows in shards:
        if m.col_names != cols:
            raise ValueError(f"{p}: matrix '{n}' has other columns than {shards[0][1]}")
        nr, nc = m.shape
        step = max(m.tile_shape[0], (64 << 20) // max(1, nc * m.dtype.itemsize) // m.tile_shape[0] * m.tile_shape[0])
        for r0 in range(0, nr, step):
            r1 = min(nr, r0 + step)
            blocks.append(da.from_delayed(delayed(_matrix_block)(p, n, r0, r1, 0, nc), shape=(r1 - r0, nc),
                                          dtype=m.dtype))
        row_names.extend(rows)
    return da.concatenate(blocks, axis=0), row_names, cols
