#!/usr/bin/env python3
"""crvm against lifetimes: repeat-business models and RFM summaries.

One run measures, for crvm and for lifetimes on the same data:

  fit_bgnbd     fit BG/NBD (Fader, Hardie & Lee 2005) to (x, t_x, T)
  fit_pareto    fit Pareto/NBD
  p_alive       P(alive) under BG/NBD, every customer
  expected      conditional expected purchases in the next 10 time units (BG/NBD)
  rfm           RFM summary (frequency, recency, T, monetary) from a transaction log

on three data sets:

  cdnow   the CDNOW cohort: 2,357-customer summary (weeks) for the models,
          the 69,659-transaction master log (23,570 customers) for the RFM summary
  sim1e5  10^5 customers simulated from a BG/NBD process (numpy), and their log
  sim1e6  10^6 customers likewise

Every measurement runs in a fresh subprocess, so that timings and memory do
not leak into each other. Reported per measurement:

  time      wall-clock seconds of the operation alone (data already loaded)
  RSS       peak resident set size during the operation minus the resident
            size just before it (Linux: high-water mark reset through
            /proc/self/clear_refs; elsewhere ru_maxrss growth), MB: catches
            C allocations too
  traced    peak of Python-visible allocations during the operation
            (tracemalloc; numpy buffers included, crvm's C heap not), MB,
            from a second run, made only when the first took < --traced-limit s

and the ratios lifetimes / crvm (above 1: crvm faster or leaner). A
measurement that exceeds --timeout is stopped and shown as ">T". The
"agree" column is the largest relative difference between the two results
(parameters for fits, per-customer values otherwise).

Usage (with crvm and lifetimes importable):
  python bench/bench_transactions.py                    # full run, a few minutes to an hour
  python bench/bench_transactions.py --sizes 100000     # skip 10^6
  python bench/bench_transactions.py --smoke            # seconds: tiny data, to check the script
Benchmarks assert nothing about timings.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_DATA = pathlib.Path(os.environ.get("CRVM_DATA_DIR", HERE.parent.parent / "shared" / "data"))

OPERATIONS = ["fit_bgnbd", "fit_pareto", "p_alive", "expected", "rfm"]

# BG/NBD parameters of the simulation (weekly time), near the CDNOW estimates
# but with more buying, and the published CDNOW BG/NBD parameters used for
# the prediction timings on CDNOW.
SIM_BGNBD = {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}
CDNOW_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


# --------------------------------------------------------------- data

def simulate(n: int, seed: int, path: pathlib.Path) -> None:
    """Customers acquired uniformly over weeks [0, 26), observed to week 52;
    repeat purchases at Poisson rate lambda ~ Gamma(r, alpha) while alive;
    after each purchase death with probability p ~ Beta(a, b). Amounts
    Gamma-Gamma (p=6, q=4, v=15). Saves the summary and the log (days)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    r, alpha, a, b = (SIM_BGNBD[k] for k in ("r", "alpha", "a", "b"))
    lam = rng.gamma(r, 1.0 / alpha, n)
    pdrop = rng.beta(a, b, n)
    start = rng.uniform(0.0, 26.0, n)
    T = 52.0 - start
    nu = rng.gamma(4.0, 1.0 / 15.0, n)
    x = np.zeros(n)
    tx = np.zeros(n)
    cust = [np.arange(n)]
    when = [start.copy()]
    t = np.zeros(n)
    idx = np.arange(n)
    while idx.size:
        t[idx] += rng.exponential(1.0, idx.size) / lam[idx]
        inside = t[idx] <= T[idx]
        buy = idx[inside]
        x[buy] += 1
        tx[buy] = t[buy]
        cust.append(buy)
        when.append(start[buy] + t[buy])
        survive = rng.random(buy.size) >= pdrop[buy]
        idx = buy[survive]
    cust = np.concatenate(cust)
    when = np.concatenate(when)
    amount = np.round(rng.gamma(6.0, 1.0 / nu[cust]), 2)
    order = np.argsort(when, kind="stable")  # a log in time order, customers interleaved
    np.savez(path, frequency=x, recency=tx, T=T, log_customer=cust[order],
             log_days=when[order] * 7.0, log_amount=amount[order])


def prepare_cdnow(datadir: pathlib.Path, path: pathlib.Path) -> None:
    import numpy as np
    import pandas as pd

    s = pd.read_csv(datadir / "cdnow_customers_summary.csv")
    log = pd.read_csv(datadir / "CDNOW_master.txt", sep=r"\s+")
    days = pd.to_datetime(log["date"].astype(str), format="%Y%m%d")
    days = (days - pd.Timestamp("1997-01-01")).dt.days.to_numpy(dtype=float)
    np.savez(path, frequency=s["frequency"].to_numpy(float), recency=s["recency"].to_numpy(float),
             T=s["T"].to_numpy(float), log_customer=log["customer_id"].to_numpy(),
             log_days=days, log_amount=log["dollar_value"].to_numpy(float))


# ------------------------------------------------------------- worker

def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(field)


def worker(lib: str, op: str, data_path: str, out_path: str, traced: bool) -> None:
    import resource
    import tracemalloc
    import warnings

    import numpy as np
    import pandas as pd

    warnings.simplefilter("ignore")
    d = np.load(data_path)
    f, r, T = d["frequency"], d["recency"], d["T"]
    params = CDNOW_BGNBD if "cdnow" in data_path else SIM_BGNBD
    if op == "rfm":
        base = np.datetime64("1997-01-01T00:00:00", "ns")
        log = pd.DataFrame({
            "customer": d["log_customer"],
            "date": base + (d["log_days"] * 86400e9).astype("int64").astype("timedelta64[ns]"),
            "amount": d["log_amount"],
        })
        end = log["date"].max()

    if lib == "crvm":
        import crvm

        def run():
            if op == "fit_bgnbd":
                m = crvm.BetaGeo().fit(f, r, T)
                return np.array([m.params[k] for k in ("r", "alpha", "a", "b")])
            if op == "fit_pareto":
                m = crvm.ParetoNBD().fit(f, r, T)
                return np.array([m.params[k] for k in ("r", "alpha", "s", "beta")])
            m = crvm.BetaGeo()
            m.params = params
            if op == "p_alive":
                return m.p_alive(f, r, T)
            if op == "expected":
                return m.expected_purchases(10.0, f, r, T)
            if op == "rfm":
                s = crvm.rfm_summary(log, "customer", "date", "amount", observation_end=end)
                return s.to_numpy().ravel()
            raise ValueError(op)
    else:
        import lifetimes
        from lifetimes.utils import summary_data_from_transaction_data

        def run():
            if op == "fit_bgnbd":
                m = lifetimes.BetaGeoFitter().fit(f, r, T)
                return m.params_[["r", "alpha", "a", "b"]].to_numpy()
            if op == "fit_pareto":
                m = lifetimes.ParetoNBDFitter().fit(f, r, T)
                return m.params_[["r", "alpha", "s", "beta"]].to_numpy()
            m = lifetimes.BetaGeoFitter()
            m.params_ = pd.Series(params)
            if op == "p_alive":
                return np.asarray(m.conditional_probability_alive(f, r, T))
            if op == "expected":
                return np.asarray(m.conditional_expected_number_of_purchases_up_to_time(10.0, f, r, T))
            if op == "rfm":
                s = summary_data_from_transaction_data(log, "customer", "date", "amount",
                                                       observation_period_end=end)
                return s.to_numpy().ravel()
            raise ValueError(op)

    # Peak RSS growth: release what loading the data left cached, reset the
    # kernel's high-water mark (Linux clear_refs 5) and compare it after the
    # operation with the resident size before. Falls back to ru_maxrss.
    import ctypes
    import gc
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass
    hwm_reset = False
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        hwm_reset = True
    except OSError:
        pass
    rss0 = _status_kb("VmRSS") if hwm_reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] if traced else None
    if traced:
        tracemalloc.stop()
    rss1 = _status_kb("VmHWM") if hwm_reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    np.save(out_path, np.asarray(result, dtype=float))
    print(json.dumps({"time": elapsed, "rss_mb": (rss1 - rss0) / 1024.0,
                      "traced_mb": None if peak is None else peak / 2**20}))


def measure(lib, op, data_path, out_path, traced, timeout):
    cmd = [sys.executable, __file__, "--worker", lib, op, str(data_path), str(out_path)]
    if traced:
        cmd.append("--traced")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout": True}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -------------------------------------------------------------- report

def fmt_time(m, timeout):
    if "skipped" in m:
        return f">{timeout:.0f}*"
    if "timeout" in m:
        return f">{timeout:.0f}"
    if "error" in m:
        return "error"
    t = m["time"]
    return f"{t:.3g}" if t < 100 else f"{t:.0f}"


def fmt_mb(v):
    return "-" if v is None else f"{v:.1f}"


def ratio(a, b, floor=0.0):
    if a is None or b is None:
        return "-"
    a, b = max(a, floor), max(b, floor)
    if b <= 0:
        return "-"
    return f"{a / b:.3g}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000],
                    help="simulated numbers of customers (default 100000 1000000)")
    ap.add_argument("--no-cdnow", action="store_true", help="skip the CDNOW data")
    ap.add_argument("--ops", nargs="*", default=OPERATIONS, choices=OPERATIONS)
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds before a measurement is stopped and shown as '>T' (default 300)")
    ap.add_argument("--traced-limit", type=float, default=30.0,
                    help="make the tracemalloc run only if the timed run took less (default 30 s)")
    ap.add_argument("--data-dir", type=pathlib.Path, default=DEFAULT_DATA)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, quick check of the script")
    ap.add_argument("--worker", nargs=4, metavar=("LIB", "OP", "DATA", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(*args.worker, traced=args.traced)
        return 0
    if args.smoke:
        args.sizes = [300]
        args.no_cdnow = True
        args.timeout = min(args.timeout, 120.0)

    import numpy as np

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="crvm_bench_"))
    datasets = []
    if not args.no_cdnow:
        path = tmp / "cdnow.npz"
        prepare_cdnow(args.data_dir, path)
        datasets.append(("cdnow", path))
    for n in args.sizes:
        path = tmp / f"sim{n}.npz"
        simulate(n, seed=n % 9973, path=path)
        datasets.append((f"sim{n:.0e}".replace("+0", "").replace("+", ""), path))

    import platform
    import crvm
    import lifetimes
    print(f"crvm {crvm.__version__} vs lifetimes {lifetimes.__version__}; "
          f"Python {platform.python_version()}, numpy {np.__version__}; {platform.machine()}, "
          f"{os.cpu_count()} CPUs")
    for name, path in datasets:
        d = np.load(path)
        print(f"  {name}: {d['frequency'].size} customers (summary), "
              f"{d['log_customer'].size} transactions in the log "
              f"({np.unique(d['log_customer']).size} customers)")
    header = (f"{'data':<8} {'operation':<11} {'crvm s':>8} {'lifetimes s':>11} {'time x':>7} "
              f"{'crvm RSS':>9} {'lt RSS':>8} {'RSS x':>6} {'crvm trc':>9} {'lt trc':>8} "
              f"{'trc x':>6} {'agree':>8}")
    print()
    print("time x, RSS x, trc x: lifetimes / crvm. RSS = peak RSS growth (MB); "
          "trc = tracemalloc peak (MB).")
    print(header)
    print("-" * len(header))
    sys.stdout.flush()
    rows = []
    timed_out = set()
    for name, path in datasets:
        for op in args.ops:
            res = {}
            for lib in ("crvm", "lifetimes"):
                out = tmp / f"{name}_{op}_{lib}.npy"
                if (lib, op) in timed_out:
                    res[lib] = ({"timeout": True, "skipped": True}, out)
                    continue
                m = measure(lib, op, path, out, False, args.timeout)
                if "timeout" in m:
                    timed_out.add((lib, op))
                if "time" in m and m["time"] < args.traced_limit:
                    mt = measure(lib, op, path, tmp / f"{name}_{op}_{lib}_t.npy", True,
                                 args.timeout)
                    m["traced_mb"] = mt.get("traced_mb")
                res[lib] = (m, out)
            c, lt = res["crvm"][0], res["lifetimes"][0]
            agree = "-"
            if "time" in c and "time" in lt:
                a = np.load(res["crvm"][1])
                b = np.load(res["lifetimes"][1])
                if a.shape == b.shape:
                    scale = np.maximum(np.abs(b), 1e-12)
                    agree = f"{np.max(np.abs(a - b) / scale):.1e}" if a.size else "0"
            ct, lt_t = c.get("time"), lt.get("time")
            line = (f"{name:<8} {op:<11} {fmt_time(c, args.timeout):>8} "
                    f"{fmt_time(lt, args.timeout):>11} "
                    f"{(ratio(lt_t, ct) if lt_t else ('>' + ratio(args.timeout, ct) if 'timeout' in lt else '-')):>7} "
                    f"{fmt_mb(c.get('rss_mb')):>9} {fmt_mb(lt.get('rss_mb')):>8} "
                    f"{ratio(lt.get('rss_mb'), c.get('rss_mb'), floor=0.1):>6} "
                    f"{fmt_mb(c.get('traced_mb')):>9} {fmt_mb(lt.get('traced_mb')):>8} "
                    f"{ratio(lt.get('traced_mb'), c.get('traced_mb'), floor=0.01):>6} {agree:>8}")
            print(line)
            sys.stdout.flush()
            rows.append((name, op, c, lt))
    errors = [(n, o, lib, m["error"]) for n, o, c, lt in rows
              for lib, m in (("crvm", c), ("lifetimes", lt)) if "error" in m]
    if errors:
        print()
        for n, o, lib, e in errors:
            print(f"error: {lib} {o} on {n}: {e}")
    print()
    print("RSS ratios use a floor of 0.1 MB, traced ratios 0.01 MB, for growth too small to resolve.")
    if timed_out:
        print(f">{args.timeout:.0f}: stopped after --timeout seconds; "
              f">{args.timeout:.0f}*: not run, as it had already timed out on a smaller data set.")
    return 1 if any(lib == "crvm" for _, _, lib, _ in errors) else 0


if __name__ == "__main__":
    sys.exit(main())
