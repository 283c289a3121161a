"""lifelines.statistics' tests, computed by crvm."""

from __future__ import annotations

from ..survival import LogRankResult, logrank_test

__all__ = ["logrank_test", "multivariate_logrank_test", "proportional_hazard_test"]


def multivariate_logrank_test(event_durations, groups, event_observed=None, weights=None,
                              **kwargs) -> LogRankResult:
    """Log-rank test across every group (lifelines' signature)."""
    if kwargs:
        raise TypeError(f"multivariate_logrank_test: {sorted(kwargs)} not supported")
    return logrank_test(event_durations, event_observed, groups, weights)


def proportional_hazard_test(fitted_cox_model, training_df=None, time_transform="rank", **kwargs):
    """The proportional-hazards test of a fitted :class:`crvm.CoxPH` (a
    DataFrame of test_statistic, p, -log2(p) by covariate)."""
    if kwargs.get("precomputed_residuals") is not None:
        raise TypeError("proportional_hazard_test: precomputed_residuals is not supported")
    return fitted_cox_model.proportional_hazard_test(training_df, time_transform)
