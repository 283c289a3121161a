"""Sample data and CSV loading.

``simulate(customers=..., seed=...)`` runs crvm's deterministic simulator of a
subscription business with support and returns its tables as pandas
DataFrames (with the generating truth); ``simulate_csv(directory, ...)``
streams the same data to the five CSV files; ``load_csv(ledger, directory)``
reads such a directory into a ledger and returns a :class:`LoadReport` that
accounts for every row. The file format is in docs/data-format.md.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import lowlevel as _ll

SEGMENTS = ("smb", "mid_market", "enterprise")
OUTCOMES = ("resolved", "workaround", "refused", "abandoned")
TABLES = ("customers", "articles", "revenue", "contacts", "knowledge_uses")

_DATE_COLUMNS = {
    "customers": ["start_date", "end_date"],
    "articles": ["created"],
    "revenue": ["date"],
    "contacts": ["opened", "closed"],
    "knowledge_uses": ["date"],
}
_TEXT_COLUMNS = {
    "customers": ["customer_id", "segment"],
    "articles": ["article_id"],
    "revenue": ["customer_id", "stream"],
    "contacts": ["contact_id", "customer_id", "channel", "outcome", "articles"],
    "knowledge_uses": ["article_id", "kind", "contact_id", "customer_id"],
}


def _options(customers, seed, months, acquisition_months, outcome_effects, segments,
             outcome_factors, self_service_rate):
    if isinstance(customers, bool) or int(customers) != customers or customers < 1:
        raise ValueError(f"customers = {customers!r}: expected a positive integer")
    if isinstance(seed, bool) or int(seed) != seed or not 0 <= seed < 2**64:
        raise ValueError(f"seed = {seed!r}: expected an integer in [0, 2**64)")
    o = _ll.crvm_sim_options()
    _ll.crvm_sim_options_init(o)
    o.customers = int(customers)
    o.seed = int(seed)
    if months is not None:
        o.months = int(months)
        if acquisition_months is None:
            o.acquisition_months = min(o.acquisition_months, o.months)
    if acquisition_months is not None:
        o.acquisition_months = int(acquisition_months)
    o.outcome_effects = 1 if outcome_effects else 0
    if segments is not None:
        unknown = set(segments) - set(SEGMENTS)
        if unknown:
            raise ValueError(f"segments: unknown segment(s) {sorted(unknown)}; expected {SEGMENTS}")
        for g, name in enumerate(SEGMENTS):
            if name not in segments:
                continue
            cur = dict(zip(("share", "alpha", "beta", "price_median", "contact_rate"),
                           (o.get_segment_value(k, g) for k in range(5))))
            extra = set(segments[name]) - set(cur)
            if extra:
                raise ValueError(f"segments[{name!r}]: unknown key(s) {sorted(extra)}")
            cur.update(segments[name])
            o.set_segment(g, float(cur["share"]), float(cur["alpha"]), float(cur["beta"]),
                          float(cur["price_median"]), float(cur["contact_rate"]))
    if outcome_factors is not None:
        for name, f in outcome_factors.items():
            if name not in OUTCOMES:
                raise ValueError(f"outcome_factors: unknown outcome {name!r}; expected {OUTCOMES}")
            o.set_outcome_factor(OUTCOMES.index(name), float(f))
    if self_service_rate is not None:
        o.self_service_rate = float(self_service_rate)
    return o


def _summary_dict(s) -> dict:
    return {
        "customers": int(s.customers),
        "revenue_events": int(s.revenue_events),
        "contacts": int(s.contacts),
        "articles": int(s.articles),
        "knowledge_uses": int(s.knowledge_uses),
        "contact_article_links": int(s.contact_article_links),
        "revenue_total": float(s.revenue_total),
        "handle_minutes_total": float(s.handle_minutes_total),
        "churned": int(s.churned),
        "outcome_count": {name: int(s.get_outcome_count(k)) for k, name in enumerate(OUTCOMES)},
    }


def read_tables(directory) -> dict:
    """The five CSV files of ``directory`` as DataFrames (ids and categories
    as str, dates as datetime64, empty optional values as NaN/NaT/"").

    This is a plain pandas reader for inspecting data; to validate and load
    files into crvm use :func:`load_csv`."""
    tables = {}
    for name in TABLES:
        path = os.path.join(os.fspath(directory), name + ".csv")
        df = pd.read_csv(path, dtype={c: str for c in _TEXT_COLUMNS[name]},
                         keep_default_na=False, na_values={"satisfaction": [""]})
        for c in _DATE_COLUMNS[name]:
            if c in df.columns:
                df[c] = pd.to_datetime(df[c].replace("", None), format="%Y-%m-%d")
        tables[name] = df
    return tables


@dataclass
class SimulatedData:
    """The simulator's output: one DataFrame per CSV file, the generating
    truth per customer, and counts and totals (``summary``)."""

    customers: pd.DataFrame
    articles: pd.DataFrame
    revenue: pd.DataFrame
    contacts: pd.DataFrame
    knowledge_uses: pd.DataFrame
    truth: pd.DataFrame
    summary: dict
    options: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in TABLES and name != "truth":
            raise KeyError(name)
        return getattr(self, name)

    def keys(self):
        return TABLES

    def to_csv(self, directory) -> None:
        """Write the five files (the simulator's own writer) into ``directory``."""
        os.makedirs(directory, exist_ok=True)
        _ll.crvm_simulate_csv(self._opts, os.fspath(directory), None)


def simulate(customers: int = 1000, seed: int = 1, *, months: int | None = None,
             acquisition_months: int | None = None, outcome_effects: bool = True,
             segments: dict | None = None, outcome_factors: dict | None = None,
             self_service_rate: float | None = None) -> SimulatedData:
    """Simulate ``customers`` customers with ``seed`` (see crvm/simulate.h for
    the model and its defaults).

    ``segments`` overrides per-segment parameters, e.g.
    ``{"smb": {"alpha": 1.0, "beta": 6.0}}`` (keys share, alpha, beta,
    price_median, contact_rate); ``outcome_factors`` the churn multipliers,
    e.g. ``{"refused": 3.0}``; ``outcome_effects=False`` gives pure sBG churn.
    Returns a :class:`SimulatedData`; ``truth`` holds each customer's segment,
    theta (baseline monthly churn probability), months paid and churn flag.
    """
    o = _options(customers, seed, months, acquisition_months, outcome_effects, segments,
                 outcome_factors, self_service_rate)
    data = _ll.crvm_simulate(o)
    n = int(customers)
    seg = np.empty(n, dtype=np.int32)
    theta = np.empty(n, dtype=np.float64)
    lifetime = np.empty(n, dtype=np.int32)
    churned = np.empty(n, dtype=np.int32)
    _ll.crvm_sim_customer_truth(data, seg, theta, lifetime, churned)
    summary = _ll.crvm_sim_summary()
    _ll.crvm_sim_data_summary(data, summary)
    with tempfile.TemporaryDirectory(prefix="crvm_sim_") as tmp:
        _ll.crvm_sim_write_csv(data, tmp)
        tables = read_tables(tmp)
    del data
    truth = pd.DataFrame({
        "customer_id": tables["customers"]["customer_id"].to_numpy(),
        "segment": pd.Categorical.from_codes(seg, categories=list(SEGMENTS)),
        "theta": theta,
        "lifetime_months": lifetime,
        "churned": churned.astype(bool),
    })
    result = SimulatedData(truth=truth, summary=_summary_dict(summary),
                           options={"customers": n, "seed": int(seed)}, **tables)
    result._opts = o
    return result


def simulate_csv(directory, customers: int = 1000, seed: int = 1, **options) -> dict:
    """Stream a simulation straight to the five CSV files in ``directory``
    (created if needed), in memory independent of ``customers``. Same keyword
    options as :func:`simulate`. Returns the summary (counts and totals)."""
    o = _options(customers, seed, options.pop("months", None), options.pop("acquisition_months", None),
                 options.pop("outcome_effects", True), options.pop("segments", None),
                 options.pop("outcome_factors", None), options.pop("self_service_rate", None))
    if options:
        raise TypeError(f"simulate_csv: unexpected keyword(s) {sorted(options)}")
    os.makedirs(directory, exist_ok=True)
    summary = _ll.crvm_sim_summary()
    _ll.crvm_simulate_csv(o, os.fspath(directory), summary)
    return _summary_dict(summary)


_STATUS_NAMES = {
    _ll.CRVM_EINVAL: "invalid", _ll.CRVM_EPARSE: "parse", _ll.CRVM_ENOTFOUND: "not_found",
}


@dataclass
class LoadReport:
    """What a load did: row counts and one row per rejected input row
    (``rejections``: file, row, line, column, status, reason)."""

    files: int
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    bytes_read: int
    rejections: pd.DataFrame

    def __post_init__(self):
        if self.rows_accepted + self.rows_rejected != self.rows_read:
            raise AssertionError("load report does not account for every row")


def _report(handle) -> LoadReport:
    totals = _ll.crvm_load_totals()
    _ll.crvm_load_report_totals(handle, totals)
    rows = []
    rej = _ll.crvm_load_rejection()
    for i in range(_ll.crvm_load_report_count(handle)):
        _ll.crvm_load_report_get(handle, i, rej)
        rows.append((rej.file, int(rej.row), int(rej.line), rej.column,
                     _STATUS_NAMES.get(rej.status_code(), str(rej.status_code())), rej.reason))
    frame = pd.DataFrame(rows, columns=["file", "row", "line", "column", "status", "reason"])
    return LoadReport(int(totals.files), int(totals.rows_read), int(totals.rows_accepted),
                      int(totals.rows_rejected), int(totals.bytes_read), frame)


def _ledger_handle(ledger):
    """The C ledger of a crvm.Ledger (kept in ``_h``), or a bare handle."""
    return getattr(ledger, "_h", ledger)


def load_csv(ledger, directory, strict: bool = True, *, ignore_unknown_columns: bool = False,
             max_field_bytes: int = 0) -> LoadReport:
    """Load a directory of crvm CSV files into ``ledger``.

    strict=True: the first bad row raises the crvm.Error subclass of its
    status (ParseError, InvalidArgumentError, NotFoundError) naming file,
    row, line, column and reason, and the ledger is left as it was.
    strict=False: valid rows are kept and every rejected row is listed in the
    returned report's ``rejections``."""
    opts = _ll.crvm_load_options()
    _ll.crvm_load_options_init(opts)
    opts.mode = _ll.CRVM_LOAD_STRICT if strict else _ll.CRVM_LOAD_LENIENT
    opts.ignore_unknown_columns = 1 if ignore_unknown_columns else 0
    opts.max_field_bytes = int(max_field_bytes)
    report = _ll.crvm_load_report_new()
    _ll.crvm_load_directory(_ledger_handle(ledger), os.fspath(directory), opts, report)
    return _report(report)


def ledger_from_csv(cls, directory, strict: bool = True, **options):
    """``crvm.Ledger.from_csv(directory, strict=True)``: a new ledger loaded
    from the CSV files of ``directory`` (see :func:`load_csv` for the modes
    and options); the :class:`LoadReport` is kept as ``ledger.load_report``."""
    ledger = cls()
    ledger.load_report = load_csv(ledger, directory, strict, **options)
    return ledger
