"""crvm.ShiftedBetaGeometric and crvm.BetaDiscreteWeibull.

References: the published sBG estimates of Fader & Hardie (2007), "How to
Project Customer Retention" (regular and high-end cohorts, years 0-7);
maximum likelihood computed here at run time with scipy on the same
likelihood; closed forms (scipy.special.hyp2f1 for the sBG DERL of Fader &
Hardie 2010) and direct sums; simulation with known parameters.
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special

import crvm

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


# ---- reference computations (independent of crvm) -----------------------------

def log_survival(a, b, c, t):
    t = np.asarray(t, dtype=float)
    return special.betaln(a, b + t ** c) - special.betaln(a, b)


def scipy_loglik(x, counts, bdw):
    a, b = math.exp(x[0]), math.exp(x[1])
    c = math.exp(x[2]) if bdw else 1.0
    n = np.asarray(counts, dtype=float)
    ls = log_survival(a, b, c, np.arange(len(n)))
    s = np.exp(ls)
    churn = s[:-1] - s[1:]
    if np.any(churn <= 0):
        return -np.inf
    return float(np.sum((n[:-1] - n[1:]) * np.log(churn)) + n[-1] * ls[-1])


def scipy_fit(counts, bdw):
    """Maximum likelihood by Nelder-Mead on log-parameters, from a neutral start."""
    x0 = [0.0, 0.0, 0.0] if bdw else [0.0, 0.0]
    res = optimize.minimize(lambda x: -scipy_loglik(x, counts, bdw), x0, method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 40000, "maxfev": 80000})
    return np.exp(res.x), -res.fun


# ---- published and peer values --------------------------------------------------

@pytest.mark.parametrize("counts, alpha, beta", [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)])
def test_sbg_reproduces_the_published_estimates(counts, alpha, beta):
    model = crvm.ShiftedBetaGeometric().fit_cohort(counts[:8])
    # Printed to 3 decimals.
    assert model.params["alpha"] == pytest.approx(alpha, abs=0.0005)
    assert model.params["beta"] == pytest.approx(beta, abs=0.0005)
    assert model.converged


@pytest.mark.parametrize("counts", [REGULAR[:8], HIGH_END[:8], REGULAR, HIGH_END])
@pytest.mark.parametrize("model_class, bdw", [(crvm.ShiftedBetaGeometric, False),
                                              (crvm.BetaDiscreteWeibull, True)])
def test_matches_scipy_maximum_likelihood(counts, model_class, bdw):
    model = model_class().fit_cohort(counts)
    est, ll = scipy_fit(counts, bdw)
    # crvm's maximum is at least as high as scipy's (up to rounding) and at
    # the same point: Nelder-Mead stops within ~1e-6 relative on these
    # flat-ish likelihoods.
    assert model.log_likelihood >= ll - 1e-8
    assert model.log_likelihood == pytest.approx(ll, abs=1e-6)
    got = [model.params[k] for k in (("alpha", "beta", "c") if bdw else ("alpha", "beta"))]
    np.testing.assert_allclose(got, est, rtol=2e-5)
    # And crvm's log-likelihood is the likelihood scipy evaluates at that point.
    x = np.log(got)
    assert model.log_likelihood == pytest.approx(scipy_loglik(x, counts, bdw), rel=1e-12)


def test_predictions_match_closed_forms():
    a, b = 0.704, 1.182
    model = crvm.ShiftedBetaGeometric()
    model.params = {"alpha": a, "beta": b}
    t = np.arange(0, 30)
    np.testing.assert_allclose(model.survival(t), np.exp(log_survival(a, b, 1, t)), rtol=1e-12)
    t1 = t[1:]
    # Fader & Hardie (2007) eq. (8): r(t) = (b + t - 1) / (a + b + t - 1).
    np.testing.assert_allclose(model.retention_rate(t1), (b + t1 - 1) / (a + b + t1 - 1), rtol=1e-14)
    np.testing.assert_allclose(model.churn_probability(t1),
                               np.exp(log_survival(a, b, 1, t1 - 1)) - np.exp(log_survival(a, b, 1, t1)),
                               rtol=1e-10)
    # Fader & Hardie (2010): DERL = B(a, b+n)/B(a, b+n-1) 2F1(1, b+n; a+b+n; 1/(1+d)), n - 1 renewals.
    for d in (0.05, 0.1, 0.25):
        renewals = np.array([0, 1, 3, 10])
        n = renewals + 1
        closed = (b + n - 1) / (a + b + n - 1) * special.hyp2f1(1, b + n, a + b + n, 1 / (1 + d))
        np.testing.assert_allclose(model.derl(d, renewals), closed, rtol=1e-10)
    # E[T] = (a + b - 1) / (a - 1) when a > 1, else infinite.
    model.params = {"alpha": 1.7, "beta": 2.2}
    assert model.expected_lifetime() == pytest.approx(2.9 / 0.7, rel=1e-14)
    model.params = {"alpha": 0.9, "beta": 2.2}
    assert model.expected_lifetime() == math.inf
    assert model.derl(0.0) == math.inf


def test_bdw_derl_matches_a_direct_sum():
    a, b, c, d = 0.46, 0.78, 1.28, 0.1
    model = crvm.BetaDiscreteWeibull()
    model.params = {"alpha": a, "beta": b, "c": c}
    z = 1 / (1 + d)
    for renewals in (0, 2, 7):
        t = np.arange(renewals + 1, renewals + 2001)
        terms = np.exp(log_survival(a, b, c, t) - log_survival(a, b, c, renewals)) * z ** (t - renewals - 1)
        # The terms never increase, so the tail after 2000 terms is below
        # terms[-1] z / (1 - z), about 1e-85 here.
        assert model.derl(d, renewals) == pytest.approx(terms.sum(), rel=1e-10)


def test_bdw_with_c_equal_to_one_is_the_sbg():
    sbg, bdw = crvm.ShiftedBetaGeometric(), crvm.BetaDiscreteWeibull()
    sbg.params = {"alpha": 0.668, "beta": 3.806}
    bdw.params = {"alpha": 0.668, "beta": 3.806, "c": 1.0}
    t = np.arange(1, 40)
    np.testing.assert_allclose(bdw.survival(t), sbg.survival(t), rtol=1e-14)
    np.testing.assert_allclose(bdw.churn_probability(t), sbg.churn_probability(t), rtol=1e-14)
    np.testing.assert_allclose(bdw.derl(0.1, [0, 5]), sbg.derl(0.1, [0, 5]), rtol=1e-14)
    # The fitted BdW contains the sBG: its maximum is never lower.
    assert (crvm.BetaDiscreteWeibull().fit_cohort(REGULAR).log_likelihood
            >= crvm.ShiftedBetaGeometric().fit_cohort(REGULAR).log_likelihood - 1e-9)
    # An sBG may state c = 1 explicitly.
    sbg.params = {"alpha": 1.0, "beta": 2.0, "c": 1}
    assert sbg.params == {"alpha": 1.0, "beta": 2.0}


# ---- inputs and outputs ----------------------------------------------------------

def test_scalars_lists_arrays_and_series():
    model = crvm.ShiftedBetaGeometric().fit_cohort(np.array(REGULAR[:8]))
    s = model.survival(3)
    assert isinstance(s, float)
    assert isinstance(model.survival(np.int64(3)), float)
    arr = model.survival([0, 1, 2, 3])
    assert isinstance(arr, np.ndarray) and arr.shape == (4,)
    assert arr[3] == s and arr[0] == 1.0
    series = pd.Series([1, 2, 3], index=["x", "y", "z"], name="year")
    out = model.retention_rate(series)
    assert isinstance(out, pd.Series) and list(out.index) == ["x", "y", "z"]
    np.testing.assert_array_equal(out.to_numpy(), model.retention_rate(np.array([1.0, 2.0, 3.0])))
    assert isinstance(model.derl(0.1), float)
    assert isinstance(model.derl(0.1, range(3)), np.ndarray)
    assert model.survival([]).shape == (0,)
    # A pandas Series of counts fits like a list.
    other = crvm.ShiftedBetaGeometric().fit_cohort(pd.Series(REGULAR[:8]))
    assert other.params == model.params


def test_records_and_weights_match_the_cohort_fit():
    counts = np.array(REGULAR[:8])
    periods, churned, weights = [], [], []
    for t in range(1, 8):
        periods.append(t)
        churned.append(1)
        weights.append(counts[t - 1] - counts[t])
    periods.append(7)
    churned.append(0)
    weights.append(counts[7])
    for cls in (crvm.ShiftedBetaGeometric, crvm.BetaDiscreteWeibull):
        cohort = cls().fit_cohort(counts)
        weighted = cls().fit(periods, np.array(churned, dtype=bool), weights=pd.Series(weights))
        expanded = cls().fit(np.repeat(periods, np.array(weights, dtype=int)),
                             np.repeat(churned, np.array(weights, dtype=int)))
        for other in (weighted, expanded):
            assert other.log_likelihood == pytest.approx(cohort.log_likelihood, rel=1e-12)
            for k, v in cohort.params.items():
                assert other.params[k] == pytest.approx(v, rel=1e-6)


def test_several_cohorts_share_parameters():
    joint = crvm.ShiftedBetaGeometric().fit_cohort([REGULAR[:8], HIGH_END])
    flat = crvm.ShiftedBetaGeometric().fit_cohort(REGULAR[:8] + HIGH_END, cohort_lengths=[8, 13])
    assert joint.params == flat.params
    separate = (crvm.ShiftedBetaGeometric().fit_cohort(REGULAR[:8]).log_likelihood
                + crvm.ShiftedBetaGeometric().fit_cohort(HIGH_END).log_likelihood)
    assert joint.log_likelihood < separate
    assert joint.fit_report["n_observations"] == 2000


def test_summary_and_report():
    model = crvm.BetaDiscreteWeibull().fit_cohort(REGULAR)
    summary = model.summary
    assert list(summary.columns) == ["estimate", "standard error", "lower 95%", "upper 95%"]
    assert list(summary.index) == ["alpha", "beta", "c"]
    assert (summary["lower 95%"] < summary["estimate"]).all()
    assert (summary["estimate"] < summary["upper 95%"]).all()
    assert (summary["lower 95%"] > 0).all()
    np.testing.assert_allclose(np.sqrt(np.diag(model.covariance)), summary["standard error"], rtol=1e-14)
    for k, v in model.standard_errors.items():
        assert v == summary.loc[k, "standard error"] > 0
    report = model.fit_report
    assert report["n_parameters"] == 3 and report["converged"] is True
    assert report["aic"] == pytest.approx(6 - 2 * report["log_likelihood"], rel=1e-14)
    assert model.aic == report["aic"] and model.bic == report["bic"]
    assert "fitted" in repr(model)


def test_assigned_parameters_predict_without_a_fit():
    model = crvm.BetaDiscreteWeibull()
    assert "not fitted" in repr(model)
    with pytest.raises(crvm.NotFittedError):
        model.survival(1)
    with pytest.raises(crvm.NotFittedError):
        _ = model.params
    model.params = {"alpha": 2.0, "beta": 3.0, "c": 0.8}
    assert model.params == {"alpha": 2.0, "beta": 3.0, "c": 0.8}
    assert 0 < model.survival(5) < 1
    assert model.expected_lifetime() > 1
    with pytest.raises(crvm.NotFittedError, match="after a fit"):
        _ = model.standard_errors
    with pytest.raises(crvm.NotFittedError):
        _ = model.summary


def test_recovers_simulated_parameters():
    """Lifetimes simulated from the BdW with theta ~ Beta(a, b), observed 12 periods."""
    rng = np.random.default_rng(2024)
    for cls, truth in ((crvm.ShiftedBetaGeometric, {"alpha": 0.8, "beta": 2.0}),
                       (crvm.BetaDiscreteWeibull, {"alpha": 1.0, "beta": 2.0, "c": 0.7})):
        n, horizon = 20000, 12
        theta = rng.beta(truth["alpha"], truth["beta"], size=n)
        q = np.log(rng.uniform(size=n)) / np.log1p(-theta)
        life = np.maximum(np.ceil(q ** (1 / truth.get("c", 1.0))), 1)
        churned = life <= horizon
        periods = np.where(churned, life, horizon).astype(np.int32)
        model = cls().fit(periods, churned)
        for k, v in truth.items():
            # Within 3 standard errors (fixed seed).
            assert abs(model.params[k] - v) <= 3 * model.standard_errors[k], (k, model.summary)


# ---- errors ----------------------------------------------------------------------

def test_library_errors_raise_their_classes_with_the_library_message():
    sbg = crvm.ShiftedBetaGeometric()
    with pytest.raises(crvm.InvalidArgumentError, match=r"cohort 1, period 2: count 700 exceeds 600"):
        sbg.fit_cohort([[1000, 600, 500], [1000, 600, 700]])
    with pytest.raises(crvm.InvalidArgumentError, match=r"churned\[1\] = 2"):
        sbg.fit([1, 2, 3], [1, 2, 0])
    with pytest.raises(crvm.InvalidArgumentError, match=r"churned_len = 2 but periods_len = 3"):
        sbg.fit([1, 2, 3], [1, 0])
    with pytest.raises(crvm.DomainError, match="no customer churned"):
        sbg.fit_cohort([500, 500, 500])
    with pytest.raises(crvm.DomainError, match="churned in period 1"):
        sbg.fit_cohort([500, 0, 0])
    with pytest.raises(crvm.DomainError, match="only 1 renewal period"):
        sbg.fit_cohort([500, 300])
    with pytest.raises(crvm.DomainError, match="alpha = -1"):
        sbg.params = {"alpha": -1.0, "beta": 1.0}
    with pytest.raises(crvm.ConvergenceError, match="runs off to infinity") as info:
        sbg.fit_cohort([100000 * 0.8 ** t for t in range(10)])
    assert info.value.report["converged"] is False
    assert math.isfinite(info.value.report["log_likelihood"])
    with pytest.raises(crvm.ConvergenceError, match="did not converge"):
        crvm.BetaDiscreteWeibull(max_iterations=1).fit_cohort(REGULAR)
    with pytest.raises(crvm.InvalidArgumentError, match="tolerance"):
        crvm.ShiftedBetaGeometric(tolerance=-1.0).fit_cohort(REGULAR)
    # A failed fit leaves the model as it was.
    with pytest.raises(crvm.NotFittedError):
        _ = sbg.params
    model = crvm.ShiftedBetaGeometric().fit_cohort(REGULAR)
    with pytest.raises(crvm.InvalidArgumentError, match=r"t\[1\] = 2.5: must be a whole number"):
        model.survival([1, 2.5])
    with pytest.raises(crvm.InvalidArgumentError, match=r"t\[0\] = 0: must be a whole number >= 1"):
        model.retention_rate(0)
    with pytest.raises(crvm.InvalidArgumentError, match="discount_rate"):
        model.derl(-0.5)
    # Every library error is also the matching built-in exception.
    with pytest.raises(ValueError):
        model.survival(-1)


def test_python_level_misuse():
    model = crvm.ShiftedBetaGeometric()
    with pytest.raises(TypeError):
        model.params = [0.7, 1.2]
    with pytest.raises(ValueError, match="unknown parameter"):
        model.params = {"alpha": 1, "beta": 1, "gamma": 2}
    with pytest.raises(ValueError, match="missing"):
        model.params = {"alpha": 1}
    with pytest.raises(ValueError, match="c = 1"):
        model.params = {"alpha": 1, "beta": 1, "c": 2}
    with pytest.raises(TypeError):
        model.params = {"alpha": "1", "beta": 1}
    model.params = {"alpha": 1, "beta": 1}
    with pytest.raises(TypeError):
        model.survival("3")
    with pytest.raises(ValueError, match="1-D"):
        model.survival(np.ones((2, 2)))
    with pytest.raises(TypeError):
        model.derl("0.1")
    with pytest.raises(ValueError, match=r"periods\[0\] = 1.5"):
        model.fit([1.5], [1])
    with pytest.raises(TypeError):
        crvm.ShiftedBetaGeometric(max_iterations=2.5)
    with pytest.raises(TypeError):
        crvm.BetaDiscreteWeibull(initial_params=3)
