"""lifelines' names for crvm's survival models, so that a lifelines script
runs with only its imports changed (``from crvm.lifelines import
CoxPHFitter``). These are crvm's own classes; docs/migrating.md lists what
is covered and what is not."""

from ..cox import CoxPH as CoxPHFitter
from ..cox import CoxTimeVarying as CoxTimeVaryingFitter
from ..survival import KaplanMeier as KaplanMeierFitter
from . import statistics, utils

__all__ = ["CoxPHFitter", "CoxTimeVaryingFitter", "KaplanMeierFitter", "statistics", "utils"]
