"""Contractual retention with crvm: fit the sBG and BdW models to the two
cohorts of Fader & Hardie (2007), "How to Project Customer Retention", using
years 0-7 only, project years 8-12, and value customers by their discounted
expected residual lifetime (Fader & Hardie 2010)."""

import numpy as np
import pandas as pd

import crvm

CALIBRATION = 8  # years 0..7 are used to fit
COHORTS = pd.DataFrame({
    "regular": [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173],
    "high end": [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394],
})
MODELS = {"sBG": crvm.ShiftedBetaGeometric, "BdW": crvm.BetaDiscreteWeibull}

pd.set_option("display.width", 120)
fits = {(segment, name): cls().fit_cohort(COHORTS[segment].iloc[:CALIBRATION])
        for segment in COHORTS for name, cls in MODELS.items()}

print(f"Contractual retention: Fader & Hardie (2007) cohorts of 1000, fitted on years 0-{CALIBRATION - 1}\n")
rows = []
for (segment, name), model in fits.items():
    summary = model.summary
    row = {"segment": segment, "model": name}
    for parameter in summary.index:
        row[parameter] = f"{summary.loc[parameter, 'estimate']:.3f} ({summary.loc[parameter, 'standard error']:.3f})"
    row["log-lik"] = round(model.log_likelihood, 2)
    row["BIC"] = round(model.bic, 2)
    row["E[T]"] = model.expected_lifetime()
    rows.append(row)
print("Parameters (standard errors)")
table = pd.DataFrame(rows).fillna({"c": "1 (fixed)"})
print(table[["segment", "model", "alpha", "beta", "c", "log-lik", "BIC", "E[T]"]].to_string(index=False))

years = np.arange(1, len(COHORTS))
projection = pd.DataFrame({"year": years})
for segment in COHORTS:
    projection[segment] = COHORTS[segment].iloc[1:].to_numpy()
    for name in MODELS:
        projection[f"{segment} {name}"] = (1000 * fits[segment, name].survival(years)).round(1)
projection["year"] = [f"{y}{'*' if y >= CALIBRATION else ''}" for y in years]
print("\nCustomers still active: actual against projected (* = beyond the fitted years)")
print(projection.to_string(index=False))

renewals = np.array([0, 1, 4, 7])
derl = pd.DataFrame({"renewals made": renewals})
for (segment, name), model in fits.items():
    derl[f"{segment} {name}"] = model.derl(0.10, renewals).round(3)
print("\nDiscounted expected residual lifetime at d = 10% (further renewals, discounted)")
print(derl.to_string(index=False))
