"""crvm on Apache Spark (``pip install crvm[spark]``): the same models on
data that lives in Spark tables, with the C library doing the numerics inside
the tasks on the executors. docs/spark.md says how to run it on a cluster.

- :func:`rfm_summary`: RFM summaries and calibration/holdout splits of a
  Spark transaction log;
- :func:`fit`: a crvm transaction model (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB)
  fitted to a Spark customer summary -- on the driver from the distinct
  (frequency, recency, T) rows with counts, or, when those are too many, by
  Newton's method on the likelihood summed over partitions;
- :func:`fit_spend`: the Gamma-Gamma spend model, likewise;
- :func:`score`: P(alive), expected purchases, DERT and CLV per customer;
- :func:`retention_panel`, :func:`fit_retention`, :func:`predict_retention`,
  :func:`segment_rollup`: the sBG/BdW with support covariates on a panel
  built from Spark tables of customers and contacts;
- :class:`SparkValueModel`: the relationship value model (crvm.ValueModel) on
  Spark tables -- the customer value table as a Spark DataFrame, segment
  roll-ups, contact impact and the support P&L's customer lines, with
  intervals from gradients summed over the buckets;
- :func:`local_session`: a local-mode session to try it on one machine.

Every result equals crvm's on one machine (docs/spark.md, "Exactness").

Example::

    from pyspark.sql import SparkSession
    import crvm, crvm.spark

    spark = SparkSession.builder.getOrCreate()
    tx = spark.read.parquet("transactions/")
    s = crvm.spark.rfm_summary(tx, "customer_id", "date", "amount")
    bgf = crvm.spark.fit(crvm.BetaGeo(), s)
    crvm.spark.score(bgf, s, "customer_id", t=90).write.parquet("scores/")
"""

try:
    import pyspark  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("crvm.spark needs pyspark: pip install 'crvm[spark]'") from exc

from .retention import (PANEL_COVARIATES, fit_retention, predict_retention, retention_panel,
                        segment_rollup)
from .rfm import rfm_summary
from .session import local_session
from .spend import fit_spend
from .transactions import distinct_rows, fit, score
from .value import SparkValueModel

__all__ = ["rfm_summary", "distinct_rows", "fit", "fit_spend", "score", "retention_panel", "fit_retention",
           "predict_retention", "segment_rollup", "SparkValueModel", "local_session", "PANEL_COVARIATES"]
