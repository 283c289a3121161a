"""lifelines.utils' functions, computed by crvm."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..survival import concordance_index as _concordance_index

__all__ = ["concordance_index", "median_survival_times"]


def concordance_index(event_times, predicted_scores, event_observed=None) -> float:
    """Harrell's C (lifelines' signature: higher scores predict longer survival)."""
    return _concordance_index(event_times, predicted_scores, event_observed)


def median_survival_times(model_or_survival_function):
    """lifelines' ``median_survival_times``: for a fitted
    :class:`crvm.KaplanMeier` its median; for a DataFrame of survival curves
    (such as ``kmf.confidence_interval_``, indexed by time) the first time
    each column falls to 0.5 or below (inf if never), as a one-row DataFrame
    indexed by 0.5."""
    if hasattr(model_or_survival_function, "median_survival_time_"):
        return model_or_survival_function.median_survival_time_
    df = model_or_survival_function
    if not isinstance(df, pd.DataFrame):
        raise TypeError("median_survival_times: pass a fitted crvm.KaplanMeier or a DataFrame "
                        "of survival curves indexed by time")
    below = df.to_numpy() <= 0.5
    t = df.index.to_numpy(dtype=np.float64)
    first = np.where(below.any(axis=0), t[np.argmax(below, axis=0)], np.inf)
    return pd.DataFrame([first], index=[0.5], columns=df.columns)
