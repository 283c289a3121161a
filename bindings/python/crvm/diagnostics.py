"""How well a fitted transaction model predicts a holdout period.

The model is fitted on a calibration period and asked, for each customer,
how many purchases to expect in the holdout period that follows; the answer
is compared with what the customers did (the table behind lifetimes'
``plot_calibration_purchases_vs_holdout_purchases``, and the aggregate
errors a model comparison needs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._columns import customer_columns

__all__ = ["HoldoutAccuracy", "holdout_accuracy"]


@dataclass(frozen=True)
class HoldoutAccuracy:
    """Holdout accuracy of a transaction model.

    ``by_frequency``: per calibration frequency (the last row gathers
    ``max_frequency`` and above): customers, mean actual and mean predicted
    holdout purchases. ``predicted``: each customer's expected holdout
    purchases (keyed like the input). Aggregates over customers: ``total_actual``,
    ``total_predicted``, mean absolute error ``mae``, root mean squared error
    ``rmse``, and the Pearson ``correlation`` of predicted and actual.

    Example::

        acc = crvm.holdout_accuracy(bgf, cal_holdout)
        acc.by_frequency, acc.mae
    """

    by_frequency: pd.DataFrame
    predicted: pd.Series
    total_actual: float
    total_predicted: float
    mae: float
    rmse: float
    correlation: float


def holdout_accuracy(model, calibration_holdout: pd.DataFrame, max_frequency: int = 7,
                     frequency_cal: str = "frequency_cal", recency_cal: str = "recency_cal",
                     T_cal: str = "T_cal", frequency_holdout: str = "frequency_holdout",
                     duration_holdout: str = "duration_holdout") -> HoldoutAccuracy:
    """Compare ``model``'s expected holdout purchases with the actual ones.

    ``calibration_holdout`` is the table of :func:`crvm.rfm_summary` with a
    ``calibration_end`` (lifetimes' ``calibration_and_holdout_data``); the
    model must have been fitted on its calibration columns.

    Example::

        cal = crvm.rfm_summary(tx, "id", "date", calibration_end="2014-09-01",
                               observation_end="2014-12-31")
        bgf = crvm.BetaGeo().fit(cal["frequency_cal"], cal["recency_cal"], cal["T_cal"])
        crvm.holdout_accuracy(bgf, cal).by_frequency
    """
    df = calibration_holdout
    missing = [c for c in (frequency_cal, recency_cal, T_cal, frequency_holdout, duration_holdout)
               if c not in df.columns]
    if missing:
        raise KeyError(f"calibration_holdout lacks the column(s) {missing}")
    (x, _, _, actual, horizon), _, _ = customer_columns(
        (frequency_cal, recency_cal, T_cal, frequency_holdout, duration_holdout),
        (df[frequency_cal], df[recency_cal], df[T_cal], df[frequency_holdout],
         df[duration_holdout]))
    predicted = model.expected_purchases(df[duration_holdout], df[frequency_cal],
                                         df[recency_cal], df[T_cal])
    pred = np.asarray(predicted, dtype=np.float64)
    if int(max_frequency) < 0:
        raise ValueError(f"max_frequency = {max_frequency}: must be >= 0")
    bins = np.minimum(x, int(max_frequency))
    table = (pd.DataFrame({"frequency_cal": bins, "actual": actual, "predicted": pred})
             .groupby("frequency_cal")
             .agg(customers=("actual", "size"), actual=("actual", "mean"),
                  predicted=("predicted", "mean")))
    err = pred - actual
    corr = (float(np.corrcoef(pred, actual)[0, 1])
            if len(pred) > 1 and pred.std() > 0 and actual.std() > 0 else float("nan"))
    return HoldoutAccuracy(
        by_frequency=table,
        predicted=pd.Series(pred, index=df.index, name="predicted_holdout"),
        total_actual=float(actual.sum()), total_predicted=float(pred.sum()),
        mae=float(np.abs(err).mean()), rmse=float(np.sqrt((err ** 2).mean())),
        correlation=corr)
