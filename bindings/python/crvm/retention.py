"""Contractual retention: the shifted-beta-geometric (sBG) and
beta-discrete-Weibull (BdW) models.

For subscriptions renewed at discrete periods. A customer's lifetime T is the
number of periods paid for; S(t) = P(T > t) is the probability of still being
a customer after t renewal decisions.

- sBG (Fader & Hardie 2007, "How to Project Customer Retention"): each
  customer churns at every renewal with probability theta, theta ~ Beta(alpha, beta).
- BdW (Fader, Hardie, Liu, Davin & Steenburgh 2018): survival of an individual
  is (1 - theta)^(t^c); c < 1 means churn falls with tenure, c = 1 is the sBG.

Example::

    model = crvm.ShiftedBetaGeometric().fit_cohort([1000, 631, 468, 382, 326])
    model.params                    # {'alpha': ..., 'beta': ...}
    model.survival(range(13))       # numpy array
    model.derl(0.10, renewals=3)    # discounted expected residual lifetime
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import pandas as pd

from . import lowlevel as _ll
from ._arrays import as_float_array, as_int_array, is_scalar
from ._persist import Persistent
from .errors import ConvergenceError, NotFittedError

__all__ = ["ShiftedBetaGeometric", "BetaDiscreteWeibull"]

# Two-sided 95 % normal quantile.
_Z95 = 1.959963984540054


def _report_dict(report) -> dict:
    return {
        "log_likelihood": report.log_likelihood,
        "aic": report.aic,
        "bic": report.bic,
        "gradient_norm": report.gradient_norm,
        "n_observations": report.n_observations,
        "iterations": report.iterations,
        "converged": bool(report.converged),
        "n_parameters": report.n_parameters,
    }


def _shape_result(result: np.ndarray, like):
    """float for scalar input, a Series with the same index for a Series, else an array."""
    if is_scalar(like):
        return float(result[0])
    if isinstance(like, pd.Series):
        return pd.Series(result, index=like.index, name=like.name)
    return result


def _as_times(values, name: str) -> np.ndarray:
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name}: expected a number or an array of numbers, got {type(values).__name__}")
    try:
        return as_float_array(values, name)
    except (TypeError, ValueError) as exc:
        if "1-D" in str(exc):
            raise
        raise TypeError(f"{name}: expected numbers ({exc})") from None


class _RetentionModel(Persistent):
    """Shared implementation; use ShiftedBetaGeometric or BetaDiscreteWeibull."""

    _kind = "retention"
    _model: int
    _names: tuple

    def __init__(self, max_iterations: int = 500, tolerance: float = 1e-8,
                 initial_params: dict | None = None):
        if isinstance(max_iterations, bool) or not isinstance(max_iterations, (int, np.integer)):
            raise TypeError("max_iterations: expected an integer")
        if not isinstance(tolerance, Real):
            raise TypeError("tolerance: expected a number")
        self.max_iterations = int(max_iterations)
        self.tolerance = float(tolerance)
        self.initial_params = None if initial_params is None else self._check_param_dict(
            initial_params, "initial_params", require_all=False)
        self._params = None  # crvm_retention_params
        self._se = None
        self._report = None
        self._covariance = None
        self._fit = None

    # ---- persistence (crvm._persist) ---------------------------------------

    def _c_model(self):
        return self._fit

    def _plain_state(self) -> dict:
        return {"max_iterations": self.max_iterations, "tolerance": self.tolerance,
                "initial_params": self.initial_params,
                "params": None if self._fit is not None or self._params is None
                else self.params}

    def _adopt_state(self, handle, state: dict) -> None:
        self.__init__(state.get("max_iterations", 500), state.get("tolerance", 1e-8),
                      state.get("initial_params"))
        if handle is not None:
            report = _ll.crvm_fit_report()
            _ll.crvm_retention_fit_report(handle, report)
            self._adopt(handle, report)
        elif state.get("params") is not None:
            self.params = state["params"]

    # ---- parameters --------------------------------------------------------

    def _check_param_dict(self, values, what: str, require_all: bool = True) -> dict:
        if not isinstance(values, dict):
            raise TypeError(f"{what}: expected a dict with keys {', '.join(self._names)}")
        allowed = set(self._names) | {"c"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"{what}: unknown parameter(s) {sorted(unknown)}; "
                             f"expected {', '.join(self._names)}")
        out = {}
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
                raise TypeError(f"{what}[{key!r}]: expected a number, got {type(value).__name__}")
            out[key] = float(value)
        if "c" in out and "c" not in self._names and out["c"] != 1.0:
            raise ValueError(f"{what}: the sBG has c = 1 (got c = {out['c']}); "
                             "use BetaDiscreteWeibull for c != 1")
        missing = [k for k in self._names if k not in out]
        if require_all and missing:
            raise ValueError(f"{what}: missing parameter(s) {missing}")
        return out

    @property
    def params(self) -> dict:
        """Parameters as a dict (alpha, beta, and c for the BdW); assignable."""
        p = self._require_params()
        return {name: getattr(p, name) for name in self._names}

    @params.setter
    def params(self, values: dict) -> None:
        checked = self._check_param_dict(values, "params")
        p = _ll.crvm_retention_params()
        p.alpha = checked["alpha"]
        p.beta = checked["beta"]
        p.c = checked.get("c", 1.0)
        # Let the library judge the values (raises DomainError with its message).
        _ll.crvm_retention_survival(p, np.zeros(1), np.empty(1))
        self._params, self._se, self._report, self._covariance = p, None, None, None
        self._fit = None

    def _require_params(self):
        if self._params is None:
            raise NotFittedError(f"{type(self).__name__}: no parameters yet; call fit(), "
                                 "fit_cohort() or assign params")
        return self._params

    def _require_fit(self, what: str):
        self._require_params()
        if self._report is None:
            raise NotFittedError(f"{type(self).__name__}.{what}: available after a fit "
                                 "(the parameters were assigned)")

    @property
    def standard_errors(self) -> dict:
        """Asymptotic standard errors (inverse Hessian, delta method), as a dict."""
        self._require_fit("standard_errors")
        return {name: getattr(self._se, name) for name in self._names}

    @property
    def covariance(self) -> pd.DataFrame:
        """Covariance matrix of the estimates (natural scale)."""
        self._require_fit("covariance")
        return pd.DataFrame(self._covariance, index=list(self._names), columns=list(self._names))

    @property
    def fit_report(self) -> dict:
        """log_likelihood, aic, bic, iterations, converged, gradient_norm, n_observations, n_parameters."""
        self._require_fit("fit_report")
        return dict(self._report)

    @property
    def log_likelihood(self) -> float:
        self._require_fit("log_likelihood")
        return self._report["log_likelihood"]

    @property
    def converged(self) -> bool:
        self._require_fit("converged")
        return self._report["converged"]

    @property
    def aic(self) -> float:
        self._require_fit("aic")
        return self._report["aic"]

    @property
    def bic(self) -> float:
        self._require_fit("bic")
        return self._report["bic"]

    @property
    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95 % intervals. The interval is
        computed on the log scale the model is fitted on, exp(ln x +- 1.96 se / x),
        so it stays positive."""
        self._require_fit("summary")
        rows = []
        for name in self._names:
            est, se = getattr(self._params, name), getattr(self._se, name)
            half = _Z95 * se / est
            rows.append((est, se, est * math.exp(-half), est * math.exp(half)))
        return pd.DataFrame(rows, index=pd.Index(self._names, name="parameter"),
                            columns=["estimate", "standard error", "lower 95%", "upper 95%"])

    # ---- fitting -----------------------------------------------------------

    def _options(self):
        o = _ll.crvm_retention_options()
        _ll.crvm_retention_options_init(o)
        o.max_iterations = self.max_iterations
        o.tolerance = self.tolerance
        start = self.initial_params or {}
        o.alpha0 = start.get("alpha", 0.0)
        o.beta0 = start.get("beta", 0.0)
        o.c0 = start.get("c", 0.0) if "c" in self._names else 0.0
        return o

    def _run_fit(self, call):
        report = _ll.crvm_fit_report()
        try:
            fit = call(report)
        except ConvergenceError as exc:
            # The report is filled also when the fit fails to converge.
            exc.report = _report_dict(report)
            raise
        return self._adopt(fit, report)

    def _adopt(self, fit, report):
        """Take parameters, standard errors, covariance and report from a fit handle."""
        p = _ll.crvm_retention_params()
        se = _ll.crvm_retention_params()
        _ll.crvm_retention_fit_params(fit, p)
        _ll.crvm_retention_fit_standard_errors(fit, se)
        k = len(self._names)
        cov = np.empty(k * k)
        _ll.crvm_retention_fit_covariance(fit, cov)
        self._params, self._se = p, se
        self._covariance = cov.reshape(k, k)
        self._report = _report_dict(report)
        self._fit = fit
        return self

    def fit_cohort(self, alive_counts, cohort_lengths=None):
        """Fit to survivor counts: customers alive at periods 0, 1, ..., n.

        ``alive_counts`` is one cohort (a list, array or Series), or a list of
        cohorts (each a sequence, of any lengths) fitted jointly with shared
        parameters; alternatively pass the cohorts concatenated with
        ``cohort_lengths``. Returns self.
        """
        if isinstance(alive_counts, (list, tuple)) and alive_counts and all(
                np.ndim(c) == 1 for c in alive_counts):
            if cohort_lengths is not None:
                raise ValueError("cohort_lengths: not used when alive_counts is a list of cohorts")
            cohorts = [as_float_array(c, f"alive_counts[{i}]") for i, c in enumerate(alive_counts)]
            counts = np.concatenate(cohorts) if cohorts else np.empty(0)
            lengths = np.array([len(c) for c in cohorts], dtype=np.int32)
        else:
            counts = as_float_array(alive_counts, "alive_counts")
            lengths = as_int_array(cohort_lengths, "cohort_lengths", allow_none=True)
            if lengths is None:
                lengths = np.array([len(counts)], dtype=np.int32)
        options = self._options()
        return self._run_fit(lambda report: _ll.crvm_retention_fit_cohorts(
            self._model, counts, lengths, options, report))

    def fit(self, periods, churned, weights=None):
        """Fit to per-customer records. ``periods[i]``: periods observed;
        ``churned[i]``: 1 if the customer did not renew after the last of them
        (lifetime T = periods), 0 if still active (T > periods); optional
        non-negative ``weights``. Returns self."""
        p = as_int_array(periods, "periods")
        c = as_int_array(churned, "churned")
        w = as_float_array(weights, "weights", allow_none=True)
        options = self._options()
        return self._run_fit(lambda report: _ll.crvm_retention_fit_records(
            self._model, p, c, w, options, report))

    # ---- predictions -------------------------------------------------------

    def _predict(self, function, t, name: str):
        p = self._require_params()
        arr = _as_times(t, name)
        out = np.empty(len(arr))
        function(p, arr, out)
        return _shape_result(out, t)

    def survival(self, t):
        """S(t) = P(T > t): probability of still being a customer after t renewal
        decisions (t whole numbers >= 0)."""
        return self._predict(_ll.crvm_retention_survival, t, "t")

    def retention_rate(self, t):
        """r(t) = S(t) / S(t - 1): share of the customers active after t - 1
        renewals who renew again (t >= 1)."""
        return self._predict(_ll.crvm_retention_rate, t, "t")

    def churn_probability(self, t):
        """P(T = t) = S(t - 1) - S(t): probability that a new customer leaves
        at the t-th renewal decision (t >= 1)."""
        return self._predict(_ll.crvm_retention_churn_probability, t, "t")

    def expected_lifetime(self) -> float:
        """E[T] in periods; infinite (math.inf) when alpha * c <= 1."""
        return float(_ll.crvm_retention_expected_lifetime(self._require_params()))

    def derl(self, discount_rate, renewals=0):
        """Discounted expected residual lifetime (Fader & Hardie 2010) of a
        customer who has made ``renewals`` renewals: the expected number of
        further renewals, discounted at ``discount_rate`` per period (the next
        one undiscounted). Infinite for discount_rate = 0 when alpha * c <= 1."""
        p = self._require_params()
        if isinstance(discount_rate, bool) or not isinstance(discount_rate, (Real, np.floating, np.integer)):
            raise TypeError(f"discount_rate: expected a number, got {type(discount_rate).__name__}")
        arr = _as_times(renewals, "renewals")
        out = np.empty(len(arr))
        _ll.crvm_retention_derl(p, float(discount_rate), arr, out)
        return _shape_result(out, renewals)

    def __repr__(self) -> str:
        if self._params is None:
            return f"<{type(self).__name__}: not fitted>"
        text = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        how = "fitted" if self._report is not None else "assigned"
        return f"<{type(self).__name__} ({how}): {text}>"


class ShiftedBetaGeometric(_RetentionModel):
    """Shifted-beta-geometric retention model (Fader & Hardie 2007):
    parameters alpha, beta.

    Example::

        sbg = crvm.ShiftedBetaGeometric().fit_cohort([1000, 631, 468, 382, 326])
        sbg.survival(range(13))
    """

    _model = _ll.CRVM_RETENTION_SBG
    _names = ("alpha", "beta")


class BetaDiscreteWeibull(_RetentionModel):
    """Beta-discrete-Weibull retention model (Fader, Hardie, Liu, Davin &
    Steenburgh 2018): parameters alpha, beta, c; c = 1 is the sBG.

    Example::

        bdw = crvm.BetaDiscreteWeibull().fit(periods, churned)
        bdw.derl(0.1, renewals=[0, 3, 12])
    """

    _model = _ll.CRVM_RETENTION_BDW
    _names = ("alpha", "beta", "c")
