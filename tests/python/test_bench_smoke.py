"""The benchmark script runs (tiny data, two operations); timings are not checked."""

import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("lifetimes")

BENCH = pathlib.Path(__file__).resolve().parents[2] / "bench" / "bench_transactions.py"


def test_bench_smoke_run(datadir):
    proc = subprocess.run([sys.executable, str(BENCH), "--smoke", "--ops", "p_alive", "rfm",
                           "--data-dir", str(datadir)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.startswith("sim3e2   p_alive") for line in lines), proc.stdout
    assert any(line.startswith("sim3e2   rfm") for line in lines), proc.stdout
    assert "error" not in proc.stdout
