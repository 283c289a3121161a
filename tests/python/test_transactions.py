"""Repeat-business models against lifetimes (run at test time on the same data)
and the published CDNOW / donations estimates.

lifetimes (0.11.3, unmaintained) is the peer package: at the same parameters
every prediction must agree to 1e-6 relative; fitted parameters agree to the
accuracy of lifetimes' optimisers (stated per test).
"""

import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import crvm

lifetimes = pytest.importorskip("lifetimes")


@pytest.fixture(scope="module")
def cdnow(datadir):
    return pd.read_csv(datadir / "cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def donations(datadir):
    return pd.read_csv(datadir / "donations.csv")


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _lt_fit(cls, *cols):
    return _quiet(cls().fit, *cols)


PEERS = [
    (crvm.BetaGeo, "BetaGeoFitter"),
    (crvm.ModifiedBetaGeo, "ModifiedBetaGeoFitter"),
    (crvm.ParetoNBD, "ParetoNBDFitter"),
]


# ---- published values -----------------------------------------------------

def test_bgnbd_cdnow_matches_fader_hardie_lee_2005(cdnow):
    m = crvm.BetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert m.converged
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for k, v in published.items():
        assert m.params[k] == pytest.approx(v, abs=5.1e-4)  # 3 published decimals
    assert m.log_likelihood == pytest.approx(-9582.4, abs=0.051)


def test_pareto_cdnow_matches_published(cdnow):
    m = crvm.ParetoNBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert m.converged
    published = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    for k, v in published.items():
        # beta sits on a flat ridge (standard error 6.2): 2e-3 there
        assert m.params[k] == pytest.approx(v, abs=2e-3 if k == "beta" else 5.1e-4)
    assert m.log_likelihood == pytest.approx(-9595.0, abs=0.051)


def test_bgbb_donations_matches_fader_hardie_shang_2010(donations):
    d = donations
    m = crvm.BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["periods"], d["weights"])
    published = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    for k, v in published.items():
        assert m.params[k] == pytest.approx(v, abs=5.1e-4)
    assert m.log_likelihood == pytest.approx(-33225.6, abs=0.051)


# ---- fits against lifetimes --------------------------------------------------

@pytest.mark.parametrize("cls, peer", PEERS)
def test_fit_agrees_with_lifetimes(cdnow, cls, peer):
    cols = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    ours = cls().fit(*cols)
    theirs = _lt_fit(getattr(lifetimes, peer), *cols)
    assert ours.converged
    # lifetimes stops its BFGS at ~1e-5 relative in the parameters; its
    # Pareto/NBD fit (Nelder-Mead from np.random starting values) varies from
    # run to run by up to ~3e-4 in beta, which lies on a flat ridge (se 6.2
    # for 11.7)
    for k, v in theirs.params_.items():
        tol = 1e-3 if peer == "ParetoNBDFitter" else 2e-5
        assert ours.params[k] == pytest.approx(v, rel=tol)
    # and crvm's maximum is at least as high as lifetimes'
    at_theirs = cls()
    at_theirs.params = dict(theirs.params_)
    ll_theirs = at_theirs.log_likelihood_per_customer(*cols).sum()
    assert ours.log_likelihood >= ll_theirs - 1e-7
    if peer != "ParetoNBDFitter":  # lifetimes gives no Pareto/NBD standard errors
        for k, v in theirs.standard_errors_.items():
            assert ours.standard_errors[k] == pytest.approx(v, rel=1e-3)


def test_bgbb_fit_agrees_with_lifetimes(donations):
    d = donations
    ours = crvm.BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["periods"], d["weights"])
    theirs = _lt_fit(lifetimes.BetaGeoBetaBinomFitter, d["frequency"], d["recency"], d["periods"],
                     d["weights"])
    for k, v in theirs.params_.items():
        assert ours.params[k] == pytest.approx(v, rel=2e-5)


# ---- predictions at the same parameters ---------------------------------------

@pytest.mark.parametrize("cls, peer", PEERS)
def test_predictions_agree_with_lifetimes_at_same_parameters(cdnow, cls, peer):
    x, tx, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    theirs = _lt_fit(getattr(lifetimes, peer), x, tx, T)
    ours = cls()
    ours.params = dict(theirs.params_)
    assert ours.log_likelihood is None and ours.standard_errors is None

    pa = ours.p_alive(x, tx, T)
    assert isinstance(pa, pd.Series) and pa.index.equals(x.index)
    np.testing.assert_allclose(pa, _quiet(theirs.conditional_probability_alive, x, tx, T),
                               rtol=1e-6, atol=0)
    for t in (1.0, 10.0, 39.0, 78.0):
        np.testing.assert_allclose(
            ours.expected_purchases(t, x, tx, T),
            _quiet(theirs.conditional_expected_number_of_purchases_up_to_time, t, x, tx, T),
            rtol=1e-6, atol=0)
    ts = np.array([0.5, 1.0, 10.0, 39.0, 78.0, 200.0])
    np.testing.assert_allclose(ours.expected_purchases_new(ts),
                               _quiet(theirs.expected_number_of_purchases_up_to_time, ts),
                               rtol=1e-6, atol=0)
    if hasattr(theirs, "probability_of_n_purchases_up_to_time"):
        for t in (10.0, 39.0):
            for n in range(8):
                assert ours.probability_of_purchases(t, n) == pytest.approx(
                    float(_quiet(theirs.probability_of_n_purchases_up_to_time, t, n)), rel=1e-6)
    # lifetimes-named aliases
    np.testing.assert_array_equal(ours.conditional_probability_alive(x, tx, T), pa)


def test_bgbb_predictions_agree_with_lifetimes(donations):
    d = donations
    x, tx, n = d["frequency"], d["recency"], d["periods"]
    theirs = _lt_fit(lifetimes.BetaGeoBetaBinomFitter, x, tx, n, d["weights"])
    ours = crvm.BetaGeoBetaBinom()
    ours.params = dict(theirs.params_)
    for m in (0, 1, 2, 5):
        np.testing.assert_allclose(ours.conditional_probability_alive(m, x, tx, n),
                                   _quiet(theirs.conditional_probability_alive, m, x, tx, n),
                                   rtol=1e-6, atol=0)
    for m in (1, 5, 10):
        np.testing.assert_allclose(
            ours.expected_purchases(m, x, tx, n),
            _quiet(theirs.conditional_expected_number_of_purchases_up_to_time, m, x, tx, n),
            rtol=1e-6, atol=0)
    # P(X(n) = x) sums to one over x = 0..n, with mean E[X(n)]
    p = ours.probability_of_purchases(6, np.arange(7))
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert (np.arange(7) * p).sum() == pytest.approx(ours.expected_purchases_new(6), rel=1e-12)


def test_dert_matches_closed_forms_and_integrals(cdnow, donations):
    m = crvm.ParetoNBD()
    m.params = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    dert = m.dert(0.0027, cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert np.all(np.isfinite(dert)) and np.all(dert > 0)
    # mpmath, FHL 2005 "RFM and CLV" eq. 2 (tests/reference/transactions_mpmath.py)
    assert m.dert(0.0027, 2, 30.43, 38.86) == pytest.approx(6.4837735677307388, rel=1e-10)
    bg = crvm.BetaGeo()
    bg.params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    # mpmath double integral of the definition (transactions_mpmath.py)
    assert bg.dert(0.0027, 2, 30.43, 38.86) == pytest.approx(5.1563798261540373, rel=1e-9)
    with pytest.raises(crvm.InvalidArgumentError, match="discount_rate"):
        bg.dert(0.0, 2, 30.43, 38.86)
    bb = crvm.BetaGeoBetaBinom()
    bb.params = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    assert bb.dert(0.1, 3, 5, 6) == pytest.approx(2.8415363222372621, rel=1e-10)
    d = donations
    assert np.all(bb.dert(0.1, d["frequency"], d["recency"], d["periods"]) > 0)


def test_huge_b_predictions_are_the_immortal_limit_not_zero():
    """Issue 10 item 4: b >= 1e8 gave exactly 0 with no error. As b grows the
    dropout probability vanishes and E[Y(t)] tends to P(alive) (r + x) t /
    (alpha + T), DERT to P(alive) (r + x) / (delta (alpha + T)) (the
    expansion in p lambda; the next term is below 1e-6 relative here)."""
    for cls in (crvm.BetaGeo, crvm.ModifiedBetaGeo):
        m = cls()
        m.params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 1e8}
        k, A = 0.243 + 2, 4.414 + 38.86
        pa = m.p_alive(2, 30.43, 38.86)
        assert m.expected_purchases(39.0, 2, 30.43, 38.86) == pytest.approx(pa * k * 39 / A,
                                                                             rel=1e-6)
        assert m.dert(0.0027, 2, 30.43, 38.86) == pytest.approx(pa * k / (0.0027 * A), rel=1e-6)
        assert m.dert(0.0027, [2, 0], [30.43, 0], [38.86, 38.86])[1] > 0


# ---- torture cases ---------------------------------------------------------------

def test_torture_cases_are_finite_and_match_mpmath():
    bg = crvm.BetaGeo()
    bg.params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    # values: tests/reference/transactions_mpmath.py (50-digit closed forms)
    assert bg.p_alive(500, 38.86, 38.86) == pytest.approx(0.99842100756841139, rel=1e-9)
    assert bg.expected_purchases(39, 500, 38.86, 38.86) == pytest.approx(343.50444403040308,
                                                                         rel=1e-9)
    assert bg.p_alive(500, 20, 38.86) == pytest.approx(2.7956094589945254e-122, rel=1e-9)
    tiny = crvm.BetaGeo()
    tiny.params = {"r": 0.243, "alpha": 1e-6, "a": 0.793, "b": 2.426}
    assert tiny.expected_purchases(10, 3, 20, 39) == pytest.approx(0.30419318341454586, rel=1e-9)
    pn = crvm.ParetoNBD()
    for beta in (10.578, 10.578 + 1e-11, 10.578 - 1e-13):
        pn.params = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": beta}
        assert pn.p_alive(2, 30.43, 38.86) == pytest.approx(0.86622621471877676, rel=1e-9)
    pn.params = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    assert pn.expected_purchases(39, 500, 38.86, 38.86) == pytest.approx(328.24302663366975,
                                                                         rel=1e-9)
    assert np.isfinite(pn.p_alive(500, 30, 38.86))


# ---- interface -----------------------------------------------------------------------

def test_inputs_lists_series_scalars_and_outputs(cdnow):
    m = crvm.BetaGeo()
    m.params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert isinstance(m.p_alive(2, 30.43, 38.86), float)
    lists = m.p_alive([2, 1], [30.43, 1.71], [38.86, 38.86])
    series = m.p_alive(cdnow["frequency"][:2], cdnow["recency"][:2], cdnow["T"][:2])
    np.testing.assert_array_equal(lists, series)
    assert isinstance(lists, np.ndarray) and isinstance(series, pd.Series)
    # a scalar age beside arrays is refused, not broadcast
    with pytest.raises(ValueError, match="T is a scalar but frequency has 2 rows"):
        m.p_alive([2, 1], [30.43, 1.71], 38.86)
    assert m.expected_purchases_new([1, 2]).shape == (2,)
    # an array of horizons, one per customer, as lifetimes allows
    both = m.expected_purchases([10, 39], [2, 1], [30.43, 1.71], [38.86, 38.86])
    assert both[0] == m.expected_purchases(10, 2, 30.43, 38.86)
    assert both[1] == m.expected_purchases(39, 1, 1.71, 38.86)
    assert m.probability_of_purchases(10, [0, 1, 2]).shape == (3,)
    assert m.summary.shape == (4, 4)


@pytest.mark.parametrize("cls", [crvm.BetaGeo, crvm.ModifiedBetaGeo, crvm.ParetoNBD])
def test_predictions_in_library_arrays_equal_the_caller_array_calls(cdnow, cls):
    """p_alive and expected_purchases (one horizon) return views of arrays
    that the library allocated (crvm_txn_p_alive_new, ..._new): the same
    bits as the calls into an array of the caller's, writable, alive after
    the model is gone, and a bad row deep in long columns still named."""
    from crvm import lowlevel as ll
    m = cls().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    reps = 40  # about 94000 rows: hundreds of blocks, a huge-page array
    x, tx, T = (np.tile(cdnow[c].to_numpy(dtype=float), reps)
                for c in ("frequency", "recency", "T"))
    pa, ex = m.p_alive(x, tx, T), m.expected_purchases(30.0, x, tx, T)
    ref_pa, ref_ex = np.empty(len(x)), np.empty(len(x))
    ll.crvm_txn_p_alive(m._require(), x, tx, T, ref_pa)
    ll.crvm_txn_expected_conditional(m._require(), 30.0, x, tx, T, ref_ex)
    np.testing.assert_array_equal(pa, ref_pa)
    np.testing.assert_array_equal(ex, ref_ex)
    assert type(pa.base).__name__ == "Values" and pa.flags.writeable
    del m
    pa[:2] = -1.0
    assert pa[0] == -1.0 and pa[2] == ref_pa[2]
    bad = x.copy()
    bad[70001] = 0.5
    m = cls().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    with pytest.raises(crvm.InvalidArgumentError, match=r"frequency\[70001\] = 0.5"):
        m.p_alive(bad, tx, T)
    with pytest.raises(crvm.InvalidArgumentError, match=r"frequency\[70001\] = 0.5"):
        m.expected_purchases(30.0, bad, tx, T)
    assert m.p_alive(np.empty(0), np.empty(0), np.empty(0)).shape == (0,)


@pytest.mark.parametrize("cls", [crvm.BetaGeo, crvm.ModifiedBetaGeo, crvm.ParetoNBD])
def test_one_step_predictions_equal_the_general_path(cdnow, cls):
    """p_alive and expected_purchases (a number as horizon) take three 1-D
    native float64 buffers of one length to the library in one low-level
    call (crvm_py_txn_columns_new); every other input goes the general way
    (crvm._columns), whose results and errors are the reference: the same
    bits through either, and the one-step call answers None where it does
    not apply."""
    import array

    from crvm import lowlevel as ll
    from crvm._lowlevel import crvm_py_txn_columns_new as one_step
    m = cls().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    cols = [cdnow[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")]
    p = m._require_values()
    general_pa = m._per_customer_new(ll.crvm_py_txn_p_alive_new, *cols)
    general_ex = m._per_customer_new(ll.crvm_py_txn_expected_conditional_new, *cols, 30.0)
    frozen = [c.copy() for c in cols]
    for c in frozen:
        c.flags.writeable = False
    for one in (cols, frozen, [array.array("d", c) for c in cols],
                [memoryview(c) for c in cols]):
        assert one_step(0, p, 0.0, *one) is not None
        np.testing.assert_array_equal(m.p_alive(*one), general_pa)
        np.testing.assert_array_equal(m.expected_purchases(30.0, *one), general_ex)
        np.testing.assert_array_equal(m.expected_purchases(30, *one), general_ex)
    # the general path's inputs: converted, aligned or refused there
    n = len(cols[0])
    big = ">f8" if sys.byteorder == "little" else "<f8"
    others = {
        "list": [c.tolist() for c in cols],
        "float32 frequency": [cols[0].astype(np.float32), cols[1], cols[2]],
        "foreign byte order": [c.astype(big) for c in cols],
        "strided": [np.repeat(c, 2)[::2] for c in cols],
    }
    for name, other in others.items():
        assert one_step(0, p, 0.0, *other) is None, name
        as_float = [np.asarray(c, dtype=np.float64) for c in other]
        np.testing.assert_array_equal(
            m.p_alive(*other),
            m._per_customer_new(ll.crvm_py_txn_p_alive_new, *as_float))
        np.testing.assert_array_equal(
            m.expected_purchases(30.0, *other),
            m._per_customer_new(ll.crvm_py_txn_expected_conditional_new, *as_float, 30.0))
    series = m.p_alive(*(pd.Series(c, index=np.arange(n)[::-1]) for c in cols))
    assert isinstance(series, pd.Series)
    np.testing.assert_array_equal(series.to_numpy(), general_pa)
    assert one_step(0, p, 0.0, np.empty(0), np.empty(0), np.empty(0)) is None
    assert m.p_alive(np.empty(0), np.empty(0), np.empty(0)).shape == (0,)
    assert one_step(0, p, 0.0, cols[0][:-1], cols[1], cols[2]) is None
    with pytest.raises(ValueError, match="the columns must have the same length"):
        m.p_alive(cols[0][:-1], cols[1], cols[2])
    assert one_step(1, p, 30.0, *(c.reshape(-1, 1) for c in cols)) is None
    with pytest.raises(ValueError, match="expected one value per customer"):
        m.expected_purchases(30.0, *(c.reshape(-1, 1) for c in cols))
    # a scalar row, and an array of horizons, stay on the general path
    row = [np.array([c[3]]) for c in cols]
    assert one_step(0, p, 0.0, 2.0, 30.43, 38.86) is None
    assert m.p_alive(*(float(c[0]) for c in row)) == m.p_alive(*row)[0]
    horizons = np.full(n, 30.0)
    np.testing.assert_array_equal(m.expected_purchases(horizons, *cols), general_ex)
    # errors of the C call through the one-step path: the library's own
    bad = cols[0].copy()
    bad[7] = -1.0
    with pytest.raises(crvm.InvalidArgumentError, match=r"frequency\[7\] = -1"):
        m.p_alive(bad, cols[1], cols[2])
    with pytest.raises(crvm.InvalidArgumentError, match="t is NaN"):
        m.expected_purchases(float("nan"), *cols)
    with pytest.raises(crvm.NotFittedError):
        cls().p_alive(*cols)


def test_fit_attributes_and_weights(cdnow):
    g = cdnow.groupby(["frequency", "recency", "T"]).size().reset_index(name="w")
    a = crvm.BetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    b = crvm.BetaGeo().fit(g["frequency"], g["recency"], g["T"], weights=g["w"])
    for k in a.params:
        assert b.params[k] == pytest.approx(a.params[k], rel=1e-10)
    assert b.log_likelihood == pytest.approx(a.log_likelihood, rel=1e-12)
    cov = a.covariance
    assert list(cov.index) == ["r", "alpha", "a", "b"]
    assert np.sqrt(cov.loc["a", "a"]) == pytest.approx(a.standard_errors["a"], rel=1e-12)
    assert a.aic == pytest.approx(8 - 2 * a.log_likelihood)
    # an L2 penalty shrinks the parameters
    p = crvm.BetaGeo(penalizer_coef=0.01).fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert p.params["alpha"] < a.params["alpha"]


def test_non_convergence_warns_and_reports(cdnow):
    with pytest.warns(crvm.ConvergenceWarning):
        m = crvm.ParetoNBD(max_iterations=2).fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert m.converged is False
    assert np.isfinite(m.log_likelihood)


@pytest.mark.parametrize("x, tx, T, match", [
    ([1, 0], [40, 0], [39, 39], r"recency\[0\] = 40 exceeds T\[0\] = 39"),
    ([0, 0], [0, 3], [39, 39], r"recency\[1\] = 3 with frequency\[1\] = 0"),
    ([-1, 0], [0, 0], [39, 39], r"frequency\[0\] = -1"),
    ([1.5, 0], [3, 0], [39, 39], r"frequency\[0\] = 1.5: must be an integer"),
    ([1, 0], [np.nan, 0], [39, 39], r"recency\[0\] is NaN"),
    ([1, 0], [3, 0], [39, np.inf], r"T\[1\] = inf"),
])
def test_bad_data_raise_clear_errors(x, tx, T, match):
    with pytest.raises(crvm.InvalidArgumentError, match=match):
        crvm.BetaGeo().fit(x, tx, T)
    m = crvm.ParetoNBD()
    m.params = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    with pytest.raises(ValueError, match=match):
        m.p_alive(x, tx, T)


def test_parameter_errors():
    m = crvm.BetaGeo()
    with pytest.raises(crvm.NotFittedError):
        m.p_alive(1, 1, 2)
    with pytest.raises(ValueError, match="missing"):
        m.params = {"r": 1, "alpha": 1, "a": 1}
    with pytest.raises(crvm.DomainError, match="parameter alpha = -1"):
        m.params = {"r": 1, "alpha": -1, "a": 1, "b": 1}
    with pytest.raises(ValueError, match="same length"):
        crvm.BetaGeo().fit([1, 2, 3], [1, 2], [3, 3, 3])


def test_fitted_data_is_a_snapshot_of_the_columns(cdnow):
    """model.data (built on first access) holds the columns as they were at
    fit time: changing the caller's arrays afterwards does not reach it."""
    x = cdnow["frequency"].to_numpy().copy()
    tx = cdnow["recency"].to_numpy().copy()
    T = cdnow["T"].to_numpy().copy()
    bg = crvm.BetaGeo().fit(x, tx, T)
    repeat = x > 0
    f, m = x[repeat].copy(), np.linspace(10.0, 50.0, int(repeat.sum()))
    gg = crvm.GammaGamma().fit(f, m)
    x0, f0, m0 = x.copy(), f.copy(), m.copy()
    x[:] = -1.0
    f[:] = -1.0
    m[:] = -1.0
    np.testing.assert_array_equal(bg.data["frequency"].to_numpy(), x0)
    np.testing.assert_array_equal(bg.data["T"].to_numpy(), T)
    np.testing.assert_array_equal(gg.data["frequency"].to_numpy(), f0)
    np.testing.assert_array_equal(gg.data["monetary_value"].to_numpy(), m0)
    assert crvm.BetaGeo().data is None
