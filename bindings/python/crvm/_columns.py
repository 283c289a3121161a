"""Per-customer input columns: pandas objects aligned by index, errors that
name the column, and results keyed like the input.

Rules (the same for every model):

* pandas Series are aligned by their index: the first Series gives the
  customers and their order, every other Series must hold the same labels
  (in any order); numpy arrays and lists are taken by position and must have
  as many rows.
* A scalar among arrays is refused rather than broadcast: a scalar ``T``
  beside an array ``frequency`` is almost always a mistake (pass
  ``np.full(n, T)`` if every customer really has the same age). All scalars
  give a scalar result.
* A value that is not a number is reported with its column and row.
* Results: a float for scalar input, a Series with the caller's index when a
  Series came in, else a numpy array.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

__all__ = ["FittedData", "customer_columns", "keyed", "number_column"]

_FLOAT64 = np.dtype(np.float64)  # numpy's native float64 descriptor (a singleton)


def number_column(values: Any, name: str) -> np.ndarray:
    """1-D contiguous float64 array of ``values``; a value that is not a
    number raises ValueError naming the column and the row."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"column {name!r}: expected numbers, got a string")
    raw = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else values
    try:
        arr = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        obj = np.asarray(raw, dtype=object).reshape(-1)
        labels = values.index if isinstance(values, pd.Series) else range(len(obj))
        for label, v in zip(labels, obj):
            try:
                float(v)
            except (TypeError, ValueError):
                raise ValueError(f"column {name!r}: {v!r} (row {label!r}) is not a "
                                 "number") from None
        raise
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"column {name!r}: expected one value per customer (1-D), got shape "
                         f"{arr.shape}")
    return np.ascontiguousarray(arr)


def customer_columns(names: Sequence[str], values: Sequence[Any]):
    """Convert parallel per-customer columns.

    Returns (arrays, index, scalar): the float64 arrays in customer order,
    the pandas index of the customers (None when no Series came in) and
    whether every column was a scalar."""
    # the common case, contiguous float64 vectors of one length, as they are
    # (the general path below gives the same; this one only skips its
    # checks). Each test is the cheapest numpy offers (an identity against
    # the native float64 descriptor, the strides tuple): on a cold call of
    # 10^4 rows the flags object and a dtype comparison cost ~15 us.
    first = values[0] if values else None
    if (type(first) is np.ndarray
            and all(type(v) is np.ndarray and v.dtype is _FLOAT64 and v.strides == (8,)
                    and v.shape == first.shape for v in values)):
        return list(values), None, False
    scalars = [np.ndim(v) == 0 and not isinstance(v, (pd.Series, pd.DataFrame)) for v in values]
    if all(scalars):
        return [number_column(v, n) for n, v in zip(names, values)], None, True
    if any(scalars):
        s = names[scalars.index(True)]
        a = names[scalars.index(False)]
        n = len(values[scalars.index(False)])
        raise ValueError(f"{s} is a scalar but {a} has {n} rows: give one {s} per customer "
                         f"(np.full({n}, {s}) if they really share one value)")
    index = None
    for v in values:
        if isinstance(v, pd.Series):
            index = v.index
            break
    arrays = []
    for n, v in zip(names, values):
        if isinstance(v, pd.DataFrame):
            raise TypeError(f"{n}: expected one column (a Series), got a DataFrame")
        if isinstance(v, pd.Series) and index is not None and not v.index.equals(index):
            if not index.is_unique or not v.index.is_unique:
                raise ValueError(f"{n}: the index has duplicate customers, so it cannot be "
                                 "aligned with the other columns")
            missing = index.difference(v.index)
            extra = v.index.difference(index)
            if len(missing) or len(extra):
                which = missing if len(missing) else extra
                raise ValueError(f"{n}: its index does not hold the same customers as the "
                                 f"other columns ({len(missing)} missing, {len(extra)} extra, "
                                 f"e.g. {which[0]!r})")
            v = v.reindex(index)
        arr = number_column(v, n)
        if index is not None and len(arr) != len(index):
            raise ValueError(f"{n} has {len(arr)} rows but the other columns have {len(index)}")
        arrays.append(arr)
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        desc = ", ".join(f"{n} has {len(a)}" for n, a in zip(names, arrays))
        raise ValueError(f"the columns must have the same length: {desc}")
    return arrays, index, False


def keyed(out: np.ndarray, index, scalar: bool, name: str | None = None):
    """A float for scalar input, a Series on ``index`` when the input was
    keyed, else the array."""
    if scalar:
        return float(out[0])
    if index is not None:
        return pd.Series(out, index=index, name=name)
    return out


class FittedData:
    """Mixin: ``model.data``, the columns a model was fitted to, as a
    DataFrame built on first access. A fit keeps copies of its columns
    (``_keep_data``; later changes to the caller's arrays do not reach them)
    and builds no DataFrame: building one took most of a small fit's time
    (about 0.5 ms of a 0.7 ms Gamma-Gamma fit of 10^4 customers)."""

    _data = None
    _data_columns = None

    @property
    def data(self):
        """The fitted columns as a DataFrame (None before a fit)."""
        if self._data is None and self._data_columns is not None:
            columns, index = self._data_columns
            self._data = pd.DataFrame(columns, index=index, copy=False)
            self._data_columns = None
        return self._data

    @data.setter
    def data(self, value):
        self._data, self._data_columns = value, None

    def _keep_data(self, columns: dict, index) -> None:
        self._data = None
        self._data_columns = ({k: np.array(v, dtype=np.float64) for k, v in columns.items()},
                              index)
