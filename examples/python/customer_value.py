"""From a transaction log to the value of each customer.

CDNOW's 1997 cohort: summarise the log per customer (crvm.rfm_summary), fit
BG/NBD for how often customers buy and the Gamma-Gamma model for how much,
then value every customer over the next 12 months (CLV, 1% monthly discount,
30% margin).
"""

import os
import pathlib

import pandas as pd

import crvm

root = pathlib.Path(__file__).resolve().parents[2]
data = pathlib.Path(os.environ.get("CRVM_DATA_DIR", root.parent / "shared" / "data"))
log = pd.read_csv(data / "CDNOW_master.txt", sep=r"\s+")
log["date"] = pd.to_datetime(log["date"].astype(str), format="%Y%m%d")

# Calibration: 1997-01-01 .. 1997-09-30; daily purchase occasions, times in weeks.
rfm = crvm.rfm_summary(log, "customer_id", "date", "dollar_value",
                       calibration_end="1997-09-30", observation_end="1998-06-30",
                       unit="D", unit_multiplier=7)
x, t_x, T = rfm["frequency_cal"], rfm["recency_cal"], rfm["T_cal"]
m = rfm["monetary_value_cal"]
print(f"{len(rfm)} customers, {int((x > 0).sum())} with repeat purchases")

bg = crvm.BetaGeo().fit(x, t_x, T)
print("BG/NBD:", {k: round(v, 3) for k, v in bg.params.items()})
# Gamma-Gamma: repeat customers with a positive mean spend (a few spent $0).
spenders = (x > 0) & (m > 0)
gg = crvm.GammaGamma().fit(x[spenders], m[spenders])
print("Gamma-Gamma:", {k: round(v, 3) for k, v in gg.params.items()})

rfm["p_alive"] = bg.p_alive(x, t_x, T)
rfm["expected_spend"] = gg.expected_spend(x, m)
rfm["clv_12m"] = gg.clv(bg, x, t_x, T, m, horizon=12, discount_rate=0.01, margin=0.3, unit="W")

predicted = bg.expected_purchases(39.0, x, t_x, T).sum()
print(f"holdout purchases (39 weeks): predicted {predicted:.0f}, "
      f"observed {rfm['frequency_holdout'].sum():.0f}")
print(f"total 12-month margin value: ${rfm['clv_12m'].sum():,.0f}")
print("most valuable customers:")
print(rfm.sort_values("clv_12m", ascending=False)
      [["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal", "p_alive", "clv_12m"]]
      .head(5).round(2).to_string())
