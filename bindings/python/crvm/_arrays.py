"""Argument conversion shared by the pythonic wrappers.

The C functions take contiguous buffers; these helpers turn scalars, lists,
numpy arrays and pandas Series into such arrays without copying when the
layout already fits, and give Python-level errors that name the argument.
"""

from __future__ import annotations

import numpy as np


def as_float_array(values, name: str, allow_none: bool = False):
    """1-D contiguous float64 view (or copy) of ``values``; None passes if allowed."""
    if values is None:
        if allow_none:
            return None
        raise TypeError(f"{name}: a value is required")
    arr = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    return arr


def as_int_array(values, name: str, dtype=np.int32, allow_none: bool = False):
    """1-D contiguous integer array; rejects non-integral floats instead of truncating."""
    if values is None:
        if allow_none:
            return None
        raise TypeError(f"{name}: a value is required")
    raw = np.asarray(values)
    if raw.ndim == 0:
        raw = raw.reshape(1)
    if raw.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {raw.shape}")
    if raw.dtype.kind == "b":
        raw = raw.astype(dtype)
    elif raw.dtype.kind == "f":
        bad = ~np.isfinite(raw) | (raw != np.round(raw))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name}[{i}] = {float(raw[i])!r}: expected a whole number")
    elif raw.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integers, got dtype {raw.dtype}")
    info = np.iinfo(dtype)
    if raw.size and (raw.min() < info.min or raw.max() > info.max):
        raise ValueError(f"{name}: values outside the range of {np.dtype(dtype).name}")
    return np.ascontiguousarray(raw, dtype=dtype)


def as_matrix(values, name: str):
    """2-D C-contiguous float64 array (rows x columns)."""
    arr = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array, got shape {arr.shape}")
    return arr


def is_scalar(values) -> bool:
    """True for a Python or numpy scalar (so results can be returned as scalars)."""
    # a Python number first: np.ndim converts it to an array, which costs ~40
    # us of a prediction call of 10^4 rows when numpy's code is cold
    return isinstance(values, (float, int)) or np.ndim(values) == 0


def scalar_or_array(result, like):
    """Return ``result[0]`` as a float when the caller passed a scalar."""
    if is_scalar(like):
        return float(result[0])
    return result
