"""crvm.GammaGamma against the published CDNOW estimates and lifetimes' GammaGammaFitter."""

import warnings

import numpy as np
import pandas as pd
import pytest

import crvm

lifetimes = pytest.importorskip("lifetimes")

PUBLISHED = {"p": 6.25, "q": 3.74, "v": 15.44}  # Fader & Hardie (2013), note 025


@pytest.fixture(scope="module")
def cdnow(datadir):
    return pd.read_csv(datadir / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="module")
def repeat(cdnow):
    return cdnow[cdnow["x"] > 0]


@pytest.fixture(scope="module")
def lifetimes_gg(repeat):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lifetimes.GammaGammaFitter().fit(repeat["x"], repeat["zbar"])


def test_fit_reproduces_published_estimates(repeat):
    gg = crvm.GammaGamma().fit(repeat["x"], repeat["zbar"])
    assert gg.report_["converged"]
    # printed to 2 decimals; the published v sits 0.008 off the exact optimum
    for k, v in PUBLISHED.items():
        assert abs(gg.params[k] - v) <= 0.01, k
    assert gg.p == gg.params["p"] and gg.q == gg.params["q"] and gg.v == gg.params["v"]


def test_fit_matches_lifetimes(repeat, lifetimes_gg):
    gg = crvm.GammaGamma().fit(repeat["x"].to_numpy(), repeat["zbar"].to_numpy())
    theirs = lifetimes_gg.params_
    # both stop at ~1e-8 gradients on a flat ridge: 1e-5 relative
    np.testing.assert_allclose(gg.params_.to_numpy(), theirs[["p", "q", "v"]].to_numpy(),
                               rtol=1e-5)
    # Hessians differentiated differently: 1e-4 relative
    np.testing.assert_allclose(gg.standard_errors_.to_numpy(),
                               lifetimes_gg.summary["se(coef)"].to_numpy(), rtol=1e-4)
    # lifetimes stores the mean negative log-likelihood
    assert gg.log_likelihood_ == pytest.approx(-lifetimes_gg._negative_log_likelihood_ * len(repeat),
                                               rel=1e-10)
    cov = gg.covariance_
    assert list(cov.index) == ["p", "q", "v"]
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), gg.standard_errors_.to_numpy(), rtol=1e-12)
    assert list(gg.summary.columns) == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]


def test_penalised_fit_matches_lifetimes(repeat):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = lifetimes.GammaGammaFitter(penalizer_coef=0.1).fit(repeat["x"], repeat["zbar"])
    ours = crvm.GammaGamma(penalizer_coef=0.1).fit(repeat["x"], repeat["zbar"])
    np.testing.assert_allclose(ours.params_.to_numpy(), theirs.params_[["p", "q", "v"]].to_numpy(),
                               rtol=1e-5)


def test_expected_spend_matches_lifetimes_at_the_same_parameters(cdnow, lifetimes_gg):
    gg = crvm.GammaGamma()
    gg.params = dict(lifetimes_gg.params_)
    ours = gg.expected_spend(cdnow["x"], cdnow["zbar"])
    theirs = lifetimes_gg.conditional_expected_average_profit(cdnow["x"], cdnow["zbar"])
    # Series in, Series out, on the caller's index
    assert isinstance(ours, pd.Series) and ours.index.equals(cdnow.index)
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-6)
    # in fact the same formula: agreement to rounding
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-13)
    # scalars in, scalar out; lists work
    assert isinstance(gg.expected_spend(2, 22.35), float)
    assert gg.expected_spend([0], [0])[0] == pytest.approx(
        gg.p * gg.v / (gg.q - 1), rel=1e-15)
    assert gg.conditional_expected_average_profit(2, 22.35) == gg.expected_spend(2, 22.35)


def test_params_can_be_assigned_and_validated():
    gg = crvm.GammaGamma()
    with pytest.raises(crvm.NotFittedError):
        gg.expected_spend([1.0], [10.0])
    with pytest.raises(crvm.NotFittedError):
        _ = gg.params
    gg.params = PUBLISHED
    assert gg.params == PUBLISHED
    gg.params = pd.Series(PUBLISHED)
    assert gg.params == PUBLISHED
    with pytest.raises(crvm.NotFittedError, match="standard errors"):
        _ = gg.standard_errors_
    with pytest.raises(ValueError, match="missing v"):
        gg.params = {"p": 1.0, "q": 2.0}
    with pytest.raises(ValueError, match=r"params\['q'\]"):
        gg.params = {"p": 1.0, "q": -2.0, "v": 3.0}
    gg.params = {"p": 6.25, "q": 0.9, "v": 15.44}
    with pytest.raises(crvm.DomainError, match="q = 0.9"):
        gg.expected_spend([1.0], [10.0])


def test_fit_errors_are_clear(repeat, cdnow):
    with pytest.raises(crvm.InvalidArgumentError, match=r"frequency\[2\] = 0.*repeat customers"):
        crvm.GammaGamma().fit(cdnow["x"], cdnow["zbar"])
    x = repeat["x"].to_numpy().copy()
    m = repeat["zbar"].to_numpy().copy()
    m[5] = np.nan
    with pytest.raises(crvm.InvalidArgumentError, match=r"monetary_value\[5\]"):
        crvm.GammaGamma().fit(x, m)
    m[5] = -1.0
    with pytest.raises(crvm.InvalidArgumentError, match=r"monetary_value\[5\] = -1"):
        crvm.GammaGamma().fit(x, m)
    with pytest.raises(ValueError, match="frequency has 946, monetary_value has 945"):
        crvm.GammaGamma().fit(x, m[:-1])
    known = crvm.GammaGamma()
    known.params = PUBLISHED
    with pytest.raises(crvm.InvalidArgumentError, match=r"frequency\[0\] = -1"):
        known.expected_spend([-1.0], [3.0])
    with pytest.raises(crvm.InvalidArgumentError, match=r"monetary_value\[1\]"):
        known.expected_spend(pd.Series([1.0, 2.0]), pd.Series([3.0, np.nan]))
    with pytest.raises(crvm.InvalidArgumentError, match=r"weights\[0\]"):
        crvm.GammaGamma().fit([1.0, 2.0], [3.0, 4.0], weights=[-1.0, 1.0])


def test_non_convergence_is_reported():
    x = np.tile([1.0, 2.0, 3.0, 4.0], 10)
    gg = crvm.GammaGamma()
    with pytest.raises(crvm.ConvergenceError):
        gg.fit(x, np.full(40, 25.0))  # no heterogeneity: no finite maximum
    assert gg.report_ is not None and not gg.report_["converged"]


def test_weights_and_initial_params(repeat):
    x = repeat["x"].to_numpy()
    m = repeat["zbar"].to_numpy()
    doubled = crvm.GammaGamma().fit(np.concatenate([x, x]), np.concatenate([m, m]))
    weighted = crvm.GammaGamma().fit(x, m, weights=np.full(len(x), 2.0))
    np.testing.assert_allclose(weighted.params_.to_numpy(), doubled.params_.to_numpy(), rtol=1e-6)
    started = crvm.GammaGamma().fit(x, m, initial_params={"p": 1.0, "q": 1.0, "v": 1.0})
    np.testing.assert_allclose(started.params_.to_numpy(), doubled.params_.to_numpy(), rtol=1e-5)


def test_parameter_recovery_from_simulation():
    """Simulate z_ij ~ Gamma(p, nu_i), nu_i ~ Gamma(q, v); estimates within 4 SEs."""
    rng = np.random.default_rng(11)
    p, q, v = 3.0, 8.0, 120.0
    n = 20000
    nu = rng.gamma(q, 1.0 / v, n)
    x = rng.integers(1, 10, n).astype(float)
    zbar = rng.gamma(p * x, 1.0 / (x * nu)) / 1.0  # mean of x Gamma(p, nu) amounts
    gg = crvm.GammaGamma().fit(x, zbar)
    se = gg.standard_errors_
    for k, truth in {"p": p, "q": q, "v": v}.items():
        assert abs(gg.params[k] - truth) < 4 * se[k], (k, gg.params[k], se[k])


# ------------------------------------------------------------------- CLV

def _bgnbd_lifetimes(cdnow):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lifetimes.BetaGeoFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])


def test_clv_with_a_lifetimes_model_matches_lifetimes(cdnow, lifetimes_gg):
    bg = _bgnbd_lifetimes(cdnow)
    gg = crvm.GammaGamma()
    gg.params = dict(lifetimes_gg.params_)
    ours = gg.clv(bg, cdnow["x"], cdnow["t_x"], cdnow["T"], cdnow["zbar"], horizon=12,
                  discount_rate=0.01, unit="W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = lifetimes_gg.customer_lifetime_value(bg, cdnow["x"], cdnow["t_x"], cdnow["T"],
                                                      cdnow["zbar"], time=12, discount_rate=0.01,
                                                      freq="W")
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-10)
    half = gg.clv(bg, cdnow["x"], cdnow["t_x"], cdnow["T"], cdnow["zbar"], horizon=12,
                  discount_rate=0.01, unit="W", margin=0.5)
    np.testing.assert_allclose(half, 0.5 * ours, rtol=1e-14)


def test_clv_with_a_crvm_model_matches_lifetimes(cdnow, lifetimes_gg):
    if not hasattr(crvm, "BetaGeo"):
        pytest.skip("crvm transaction models are not in this build")
    bg_lt = _bgnbd_lifetimes(cdnow)
    bg = crvm.BetaGeo()
    bg.params = dict(bg_lt.params_)
    gg = crvm.GammaGamma()
    gg.params = dict(lifetimes_gg.params_)
    ours = gg.clv(bg, cdnow["x"], cdnow["t_x"], cdnow["T"], cdnow["zbar"], horizon=12,
                  discount_rate=0.01, unit="W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = lifetimes_gg.customer_lifetime_value(bg_lt, cdnow["x"], cdnow["t_x"], cdnow["T"],
                                                      cdnow["zbar"], time=12, discount_rate=0.01,
                                                      freq="W")
    # 2F1 from two codes (crvm vs scipy): 1e-8 relative
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-8)
    assert isinstance(ours, pd.Series) and ours.index.equals(cdnow.index)


def test_clv_errors(cdnow):
    gg = crvm.GammaGamma()
    gg.params = PUBLISHED
    with pytest.raises(TypeError, match="model"):
        gg.clv(object(), [1.0], [1.0], [2.0], [10.0])
    with pytest.raises(ValueError, match="horizon"):
        gg.clv(_bgnbd_lifetimes(cdnow), [1.0], [1.0], [2.0], [10.0], horizon=-1)
