"""crvm — the Customer-Relationship Value Model.

Customer value, retention and support economics from the data that support and
subscription businesses already hold. The heavy lifting is the C library
libcrvm; this package gives it a pythonic interface: models with ``fit(...)``
returning self, fitted attributes, numpy arrays and pandas DataFrames.
"""

from . import lowlevel as _ll
from .errors import (
    ConvergenceError,
    DomainError,
    Error,
    FileError,
    InvalidArgumentError,
    NotFittedError,
    NotFoundError,
    OutOfMemoryError,
    ParseError,
    StateError,
)
from .retention import BetaDiscreteWeibull, ShiftedBetaGeometric
from .retention_cov import RetentionRegression
from .transactions import (
    BetaGeo,
    BetaGeoBetaBinom,
    ConvergenceWarning,
    ModifiedBetaGeo,
    ParetoNBD,
    StandardErrorWarning,
)
from .rfm import calibration_and_holdout_data, rfm_summary, summary_data_from_transaction_data
from .spend import GammaGamma, customer_lifetime_value
from .cox import CoxPH, CoxTimeVarying
from .survival import (
    KaplanMeier,
    LikelihoodRatioTest,
    LogRankResult,
    concordance_index,
    kaplan_meier_by_group,
    logrank_test,
)
from .ledger import CostModel, Ledger
from .io import (LoadReport, SimulatedData, load_csv, read_numeric_csv, read_table_csv, simulate,
                 simulate_csv)
from ._persist import load
from .diagnostics import HoldoutAccuracy, holdout_accuracy
from .value import ValueModel

__version__ = _ll.crvm_version()

__all__ = sorted([
    # errors
    "ConvergenceError", "DomainError", "Error", "FileError", "InvalidArgumentError",
    "NotFittedError", "NotFoundError", "OutOfMemoryError", "ParseError", "StateError",
    "ConvergenceWarning", "StandardErrorWarning",
    # saved models, diagnostics
    "load", "HoldoutAccuracy", "holdout_accuracy",
    # contractual retention
    "BetaDiscreteWeibull", "RetentionRegression", "ShiftedBetaGeometric",
    # repeat business
    "BetaGeo", "BetaGeoBetaBinom", "ModifiedBetaGeo", "ParetoNBD", "GammaGamma", "rfm_summary",
    "summary_data_from_transaction_data", "calibration_and_holdout_data", "customer_lifetime_value",
    # survival
    "CoxPH", "CoxTimeVarying", "KaplanMeier", "LikelihoodRatioTest", "LogRankResult",
    "concordance_index", "kaplan_meier_by_group", "logrank_test",
    # ledger, costs, data
    "CostModel", "Ledger", "LoadReport", "SimulatedData", "load_csv", "read_numeric_csv", "read_table_csv",
    "simulate", "simulate_csv",
    # the value model
    "ValueModel",
    "__version__",
])
