#!/usr/bin/env python3
"""Benchmark crvm's survival models against lifelines on the same simulated data.

    python bench/bench_survival.py                  # 1e4, 1e5, 1e6 rows
    python bench/bench_survival.py --sizes 2000     # a quick smoke run

Each (model, library, size) runs in its own subprocess, which first builds
the data, then records its peak resident set size (ru_maxrss), fits, and
reports the CPU time (user + system) of the fit and the growth of the peak
RSS during it (the extra memory the fit needed). CPU time rather than wall
time, so that other load on a shared machine does not distort the ratios;
BLAS and OpenMP pools are limited to one thread. Both libraries get the same rows (same
seed) and return the same things: for Cox (Efron ties, 10 covariates) the
coefficients, standard errors, log-likelihood, concordance and baseline; for
Kaplan-Meier the curve with its confidence interval. A fit that exceeds the
time limit is killed and printed as ">LIMIT s". The last columns show how
closely the two agree (largest absolute difference of the coefficients, or of
the survival curve at 61 times).

Not part of the test suite; tests never assert timings.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

P = 10


def simulate(n: int, seed: int = 2024):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, P))
    beta = np.linspace(-0.5, 0.5, P)
    t_event = rng.exponential(1.0 / (0.1 * np.exp(X @ beta)))
    t_cens = rng.uniform(0, 30, n)
    t = np.minimum(t_event, t_cens)
    e = (t_event <= t_cens).astype(np.int32)
    return X, t, e


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def worker(model: str, lib: str, n: int) -> dict:
    X, t, e = simulate(n)
    if lib == "crvm":
        import crvm
    else:
        import pandas as pd
        from lifelines import CoxPHFitter, KaplanMeierFitter
        if model == "cox":
            df = pd.DataFrame(X, columns=[f"x{j}" for j in range(P)])
            df["T"] = t
            df["E"] = e
    before = peak_mb()
    cpu0 = cpu_seconds()
    start = time.perf_counter()
    if model == "cox":
        if lib == "crvm":
            m = crvm.CoxPH().fit(X, t, e)
            coef = m.coefficients.to_numpy()
            _ = (m.standard_errors, m.log_likelihood, m.concordance, m.baseline_cumulative_hazard)
        else:
            m = CoxPHFitter().fit(df, "T", "E")
            coef = m.params_.to_numpy()
            _ = (m.standard_errors_, m.log_likelihood_, m.concordance_index_,
                 m.baseline_cumulative_hazard_)
        result = coef
    else:
        probe = np.linspace(0, 30, 61)
        if lib == "crvm":
            km = crvm.KaplanMeier().fit(t, e)
            _ = km.survival_function
            result = km.survival_at(probe)
        else:
            km = KaplanMeierFitter().fit(t, e)
            _ = km.confidence_interval_
            result = km.survival_function_at_times(probe).to_numpy()
    wall = time.perf_counter() - start
    seconds = cpu_seconds() - cpu0
    return {"seconds": seconds, "wall": wall, "peak_mb": max(peak_mb() - before, 0.0),
            "result": [float(v) for v in result]}


def run(model: str, lib: str, n: int, limit: float):
    cmd = [sys.executable, __file__, "--worker", model, lib, str(n)]
    # One core each: no BLAS or OpenMP thread pools.
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, check=True,
                             env=env)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"{lib} {model} n={n} failed:\n{exc.stderr}") from None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--limit", type=float, default=900.0, help="seconds per fit before giving up")
    ap.add_argument("--models", default="km,cox")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        model, lib, n = args.worker
        print(json.dumps(worker(model, lib, int(n))))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'model':<5} {'rows':>9} {'crvm s':>9} {'lifelines s':>12} {'time ratio':>11} "
          f"{'crvm MB':>9} {'lifelines MB':>13} {'mem ratio':>10}  agreement")
    for model in args.models.split(","):
        for n in sizes:
            ours = run(model, "crvm", n, args.limit)
            theirs = run(model, "lifelines", n, args.limit)
            if ours is None:
                print(f"{model:<5} {n:>9} crvm exceeded {args.limit:.0f} s")
                continue
            if theirs is None:
                lt, ratio, lm, mratio, agree = (f">{args.limit:.0f} wall", "-", "-", "-", "-")
            else:
                lt = f"{theirs['seconds']:.3f}"
                ratio = f"{theirs['seconds'] / ours['seconds']:.1f}x"
                lm = f"{theirs['peak_mb']:.1f}"
                mratio = f"{theirs['peak_mb'] / max(ours['peak_mb'], 0.1):.1f}x"
                a, b = np.array(ours["result"]), np.array(theirs["result"])
                if model == "cox":
                    agree = f"coef max abs diff {np.max(np.abs(a - b)):.1e}"
                else:
                    agree = f"S(t) max abs diff {np.max(np.abs(a - b)):.1e}"
            print(f"{model:<5} {n:>9} {ours['seconds']:>9.3f} {lt:>12} {ratio:>11} "
                  f"{ours['peak_mb']:>9.1f} {lm:>13} {mratio:>10}  {agree}", flush=True)
    print("s = CPU seconds (user + system) of the fit, one thread each; time ratio = lifelines / "
          "crvm; mem ratio = lifelines / crvm growth of peak RSS during the fit (MB); one "
          "subprocess per run; wall-clock limit per fit: " f"{args.limit:.0f} s.")


if __name__ == "__main__":
    main()
