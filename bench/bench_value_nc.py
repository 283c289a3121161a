"""Value-layer benchmark for the non-contractual models (crvm/value.h
"Non-contractual models"): a retail business drawn from the BG/NBD and
Gamma-Gamma stories (first purchases over 180 days of 2023, observed to
2023-12-31) is loaded into a Ledger; then, per model, crvm.ValueModel.fit
(summary, transaction and spend fits, every customer valued with its
intervals, segment sums) and the customers and segments tables are timed.

    python bench/bench_value_nc.py [customers=1000000] [models=bgnbd,pareto] [threads=0]

Memory: the resident set (/proc/self/statm) sampled every 5 ms by a thread
while the stage runs (the C calls release the GIL): its peak above the
resident set at the stage's start, per customer, and what the stage leaves
held (the value object; freed memory may stay resident, so both are upper
bounds). Wall and process CPU seconds (the machine may be shared)."""

import os
import sys
import threading
import time

import numpy as np
import pandas as pd

import crvm

AS_OF = pd.Timestamp("2023-12-31")


def purchases(n, seed=1):
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.8, 1 / 40, n)          # per day
    p = rng.beta(0.8, 2.5, n)
    nu = rng.gamma(4.0, 1 / 15, n)
    t = rng.uniform(0, 180, n)
    end = (AS_OF - pd.Timestamp("2023-01-01")).days + 1
    who, day, amount = [], [], []
    alive = np.arange(n)
    first = True
    while len(alive):
        who.append(alive)
        day.append(np.floor(t[alive]))
        amount.append(np.round(rng.gamma(6.0, 1 / nu[alive]) * 100) / 100)
        dies = rng.uniform(size=len(alive)) < p[alive] if not first else np.zeros(len(alive), bool)
        first = False
        t[alive] += rng.exponential(1 / lam[alive])
        alive = alive[~dies & (t[alive] < end)]
    who, day, amount = np.concatenate(who), np.concatenate(day), np.concatenate(amount)
    ids = np.char.add("c", np.char.zfill(np.arange(n).astype(str), 7))
    return ids, who, pd.Timestamp("2023-01-01") + pd.to_timedelta(day, unit="D"), amount


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def timed(label, fn, n, rows):
    before, peak, done = rss(), [0], threading.Event()

    def sample():
        while not done.wait(0.005):
            peak[0] = max(peak[0], rss())

    sampler = threading.Thread(target=sample)
    sampler.start()
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    w, c = time.perf_counter() - w, time.process_time() - c
    done.set()
    sampler.join()
    after = rss()
    peak = max(peak[0], after)
    rows.append(f"  {label:<24} {w:8.2f} {c:8.2f} {(peak - before) / n:12.1f} {(after - before) / n:12.1f}")
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    models = sys.argv[2].split(",") if len(sys.argv) > 2 else ["bgnbd", "pareto"]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    ids, who, dates, amount = purchases(n)
    first = pd.Series(dates).groupby(who).min()
    ledger = crvm.Ledger()
    ledger.add_customers(pd.DataFrame({"customer_id": ids, "segment": np.where(np.arange(n) % 2, "B", "A"),
                                       "start_date": first.to_numpy()}))
    ledger.add_revenue(pd.DataFrame({"customer_id": ids[who], "date": dates, "amount": amount,
                                     "stream": "services"}))
    del first
    print(f"business: {n} customers, {len(who)} purchases; resident after loading {rss() / 2**20:.0f} MB")
    for model in models:
        rows = []
        vm = crvm.ValueModel(ledger, retention=model, threads=threads)
        timed(f"{model} fit", lambda: vm.fit(AS_OF), n, rows)
        timed(f"{model} customers+segments", lambda: (vm.customers(), vm.segments()), n, rows)
        rep = vm.fit_report
        print(f"{model}: converged {rep['converged']}, {rep['iterations']} iterations; "
              f"params {vm.retention_model.params}")
        print(f"  {'stage':<24} {'wall s':>8} {'cpu s':>8} {'peak B/cust':>12} {'held B/cust':>12}")
        print("\n".join(rows))
        del vm


if __name__ == "__main__":
    main()
