"""Dense matrices (SPEC §8.9) as numpy, pandas and xarray.

>>> m = tribit.open("expr.tbit").matrices["expr"]          # doctest: +SKIP
>>> m.loc[["SRR1", "SRR2"], ["TP53"]]                      # doctest: +SKIP
array([[1.5], [3.0]], dtype=float32)

Rows and columns are chosen by name (a str or a list of them, found through
the hash indexes of the matrix's name tables), by position (int, list of
ints, slice) with ``.iloc``, or all of them with ``:``. The result is a
new numpy array that the reader filled: cells are gathered from tiles, so
it is a copy of the selected cells, never of the matrix.
Null cells of a float matrix are NaN; ``null_value`` gives the stored
pattern (for integer matrices ``to_pandas`` turns them into ``<NA>``).
"""

import numpy as np

__all__ = ["Matrix"]


def _positions(key, n, lookup, by_name):
    if isinstance(key, slice):
        if by_name and (key.start is not None or key.stop is not None):
            start = 0 if key.start is None else lookup([key.start])[0]
            stop = n if key.stop is None else lookup([key.stop])[0] + 1   # label slices include the end
            return list(range(start, stop, key.step or 1))
        return np.arange(n, dtype=np.uint64)[key]
    if by_name:
        if isinstance(key, str):
            return lookup([key])
        return lookup([str(k) for k in key])
    if isinstance(key, (int, np.integer)):
        return [int(key) + n if key < 0 else int(key)]
    out = np.asarray(key, dtype=np.int64).ravel()
    return np.where(out < 0, out + n, out)


class _Indexer:
    def __init__(self, m, by_name):
        self._m, self._by_name = m, by_name

    def __getitem__(self, key):
        rows, cols = key if isinstance(key, tuple) else (key, slice(None))
        return self._m._read(rows, cols, self._by_name)


class Matrix:
    """One matrix of a tribit file; see the module documentation."""

    def __init__(self, raw):
        self._raw = raw

    @property
    def name(self):
        return self._raw.name

    @property
    def shape(self):
        return tuple(self._raw.shape)

    @property
    def dtype(self):
        return np.dtype(self._raw.dtype)

    @property
    def null_value(self):
        return self._raw.null_value

    @property
    def tile_shape(self):
        return tuple(self._raw.tile_shape)

    @property
    def row_names(self):
        return self._raw.row_names()

    @property
    def col_names(self):
        return self._raw.col_names()

    @property
    def loc(self):
        """Select by names: ``m.loc[rows, cols]``."""
        return _Indexer(self, True)

    @property
    def iloc(self):
        """Select by positions: ``m.iloc[rows, cols]``."""
        return _Indexer(self, False)

    def row_positions(self, names):
        return self._raw.row_positions(list(names))

    def col_positions(self, names):
        return self._raw.col_positions(list(names))

    def _read(self, rows, cols, by_name):
        nr, nc = self.shape
        r = _positions(rows, nr, self._raw.row_positions, by_name)
        c = _positions(cols, nc, self._raw.col_positions, by_name)
        return self.read(r, c)

    def read(self, rows, cols):
        """Cells of positions ``rows`` x ``cols`` as a 2-D numpy array."""
        rows = np.ascontiguousarray(rows, dtype=np.uint64).ravel()
        cols = np.ascontiguousarray(cols, dtype=np.uint64).ravel()
        return self._raw.read(rows, cols).view(self.dtype).reshape(len(rows), len(cols))

    def to_numpy(self):
        return self.iloc[:, :]

    def _null_mask(self, a):
        if self.null_value is None or a.dtype.kind == "f":
            return None
        return a.view(np.dtype("u%d" % a.dtype.itemsize)) == np.uint64(self.null_value)

    def to_pandas(self, rows=None, cols=None):
        """A DataFrame indexed by row names with the column names (all of
        them unless ``rows``/``cols`` name some)."""
        import pandas as pd

        rows = self.row_names if rows is None else list(rows)
        cols = self.col_names if cols is None else list(cols)
        a = self.loc[rows, cols]
        mask = self._null_mask(a)
        df = pd.DataFrame(a, index=pd.Index(rows, name=self.name + ":rows"), columns=cols, copy=False)
        if mask is not None and mask.any():
            nullable = ("UInt" if a.dtype.kind == "u" else "Int") + str(a.dtype.itemsize * 8)
            df = df.astype(nullable).mask(mask)
        return df

    def to_xarray(self, rows=None, cols=None):
        """A labelled ``xarray.DataArray`` (needs xarray installed)."""
        import xarray as xr

        rows = self.row_names if rows is None else list(rows)
        cols = self.col_names if cols is None else list(cols)
        return xr.DataArray(self.loc[rows, cols], coords={"row": rows, "col": cols}, dims=("row", "col"),
                            name=self.name)

    def __repr__(self):
        return "tribit.Matrix(%r, shape=%r, dtype=%s)" % (self.name, self.shape, self.dtype)
