"""Covariate survival on the Rossi recidivism data: Kaplan-Meier curves by
group, a log-rank test, and a Cox model whose hazard ratios and predicted
survival play the part that support experiences play for customer churn.

Data: ../shared/data/rossi.csv beside the repository (or $CRVM_DATA_DIR).
"""

import os
import pathlib

import pandas as pd

import crvm

root = pathlib.Path(__file__).resolve().parents[2]
data = pathlib.Path(os.environ.get("CRVM_DATA_DIR", root.parent / "shared" / "data"))
rossi = pd.read_csv(data / "rossi.csv")

# Kaplan-Meier by group: did financial aid change time to re-arrest?
for fin, km in crvm.kaplan_meier_by_group(rossi["week"], rossi["arrest"], rossi["fin"]).items():
    print(f"fin={fin}: S(52 weeks) = {km.survival_at(52):.3f}, median = {km.median_survival}")
test = crvm.logrank_test(rossi["week"], rossi["arrest"], rossi["fin"])
print(f"log-rank: chi2 = {test.statistic:.3f} on {test.dof} df, p = {test.p_value:.4f}\n")

# Cox proportional hazards (Efron ties), all covariates.
X = rossi.drop(columns=["week", "arrest"])
cox = crvm.CoxPH().fit(X, rossi["week"], rossi["arrest"])
print(cox.summary[["coef", "exp(coef)", "se(coef)", "p"]].round(4))
lr = cox.log_likelihood_ratio_test()
print(f"\nlog partial likelihood {cox.log_likelihood:.3f}, concordance {cox.concordance:.3f}, "
      f"LR test {lr.statistic:.2f} on {lr.dof} df (p = {lr.p_value:.2g})")

# Probability of lasting a year for two profiles that differ only in aid.
profiles = pd.DataFrame([X.median()] * 2).reset_index(drop=True)
profiles["fin"] = [0, 1]
print("P(no arrest within 52 weeks):", cox.predict_survival_at(profiles, 52.0).round(3))
