"""lifetimes.utils' functions, implemented by crvm (same definitions)."""

from ..plotting import expected_cumulative_transactions
from ..rfm import calibration_and_holdout_data, summary_data_from_transaction_data
from ..spend import customer_lifetime_value

__all__ = ["calibration_and_holdout_data", "customer_lifetime_value",
           "expected_cumulative_transactions", "summary_data_from_transaction_data"]
