#!/usr/bin/env python3
"""crvm.simulate(): DataFrames from the simulator's in-memory columns versus
the former route through CSV files (write the data set with
crvm_sim_write_csv to a temporary directory, read it back with pandas).

    python bench/bench_simulate.py                    # 1e4 and 1e5 customers
    python bench/bench_simulate.py --sizes 1000 --repeat 1

Both routes start from the same crvm_simulate() data set and give equal
frames (checked here, and in tests/python/test_io.py); the simulation itself
is timed separately and included in both totals. CPU time (user + system of
this process) rather than wall time, so that other load on a shared machine
does not distort the ratio; best of --repeat runs.

Not part of the test suite; tests never assert timings.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import pandas as pd

import crvm
from crvm import io as cio
from crvm import lowlevel as ll


def cpu() -> float:
    return time.process_time()


def via_csv(data) -> dict:
    """The tables as simulate() built them before: files, then pandas."""
    with tempfile.TemporaryDirectory(prefix="crvm_bench_") as tmp:
        ll.crvm_sim_write_csv(data, tmp)
        return cio.read_tables(tmp)


def in_memory(data) -> dict:
    summary = ll.crvm_sim_summary()
    ll.crvm_sim_data_summary(data, summary)
    return cio._sim_frames(data, summary)[0]


def best(fn, data, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t0 = cpu()
        out = fn(data)
        times.append(cpu() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"crvm {crvm.__version__}, pandas {pd.__version__}; CPU seconds, best of {args.repeat}")
    print(f"{'customers':>10} {'rows':>10} {'simulate':>9} {'csv route':>10} {'in memory':>10} "
          f"{'ratio':>6} {'total ratio':>12}")
    for n in args.sizes:
        opts = cio._options(n, args.seed, None, None, True, None, None, None)
        t0 = cpu()
        data = ll.crvm_simulate(opts)
        t_sim = cpu() - t0
        t_csv, a = best(via_csv, data, args.repeat)
        t_mem, b = best(in_memory, data, args.repeat)
        for name in cio.TABLES:
            pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)
        rows = sum(len(f) for f in b.values())
        print(f"{n:>10} {rows:>10} {t_sim:>9.3f} {t_csv:>10.3f} {t_mem:>10.3f} "
              f"{t_csv / t_mem:>6.1f} {(t_sim + t_csv) / (t_sim + t_mem):>12.1f}")


if __name__ == "__main__":
    main()
