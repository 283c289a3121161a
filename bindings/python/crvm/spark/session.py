"""A local-mode SparkSession for trying crvm.spark on one machine (and for
its tests and benchmark)."""

from __future__ import annotations

import os
import sys

__all__ = ["local_session"]


def local_session(cores: int = 2, shuffle_partitions: int = 4, driver_memory: str = "1g",
                  app_name: str = "crvm"):
    """A SparkSession in local mode with ``cores`` worker threads, bound to
    the loopback interface, without the web UI or console progress bars,
    timestamps read in UTC, Arrow transfers on, and the executors' Python
    set to this interpreter (so they find this crvm) unless
    ``PYSPARK_PYTHON`` says otherwise. Stop it with ``session.stop()``.

    Example::

        spark = crvm.spark.local_session()
        tx = spark.createDataFrame(transactions)
        crvm.spark.rfm_summary(tx, "customer_id", "date").show()
        spark.stop()
    """
    from pyspark.sql import SparkSession  # noqa: PLC0415

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master(f"local[{int(cores)}]").appName(app_name)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.sql.shuffle.partitions", str(int(shuffle_partitions)))
               .config("spark.default.parallelism", str(int(shuffle_partitions)))
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.driver.memory", driver_memory)
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session
