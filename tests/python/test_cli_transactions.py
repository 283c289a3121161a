"""crvm transactions (the installed command) against the library on the same
data: its parameters are those crvm.BetaGeo / crvm.ParetoNBD fit to the
per-customer summary it prints, and its P(alive) and expected purchases are
the models' predictions there. The published CDNOW parameters are checked in
cli/test_cli_transactions.sh."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crvm

CRVM = Path(sys.executable).parent / "crvm"


@pytest.fixture(scope="module")
def cdnow_log(datadir, tmp_path_factory):
    raw = pd.read_csv(datadir / "CDNOW_sample.txt", sep=r"\s+", header=None, dtype=str,
                      names=["master", "id", "date", "cds", "amount"])
    log = pd.DataFrame({"id": raw["id"],
                        "date": pd.to_datetime(raw["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d"),
                        "amount": raw["amount"]})
    path = tmp_path_factory.mktemp("cdnow") / "log.csv"
    log.to_csv(path, index=False)
    return path


def run(*args):
    if not CRVM.exists():
        pytest.fail(f"no crvm next to {sys.executable} (pip install . installs it)")
    done = subprocess.run([str(CRVM), "transactions", *map(str, args)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("option, model", [("bgnbd", crvm.BetaGeo), ("pareto", crvm.ParetoNBD)])
def test_the_command_fits_what_the_library_fits(cdnow_log, option, model):
    out = run(cdnow_log, "--customer", "id", "--date", "date", "--calibration-end", "1997-09-30",
              "--observation-end", "1998-06-30", "--model", option, "--format", "json")
    customers = pd.DataFrame(out["customers"])
    assert len(customers) == 2357
    fitted = model().fit(customers["frequency"], customers["recency"], customers["T"])
    got = {p["name"]: p["estimate"] for p in out["parameters"]}
    # The same optimiser on the same rows: equal to its convergence tolerance.
    for name, value in fitted.params.items():
        assert got[name] == pytest.approx(value, rel=1e-6), name
    np.testing.assert_allclose(
        customers["p_alive"],
        fitted.conditional_probability_alive(customers["frequency"], customers["recency"],
                                             customers["T"]), rtol=1e-6)
    np.testing.assert_allclose(
        customers["expected_purchases"],
        fitted.conditional_expected_number_of_purchases_up_to_time(
            52, customers["frequency"], customers["recency"], customers["T"]), rtol=1e-6)


def test_the_holdout_comparison(cdnow_log):
    out = run(cdnow_log, "--customer", "id", "--date", "date", "--calibration-end", "1997-09-30",
              "--observation-end", "1998-06-30", "--format", "json")
    customers = pd.DataFrame(out["customers"]).set_index("id")
    # Actual: distinct purchase days after the calibration end, from the log.
    log = pd.read_csv(cdnow_log, dtype={"id": str})
    after = log[log["date"] > "1997-09-30"].drop_duplicates(["id", "date"])
    actual = after.groupby("id").size().reindex(customers.index, fill_value=0)
    np.testing.assert_array_equal(customers["holdout_purchases"], actual)
    # The summary statistics, recomputed with numpy from the per-customer columns.
    a, p = customers["holdout_purchases"].to_numpy(), customers["predicted_holdout_purchases"].to_numpy()
    h = out["holdout"]
    assert h["duration"] == pytest.approx(273 / 7)  # 1997-09-30 .. 1998-06-30
    assert h["mae"] == pytest.approx(np.mean(np.abs(p - a)), rel=1e-12)
    assert h["rmse"] == pytest.approx(np.sqrt(np.mean((p - a) ** 2)), rel=1e-12)
    assert h["correlation"] == pytest.approx(np.corrcoef(a, p)[0, 1], rel=1e-12)
    x = customers["frequency"].clip(upper=7)
    for row in h["by_frequency"]:
        sel = x == row["frequency"]
        assert row["customers"] == sel.sum()
        assert row["actual_mean"] == pytest.approx(a[sel].mean(), rel=1e-12)
        assert row["predicted_mean"] == pytest.approx(p[sel].mean(), rel=1e-12)
