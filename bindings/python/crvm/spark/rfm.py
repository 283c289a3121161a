"""RFM summaries (and calibration/holdout splits) of a Spark transaction log.

The transactions are bucketed by a hash of the customer id, so each bucket
holds every transaction of its customers; each bucket is summarised on an
executor by :func:`crvm.rfm_summary` (the C routine) with the global ends,
so a customer's row is the one the single-machine summary gives.
"""

from __future__ import annotations

import pandas as pd

from .. import rfm as _rfm
from ._frames import BUCKET, by_customer, spark_schema

__all__ = ["rfm_summary"]


def _end_value(df, time_col: str, datetime_format: str | None):
    """The latest time of the log, as pandas sees it on the executors (the
    Arrow conversion in the session's time zone)."""
    from pyspark.sql import functions as F  # noqa: PLC0415

    value = df.agg(F.max(F.col(time_col)).alias("end")).toPandas()["end"].iloc[0]
    if pd.isna(value):
        raise ValueError("rfm_summary: the transaction log is empty")
    if datetime_format is not None:
        # the latest of the parsed times (text need not sort as time)
        parsed = df.select(F.to_timestamp(F.col(time_col).cast("string"),
                                          _spark_pattern(datetime_format)).alias("t"))
        return parsed.agg(F.max("t").alias("end")).toPandas()["end"].iloc[0]
    return value


def _spark_pattern(fmt: str) -> str:
    """A strptime format as a Spark datetime pattern (the common fields)."""
    table = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss"}
    for key, value in table.items():
        fmt = fmt.replace(key, value)
    if "%" in fmt:
        raise ValueError(f"datetime_format {fmt!r}: only %Y %m %d %H %M %S are supported on Spark")
    return fmt


def rfm_summary(transactions, customer_col: str, time_col: str, monetary_col: str | None = None,
                observation_end=None, calibration_end=None, unit="D", unit_multiplier: float = 1,
                include_first: bool = False, datetime_format: str | None = None,
                buckets: int | None = None):
    """Per-customer RFM summary of a Spark DataFrame of transactions: the
    columns and definitions of :func:`crvm.rfm_summary` (``frequency``,
    ``recency``, ``T`` [, ``monetary_value``]; with ``calibration_end`` the
    ``_cal`` and holdout columns), one row per customer with a transaction in
    the (calibration) period, plus the customer column. A Spark DataFrame,
    computed lazily.

    ``observation_end`` defaults to the latest transaction (one small Spark
    job). Transactions after the end are excluded, as in the single-machine
    summary. Times that are Spark timestamps are read in the session's time
    zone (``spark.sql.session.timeZone``), as the Arrow conversion does.
    ``buckets``: customer buckets (default: the shuffle partitions); each is
    summarised in one pandas frame on an executor, so a bucket must fit in an
    executor's memory.

    Example::

        s = crvm.spark.rfm_summary(tx, "customer_id", "date", "amount")
        s.groupBy("frequency", "recency", "T").count()
    """
    for col in (customer_col, time_col) + ((monetary_col,) if monetary_col else ()):
        if col not in transactions.columns:
            raise KeyError(f"column {col!r} not in transactions")
    spark = transactions.sparkSession
    if buckets is None:
        buckets = int(spark.conf.get("spark.sql.shuffle.partitions"))
    if observation_end is None:
        # The single-machine default, the latest transaction (whose whole
        # period is then observed), made global.
        observation_end = _end_value(transactions, time_col, datetime_format)
    holdout = calibration_end is not None
    suffix = "_cal" if holdout else ""
    names = ["frequency" + suffix, "recency" + suffix, "T" + suffix]
    if monetary_col:
        names.append("monetary_value" + suffix)
    if holdout:
        names.append("frequency_holdout")
        if monetary_col:
            names.append("monetary_value_holdout")
        names.append("duration_holdout")
    key_type = transactions.schema[customer_col].dataType.simpleString()
    schema = spark_schema([(customer_col, key_type)] + [(n, "double") for n in names])
    kept = [customer_col, time_col] + ([monetary_col] if monetary_col else [])

    def summarise(frame: pd.DataFrame) -> pd.DataFrame:
        # Spark's shuffle does not keep the log's order; a fixed order makes
        # the result independent of the partitioning (the monetary mean's
        # sum depends on its order in the last bits)
        frame = frame.sort_values(kept, kind="mergesort", ignore_index=True)
        out = _rfm.rfm_summary(frame, customer_col, time_col, monetary_col,
                               observation_end=observation_end, calibration_end=calibration_end,
                               unit=unit, unit_multiplier=unit_multiplier,
                               include_first=include_first, datetime_format=datetime_format)
        return out.reset_index()[[customer_col] + names]

    bucketed = by_customer(transactions.select(*kept), customer_col, buckets)
    return bucketed.groupBy(BUCKET).applyInPandas(
        lambda frame: summarise(frame.drop(columns=BUCKET)), schema)
