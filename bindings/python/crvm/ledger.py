"""The customer ledger and the cost model, as pandas DataFrames in and out.

A :class:`Ledger` holds customers, revenue events, support contacts, knowledge
articles and knowledge uses keyed by your string ids (C: ``crvm/ledger.h``).
A :class:`CostModel` turns support activity into money by activity-based
costing (C: ``crvm/economics.h``); every assumption has a documented default
with its source (:meth:`CostModel.describe`).

Money is held as whole cents: every amount a method returns is the double
nearest a whole number of cents, and segment totals equal the sums of their
customers exactly (compare ``round(x * 100)``).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from typing import Iterable, Optional

import numpy as np
import pandas as pd

from . import lowlevel as _ll
from ._locks import RWLock, reads, writes

__all__ = ["Ledger", "CostModel", "DATE_NONE", "CONTACT_COLUMNS", "knowledge_estimate"]

#: "No date" in the C API (an active customer's end date, an open contact).
DATE_NONE = -(2 ** 31)  # CRVM_DATE_NONE = INT32_MIN
_DATE_MIN = int(_ll.CRVM_DATE_MIN)
_DATE_MAX = int(_ll.CRVM_DATE_MAX)
_EPOCH = np.datetime64("1970-01-01", "D")

_STREAMS = [_ll.crvm_stream_name(i) for i in range(_ll.CRVM_STREAM_COUNT)]
_CHANNELS = [_ll.crvm_channel_name(i) for i in range(_ll.CRVM_CHANNEL_COUNT)]
_OUTCOMES = [_ll.crvm_outcome_name(i) for i in range(_ll.CRVM_OUTCOME_COUNT)]
_KINDS = [_ll.crvm_use_kind_name(i) for i in range(_ll.CRVM_USE_KIND_COUNT)]
_PERIODS = {"month": _ll.CRVM_PERIOD_MONTH, "quarter": _ll.CRVM_PERIOD_QUARTER,
            "year": _ll.CRVM_PERIOD_YEAR}
_TABLES = {i: _ll.crvm_table_name(i) for i in
           list(range(_ll.CRVM_TABLE_COUNT)) + [_ll.CRVM_TABLE_CONTACT_ATTRIBUTES]}
#: The contact columns of contacts.csv; any other column of a contacts frame is an attribute.
CONTACT_COLUMNS = ("contact_id", "customer_id", "opened", "closed", "channel", "handle_minutes",
                   "tier", "escalated", "outcome", "satisfaction", "articles")
_ALIASES = {"portal": "web", "self-service": "self_service", "self service": "self_service",
            "view": "self_service", "reuse": "assisted", "support plan": "support_plan",
            "support-plan": "support_plan"}

_ACT_COLS = [_ll.crvm_activity_column_name(i) for i in range(_ll.CRVM_ACTIVITY_COLUMNS)]
_ECON_COLS = [_ll.crvm_econ_column_name(i) for i in range(_ll.CRVM_ECON_COLUMNS)]
_KV_COLS = [_ll.crvm_kv_column_name(i) for i in range(_ll.CRVM_KV_COLUMNS)]
_COV_COLS = [_ll.crvm_covariate_column_name(i) for i in range(_ll.CRVM_COVARIATE_COLUMNS)]
_RFM_COLS = [_ll.crvm_rfm_column_name(i) for i in range(_ll.CRVM_RFM_COLUMNS)]
_PANEL_COLS = [_ll.crvm_panel_column_name(i) for i in range(_ll.CRVM_PANEL_COLUMNS)]

_COUNT_ECON = {"contacts", "self_service_sessions"}
_COUNT_KV = {"assisted_uses", "views", "resolved_views", "payback_days", "age_days",
             "linked_contacts"}


# --------------------------------------------------------------- conversion

def _to_day(value) -> int:
    """One date (str, date, datetime, numpy/pandas timestamp or int days) as days since 1970."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        return int((np.datetime64(value, "D") - _EPOCH).astype(np.int64))
    if isinstance(value, (_dt.date, np.datetime64, pd.Timestamp)):
        return int((np.datetime64(pd.Timestamp(value).date(), "D") - _EPOCH).astype(np.int64))
    raise TypeError(f"expected a date, got {type(value).__name__}")


def _dates(values, name: str, optional: bool = False) -> np.ndarray:
    """A column of dates as int32 days since 1970; missing -> DATE_NONE.

    Accepts datetime64 columns, ISO 8601 strings (YYYY-MM-DD), datetime.date
    objects or integer day numbers. A value that is not a date becomes
    DATE_NONE, which the ledger rejects with the row index for a required
    column (and reads as "no date" in an optional one).
    """
    s = pd.Series(values, copy=False)
    if s.dtype.kind in "iu":
        out = s.to_numpy(dtype=np.int64)
    else:
        if s.dtype.kind == "M":
            days = s.to_numpy().astype("datetime64[D]")
        else:
            days = None
            try:  # fast path: numpy parses ISO dates of any year in C
                fast = s.to_numpy(dtype=object).astype("datetime64[D]")
                if pd.api.types.infer_dtype(s, skipna=True) == "string":
                    lens = s.str.len()
                    if not (lens.isna() | (lens == 10) | (lens == 0)).all():
                        raise ValueError("not all YYYY-MM-DD")  # "2023-01" etc.: be strict
                days = fast
            except (ValueError, TypeError, OverflowError):
                pass
            if days is None:
                days = _dates_slow(s)
        nat = np.isnat(days)
        out = np.where(nat, DATE_NONE, (days - _EPOCH).astype(np.int64))
    bad = (out < np.iinfo(np.int32).min) | (out > np.iinfo(np.int32).max)
    out = np.where(bad, DATE_NONE, out)
    return np.ascontiguousarray(out, dtype=np.int32)


def _dates_slow(s: pd.Series) -> np.ndarray:
    """Element-wise date conversion: anything unparsable (or not YYYY-MM-DD) becomes NaT."""
    days = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[D]")
    for i, v in enumerate(s.tolist()):
        if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            continue
        try:
            if isinstance(v, str):
                if len(v) != 10:
                    continue
                days[i] = np.datetime64(v, "D")
            else:
                days[i] = np.datetime64(pd.Timestamp(v).date(), "D")
        except (ValueError, TypeError, OverflowError):
            pass
    return days


def _day_to_timestamp(day: int):
    return pd.Timestamp(_EPOCH + np.timedelta64(int(day), "D"))


def _codes(values, names: list, name: str) -> np.ndarray:
    """Category column (names or integer codes) as int32 codes; unknown -> -1 (rejected by the ledger)."""
    s = pd.Series(values, copy=False)
    if s.dtype.kind in "iu":
        return np.ascontiguousarray(s.to_numpy(), dtype=np.int32)
    lookup = {n: i for i, n in enumerate(names)}
    for alias, target in _ALIASES.items():
        if target in lookup:
            lookup[alias] = lookup[target]
    # Factorise once (C speed), then name the few distinct values in Python.
    inverse, uniques = pd.factorize(s, use_na_sentinel=True)

    def code(v):
        if isinstance(v, str):
            return lookup.get(v.strip().lower(), -1)
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            return int(v) if -2**31 <= int(v) < 2**31 else -1
        return -1

    table = np.array([code(v) for v in uniques] + [-1], dtype=np.int32)
    return np.ascontiguousarray(table[inverse])  # sentinel -1 picks the trailing -1


def _ints(values, name: str) -> np.ndarray:
    s = pd.Series(values, copy=False)
    if s.dtype.kind == "b":
        return np.ascontiguousarray(s.to_numpy(), dtype=np.int32)
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        m = {"true": 1, "false": 0, "yes": 1, "no": 0, "1": 1, "0": 0}
        inverse, uniques = pd.factorize(s, use_na_sentinel=True)
        table = np.array([int(v) if isinstance(v, (bool, int, np.integer)) else
                          m.get(str(v).strip().lower(), -1) for v in uniques] + [-1], dtype=np.int64)
        return np.ascontiguousarray(np.clip(table[inverse], -1, 2**31 - 1), dtype=np.int32)
    arr = s.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(arr) | (arr != np.round(arr)) | (np.abs(arr) > 2**31 - 1)
    arr = np.where(bad, -1, arr)  # the ledger rejects -1 with the row index
    return np.ascontiguousarray(arr, dtype=np.int32)


def _floats(values) -> np.ndarray:
    return np.ascontiguousarray(pd.to_numeric(pd.Series(values, copy=False), errors="coerce")
                                .to_numpy(dtype=np.float64))


def _strings(values, allow_missing: bool = False) -> list:
    """A column of ids as a list of str; missing values become "" (rejected unless optional)."""
    s = pd.Series(values, copy=False)
    if pd.api.types.infer_dtype(s, skipna=False) == "string":
        return s.tolist()
    return s.astype(object).where(s.notna(), "").astype(str).tolist()


def _column(frame: pd.DataFrame, name: str, table: str, required: bool = True):
    if name in frame.columns:
        return frame[name]
    if required:
        raise KeyError(f"{table}: missing required column '{name}' (have {list(frame.columns)})")
    return None


# --------------------------------------------------------------- cost model

class CostModel:
    """Activity-based cost model (C ``crvm_cost_model``).

    Every assumption has a documented default (see :meth:`describe`); override
    any of them with keyword arguments:

    - ``hourly_rate``: loaded agent cost per hour by tier — a sequence of 3
      values or a mapping ``{1: ..., 2: ..., 3: ...}``;
    - ``channel_cost``: fixed non-labour cost per contact — mapping by channel
      name (``phone``, ``email``, ``chat``, ``web``, ``social``) or a sequence;
    - ``gross_margin_rate``: margin share of revenue — mapping by stream name
      (``subscription``, ``maintenance``, ``support_plan``, ``services``,
      ``expansion``) or a sequence;
    - scalars ``escalation_cost``, ``overhead_per_contact``,
      ``overhead_per_minute``, ``self_service_cost``, ``discount_rate``,
      ``deflection_probability``, ``knowledge_hourly_rate``, ``outreach_cost``,
      ``outreach_save_rate`` (the last two for :meth:`crvm.ValueModel.outreach`);
    - ``minutes_saved`` and ``avoided_contact_cost``: ``None`` (default)
      estimates them from the ledger's data.

    Invalid values raise :class:`crvm.InvalidArgumentError` naming the field.
    :meth:`from_text` and :meth:`from_file` read the assumptions from the
    cost-model text format (docs/cost-model.md).

    Threads: a CostModel is never changed after construction, so one may be
    used by any number of threads at once.
    """

    _VECTORS = {"hourly_rate": [f"tier{i}" for i in (1, 2, 3)],
                "channel_cost": _CHANNELS, "gross_margin_rate": _STREAMS}

    def __init__(self, **assumptions):
        self._c = _ll.crvm_py_cost_model_defaults()
        if self._c is None:
            raise MemoryError("cost model")
        self._override(assumptions)

    @classmethod
    def from_text(cls, text, **assumptions) -> "CostModel":
        """The defaults, then the assumptions set in ``text`` (str or bytes in
        the cost-model format: ``name = value`` lines, ``#`` comments, names as
        in :meth:`describe`, ``estimate`` for the two estimated ones), then the
        keyword overrides. A bad line raises the :class:`crvm.Error` subclass
        of its status (ParseError, NotFoundError for an unknown name,
        InvalidArgumentError for a value out of its domain) naming the line.
        (C: ``crvm_cost_model_parse``.)"""
        model = cls()
        _ll.crvm_cost_model_parse(text, model._c)
        return model._override(assumptions)

    @classmethod
    def from_file(cls, path, **assumptions) -> "CostModel":
        """:meth:`from_text` on the file at ``path`` (at most 1 MiB); messages
        start with the path. (C: ``crvm_cost_model_load``.)"""
        model = cls()
        _ll.crvm_cost_model_load(os.fspath(path), model._c)
        return model._override(assumptions)

    def _override(self, assumptions: dict) -> "CostModel":
        for key, value in assumptions.items():
            if key in self._VECTORS:
                self._set_vector(key, value)
            else:
                self._set(key, value)
        _ll.crvm_cost_model_validate(self._c)
        return self

    def _set(self, name: str, value) -> None:
        v = float("nan") if value is None else float(value)
        try:
            _ll.crvm_cost_model_set(self._c, name, v)
        except LookupError:
            raise TypeError(f"CostModel: unknown assumption '{name}'") from None

    def _set_vector(self, key: str, value) -> None:
        labels = self._VECTORS[key]
        if isinstance(value, dict):
            for k, v in value.items():
                if key == "hourly_rate":
                    label = f"tier{int(str(k).replace('tier', ''))}"
                else:
                    label = _ALIASES.get(str(k).lower(), str(k).lower())
                if label not in labels:
                    raise TypeError(f"CostModel: {key} has no entry '{k}' (expected {labels})")
                self._set(f"{key}[{label}]", v)
        else:
            values = list(value)
            if len(values) != len(labels):
                raise ValueError(f"CostModel: {key} needs {len(labels)} values ({labels}), got {len(values)}")
            for label, v in zip(labels, values):
                self._set(f"{key}[{label}]", v)

    def __getitem__(self, name: str) -> float:
        for i in range(_ll.crvm_cost_model_assumption_count()):
            a = _ll.crvm_cost_model_assumption(self._c, i)
            if a.name == name:
                return a.value
        raise KeyError(name)

    def describe(self) -> pd.DataFrame:
        """Every assumption: name, value, unit and the source of its default."""
        rows = []
        for i in range(_ll.crvm_cost_model_assumption_count()):
            a = _ll.crvm_cost_model_assumption(self._c, i)
            rows.append({"assumption": a.name, "value": a.value, "unit": a.unit, "source": a.source})
        return pd.DataFrame(rows).set_index("assumption")

    def __repr__(self) -> str:
        d = self.describe()["value"]
        return "CostModel(" + ", ".join(f"{k}={v:g}" for k, v in d.items()) + ")"


# ------------------------------------------------------------------- ledger

class Ledger:
    """Customers, revenue, support contacts and knowledge, with their economics.

    Build one with :meth:`from_frames` or :meth:`from_csv`, or start
    empty and call the ``add_*`` methods. Rows reach the C ledger in bulk;
    ``errors="raise"`` (default) makes each call atomic and raises on the
    first bad row with a message naming the table, row and field;
    ``errors="collect"`` keeps the good rows and records every rejected row
    in :attr:`rejections`.

    Threads: a Ledger may be shared by threads. Reading methods (ids, frames,
    aggregates, economics) run together; a writing method (``add_*``,
    :func:`crvm.load_csv` into it, a :meth:`transaction` block) runs alone and
    waits for the reads in progress. Each method holds the ledger's
    reader-writer lock across its C calls and the copying out of their
    results, so a reader never sees half of an append. A thread may call
    methods of the ledger inside its own transaction block; it must not wait
    there for another thread that uses the ledger (that thread waits for the
    block to end).
    """

    def __init__(self, _handle=None):
        self._lock = RWLock()
        self._h = _handle if _handle is not None else _ll.crvm_ledger_new()
        self._rej = _ll.crvm_rejections_new()
        self._rejections: list = []

    @classmethod
    def _from_handle(cls, handle) -> "Ledger":
        """Wrap a C ledger already built (e.g. by the CSV loader)."""
        return cls(_handle=handle)

    # ------------------------------------------------------------ loading

    @classmethod
    def from_frames(cls, customers: pd.DataFrame, revenue: Optional[pd.DataFrame] = None,
                    contacts: Optional[pd.DataFrame] = None, articles: Optional[pd.DataFrame] = None,
                    knowledge_uses: Optional[pd.DataFrame] = None, errors: str = "raise") -> "Ledger":
        """A ledger from DataFrames with the columns of the CSV files (docs/data-format.md).

        - customers: ``customer_id``, ``segment``, ``start_date``, optional ``end_date``
        - revenue: ``customer_id``, ``date``, ``amount``, ``stream``
        - contacts: ``contact_id``, ``customer_id``, ``opened``, optional ``closed``,
          ``channel``, ``handle_minutes``, ``tier``, ``escalated``, ``outcome``,
          optional ``satisfaction`` and ``articles`` (list of article ids or a
          ``;``-separated string); every other column is a contact attribute
          (agent, queue, ...: see :meth:`add_contacts`)
        - revenue: also an optional ``source_contact`` (the contact that
          sourced the event, or missing)
        - articles: ``article_id``, ``created``, ``authoring_hours``, ``maintenance_hours``
        - knowledge_uses: ``article_id``, ``date``, ``kind``, ``resolved``,
          optional ``contact_id``, ``customer_id``

        Dates may be datetime64 columns, ISO strings or ``datetime.date``.
        Tables are loaded in dependency order (customers, articles, contacts
        with their links and attributes, revenue, knowledge uses).
        """
        ledger = cls()
        ledger.add_customers(customers, errors=errors)
        if articles is not None:
            ledger.add_articles(articles, errors=errors)
        if contacts is not None:
            ledger.add_contacts(contacts, errors=errors)
        if revenue is not None:
            ledger.add_revenue(revenue, errors=errors)
        if knowledge_uses is not None:
            ledger.add_knowledge_uses(knowledge_uses, errors=errors)
        return ledger

    @classmethod
    def from_csv(cls, directory, strict: bool = True, *, ignore_unknown_columns: bool = False,
                 max_field_bytes: int = 0, delimiter: str = ",") -> "Ledger":
        """A new ledger loaded from the crvm CSV files in ``directory``
        (customers.csv required; articles.csv, contacts.csv, revenue.csv and
        knowledge_uses.csv optional; layout in docs/data-format.md).

        ``strict=True``: the first bad row raises the :class:`crvm.Error`
        subclass of its status (ParseError, InvalidArgumentError,
        NotFoundError) naming file, row, line, column and reason.
        ``strict=False``: valid rows are kept and every rejected row is listed
        in the report. ``ignore_unknown_columns``, ``max_field_bytes`` and
        ``delimiter`` are as in :func:`crvm.load_csv`. The :class:`crvm.LoadReport` (row counts
        and rejections) is kept as ``ledger.load_report``.
        """
        from .io import load_csv  # io sits above the ledger: import late, never at module level

        ledger = cls()
        ledger.load_report = load_csv(ledger, directory, strict,
                                      ignore_unknown_columns=ignore_unknown_columns,
                                      max_field_bytes=max_field_bytes, delimiter=delimiter)
        return ledger

    @contextlib.contextmanager
    def transaction(self):
        """All-or-nothing appends: ``with ledger.transaction(): ...``.

        Everything appended inside the block (``add_*`` calls, and
        :func:`crvm.load_csv` into this ledger) is kept if the block ends
        normally and removed if it raises: rows of every table, ids and
        segments first seen in the block (they can be added again), and the
        rows that ``errors="collect"`` recorded in :attr:`rejections` meanwhile.
        The exception propagates. Rows appended in the block are visible at
        once to the thread running it; other threads using the ledger wait
        until the block ends (it holds the write lock). Transactions do not nest: opening one inside
        another raises :class:`crvm.StateError`. (C: ``crvm_ledger_begin``,
        ``crvm_ledger_commit``, ``crvm_ledger_rollback``.)
        """
        with self._lock.write():
            _ll.crvm_ledger_begin(self._h)
            n_rejections = len(self._rejections)
            try:
                yield self
            except BaseException:
                _ll.crvm_ledger_rollback(self._h)
                del self._rejections[n_rejections:]
                raise
            _ll.crvm_ledger_commit(self._h)

    def _rejections_arg(self, errors: str):
        if errors == "raise":
            return None
        if errors == "collect":
            return self._rej
        raise ValueError(f"errors must be 'raise' or 'collect', got {errors!r}")

    def _harvest(self, index) -> None:
        """Move new C rejections into the Python list, mapping row -> the frame's index label."""
        n = _ll.crvm_rejections_count(self._rej)
        for i in range(n):
            r = _ll.crvm_rejections_get(self._rej, i)
            label = index[r.row] if index is not None and r.row < len(index) else r.row
            self._rejections.append({"table": _TABLES[r.table], "row": int(r.row), "index": label,
                                     "field": r.field, "status": int(r.status), "reason": r.reason})
        _ll.crvm_rejections_clear(self._rej)

    @writes
    def add_customers(self, frame: pd.DataFrame, errors: str = "raise") -> None:
        t = "customers"
        end = _column(frame, "end_date", t, required=False)
        _ll.crvm_ledger_add_customers(
            self._h, _strings(_column(frame, "customer_id", t)), _strings(_column(frame, "segment", t)),
            _dates(_column(frame, "start_date", t), "start_date"),
            None if end is None else _dates(end, "end_date", optional=True),
            self._rejections_arg(errors))
        self._harvest(frame.index)

    @writes
    def add_revenue(self, frame: pd.DataFrame, errors: str = "raise") -> None:
        """Revenue events: ``customer_id``, ``date``, ``amount``, ``stream`` and
        optionally ``source_contact``, the id of the support contact that
        sourced the event (same customer, opened on or before ``date``;
        missing or "" for none). Load the contacts first."""
        t = "revenue"
        src = _column(frame, "source_contact", t, required=False)
        columns = (self._h, _strings(_column(frame, "customer_id", t)), _dates(_column(frame, "date", t), "date"),
                   _floats(_column(frame, "amount", t)), _codes(_column(frame, "stream", t), _STREAMS, "stream"))
        if src is None:
            _ll.crvm_ledger_add_revenue(*columns, self._rejections_arg(errors))
        else:
            _ll.crvm_ledger_add_sourced_revenue(*columns, _strings(src), self._rejections_arg(errors))
        self._harvest(frame.index)

    @writes
    def add_articles(self, frame: pd.DataFrame, errors: str = "raise") -> None:
        t = "articles"
        _ll.crvm_ledger_add_articles(
            self._h, _strings(_column(frame, "article_id", t)), _dates(_column(frame, "created", t), "created"),
            _floats(_column(frame, "authoring_hours", t)), _floats(_column(frame, "maintenance_hours", t)),
            self._rejections_arg(errors))
        self._harvest(frame.index)

    @writes
    def add_contacts(self, frame: pd.DataFrame, errors: str = "raise") -> None:
        """Support contacts (columns as in contacts.csv, docs/data-format.md).

        Every column not in :data:`CONTACT_COLUMNS` is a string attribute of
        the contacts named by the column (agent, queue, product, ...): a value
        is taken as text (``str(v)``), a missing value (None, NaN, "") means
        none. Only the contacts accepted get their attribute values; with
        ``errors="collect"`` a rejected contact row leaves no value behind."""
        t = "contacts"
        closed = _column(frame, "closed", t, required=False)
        sat = _column(frame, "satisfaction", t, required=False)
        n = len(frame)
        before = self.stats()["contacts"]
        n_rejected = len(self._rejections)
        _ll.crvm_ledger_add_contacts(
            self._h, _strings(_column(frame, "contact_id", t)), _strings(_column(frame, "customer_id", t)),
            _dates(_column(frame, "opened", t), "opened"),
            _dates(closed, "closed", optional=True) if closed is not None else np.full(n, DATE_NONE, np.int32),
            _codes(_column(frame, "channel", t), _CHANNELS, "channel"),
            _floats(_column(frame, "handle_minutes", t)), _ints(_column(frame, "tier", t), "tier"),
            _ints(_column(frame, "escalated", t), "escalated"),
            _codes(_column(frame, "outcome", t), _OUTCOMES, "outcome"),
            None if sat is None else _floats(sat), self._rejections_arg(errors))
        self._harvest(frame.index)
        links = _column(frame, "articles", t, required=False)
        if links is not None and self.stats()["contacts"] > before:
            # One link row per (contact, article); a list or a ";"-separated string per contact.
            lk = pd.Series(links.to_numpy(), index=pd.Index(_strings(frame["contact_id"])))
            lk = lk[lk.notna()]
            if pd.api.types.infer_dtype(lk, skipna=True) == "string":
                lk = lk.str.split(";").explode()
            else:
                lk = lk.map(lambda v: v.split(";") if isinstance(v, str) else list(v)).explode()
            lk = lk[lk.notna() & (lk.astype(str) != "")]
            if len(lk):
                self.add_contact_articles(pd.DataFrame({"contact_id": lk.index.to_numpy(),
                                                        "article_id": lk.astype(str).to_numpy()}),
                                          errors=errors)
        extra = [c for c in frame.columns if c not in CONTACT_COLUMNS]
        if extra:
            rejected = {r["row"] for r in self._rejections[n_rejected:] if r["table"] == "contacts"}
            keep = np.ones(n, dtype=bool)
            keep[list(rejected)] = False
            self.add_contact_attributes(frame.loc[keep, ["contact_id"] + extra], errors=errors)

    @writes
    def add_contact_attributes(self, frame: pd.DataFrame, errors: str = "raise") -> None:
        """String attributes of contacts already in the ledger: ``contact_id``
        and one column per attribute, named by the column. Missing values
        (None, NaN, "") mean no value; others are taken as text. A contact has
        at most one value per attribute: a second is rejected."""
        ids = pd.Series(_strings(_column(frame, "contact_id", "contact_attributes")), index=frame.index)
        for name in frame.columns:
            if name == "contact_id":
                continue
            col = frame[name]
            text = col.astype(object).where(col.notna(), "").map(str)
            has = (text != "").to_numpy()
            _ll.crvm_ledger_add_contact_attributes(self._h, str(name), ids[has].tolist(), text[has].tolist(),
                                                   self._rejections_arg(errors))
            self._harvest(frame.index[has])

    @writes
    def add_contact_articles(self, frame: pd.DataFrame, errors: str = "raise") -> None:
        t = "contact_articles"
        _ll.crvm_ledger_add_contact_articles(
            self._h, _strings(_column(frame, "contact_id", t)), _strings(_column(frame, "article_id", t)),
            self._rejections_arg(errors))
        self._harvest(frame.index)

    @writes
    def add_knowledge_uses(self, frame: pd.DataFrame, errors: str = "raise") -> None:
        t = "knowledge_uses"
        con = _column(frame, "contact_id", t, required=False)
        cus = _column(frame, "customer_id", t, required=False)
        _ll.crvm_ledger_add_knowledge_uses(
            self._h, _strings(_column(frame, "article_id", t)), _dates(_column(frame, "date", t), "date"),
            _codes(_column(frame, "kind", t), _KINDS, "kind"), _ints(_column(frame, "resolved", t), "resolved"),
            None if con is None else _strings(con), None if cus is None else _strings(cus),
            self._rejections_arg(errors))
        self._harvest(frame.index)

    # --------------------------------------------------------- inspection

    @property
    @reads
    def rejections(self) -> pd.DataFrame:
        """Rows rejected by ``errors="collect"`` loads: table, row (position in
        that call), index (the frame's index label), field, status, reason."""
        return pd.DataFrame(self._rejections, columns=["table", "row", "index", "field", "status", "reason"])

    @reads
    def stats(self) -> dict:
        """Row counts, memory held (bytes), revenue total (exact cents) and date span."""
        s = _ll.crvm_ledger_stats_get(self._h)
        out = {k: int(getattr(s, k)) for k in ("customers", "segments", "revenue_events", "contacts",
                                               "contact_articles", "articles", "knowledge_uses",
                                               "bytes_used", "bytes_allocated", "revenue_cents")}
        out["handle_minutes"] = float(s.handle_minutes)
        out["first_date"] = None if s.first_date == DATE_NONE else _day_to_timestamp(s.first_date)
        out["last_date"] = None if s.last_date == DATE_NONE else _day_to_timestamp(s.last_date)
        return out

    @reads
    def __len__(self) -> int:
        return self.stats()["customers"]

    @reads
    def _ids(self, table: int, n: int) -> list:
        return [_ll.crvm_ledger_id(self._h, table, i) for i in range(n)]

    @reads
    def customer_ids(self) -> pd.Index:
        return pd.Index(self._ids(_ll.CRVM_TABLE_CUSTOMERS, len(self)), name="customer_id")

    @reads
    def segment_ids(self) -> pd.Index:
        return pd.Index(self._ids(_ll.CRVM_SEGMENTS, self.stats()["segments"]), name="segment")

    @reads
    def article_ids(self) -> pd.Index:
        return pd.Index(self._ids(_ll.CRVM_TABLE_ARTICLES, self.stats()["articles"]), name="article_id")

    @reads
    def customers(self) -> pd.DataFrame:
        """customer_id -> segment, start_date, end_date (NaT if active)."""
        n = len(self)
        seg = np.empty(n, np.int32)
        start = np.empty(n, np.int32)
        end = np.empty(n, np.int32)
        _ll.crvm_ledger_customers(self._h, seg, start, end)
        segs = np.array(list(self.segment_ids()), dtype=object)
        end_dt = np.where(end == DATE_NONE, np.datetime64("NaT"), _EPOCH + end.astype("timedelta64[D]"))
        return pd.DataFrame({"segment": segs[seg] if n else [],
                             "start_date": _EPOCH + start.astype("timedelta64[D]"),
                             "end_date": end_dt}, index=self.customer_ids())

    @reads
    def contact_ids(self) -> pd.Index:
        return pd.Index(self._ids(_ll.CRVM_TABLE_CONTACTS, self.stats()["contacts"]), name="contact_id")

    @reads
    def attribute_names(self) -> list:
        """Names of the contact attributes, in order of first appearance."""
        return [_ll.crvm_ledger_attribute_name(self._h, a)
                for a in range(_ll.crvm_ledger_attribute_count(self._h))]

    @reads
    def contact_attributes(self) -> pd.DataFrame:
        """contact_id -> one categorical column per attribute (categories in
        order of first appearance; NaN where a contact has no value)."""
        n = self.stats()["contacts"]
        cols = {}
        for a, name in enumerate(self.attribute_names()):
            codes = np.empty(n, np.int32)
            _ll.crvm_ledger_contact_attribute(self._h, a, codes)
            values = [_ll.crvm_ledger_attribute_value(self._h, a, v)
                      for v in range(_ll.crvm_ledger_attribute_value_count(self._h, a))]
            cols[name] = pd.Categorical.from_codes(codes, categories=values)
        return pd.DataFrame(cols, index=self.contact_ids())

    @reads
    def contacts(self, attributes: bool = True) -> pd.DataFrame:
        """contact_id -> customer_id, opened, closed (NaT if open), channel,
        handle_minutes, tier, escalated, outcome, satisfaction (NaN if not
        rated), and (``attributes=True``) the contact attributes."""
        n = self.stats()["contacts"]
        i32 = {k: np.empty(n, np.int32) for k in ("customer", "opened", "closed", "channel", "tier",
                                                   "escalated", "outcome")}
        minutes, sat = np.empty(n), np.empty(n)
        _ll.crvm_ledger_contacts(self._h, i32["customer"], i32["opened"], i32["closed"], i32["channel"],
                                 minutes, i32["tier"], i32["escalated"], i32["outcome"], sat)
        df = pd.DataFrame({
            "customer_id": self.customer_ids().to_numpy()[i32["customer"]],
            "opened": _EPOCH + i32["opened"].astype("timedelta64[D]"),
            "closed": np.where(i32["closed"] == DATE_NONE, np.datetime64("NaT"),
                               _EPOCH + i32["closed"].astype("timedelta64[D]")),
            "channel": pd.Categorical.from_codes(i32["channel"], categories=_CHANNELS),
            "handle_minutes": minutes, "tier": i32["tier"], "escalated": i32["escalated"].astype(bool),
            "outcome": pd.Categorical.from_codes(i32["outcome"], categories=_OUTCOMES),
            "satisfaction": sat}, index=self.contact_ids())
        if attributes:
            df = df.join(self.contact_attributes())
        return df

    @reads
    def revenue(self) -> pd.DataFrame:
        """Every revenue event in the order appended: customer_id, date,
        amount, stream, source_contact (the id of the contact that sourced it,
        or None)."""
        n = self.stats()["revenue_events"]
        customer, date, stream, source = (np.empty(n, np.int32) for _ in range(4))
        amount = np.empty(n)
        _ll.crvm_ledger_revenue_events(self._h, customer, date, amount, stream, source)
        contact_ids = np.append(self.contact_ids().to_numpy(dtype=object), None)
        return pd.DataFrame({"customer_id": self.customer_ids().to_numpy()[customer],
                             "date": _EPOCH + date.astype("timedelta64[D]"), "amount": amount,
                             "stream": pd.Categorical.from_codes(stream, categories=_STREAMS),
                             "source_contact": contact_ids[source]})  # -1 picks the trailing None

    @reads
    def _as_of(self, as_of) -> int:
        if as_of is None:
            s = _ll.crvm_ledger_stats_get(self._h)
            if s.last_date == DATE_NONE:
                raise ValueError("as_of: the ledger is empty, give a date")
            return int(s.last_date)
        return _to_day(as_of)

    # --------------------------------------------------------- aggregates

    @reads
    def _window_frames(self, fn, cols, index, as_of, period, start, extra=None):
        """Run fn(from, until, out) for one window or for each calendar period."""
        until_day = self._as_of(as_of) + 1
        n = len(index)
        if period is None:
            out = np.zeros(n * len(cols))
            fn(_DATE_MIN, until_day, out)
            return pd.DataFrame(out.reshape(n, len(cols)), index=index, columns=cols)
        if period not in _PERIODS:
            raise ValueError(f"period must be one of {list(_PERIODS)}, got {period!r}")
        p = _PERIODS[period]
        stats = _ll.crvm_ledger_stats_get(self._h)
        first = self._as_of(start) if start is not None else int(stats.first_date)
        # One C call per period: their number is bounded by the data, with
        # the C routines' rule for the end (crvm/ledger.h "As-of dates",
        # checked by crvm_ledger_contact_panel_size) and the same year of
        # grace before the first date.
        _ll.crvm_ledger_contact_panel_size(self._h, until_day - 1, _ll.CRVM_PERIOD_MONTH)
        if first < int(stats.first_date) - 366:
            raise ValueError(f"start = {_day_to_timestamp(first).date()}: more than 366 days "
                             f"before the data (from {_day_to_timestamp(stats.first_date).date()})")
        t = _ll.crvm_date_period_start(first, p)
        frames = []
        while t < until_day:
            nxt = _ll.crvm_date_add_periods(t, p, 1)
            out = np.zeros(n * len(cols))
            fn(t, min(nxt, until_day), out)
            df = pd.DataFrame(out.reshape(n, len(cols)), index=index, columns=cols)
            df.insert(0, "period", _day_to_timestamp(t))
            frames.append(df)
            t = nxt
        if not frames:
            return pd.DataFrame(columns=["period"] + cols)
        return pd.concat(frames).set_index("period", append=True)

    @reads
    def customer_activity(self, as_of=None, period: Optional[str] = None, start=None) -> pd.DataFrame:
        """Additive activity totals per customer up to ``as_of`` (inclusive), or per
        calendar ``period`` ("month", "quarter", "year") from ``start``."""
        fn = lambda a, b, out: _ll.crvm_ledger_customer_activity(self._h, a, b, out)
        return self._window_frames(fn, _ACT_COLS, self.customer_ids(), as_of, period, start)

    @reads
    def segment_activity(self, as_of=None, period: Optional[str] = None, start=None) -> pd.DataFrame:
        fn = lambda a, b, out: _ll.crvm_ledger_segment_activity(self._h, a, b, out)
        return self._window_frames(fn, _ACT_COLS, self.segment_ids(), as_of, period, start)

    @reads
    def customer_economics(self, as_of=None, cost_model: Optional[CostModel] = None,
                           period: Optional[str] = None, start=None) -> pd.DataFrame:
        """Revenue by stream, gross margin, contacts, cost to serve by component,
        contribution margin and cost per contact of every customer, up to
        ``as_of`` (inclusive) or per calendar ``period``; plus its segment."""
        model = (cost_model or CostModel())._c
        fn = lambda a, b, out: _ll.crvm_customer_economics(self._h, model, a, b, out)
        df = self._window_frames(fn, _ECON_COLS, self.customer_ids(), as_of, period, start)
        df.insert(0, "segment", self.customers()["segment"].reindex(df.index.get_level_values(0)).to_numpy())
        return self._int_columns(df, _COUNT_ECON)

    @reads
    def segment_economics(self, as_of=None, cost_model: Optional[CostModel] = None,
                          period: Optional[str] = None, start=None) -> pd.DataFrame:
        """The same by segment; every additive column is exactly the sum over the segment's customers."""
        model = (cost_model or CostModel())._c
        fn = lambda a, b, out: _ll.crvm_segment_economics(self._h, model, a, b, out)
        df = self._window_frames(fn, _ECON_COLS, self.segment_ids(), as_of, period, start)
        counts = self.customers()["segment"].value_counts()
        df.insert(0, "customers", counts.reindex(df.index.get_level_values(0)).fillna(0).astype(int).to_numpy())
        return self._int_columns(df, _COUNT_ECON)

    @staticmethod
    def _int_columns(df: pd.DataFrame, cols) -> pd.DataFrame:
        for c in cols:
            if c in df.columns:
                df[c] = df[c].astype(np.int64)
        return df

    @reads
    def knowledge_value(self, as_of=None, cost_model: Optional[CostModel] = None) -> pd.DataFrame:
        """Value of each knowledge article as of ``as_of``: uses, minutes saved,
        labour and deflection savings, authoring and upkeep cost, value, ROI,
        payback days (-1: not paid back). ``df.attrs`` holds the estimated inputs
        (minutes saved per reuse, avoided contact cost) and the whole
        knowledge base's row (``attrs["knowledge_base"]``)."""
        model = (cost_model or CostModel())._c
        day = self._as_of(as_of)
        idx = self.article_ids()
        out = np.zeros(len(idx) * len(_KV_COLS))
        est = _ll.crvm_knowledge_value(self._h, model, day, out)
        df = pd.DataFrame(out.reshape(len(idx), len(_KV_COLS)), index=idx, columns=_KV_COLS)
        base = np.zeros(len(_KV_COLS))
        _ll.crvm_knowledge_base_value(self._h, model, day, base)
        df.attrs["minutes_saved"] = est.minutes_saved
        df.attrs["minutes_saved_estimated"] = bool(est.minutes_saved_estimated)
        df.attrs["avoided_contact_cost"] = est.avoided_contact_cost
        df.attrs["avoided_cost_estimated"] = bool(est.avoided_cost_estimated)
        df.attrs["cells_used"] = int(est.cells_used)
        df.attrs["knowledge_base"] = pd.Series(base, index=_KV_COLS, name="knowledge_base")
        return self._int_columns(df, _COUNT_KV)

    @reads
    def knowledge_base_value(self, as_of=None, cost_model: Optional[CostModel] = None) -> pd.Series:
        """The whole knowledge base's value as one row (sums of the articles; ROI
        and payback of the whole)."""
        model = (cost_model or CostModel())._c
        base = np.zeros(len(_KV_COLS))
        _ll.crvm_knowledge_base_value(self._h, model, self._as_of(as_of), base)
        return pd.Series(base, index=_KV_COLS, name="knowledge_base")

    @reads
    def knowledge_estimate_stats(self, as_of=None, cost_model: Optional[CostModel] = None) -> np.ndarray:
        """The sufficient statistics of the knowledge estimate as of ``as_of``
        (``crvm_knowledge_estimate_stats``): sums over contacts, so ledgers
        that split a base by customer give the base's estimate from the sum of
        theirs (:func:`knowledge_estimate`)."""
        out = np.zeros(_ll.CRVM_KE_STATS)
        _ll.crvm_knowledge_estimate_stats(self._h, (cost_model or CostModel())._c, self._as_of(as_of), out)
        return out

    @reads
    def pnl_knowledge_sums(self, stats, as_of, start=None, end=None,
                           cost_model: Optional[CostModel] = None) -> np.ndarray:
        """This part's knowledge sums for the support P&L of the days [start,
        end] (``crvm_pnl_knowledge_sums``): per article (rows in article_ids()
        order) the unrounded labour saving and the resolved self-service views,
        given the whole base's summed :meth:`knowledge_estimate_stats`. The
        parts' sums add up; :meth:`pnl_knowledge_lines` turns their total into
        the P&L lines."""
        model = (cost_model or CostModel())._c
        day, a, b = _window(as_of, start, end)
        out = np.zeros(2 * len(self.article_ids()))
        _ll.crvm_pnl_knowledge_sums(self._h, model, _estimate(stats, model), day, a, b, out)
        return out.reshape(-1, 2)

    @reads
    def pnl_knowledge_lines(self, stats, sums, as_of, start=None, end=None,
                            cost_model: Optional[CostModel] = None) -> pd.Series:
        """The support P&L's knowledge lines (labour and deflection savings,
        knowledge cost) of the days [start, end] from the parts' summed
        :meth:`pnl_knowledge_sums` and :meth:`knowledge_estimate_stats`
        (``crvm_pnl_knowledge_lines``); this ledger supplies the articles. Equal
        to :meth:`crvm.ValueModel.support_pnl`'s lines for the whole base."""
        model = (cost_model or CostModel())._c
        day, a, b = _window(as_of, start, end)
        out = np.zeros(3)
        _ll.crvm_pnl_knowledge_lines(self._h, model, _estimate(stats, model), day, a, b,
                                     np.ascontiguousarray(sums, dtype=np.float64).ravel(), out)
        return pd.Series(out, index=PNL_KNOWLEDGE_LINES, name="support_pnl")

    @reads
    def retention_data(self, period: str = "month", as_of=None) -> pd.DataFrame:
        """Inputs of the contractual retention models (sBG, BdW) as of ``as_of``:
        for each customer started by then, ``periods`` (lifetime T in periods
        for a churned customer; whole periods completed, T > periods, for an
        active one) and ``churned`` (end date on or before ``as_of``)."""
        if period not in _PERIODS:
            raise ValueError(f"period must be one of {list(_PERIODS)}, got {period!r}")
        n = len(self)
        periods = np.empty(n, np.int32)
        churned = np.empty(n, np.int32)
        _ll.crvm_ledger_retention_data(self._h, self._as_of(as_of), _PERIODS[period], periods, churned)
        df = pd.DataFrame({"segment": self.customers()["segment"].to_numpy(), "periods": periods,
                           "churned": churned.astype(bool)}, index=self.customer_ids())
        return df[df["periods"] >= 0]

    @reads
    def transaction_summary(self, as_of=None, streams: Optional[Iterable[str]] = None) -> pd.DataFrame:
        """Frequency / recency / T / monetary_value (days; as lifetimes'
        summary_data_from_transaction_data with freq "D") from revenue events on
        or before ``as_of``, for customers with at least one transaction.
        ``streams`` restricts the revenue streams counted (default all)."""
        mask = 0
        if streams is not None:
            for s in streams:
                if s not in _STREAMS:
                    raise ValueError(f"unknown stream {s!r} (expected {_STREAMS})")
                mask |= 1 << _STREAMS.index(s)
        n = len(self)
        out = np.zeros(n * len(_RFM_COLS))
        _ll.crvm_ledger_transaction_summary(self._h, self._as_of(as_of), mask, out)
        df = pd.DataFrame(out.reshape(n, len(_RFM_COLS)), index=self.customer_ids(), columns=_RFM_COLS)
        df = df[df["observed"] > 0].drop(columns="observed")
        return df

    @reads
    def contact_covariates(self, as_of=None) -> pd.DataFrame:
        """Support-experience covariates per customer (for the Cox model): contacts,
        tenure in months, contacts per month, refusal and escalation shares, mean
        resolution days, mean satisfaction (imputed with the overall mean when
        a customer has no rated contact; ``rated`` = 0 marks those)."""
        n = len(self)
        out = np.zeros(n * len(_COV_COLS))
        _ll.crvm_ledger_contact_covariates(self._h, self._as_of(as_of), out)
        df = pd.DataFrame(out.reshape(n, len(_COV_COLS)), index=self.customer_ids(), columns=_COV_COLS)
        return self._int_columns(df, {"contacts", "rated"})

    @reads
    def contact_panel(self, as_of=None, period: str = "month") -> pd.DataFrame:
        """Per-period contact panel for a Cox model with time-varying
        covariates (:class:`crvm.CoxTimeVarying`): one row per customer and
        period at risk, ``customer`` (id), ``segment``, ``start``/``stop``
        (periods since the customer's start, stop = the renewal), ``event``
        (1 iff the customer churned at that renewal), and the contacts opened
        in the period: ``contacts``, by outcome (``resolved``, ``workaround``,
        ``refused``, ``abandoned``), ``escalated``, ``closed`` (by as_of),
        ``mean_resolution_days`` (0 if none closed), ``rated``,
        ``mean_satisfaction`` (0 if none rated). Periods are those of
        :meth:`retention_data` (see crvm_ledger_contact_panel)."""
        if period not in _PERIODS:
            raise ValueError(f"period must be one of {list(_PERIODS)}, got {period!r}")
        day, code = self._as_of(as_of), _PERIODS[period]
        rows = _ll.crvm_ledger_contact_panel_size(self._h, day, code)
        customer = np.empty(rows, np.int32)
        out = np.empty(rows * len(_PANEL_COLS))
        _ll.crvm_ledger_contact_panel(self._h, day, code, customer, out)
        df = pd.DataFrame(out.reshape(rows, len(_PANEL_COLS)), columns=_PANEL_COLS)
        df.insert(0, "customer", self.customer_ids().to_numpy()[customer])
        df.insert(1, "segment", self.customers()["segment"].to_numpy()[customer])
        means = {"mean_resolution_days", "mean_satisfaction"}
        return self._int_columns(df, [c for c in _PANEL_COLS if c not in means])


#: The support P&L's knowledge lines, in :meth:`Ledger.pnl_knowledge_lines` order.
PNL_KNOWLEDGE_LINES = ["knowledge_labour_saving", "knowledge_deflection_saving", "knowledge_cost"]


def _window(as_of, start, end) -> tuple:
    """as_of and the days [start, end] as C's as_of, from, until."""
    day = _to_day(as_of)
    return (day, int(_ll.CRVM_DATE_MIN) if start is None else _to_day(start),
            day + 1 if end is None else _to_day(end) + 1)


def _estimate(stats, model):
    return _ll.crvm_knowledge_estimate_from_stats(model, np.ascontiguousarray(stats, dtype=np.float64))


def knowledge_estimate(stats, cost_model: Optional[CostModel] = None) -> dict:
    """The knowledge estimate (minutes saved per reuse, avoided contact cost,
    whether each was estimated, the cells and contacts used) from summed
    :meth:`Ledger.knowledge_estimate_stats` (``crvm_knowledge_estimate_from_stats``):
    the one :meth:`Ledger.knowledge_value` uses for the whole base.

    Example::

        stats = sum(part.knowledge_estimate_stats("2024-06-30") for part in parts)
        crvm.ledger.knowledge_estimate(stats)["minutes_saved"]
    """
    e = _estimate(stats, (cost_model or CostModel())._c)
    return {"minutes_saved": e.minutes_saved, "minutes_saved_estimated": bool(e.minutes_saved_estimated),
            "avoided_contact_cost": e.avoided_contact_cost,
            "avoided_cost_estimated": bool(e.avoided_cost_estimated), "cells_used": int(e.cells_used),
            "linked_contacts": int(e.linked_contacts), "unlinked_contacts": int(e.unlinked_contacts)}
