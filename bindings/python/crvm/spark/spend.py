"""The Gamma-Gamma spend model on Spark: fitted to the repeat customers'
distinct (frequency, monetary_value) rows with counts -- on the driver by
crvm with the counts as weights, or, beyond ``max_driver_rows``, by Newton's
method on crvm's per-row log-likelihood (``crvm_gamma_gamma_log_likelihood``)
summed over partitions (crvm._rows). Mean spends are seldom shared, so the
compression is small: the distributed path is the common one for large
bases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import lowlevel as _ll
from ..spend import GammaGamma
from ._rows import fit_rows

__all__ = ["fit_spend"]

_NAMES = ("p", "q", "v")


def fit_spend(summary, frequency_col: str = "frequency", monetary_col: str = "monetary_value",
              max_driver_rows: int = 2_000_000, sample_rows: int = 100_000,
              tolerance: float = 1e-10) -> GammaGamma:
    """A :class:`crvm.GammaGamma` fitted to the customers of a Spark summary
    with frequency > 0 and monetary value > 0 (those without a repeat spend
    carry no information on it). ``model.spark_report`` says which path was
    taken; on the distributed path it also holds the parameters' covariance
    (``covariance``, from the Hessian by finite differences), since the
    model has no C fit to ask.

    Example::

        s = crvm.spark.rfm_summary(tx, "customer_id", "date", "amount")
        gg = crvm.spark.fit_spend(s)
        crvm.spark.score(bgf, s, "customer_id", spend_model=gg)
    """
    from pyspark.sql import functions as F  # noqa: PLC0415

    cols = (frequency_col, monetary_col)
    for c in cols:
        if c not in summary.columns:
            raise KeyError(f"column {c!r} not in the summary")
    repeat = summary.where((F.col(frequency_col) > 0) & (F.col(monetary_col) > 0))
    rows = repeat.groupBy(*cols).count()
    head = rows.limit(max_driver_rows + 1).toPandas()
    model = GammaGamma()
    if len(head) <= max_driver_rows:
        head = head.sort_values(list(cols), kind="mergesort", ignore_index=True)
        model.fit(head[frequency_col], head[monetary_col], weights=head["count"])
        model.spark_report = {"path": "driver", "distinct_rows": len(head),
                              "customers": int(head["count"].sum())}
        return model
    del head

    def row_log_likelihood(theta, x, m):
        params = _ll.crvm_gamma_gamma_params()
        params.p, params.q, params.v = (float(t) for t in theta)
        out = np.empty(len(x))
        _ll.crvm_gamma_gamma_log_likelihood(params, x, m, out)
        return out

    def fit_sample(frame):
        start = GammaGamma().fit(frame[frequency_col], frame[monetary_col], weights=frame["count"])
        return [start.params[k] for k in _NAMES]

    theta, cov, report = fit_rows(rows, cols, row_log_likelihood, fit_sample,
                                  min(sample_rows, max_driver_rows), tolerance)
    model.params = dict(zip(_NAMES, theta))
    report["covariance"] = pd.DataFrame(cov, index=list(_NAMES), columns=list(_NAMES))
    model.spark_report = report
    return model
