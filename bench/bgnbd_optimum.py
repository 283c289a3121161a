#!/usr/bin/env python3
"""Whose BG/NBD optimum is off when crvm and lifetimes disagree?

Fits both on bench/run.py's data (n customers, continuous or whole-day
times, its seed) and evaluates, at each answer, lifetimes' own objective
(the mean negative log-likelihood over its log-parameters, time scaled as
its fit scales it), its autograd gradient and Hessian, and the Newton step
from there to the optimum. Then Newton on lifetimes' objective from crvm's
answer gives the optimum itself, and with mpmath installed the gradients
are re-checked in extended precision (numpy longdouble for the per-row
terms, mpmath for the per-x log-gamma terms, central differences of step
1e-7: ~1e-12), independently of both libraries' float64 code.

    .venv-bench/bin/python bench/bgnbd_optimum.py 1000000 whole
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    whole = len(sys.argv) > 2 and sys.argv[2] == "whole"
    spec = importlib.util.spec_from_file_location("bench_run", HERE / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    import crvm
    import lifetimes
    from autograd import hessian, value_and_grad

    d = run.transactions(n, whole, 1)
    x, tx, T = d["frequency"], d["recency"], d["T"]
    lt = lifetimes.BetaGeoFitter().fit(x, tx, T)
    cm = crvm.BetaGeo().fit(x, tx, T)
    names = "r alpha a b".split()
    p_lt = np.array([lt.params_[k] for k in names])
    p_cm = np.array([cm.params[k] for k in names])
    sc = lt._scale

    def theta(p):
        q = p.copy()
        q[1] *= sc
        return np.log(q)

    def params(th):
        q = np.exp(th)
        q[1] /= sc
        return q

    args = (x.astype(int), tx * sc, T * sc, np.ones_like(tx, dtype=int), 0.0)
    f = lifetimes.BetaGeoFitter._negative_log_likelihood
    vg, hf = value_and_grad(f), hessian(f)
    print(f"n = {n}, {'whole-day' if whole else 'continuous'} times; lifetimes' objective:")
    for name, p in (("lifetimes", p_lt), ("crvm", p_cm)):
        v, g = vg(theta(p), *args)
        step = np.linalg.solve(hf(theta(p), *args), g)
        print(f"  at {name:9s}: mean NLL {v:.15f}, max|gradient| {np.max(np.abs(g)):.2e}, "
              f"Newton step to the optimum {np.max(np.abs(step)):.2e} (relative)")
    th = theta(p_cm)
    for _ in range(4):
        _, g = vg(th, *args)
        th = th - np.linalg.solve(hf(th, *args), g)
    p_opt = params(th)
    for name, p in (("lifetimes", p_lt), ("crvm", p_cm)):
        print(f"  {name:9s} vs its optimum: {np.max(np.abs(p - p_opt) / p_opt):.2e} relative")
    try:
        import mpmath
    except ImportError:
        print("(mpmath not installed: no extended-precision check)")
        return
    mpmath.mp.dps = 40
    ld = np.longdouble
    X, R, TT = x.astype(ld), (tx * sc).astype(ld), (T * sc).astype(ld)
    xs, inv = np.unique(x.astype(int), return_inverse=True)

    def nll(thm):
        r, al, a, b = (mpmath.exp(t) for t in thm)
        gx = np.array([ld(str(mpmath.loggamma(r + k) - mpmath.loggamma(r) + r * mpmath.log(al)
                              + mpmath.loggamma(a + b) + mpmath.loggamma(b + k)
                              - mpmath.loggamma(b) - mpmath.loggamma(a + b + k)))
                       for k in xs])
        rl, all_, al_, bl = (ld(str(v)) for v in (r, al, a, b))
        A3 = -(rl + X) * np.log(all_ + TT)
        A4 = np.log(al_) - np.log(bl + np.maximum(X, 1) - 1) - (rl + X) * np.log(R + all_)
        mx = np.maximum(A3, A4)
        ll = gx[inv] + np.log(np.exp(A3 - mx) + np.exp(A4 - mx) * (X > 0)) + mx
        return -np.sum(ll) / ld(len(x))

    h = mpmath.mpf("1e-7")
    print("extended precision, max|gradient| of the mean NLL:")
    for name, p in (("lifetimes", p_lt), ("crvm", p_cm), ("optimum", p_opt)):
        t0 = [mpmath.mpf(float(t)) for t in theta(p)]
        g = []
        for k in range(4):
            tp, tm = list(t0), list(t0)
            tp[k] += h
            tm[k] -= h
            g.append(float((nll(tp) - nll(tm)) / ld(2e-7)))
        print(f"  at {name:9s}: {np.max(np.abs(g)):.2e}")


if __name__ == "__main__":
    main()
