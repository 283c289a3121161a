#!/usr/bin/env python3
"""crvm.spark against crvm on one machine: time and peak memory of the
transaction path (RFM summary, BG/NBD fit, per-customer scores) on the same
simulated transaction log, written once to Parquet.

    .venv/bin/python bench/bench_spark.py generate 1000000 /tmp/tx_1e6.parquet
    .venv/bin/python bench/bench_spark.py single /tmp/tx_1e6.parquet
    .venv/bin/python bench/bench_spark.py spark /tmp/tx_1e6.parquet [--driver-rows N]
    .venv/bin/python bench/bench_spark.py retention-data 100000 /tmp/business_1e5
    .venv/bin/python bench/bench_spark.py retention-single /tmp/business_1e5
    .venv/bin/python bench/bench_spark.py retention-spark /tmp/business_1e5
    .venv/bin/python bench/bench_spark.py value-data 100000 /tmp/value_1e5
    .venv/bin/python bench/bench_spark.py value-single /tmp/value_1e5
    .venv/bin/python bench/bench_spark.py value-spark /tmp/value_1e5

The retention mode simulates a support business (crvm.simulate), writes its
customers and contacts to Parquet, and times the covariate retention path
(panel, BdW fit with refused / escalated / contacts, predictions) on one
machine and on Spark. The value modes write every table of a simulated
support business and time the value model (crvm.ValueModel against
crvm.spark.SparkValueModel: fit, the value table written to Parquet, segment
roll-ups with intervals).

Each mode runs in its own process and prints one JSON line: wall seconds per
stage, the Python process's peak resident memory (VmHWM) and, for Spark, the
JVM's (the driver and, in local mode, the executors: one process), and the
fitted parameters (to compare the paths). Spark runs in local[2] mode.
"""

import json
import os
import sys
import time

import numpy as np
import pandas as pd


def _hwm_mb(pid="self") -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def generate(n: int, path: str) -> None:
    """n customers of a BG/NBD business (r = 0.6, alpha = 40 days, a = 0.8,
    b = 2.5), first purchases uniform over the first year, observed to the
    end of the second: Poisson purchases at rate λ ~ Gamma(r, alpha) while
    alive, dropout with probability p ~ Beta(a, b) after each repeat
    purchase. Amounts log-normal; customer ids are integers."""
    rng = np.random.default_rng(20261207)
    first = rng.uniform(0, 365, n)
    age = 730 - first
    lam = rng.gamma(0.6, 1 / 40, n)
    p = rng.beta(0.8, 2.5, n)
    m = np.minimum(rng.poisson(lam * age), 200)   # purchases if never dropping out
    alive_for = rng.geometric(p)                   # repeat purchases before dropout
    x = np.minimum(m, alive_for)
    # the x earliest of m uniform times in (0, age): sorted uniforms, kept by rank
    owner = np.repeat(np.arange(n), m)
    u = rng.uniform(0, 1, len(owner))
    order = np.lexsort((u, owner))
    owner, u = owner[order], u[order]
    rank = np.arange(len(owner)) - np.repeat(np.r_[0, np.cumsum(m)[:-1]], m)
    keep = rank < x[owner]
    owner, when = owner[keep], first[owner[keep]] + u[keep] * age[owner[keep]]
    cust = np.r_[np.arange(n), owner]
    day = np.floor(np.r_[first, when]).astype("timedelta64[D]")
    tx = pd.DataFrame({"customer_id": cust.astype(np.int64),
                       "date": (np.datetime64("2023-01-01") + day).astype("datetime64[us]"),
                       "amount": np.round(rng.lognormal(3.0, 0.6, len(cust)), 2)})
    tx.to_parquet(path, index=False, row_group_size=1_000_000, coerce_timestamps="us")
    print(json.dumps({"customers": n, "transactions": len(tx)}))


_COVARIATES = ["refused", "escalated", "contacts"]
_AS_OF = "2024-06-30"


def _started(t: dict):
    """A local[2] session (32 shuffle partitions, 4 GB driver), its JVM's
    process id, and the seconds it took to start in t["start"]."""
    import crvm.spark

    t0 = time.perf_counter()
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = crvm.spark.local_session(cores=2, shuffle_partitions=32, driver_memory="4g",
                                       app_name="crvm-bench")
    t["start"] = time.perf_counter() - t0
    return session, session._jvm.java.lang.ProcessHandle.current().pid()


def single(path: str) -> dict:
    import crvm

    t = {}
    t0 = time.perf_counter()
    tx = pd.read_parquet(path)
    t["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    s = crvm.rfm_summary(tx, "customer_id", "date", "amount", unit="W")
    t["rfm"] = time.perf_counter() - t0
    del tx
    t0 = time.perf_counter()
    bgf = crvm.BetaGeo().fit(s["frequency"], s["recency"], s["T"])
    t["fit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    f, r, T = s["frequency"], s["recency"], s["T"]
    scores = pd.DataFrame({"p_alive": bgf.p_alive(f, r, T),
                           "expected_purchases": bgf.expected_purchases(13, f, r, T),
                           "dert": bgf.dert(0.002, f, r, T)})
    scores.to_parquet("/tmp/crvm_bench_scores_single.parquet")
    t["score"] = time.perf_counter() - t0
    return {"mode": "single", "customers": len(s), "seconds": t, "total": sum(t.values()),
            "python_peak_mb": _hwm_mb(), "params": bgf.params}


def spark(path: str, driver_rows: int) -> dict:
    import crvm
    import crvm.spark

    t = {}
    session, jvm_pid = _started(t)
    t0 = time.perf_counter()
    tx = session.read.parquet(path)
    s = crvm.spark.rfm_summary(tx, "customer_id", "date", "amount", unit="W").cache()
    customers = s.count()
    t["rfm"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    bgf = crvm.spark.fit(crvm.BetaGeo(), s, max_driver_rows=driver_rows)
    t["fit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    scores = crvm.spark.score(bgf, s, "customer_id", t=13, discount_rate=0.002)
    scores.write.mode("overwrite").parquet("/tmp/crvm_bench_scores_spark.parquet")
    t["score"] = time.perf_counter() - t0
    out = {"mode": "spark", "customers": customers, "seconds": t, "total": sum(t.values()),
           "python_peak_mb": _hwm_mb(), "jvm_peak_mb": _hwm_mb(jvm_pid), "params": bgf.params,
           "fit": bgf.spark_report}
    session.stop()
    return out


def retention_data(n: int, directory: str) -> None:
    import crvm

    sim = crvm.simulate(n, seed=5)
    os.makedirs(directory, exist_ok=True)
    sim.customers.to_parquet(f"{directory}/customers.parquet", index=False, coerce_timestamps="us")
    sim.contacts.drop(columns="articles").to_parquet(f"{directory}/contacts.parquet", index=False,
                                                     coerce_timestamps="us")


def retention_single(directory: str) -> dict:
    import crvm

    t = {}
    t0 = time.perf_counter()
    customers = pd.read_parquet(f"{directory}/customers.parquet")
    contacts = pd.read_parquet(f"{directory}/contacts.parquet")
    ledger = crvm.Ledger.from_frames(customers, contacts=contacts)
    p = ledger.contact_panel(_AS_OF)
    panel = pd.DataFrame({"id": p["customer"], "segment": p["segment"], "period": p["stop"],
                          "event": p["event"]})
    for c in _COVARIATES:
        panel[c] = p[c].astype(np.float64)
    t["panel"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = crvm.RetentionRegression("bdw").fit(panel, group_col="segment", covariates=_COVARIATES)
    t["fit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.predict(panel).to_parquet("/tmp/crvm_bench_retention_single.parquet")
    t["predict"] = time.perf_counter() - t0
    return {"mode": "retention-single", "rows": len(panel), "seconds": t,
            "total": sum(t.values()), "python_peak_mb": _hwm_mb(),
            "params": model.params_.to_dict()}


def retention_spark(directory: str) -> dict:
    import crvm
    import crvm.spark

    t = {}
    session, jvm_pid = _started(t)
    t0 = time.perf_counter()
    customers = session.read.parquet(f"{directory}/customers.parquet")
    contacts = session.read.parquet(f"{directory}/contacts.parquet")
    panel = crvm.spark.retention_panel(customers, contacts, _AS_OF).cache()
    rows = panel.count()
    t["panel"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = crvm.spark.fit_retention(panel, "bdw", covariates=_COVARIATES)
    t["fit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    crvm.spark.predict_retention(model, panel).write.mode("overwrite").parquet(
        "/tmp/crvm_bench_retention_spark.parquet")
    t["predict"] = time.perf_counter() - t0
    out = {"mode": "retention-spark", "rows": rows, "seconds": t, "total": sum(t.values()),
           "python_peak_mb": _hwm_mb(), "jvm_peak_mb": _hwm_mb(jvm_pid),
           "params": model.params_.to_dict(), "fit": model.spark_report}
    session.stop()
    return out


_VALUE_TABLES = ("customers", "revenue", "contacts", "knowledge_uses", "articles")


def value_data(n: int, directory: str) -> None:
    import crvm

    sim = crvm.simulate(n, seed=5)
    os.makedirs(directory, exist_ok=True)
    for name in _VALUE_TABLES:
        getattr(sim, name).to_parquet(f"{directory}/{name}.parquet", index=False,
                                      coerce_timestamps="us")


def value_single(directory: str) -> dict:
    import crvm

    t = {}
    t0 = time.perf_counter()
    frames = {n: pd.read_parquet(f"{directory}/{n}.parquet") for n in _VALUE_TABLES}
    ledger = crvm.Ledger.from_frames(frames["customers"], revenue=frames["revenue"],
                                     contacts=frames["contacts"], articles=frames["articles"],
                                     knowledge_uses=frames["knowledge_uses"])
    t["load"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    vm = crvm.ValueModel(ledger).fit(_AS_OF)
    t["fit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    vm.customers().to_parquet("/tmp/crvm_bench_value_single.parquet")
    segments = vm.segments()
    t["table"] = time.perf_counter() - t0
    return {"mode": "value-single", "customers": len(ledger), "seconds": t,
            "total": sum(t.values()), "python_peak_mb": _hwm_mb(),
            "residual_value": float(segments.loc["All", "residual_value"]),
            "params": vm.retention_model.params_.to_dict()}


def value_spark(directory: str) -> dict:
    import crvm
    import crvm.spark

    t = {}
    session, jvm_pid = _started(t)
    t0 = time.perf_counter()
    tables = [session.read.parquet(f"{directory}/{n}.parquet") for n in _VALUE_TABLES[:4]]
    articles = pd.read_parquet(f"{directory}/articles.parquet")
    vm = crvm.spark.SparkValueModel(*tables, articles=articles).fit(_AS_OF)
    t["fit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    vm.customers().write.mode("overwrite").parquet("/tmp/crvm_bench_value_spark.parquet")
    segments = vm.segments()
    t["table"] = time.perf_counter() - t0
    out = {"mode": "value-spark", "seconds": t, "total": sum(t.values()),
           "python_peak_mb": _hwm_mb(), "jvm_peak_mb": _hwm_mb(jvm_pid),
           "residual_value": float(segments.loc["All", "residual_value"]),
           "params": vm.retention_model.params_.to_dict(), "fit": vm.retention_model.spark_report}
    session.stop()
    return out


def main() -> None:
    mode = sys.argv[1]
    if mode == "generate":
        generate(int(float(sys.argv[2])), sys.argv[3])
        return
    if mode == "retention-data":
        retention_data(int(float(sys.argv[2])), sys.argv[3])
        return
    if mode == "value-data":
        value_data(int(float(sys.argv[2])), sys.argv[3])
        return
    if mode == "value-single":
        result = value_single(sys.argv[2])
    elif mode == "value-spark":
        result = value_spark(sys.argv[2])
    elif mode == "retention-single":
        result = retention_single(sys.argv[2])
    elif mode == "retention-spark":
        result = retention_spark(sys.argv[2])
    elif mode == "single":
        result = single(sys.argv[2])
    else:
        rows = int(float(sys.argv[4])) if len(sys.argv) > 4 and sys.argv[3] == "--driver-rows" \
            else 2_000_000
        result = spark(sys.argv[2], rows)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
