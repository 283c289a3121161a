"""Sample data and CSV loading.

``simulate(customers=..., seed=...)`` runs crvm's deterministic simulator of a
subscription business with support and returns its tables as pandas
DataFrames (with the generating truth: the model's parameters, each
customer's state at a date, and Monte Carlo futures of every customer past
the end of the window); ``simulate_csv(directory, ...)``
streams the same data to the five CSV files; ``load_csv(ledger, directory)``
reads such a directory into a ledger and returns a :class:`LoadReport` that
accounts for every row. The file format is in docs/data-format.md.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import lowlevel as _ll

SEGMENTS = ("smb", "mid_market", "enterprise")
OUTCOMES = ("resolved", "workaround", "refused", "abandoned")
#: The churn covariates, in the order of the simulator's effects b.
COVARIATES = tuple(_ll.crvm_sim_covariate_name(j) for j in range(_ll.CRVM_SIM_COVARIATES))
QUEUES = tuple(_ll.crvm_sim_attribute_value(_ll.CRVM_SIM_QUEUE, q) for q in range(_ll.CRVM_SIM_QUEUES))
ATTRIBUTES = tuple(_ll.crvm_sim_attribute_name(a) for a in range(_ll.CRVM_SIM_ATTRIBUTES))
_CHURN = {"hazard": _ll.CRVM_SIM_CHURN_HAZARD, "multiplier": _ll.CRVM_SIM_CHURN_MULTIPLIER}
_FUTURE_COLUMNS = [_ll.crvm_sim_future_column_name(k) for k in range(_ll.CRVM_SIM_FUT_COLUMNS)]
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
    "revenue": ["customer_id", "stream", "source_contact"],
    "contacts": ["contact_id", "customer_id", "channel", "outcome", "articles", "agent", "queue",
                 "product", "reason"],
    "knowledge_uses": ["article_id", "kind", "contact_id", "customer_id"],
}


def _options(customers, seed, months, acquisition_months, outcome_effects, segments,
             outcome_factors, self_service_rate, churn="hazard", c=None, effects=None,
             queue_refusal=None, agent_spread=None, article_saving=None, source_probability=None):
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
    if churn not in _CHURN:
        raise ValueError(f"churn = {churn!r}: expected one of {sorted(_CHURN)}")
    o.churn = _CHURN[churn]
    if c is not None:
        o.c = float(c)
    for name, b in (effects or {}).items():
        if name not in COVARIATES:
            raise ValueError(f"effects: unknown covariate {name!r}; expected {COVARIATES}")
        o.set_effect(COVARIATES.index(name), float(b))
    for name, p in (queue_refusal or {}).items():
        if name not in QUEUES:
            raise ValueError(f"queue_refusal: unknown queue {name!r}; expected {QUEUES}")
        o.set_queue_refusal(QUEUES.index(name), float(p))
    for field_name, v in (("agent_spread", agent_spread), ("article_saving", article_saving),
                          ("source_probability", source_probability)):
        if v is not None:
            setattr(o, field_name, float(v))
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

    def model_truth(self) -> dict:
        """The truth that does not depend on the draws (C ``crvm_sim_truth_get``):

        - ``params``: alpha and beta per segment, c and the covariate effects b
          (log hazard ratios), as a Series named ``alpha_smb``, ...,
          ``beta_enterprise``, ``c``, ``b_contacts``, ... ``b_silent_6_plus``
          (the layout of the covariate retention model; c and b are NaN for
          ``churn="multiplier"``);
        - ``minutes_saved``: what the knowledge estimator's minutes saved per
          assisted reuse converges to;
        - ``agent_refusal``: P(refused) per agent (Series by agent name);
        - ``refusal_share``: the expected share of contacts refused.
        """
        t = _ll.crvm_sim_truth_get(self._opts)
        names = [f"{p}_{g}" for g in SEGMENTS for p in ("alpha", "beta")] + ["c"] + \
                [f"b_{c}" for c in COVARIATES]
        agents = [_ll.crvm_sim_attribute_value(_ll.CRVM_SIM_AGENT, a) for a in range(_ll.CRVM_SIM_AGENTS)]
        return {"params": pd.Series([t.get_param(k) for k in range(len(names))], index=names),
                "minutes_saved": float(t.minutes_saved),
                "agent_refusal": pd.Series([t.get_agent_refusal(a) for a in range(len(agents))],
                                           index=pd.Index(agents, name="agent")),
                "refusal_share": float(t.refusal_share)}

    def customer_state(self, date) -> pd.DataFrame:
        """Each customer's state on ``date`` (inside the window): ``active``,
        ``renewals`` made (-1 if not started), monthly ``price`` in effect,
        ``support_plan`` and ``last_touch`` (its last contact or self-service
        view by then, its start if none; NaT if not started)."""
        from .ledger import _to_day
        n = len(self.customers)
        active, renewals, plan, touch = (np.empty(n, np.int32) for _ in range(4))
        price = np.empty(n)
        _ll.crvm_sim_customer_state(self._data, _to_day(date), active, renewals, price, plan, touch)
        return pd.DataFrame({"active": active.astype(bool), "renewals": renewals, "price": price,
                             "support_plan": plan.astype(bool), "last_touch": _as_datetime(touch)},
                            index=pd.Index(self.customers["customer_id"], name="customer_id"))

    def continuation(self, as_of, replications: int = 100, horizon: int = 12,
                     discount_rate: float = 0.0, cap: int = 1200, seed: int = 1, threads: int = 0,
                     cost_model=None) -> pd.DataFrame:
        """The known future of every customer (C ``crvm_sim_continuation``):
        ``replications`` futures of each customer active on ``as_of``,
        simulated from its state then by the same process past the end of
        the window, averaged. ``discount_rate`` is monthly (the next renewal
        undiscounted); ``horizon`` and ``cap`` in months. Columns: ``active``,
        ``retained`` (P(makes the next ``horizon`` renewals)), ``months``,
        ``discounted_months`` (the DERL), ``discounted_months_held`` (with the
        next ``horizon`` renewals certain), ``revenue``, ``gross_margin``,
        ``support_cost`` (discounted, by ``cost_model``, default
        :class:`crvm.CostModel`), ``contribution_held``; and ``<column>_se``,
        the Monte Carlo standard error of each. Deterministic for any
        ``threads``."""
        from .ledger import _to_day
        o = _ll.crvm_sim_continuation_options()
        _ll.crvm_sim_continuation_options_init(o)
        o.replications, o.horizon, o.discount_rate = int(replications), int(horizon), float(discount_rate)
        o.cap, o.seed, o.threads = int(cap), int(seed), int(threads)
        n, k = len(self.customers), len(_FUTURE_COLUMNS)
        mean, se = np.empty(n * k), np.empty(n * k)
        costs = None if cost_model is None else cost_model._c
        _ll.crvm_sim_continuation(self._data, _to_day(as_of), o, costs, mean, se)
        df = pd.DataFrame(mean.reshape(n, k), columns=_FUTURE_COLUMNS,
                          index=pd.Index(self.customers["customer_id"], name="customer_id"))
        df["active"] = df["active"].astype(bool)
        errors = pd.DataFrame(se.reshape(n, k)[:, 1:], columns=[c + "_se" for c in _FUTURE_COLUMNS[1:]],
                              index=df.index)
        return pd.concat([df, errors], axis=1)


def simulate(customers: int = 1000, seed: int = 1, *, months: int | None = None,
             acquisition_months: int | None = None, outcome_effects: bool = True,
             segments: dict | None = None, outcome_factors: dict | None = None,
             self_service_rate: float | None = None, churn: str = "hazard", c: float | None = None,
             effects: dict | None = None, queue_refusal: dict | None = None,
             agent_spread: float | None = None, article_saving: float | None = None,
             source_probability: float | None = None) -> SimulatedData:
    """Simulate ``customers`` customers with ``seed`` (see crvm/simulate.h for
    the model and its defaults).

    Churn (``churn="hazard"``, the value model): renewal s is made with
    probability (1 - theta)^(e_s), e_s = (s^c - (s-1)^c) exp(b'z_s), z_s the
    support covariates of the month before it (:data:`COVARIATES`);
    ``c`` sets c, ``effects`` overrides b by covariate name, e.g.
    ``{"refused": np.log(3)}``. ``churn="multiplier"`` keeps the earlier
    form min(1, theta m) with the multipliers ``outcome_factors``, e.g.
    ``{"refused": 3.0}``. ``outcome_effects=False`` removes every support
    effect: pure BdW (sBG with c = 1).

    ``segments`` overrides per-segment parameters, e.g.
    ``{"smb": {"alpha": 1.0, "beta": 6.0}}`` (keys share, alpha, beta,
    price_median, contact_rate); ``queue_refusal`` the refusal probability
    per queue (:data:`QUEUES`), ``agent_spread`` the agents' spread around
    it; ``article_saving`` the share of handle time a linked article saves;
    ``source_probability`` the chance a resolved contact sources revenue.
    Returns a :class:`SimulatedData`; ``truth`` holds each customer's segment,
    theta (baseline monthly churn probability), months paid and churn flag;
    :meth:`SimulatedData.model_truth`, :meth:`SimulatedData.customer_state`
    and :meth:`SimulatedData.continuation` give the rest of the truth.

    The tables are built from the simulator's in-memory columns (no files)
    and equal what :func:`read_tables` returns for the files
    :func:`simulate_csv` writes with the same options: same dtypes, same
    values. (One difference: a table with no rows keeps its typed columns,
    where pandas reading a header-only file gives object columns.)
    """
    o = _options(customers, seed, months, acquisition_months, outcome_effects, segments,
                 outcome_factors, self_service_rate, churn, c, effects, queue_refusal, agent_spread,
                 article_saving, source_probability)
    data = _ll.crvm_simulate(o)
    summary = _ll.crvm_sim_summary()
    _ll.crvm_sim_data_summary(data, summary)
    tables, truth = _sim_frames(data, summary)
    result = SimulatedData(truth=truth, summary=_summary_dict(summary),
                           options={"customers": int(customers), "seed": int(seed)}, **tables)
    result._opts = o
    result._data = data  # the truth at a date and the continuation generate customers again
    return result


def _sim_ids(data, space) -> np.ndarray:
    """The ids of one id space of a simulated data set, as an object array of str."""
    buf = bytearray(_ll.crvm_sim_data_ids_size(data, space))
    _ll.crvm_sim_data_ids(data, space, buf)
    ids = buf.decode("ascii").split("\0")[:-1]  # each id ends with NUL
    return np.array(ids, dtype=object)


def _sim_columns(fn, data, n: int, spec: dict) -> dict:
    """Call one crvm_sim_data_* accessor with a fresh array per column."""
    cols = {name: np.empty(n, dtype=dtype) for name, dtype in spec.items()}
    fn(data, *cols.values())
    return cols


def _as_datetime(days: np.ndarray) -> np.ndarray:
    """int32 days since 1970 (INT32_MIN = none) as datetime64[ns] with NaT, as pd.to_datetime gives."""
    out = days.astype("datetime64[D]").astype("datetime64[ns]")
    out[days == np.iinfo(np.int32).min] = np.datetime64("NaT")
    return out


def _attribute_size(attribute: int) -> int:
    """Number of values of a simulator attribute (its names end with NULL)."""
    n = 0
    while _ll.crvm_sim_attribute_value(attribute, n) is not None:
        n += 1
    return n


def _sim_frames(data, summary) -> tuple:
    """The five tables and the truth of a crvm_sim_data, with the dtypes of :func:`read_tables`."""
    i32, i64, f64 = np.int32, np.int64, np.float64
    customer_ids = _sim_ids(data, _ll.CRVM_SIM_CUSTOMER_IDS)
    contact_ids = _sim_ids(data, _ll.CRVM_SIM_CONTACT_IDS)
    article_ids = _sim_ids(data, _ll.CRVM_SIM_ARTICLE_IDS)
    segments = np.array(SEGMENTS, dtype=object)
    streams = np.array([_ll.crvm_stream_name(k) for k in range(_ll.CRVM_STREAM_COUNT)], dtype=object)
    channels = np.array([_ll.crvm_channel_name(k) for k in range(_ll.CRVM_CHANNEL_COUNT)], dtype=object)
    outcomes = np.array(OUTCOMES, dtype=object)
    kinds = np.array([_ll.crvm_use_kind_name(k) for k in range(_ll.CRVM_USE_KIND_COUNT)], dtype=object)

    nc = int(summary.customers)
    c = _sim_columns(_ll.crvm_sim_data_customers, data, nc, {"segment": i32, "start": i32, "end": i32})
    customers = pd.DataFrame({"customer_id": customer_ids, "segment": segments[c["segment"]],
                              "start_date": _as_datetime(c["start"]),
                              "end_date": _as_datetime(c["end"])})

    a = _sim_columns(_ll.crvm_sim_data_articles, data, int(summary.articles),
                     {"created": i32, "authoring_hours": f64, "maintenance_hours": f64})
    articles = pd.DataFrame({"article_id": article_ids, "created": _as_datetime(a["created"]),
                             "authoring_hours": a["authoring_hours"],
                             "maintenance_hours": a["maintenance_hours"]})

    r = _sim_columns(_ll.crvm_sim_data_revenue, data, int(summary.revenue_events),
                     {"customer": i32, "date": i32, "amount": f64, "stream": i32})
    source = _sim_columns(_ll.crvm_sim_data_revenue_sources, data, int(summary.revenue_events),
                          {"source_contact": i64})["source_contact"]
    contact_or_empty = np.append(contact_ids, "")  # -1 picks the trailing "": no source, as in the file
    revenue = pd.DataFrame({"customer_id": customer_ids[r["customer"]], "date": _as_datetime(r["date"]),
                            "amount": r["amount"], "stream": streams[r["stream"]],
                            "source_contact": contact_or_empty[source]})

    k = _sim_columns(_ll.crvm_sim_data_contacts, data, int(summary.contacts),
                     {"customer": i32, "opened": i32, "closed": i32, "channel": i32,
                      "handle_minutes": f64, "tier": i32, "escalated": i32, "outcome": i32,
                      "satisfaction": f64})
    links = _sim_columns(_ll.crvm_sim_data_contact_articles, data, int(summary.contact_article_links),
                         {"contact": i64, "article": i32})
    # contacts.csv lists a contact's articles joined by ";" (at most two, in link order).
    listed = np.full(len(contact_ids), "", dtype=object)
    first = np.ones(len(links["contact"]), dtype=bool)
    first[1:] = links["contact"][1:] != links["contact"][:-1]
    listed[links["contact"][first]] = article_ids[links["article"][first]]
    later = links["contact"][~first]
    listed[later] = listed[later] + ";" + article_ids[links["article"][~first]]
    attrs = _sim_columns(_ll.crvm_sim_data_contact_attributes, data, int(summary.contacts),
                         {name: i32 for name in ATTRIBUTES})
    contacts = pd.DataFrame({
        "contact_id": contact_ids, "customer_id": customer_ids[k["customer"]],
        "opened": _as_datetime(k["opened"]), "closed": _as_datetime(k["closed"]),
        "channel": channels[k["channel"]], "handle_minutes": k["handle_minutes"],
        "tier": k["tier"].astype(i64), "escalated": k["escalated"].astype(i64),
        "outcome": outcomes[k["outcome"]], "satisfaction": k["satisfaction"], "articles": listed})
    for a, name in enumerate(ATTRIBUTES):
        values = np.array([_ll.crvm_sim_attribute_value(a, v) for v in range(_attribute_size(a))], dtype=object)
        contacts[name] = values[attrs[name]]

    u = _sim_columns(_ll.crvm_sim_data_knowledge_uses, data, int(summary.knowledge_uses),
                     {"article": i32, "date": i32, "kind": i32, "resolved": i32, "contact": i64,
                      "customer": i32})
    # A self-service view has no contact: an empty contact_id, as in the file.
    knowledge_uses = pd.DataFrame({
        "article_id": article_ids[u["article"]], "date": _as_datetime(u["date"]),
        "kind": kinds[u["kind"]], "resolved": u["resolved"].astype(i64),
        "contact_id": contact_or_empty[u["contact"]],  # -1 picks the trailing ""
        "customer_id": customer_ids[u["customer"]]})

    t = _sim_columns(_ll.crvm_sim_customer_truth, data, nc,
                     {"segment": i32, "theta": f64, "lifetime": i32, "churned": i32})
    truth = pd.DataFrame({
        "customer_id": customer_ids,
        "segment": pd.Categorical.from_codes(t["segment"], categories=list(SEGMENTS)),
        "theta": t["theta"],
        "lifetime_months": t["lifetime"],
        "churned": t["churned"].astype(bool),
    })
    tables = {"customers": customers, "articles": articles, "revenue": revenue,
              "contacts": contacts, "knowledge_uses": knowledge_uses}
    return tables, truth


def simulate_csv(directory, customers: int = 1000, seed: int = 1, **options) -> dict:
    """Stream a simulation straight to the five CSV files in ``directory``
    (created if needed), in memory independent of ``customers``. Same keyword
    options as :func:`simulate`. Returns the summary (counts and totals)."""
    o = _options(customers, seed, options.pop("months", None), options.pop("acquisition_months", None),
                 options.pop("outcome_effects", True), options.pop("segments", None),
                 options.pop("outcome_factors", None), options.pop("self_service_rate", None),
                 options.pop("churn", "hazard"), options.pop("c", None), options.pop("effects", None),
                 options.pop("queue_refusal", None), options.pop("agent_spread", None),
                 options.pop("article_saving", None), options.pop("source_probability", None))
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
    for i in range(_ll.crvm_load_report_count(handle)):
        rej = _ll.crvm_load_report_get(handle, i)
        rows.append((rej.file, int(rej.row), int(rej.line), rej.column,
                     _STATUS_NAMES.get(rej.status_code(), str(rej.status_code())), rej.reason))
    frame = pd.DataFrame(rows, columns=["file", "row", "line", "column", "status", "reason"])
    return LoadReport(int(totals.files), int(totals.rows_read), int(totals.rows_accepted),
                      int(totals.rows_rejected), int(totals.bytes_read), frame)


def _ledger_handle(ledger):
    """The C ledger of a crvm.Ledger (kept in ``_h``), or a bare handle."""
    return getattr(ledger, "_h", ledger)


def _writing(ledger):
    """The write lock of a crvm.Ledger (loading appends), or nothing for a bare handle."""
    lock = getattr(ledger, "_lock", None)
    return lock.write() if lock is not None else contextlib.nullcontext()


def load_csv(ledger, directory, strict: bool = True, *, ignore_unknown_columns: bool = False,
             max_field_bytes: int = 0, delimiter: str = ",") -> LoadReport:
    """Load a directory of crvm CSV files into ``ledger``.

    strict=True: the first bad row raises the crvm.Error subclass of its
    status (ParseError, InvalidArgumentError, NotFoundError) naming file,
    row, line, column and reason, and the ledger is left as it was.
    strict=False: valid rows are kept and every rejected row is listed in the
    returned report's ``rejections``. ``delimiter``: the field separator,
    one character ("," by default; ";", "\\t", " ")."""
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter must be one character, got {delimiter!r}")
    opts = _ll.crvm_load_options()
    _ll.crvm_load_options_init(opts)
    opts.mode = _ll.CRVM_LOAD_STRICT if strict else _ll.CRVM_LOAD_LENIENT
    opts.ignore_unknown_columns = 1 if ignore_unknown_columns else 0
    opts.max_field_bytes = int(max_field_bytes)
    opts.delimiter = delimiter
    report = _ll.crvm_load_report_new()
    with _writing(ledger):
        _ll.crvm_load_directory(_ledger_handle(ledger), os.fspath(directory), opts, report)
    return _report(report)


def read_numeric_csv(path, columns) -> pd.DataFrame:
    """Read the named columns of numbers from a CSV file with a header row
    (names matched ignoring case; other columns ignored) through the C
    library's reader: a DataFrame of float64 with the columns in the order
    given. A cell that is not a number raises :class:`crvm.ParseError` naming
    the file, row, line and column; a missing file :class:`crvm.FileError`."""
    return read_table_csv(path, columns)


def read_table_csv(path, columns, labels=(), dates=(), delimiter: str = ",") -> pd.DataFrame:
    """:func:`read_numeric_csv` with label columns and a field separator:
    the columns named in ``labels`` hold text (group names, ids) and come
    back as a pandas Categorical whose categories are the distinct labels in
    order of first appearance; the columns named in ``dates`` hold ISO dates
    (YYYY-MM-DD) and come back as datetime64[D]; the others are float64. ``delimiter``: one
    character (``"\\t"``, ``" "``, ``";"``...; each one separates). An empty
    label raises :class:`crvm.ParseError` naming the row and column."""
    if isinstance(columns, str):
        columns = [columns]
    if isinstance(labels, str):
        labels = [labels]
    if isinstance(dates, str):
        dates = [dates]
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter must be one character, got {delimiter!r}")
    names = [str(c) for c in columns]
    opts = _ll.crvm_table_options()
    _ll.crvm_table_options_init(opts)
    opts.delimiter = delimiter
    table = _ll.crvm_read_table_csv(os.fspath(path), names, [str(c) for c in labels],
                                    [str(c) for c in dates], opts)
    rows = _ll.crvm_numeric_table_rows(table)
    data = {}
    for j, name in enumerate(names):
        out = np.empty(rows)
        _ll.crvm_numeric_table_column(table, j, out)
        k = _ll.crvm_numeric_table_label_count(table, j)
        is_label = any(name.lower() == str(c).lower() for c in labels)
        if is_label:
            categories = [_ll.crvm_numeric_table_label(table, j, c) for c in range(k)]
            data[name] = pd.Categorical.from_codes(out.astype(np.int64), categories)
        elif any(name.lower() == str(c).lower() for c in dates):
            data[name] = out.astype(np.int64).astype("datetime64[D]")
        else:
            data[name] = out
    return pd.DataFrame(data, columns=names, copy=False)

