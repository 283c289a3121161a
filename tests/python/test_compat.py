"""The issue's findings, each turned into a check: results keyed by
customer, the peers' call forms, input errors that name the column, the
warning for undefined standard errors, the diagnostics."""

import warnings

import lifelines
import lifelines.statistics
import lifetimes
import numpy as np
import pandas as pd
import pytest

import crvm


@pytest.fixture(scope="module")
def bgf(cdnow_summary):
    c = cdnow_summary
    return crvm.BetaGeo().fit(c["frequency"], c["recency"], c["T"])


# ---- results keyed by customer -------------------------------------------------

def test_series_align_by_index_and_results_keep_it(bgf, cdnow_summary):
    f, r, T = cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"]
    shuffled = T.sample(frac=1.0, random_state=1)  # same customers, another order
    keyed = bgf.p_alive(f, r, shuffled)
    assert isinstance(keyed, pd.Series) and keyed.index.equals(f.index)
    np.testing.assert_array_equal(keyed, bgf.p_alive(f.to_numpy(), r.to_numpy(), T.to_numpy()))
    # numpy in, numpy out
    assert isinstance(bgf.p_alive(f.to_numpy(), r.to_numpy(), T.to_numpy()), np.ndarray)
    with pytest.raises(ValueError, match="T: its index does not hold the same customers"):
        bgf.p_alive(f, r, T.drop(T.index[3]))
    e = bgf.expected_purchases(10, f, r, T)
    assert isinstance(e, pd.Series) and e.index.equals(f.index)
    gg = crvm.GammaGamma().fit(f[f > 0], cdnow_summary["monetary_value"][f > 0])
    clv = gg.clv(bgf, f, r, T, cdnow_summary["monetary_value"])
    assert clv.index.equals(f.index) and clv.name == "clv"
    flat = crvm.customer_lifetime_value(bgf, f, r, T, cdnow_summary["monetary_value"])
    # a flat spend per transaction equal to each customer's mean: recompute
    # one customer from the expected purchases month by month (lifetimes' rule)
    c = f.index[5]
    months = [bgf.expected_purchases(30 * i, f[c], r[c], T[c]) for i in range(13)]
    want = sum((months[i] - months[i - 1]) * cdnow_summary["monetary_value"][c] / 1.01 ** i
               for i in range(1, 13))
    assert flat[c] == pytest.approx(want, rel=1e-9)


def test_cox_predictions_keep_the_callers_index(rossi_df):
    cph = crvm.CoxPH().fit(rossi_df, "week", "arrest")
    X = rossi_df.iloc[[5, 17, 3]].set_axis(["a", "b", "c"])
    ph = cph.predict_partial_hazard(X)
    assert list(ph.index) == ["a", "b", "c"]
    sf = cph.predict_survival_function(X, times=[10, 20])
    assert list(sf.columns) == ["a", "b", "c"] and list(sf.index) == [10, 20]
    rows = cph.predict_survival(X, [10, 20])
    assert list(rows.index) == ["a", "b", "c"]
    np.testing.assert_array_equal(rows.to_numpy(), sf.to_numpy().T)
    arr = cph.predict_survival(X[cph.covariates].to_numpy(), [10, 20])
    assert isinstance(arr, np.ndarray) and np.array_equal(arr, rows.to_numpy())


# ---- the peers' call forms --------------------------------------------------------

def test_lifelines_fit_form_and_survival_function(rossi_df):
    ours = crvm.CoxPH().fit(rossi_df, "week", "arrest")
    theirs = lifelines.CoxPHFitter().fit(rossi_df, "week", "arrest")
    np.testing.assert_allclose(ours.params_, theirs.params_, rtol=1e-6)
    sf, tsf = ours.predict_survival_function(rossi_df.head()), theirs.predict_survival_function(
        rossi_df.head())
    assert sf.shape == tsf.shape and list(sf.index) == list(tsf.index)
    np.testing.assert_allclose(sf.to_numpy(), tsf.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.predict_expectation(rossi_df.head()),
                               theirs.predict_expectation(rossi_df.head()), rtol=1e-6)
    # strata by column name, as lifelines
    s_ours = crvm.CoxPH().fit(rossi_df, "week", "arrest", strata=["race"])
    s_theirs = lifelines.CoxPHFitter().fit(rossi_df, "week", "arrest", strata=["race"])
    np.testing.assert_allclose(s_ours.params_, s_theirs.params_, rtol=1e-6)
    mine = s_ours.predict_survival_function(rossi_df.head())
    peer = s_theirs.predict_survival_function(rossi_df.head())  # columns grouped by stratum
    np.testing.assert_allclose(mine.to_numpy(), peer[mine.columns].to_numpy(), rtol=1e-6)


def test_kaplan_meier_has_lifelines_shapes(rossi_df):
    ours = crvm.KaplanMeier().fit(rossi_df["week"], event_observed=rossi_df["arrest"])
    theirs = lifelines.KaplanMeierFitter().fit(rossi_df["week"], event_observed=rossi_df["arrest"])
    pd.testing.assert_index_equal(ours.survival_function_.index, theirs.survival_function_.index,
                                  exact=False)
    assert ours.survival_function_.index[0] == 0 and list(ours.survival_function_.columns) == [
        "KM_estimate"]
    np.testing.assert_allclose(ours.survival_function_, theirs.survival_function_, rtol=1e-12)
    assert list(ours.confidence_interval_.columns) == list(theirs.confidence_interval_.columns)
    np.testing.assert_allclose(ours.confidence_interval_, theirs.confidence_interval_, rtol=1e-9)
    cols = ["removed", "observed", "censored", "at_risk"]
    np.testing.assert_allclose(ours.event_table[cols], theirs.event_table[cols])
    assert ours.median_survival_time_ == theirs.median_survival_time_
    np.testing.assert_allclose(ours.predict([5, 30]), theirs.predict([5, 30]))


def test_logrank_two_sample_form(rossi_df):
    fin = rossi_df["fin"] == 1
    T, E = rossi_df["week"], rossi_df["arrest"]
    theirs = lifelines.statistics.logrank_test(T[fin], T[~fin], E[fin], E[~fin])
    for ours in (crvm.logrank_test(T[fin], T[~fin], E[fin], E[~fin]),
                 crvm.logrank_test(T[fin], T[~fin], event_observed_A=E[fin],
                                   event_observed_B=E[~fin]),
                 crvm.logrank_test(T, E, rossi_df["fin"])):
        assert ours.test_statistic == pytest.approx(theirs.test_statistic, rel=1e-10)
        assert ours.p_value == pytest.approx(theirs.p_value, rel=1e-8)
    with pytest.raises(ValueError, match="for two samples use logrank_test"):
        crvm.logrank_test(T, E, rossi_df["fin"][:10])


def test_lifetimes_spellings_and_keywords(datadir):
    tx = pd.DataFrame({"id": [1, 1, 2, 2, 2, 3],
                       "date": ["2014-01-01", "2014-02-01", "2014-01-05", "2014-01-20",
                                "2014-03-01", "2014-02-10"],
                       "amount": [10.0, 20, 5, 5, 15, 7]})
    ours = crvm.summary_data_from_transaction_data(tx, "id", "date", monetary_value_col="amount",
                                                   observation_period_end="2014-03-31", freq="W")
    theirs = lifetimes.utils.summary_data_from_transaction_data(
        tx, "id", "date", monetary_value_col="amount", observation_period_end="2014-03-31",
        freq="W")
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy())
    ours = crvm.calibration_and_holdout_data(tx, "id", "date", "2014-01-31", "2014-03-31")
    theirs = lifetimes.utils.calibration_and_holdout_data(tx, "id", "date", "2014-01-31",
                                                          "2014-03-31")
    np.testing.assert_allclose(ours.to_numpy(), theirs[ours.columns].to_numpy())


def test_integer_yyyymmdd_dates_are_not_periods():
    tx = pd.DataFrame({"id": [1, 1, 2], "date": [20240131, 20240201, 20240115]})
    with pytest.raises(ValueError, match="YYYYMMDD.*datetime_format='%Y%m%d'"):
        crvm.rfm_summary(tx, "id", "date")
    s = crvm.rfm_summary(tx, "id", "date", datetime_format="%Y%m%d")
    assert s.loc[1, "recency"] == 1.0  # one day, not 70
    assert crvm.rfm_summary(tx, "id", "date", unit=1).loc[1, "recency"] == 70.0  # asked for


# ---- input errors name the column ------------------------------------------------

def test_non_numbers_are_named(bgf, cdnow_summary):
    f = cdnow_summary["frequency"].astype(object)
    f.iloc[3] = "two"
    with pytest.raises(ValueError, match=r"column 'frequency': 'two' \(row 4\) is not a number"):
        bgf.p_alive(f, cdnow_summary["recency"], cdnow_summary["T"])
    with pytest.raises(ValueError, match="T is a scalar but frequency has"):
        bgf.expected_purchases(5, cdnow_summary["frequency"], cdnow_summary["recency"], 38.0)
    bad = pd.DataFrame({"T": [1, 2, 3, 4], "E": [1, 0, 1, 1], "x": [1.0, "a", 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"column 'x': 'a' \(row 1\) is not a number"):
        crvm.CoxPH().fit(bad, "T", "E")


# ---- diagnostics -----------------------------------------------------------------

def test_undefined_standard_errors_warn(cdnow_summary):
    """Nobody repeats: the BG/NBD likelihood is flat in some directions, the
    fit converges but its standard errors do not exist."""
    n = 300
    with pytest.warns((crvm.StandardErrorWarning, crvm.ConvergenceWarning)) as record:
        m = crvm.BetaGeo().fit(np.zeros(n), np.zeros(n), np.linspace(10, 40, n))
    assert any("nobody made a repeat purchase" in str(w.message) or
               isinstance(w.message, crvm.ConvergenceWarning) for w in record)
    if m.converged:
        assert any(isinstance(w.message, crvm.StandardErrorWarning) for w in record)
        assert all(np.isnan(v) for v in m.standard_errors.values())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        crvm.BetaGeo().fit(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])


def test_holdout_accuracy_by_hand():
    cal = pd.DataFrame({"frequency_cal": [0, 1, 2, 8, 9], "recency_cal": [0, 3, 9, 20, 25],
                        "T_cal": [30.0] * 5, "frequency_holdout": [0, 1, 1, 4, 7],
                        "duration_holdout": [10.0] * 5})
    m = crvm.BetaGeo()
    m.params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    acc = crvm.holdout_accuracy(m, cal, max_frequency=7)
    pred = m.expected_purchases(10, cal["frequency_cal"], cal["recency_cal"], cal["T_cal"])
    assert acc.predicted.equals(pred.rename("predicted_holdout"))
    assert list(acc.by_frequency.index) == [0, 1, 2, 7]  # 8 and 9 gathered in 7+
    assert acc.by_frequency.loc[7, "customers"] == 2
    assert acc.by_frequency.loc[7, "actual"] == 5.5
    assert acc.total_actual == 13 and acc.total_predicted == pytest.approx(pred.sum())
    assert acc.mae == pytest.approx(np.abs(pred - cal["frequency_holdout"]).mean())
    assert acc.rmse == pytest.approx(np.sqrt(((pred - cal["frequency_holdout"]) ** 2).mean()))


def test_check_assumptions_and_residuals_match_lifelines(rossi_df, capsys):
    ours = crvm.CoxPH().fit(rossi_df, "week", "arrest")
    theirs = lifelines.CoxPHFitter().fit(rossi_df, "week", "arrest")
    r_ours = ours.compute_residuals(rossi_df, "scaled_schoenfeld")
    r_theirs = theirs.compute_residuals(rossi_df, "scaled_schoenfeld")
    assert list(r_ours.index) == list(r_theirs.index)
    np.testing.assert_allclose(r_ours.to_numpy(), r_theirs.to_numpy(), rtol=1e-5, atol=1e-8)
    t = ours.proportional_hazard_test(rossi_df, ["rank", "km"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tt = lifelines.statistics.proportional_hazard_test(theirs, rossi_df, ["rank", "km"]).summary
    np.testing.assert_allclose(t.loc[tt.index, "p"], tt["p"], rtol=1e-5)
    assert ours.check_assumptions(rossi_df, p_value_threshold=0.01) == ["age", "wexp"]
    out = capsys.readouterr().out
    assert "'age' variable failed" in out and "'wexp' variable failed" in out
    # fitted on arrays: the kept training data are used
    arr = crvm.CoxPH().fit(rossi_df.drop(columns=["week", "arrest"]).to_numpy(), rossi_df["week"],
                           rossi_df["arrest"])
    assert arr.check_assumptions(advice=False) == ["x1", "x3"]
