"""lifetimes' and lifelines' own documented quickstarts, run twice: once
with the peers' imports and once with only the imports changed to crvm's
(``crvm.lifetimes``, ``crvm.lifelines``). The data come from the peers'
installed ``datasets`` modules. Every number the quickstart shows must agree
to (better than) its printed precision.

The quickstart text is kept as in the peers' documentation (lifetimes 0.11
"Quickstart"; lifelines 0.30 "Quickstart" and README), with its imports
turned into parameters. Parts for models crvm does not provide are left out
and named in docs/migrating.md (lifelines' Nelson–Aalen and parametric
fitters)."""

import types
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import lifelines  # noqa: E402
import lifelines.datasets  # noqa: E402
import lifelines.statistics  # noqa: E402
import lifelines.utils  # noqa: E402
import lifetimes  # noqa: E402
import lifetimes.datasets  # noqa: E402
import lifetimes.plotting  # noqa: E402
import lifetimes.utils  # noqa: E402

import crvm.lifelines  # noqa: E402
import crvm.lifetimes  # noqa: E402


def _imports(package, utils, plotting=None, statistics=None):
    return types.SimpleNamespace(fitters=package, utils=utils, plotting=plotting,
                                 statistics=statistics)


def lifetimes_quickstart(lt):
    """lifetimes' Quickstart; `lt` holds what it imports."""
    from lifetimes.datasets import (load_cdnow_summary, load_cdnow_summary_data_with_monetary_value,
                                    load_transaction_data)
    BetaGeoFitter = lt.fitters.BetaGeoFitter
    GammaGammaFitter = lt.fitters.GammaGammaFitter
    out = {}
    data = load_cdnow_summary(index_col=[0])
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(data["frequency"], data["recency"], data["T"])
    out["bgf"] = repr(bgf)
    out["bgf.summary"] = bgf.summary
    lt.plotting.plot_frequency_recency_matrix(bgf)
    lt.plotting.plot_probability_alive_matrix(bgf)
    t = 1
    data["predicted_purchases"] = bgf.conditional_expected_number_of_purchases_up_to_time(
        t, data["frequency"], data["recency"], data["T"])
    out["top 5"] = data.sort_values(by="predicted_purchases").tail(5)
    lt.plotting.plot_period_transactions(bgf)

    transaction_data = load_transaction_data()
    summary = lt.utils.summary_data_from_transaction_data(transaction_data, "id", "date",
                                                          observation_period_end="2014-12-31")
    out["summary.head()"] = summary.head()
    bgf.fit(summary["frequency"], summary["recency"], summary["T"])
    out["bgf (transactions)"] = repr(bgf)
    summary_cal_holdout = lt.utils.calibration_and_holdout_data(
        transaction_data, "id", "date", calibration_period_end="2014-09-01",
        observation_period_end="2014-12-31")
    out["summary_cal_holdout.head()"] = summary_cal_holdout.head()
    bgf.fit(summary_cal_holdout["frequency_cal"], summary_cal_holdout["recency_cal"],
            summary_cal_holdout["T_cal"])
    lt.plotting.plot_calibration_purchases_vs_holdout_purchases(bgf, summary_cal_holdout)
    t = 10
    individual = summary.iloc[20]
    out["individual"] = bgf.predict(t, individual["frequency"], individual["recency"],
                                    individual["T"])
    id_ = 35
    days_since_birth = 200
    sp_trans = transaction_data.loc[transaction_data["id"] == id_]
    lt.plotting.plot_history_alive(bgf, days_since_birth, sp_trans, "date")

    summary_with_money_value = load_cdnow_summary_data_with_monetary_value()
    returning_customers_summary = summary_with_money_value[
        summary_with_money_value["frequency"] > 0]
    out["corr"] = returning_customers_summary[["monetary_value", "frequency"]].corr()
    ggf = GammaGammaFitter(penalizer_coef=0)
    ggf.fit(returning_customers_summary["frequency"],
            returning_customers_summary["monetary_value"])
    out["ggf"] = repr(ggf)
    profit = ggf.conditional_expected_average_profit(summary_with_money_value["frequency"],
                                                     summary_with_money_value["monetary_value"])
    out["profit.head(10)"] = profit.head(10)
    out["expected average profit"] = profit.mean()
    out["average profit"] = summary_with_money_value[
        summary_with_money_value["frequency"] > 0]["monetary_value"].mean()
    bgf.fit(summary_with_money_value["frequency"], summary_with_money_value["recency"],
            summary_with_money_value["T"])
    out["clv.head(10)"] = ggf.customer_lifetime_value(
        bgf, summary_with_money_value["frequency"], summary_with_money_value["recency"],
        summary_with_money_value["T"], summary_with_money_value["monetary_value"], time=12,
        discount_rate=0.01).head(10)
    plt.close("all")
    return out


def lifelines_quickstart(ll):
    """lifelines' Quickstart (Kaplan-Meier, survival regression) and its
    README's Cox example; `ll` holds what they import."""
    from lifelines.datasets import load_regression_dataset, load_rossi, load_waltons
    KaplanMeierFitter = ll.fitters.KaplanMeierFitter
    CoxPHFitter = ll.fitters.CoxPHFitter
    out = {}
    df = load_waltons()
    T = df["T"]
    E = df["E"]
    kmf = KaplanMeierFitter()
    kmf.fit(T, event_observed=E)
    out["survival_function_"] = kmf.survival_function_
    out["cumulative_density_"] = kmf.cumulative_density_
    out["confidence_interval_"] = kmf.confidence_interval_
    kmf.plot_survival_function()
    out["median_survival_time_"] = kmf.median_survival_time_
    out["median_ci"] = ll.utils.median_survival_times(kmf.confidence_interval_)
    groups = df["group"]
    ix = groups == "miR-137"
    kmf.fit(T[~ix], E[~ix], label="control")
    ax = kmf.plot_survival_function()
    out["control"] = kmf.survival_function_
    kmf.fit(T[ix], E[ix], label="miR-137")
    ax = kmf.plot_survival_function(ax=ax)
    out["miR-137"] = kmf.survival_function_
    results = ll.statistics.logrank_test(T[ix], T[~ix], E[ix], E[~ix], alpha=0.99) \
        if False else ll.statistics.logrank_test(T[ix], T[~ix], E[ix], E[~ix])
    out["logrank p"] = results.p_value
    out["logrank statistic"] = results.test_statistic

    regression_dataset = load_regression_dataset()
    cph = CoxPHFitter()
    cph.fit(regression_dataset, "T", event_col="E")
    out["regression summary"] = cph.summary
    cph.print_summary()
    cph.plot()

    rossi = load_rossi()
    cph = CoxPHFitter()
    cph.fit(rossi, duration_col="week", event_col="arrest")
    out["rossi summary"] = cph.summary
    out["rossi log-likelihood"] = cph.log_likelihood_
    out["rossi concordance"] = cph.concordance_index_
    X = rossi.loc[:3]
    out["predict_survival_function"] = cph.predict_survival_function(X)
    out["predict_median"] = cph.predict_median(X)
    out["predict_partial_hazard"] = cph.predict_partial_hazard(X)
    out["baseline_cumulative_hazard_"] = cph.baseline_cumulative_hazard_
    out["ph test"] = ll.statistics.proportional_hazard_test(cph, rossi, time_transform="rank")
    plt.close("all")
    return out


def _compare(ours, theirs, what, rtol=1e-5):
    """Numbers agree to better than their printed precision (pandas prints 6
    significant digits, the quickstarts' reprs 2 decimals); labels exactly."""
    if isinstance(theirs, str):  # "<lifetimes.BetaGeoFitter: fitted with ..., a: 0.79, ...>"
        assert ours.split(":", 1)[1] == theirs.split(":", 1)[1], what
    elif isinstance(theirs, pd.DataFrame):
        assert list(map(str, ours.columns)) == list(map(str, theirs.columns)), what
        assert list(ours.index) == list(theirs.index), what
        np.testing.assert_allclose(ours.to_numpy(dtype=float), theirs.to_numpy(dtype=float),
                                   rtol=rtol, atol=1e-8, err_msg=what)
    elif isinstance(theirs, pd.Series):
        assert list(ours.index) == list(theirs.index), what
        np.testing.assert_allclose(ours.to_numpy(dtype=float), theirs.to_numpy(dtype=float),
                                   rtol=rtol, atol=1e-8, err_msg=what)
    else:
        np.testing.assert_allclose(float(ours), float(theirs), rtol=rtol, err_msg=what)


def _run(quickstart, imports):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quickstart(imports)


def _peer_history_alive(*args, **kwargs):
    """lifetimes 0.11.3's plot_history_alive fails with the pinned matplotlib
    ("setting an array element with a sequence" inside its own plotting
    code): the step draws nothing for the peer; crvm's runs for real."""
    try:
        return lifetimes.plotting.plot_history_alive(*args, **kwargs)
    except ValueError:
        return None


@pytest.fixture(scope="module")
def lifetimes_outputs():
    peer_plotting = types.SimpleNamespace(**vars(lifetimes.plotting))
    peer_plotting.plot_history_alive = _peer_history_alive
    theirs = _run(lifetimes_quickstart, _imports(lifetimes, lifetimes.utils, peer_plotting))
    ours = _run(lifetimes_quickstart, _imports(crvm.lifetimes, crvm.lifetimes.utils,
                                               crvm.lifetimes.plotting))
    return ours, theirs


LIFETIMES_ITEMS = ["bgf", "bgf.summary", "top 5", "summary.head()", "bgf (transactions)",
                   "summary_cal_holdout.head()", "individual", "corr", "ggf", "profit.head(10)",
                   "expected average profit", "average profit", "clv.head(10)"]


@pytest.mark.parametrize("item", LIFETIMES_ITEMS)
def test_lifetimes_quickstart_gives_the_same_numbers(lifetimes_outputs, item):
    ours, theirs = lifetimes_outputs
    _compare(ours[item], theirs[item], item)


@pytest.fixture(scope="module")
def lifelines_outputs():
    theirs = _run(lifelines_quickstart, types.SimpleNamespace(
        fitters=lifelines, utils=lifelines.utils, statistics=lifelines.statistics))
    ours = _run(lifelines_quickstart, types.SimpleNamespace(
        fitters=crvm.lifelines, utils=crvm.lifelines.utils, statistics=crvm.lifelines.statistics))
    return ours, theirs


LIFELINES_ITEMS = ["survival_function_", "cumulative_density_", "confidence_interval_",
                   "median_survival_time_", "median_ci", "control", "miR-137", "logrank p",
                   "logrank statistic", "regression summary", "rossi summary",
                   "rossi log-likelihood", "rossi concordance", "predict_survival_function",
                   "predict_median", "predict_partial_hazard", "baseline_cumulative_hazard_",
                   "ph test"]


@pytest.mark.parametrize("item", LIFELINES_ITEMS)
def test_lifelines_quickstart_gives_the_same_numbers(lifelines_outputs, item):
    ours, theirs = lifelines_outputs
    o, t = ours[item], theirs[item]
    if item in ("regression summary", "rossi summary"):
        # lifelines adds "cmp to" (always 0) and "-log2(p)" columns
        t = t[[c for c in o.columns]]
    if item == "ph test":
        t = t.summary
        o = o.loc[list(t.index)]
    # On the regression dataset lifelines stops at its default precision
    # ~1e-4 (relative) short of the optimum, still within the 2 decimals
    # print_summary shows; see the test below.
    _compare(o, t, item, rtol=2e-3 if item == "regression summary" else 1e-5)


def test_crvm_is_at_the_optimum_lifelines_reaches_with_a_tighter_precision():
    d = lifelines.datasets.load_regression_dataset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tight = lifelines.CoxPHFitter().fit(d, "T", "E", fit_options={"precision": 1e-12})
    ours = crvm.lifelines.CoxPHFitter().fit(d, "T", "E")
    # Newton's quadratic convergence: both at the optimum to ~1e-9
    np.testing.assert_allclose(ours.params_, tight.params_, rtol=1e-7)
    assert ours.log_likelihood_ >= tight.log_likelihood_ - 1e-9
