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
from .survival import (
    CoxPH,
    CoxTimeVarying,
    KaplanMeier,
    LikelihoodRatioTest,
    LogRankResult,
    concordance_index,
    kaplan_meier_by_group,
    logrank_test,
)
from .ledger import CostModel, Ledger
from .io import LoadReport, SimulatedData, load_csv, simulate, simulate_csv
from .transactions import (
    BetaGeo,
    BetaGeoBetaBinom,
    ConvergenceWarning,
    ModifiedBetaGeo,
    ParetoNBD,
)
from .rfm import rfm_summary
from .spend import GammaGamma
from .io import read_numeric_csv

__version__ = _ll.crvm_version()

__all__ = [
    "BetaDiscreteWeibull",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "ConvergenceWarning",
    "GammaGamma",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "rfm_summary",
    "CoxPH",
    "CoxTimeVarying",
    "KaplanMeier",
    "LikelihoodRatioTest",
    "LogRankResult",
    "concordance_index",
    "kaplan_meier_by_group",
    "logrank_test",
    "CostModel",
    "Ledger",
    "ConvergenceError",
    "ConvergenceError",
    "ConvergenceWarning",
    "CostModel",
    "CoxPH",
    "CoxTimeVarying",
    "DomainError",
    "Error",
    "FileError",
    "InvalidArgumentError",
    "KaplanMeier",
    "Ledger",
    "LikelihoodRatioTest",
    "LoadReport",
    "LogRankResult",
    "ModifiedBetaGeo",
    "NotFittedError",
    "NotFoundError",
    "OutOfMemoryError",
    "ParseError",
    "ShiftedBetaGeometric",
    "SimulatedData",
    "StateError",
    "concordance_index",
    "kaplan_meier_by_group",
    "load_csv",
    "read_numeric_csv",
    "logrank_test",
    "simulate",
    "simulate_csv",
    "__version__",
]

