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
from .transactions import (
    BetaGeo,
    BetaGeoBetaBinom,
    ConvergenceWarning,
    ModifiedBetaGeo,
    ParetoNBD,
)
from .rfm import rfm_summary
from .spend import GammaGamma

__version__ = _ll.crvm_version()

__all__ = [
    "BetaDiscreteWeibull",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "ConvergenceError",
    "ConvergenceWarning",
    "DomainError",
    "Error",
    "FileError",
    "GammaGamma",
    "InvalidArgumentError",
    "ModifiedBetaGeo",
    "NotFittedError",
    "NotFoundError",
    "OutOfMemoryError",
    "ParetoNBD",
    "ParseError",
    "ShiftedBetaGeometric",
    "StateError",
    "__version__",
    "rfm_summary",
]
