"""crvm.ValueModel against the simulator's known future.

A business of 12 000 customers is simulated (churn from the value model's own
retention model, every support effect on) and valued as of 2024-06-14. The
truth is the simulator's Monte Carlo continuation of every active customer
from its state on that date (its true churn propensity, price, last touch,
the contacts of its current month so far), past the end of the data
(SimulatedData.continuation).

What is compared, and why the tolerances are what they are:

- Residual value is the contribution per period m_i (the model's, from the
  data) times the discounted months paid; the truth is m_i times the
  continuation's discounted months. They differ by (1) the error of the
  fitted parameters -- the model's 95% interval; (2) each customer's own
  future: the realised future of a customer with its true theta is one draw
  around what the data say of it, independent across customers, whose spread
  over a segment is estimated by the root sum of squares of the residuals
  m_i (truth_i - model_i); (3) the Monte Carlo error (its standard error).
  The check is |model - truth| <= 1.96 sqrt(se_param^2 + se_residual^2 + se_mc^2).
- The future-covariate assumption (later periods at the segment's recent
  average exposure) is an approximation of the simulator's contacts and
  silence; the comparison includes its effect (bench/README.md reports it
  on a larger business).
- Value at risk and expected retained customers likewise.
"""

import numpy as np
import pandas as pd
import pytest

import crvm

AS_OF = "2024-06-14"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    sim = crvm.simulate(12000, seed=21)
    path = tmp_path_factory.mktemp("truth")
    sim.to_csv(path)
    ledger = crvm.Ledger.from_csv(path)
    # A steep discount keeps the continuation short; definitions are unchanged.
    vm = crvm.ValueModel(ledger, discount_rate=0.6).fit(AS_OF)
    cont = sim.continuation(AS_OF, replications=20, horizon=12, discount_rate=vm.discount_rate_per_period,
                            cap=300, threads=2)
    cust = vm.customers()
    cont.index = cust.index
    return sim, vm, cust, cont


def _check(model, lower, upper, truth_terms, model_terms, se_mc):
    se_param = (upper - lower) / (2 * 1.959963984540054)
    se_residual = np.sqrt(((truth_terms - model_terms) ** 2).sum())
    bound = 1.959963984540054 * np.sqrt(se_param ** 2 + se_residual ** 2 + se_mc ** 2)
    truth = truth_terms.sum()
    assert abs(model - truth) <= bound, (model, truth, bound)
    return truth


def test_the_same_customers_are_active(world):
    _, _, cust, cont = world
    assert (cust["active"] == cont["active"]).all()


def test_segment_values_match_the_known_future(world):
    _, vm, cust, cont = world
    seg = vm.segments()
    active = cust[cust["active"]]
    truth_rv = {}
    for name, group in active.groupby("segment"):
        c = cont.loc[group.index]
        row = seg.loc[name]
        m = group["contribution_per_period"]
        truth_rv[name] = _check(row["residual_value"], row["residual_value_lower"], row["residual_value_upper"],
                                m * c["discounted_months"], m * group["derl"],
                                np.sqrt(((m * c["discounted_months_se"]) ** 2).sum()))
        _check(row["value_at_risk"], row["value_at_risk_lower"], row["value_at_risk_upper"],
               m * (c["discounted_months_held"] - c["discounted_months"]), group["value_at_risk"],
               np.sqrt(((m * c["discounted_months_held_se"]) ** 2 + (m * c["discounted_months_se"]) ** 2).sum()))
        _check(row["expected_retained"], row["expected_retained_lower"], row["expected_retained_upper"],
               c["retained"], group["retention_probability"], np.sqrt((c["retained_se"] ** 2).sum()))
    # Segment profitability: the ranking by residual value per active customer is the truth's.
    per = seg["residual_value"].iloc[:-1] / seg["customers"].iloc[:-1]
    true_per = pd.Series(truth_rv) / seg["customers"].iloc[:-1]
    assert list(per.sort_values().index) == list(true_per[per.index].sort_values().index)


def test_support_effects_are_recovered(world):
    sim, vm, _, _ = world
    truth = np.exp(sim.model_truth()["params"])
    fx = vm.covariate_effects()
    for name in ("refused", "abandoned", "silent_3_5", "silent_6_plus"):
        assert fx.loc[name, "hazard_ratio_lower"] <= truth[f"b_{name}"] <= fx.loc[name, "hazard_ratio_upper"]
    # The silence effect is there: silent customers are more likely to leave.
    assert fx.loc["silent_6_plus", "hazard_ratio_lower"] > 1


def test_the_refusal_loss_sits_in_the_refusing_queue(world):
    sim, vm, _, _ = world
    refused = vm.contact_impact(by=["queue", "outcome"]).xs("refused", level="outcome")
    assert refused["impact"].idxmin() == "integrations"
    assert (refused["impact_upper"] < 0).all()
    # The share of the loss follows the share of refusals: the simulator's
    # integrations queue refuses 0.25 of its contacts against 0.04-0.05
    # elsewhere, so it holds most of them.
    counts = refused["contacts"] / refused["contacts"].sum()
    loss = refused["impact"] / refused["impact"].sum()
    assert counts.idxmax() == "integrations" and loss["integrations"] > 0.4


def test_knowledge_saving_is_recovered(world):
    sim, vm, _, _ = world
    truth = sim.model_truth()["minutes_saved"]
    kv = vm.ledger.knowledge_value(as_of=AS_OF)
    est = kv.attrs["minutes_saved"]
    # The matched estimator's standard error: handle times lognormal (log-sd
    # 0.6, so sd ~ 0.66 x mean, x 1.3 for escalations), a weighted mean of
    # per-cell differences; bounded as in tests/unit/test_value_truth.c.
    contacts = vm.ledger.contacts()
    known = contacts[contacts["opened"] <= pd.Timestamp(AS_OF)]
    sd = 0.66 * 1.3 * known["handle_minutes"].mean()
    linked = vm.ledger.knowledge_value(as_of=AS_OF)["linked_contacts"].sum()
    se = sd * np.sqrt(1 / linked + 1 / (len(known) - linked)) * np.sqrt(kv.attrs["cells_used"])
    assert abs(est - truth) <= 3 * se
    # The knowledge base pays: the ROI with the estimate is that with the true saving, within the bound.
    base_est = kv.attrs["knowledge_base"]
    base_true = vm.ledger.knowledge_base_value(as_of=AS_OF, cost_model=crvm.CostModel(minutes_saved=truth))
    bound = base_true["labour_saving"] * 3 * se / truth / base_true["cost"]
    assert abs(base_est["roi"] - base_true["roi"]) <= bound
    assert base_true["labour_saving"] > 0
