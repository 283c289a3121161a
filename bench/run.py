#!/usr/bin/env python3
"""crvm against its peers, every row of issue 12's table, in one command.

For each operation, data shape and size, crvm and each peer run in this one
process on the same arrays, one after the other; reported per call:

  CPU s     user + system CPU seconds of the call, best of --repeat runs
            (one run when a single run takes longer than --slow seconds)
  peak MB   the process's peak resident memory during the call above its
            resident size just before (Linux VmHWM reset through
            /proc/self/clear_refs after gc and malloc_trim): C and Python
            allocations alike, best (lowest) of the runs
  ratio     peer CPU / crvm CPU (above 1: crvm faster)
  agree     largest relative difference of the results (parameters for
            fits, per-customer values, the survival curve or the Cox
            coefficients), |a - b| / max(|b|, 1e-12)
  converged for lifetimes' BG/NBD and Gamma-Gamma fits: the same distance
            from lifetimes refitted with tol = 1e-10 (untimed; its time is
            not in the ratio; where lifetimes' BFGS gives up on precision
            loss first, the next looser tol that converges, named): lifetimes' default tol = 1e-7 stops its BFGS
            ~1e-6 from its own optimum (bench/bgnbd_optimum.py), so "agree"
            measures lifetimes as shipped and "converged" the optimum

A peer (or the baseline) whose run would exceed --budget seconds (estimated
from the previous size, x10 per size step) is not run, and shown as
"est. >N s". With
--baseline DIR, an older crvm installed in DIR (pip install --target DIR)
runs the same crvm calls in a child process on the same data, for a
before/after column. Timings are never asserted; tests/python/test_bench_smoke.py
only checks that --smoke runs.

    bench/run                       # full table (an hour or more)
    bench/run --sizes 10000 100000  # smaller
    bench/run --smoke               # seconds
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import ctypes  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # CDNOW, weeks
GG = {"p": 6.25, "q": 3.74, "v": 15.44}  # CDNOW (Fader & Hardie's note)
DAYS_PER_WEEK = 7.0
# lifetimes' tol for the "converged" column, the first that converges
CONVERGED_TOLS = (1e-10, 1e-9, 1e-8)


# ------------------------------------------------------------------ data

def transactions(n: int, whole: bool, seed: int) -> dict:
    """n customers from the BG/NBD process at the CDNOW parameters (time in
    days, ages 27-39 weeks), continuous or whole days; mean spends from the
    Gamma-Gamma model."""
    rng = np.random.default_rng(seed)
    # alpha is a scale in weeks: in days it is 7 times larger (rates 7 times smaller)
    r, al, a, b = BGNBD["r"], BGNBD["alpha"] * DAYS_PER_WEEK, BGNBD["a"], BGNBD["b"]
    lam = rng.gamma(r, 1.0 / al, n)
    drop = rng.beta(a, b, n)
    T = rng.uniform(27, 39, n) * DAYS_PER_WEEK
    if whole:
        T = np.floor(T)
    x = np.zeros(n)
    tx = np.zeros(n)
    t = np.zeros(n)
    idx = np.arange(n)
    while idx.size:
        t[idx] += rng.exponential(1.0, idx.size) / lam[idx]
        buy = idx[t[idx] <= T[idx]]
        x[buy] += 1
        tx[buy] = np.floor(t[buy]) if whole else t[buy]
        idx = buy[rng.random(buy.size) >= drop[buy]]
    nu = rng.gamma(GG["q"], 1.0 / GG["v"], n)
    m = np.where(x > 0, rng.gamma(GG["p"] * np.maximum(x, 1), 1.0 / nu) / np.maximum(x, 1), 0.0)
    m = np.round(m, 2)
    # the repeat customers, for the Gamma-Gamma fit (selected here, outside
    # the timed calls)
    return {"frequency": x, "recency": tx, "T": T, "monetary": m,
            "buyers_frequency": x[x > 0], "buyers_monetary": m[x > 0]}


def transaction_log(n_tx: int, seed: int) -> pd.DataFrame:
    """n_tx transactions of n_tx / 5 customers over 1997 (whole-second
    timestamps), amounts in cents."""
    rng = np.random.default_rng(seed)
    n_c = max(n_tx // 5, 1)
    cust = rng.integers(0, n_c, n_tx)
    secs = rng.integers(0, 365 * 86400, n_tx)
    when = np.datetime64("1997-01-01T00:00:00", "ns") + secs.astype("timedelta64[s]")
    return pd.DataFrame({"customer": cust, "date": when,
                         "amount": np.round(rng.gamma(2.0, 20.0, n_tx), 2)})


def survival(n: int, tied: bool, seed: int, p: int = 7):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    beta = np.linspace(-0.5, 0.5, p)
    t_event = rng.exponential(1.0 / (0.1 * np.exp(X @ beta)))
    t_cens = rng.uniform(0, 30, n)
    t = np.minimum(t_event, t_cens)
    e = (t_event <= t_cens).astype(np.int32)
    if tied:  # 30 distinct times
        t = np.minimum(np.ceil(t), 30.0)
    return X, t, e


# ------------------------------------------------------------ operations

def op_table(converged=None):
    """name -> (data kind, crvm call, {peer: call}); a call takes the data
    dict and returns a numpy array to compare. converged (a dict, if given)
    receives (name, peer) -> tol -> the peer's call run to tolerance tol."""
    if converged is None:
        converged = {}
    import crvm

    def crvm_bg():
        m = crvm.BetaGeo()
        m.params = dict(BGNBD, alpha=BGNBD["alpha"] * DAYS_PER_WEEK)
        return m

    def lt_bg():
        import lifetimes
        m = lifetimes.BetaGeoFitter()
        m.params_ = pd.Series(dict(BGNBD, alpha=BGNBD["alpha"] * DAYS_PER_WEEK))
        m.predict = m.conditional_expected_number_of_purchases_up_to_time  # set by fit()
        return m

    def lt_gg():
        import lifetimes
        g = lifetimes.GammaGammaFitter()
        g.params_ = pd.Series(GG)
        return g

    def crvm_gg():
        g = crvm.GammaGamma()
        g.params = dict(GG)
        return g

    def buyers(d):
        return d["buyers_frequency"], d["buyers_monetary"]

    def pymc_fit(kind):
        def run(d):
            from pymc_marketing import clv
            df = pd.DataFrame({"customer_id": np.arange(d["frequency"].size),
                               "frequency": d["frequency"], "recency": d["recency"],
                               "T": d["T"]})
            if kind == "bg":
                m = clv.BetaGeoModel(data=df)
                m.fit(method="map", progressbar=False)
                post = m.fit_summary()
                return np.array([post[k] for k in ("r", "alpha", "a", "b")], dtype=float)
            f, mv = buyers(d)
            df = pd.DataFrame({"customer_id": np.arange(f.size), "frequency": f,
                               "monetary_value": mv})
            m = clv.GammaGammaModel(data=df)
            m.fit(method="map", progressbar=False)
            post = m.fit_summary()
            return np.array([post[k] for k in ("p", "q", "v")], dtype=float)
        return run

    def lifetimes_fit(name, keys, **fit_options):
        def run(d):
            import lifetimes
            m = getattr(lifetimes, name)()
            if name == "GammaGammaFitter":
                m.fit(*buyers(d), **fit_options)
            else:
                m.fit(d["frequency"], d["recency"], d["T"], **fit_options)
            return m.params_[list(keys)].to_numpy()
        return run

    def crvm_fit(cls, keys):
        def run(d):
            if cls is crvm.GammaGamma:
                m = cls().fit(*buyers(d))
            else:
                m = cls().fit(d["frequency"], d["recency"], d["T"])
            return np.array([m.params[k] for k in keys])
        return run

    def cox_lifelines(d):
        from lifelines import CoxPHFitter
        X, t, e = d["X"], d["t"], d["e"]
        df = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
        df["T"], df["E"] = t, e
        return CoxPHFitter().fit(df, "T", "E").params_.to_numpy()

    def cox_sksurv(d):
        from sksurv.linear_model import CoxPHSurvivalAnalysis
        y = np.empty(d["t"].size, dtype=[("e", bool), ("t", float)])
        y["e"], y["t"] = d["e"].astype(bool), d["t"]
        return CoxPHSurvivalAnalysis(ties="efron").fit(d["X"], y).coef_

    def km_grid(d):
        return np.linspace(0.0, float(np.max(d["t"])), 61)

    def km_crvm(d):
        return crvm.KaplanMeier().fit(d["t"], d["e"]).survival_at(km_grid(d))

    def km_lifelines(d):
        from lifelines import KaplanMeierFitter
        k = KaplanMeierFitter().fit(d["t"], d["e"])
        return k.survival_function_at_times(km_grid(d)).to_numpy()

    def clv_crvm(d):
        return crvm_gg().clv(crvm_bg(), d["frequency"], d["recency"], d["T"], d["monetary"],
                             horizon=12, discount_rate=0.01, unit="D")

    def clv_lifetimes(d):
        s = {k: pd.Series(d[k]) for k in ("frequency", "recency", "T", "monetary")}
        return np.asarray(lt_gg().customer_lifetime_value(
            lt_bg(), s["frequency"], s["recency"], s["T"], s["monetary"], time=12,
            discount_rate=0.01, freq="D"))

    # the untimed reference of the "converged" column: lifetimes run to a
    # tight tol (CONVERGED_TOLS; Pareto/NBD's Nelder-Mead is left out:
    # minutes a fit)
    converged.update({
        ("BG/NBD fit", "lifetimes"): lambda tol: lifetimes_fit(
            "BetaGeoFitter", "r alpha a b".split(), tol=tol),
        ("Gamma-Gamma fit", "lifetimes"): lambda tol: lifetimes_fit(
            "GammaGammaFitter", "p q v".split(), tol=tol),
    })
    return {
        "BG/NBD fit": ("txn", crvm_fit(crvm.BetaGeo, "r alpha a b".split()),
                       {"lifetimes": lifetimes_fit("BetaGeoFitter", "r alpha a b".split()),
                        "pymc-marketing MAP": pymc_fit("bg")}),
        "Pareto/NBD fit": ("txn", crvm_fit(crvm.ParetoNBD, "r alpha s beta".split()),
                           {"lifetimes": lifetimes_fit("ParetoNBDFitter",
                                                       "r alpha s beta".split())}),
        "Gamma-Gamma fit": ("txn", crvm_fit(crvm.GammaGamma, "p q v".split()),
                            {"lifetimes": lifetimes_fit("GammaGammaFitter", "p q v".split()),
                             "pymc-marketing MAP": pymc_fit("gg")}),
        "P(alive)": ("txn", lambda d: crvm_bg().p_alive(d["frequency"], d["recency"], d["T"]),
                     {"lifetimes": lambda d: np.asarray(lt_bg().conditional_probability_alive(
                         d["frequency"], d["recency"], d["T"]))}),
        "conditional expected purchases (30 d)": (
            "txn", lambda d: crvm_bg().expected_purchases(30.0, d["frequency"], d["recency"],
                                                          d["T"]),
            {"lifetimes": lambda d: np.asarray(
                lt_bg().conditional_expected_number_of_purchases_up_to_time(
                    30.0, d["frequency"], d["recency"], d["T"]))}),
        "CLV (Gamma-Gamma x BG/NBD, 12 months)": ("txn", clv_crvm, {"lifetimes": clv_lifetimes}),
        "BG/NBD DERT (delta 0.1/365 per day)": (
            "txn", lambda d: crvm_bg().dert(0.1 / 365, d["frequency"], d["recency"], d["T"]),
            {}),
        "RFM summary": ("log", lambda d: crvm.rfm_summary(
            d["log"], "customer", "date", "amount", observation_end=d["end"]).to_numpy().ravel(),
            {"lifetimes": lambda d: __import__("lifetimes.utils", fromlist=["x"])
             .summary_data_from_transaction_data(d["log"], "customer", "date", "amount",
                                                 observation_period_end=d["end"])
             .to_numpy().ravel()}),
        "Kaplan-Meier": ("surv", km_crvm, {"lifelines": km_lifelines}),
        "Cox, Efron, 7 covariates": (
            "surv", lambda d: crvm.CoxPH().fit(d["X"], d["t"], d["e"]).coefficients.to_numpy(),
            {"lifelines": cox_lifelines, "scikit-survival": cox_sksurv}),
    }


# ------------------------------------------------------------ measuring

def _kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(field)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(call, d, repeat: int, slow: float) -> dict:
    best_t, best_m, result = None, None, None
    for i in range(repeat):
        gc.collect()
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except OSError:
            pass
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        rss0 = _kb("VmRSS")
        # the clock runs around the call alone: the warnings filter's save,
        # set and restore took ~30 us of every timed call (an empty call
        # measured 33-37 us with them inside, 6-7 us without)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c0 = _cpu()
            result = call(d)
            dt = _cpu() - c0
        mb = (_kb("VmHWM") - rss0) / 1024.0
        best_t = dt if best_t is None else min(best_t, dt)
        best_m = mb if best_m is None else min(best_m, mb)
        if dt > slow:
            break
    return {"time": best_t, "mb": best_m, "result": np.asarray(result, dtype=float),
            "runs": i + 1}


def agreement(a: np.ndarray, b: np.ndarray) -> str:
    if a.shape != b.shape:
        return "shape"
    if a.size == 0:
        return "0"
    return f"{np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)):.1e}"


def converged_agreement(converged: dict, name: str, peer: str, c: dict, d: dict) -> str:
    """agreement with the peer run to a tight tolerance (untimed), or "-".
    lifetimes raises ConvergenceError where its BFGS stops on precision loss
    before the tolerance; then the next looser one is tried, and named."""
    make = converged.get((name, peer))
    if make is None:
        return "-"
    for tol in CONVERGED_TOLS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ref = np.asarray(make(tol)(d), dtype=float)
            except Exception as exc:  # reported in the cell, never hidden
                failure = type(exc).__name__
                continue
        note = "" if tol == CONVERGED_TOLS[0] else f" (tol {tol:g})"
        return agreement(c["result"], ref) + note
    return failure


def build_data(kind: str, shape: str, n: int, seed: int) -> dict:
    if kind == "txn":
        return transactions(n, shape != "continuous", seed)
    if kind == "log":
        log = transaction_log(n, seed)
        return {"log": log, "end": log["date"].max()}
    X, t, e = survival(n, shape != "continuous", seed)
    return {"X": X, "t": t, "e": e}


SHAPES = {"txn": ("continuous", "whole days"), "log": ("timestamps",),
          "surv": ("continuous", "30 distinct times")}


def baseline_worker(op: str, data_path: str, out_path: str, repeat: int, slow: float) -> None:
    """Child process: the crvm call of op on saved data, with the crvm on
    sys.path (the --baseline installation)."""
    d = dict(np.load(data_path, allow_pickle=True))
    if "log" in d:
        d["log"] = pd.DataFrame(d["log"].item())
        d["end"] = d["log"]["date"].max()
    _, call, _ = op_table()[op]
    m = measure(call, d, repeat, slow)
    np.save(out_path, m["result"])
    print(json.dumps({"time": m["time"], "mb": m["mb"]}))


def run_baseline(path: str, op: str, d: dict, tmp: pathlib.Path, repeat, slow):
    data = tmp / "baseline_data.npz"
    save = dict(d)
    if "log" in save:
        save["log"] = np.array(save["log"].to_dict("list"), dtype=object)
        save.pop("end")
    np.savez(data, **save)
    out = tmp / "baseline_out.npy"
    env = dict(os.environ, PYTHONPATH=path)
    proc = subprocess.run([sys.executable, __file__, "--baseline-worker", op, str(data), str(out),
                           str(repeat), str(slow)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    m = json.loads(proc.stdout.strip().splitlines()[-1])
    m["result"] = np.load(out)
    return m


# --------------------------------------------------------------- report

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000],
                    help="customers / subjects (default 1e4 1e5 1e6); RFM uses 10x as many "
                         "transactions")
    ap.add_argument("--ops", nargs="*", default=None, help="operation names (default: all)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--slow", type=float, default=30.0,
                    help="one run only when a run takes longer (default 30 s)")
    ap.add_argument("--budget", type=float, default=300.0,
                    help="skip a peer whose estimated run exceeds this (default 300 s)")
    ap.add_argument("--baseline", help="directory with an older crvm (pip install --target)")
    ap.add_argument("--out", type=pathlib.Path, help="also write the Markdown table here")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, to check the script")
    ap.add_argument("--baseline-worker", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.baseline_worker:
        op, data, out, repeat, slow = args.baseline_worker
        baseline_worker(op, data, out, int(repeat), float(slow))
        return 0
    if args.smoke:
        args.sizes, args.repeat, args.budget = [300], 1, 60.0

    import crvm
    converged = {}
    ops = op_table(converged)
    names = args.ops or list(ops)
    unknown = [n for n in names if n not in ops]
    if unknown:
        ap.error(f"unknown operations {unknown}; known: {list(ops)}")
    versions = [f"crvm {crvm.__version__}"]
    missing = set()
    for mod, peer in (("lifetimes", "lifetimes"), ("lifelines", "lifelines"),
                      ("pymc_marketing", "pymc-marketing MAP"), ("sksurv", "scikit-survival")):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except Exception:  # not installed: that peer is left out
            versions.append(f"{mod} not installed")
            missing.add(peer)
    out = [f"Run: {', '.join(versions)}; Python {platform.python_version()}, numpy "
           f"{np.__version__}; {platform.machine()}, {os.cpu_count()} CPUs; BLAS threads 1.",
           "",
           "| operation | data | size | peer | crvm CPU s | peer CPU s | ratio | crvm peak MB "
           "| peer peak MB | agree | converged |"
           + (" before CPU s | before/after |" if args.baseline else ""),
           "|---|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if args.baseline else "")]
    print("\n".join(out), flush=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="crvm_bench_"))
    status = 0
    for name in names:
        kind, crvm_call, peers = ops[name]
        for shape in SHAPES[kind]:
            last_peer_time = {}
            for n in args.sizes:
                size = n * 10 if kind == "log" else n
                d = build_data(kind, shape, size, seed=size % 9973)
                try:
                    c = measure(crvm_call, d, args.repeat, args.slow)
                except Exception as exc:  # reported, never hidden
                    print(f"| {name} | {shape} | {size:.0e} | crvm | error: {exc} |", flush=True)
                    status = 1
                    continue
                base = ""
                if args.baseline:
                    est = last_peer_time.get("baseline")
                    if est is not None and est * 10 > args.budget:
                        base = f" est. >{est * 10:.0f} | >{est * 10 / c['time']:.3g}x |"
                    else:
                        b = run_baseline(args.baseline, name, d, tmp, args.repeat, args.slow)
                        if "time" in b:
                            last_peer_time["baseline"] = b["time"]
                        base = (f" {b['time']:.4g} | {b['time'] / max(c['time'], 1e-9):.3g}x |"
                                if "time" in b else f" {b.get('error', 'error')} | - |")
                present = [(k, v) for k, v in peers.items() if k not in missing]
                for peer, call in (present or [("-", None)]):
                    prefix = (f"| {name} | {shape} | {size:.0e} | {peer} | {c['time']:.4g} |")
                    if call is None:
                        line = f"{prefix} - | - | {c['mb']:.1f} | - | - | - |{base}"
                        print(line, flush=True)
                        out.append(line)
                        continue
                    est = last_peer_time.get(peer)
                    if est is not None and est * 10 > args.budget:
                        line = (f"{prefix} est. >{est * 10:.0f} | >{est * 10 / c['time']:.3g} | "
                                f"{c['mb']:.1f} | - | - | - |{base}")
                    else:
                        try:
                            p = measure(call, d, args.repeat, args.slow)
                        except Exception as exc:
                            line = (f"{prefix} {type(exc).__name__} | - | {c['mb']:.1f} | - | - "
                                    f"| - |{base}")
                        else:
                            last_peer_time[peer] = p["time"]
                            runs = "" if p["runs"] == args.repeat else f" ({p['runs']} run)"
                            line = (f"{prefix} {p['time']:.4g}{runs} | "
                                    f"{p['time'] / max(c['time'], 1e-9):.3g} | {c['mb']:.1f} | "
                                    f"{p['mb']:.1f} | {agreement(c['result'], p['result'])} | "
                                    f"{converged_agreement(converged, name, peer, c, d)} |"
                                    f"{base}")
                    print(line, flush=True)
                    out.append(line)
    if args.out:
        args.out.write_text("\n".join(out) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
