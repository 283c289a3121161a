"""Moving pandas work onto Spark executors: customer buckets, tree sums of
arrays, Spark schemas of pandas results."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pandas as pd

__all__ = ["BUCKET", "by_customer", "tree_sum", "spark_schema"]

#: name of the bucket column added by :func:`by_customer`
BUCKET = "_crvm_bucket"


def by_customer(df, customer_col: str, buckets: int):
    """``df`` with a bucket column: a hash of the customer id modulo
    ``buckets``, so that every row of a customer falls in the same bucket (and
    the same pandas group of applyInPandas / cogroup)."""
    from pyspark.sql import functions as F  # noqa: PLC0415

    if buckets < 1:
        raise ValueError(f"buckets must be >= 1, got {buckets}")
    return df.withColumn(BUCKET, F.pmod(F.xxhash64(F.col(customer_col)), F.lit(int(buckets))))


def tree_sum(df, evaluate: Callable[[pd.DataFrame], np.ndarray], length: int,
             whole: bool = False, depth: int = 2) -> np.ndarray:
    """Sum of ``evaluate(frame)`` (a float array of ``length`` values) over
    ``df``: mapInPandas sums a partition's Arrow batches (or, with ``whole``,
    evaluates the partition's batches gathered into one frame, for data whose
    units -- a subject's rows -- must not be cut), and treeAggregate adds the
    partitions' sums, so the driver receives one array per tree level rather
    than one per partition."""
    def per_partition(batches):
        total = np.zeros(length)
        if whole:
            batches = list(batches)
            batches = [pd.concat(batches, ignore_index=True)] if batches else []
        for batch in batches:
            if len(batch):
                total += np.asarray(evaluate(batch), dtype=np.float64)
        yield pd.DataFrame({"v": [total.tolist()]})

    def add(a, b):
        return a + b

    partials = df.mapInPandas(per_partition, "v array<double>").rdd.map(lambda r: np.array(r.v))
    return partials.treeAggregate(np.zeros(length), add, add, depth=depth)


def spark_schema(columns: Sequence[tuple]) -> str:
    """A DDL schema string from (name, spark type) pairs."""
    return ", ".join(f"`{name}` {kind}" for name, kind in columns)
