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


RUN = pathlib.Path(__file__).resolve().parents[2] / "bench" / "run.py"


def test_bench_run_smoke():
    """bench/run.py --smoke: every requested row is printed with a ratio and
    an agreement figure (nothing about the timings is checked)."""
    pytest.importorskip("lifelines")
    proc = subprocess.run([sys.executable, str(RUN), "--smoke", "--ops", "BG/NBD fit",
                           "Kaplan-Meier"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| BG/NBD fit")
            or line.startswith("| Kaplan-Meier")]
    assert len(rows) == 4, proc.stdout
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert float(cells[4]) > 0 and float(cells[5]) > 0, row  # both timed
        assert float(cells[9]) < 1e-3, row  # the results agree
