"""crvm.ValueModel: the value of a simulated customer base.

Expected values are the library's own invariants checked independently
(exact sums of cents, refits of the exported panel by crvm.RetentionRegression,
group sums recomputed in pandas), lifelines' CoxTimeVaryingFitter on the same
panel for the size and sign of the support effects, and the simulator's known
effects. The figures themselves are checked against direct series in
tests/unit/test_value.c and against the simulator's truth in
tests/python/test_value_truth.py."""

import threading

import numpy as np
import pandas as pd
import pytest

import crvm

AS_OF = "2024-06-14"


def cents(x):
    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


@pytest.fixture(scope="module")
def business(tmp_path_factory):
    sim = crvm.simulate(3000, seed=3)
    path = tmp_path_factory.mktemp("value")
    sim.to_csv(path)
    return sim, crvm.Ledger.from_csv(path)


@pytest.fixture(scope="module")
def vm(business):
    return crvm.ValueModel(business[1]).fit(AS_OF)


def test_customers_frame(vm, business):
    df = vm.customers()
    ledger = business[1]
    assert list(df.index) == list(ledger.customer_ids())
    for col in ("segment", "contribution_per_period", "retention_probability",
                "expected_residual_lifetime", "residual_value", "residual_value_lower",
                "residual_value_upper", "value_at_risk"):
        assert col in df.columns
    active = df[df["active"]]
    assert 0 < len(active) < len(df)
    assert set(df["segment"]) == set(ledger.segment_ids())
    # Money is whole cents; intervals bracket the value; probabilities stay in (0, 1).
    assert (cents(active["residual_value"]) / 100 == active["residual_value"]).all()
    assert (active["residual_value_lower"] <= active["residual_value"]).all()
    assert (active["residual_value"] <= active["residual_value_upper"]).all()
    assert ((active["retention_probability_lower"] > 0) & (active["retention_probability_upper"] < 1)).all()
    inactive = df[~df["active"]]
    assert (inactive["residual_value"] == 0).all() and (inactive["value_at_risk"] == 0).all()


def test_segments_are_exact_sums(vm):
    cust = vm.customers()
    seg = vm.segments()
    active = cust[cust["active"]]
    assert list(seg.index[:-1]) == list(vm.ledger.segment_ids()) and seg.index[-1] == "All"
    for name, group in active.groupby("segment"):
        row = seg.loc[name]
        assert row["customers"] == len(group)
        for col in ("residual_value", "value_at_risk"):
            assert cents(row[col]) == cents(group[col]).sum()
        assert cents(row["contribution_per_period"]) == cents(group["contribution_per_period"]).sum()
    for col in ("residual_value", "value_at_risk", "contribution_per_period"):
        assert cents(seg.loc["All", col]) == cents(seg[col].iloc[:-1]).sum()
    # The interval of a sum comes from the gradient of the sum: narrower than
    # the sum of the customers' half-widths.
    half = (seg.loc["All", "residual_value_upper"] - seg.loc["All", "residual_value_lower"]) / 2
    assert half < ((active["residual_value_upper"] - active["residual_value_lower"]) / 2).sum()


def test_the_panel_refits_to_the_same_model(vm):
    panel = vm.panel()
    assert list(panel.columns[:4]) == ["id", "segment", "period", "event"]
    assert list(panel.columns[4:]) == vm.covariates
    model = vm.retention_model
    refit = crvm.RetentionRegression("bdw").fit(panel, group_col="segment")
    mine = model.params_
    theirs = refit.params_[mine.index]
    # The same panel and likelihood: the same optimum, to the fit's tolerance.
    np.testing.assert_allclose(theirs.to_numpy(), mine.to_numpy(), rtol=1e-6, atol=1e-8)
    assert model.fit_report["converged"] and vm.fit_report["converged"]


def test_covariate_effects_are_the_model_s(vm):
    fx = vm.covariate_effects()
    b = vm.retention_model.params_[fx.index]
    np.testing.assert_allclose(fx["hazard_ratio"], np.exp(b), rtol=1e-14)
    assert (fx["hazard_ratio_lower"] < fx["hazard_ratio"]).all()
    # The simulator's refusals triple the churn hazard.
    assert fx.loc["refused", "hazard_ratio_lower"] > 1.5


def test_support_effects_agree_with_lifelines(vm):
    """lifelines' Cox model on the same panel (interval rows, strata by segment)
    estimates the log hazard ratio of the continuous-time analogue; with monthly
    churn of a few percent the two agree to within their standard errors and a
    discreteness allowance of 0.1 (log scale)."""
    lifelines = pytest.importorskip("lifelines")
    panel = vm.panel()
    data = panel.assign(start=panel["period"] - 1).rename(columns={"period": "stop"})
    ctv = lifelines.CoxTimeVaryingFitter()
    ctv.fit(data.drop(columns=["segment"]).assign(seg=pd.factorize(data["segment"])[0]), id_col="id",
            event_col="event", start_col="start", stop_col="stop", strata=["seg"])
    fx = vm.covariate_effects()
    for name in ("refused", "abandoned", "silent_3_5"):
        theirs, their_se = ctv.params_[name], ctv.standard_errors_[name]
        ours, our_se = fx.loc[name, "coef"], fx.loc[name, "se"]
        assert np.sign(theirs) == np.sign(ours)
        assert abs(theirs - ours) <= 3 * np.hypot(our_se, their_se) + 0.1


def test_contact_impact_by_outcome_and_attributes(vm, business):
    ledger = business[1]
    contacts = ledger.contacts()
    per_contact = vm.contact_impacts()
    by = vm.contact_impact(by="outcome")
    assert list(by.index) == ["resolved", "workaround", "refused", "abandoned"]
    known = contacts["opened"] <= pd.Timestamp(AS_OF)
    assert by["contacts"].sum() == known.sum()
    assert by.loc["resolved", "impact"] == 0
    for outcome, row in by.iterrows():
        mask = known & (contacts["outcome"] == outcome)
        assert cents(row["impact"]) == cents(per_contact[mask]).sum()
        assert row["impact_lower"] <= row["impact"] <= row["impact_upper"]
    assert by.loc["refused", "impact_upper"] < 0
    # A list of keys: the pandas grouping sums to the single ones.
    both = vm.contact_impact(by=["queue", "outcome"])
    assert both.index.names == ["queue", "outcome"]
    queue = vm.contact_impact(by="queue")
    for q, row in queue.iterrows():
        assert cents(both.xs(q, level="queue")["impact"]).sum() == cents(row["impact"])
    # The refusal loss is concentrated in the queue that refuses most.
    refused = both.xs("refused", level="outcome")["impact"]
    assert refused.idxmin() == "integrations"
    # A window: only the contacts opened in it.
    window = vm.contact_impact(by="outcome", start="2024-04-01", end=AS_OF)
    inside = known & (contacts["opened"] >= pd.Timestamp("2024-04-01"))
    assert window["contacts"].sum() == inside.sum()
    with pytest.raises(KeyError, match="colour"):
        vm.contact_impact(by=["colour"])


def test_contact_impact_tables_equal_each_table(vm):
    # One pass over the contacts, several groupings: each table is the one
    # contact_impact gives alone (the same sums, to the bit).
    bys = ["outcome", "channel", "queue", ["queue", "outcome"], "month"]
    tables = vm.contact_impact_tables(bys, reference=None)
    assert list(tables) == ["outcome", "channel", "queue", ("queue", "outcome"), "month"]
    for by in bys:
        alone = vm.contact_impact(by=by, reference=None)
        pd.testing.assert_frame_equal(tables[by if isinstance(by, str) else tuple(by)], alone, check_exact=True)
    assert tables["outcome"]["impact"].abs().sum() > 0


def test_support_pnl_lines_add_up(vm):
    p = vm.support_pnl("2023-06-15", AS_OF)
    value_lines = ["support_plan_revenue", "sourced_revenue", "knowledge_labour_saving",
                   "knowledge_deflection_saving", "contact_value_effect"]
    cost_lines = ["labour_cost", "channel_cost", "escalation_cost", "overhead_cost",
                  "self_service_cost", "knowledge_cost"]
    assert cents(p["value"]) == cents(p[value_lines]).sum()
    assert cents(p["cost"]) == cents(p[cost_lines]).sum()
    assert cents(p["net_contribution"]) == cents(p["value"]) - cents(p["cost"])
    assert p["value_per_support_dollar"] == pytest.approx(p["value"] / p["cost"], rel=1e-15)
    assert p["contacts"] > 0 and p["sourced_revenue"] > 0
    # The net value effect is the window's impacts against no contact.
    contacts = vm.ledger.contacts()
    mask = (contacts["opened"] >= pd.Timestamp("2023-06-15")) & (contacts["opened"] <= pd.Timestamp(AS_OF))
    assert cents(p["contact_value_effect"]) == cents(vm.contact_impacts(reference=None)[mask]).sum()


def test_assemble_pnl_forms_the_totals_from_the_lines(vm):
    p = vm.support_pnl("2023-06-15", AS_OF)
    components = p.drop(["value", "cost", "net_contribution", "net_contribution_lower",
                         "net_contribution_upper", "value_per_support_dollar",
                         "value_per_support_dollar_lower", "value_per_support_dollar_upper"])
    # Doubled component lines (a P&L summed over two equal parts): the totals
    # are the test's own sums of their cents, the interval's distances doubled.
    doubled = components * 2
    out = crvm.value.assemble_pnl(doubled)
    assert list(out.index) == list(p.index)
    value_lines = ["support_plan_revenue", "sourced_revenue", "knowledge_labour_saving",
                   "knowledge_deflection_saving", "contact_value_effect"]
    cost_lines = ["labour_cost", "channel_cost", "escalation_cost", "overhead_cost",
                  "self_service_cost", "knowledge_cost"]
    assert cents(out["value"]) == 2 * cents(p[value_lines]).sum()
    assert cents(out["cost"]) == 2 * cents(p[cost_lines]).sum()
    assert cents(out["net_contribution"]) == 2 * (cents(p["value"]) - cents(p["cost"]))
    assert cents(out["net_contribution_lower"]) == cents(out["net_contribution"]) + cents(
        doubled["contact_value_effect_lower"] - doubled["contact_value_effect"])
    assert out["value_per_support_dollar"] == pytest.approx(p["value"] / p["cost"], rel=1e-14)
    assert out["contacts"] == 2 * p["contacts"]
    with pytest.raises(crvm.InvalidArgumentError, match="whole number of cents"):
        crvm.value.assemble_pnl({**components, "labour_cost": 0.005})
    with pytest.raises(crvm.InvalidArgumentError, match="interval"):
        crvm.value.assemble_pnl({**components, "contact_value_effect_lower": 1e12})
    with pytest.raises(crvm.DomainError, match="2\\^53"):
        crvm.value.assemble_pnl({**components, "labour_cost": 6e13, "channel_cost": 6e13})


def test_outreach_and_drivers(vm):
    top = vm.outreach(15)
    assert len(top) == 15 and top["active"].all()
    assert top["value_at_risk"].is_monotonic_decreasing
    cust = vm.customers()
    assert (cust.loc[~cust.index.isin(top.index) & cust["active"], "value_at_risk"]
            <= top["value_at_risk"].min()).all()
    assert top["drivers"].map(lambda s: isinstance(s, str) and len(s) > 0).all()
    d = vm.drivers(top.index[0])
    assert list(d.columns) == ["covariate", "amount", "periods_ago", "multiplier"]
    assert (d["multiplier"] > 1).all() and d["multiplier"].is_monotonic_decreasing
    worth = vm.outreach(len(cust), rank="expected_saving")
    assert (0.2 * worth["value_at_risk"] - 25 > 0).all()


def test_outreach_scores(vm):
    """The scores are the ranking's: the value at risk, or with the default
    cost model 0.2 x it - 25 where positive; NaN for customers left out; the
    scored customers sorted by score (then ledger order) are the list."""
    cust = vm.customers()
    var = vm.outreach_scores()
    assert var.index.equals(cust.index) and var.name == "value_at_risk"
    assert var[~cust["active"]].isna().all()
    np.testing.assert_allclose(var[cust["active"]], cust.loc[cust["active"], "value_at_risk"],
                               rtol=1e-12, atol=1e-12)
    saving = vm.outreach_scores("expected_saving")
    want = 0.2 * cust["value_at_risk"] - 25
    keep = cust["active"] & (want > 0)
    assert saving[~keep].isna().all() and keep.sum() > 0
    np.testing.assert_allclose(saving[keep], want[keep], rtol=1e-12, atol=1e-12)
    for rank, scores in (("value_at_risk", var), ("expected_saving", saving)):
        order = pd.DataFrame({"s": scores.to_numpy(), "i": np.arange(len(scores))},
                             index=scores.index).dropna().sort_values(["s", "i"],
                                                                      ascending=[False, True])
        assert list(vm.outreach(len(cust), rank=rank).index) == list(order.index)
    with pytest.raises(ValueError, match="rank"):
        vm.outreach_scores("revenue")


def test_scenario_sums_assemble_into_the_scenario(vm):
    """The sums of a whole base, assembled under its model, are its scenario,
    bit for bit; the sums are contacts, cost cents, whole value cents and a
    gradient over every model parameter."""
    for kind, policy in (("remap", dict(share=0.5, extra_cost=40.0, start="2024-01-01")),
                         ("self_service", dict(channel="phone", share=0.5,
                                               self_service_success=0.6))):
        sums = vm.scenario_sums(kind, **policy)
        assert sums.shape == (3 + len(vm.retention_model.params_),)
        assert sums[2] == np.rint(sums[2])
        got = crvm.value.assemble_scenario(vm.retention_model, sums)
        pd.testing.assert_series_equal(got, vm.scenario(kind, **policy), check_exact=True)
    with pytest.raises(crvm.InvalidArgumentError, match="whole cents"):
        crvm.value.assemble_scenario(vm.retention_model, sums + np.r_[0, 0, 0.5, np.zeros(len(sums) - 3)])
    with pytest.raises(crvm.InvalidArgumentError, match="sums_len"):
        crvm.value.assemble_scenario(vm.retention_model, sums[:-1])
    with pytest.raises(ValueError, match="kind"):
        vm.scenario_sums("discount")


def test_scenarios(vm):
    zero = vm.scenario(share=0.0)
    assert (zero == 0).all()
    s = vm.scenario("remap", from_outcome="refused", to_outcome="workaround", share=1.0, extra_cost=40,
                    start="2024-01-01", end=AS_OF)
    assert s["value_change"] > 0 and s["cost_change"] == pytest.approx(40 * s["contacts"], abs=0.005)
    # The window counts: the contacts affected are the refusals opened in it.
    contacts = vm.ledger.contacts()
    refused = contacts[(contacts["outcome"] == "refused") & (contacts["opened"] >= pd.Timestamp("2024-01-01"))
                       & (contacts["opened"] <= pd.Timestamp(AS_OF))]
    assert s["contacts"] == len(refused)
    assert vm.scenario(share=1.0)["contacts"] > len(refused)
    assert s["value_change_lower"] < s["value_change"] < s["value_change_upper"]
    shift = vm.scenario("self_service", channel="phone", share=0.5, self_service_success=0.6)
    assert shift["cost_change"] < 0
    with pytest.raises(ValueError):
        vm.scenario("self_service")
    with pytest.raises(crvm.InvalidArgumentError, match="share"):
        vm.scenario(share=2.0)


def test_knowledge(vm, business):
    k = vm.knowledge()
    assert list(k.index) == list(business[1].article_ids())
    kv = business[1].knowledge_value(as_of=AS_OF)
    np.testing.assert_array_equal(k["value"].to_numpy(), kv["value"].to_numpy())
    assert (cents(k["projected_value"]) == cents(k["projected_saving"]) - cents(k["projected_upkeep"])).all()


def test_knowledge_lines_from_part_sums(vm, business):
    """The P&L's knowledge lines by parts, with the whole ledger as the one
    part (tests/unit/test_value_shared.c and tests/python/test_spark.py split
    it): crvm_value_support_pnl's lines, and knowledge_value's estimate."""
    ledger = business[1]
    stats = ledger.knowledge_estimate_stats(AS_OF)
    est = crvm.ledger.knowledge_estimate(stats)
    kv = ledger.knowledge_value(as_of=AS_OF)
    assert est["minutes_saved"] == kv.attrs["minutes_saved"]
    assert est["avoided_contact_cost"] == kv.attrs["avoided_contact_cost"]
    assert est["cells_used"] == kv.attrs["cells_used"] > 0
    for start, end in [(None, None), ("2023-10-01", "2024-03-31")]:
        sums = ledger.pnl_knowledge_sums(stats, AS_OF, start, end)
        assert sums.shape == (len(ledger.article_ids()), 2)
        lines = ledger.pnl_knowledge_lines(stats, sums, AS_OF, start, end)
        want = vm.support_pnl(start, end)[lines.index]
        assert (want > 0).all()
        np.testing.assert_array_equal(cents(lines), cents(want))
    with pytest.raises(crvm.InvalidArgumentError, match="stats"):
        crvm.ledger.knowledge_estimate(stats[:3])
    with pytest.raises(crvm.InvalidArgumentError, match="sums_len"):
        ledger.pnl_knowledge_lines(stats, sums[:1], AS_OF)
    with pytest.raises(crvm.InvalidArgumentError, match="window"):
        ledger.pnl_knowledge_sums(stats, AS_OF, "2024-01-01", "2024-12-31")


def test_threads_give_the_same_figures_and_calls_may_run_concurrently(business):
    one = crvm.ValueModel(business[1]).fit(AS_OF)
    two = crvm.ValueModel(business[1], threads=2).fit(AS_OF)
    pd.testing.assert_frame_equal(one.customers(), two.customers(), check_exact=True)
    pd.testing.assert_frame_equal(one.segments(), two.segments(), check_exact=True)
    want = one.contact_impact(by="queue")
    results, errors = [], []

    def work():
        try:
            results.append(one.contact_impact(by="queue"))
        except Exception as e:  # surfaced below
            errors.append(e)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(r.equals(want) for r in results)


def test_errors(business):
    ledger = business[1]
    with pytest.raises(crvm.NotFittedError):
        crvm.ValueModel(ledger).customers()
    with pytest.raises(ValueError, match="retention"):
        crvm.ValueModel(ledger, retention="weibull")
    with pytest.raises(crvm.InvalidArgumentError, match="horizon"):
        crvm.ValueModel(ledger, horizon=0).fit(AS_OF)
    with pytest.raises(crvm.InvalidArgumentError, match="as_of"):
        crvm.ValueModel(ledger).fit("2019-01-01")
    with pytest.raises(TypeError):
        crvm.ValueModel("not a ledger")


def test_a_modified_ledger_makes_the_value_stale(tmp_path):
    sim = crvm.simulate(600, seed=3)
    sim.to_csv(tmp_path)
    ledger = crvm.Ledger.from_csv(tmp_path)
    vm = crvm.ValueModel(ledger, retention="sbg").fit(AS_OF)
    vm.segments()
    ledger.add_customers(pd.DataFrame({"customer_id": ["new"], "segment": ["smb"],
                                       "start_date": ["2024-06-01"]}))
    with pytest.raises(crvm.StateError, match="modified"):
        vm.segments()
    vm.fit(AS_OF)  # fitting again brings it up to date
    assert vm.segments().loc["All", "customers"] > 0
