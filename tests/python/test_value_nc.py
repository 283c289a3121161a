"""crvm.ValueModel with the non-contractual models (retention="bgnbd" or
"pareto"; docs/value.md "Non-contractual models").

References, all independent of crvm: lifetimes 0.11.3 on the same CDNOW
purchases (its summary, P(alive), expected purchases and Gamma-Gamma expected
profit, evaluated at crvm's fitted parameters; its own fits for the
parameters), numerical integrals with scipy of the model's closed forms for
DERT and the discounted time alive, and a business simulated here from the
BG/NBD and Gamma-Gamma generative story (known truth) for the residual value
and P(alive at as_of + H)."""

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special

import crvm

AS_OF = pd.Timestamp("1997-09-30")
RATE = 0.3       # gross margin rate of the purchases (stream "services")
ANNUAL = 0.1     # annual discount rate, passed to every ValueModel
DELTA = np.log1p(ANNUAL) / 365.25


def cents(x):
    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


def ledger_of(purchases: pd.DataFrame, segment=None) -> crvm.Ledger:
    first = purchases.groupby("id")["date"].min()
    seg = "all" if segment is None else segment(first.index)
    led = crvm.Ledger()
    led.add_customers(pd.DataFrame({"customer_id": first.index, "segment": seg, "start_date": first.values}))
    led.add_revenue(pd.DataFrame({"customer_id": purchases["id"], "date": purchases["date"],
                                  "amount": purchases["amount"], "stream": "services"}))
    return led


@pytest.fixture(scope="module")
def cdnow(datadir):
    df = pd.read_csv(datadir / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["id", "id2", "date", "n", "amount"], dtype={"id": str})
    df["date"] = pd.to_datetime(df["date"].astype(str))
    return df[df["date"] <= AS_OF + pd.Timedelta(days=60)]  # later rows exist: fit() must ignore them


@pytest.fixture(scope="module")
def costs():
    return crvm.CostModel(gross_margin_rate={"services": RATE})


@pytest.fixture(scope="module", params=["bgnbd", "pareto"])
def fitted(request, cdnow, costs):
    vm = crvm.ValueModel(ledger_of(cdnow), cost_model=costs, discount_rate=ANNUAL, retention=request.param).fit(AS_OF)
    return request.param, vm


@pytest.fixture(scope="module")
def lifetimes_summary(cdnow):
    from lifetimes.utils import summary_data_from_transaction_data
    tx = cdnow[cdnow["date"] <= AS_OF].assign(margin=lambda d: d["amount"] * RATE)
    # Time runs to the end of as_of: lifetimes' observation end is the next day.
    return summary_data_from_transaction_data(tx, "id", "date", monetary_value_col="margin",
                                              observation_period_end=AS_OF + pd.Timedelta(days=1), freq="D")


def lifetimes_model(kind, params):
    from lifetimes import BetaGeoFitter, ParetoNBDFitter
    m = BetaGeoFitter() if kind == "bgnbd" else ParetoNBDFitter()
    m.params_ = pd.Series(params)
    return m


def test_summary_equals_lifetimes(fitted, lifetimes_summary):
    _, vm = fitted
    tr = vm.transactions()
    s = lifetimes_summary.loc[tr.index]
    assert len(tr) == len(lifetimes_summary)
    assert (tr["frequency"] == s["frequency"]).all() and (tr["recency"] == s["recency"]).all()
    assert (tr["T"] == s["T"]).all()
    # Per-day sums of the same margins, added in another order: ~1e-15.
    np.testing.assert_allclose(tr["mean_margin"], s["monetary_value"], rtol=1e-12, atol=1e-12)


def test_figures_equal_lifetimes_at_the_same_parameters(fitted, lifetimes_summary):
    """P(alive), expected purchases over the horizon and the Gamma-Gamma
    expected margin per transaction equal lifetimes' to 1e-8 relative."""
    from lifetimes import GammaGammaFitter
    kind, vm = fitted
    tr = vm.transactions()
    s = lifetimes_summary.loc[tr.index]
    m = lifetimes_model(kind, vm.retention_model.params)
    np.testing.assert_allclose(tr["p_alive"], m.conditional_probability_alive(s["frequency"], s["recency"], s["T"]),
                               rtol=1e-8)
    h = (AS_OF + pd.DateOffset(months=12) - AS_OF).days
    expected = m.conditional_expected_number_of_purchases_up_to_time(h, s["frequency"], s["recency"], s["T"])
    np.testing.assert_allclose(tr["expected_transactions"], expected, rtol=1e-8)
    gg = GammaGammaFitter()
    gg.params_ = pd.Series(vm.spend_model.params)
    np.testing.assert_allclose(tr["expected_margin"],
                               gg.conditional_expected_average_profit(s["frequency"], s["monetary_value"]),
                               rtol=1e-8)
    assert np.allclose(vm.customers().loc[tr.index, "churn_next"], 1 - tr["p_alive"], rtol=1e-12, atol=1e-15)


def test_fits_agree_with_lifetimes(fitted, lifetimes_summary):
    """Both are maximum likelihood on the same summary; the optima agree to
    the optimisers' tolerances (lifetimes stops at ~1e-6 in the objective)."""
    from lifetimes import GammaGammaFitter
    kind, vm = fitted
    from lifetimes import BetaGeoFitter, ParetoNBDFitter
    s = lifetimes_summary
    m = (BetaGeoFitter() if kind == "bgnbd" else ParetoNBDFitter()).fit(s["frequency"], s["recency"], s["T"])
    ours = vm.retention_model
    assert set(ours.params) == set(m.params_.index)
    ll_ours = m._negative_log_likelihood(np.log(pd.Series(ours.params)[m.params_.index].to_numpy()),
                                         s["frequency"], s["recency"], s["T"], np.ones(len(s)), 0.0)
    ll_theirs = m._negative_log_likelihood(np.log(m.params_.to_numpy()), s["frequency"], s["recency"],
                                           s["T"], np.ones(len(s)), 0.0)
    assert ll_ours <= ll_theirs + 1e-7  # crvm's optimum is at least as good, by lifetimes' own likelihood
    rep = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
    gg = GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    for k in ("p", "q", "v"):
        assert vm.spend_model.params[k] == pytest.approx(gg.params_[k], rel=1e-3)


def discounted_integral(f):
    """int_0^inf exp(-delta u) f(u) du for a bounded smooth f, split at the
    decades of the discounting (quad to 1e-12 relative on each piece)."""
    edges = [0, 30, 365, 3650, 36500, 365000]
    return sum(integrate.quad(lambda u: np.exp(-DELTA * u) * f(u), a, b, epsabs=0, epsrel=1e-12, limit=400)[0]
               for a, b in zip(edges[:-1], edges[1:]))


def test_residual_values_equal_direct_integrals(fitted, lifetimes_summary):
    """DERT = delta int e^(-delta u) E[X(T, T + u)] du (by parts, E[X] from
    lifetimes), the discounted time alive L = int e^(-delta u) P(alive at T + u)
    du (the closed forms of docs/value.md, evaluated with scipy), and the
    residual value expected margin x DERT (no contacts: no cost to serve)."""
    kind, vm = fitted
    tr = vm.transactions()
    cust = vm.customers().loc[tr.index]
    s = lifetimes_summary.loc[tr.index]
    m = lifetimes_model(kind, vm.retention_model.params)
    q = vm.retention_model.params
    dpp = 365.25 / 12
    for cid in tr.index[::157]:  # 16 customers of every frequency
        x, tx, T = (float(s.at[cid, c]) for c in ("frequency", "recency", "T"))
        dert = DELTA * discounted_integral(
            lambda u: m.conditional_expected_number_of_purchases_up_to_time(u, x, tx, T))
        # quad's 1e-12 and lifetimes' expected purchases (~1e-10 at worst): 1e-8.
        assert cust.at[cid, "derl"] == pytest.approx(dert, rel=1e-8)
        P = tr.at[cid, "p_alive"]
        if kind == "bgnbd":
            surv = lambda u: special.hyp2f1(q["r"] + x, q["a"], q["a"] + q["b"] + x, -u / (q["alpha"] + T))
        else:
            surv = lambda u: ((q["beta"] + T) / (q["beta"] + T + u)) ** q["s"]
        alive = P * discounted_integral(surv) / dpp
        assert cust.at[cid, "expected_residual_lifetime"] == pytest.approx(alive, rel=1e-8)
        h = (AS_OF + pd.DateOffset(months=12) - AS_OF).days
        assert cust.at[cid, "retention_probability"] == pytest.approx(P * surv(h), rel=1e-10)
        assert cust.at[cid, "residual_value"] == pytest.approx(tr.at[cid, "expected_margin"] * dert, abs=0.005 + 1e-8)


def test_roll_ups_are_exact_and_support_pnl_reconciles(fitted):
    _, vm = fitted
    cust = vm.customers()
    seg = vm.segments()
    active = cust[cust["active"]]
    for col in ("residual_value", "value_at_risk", "contribution_per_period"):
        assert cents(active[col]).sum() == cents(seg[col].iloc[-1])
    assert seg["customers"].iloc[-1] == len(active)
    pnl = vm.support_pnl()
    assert pnl["contact_value_effect"] == 0  # no support covariates: contacts have no modelled effect
    out = vm.outreach(10)
    assert list(out["value_at_risk"]) == sorted(out["value_at_risk"], reverse=True)
    assert vm.knowledge().empty


def test_calls_that_need_covariates_raise(fitted):
    _, vm = fitted
    with pytest.raises(crvm.StateError):
        vm.contact_impacts()
    with pytest.raises(crvm.StateError):
        vm.scenario()
    assert vm.covariates == []


def test_contractual_values_have_no_transaction_model(tmp_path):
    crvm.simulate(300, seed=1).to_csv(tmp_path)
    vm = crvm.ValueModel(crvm.Ledger.from_csv(tmp_path), covariates=False).fit("2024-06-14")
    with pytest.raises(crvm.StateError):
        vm.transactions()
    with pytest.raises(crvm.StateError):
        vm.spend_model


def test_end_dates_and_refunds_are_refused(cdnow, costs):
    led = ledger_of(cdnow.assign(amount=np.where(np.arange(len(cdnow)) == 5, -1.0, cdnow["amount"])))
    with pytest.raises(crvm.DomainError, match="refund"):
        crvm.ValueModel(led, cost_model=costs, discount_rate=ANNUAL, retention="bgnbd").fit(AS_OF)


def test_per_segment_fits(cdnow, costs):
    led = ledger_of(cdnow, segment=lambda ids: np.where(ids.astype(int) % 2 == 0, "even", "odd"))
    vm = crvm.ValueModel(led, cost_model=costs, discount_rate=ANNUAL, retention="bgnbd", per_segment=True).fit(AS_OF)
    models = vm.retention_model
    assert set(models) == {"even", "odd"}
    assert models["even"].params["r"] != models["odd"].params["r"]
    cov = vm.model_covariance()["odd"]
    assert cov.shape == (7, 7) and (cov.loc[["r", "alpha", "a", "b"], ["p", "q", "v"]] == 0).all().all()
    seg = vm.segments()
    assert cents(seg["residual_value"].iloc[:2]).sum() == cents(seg["residual_value"].iloc[-1])


# ---------------------------------------------------------------- known truth

TRUTH = dict(r=0.8, alpha=40.0, a=0.8, b=2.5)  # days
GG = dict(p=6.0, q=4.0, v=15.0)


def simulate(n, seed, as_of, horizon_days):
    """BG/NBD purchases from first purchases in the 180 days before
    1997-01-01 + 180, until death or far beyond the discounting; returns the
    purchases up to as_of and, per customer, its realised discounted margin
    after as_of and whether it is alive at the end of as_of + horizon."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("1997-01-01")
    end = (as_of - start).days + 1  # the end of as_of, in days from start
    lam = rng.gamma(TRUTH["r"], 1 / TRUTH["alpha"], n)
    p = rng.beta(TRUTH["a"], TRUTH["b"], n)
    nu = rng.gamma(GG["q"], 1 / GG["v"], n)
    t = rng.uniform(0, 180, n)
    alive = np.ones(n, bool)
    first = np.ones(n, bool)
    rows, future = [], np.zeros(n)
    death = np.full(n, np.inf)
    while alive.any():
        idx = np.flatnonzero(alive)
        amount = rng.gamma(GG["p"], 1 / nu[idx])
        amount = np.round(amount * 100) / 100
        past = t[idx] < end
        rows.append(pd.DataFrame({"i": idx[past], "day": np.floor(t[idx][past]), "amount": amount[past]}))
        fut = ~past
        future[idx[fut]] += RATE * amount[fut] * np.exp(-DELTA * (t[idx][fut] - end))
        dies = (~first[idx]) & (rng.uniform(size=len(idx)) < p[idx])
        death[idx[dies]] = t[idx[dies]]
        first[idx] = False
        t[idx] += rng.exponential(1 / lam[idx])
        alive[idx[dies]] = False
        alive[idx[np.exp(-DELTA * (t[idx] - end)) < 1e-9]] = False  # nothing left to count
    purchases = pd.concat(rows)
    purchases = pd.DataFrame({"id": purchases["i"].map(lambda i: f"s{i:05d}"),
                              "date": start + pd.to_timedelta(purchases["day"], unit="D"),
                              "amount": purchases["amount"]})
    alive_at_h = death >= end + horizon_days
    return purchases, pd.Series(future, index=[f"s{i:05d}" for i in range(n)]), \
        pd.Series(alive_at_h, index=[f"s{i:05d}" for i in range(n)])


def test_simulated_truth_inside_the_intervals(costs):
    as_of = pd.Timestamp("1997-12-31")
    h = (as_of + pd.DateOffset(months=12) - as_of).days
    purchases, future, alive = simulate(4000, 11, as_of, h)
    vm = crvm.ValueModel(ledger_of(purchases), cost_model=costs, discount_rate=ANNUAL, retention="bgnbd").fit(as_of)
    seg = vm.segments().iloc[-1]
    cust = vm.customers()
    # Residual value: the realised total is one draw; its sampling sd (from
    # the realised values) and the interval's parameter sd add in quadrature.
    param_sd = (seg["residual_value_upper"] - seg["residual_value_lower"]) / (2 * 1.959964)
    sampling_sd = future.std() * np.sqrt(len(future))
    assert abs(seg["residual_value"] - future.sum()) < 4 * np.hypot(param_sd, sampling_sd)
    # P(alive at as_of + H): expected survivors against the realised count.
    expected = cust["retention_probability"].sum()
    sd = np.hypot(np.sqrt((cust["retention_probability"] * (1 - cust["retention_probability"])).sum()),
                  (seg["expected_retained_upper"] - seg["expected_retained_lower"]) / (2 * 1.959964))
    assert abs(expected - alive.sum()) < 4 * sd
