"""Repeat-business models (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB) on Spark.

Fitting: customers are compressed to their distinct (frequency, recency, T)
rows with counts -- usually orders of magnitude fewer rows -- in Spark. If
those fit on the driver (``max_driver_rows``) crvm fits them there with the
counts as weights, which is the same likelihood as one row per customer. If
not, the log-likelihood is a sum over partitions: crvm's fit on a sample of
the distinct rows gives a start, and Newton's method polishes it on all the
rows, each iteration one Spark job in which every partition evaluates crvm's
per-row log-likelihood (``crvm_txn_log_likelihood``) at the points of a
finite-difference stencil and treeAggregate sums them. (The C library has
no gradient of the transaction models' log-likelihood per row; with one, an
iteration would need one evaluation per row instead of 65.)

Scoring: P(alive), expected purchases, DERT and CLV per customer through
mapInPandas with the fitted parameters broadcast; nothing is collected.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from .. import lowlevel as _ll
from ..spend import GammaGamma
from ..transactions import BetaGeoBetaBinom, _TransactionModel
from ._frames import spark_schema
from ._rows import fit_rows

__all__ = ["distinct_rows", "fit", "score"]


def distinct_rows(summary, frequency_col: str = "frequency", recency_col: str = "recency",
                  T_col: str = "T"):
    """The distinct (frequency, recency, T) rows of a Spark customer summary
    with their number of customers, ``count`` (a Spark DataFrame).

    Example::

        crvm.spark.distinct_rows(crvm.spark.rfm_summary(tx, "customer_id", "date")).count()
    """
    return summary.groupBy(frequency_col, recency_col, T_col).count()


def _fit_distributed(model: _TransactionModel, rows, cols, sample_rows: int, tolerance: float):
    """fit_rows with crvm's per-row log-likelihood; sets the model's
    parameters and covariance."""
    code, names = model._model, model._param_names

    def row_log_likelihood(theta, x, tx, T):
        out = np.empty(len(x))
        _ll.crvm_txn_log_likelihood(_ll.crvm_txn_params_make(code, *theta), x, tx, T, out)
        return out

    def fit_sample(frame):
        start = type(model)(max_iterations=model.max_iterations)
        start.fit(*(frame[c] for c in cols), weights=frame["count"])
        return [start.params[k] for k in names]

    theta, cov, report = fit_rows(rows, cols, row_log_likelihood, fit_sample, sample_rows,
                                  tolerance)
    model.params = dict(zip(names, theta))
    model._cov = cov.ravel()
    model._se = np.sqrt(np.diag(cov))
    return report


def fit(model: _TransactionModel, summary, frequency_col: str = "frequency",
        recency_col: str = "recency", T_col: Optional[str] = None,
        max_driver_rows: int = 2_000_000, sample_rows: int = 100_000,
        tolerance: float = 1e-10) -> _TransactionModel:
    """Fit a crvm transaction model (``crvm.BetaGeo()``, ``ParetoNBD()``, ...,
    unfitted) to a Spark customer summary; returns the model, with
    ``model.spark_report`` saying which path was taken.

    The distinct (frequency, recency, T) rows are counted in Spark. Up to
    ``max_driver_rows`` of them are collected and fitted by crvm with the
    counts as weights (``path = "driver"``). Beyond, the fit runs on the
    cluster (``path = "distributed"``, see the module comment): it starts from
    crvm's fit to about ``sample_rows`` (at most ``max_driver_rows``) sampled
    distinct rows and stops when a
    Newton step changes no parameter by more than ``tolerance`` relative; the
    standard errors come from the Hessian by finite differences.

    Example::

        s = crvm.spark.rfm_summary(tx, "customer_id", "date")
        bgf = crvm.spark.fit(crvm.BetaGeo(), s)
        bgf.params
    """
    if not isinstance(model, _TransactionModel):
        raise TypeError(f"model: expected a crvm transaction model, got {type(model).__name__}")
    if T_col is None:
        T_col = "n_periods" if isinstance(model, BetaGeoBetaBinom) else "T"
    cols = (frequency_col, recency_col, T_col)
    for c in cols:
        if c not in summary.columns:
            raise KeyError(f"column {c!r} not in the summary")
    rows = distinct_rows(summary, *cols)
    head = rows.limit(max_driver_rows + 1).toPandas()
    if len(head) <= max_driver_rows:
        head = head.sort_values(list(cols), kind="mergesort", ignore_index=True)
        model.fit(*(head[c] for c in cols), weights=head["count"])
        model.spark_report = {"path": "driver", "distinct_rows": len(head),
                              "customers": int(head["count"].sum())}
        return model
    del head
    model.spark_report = _fit_distributed(model, rows, cols, min(sample_rows, max_driver_rows),
                                          tolerance)
    return model


def score(model: _TransactionModel, summary, customer_col: str, t: float = 30.0,
          discount_rate: Optional[float] = None, spend_model: Optional[GammaGamma] = None,
          monetary_col: str = "monetary_value", clv_months: int = 12,
          clv_discount_rate: float = 0.01, unit="D", frequency_col: str = "frequency",
          recency_col: str = "recency", T_col: Optional[str] = None):
    """Per-customer predictions of a fitted crvm transaction model on a Spark
    customer summary (a Spark DataFrame, lazily computed, one row per input
    row): ``customer_col``, ``p_alive``, ``expected_purchases`` (in the next
    ``t`` time units), with ``discount_rate`` also ``dert`` (continuous rate
    per time unit; BG/BB: per opportunity), and with a fitted ``spend_model``
    (crvm.GammaGamma) also ``clv`` over ``clv_months`` months at
    ``clv_discount_rate`` a month (``GammaGamma.clv``). The parameters are
    broadcast; each Arrow batch is scored by crvm on an executor.

    Example::

        s = crvm.spark.rfm_summary(tx, "customer_id", "date", "amount")
        bgf = crvm.spark.fit(crvm.BetaGeo(), s)
        crvm.spark.score(bgf, s, "customer_id", t=90, discount_rate=0.001)
    """
    params = model.params  # raises NotFittedError when unfitted
    if T_col is None:
        T_col = "n_periods" if isinstance(model, BetaGeoBetaBinom) else "T"
    cols = [frequency_col, recency_col, T_col]
    needed = [customer_col] + cols + ([monetary_col] if spend_model is not None else [])
    missing = [c for c in needed if c not in summary.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in the summary")
    spend = spend_model.params if spend_model is not None else None
    spark = summary.sparkSession
    shared = spark.sparkContext.broadcast({"cls": type(model), "params": params, "spend": spend})
    names = ["p_alive", "expected_purchases"] + (["dert"] if discount_rate is not None else []) + \
        (["clv"] if spend is not None else [])
    key_type = summary.schema[customer_col].dataType.simpleString()
    schema = spark_schema([(customer_col, key_type)] + [(n, "double") for n in names])

    def predict(batches):
        value = shared.value
        m = value["cls"]()
        m.params = value["params"]
        gg = None
        if value["spend"] is not None:
            gg = GammaGamma()
            gg.params = value["spend"]
        for batch in batches:
            x, r, T = (batch[c].to_numpy(dtype=np.float64) for c in cols)
            out = pd.DataFrame({customer_col: batch[customer_col]})
            out["p_alive"] = m.p_alive(x, r, T)
            out["expected_purchases"] = m.expected_purchases(t, x, r, T)
            if discount_rate is not None:
                out["dert"] = m.dert(discount_rate, x, r, T)
            if gg is not None:
                out["clv"] = gg.clv(m, x, r, T, batch[monetary_col].to_numpy(dtype=np.float64),
                                    horizon=clv_months, discount_rate=clv_discount_rate, unit=unit)
            yield out

    return summary.select(*needed).mapInPandas(predict, schema)
