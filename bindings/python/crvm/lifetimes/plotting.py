"""lifetimes.plotting's functions, drawn by crvm.plotting (matplotlib is
imported when a plot is drawn)."""

from ..plotting import (
    plot_calibration_purchases_vs_holdout_purchases,
    plot_cumulative_transactions,
    plot_frequency_recency_matrix,
    plot_history_alive,
    plot_period_transactions,
    plot_probability_alive_matrix,
)

__all__ = ["plot_calibration_purchases_vs_holdout_purchases", "plot_cumulative_transactions",
           "plot_frequency_recency_matrix", "plot_history_alive", "plot_period_transactions",
           "plot_probability_alive_matrix"]
