"""crvm.RetentionRegression: the sBG/BdW with proportional-hazards covariates.

Expected values come from panels simulated here from the model with known
parameters, from the plain fits without covariates (crvm.BetaDiscreteWeibull,
itself checked against published values), from lifelines'
CoxTimeVaryingFitter on the same panels, and from closed forms."""

import math

import numpy as np
import pandas as pd
import pytest

import crvm

TRUTH = {"alpha[a]": 0.9, "beta[a]": 4.0, "alpha[b]": 1.6, "beta[b]": 5.0, "c": 0.8,
         "refused": 0.7, "contacts": 0.25, "trait": -0.5}


def simulate(n_subjects, seed, truth=TRUTH, periods=24, covariates=("refused", "contacts", "trait")):
    """A long panel from the model: theta ~ Beta(alpha_g, beta_g) per subject,
    churn at period s with probability 1 - (1 - theta)^e_s, e_s = (s^c - (s-1)^c)
    exp(b . z_s). refused: 0/1 each period (p = 0.25); contacts: 0, 1, 2; trait:
    -1, 0, 1 fixed per subject. Entry spread so that tenures vary."""
    rng = np.random.default_rng(seed)
    rows = []
    groups = sorted({k[k.index("[") + 1:-1] for k in truth if k.startswith("alpha[")})
    for i in range(n_subjects):
        g = groups[i % len(groups)]
        theta = rng.beta(truth[f"alpha[{g}]"], truth[f"beta[{g}]"])
        trait = int(rng.integers(-1, 2))
        horizon = int(rng.integers(1, periods + 1))
        for s in range(1, horizon + 1):
            z = {"refused": float(rng.random() < 0.25),
                 "contacts": float(rng.choice([0, 1, 2], p=[0.5, 0.3, 0.2])),
                 "trait": float(trait)}
            eta = sum(truth[c] * z[c] for c in covariates)
            e = (s ** truth["c"] - (s - 1) ** truth["c"]) * math.exp(eta)
            churn = rng.random() > (1 - theta) ** e
            rows.append({"id": f"s{i}", "period": s, "event": int(churn), "segment": g,
                         **{c: z[c] for c in covariates}})
            if churn:
                break
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def panel():
    return simulate(6000, seed=1)


@pytest.fixture(scope="module")
def fitted(panel):
    return crvm.RetentionRegression("bdw").fit(panel, group_col="segment",
                                               covariates=["refused", "contacts", "trait"])


def test_recovers_the_truth_within_3_se(fitted):
    est, se = fitted.params_, fitted.standard_errors_
    assert list(est.index) == list(TRUTH)
    for name, value in TRUTH.items():
        # A correct estimator and SE: within 3 SE with probability 0.997 each.
        assert abs(est[name] - value) <= 3 * se[name], (name, est[name], value, se[name])
    assert fitted.fit_report["converged"]
    assert fitted.fit_report["n_parameters"] == 8


def test_summary_has_hazard_ratios_and_intervals(fitted):
    s = fitted.summary
    assert list(s.columns) == ["coef", "se", "lower 95%", "upper 95%", "z", "p", "exp(coef)"]
    row = s.loc["refused"]
    assert row["exp(coef)"] == pytest.approx(math.exp(row["coef"]), rel=1e-15)
    assert row["z"] == pytest.approx(row["coef"] / row["se"], rel=1e-15)
    assert row["p"] == pytest.approx(math.erfc(abs(row["z"]) / math.sqrt(2)), rel=1e-12)
    assert row["lower 95%"] < row["coef"] < row["upper 95%"]
    assert math.isnan(s.loc["c", "z"]) and s.loc["c", "lower 95%"] > 0
    assert fitted.hazard_ratios_["trait"] == pytest.approx(math.exp(fitted.params_["trait"]))
    cov = fitted.covariance_
    assert np.allclose(np.sqrt(np.diag(cov)), fitted.standard_errors_)


def test_without_covariates_it_is_the_plain_bdw(panel):
    one = panel[panel["segment"] == "a"]
    ours = crvm.RetentionRegression("bdw").fit(one, covariates=[])
    last = one.groupby("id", sort=False).agg(periods=("period", "max"), churned=("event", "max"))
    plain = crvm.BetaDiscreteWeibull().fit(last["periods"], last["churned"])
    # Same likelihood, two optimisers converged to gradient 1e-8 |LL|: the
    # estimates agree to ~1e-6 relative, the SEs (analytic Hessian against
    # differences of the gradient) to ~1e-6.
    for name in ("alpha", "beta", "c"):
        key = name if name == "c" else f"{name}[0]"
        assert ours.params_[key] == pytest.approx(plain.params[name], rel=1e-5)
        assert ours.standard_errors_[key] == pytest.approx(plain.standard_errors[name], rel=1e-5)
    assert ours.fit_report["log_likelihood"] == pytest.approx(plain.log_likelihood, rel=1e-10)


def test_log_likelihood_and_its_gradient(fitted, panel):
    ll, grad = fitted.log_likelihood(panel)
    assert ll == pytest.approx(fitted.fit_report["log_likelihood"], rel=1e-12)
    # At the maximum the gradient vanishes (up to the optimiser's tolerance,
    # 1e-8 |LL| in the log-parameters).
    assert np.max(np.abs(grad.to_numpy() * np.r_[fitted.params_.to_numpy()[:5], 1, 1, 1])) \
        <= 1e-6 * abs(ll)


def test_cox_time_varying_agrees_on_sign_and_size(panel, fitted):
    """Cox on the period intervals estimates the marginal log hazard ratio:
    for covariates drawn afresh each period, grouping (Efron ties here, per-
    period churn ~10 %) attenuates it to 0.6-1 times b (see the C test
    cox_interval_model_agrees_on_sign_and_size for the derivation); for the
    time-constant trait frailty selection attenuates it further (0.2-1)."""
    lifelines = pytest.importorskip("lifelines")
    df = panel.assign(start=panel["period"] - 1, stop=panel["period"])
    cox = lifelines.CoxTimeVaryingFitter().fit(
        df[["id", "start", "stop", "event", "refused", "contacts", "trait"]],
        id_col="id", event_col="event", start_col="start", stop_col="stop")
    for name, low in (("refused", 0.6), ("contacts", 0.6), ("trait", 0.2)):
        b, c, se = fitted.params_[name], cox.params_[name], cox.standard_errors_[name]
        assert np.sign(b) == np.sign(c) == np.sign(TRUTH[name])
        assert low * abs(b) - 3 * se <= abs(c) <= abs(b) + 3 * se, (name, b, c, se)


def test_predictions(fitted, panel):
    pred = fitted.predict(panel)
    assert list(pred.columns) == crvm.retention_cov.COLUMNS
    assert pred.index.name == "id" and len(pred) == panel["id"].nunique()
    alive = pred[pred["alive"]]
    gone = pred[~pred["alive"]]
    assert len(alive) > 0 and len(gone) > 0
    assert (gone[["churn_next", "derl", "at_risk"]] == 0).all().all()
    assert ((alive["survival"] > 0) & (alive["survival"] < 1)).all()
    assert (alive["derl_horizon"] <= alive["derl"]).all()
    assert (alive[["derl_se", "survival_se", "at_risk_se"]] > 0).all().all()
    # Periods and exposure as of the last row: exposure from the fitted
    # parameters and the subject's own covariates, recomputed here.
    p = fitted.params_
    sid = alive.index[0]
    rows = panel[panel["id"] == sid].sort_values("period")
    eta = rows[["refused", "contacts", "trait"]].to_numpy() @ p[["refused", "contacts", "trait"]].to_numpy()
    s = rows["period"].to_numpy(dtype=float)
    expo = np.sum((s ** p["c"] - (s - 1) ** p["c"]) * np.exp(eta))
    assert alive.loc[sid, "periods"] == len(rows)
    assert alive.loc[sid, "exposure"] == pytest.approx(expo, rel=1e-13)
    # Churn next in closed form: 1 - B(alpha, x + e1) / B(alpha, x).
    g = rows["segment"].iloc[0]
    a, x = p[f"alpha[{g}]"], p[f"beta[{g}]"] + expo
    n = len(rows)
    e1 = (n + 1) ** p["c"] - n ** p["c"]
    lb = lambda u, v: math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v)  # noqa: E731
    assert alive.loc[sid, "churn_next"] == pytest.approx(
        1 - math.exp(lb(a, x + e1) - lb(a, x)), rel=1e-10)


def test_b_zero_predictions_equal_the_plain_model(panel):
    """With b = 0 the DERL of a subject after n renewals is the BdW's
    derl(renewals=n), whatever its covariates (1e-12: both ~1e-13 here)."""
    params = {"alpha[0]": 0.9, "beta[0]": 4.0, "c": 0.8, "refused": 0.0, "contacts": 0.0}
    model = crvm.RetentionRegression.from_params(params, covariates=["refused", "contacts"])
    one = panel[panel["segment"] == "a"]
    pred = model.predict(one, standard_errors=False, future={"refused": 1, "contacts": 2})
    plain = crvm.BetaDiscreteWeibull()
    plain.params = {"alpha": 0.9, "beta": 4.0, "c": 0.8}
    alive = pred[pred["alive"]]
    expected = plain.derl(crvm.retention_cov.DEFAULT_DISCOUNT_RATE,
                          alive["periods"].to_numpy(dtype=float))
    np.testing.assert_allclose(alive["derl"].to_numpy(), expected, rtol=1e-12)


def test_survival_curve_of_a_new_subject():
    model = crvm.RetentionRegression.from_params(
        [1.0, 2.0, 1.5, 0.7], kind="bdw", covariates=["refused"])
    t = np.array([0.0, 1.0, 3.0, 7.0])
    z = 2.0
    lb = lambda u, v: math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v)  # noqa: E731
    expected = [math.exp(lb(1.0, 2.0 + ti ** 1.5 * math.exp(0.7 * z)) - lb(1.0, 2.0)) for ti in t]
    np.testing.assert_allclose(model.survival(t, z={"refused": z}), expected, rtol=1e-13)
    assert model.survival(0.0) == 1.0
    with pytest.raises(crvm.InvalidArgumentError):
        model.survival([1.5])


def test_errors(panel, fitted):
    gap = panel.copy()
    gap.loc[gap.index[1], "period"] = 7
    with pytest.raises(ValueError, match="subject"):
        crvm.RetentionRegression().fit(gap, group_col="segment",
                                       covariates=["refused", "contacts", "trait"])
    with pytest.raises(KeyError):
        crvm.RetentionRegression().fit(panel, covariates=["nope"])
    with pytest.raises(ValueError, match="kind"):
        crvm.RetentionRegression("weibull")
    other = panel.assign(segment="z")
    with pytest.raises(ValueError, match="not one of"):
        fitted.predict(other)
    # A covariate constant over every row: the library's DomainError.
    flat = panel.assign(refused=1.0)
    with pytest.raises(crvm.DomainError, match="constant"):
        crvm.RetentionRegression().fit(flat, group_col="segment",
                                       covariates=["refused", "contacts"])
    with pytest.raises(crvm.NotFittedError):
        crvm.RetentionRegression().params_
    model = crvm.RetentionRegression.from_params([1.0, 2.0, 1.0], kind="sbg")
    with pytest.raises(crvm.StateError):
        model.standard_errors_
    with pytest.raises(crvm.DomainError):
        crvm.RetentionRegression.from_params([1.0, -2.0, 1.0])
    # Standard errors need a covariance: the library's StateError.
    one = panel[panel["segment"] == "a"]
    with pytest.raises(crvm.StateError):
        model.predict(one.drop(columns=["refused", "contacts", "trait"]))
    # No churn at all: DomainError naming the group.
    never = one.assign(event=0)
    with pytest.raises(crvm.DomainError, match="no subject churned"):
        crvm.RetentionRegression().fit(never, covariates=[])


def test_log_likelihood_matches_a_direct_computation():
    """The log-likelihood with covariates against the model written out with
    scipy: S(n) = B(alpha, beta + Lambda_n) / B(alpha, beta), a churned
    subject contributing ln[S(n-1) - S(n)], an active one ln S(n). Double
    precision sums of ~3000 terms: 1e-12 relative."""
    from scipy.special import betaln

    panel = simulate(800, seed=5)
    params = {"alpha[a]": 0.8, "beta[a]": 3.0, "alpha[b]": 1.3, "beta[b]": 6.0, "c": 0.7,
              "refused": 0.5, "contacts": 0.2, "trait": -0.4}
    names = ["refused", "contacts", "trait"]
    model = crvm.RetentionRegression.from_params(params, groups=["a", "b"], covariates=names)
    ll, _ = model.log_likelihood(panel, group_col="segment")
    b = np.array([params[n] for n in names])
    total = 0.0
    for _, rows in panel.groupby("id", sort=False):
        g = rows["segment"].iloc[0]
        a, beta, c = params[f"alpha[{g}]"], params[f"beta[{g}]"], params["c"]
        s = rows["period"].to_numpy(float)
        lam = np.cumsum((s ** c - (s - 1) ** c) * np.exp(rows[names].to_numpy() @ b))
        log_s = lambda x: betaln(a, beta + x) - betaln(a, beta)  # noqa: E731
        if rows["event"].iloc[-1]:
            before = lam[-2] if len(lam) > 1 else 0.0
            total += math.log(math.exp(log_s(before)) - math.exp(log_s(lam[-1])))
        else:
            total += log_s(lam[-1])
    assert ll == pytest.approx(total, rel=1e-12)
