"""Gamma-Gamma model of spend per transaction, and customer lifetime value.

``GammaGamma`` mirrors lifetimes' ``GammaGammaFitter`` (Fader & Hardie 2013,
"The Gamma-Gamma Model of Monetary Value"): parameters ``p``, ``q``, ``v``;
``expected_spend`` is lifetimes' ``conditional_expected_average_profit`` and
``clv`` its ``customer_lifetime_value``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import lowlevel as _ll
from ._arrays import as_float_array
from ._columns import FittedData, customer_columns, keyed
from ._persist import Persistent
from .errors import ConvergenceError, NotFittedError

# lifetimes' summary tables use +- 1.96 standard errors for the 95% bounds;
# the same rounded quantile keeps the tables identical to theirs.
_LIFETIMES_Z = 1.96

__all__ = ["GammaGamma", "customer_lifetime_value"]

_PARAM_NAMES = ("p", "q", "v")

# Time units per month in lifetimes' customer_lifetime_value.
_UNITS_PER_MONTH = {"D": 30.0, "W": 4.345, "M": 1.0, "H": 30.0 * 24, "h": 30.0 * 24}


def _params_struct(params: dict):
    s = _ll.crvm_gamma_gamma_params()
    s.p, s.q, s.v = (float(params[k]) for k in _PARAM_NAMES)
    return s


class GammaGamma(FittedData, Persistent):
    """Gamma-Gamma spend model.

    Parameters
    ----------
    penalizer_coef : L2 penalty on the parameters (lifetimes' convention:
        mean negative log-likelihood + coef * (p^2 + q^2 + v^2)).

    Example::

        repeat = summary[summary["frequency"] > 0]
        ggf = crvm.GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
        ggf.expected_spend(summary["frequency"], summary["monetary_value"])  # Series by customer
    """

    _kind = "gamma-gamma"
    _not_saved = ("data",)

    def __init__(self, penalizer_coef: float = 0.0):
        self.penalizer_coef = float(penalizer_coef)
        self._params = None
        self._fit = None
        self.report_ = None
        self.data = None

    # -- persistence (crvm._persist) ----------------------------------------
    def _c_model(self):
        return self._fit

    def _plain_state(self) -> dict:
        return {"penalizer_coef": self.penalizer_coef, "data": self.data,
                "params": None if self._fit is not None or self._params is None
                else dict(self._params)}

    def _adopt_state(self, handle, state: dict) -> None:
        self.__init__(state.get("penalizer_coef", 0.0))
        if handle is not None:
            self._adopt(handle)
        elif state.get("params") is not None:
            self.params = state["params"]
        data = state.get("data")
        self.data = data if isinstance(data, pd.DataFrame) else None

    def _adopt(self, fit) -> None:
        ps = _ll.crvm_gamma_gamma_params()
        _ll.crvm_gamma_gamma_fit_params(fit, ps)
        report = _ll.crvm_fit_report()
        _ll.crvm_gamma_gamma_fit_report(fit, report)
        self._params = {"p": ps.p, "q": ps.q, "v": ps.v}
        self._fit = fit
        self.report_ = _report_dict(report)

    def __repr__(self) -> str:
        if self._params is None:
            return "<crvm.GammaGamma: not fitted>"
        ps = ", ".join(f"{k}: {v:.2f}" for k, v in self._params.items())
        if self.report_ is None:
            return f"<crvm.GammaGamma: assigned, {ps}>"
        return f"<crvm.GammaGamma: fitted with {self.report_['n_observations']:g} subjects, {ps}>"

    # -- parameters -------------------------------------------------------
    @property
    def params(self) -> dict:
        """Parameters as a dict {'p', 'q', 'v'}; assignable on an unfitted model."""
        if self._params is None:
            raise NotFittedError("GammaGamma: fit the model or assign params first")
        return dict(self._params)

    @params.setter
    def params(self, value):
        if isinstance(value, pd.Series):
            value = value.to_dict()
        missing = [k for k in _PARAM_NAMES if k not in value]
        if missing:
            raise ValueError(f"params: missing {', '.join(missing)} (need p, q, v)")
        values = {k: float(value[k]) for k in _PARAM_NAMES}
        for k, v in values.items():
            if not np.isfinite(v) or v <= 0:
                raise ValueError(f"params[{k!r}] = {v!r}: must be positive and finite")
        self._params = values
        self._fit = None
        self.report_ = None

    @property
    def params_(self) -> pd.Series:
        """Parameters as a pandas Series (lifetimes' attribute)."""
        return pd.Series(self.params)[list(_PARAM_NAMES)]

    p = property(lambda self: self.params["p"])
    q = property(lambda self: self.params["q"])
    v = property(lambda self: self.params["v"])

    def _need_fit(self):
        if self._fit is None:
            raise NotFittedError("GammaGamma: standard errors need a fitted model")
        return self._fit

    @property
    def standard_errors_(self) -> pd.Series:
        se = _ll.crvm_gamma_gamma_params()
        _ll.crvm_gamma_gamma_fit_standard_errors(self._need_fit(), se)
        return pd.Series({"p": se.p, "q": se.q, "v": se.v})

    @property
    def covariance_(self) -> pd.DataFrame:
        out = np.empty(9)
        _ll.crvm_gamma_gamma_fit_covariance(self._need_fit(), out)
        return pd.DataFrame(out.reshape(3, 3), index=list(_PARAM_NAMES),
                            columns=list(_PARAM_NAMES))

    @property
    def summary(self) -> pd.DataFrame:
        coef = self.params_
        se = self.standard_errors_
        return pd.DataFrame({"coef": coef, "se(coef)": se,
                             "lower 95% bound": coef - _LIFETIMES_Z * se,
                             "upper 95% bound": coef + _LIFETIMES_Z * se})

    @property
    def log_likelihood_(self) -> float:
        if self.report_ is None:
            raise NotFittedError("GammaGamma: not fitted")
        return self.report_["log_likelihood"]

    # -- fitting ----------------------------------------------------------
    def fit(self, frequency, monetary_value, weights=None, initial_params=None,
            max_iterations: int = 500, tol: float = 1e-8, verbose: bool = False, index=None,
            **kwargs: Any) -> "GammaGamma":
        """Fit by maximum likelihood to repeat customers (frequency > 0).

        ``monetary_value`` is each customer's mean spend per repeat
        transaction (pandas Series are aligned by index); ``weights``
        optionally counts customers per row. lifetimes' ``verbose``,
        ``index`` and ``q_constraint`` keywords are accepted (``q_constraint``
        has no effect: the fit keeps q > 1 whenever the data allow a finite
        mean spend).
        Raises ``crvm.InvalidArgumentError`` naming the row if a customer has
        frequency 0 (leave them out) or a value is negative or NaN, and
        ``crvm.ConvergenceError`` if the fit does not converge (the report is
        then in ``report_``).

        Example::

            ggf = crvm.GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
        """
        (x, m), idx, _ = customer_columns(("frequency", "monetary_value"),
                                          (frequency, monetary_value))
        w = as_float_array(weights, "weights", allow_none=True)
        opt = _ll.crvm_gamma_gamma_options()
        _ll.crvm_gamma_gamma_options_init(opt)
        opt.max_iterations = int(max_iterations)
        opt.tolerance = float(tol)
        opt.penalty = self.penalizer_coef
        if initial_params is not None:
            if not isinstance(initial_params, dict):
                initial_params = dict(zip(_PARAM_NAMES, initial_params))
            init = _ll.crvm_gamma_gamma_params()
            init.p, init.q, init.v = (float(initial_params.get(k, 0.0)) for k in _PARAM_NAMES)
            opt.initial = init
        report = _ll.crvm_fit_report()
        try:
            fit = _ll.crvm_gamma_gamma_fit_columns(x, m, w, opt, report)
        except ConvergenceError:
            self.report_ = _report_dict(report)
            raise
        self._adopt(fit)
        self._keep_data({"frequency": x, "monetary_value": m}, idx if index is None else index)
        return self

    # -- predictions ------------------------------------------------------
    def expected_spend(self, frequency, monetary_value):
        """Expected spend per transaction E[M | x, m] = p (v + x m) / (p x + q - 1),
        keyed like the input (a Series by customer for Series input).

        Example::

            ggf.expected_spend(summary["frequency"], summary["monetary_value"]).mean()
        """
        (x, m), index, scalar = customer_columns(("frequency", "monetary_value"),
                                                 (frequency, monetary_value))
        out = np.empty(x.shape[0])
        _ll.crvm_gamma_gamma_expected_spend(_params_struct(self.params), x, m, out)
        return keyed(out, index, scalar)

    def conditional_expected_average_profit(self, frequency=None, monetary_value=None):
        """lifetimes' name of :meth:`expected_spend`; without arguments, for
        the fitting data."""
        if frequency is None and monetary_value is None:
            if self.data is None:
                raise ValueError("frequency and monetary_value are needed (no fitting data)")
            frequency, monetary_value = self.data["frequency"], self.data["monetary_value"]
        return self.expected_spend(frequency, monetary_value)

    def log_likelihood(self, frequency, monetary_value):
        """Per-customer log-density of the mean spend (repeat customers)."""
        (x, m), index, scalar = customer_columns(("frequency", "monetary_value"),
                                                 (frequency, monetary_value))
        out = np.empty(x.shape[0])
        _ll.crvm_gamma_gamma_log_likelihood(_params_struct(self.params), x, m, out)
        return keyed(out, index, scalar)

    def clv(self, model, frequency, recency, T, monetary_value, horizon: int = 12,
            discount_rate: float = 0.01, margin: float = 1.0, unit="D"):
        """Customer lifetime value over ``horizon`` months (lifetimes' definition).

        sum over months i = 1..horizon of
        (E[X(T, T + i*k)] - E[X(T, T + (i-1)*k)]) * E[M | x, m] * margin / (1 + d)^i
        where k is the number of time units per month (unit 'D': 30, 'W':
        4.345, 'M': 1, 'h': 720, or a number) and E[X(T, T + t)] the
        conditional expected purchases of the transaction ``model``.

        ``model`` is a fitted crvm transaction model, or any object with
        lifetimes' ``conditional_expected_number_of_purchases_up_to_time(t,
        frequency, recency, T)`` (a lifetimes fitter, for instance). Keyed
        like the input (a Series by customer for Series input).

        Example::

            ggf.clv(bgf, s["frequency"], s["recency"], s["T"], s["monetary_value"], horizon=12)
        """
        per_month = float(_UNITS_PER_MONTH[unit] if isinstance(unit, str) else unit)
        (x, r, t, m), index, scalar = customer_columns(
            ("frequency", "recency", "T", "monetary_value"),
            (frequency, recency, T, monetary_value))
        horizon = int(horizon)
        if horizon < 0:
            raise ValueError(f"horizon = {horizon}: must be >= 0")
        if not np.isfinite(discount_rate) or discount_rate <= -1:
            raise ValueError(f"discount_rate = {discount_rate!r}: must be > -1")
        if not np.isfinite(margin):
            raise ValueError(f"margin = {margin!r}: must be finite")
        txn = _txn_params_of(model)
        if txn is not None:
            out = np.empty(x.shape[0])
            opt = _ll.crvm_clv_options()
            _ll.crvm_clv_options_init(opt)
            opt.horizon_months = horizon
            opt.discount_rate = float(discount_rate)
            opt.units_per_month = per_month
            opt.margin = float(margin)
            _ll.crvm_clv(txn, _params_struct(self.params), x, r, t, m, opt, out)
            return keyed(out, index, scalar, "clv")
        predict = getattr(model, "conditional_expected_number_of_purchases_up_to_time", None)
        if predict is None:
            raise TypeError("model: expected a fitted crvm transaction model or an object with "
                            "conditional_expected_number_of_purchases_up_to_time()")
        spend = np.asarray(self.expected_spend(x, m), dtype=np.float64) * float(margin)
        total = np.zeros(x.shape[0])
        prev = np.zeros(x.shape[0])
        for i in range(1, horizon + 1):
            cur = np.asarray(predict(i * per_month, x, r, t), dtype=np.float64)
            total += (cur - prev) * spend / (1.0 + discount_rate) ** i
            prev = cur
        return keyed(total, index, scalar, "clv")

    def customer_lifetime_value(self, transaction_prediction_model, frequency, recency, T,
                                monetary_value, time: int = 12, discount_rate: float = 0.01,
                                freq: str = "D"):
        """lifetimes' name and keywords of :meth:`clv` (``time`` months,
        ``freq`` the time unit of the data)."""
        return self.clv(transaction_prediction_model, frequency, recency, T, monetary_value,
                        horizon=time, discount_rate=discount_rate, unit=freq)


def _txn_params_of(model):
    """The crvm_txn_params of a fitted crvm transaction model, or None."""
    getter = getattr(model, "_crvm_txn_params", None)
    if callable(getter):
        return getter()
    cls = getattr(_ll, "crvm_txn_params", None)
    params = getattr(model, "_params", None)
    if cls is not None and isinstance(params, cls):
        return params
    return None


def _report_dict(report) -> dict:
    return {"log_likelihood": report.log_likelihood, "aic": report.aic, "bic": report.bic,
            "gradient_norm": report.gradient_norm, "n_observations": report.n_observations,
            "iterations": report.iterations, "converged": bool(report.converged),
            "n_parameters": report.n_parameters}


def customer_lifetime_value(transaction_prediction_model, frequency, recency, T, monetary_value,
                            time: int = 12, discount_rate: float = 0.01, freq: str = "D",
                            margin: float = 1.0):
    """lifetimes.utils' ``customer_lifetime_value``: the CLV of each customer
    with ``monetary_value`` taken as the spend per future transaction (no
    spend model), over ``time`` months at ``discount_rate`` per month, time
    in ``freq`` units. Keyed like the input.

    Example::

        crvm.customer_lifetime_value(bgf, s["frequency"], s["recency"], s["T"],
                                     s["monetary_value"], time=12)
    """
    txn = _txn_params_of(transaction_prediction_model)
    if txn is None:
        raise TypeError("transaction_prediction_model: expected a fitted crvm transaction model")
    (x, r, t, m), index, scalar = customer_columns(("frequency", "recency", "T", "monetary_value"),
                                                   (frequency, recency, T, monetary_value))
    opt = _ll.crvm_clv_options()
    _ll.crvm_clv_options_init(opt)
    opt.horizon_months = int(time)
    opt.discount_rate = float(discount_rate)
    opt.units_per_month = float(_UNITS_PER_MONTH[freq] if isinstance(freq, str) else freq)
    opt.margin = float(margin)
    out = np.empty(len(x))
    _ll.crvm_clv_with_spend(txn, x, r, t, m, opt, out)
    return keyed(out, index, scalar, "clv")
