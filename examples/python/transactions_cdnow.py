"""Repeat-business models on the CDNOW sample: who is still a customer, and how
many purchases to expect from each in the next year.

Data: ../shared/data/cdnow_customers_summary.csv beside the repository (or the
directory in $CRVM_DATA_DIR): 2,357 customers observed for 39 weeks.
"""

import os
import pathlib

import numpy as np
import pandas as pd

import crvm

root = pathlib.Path(__file__).resolve().parents[2]
data = pathlib.Path(os.environ.get("CRVM_DATA_DIR", root.parent / "shared" / "data"))
cdnow = pd.read_csv(data / "cdnow_customers_summary.csv")
x, t_x, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]

print("CDNOW: %d customers, %d repeat purchases in 39 weeks\n" % (len(cdnow), x.sum()))
for model in (crvm.BetaGeo(), crvm.ModifiedBetaGeo(), crvm.ParetoNBD()):
    model.fit(x, t_x, T)
    print(type(model).__name__, "log-likelihood %.1f" % model.log_likelihood)
    print(model.summary.round(4), "\n")

bg = crvm.BetaGeo().fit(x, t_x, T)
table = cdnow.assign(
    p_alive=bg.p_alive(x, t_x, T),
    next_52_weeks=bg.expected_purchases(52, x, t_x, T),
)
print("Most valuable customers by expected purchases in the next 52 weeks (BG/NBD):")
print(table.sort_values("next_52_weeks", ascending=False).head(8).round(3).to_string(index=False))

weeks = np.array([13, 26, 39, 52, 78])
print("\nExpected repeat purchases of a new customer by week:")
print(pd.Series(bg.expected_purchases_new(weeks), index=weeks).round(3).to_string())
print("\nP(X(39) = n) for n = 0..5:", np.round(bg.probability_of_purchases(39, np.arange(6)), 4))

pareto = crvm.ParetoNBD().fit(x, t_x, T)
weekly_rate = np.log(1.15) / 52  # 15% a year, compounded continuously
dert = pareto.dert(weekly_rate, x, t_x, T)
print("\nPareto/NBD discounted expected residual transactions (15%%/year): mean %.2f, max %.2f"
      % (dert.mean(), dert.max()))
