"""crvm.plotting renders headlessly (Agg) to PNG, and each figure shows the
model's own numbers: the tests read the drawn data back from the Axes."""

import os
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import crvm  # noqa: E402
from crvm import plotting  # noqa: E402

PNG_DIR = os.environ.get("CRVM_PLOT_DIR")  # set to keep the PNGs for a look


@pytest.fixture(scope="module")
def bgf(cdnow_summary):
    c = cdnow_summary
    return crvm.BetaGeo().fit(c["frequency"], c["recency"], c["T"])


@pytest.fixture(scope="module")
def transactions(datadir):
    tx = pd.read_csv(datadir / "CDNOW_master.txt", sep=r"\s+", header=0,
                     names=["id", "date", "quantity", "amount"])
    tx = tx[tx["id"] <= 400]
    tx["date"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
    return tx


def _png(ax, name, tmp_path):
    path = os.path.join(PNG_DIR or str(tmp_path), name + ".png")
    ax.figure.savefig(path, dpi=72)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    plt.close(ax.figure)


def test_survival_curves_with_bands(rossi_df, tmp_path):
    curves = crvm.kaplan_meier_by_group(rossi_df["week"], rossi_df["arrest"], rossi_df["fin"])
    ax = plotting.plot_survival(curves)
    assert ax.get_xlabel() == "time" and ax.get_ylabel() == "survival probability"
    assert len(ax.get_lines()) == 2 and len(ax.collections) == 2  # a band per curve
    for line, (label, km) in zip(ax.get_lines(), curves.items()):
        assert line.get_label() == str(label)
        np.testing.assert_array_equal(line.get_ydata(), km.survival_function_.iloc[:, 0])
        np.testing.assert_array_equal(line.get_xdata(), km.timeline)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1"]
    _png(ax, "survival", tmp_path)
    ax = crvm.KaplanMeier().fit(rossi_df["week"], rossi_df["arrest"], label="all").plot()
    assert ax.get_lines()[0].get_label() == "all"
    _png(ax, "survival_one", tmp_path)


def test_retention_by_segment_with_projection(tmp_path):
    cohorts = {"regular": [1000, 631, 468, 382, 326], "high end": [1000, 869, 743, 653, 593]}
    fits = {k: crvm.ShiftedBetaGeometric().fit_cohort(v) for k, v in cohorts.items()}
    ax = plotting.plot_retention(fits, observed=cohorts, horizon=12)
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["regular (model)", "regular (observed)",
                                                "high end (model)", "high end (observed)"]
    np.testing.assert_array_equal(lines[0].get_ydata(), fits["regular"].survival(np.arange(13)))
    np.testing.assert_allclose(lines[1].get_ydata(), np.array(cohorts["regular"]) / 1000)
    assert len(lines[0].get_xdata()) == 13 and ax.get_xlabel() == "periods since acquisition"
    _png(ax, "retention", tmp_path)


def test_frequency_recency_and_alive_matrices(bgf, tmp_path):
    ax = plotting.plot_frequency_recency_matrix(bgf, T=1, max_frequency=20, max_recency=40)
    img = ax.get_images()[0].get_array()
    assert img.shape == (41, 21)  # rows recency 0..40, columns frequency 0..20
    assert img[30, 5] == pytest.approx(bgf.expected_purchases(1, 5, 30, 40))
    assert np.ma.is_masked(img[0, 3]) or np.isnan(img[0, 3])  # x > 0 with t_x = 0: impossible
    assert ax.get_xlabel() == "Customer's Historical Frequency"
    _png(ax, "frequency_recency", tmp_path)
    ax = plotting.plot_probability_alive_matrix(bgf)
    img = ax.get_images()[0].get_array()
    hi_f, hi_r = int(bgf.data["frequency"].max()), int(np.ceil(bgf.data["T"].max()))
    assert img.shape == (hi_r + 1, hi_f + 1)
    assert img[hi_r, 2] == pytest.approx(bgf.p_alive(2, hi_r, hi_r))
    assert "Probability Customer is Alive" in ax.get_title()
    _png(ax, "alive", tmp_path)


def test_period_transactions_bars(bgf, cdnow_summary, tmp_path):
    ax = plotting.plot_period_transactions(bgf, max_frequency=7)
    bars = ax.patches
    assert len(bars) == 14
    actual = [b.get_height() for b in bars[:7]]
    model = [b.get_height() for b in bars[7:]]
    f = cdnow_summary["frequency"]
    np.testing.assert_array_equal(actual, [(f == k).sum() for k in range(7)])
    # The expected count of customers with k repeat purchases is
    # sum_i P(X(T_i) = k): recompute it customer by customer.
    want = [sum(bgf.probability_of_purchases(T, k) for T in cdnow_summary["T"]) for k in (0, 3)]
    assert model[0] == pytest.approx(want[0], rel=1e-9) and model[3] == pytest.approx(
        want[1], rel=1e-9)
    assert ax.get_title() == "Frequency of Repeat Transactions"
    _png(ax, "period_transactions", tmp_path)


def test_calibration_vs_holdout_and_cumulative(transactions, tmp_path):
    cal = crvm.calibration_and_holdout_data(transactions, "id", "date", "1997-09-30",
                                            "1998-06-30")
    bgf = crvm.BetaGeo().fit(cal["frequency_cal"], cal["recency_cal"], cal["T_cal"])
    ax = plotting.plot_calibration_purchases_vs_holdout_purchases(bgf, cal, n=5)
    actual, predicted = ax.get_lines()
    assert (actual.get_label(), predicted.get_label()) == ("frequency_holdout",
                                                           "model_predictions")
    acc = crvm.holdout_accuracy(bgf, cal, max_frequency=5)
    np.testing.assert_allclose(actual.get_ydata(), acc.by_frequency["actual"].iloc[:5])
    zero = cal[cal["frequency_cal"] == 0]
    assert predicted.get_ydata()[0] == pytest.approx(np.mean(bgf.expected_purchases(
        zero["duration_holdout"].iloc[0], zero["frequency_cal"], zero["recency_cal"],
        zero["T_cal"])))
    _png(ax, "calibration_holdout", tmp_path)
    ax = plotting.plot_cumulative_transactions(bgf, transactions, "date", "id", t=546,
                                               t_cal=273)
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["actual", "predicted", "end of calibration"]
    first = transactions.groupby("id")["date"].min()
    repeat = transactions.assign(day=transactions["date"].dt.normalize()).drop_duplicates(
        ["id", "day"])
    n_repeat = (repeat["day"] > first.reindex(repeat["id"]).to_numpy()).sum()
    assert lines[0].get_ydata()[-1] == n_repeat  # every repeat purchase, 1997-01-01 .. 1998-06-30
    assert np.all(np.diff(lines[1].get_ydata()) >= 0)
    _png(ax, "cumulative", tmp_path)


def test_history_alive(bgf, transactions, tmp_path):
    one = transactions[transactions["id"] == 35]
    ax = plotting.plot_history_alive(bgf, 200, one, "date")
    pa = ax.get_lines()[0].get_ydata()
    assert len(pa) == 200 and pa[0] == 1.0 and np.all((0 <= pa) & (pa <= 1))
    assert ax.get_ylabel() == "P(alive)"
    _png(ax, "history_alive", tmp_path)


def test_cox_coefficients_and_residuals(rossi_df, tmp_path):
    cph = crvm.CoxPH().fit(rossi_df, "week", "arrest")
    ax = cph.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == list(cph.params_.sort_values().index)
    points = ax.get_lines()[0]
    np.testing.assert_allclose(points.get_xdata(), np.sort(cph.params_.to_numpy()))
    assert ax.get_xlabel() == "log(HR) (95% CI)"
    _png(ax, "cox", tmp_path)
    ax = plotting.plot_coefficients(cph, hazard_ratios=True, columns=["age", "prio"])
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(),
                               np.exp(cph.params_[["age", "prio"]].to_numpy()))
    plt.close(ax.figure)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        axes = plotting.plot_schoenfeld(cph, rossi_df, columns=["age", "prio"])
    assert len(axes) == 2 and axes[0].get_title().startswith("age: p = ")
    assert len(axes[0].collections[0].get_offsets()) == 114  # one point per event
    _png(axes[0], "schoenfeld", tmp_path)
