"""RFM summaries (frequency, recency, T, monetary value) from a transaction log.

``rfm_summary`` is the counterpart of lifetimes' ``summary_data_from_transaction_data``
and ``calibration_and_holdout_data``, with the same definitions, so that
numbers can be compared; the work is done in C (crvm/rfm.h) in one pass over
the log.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import lowlevel as _ll

__all__ = ["rfm_summary", "summary_data_from_transaction_data", "calibration_and_holdout_data"]

_NS = {
    "D": 86_400 * 10**9,
    "h": 3_600 * 10**9,
    "H": 3_600 * 10**9,
    "min": 60 * 10**9,
    "T": 60 * 10**9,
    "s": 10**9,
    "S": 10**9,
    "W": 7 * 86_400 * 10**9,
}
# Calendar weeks as pandas' 'W' (= 'W-SUN'): Monday..Sunday. 1970-01-05,
# four days after the epoch, is a Monday.
_WEEK_OFFSET_NS = 4 * 86_400 * 10**9


def _coordinates(ns: np.ndarray, unit: str) -> np.ndarray:
    """Map int64 nanoseconds since the epoch to 'period ordinal + fraction of
    the period elapsed', exactly: floor() of the result is the period, and
    the map is non-decreasing, so comparisons with the period ends keep
    their meaning (to within a microsecond)."""
    if unit in _NS:
        width = _NS[unit]
        offset = _WEEK_OFFSET_NS if unit == "W" else 0
        q, r = np.divmod(ns - offset if offset else ns, width)
        coord = r.astype(np.float64)
        coord /= width
        q = q.astype(np.float64)
        coord += q
        # In place: at 10^7 transactions each temporary is 80 MB of fresh pages.
        upper = q + 1.0
        np.nextafter(upper, q, out=upper)
        return np.minimum(coord, upper, out=coord)
    elif unit in ("M", "Q", "Y", "A"):
        dt = ns.view("datetime64[ns]")
        if unit == "M":
            start = dt.astype("datetime64[M]")
            q = start.astype(np.int64)
            nxt = start + np.timedelta64(1, "M")
        elif unit == "Q":
            months = dt.astype("datetime64[M]").astype(np.int64)
            q = np.floor_divide(months, 3)
            start = (q * 3).astype("datetime64[M]")
            nxt = (q * 3 + 3).astype("datetime64[M]")
        else:
            start = dt.astype("datetime64[Y]")
            q = start.astype(np.int64)
            nxt = start + np.timedelta64(1, "Y")
        s = start.astype("datetime64[ns]").view(np.int64)
        e = nxt.astype("datetime64[ns]").view(np.int64)
        q = q.astype(np.float64)
        coord = q + (ns - s) / (e - s)
    else:
        raise ValueError(
            f"unit={unit!r}: expected one of 'D', 'W', 'h', 'min', 's', 'M', 'Q', 'Y'")
    # A fraction that rounds up to 1 would move a time into the next period.
    return np.minimum(coord, np.nextafter(q + 1.0, q))


def _as_ns(values, name: str) -> np.ndarray:
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        # Already naive datetimes: to_datetime's cache check alone would
        # iterate over every value.
        arr = np.asarray(values).astype("datetime64[ns]", copy=False)
        if np.isnat(arr).any():
            i = int(np.flatnonzero(np.isnat(arr))[0])
            raise ValueError(f"{name}[{i}] is missing (NaT)")
        return arr.view(np.int64)
    arr = pd.to_datetime(values)
    if getattr(arr, "tz", None) is not None:
        arr = arr.tz_convert("UTC").tz_localize(None)
    arr = np.asarray(arr, dtype="datetime64[ns]")
    if np.isnat(arr).any():
        i = int(np.flatnonzero(np.isnat(arr))[0])
        raise ValueError(f"{name}[{i}] is missing (NaT)")
    return arr.view(np.int64)


def _scalar_ns(value, name: str) -> int:
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        raise ValueError(f"{name} is missing (NaT)")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return int(ts.as_unit("ns").value)


def _customer_codes(ids: pd.Series, name: str):
    """int64 codes 0..n-1 of the customer ids and the ids in code order,
    ascending. Integer ids that span at most about twice their count are
    their own codes (id - smallest id): no hashing and no sort; an id of the
    span without transactions gets no row, as the summary drops customers
    without transactions anyway. Other ids: pandas' factorize, sorted."""
    values = ids.to_numpy()
    if values.dtype.kind in "iu" and values.dtype.itemsize <= 8 and len(values) > 0:
        lo, hi = int(values.min()), int(values.max())
        span = hi - lo + 1
        if span <= 2 * len(values) + 1024:
            codes = values.astype(np.int64)
            codes -= lo
            uniques = (np.arange(span, dtype=np.int64) + lo).astype(values.dtype)
            return codes, uniques
    if ids.isna().any():
        i = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise ValueError(f"{name}[{i}] is missing")
    codes, uniques = pd.factorize(ids, sort=True)
    return np.ascontiguousarray(codes, dtype=np.int64), uniques


def _looks_like_yyyymmdd(values: np.ndarray) -> bool:
    """Whole numbers that all read as valid dates YYYYMMDD (1900..2199)."""
    v = values[np.isfinite(values)]
    if len(v) == 0 or (v != np.floor(v)).any() or v.min() < 19000101 or v.max() > 21991231:
        return False
    year, rest = np.divmod(v.astype(np.int64), 10000)
    month, day = np.divmod(rest, 100)
    return bool(((month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)).all())


def rfm_summary(transactions: pd.DataFrame, customer_col: str, time_col: str,
                monetary_col: str | None = None, observation_end=None,
                calibration_end=None, unit="D", unit_multiplier: float = 1,
                include_first: bool = False, after_end: str = "exclude",
                datetime_format: str | None = None) -> pd.DataFrame:
    """Per-customer RFM summary of a transaction log.

    Parameters
    ----------
    transactions : DataFrame with one row per transaction.
    customer_col, time_col : column names of the customer id and of the time
        (datetimes, or numbers already in periods).
    monetary_col : optional column of amounts (>= 0).
    observation_end : end of observation (default: the latest transaction).
        Without ``calibration_end`` the whole period (day, week, ...)
        containing it is observed; with ``calibration_end`` it is an exact
        instant, inclusive (both as lifetimes does). Transactions after the
        end are excluded and counted in
        ``result.attrs["n_excluded"]`` (``after_end="exclude"``, as lifetimes
        does), or raise (``after_end="error"``).
    calibration_end : optional end of the calibration period, inclusive:
        returns calibration and holdout columns (lifetimes'
        ``calibration_and_holdout_data``).
    unit : the period (lifetimes' ``freq``): 'D', 'W' (calendar weeks Monday
        to Sunday), 'h', 'min', 's', 'M', 'Q', 'Y'. All transactions of a
        customer in one period are one purchase. For a numeric time column,
        a number: the width of a period in the column's unit ('D' means 1).
    unit_multiplier : recency and T are reported in periods divided by this
        (lifetimes' ``freq_multiplier``; e.g. unit='D', unit_multiplier=7
        gives weeks with daily resolution).
    include_first : count the first purchase in frequency and monetary value.
    datetime_format : strptime format of a time column of text or integers
        (e.g. '%Y%m%d'); parsed as dates. A numeric column whose every value
        reads as a YYYYMMDD date is refused unless this or a numeric
        ``unit`` says how to read it (it would otherwise count days as
        numbers: 20240131 and 20240201 would be 70 days apart).

    Returns
    -------
    DataFrame indexed by customer (sorted), with columns frequency, recency,
    T [, monetary_value]; with ``calibration_end``: frequency_cal,
    recency_cal, T_cal [, monetary_value_cal], frequency_holdout
    [, monetary_value_holdout], duration_holdout. Customers without any
    transaction in the calibration period are left out.

    Example::

        s = crvm.rfm_summary(tx, "customer_id", "date", "amount", observation_end="2024-12-31")
    """
    if after_end not in ("exclude", "error"):
        raise ValueError(f"after_end={after_end!r}: expected 'exclude' or 'error'")
    for col in (customer_col, time_col) + ((monetary_col,) if monetary_col else ()):
        if col not in transactions.columns:
            raise KeyError(f"column {col!r} not in transactions")
    codes, uniques = _customer_codes(transactions[customer_col], customer_col)
    n_customers = len(uniques)

    opt = _ll.crvm_rfm_options()
    _ll.crvm_rfm_options_init(opt)
    raw_time = transactions[time_col]
    if datetime_format is not None:
        raw_time = pd.to_datetime(raw_time.astype(str), format=datetime_format)
    elif raw_time.dtype == object:
        try:
            numbers = pd.to_numeric(raw_time)
        except (TypeError, ValueError):
            numbers = None
        if numbers is None:
            try:
                raw_time = pd.to_datetime(raw_time)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"column {time_col!r}: neither dates nor numbers ({exc}); "
                                 "pass datetime_format= for dates in another format") from None
    numeric = pd.api.types.is_numeric_dtype(raw_time) and not pd.api.types.is_bool_dtype(raw_time)
    if numeric and isinstance(unit, str) and _looks_like_yyyymmdd(
            raw_time.to_numpy(dtype=np.float64)):
        raise ValueError(f"column {time_col!r} holds integers that read as YYYYMMDD dates (e.g. "
                         f"{int(raw_time.iloc[0])}): pass datetime_format='%Y%m%d' to read them "
                         "as dates, or unit=<period width> to use them as numbers")
    if numeric:
        if isinstance(unit, str):
            if unit != "D":
                raise TypeError(f"unit={unit!r}: for a numeric time column give the period "
                                "width as a number")
            unit = 1.0
        width = float(unit)
        times = np.ascontiguousarray(raw_time.to_numpy(dtype=np.float64))

        def end_value(value, name):
            return float(value)
    else:
        width = 1.0
        times = np.ascontiguousarray(_coordinates(_as_ns(raw_time, time_col), unit))

        def end_value(value, name):
            return float(_coordinates(np.array([_scalar_ns(value, name)], dtype=np.int64),
                                      unit)[0])
    opt.period = width
    opt.unit = width * float(unit_multiplier)
    opt.include_first = int(bool(include_first))
    opt.late = _ll.CRVM_RFM_LATE_EXCLUDE if after_end == "exclude" else _ll.CRVM_RFM_LATE_ERROR
    if observation_end is not None:
        end = end_value(observation_end, "observation_end")
        if calibration_end is None:
            # As lifetimes' summary_data_from_transaction_data: the whole
            # period containing observation_end is observed. (With a
            # calibration split both ends are exact instants, as in its
            # calibration_and_holdout_data.)
            k = np.floor((end - opt.origin) / width)
            end = float(np.nextafter(opt.origin + (k + 1.0) * width, -np.inf))
        opt.has_observation_end = 1
        opt.observation_end = end
    if calibration_end is not None:
        opt.has_calibration_end = 1
        opt.calibration_end = end_value(calibration_end, "calibration_end")

    amount = None
    if monetary_col is not None:
        from ._columns import number_column  # noqa: PLC0415

        amount = number_column(transactions[monetary_col], monetary_col)
    empty = np.empty(0)
    frequency = np.empty(n_customers)
    recency = np.empty(n_customers)
    T = np.empty(n_customers)
    monetary = np.empty(n_customers) if amount is not None else empty
    holdout = calibration_end is not None
    freq_h = np.empty(n_customers) if holdout else empty
    mon_h = np.empty(n_customers) if holdout and amount is not None else empty
    n_tx = np.empty(n_customers, dtype=np.int64)
    info = _ll.crvm_rfm_info()
    _ll.crvm_rfm_summary_arrays(codes, times, amount, opt, frequency, recency, T, monetary,
                                freq_h, mon_h, n_tx, info)

    keep = n_tx > 0
    index = pd.Index(uniques, name=customer_col)[keep]
    suffix = "_cal" if holdout else ""
    data = {"frequency" + suffix: frequency[keep], "recency" + suffix: recency[keep],
            "T" + suffix: T[keep]}
    if amount is not None:
        data["monetary_value" + suffix] = monetary[keep]
    if holdout:
        data["frequency_holdout"] = freq_h[keep]
        if amount is not None:
            data["monetary_value_holdout"] = mon_h[keep]
        data["duration_holdout"] = np.full(int(keep.sum()), info.duration_holdout)
    out = pd.DataFrame(data, index=index)
    out.attrs["n_excluded"] = int(info.n_excluded)
    out.attrs["n_calibration"] = int(info.n_calibration)
    out.attrs["n_holdout"] = int(info.n_holdout)
    return out


def summary_data_from_transaction_data(transactions: pd.DataFrame, customer_id_col: str,
                                       datetime_col: str, monetary_value_col: str | None = None,
                                       datetime_format: str | None = None,
                                       observation_period_end=None, freq: str = "D",
                                       freq_multiplier: float = 1,
                                       include_first_transaction: bool = False) -> pd.DataFrame:
    """lifetimes' name and keywords of :func:`rfm_summary` (same numbers).

    Example::

        summary = crvm.summary_data_from_transaction_data(tx, "id", "date",
                                                          observation_period_end="2014-12-31")
    """
    return rfm_summary(transactions, customer_id_col, datetime_col, monetary_value_col,
                       observation_end=observation_period_end, unit=freq,
                       unit_multiplier=freq_multiplier, include_first=include_first_transaction,
                       datetime_format=datetime_format)


def calibration_and_holdout_data(transactions: pd.DataFrame, customer_id_col: str,
                                 datetime_col: str, calibration_period_end,
                                 observation_period_end=None, freq: str = "D",
                                 freq_multiplier: float = 1, datetime_format: str | None = None,
                                 monetary_value_col: str | None = None,
                                 include_first_transaction: bool = False) -> pd.DataFrame:
    """lifetimes' name and keywords of :func:`rfm_summary` with a
    calibration split (columns frequency_cal ... duration_holdout).

    Example::

        cal = crvm.calibration_and_holdout_data(tx, "id", "date", "2014-09-01", "2014-12-31")
    """
    if observation_period_end is None:
        dates = transactions[datetime_col]
        observation_period_end = (pd.to_datetime(dates.astype(str), format=datetime_format).max()
                                  if datetime_format else dates.max())
    return rfm_summary(transactions, customer_id_col, datetime_col, monetary_value_col,
                       observation_end=observation_period_end,
                       calibration_end=calibration_period_end, unit=freq,
                       unit_multiplier=freq_multiplier, include_first=include_first_transaction,
                       datetime_format=datetime_format)
