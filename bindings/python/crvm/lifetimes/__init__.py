"""lifetimes' names for crvm's models, so that a lifetimes script runs with
only its imports changed (``from crvm.lifetimes import BetaGeoFitter``).

These are the same classes as crvm's own (``crvm.BetaGeo`` ...); see
docs/migrating.md for what is covered and what is not.
"""

from ..spend import GammaGamma as GammaGammaFitter
from ..transactions import BetaGeo as BetaGeoFitter
from ..transactions import BetaGeoBetaBinom as BetaGeoBetaBinomFitter
from ..transactions import ModifiedBetaGeo as ModifiedBetaGeoFitter
from ..transactions import ParetoNBD as ParetoNBDFitter
from . import plotting, utils

__all__ = ["BetaGeoFitter", "BetaGeoBetaBinomFitter", "GammaGammaFitter",
           "ModifiedBetaGeoFitter", "ParetoNBDFitter", "plotting", "utils"]
