"""Contractual retention with support covariates on Spark: the per-customer
retention panel built from Spark tables, the sBG/BdW-with-covariates fit
summed over partitions, per-customer predictions and segment roll-ups.

Panel: customers and contacts are bucketed by a hash of the customer id
(a customer's rows never span buckets); each bucket becomes a crvm Ledger on
an executor, whose C panel builder (``crvm_ledger_contact_panel``) gives the
customer's rows -- the same rows as on one machine, since a customer's
periods depend only on its own start, end and contacts.

Fit: the log-likelihood is a sum over customers. crvm's fit to a sample of
customers gives a start; Newton's method polishes it on the whole panel, each
iteration one Spark job in which every partition returns crvm's
log-likelihood and analytic gradient (``crvm_retention_cov_log_likelihood``)
at the current point and at +-h along each parameter (the Hessian by
differences of the exact gradient); treeAggregate sums them.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pandas as pd

from .. import lowlevel as _ll
from ..ledger import Ledger
from ..retention_cov import COLUMNS, DEFAULT_DISCOUNT_RATE, RetentionRegression, _KINDS, _Panel
from ._frames import BUCKET, by_customer, spark_schema, tree_sum
from ._newton import newton_maximise

__all__ = ["retention_panel", "fit_retention", "predict_retention", "segment_rollup",
           "PANEL_COVARIATES"]

#: covariates of the panel: contacts opened in the period, by outcome
#: (resolved is the reference) and escalated
PANEL_COVARIATES = ["contacts", "workaround", "refused", "abandoned", "escalated"]
_CUSTOMER_COLS = ["customer_id", "segment", "start_date", "end_date"]
_CONTACT_COLS = ["contact_id", "customer_id", "opened", "closed", "channel", "handle_minutes",
                 "tier", "escalated", "outcome", "satisfaction"]
#: step of the Hessian's differences on the transformed scale
_STEP = 1e-5


def retention_panel(customers, contacts, as_of, period: str = "month",
                    buckets: Optional[int] = None):
    """The retention panel of Spark tables ``customers`` and ``contacts``
    (the columns of docs/data-format.md) as of ``as_of``: a Spark DataFrame
    with one row per customer and period at risk -- ``id``, ``segment``,
    ``period`` (1, 2, ...), ``event`` (churned at that renewal) and the
    contact covariates :data:`PANEL_COVARIATES` of the period (as
    :meth:`crvm.Ledger.contact_panel`). ``buckets`` defaults to the shuffle
    partitions; each bucket's ledger is built on one executor.

    Example::

        panel = crvm.spark.retention_panel(spark.table("customers"),
                                           spark.table("contacts"), "2024-06-30")
    """
    spark = customers.sparkSession
    if buckets is None:
        buckets = int(spark.conf.get("spark.sql.shuffle.partitions"))
    cust_cols = [c for c in _CUSTOMER_COLS if c in customers.columns]
    cont_cols = [c for c in _CONTACT_COLS if c in contacts.columns]
    id_type = customers.schema["customer_id"].dataType.simpleString()
    schema = spark_schema([("id", id_type), ("segment", "string"), ("period", "int"),
                           ("event", "int")] + [(c, "double") for c in PANEL_COVARIATES])
    as_of = pd.Timestamp(as_of)
    span = _span_article(_last_date(customers, contacts))

    def build(cust: pd.DataFrame, cont: pd.DataFrame) -> pd.DataFrame:
        if cust.empty:
            return pd.DataFrame({c: [] for c in ["id", "segment", "period", "event"] +
                                 PANEL_COVARIATES})
        ledger = Ledger.from_frames(cust.drop(columns=BUCKET), articles=span,
                                    contacts=None if cont.empty else cont.drop(columns=BUCKET))
        p = ledger.contact_panel(as_of, period)
        out = pd.DataFrame({"id": p["customer"], "segment": p["segment"].astype(str),
                            "period": p["stop"].astype(np.int32),
                            "event": p["event"].astype(np.int32)})
        for c in PANEL_COVARIATES:
            out[c] = p[c].astype(np.float64)
        return out

    left = by_customer(customers.select(*cust_cols), "customer_id", buckets).groupBy(BUCKET)
    right = by_customer(contacts.select(*cont_cols), "customer_id", buckets).groupBy(BUCKET)
    return left.cogroup(right).applyInPandas(build, schema)


def _last_date(customers, contacts):
    """The latest date of the tables (starts, ends, opened, closed): the
    ledger's last date on one machine."""
    from pyspark.sql import functions as F  # noqa: PLC0415

    def latest(df, cols):
        cols = [c for c in cols if c in df.columns]
        return df.agg(*(F.max(F.to_date(F.col(c))).alias(c) for c in cols)).toPandas().iloc[0]

    values = pd.concat([latest(customers, ["start_date", "end_date"]),
                        latest(contacts, ["opened", "closed"])])
    return pd.to_datetime(values).max()


def _span_article(last) -> Optional[pd.DataFrame]:
    """A knowledge article created on the whole data's last date, added to
    each bucket's ledger: the ledger's as-of check ("as_of at most 366 days
    after the last date", crvm/ledger.h) then sees the last date of all the
    data, as on one machine, rather than the bucket's own. An article touches
    no customer's panel rows."""
    if pd.isna(last):
        return None
    return pd.DataFrame({"article_id": ["_crvm_last_date"], "created": [last],
                         "authoring_hours": [0.0], "maintenance_hours": [0.0]})


def _by_subject(panel, id_col: str, period_col: str, partitions: Optional[int]):
    """The panel with every subject's rows in one partition, in period order."""
    n = partitions or panel.rdd.getNumPartitions()
    return panel.repartition(n, id_col).sortWithinPartitions(id_col, period_col)


class _Layout:
    """Which parameters are optimised on which scale: log for alpha, beta
    and c (c fixed at 1 for the sBG), identity for the coefficients."""

    def __init__(self, kind: str, groups: int, covariates: int):
        k = 2 * groups + 1 + covariates
        self.k = k
        self.free = np.array([j for j in range(k) if not (kind == "sbg" and j == 2 * groups)])
        self.log = np.zeros(k, bool)
        self.log[:2 * groups + 1] = True

    def theta(self, u: np.ndarray) -> np.ndarray:
        full = np.zeros(self.k)
        full[self.free] = u
        return np.where(self.log, np.exp(full), full)

    def u(self, theta: np.ndarray) -> np.ndarray:
        out = np.array(theta, dtype=np.float64)
        out[self.log] = np.log(out[self.log])
        return out[self.free]

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """d theta / d u (diagonal) at theta, over the free parameters."""
        return np.where(self.log, theta, 1.0)[self.free]


def _ll_and_gradients(kind, labels, covariates, points, frame, id_col, period_col, event_col,
                      group_col, weights_col):
    """[ln L, gradient (k values)] at each parameter point (natural scale),
    concatenated, for one partition's subjects."""
    data = _Panel(frame, id_col, period_col, event_col, group_col, covariates, weights_col,
                  group_labels=labels)
    k = len(points[0])
    out = np.empty(len(points) * (k + 1))
    grad = np.empty(k)
    for n, theta in enumerate(points):
        ll = _ll.crvm_retention_cov_log_likelihood(
            _KINDS[kind], len(labels), len(covariates), np.ascontiguousarray(theta),
            data.subject_group, data.row_subject, data.row_period, data.row_event,
            data.z.ravel(), data.weight, grad)
        out[n * (k + 1)] = ll
        out[n * (k + 1) + 1:(n + 1) * (k + 1)] = grad
    return out


def fit_retention(panel, kind: str = "bdw", covariates: Sequence[str] = tuple(PANEL_COVARIATES),
                  id_col: str = "id", period_col: str = "period", event_col: str = "event",
                  group_col: Optional[str] = "segment", weights_col: Optional[str] = None,
                  sample_subjects: int = 20_000, tolerance: float = 1e-10,
                  partitions: Optional[int] = None) -> RetentionRegression:
    """Fit the sBG/BdW with covariates (:class:`crvm.RetentionRegression`) to
    a Spark panel by maximum likelihood summed over partitions; returns the
    fitted model (parameters and covariance, ``spark_report``). The start is
    crvm's fit to about ``sample_subjects`` subjects chosen by a hash of their
    id; Newton iterations on the full panel stop when no parameter changes by
    more than ``tolerance`` relative (absolute for coefficients).

    Example::

        model = crvm.spark.fit_retention(panel, "bdw", covariates=["refused", "escalated"])
        model.summary
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {list(_KINDS)}, got {kind!r}")
    from pyspark.sql import functions as F  # noqa: PLC0415

    covariates = list(covariates)
    data = _by_subject(panel, id_col, period_col, partitions).cache()
    try:
        if group_col is None:
            labels = pd.Index([0])
        else:
            labels = pd.Index(sorted(r[0] for r in data.select(group_col).distinct().collect()))
        subjects = data.select(id_col).distinct().count()
        share = min(1.0, sample_subjects / max(subjects, 1))
        if share < 1.0:
            picked = data.where(F.pmod(F.xxhash64(F.col(id_col)), F.lit(1_000_000))
                                < F.lit(int(share * 1_000_000)))
        else:
            picked = data
        sample = picked.toPandas().sort_values([id_col, period_col], kind="mergesort")
        start = RetentionRegression(kind).fit(sample, id_col, period_col, event_col, group_col,
                                              covariates, weights_col)
        layout = _Layout(kind, len(labels), len(covariates))
        if list(start._labels) != list(labels):
            raise ValueError(f"the sample of {sample_subjects} subjects lacks a group "
                             f"(it has {list(start._labels)}); raise sample_subjects")
        m = len(layout.free)
        offsets = np.vstack([np.zeros(m)] + [s * _STEP * np.eye(m)[j] for j in range(m)
                                              for s in (1, -1)])

        def evaluate(u):
            points = [layout.theta(u + o) for o in offsets]
            sums = tree_sum(data, lambda frame: _ll_and_gradients(
                kind, labels, covariates, points, frame, id_col, period_col, event_col, group_col,
                weights_col), len(points) * (layout.k + 1), whole=True)
            sums = sums.reshape(len(points), layout.k + 1)
            grads = [s[1:][layout.free] * layout.jacobian(layout.theta(u + o))
                     for s, o in zip(sums, offsets)]
            h = np.column_stack([(grads[1 + 2 * j] - grads[2 + 2 * j]) / (2 * _STEP)
                                 for j in range(m)])
            return sums[0, 0], grads[0], (h + h.T) / 2

        u, f, g, h, iterations = newton_maximise(evaluate, layout.u(start._params),
                                                 tolerance=tolerance)
    finally:
        data.unpersist()
    theta = layout.theta(u)
    cov = np.zeros((layout.k, layout.k))
    jac = layout.jacobian(theta)
    inverse = np.linalg.inv(-h)
    cov[np.ix_(layout.free, layout.free)] = (inverse + inverse.T) / 2 * np.outer(jac, jac)
    model = RetentionRegression.from_params(theta, kind, labels, covariates, cov)
    model.spark_report = {"log_likelihood": float(f), "iterations": int(iterations),
                          "subjects": int(subjects), "sample_subjects": int(sample[id_col].nunique()),
                          "gradient_max": float(np.max(np.abs(g)))}
    return model


def predict_retention(model: RetentionRegression, panel, horizon: int = 12,
                      discount_rate: float = DEFAULT_DISCOUNT_RATE, lifetime_cap: int = 1200,
                      future=None, standard_errors: bool = True, id_col: str = "id",
                      period_col: str = "period", event_col: str = "event",
                      group_col: Optional[str] = "segment", partitions: Optional[int] = None):
    """Per-customer predictions of a fitted model on a Spark panel (the
    columns of :meth:`crvm.RetentionRegression.predict`, with ``id_col`` and
    ``group_col``), as a Spark DataFrame: the model's parameters and
    covariance are broadcast and each partition's subjects are predicted by
    crvm on an executor.

    Example::

        pred = crvm.spark.predict_retention(model, panel, horizon=12)
    """
    model._require("predict")
    spark = panel.sparkSession
    shared = spark.sparkContext.broadcast({
        "params": model._params, "kind": model.kind, "labels": list(model._labels),
        "covariates": list(model._covariates), "cov": model._cov})
    model._future(future)  # checked here rather than on the executors
    id_type = panel.schema[id_col].dataType.simpleString()
    cols = [(id_col, id_type)] + ([(group_col, panel.schema[group_col].dataType.simpleString())]
                                  if group_col else [])
    schema = spark_schema(cols + [(c, "boolean" if c == "alive" else
                                   "bigint" if c == "periods" else "double") for c in COLUMNS])
    options = dict(horizon=horizon, discount_rate=discount_rate, lifetime_cap=lifetime_cap,
                   standard_errors=standard_errors)

    def predict(batches):
        batches = list(batches)
        if not batches:
            return
        frame = pd.concat(batches, ignore_index=True)
        if frame.empty:
            return
        v = shared.value
        m = RetentionRegression.from_params(v["params"], v["kind"], v["labels"], v["covariates"],
                                            v["cov"])
        out = m.predict(frame, future=future, id_col=id_col, period_col=period_col,
                        event_col=event_col, group_col=group_col, **options)
        out = out.reset_index()
        if group_col:
            first = frame.drop_duplicates(id_col).set_index(id_col)[group_col]
            out.insert(1, group_col, first.reindex(out[id_col]).to_numpy())
        yield out

    return _by_subject(panel, id_col, period_col, partitions).mapInPandas(predict, schema)


def segment_rollup(predictions, group_col: str = "segment"):
    """Segment roll-ups of per-customer predictions (a Spark DataFrame):
    active customers, expected customers retained over the horizon (sum of
    ``survival``), the sums of ``derl``, ``lifetime`` and ``at_risk`` (periods
    of customers), by segment.

    Example::

        crvm.spark.segment_rollup(crvm.spark.predict_retention(model, panel)).show()
    """
    from pyspark.sql import functions as F  # noqa: PLC0415

    alive = predictions.where(F.col("alive"))
    return alive.groupBy(group_col).agg(
        F.count(F.lit(1)).alias("customers"), F.sum("survival").alias("expected_retained"),
        F.sum("derl").alias("derl"), F.sum("lifetime").alias("lifetime"),
        F.sum("at_risk").alias("at_risk")).orderBy(group_col)
