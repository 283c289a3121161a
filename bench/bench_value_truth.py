"""The value model against the simulator's known truth, on one large
simulated business: the recovered-versus-true table of bench/README.md.

    python bench/bench_value_truth.py [customers=100000] [seed=5] [replications=20]

For every segment: residual value, value at risk and expected retained
customers over 12 months as valued (with the 95% interval from the fit's
parameter uncertainty) against the simulator's Monte Carlo continuation of
every active customer (SimulatedData.continuation: its true churn
propensity, its state on the as-of date, the same process afterwards).
"truth (m x months)" values the continuation's discounted months at the
model's contribution per period, so it differs from the model only through
retention; "truth (cash)" is the continuation's own discounted gross margin
less support cost, which also tests the trailing contribution as a forecast.
The tolerance column is 1.96 sqrt(se_param^2 + se_customers^2 + se_mc^2)
(tests/python/test_value_truth.py explains it). Then the support effects
against the true hazard ratios, the refusal loss by queue, and the knowledge
saving and ROI.
"""

import sys
import tempfile
import time

import numpy as np
import pandas as pd

import crvm

AS_OF = "2024-06-14"


def main():
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    replications = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    t0 = time.time()
    sim = crvm.simulate(customers, seed=seed)
    with tempfile.TemporaryDirectory() as d:
        sim.to_csv(d)
        ledger = crvm.Ledger.from_csv(d)
    vm = crvm.ValueModel(ledger, discount_rate=0.1, threads=2).fit(AS_OF)
    t1 = time.time()
    cont = sim.continuation(AS_OF, replications=replications, horizon=12,
                            discount_rate=vm.discount_rate_per_period, cap=1200, threads=2)
    t2 = time.time()
    cust = vm.customers()
    cont.index = cust.index
    seg = vm.segments()
    active = cust[cust["active"]]
    print(f"{customers} customers, seed {seed}, as of {AS_OF}: {len(active)} active; "
          f"simulate+fit {t1 - t0:.0f} s, continuation ({replications} futures each) {t2 - t1:.0f} s")
    print(f"discount 10% a year ({vm.discount_rate_per_period:.5f} a month), horizon 12 months\n")

    rows = []
    for name, group in active.groupby("segment"):
        c = cont.loc[group.index]
        m = group["contribution_per_period"]
        r = seg.loc[name]
        for label, model, lo, hi, truth_terms, model_terms, se_mc in (
                ("residual value", r["residual_value"], r["residual_value_lower"], r["residual_value_upper"],
                 m * c["discounted_months"], m * group["derl"],
                 np.sqrt(((m * c["discounted_months_se"]) ** 2).sum())),
                ("value at risk", r["value_at_risk"], r["value_at_risk_lower"], r["value_at_risk_upper"],
                 m * (c["discounted_months_held"] - c["discounted_months"]), group["value_at_risk"],
                 np.sqrt(((m * c["discounted_months_held_se"]) ** 2 + (m * c["discounted_months_se"]) ** 2).sum())),
                ("retained 12 mo", r["expected_retained"], r["expected_retained_lower"],
                 r["expected_retained_upper"], c["retained"], group["retention_probability"],
                 np.sqrt((c["retained_se"] ** 2).sum()))):
            se_param = (hi - lo) / 3.919927969080108
            se_cust = np.sqrt(((truth_terms - model_terms) ** 2).sum())
            tol = 1.959963984540054 * np.sqrt(se_param ** 2 + se_cust ** 2 + se_mc ** 2)
            truth = truth_terms.sum()
            cash = (c["gross_margin"] - c["support_cost"]).sum() if label == "residual value" else np.nan
            rows.append({"segment": name, "figure": label, "model": model, "lower": lo, "upper": hi,
                         "truth (m x months)": truth, "model/truth": model / truth,
                         "|diff|/tolerance": abs(model - truth) / tol, "truth (cash)": cash})
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.float_format", lambda x: f"{x:,.3f}" if abs(x) < 100 else f"{x:,.0f}"):
        print(table.to_string(index=False))

    truth = sim.model_truth()
    fx = vm.covariate_effects()
    hr = np.exp(truth["params"])
    print("\nsupport effects (hazard ratio per unit, 95% interval) against the truth")
    for name, row in fx.iterrows():
        t = hr[f"b_{name}"]
        inside = row["hazard_ratio_lower"] <= t <= row["hazard_ratio_upper"]
        print(f"  {name:14s} {row['hazard_ratio']:.3f} [{row['hazard_ratio_lower']:.3f}, "
              f"{row['hazard_ratio_upper']:.3f}]  truth {t:.3f}  {'inside' if inside else 'OUTSIDE'}")

    refused = vm.contact_impact(by=["queue", "outcome"], start="2024-03-15", end=AS_OF).xs("refused", level="outcome")
    print("\nrefusals of the last quarter against resolving them, by queue (95% interval)")
    for q, row in refused.iterrows():
        print(f"  {q:13s} {int(row['contacts']):6d} refusals  {row['impact']:16,.0f} "
              f"[{row['impact_lower']:,.0f}, {row['impact_upper']:,.0f}]  "
              f"share of the loss {row['impact'] / refused['impact'].sum():.2f}")
    print(f"  true refusal probability by queue: billing 0.04, technical 0.05, integrations 0.25, account 0.04")

    kv = ledger.knowledge_value(as_of=AS_OF)
    base_est = kv.attrs["knowledge_base"]
    base_true = ledger.knowledge_base_value(as_of=AS_OF, cost_model=crvm.CostModel(minutes_saved=truth["minutes_saved"]))
    print(f"\nknowledge: minutes saved per reuse {kv.attrs['minutes_saved']:.3f} estimated, "
          f"{truth['minutes_saved']:.3f} true; ROI {base_est['roi']:.3f} with the estimate, "
          f"{base_true['roi']:.3f} with the true saving")


if __name__ == "__main__":
    main()
