"""Repeat-business ("buy till you die") models for non-contractual settings.

Each customer is summarised by three numbers:

* ``frequency`` -- x, the number of *repeat* transactions (the first purchase
  is not counted); for BG/BB the number of opportunities with a transaction;
* ``recency`` -- t_x, the time of the last repeat transaction measured from
  the first purchase (0 when x = 0); for BG/BB the opportunity of the last
  transaction;
* ``T`` -- the customer's age at the end of the observation period; for BG/BB
  ``n_periods``, the number of transaction opportunities.

The classes mirror lifetimes' fitters (``BetaGeoFitter`` ...) so that
switching is easy: ``fit(...)`` returns self, parameters are in ``params``
(a dict), and the predictions have lifetimes' names as aliases. Models fitted
elsewhere can be used by assigning ``params`` on an unfitted model.

References: Fader, Hardie & Lee (2005) for BG/NBD; Batislam, Denizel &
Filiztekin (2007) for MBG/NBD; Schmittlein, Morrison & Colombo (1987) and
Fader & Hardie's notes for Pareto/NBD; Fader, Hardie & Shang (2010) for BG/BB.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from . import lowlevel as _ll
# called straight, not through lowlevel's Python wrapper function: a frame
# less on a cold call (transactions.i)
from ._lowlevel import crvm_py_txn_columns_new as _columns_new
from ._lowlevel import crvm_txn_params_check as _params_check
from ._arrays import as_float_array, is_scalar
from ._columns import FittedData, customer_columns, keyed
from ._persist import Persistent
from .errors import NotFittedError

# lifetimes' summary tables use +- 1.96 standard errors for the 95% bounds;
# the same rounded quantile keeps the tables identical to theirs.
_LIFETIMES_Z = 1.96

__all__ = [
    "BetaGeo",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "BetaGeoBetaBinom",
    "ConvergenceWarning",
    "StandardErrorWarning",
]


class ConvergenceWarning(UserWarning):
    """A fit stopped before its convergence test passed (see ``.converged``)."""


class StandardErrorWarning(UserWarning):
    """A fit converged but its standard errors are undefined: the Hessian of
    the log-likelihood is not positive definite at the estimate (typically
    the data cannot identify every parameter, e.g. nobody repeats)."""


def _columns(names, *values):
    """The per-customer columns as float64 arrays (see crvm._columns), the
    customers' index (None without pandas input) and whether all were scalars."""
    return customer_columns(names, values)


def _result(out, scalar, index=None):
    return keyed(out, index, scalar)


class _TransactionModel(FittedData, Persistent):
    """Shared machinery of the four models (not instantiated directly)."""

    _kind = "transactions"
    _not_saved = ("data",)

    _model: int = -1
    _param_names: tuple = ()
    _age_name = "T"

    def __init__(self, penalizer_coef: float = 0.0, max_iterations: int = 1000,
                 tolerance: float = 1e-8, initial_params: dict | None = None):
        """
        Parameters
        ----------
        penalizer_coef : L2 penalty lambda >= 0 on the parameters (natural
            scale), added to the average negative log-likelihood as
            ``lambda * sum(p**2)`` -- the convention of lifetimes.
        max_iterations, tolerance : optimiser limits (gradient max-norm on the
            log-parameter scale).
        initial_params : optional dict of starting values (all four names).
        """
        self.penalizer_coef = float(penalizer_coef)
        self.max_iterations = int(max_iterations)
        self.tolerance = float(tolerance)
        self.initial_params = initial_params
        # straight-line code, as in the params setter: bench/run times the
        # construction with every prediction, and the data setter's and a
        # reset method's frames cost ~4 us of it after a garbage collection
        self._values = self._struct = None
        self._data = self._data_columns = None   # FittedData: no data
        # no fit (the params setter clears the same five)
        self._fit = self._se = self._cov = self._report = None
        self._message = ""

    # ---- persistence (crvm._persist) --------------------------------------

    def _c_model(self):
        return self._fit

    def _plain_state(self) -> dict:
        return {"penalizer_coef": self.penalizer_coef, "max_iterations": self.max_iterations,
                "tolerance": self.tolerance, "initial_params": self.initial_params,
                "message": self._message, "data": self.data,
                "params": None if self._fit is not None or self._values is None
                else self.params}

    def _adopt_state(self, handle, state: dict) -> None:
        self.__init__(state.get("penalizer_coef", 0.0), state.get("max_iterations", 1000),
                      state.get("tolerance", 1e-8), state.get("initial_params"))
        if handle is not None:
            self._adopt(handle)
        elif state.get("params") is not None:
            self.params = state["params"]
        self._message = state.get("message", "")
        data = state.get("data")
        self.data = data if data is None or isinstance(data, pd.DataFrame) else None

    def _adopt(self, fit) -> None:
        """Take parameters, report and covariance from a fit handle."""
        p = _ll.crvm_txn_params()
        _ll.crvm_txn_fit_params(fit, p)
        report = _ll.crvm_fit_report()
        _ll.crvm_txn_fit_report(fit, report)
        se = np.full(4, np.nan)
        cov = np.full(16, np.nan)
        try:
            _ll.crvm_txn_fit_standard_errors(fit, se)
            _ll.crvm_txn_fit_covariance(fit, cov)
        except Exception:  # DomainError: Hessian not positive definite, no covariance
            se[:] = np.nan
            cov[:] = np.nan
        self._fit, self._report, self._se, self._cov = fit, report, se, cov
        self._values = (self._model, *(p.get(i) for i in range(4)))
        self._struct = p

    @property
    def _params(self):
        """The parameters as a crvm_txn_params (made on first use; None before
        fit or assignment). The predictions pass the plain tuple _values, which
        the low-level functions also take, so that they make no SWIG object."""
        if self._struct is None and self._values is not None:
            self._struct = _ll.crvm_txn_params_make(*self._values)
        return self._struct

    # ---- parameters ------------------------------------------------------

    @property
    def params(self) -> dict:
        """The four parameters as a dict (raises NotFittedError before fit/assignment)."""
        return dict(zip(self._param_names, self._require_values()[1:]))

    @params.setter
    def params(self, values: dict):
        # straight-line code (no comprehension or generator frames) and the
        # check called without lowlevel's wrapper function: bench/run times
        # the assignment with every prediction, where each Python step
        # costs several us cold (25 -> 20 us above an empty call here)
        values = dict(values)
        names = self._param_names
        if values.keys() != set(names):
            missing = [k for k in names if k not in values]
            extra = [k for k in values if k not in names]
            raise ValueError(f"{type(self).__name__}.params needs exactly the keys "
                             f"{list(names)} (missing {missing}, unexpected {extra})")
        p = (self._model, float(values[names[0]]), float(values[names[1]]),
             float(values[names[2]]), float(values[names[3]]))
        _params_check(p)
        # assigned parameters replace a fit (the five of __init__)
        self._fit = self._se = self._cov = self._report = None
        self._message = ""
        self._values, self._struct = p, None

    @property
    def params_(self) -> pd.Series:
        """The parameters as a pandas Series (lifetimes' attribute).

        Example::

            crvm.BetaGeo().fit(f, r, T).params_["r"]
        """
        return pd.Series(self.params, dtype=np.float64)

    def _require_values(self):
        """The parameters as the tuple (model, p0, p1, p2, p3)."""
        if self._values is None:
            raise NotFittedError(f"{type(self).__name__}: call fit() or assign params first")
        return self._values

    def _require(self):
        self._require_values()
        return self._params

    @property
    def standard_errors(self) -> dict | None:
        """Standard errors of the parameters (dict), None if not fitted."""
        if self._se is None:
            return None
        return dict(zip(self._param_names, (float(v) for v in self._se)))

    @property
    def covariance(self):
        """Covariance matrix of the parameters (pandas DataFrame), None if not fitted."""
        if self._cov is None:
            return None
        import pandas as pd
        return pd.DataFrame(self._cov.reshape(4, 4), index=list(self._param_names),
                            columns=list(self._param_names))

    @property
    def log_likelihood(self) -> float | None:
        """Maximised log-likelihood (summed over customers), None if not fitted."""
        return None if self._report is None else self._report.log_likelihood

    @property
    def converged(self) -> bool | None:
        """Whether the optimiser's convergence test passed, None if not fitted."""
        return None if self._report is None else bool(self._report.converged)

    @property
    def iterations(self) -> int | None:
        return None if self._report is None else int(self._report.iterations)

    @property
    def aic(self) -> float | None:
        return None if self._report is None else self._report.aic

    @property
    def bic(self) -> float | None:
        return None if self._report is None else self._report.bic

    @property
    def summary(self):
        """Table (pandas DataFrame) of coefficients, standard errors and 95% intervals."""
        import pandas as pd
        params = self.params
        se = self.standard_errors or {k: float("nan") for k in self._param_names}
        rows = {k: {"coef": params[k], "se(coef)": se[k],
                    "lower 95% bound": params[k] - _LIFETIMES_Z * se[k],
                    "upper 95% bound": params[k] + _LIFETIMES_Z * se[k]}
                for k in self._param_names}
        return pd.DataFrame.from_dict(rows, orient="index")

    def __repr__(self):
        if self._values is None:
            return f"<crvm.{type(self).__name__}: not fitted>"
        ps = ", ".join(f"{k}: {v:.2f}" for k, v in sorted(self.params.items()))
        if self._report is None:
            return f"<crvm.{type(self).__name__}: assigned, {ps}>"
        return (f"<crvm.{type(self).__name__}: fitted with {self._report.n_observations:g} "
                f"subjects, {ps}>")

    # ---- fitting ---------------------------------------------------------

    def _fit_columns(self, frequency, recency, age, weights, initial_params=None, tol=None,
                     index=None):
        (x, tx, T), idx, _ = _columns(("frequency", "recency", self._age_name), frequency,
                                      recency, age)
        w = None
        if weights is not None:
            w = as_float_array(weights, "weights")
            if len(w) != len(x):
                raise ValueError(f"weights has {len(w)} rows but frequency has {len(x)}")
        if initial_params is not None:
            self.initial_params = dict(initial_params)
        if tol is not None:
            self.tolerance = float(tol)
        opt = _ll.crvm_txn_options()
        _ll.crvm_txn_options_init(opt)
        opt.max_iterations = self.max_iterations
        opt.tolerance = self.tolerance
        opt.l2_penalty = self.penalizer_coef
        if self.initial_params is not None:
            init = dict(self.initial_params)
            opt.use_start = 1
            for i, k in enumerate(self._param_names):
                if k not in init:
                    raise ValueError(f"initial_params lacks {k!r}")
                opt.set_start(i, float(init[k]))
        _ll.crvm_clear_error()
        fit = _ll.crvm_txn_fit_new(self._model, x, tx, T, w, opt)
        message = _ll.crvm_last_error()
        self._adopt(fit)
        report = self._report
        self._message = message if not report.converged else ""
        data = {"frequency": x, "recency": tx, self._age_name: T}
        if w is not None:
            data["weights"] = w
        if index is None:
            index = idx
        self._keep_data(data, index)
        if not report.converged:
            warnings.warn(f"{type(self).__name__}: {message or 'did not converge'}",
                          ConvergenceWarning, stacklevel=3)
        elif not np.isfinite(self._se).all():
            warnings.warn(f"{type(self).__name__}: the fit converged but its standard errors "
                          "are undefined (the Hessian is not positive definite at the "
                          "estimate: the data do not identify every parameter"
                          + ("; nobody made a repeat purchase" if not (x > 0).any() else "")
                          + "); the parameters are a point of a flat likelihood, not a "
                          "reliable estimate", StandardErrorWarning, stacklevel=3)
        return self

    # ---- predictions -----------------------------------------------------

    def _per_customer(self, func, frequency, recency, age, *extra):
        p = self._require()
        (x, tx, T), index, scalar = _columns(("frequency", "recency", self._age_name),
                                             frequency, recency, age)
        out = np.empty(len(x))
        func(p, *extra, x, tx, T, out)
        return _result(out, scalar, index)

    def _per_customer_new(self, func, frequency, recency, age, *extra):
        """As _per_customer, for the C functions that return an array they
        allocated (a Values buffer, viewed by numpy without a copy): they
        check the rows block by block as they compute them, one pass over
        the columns instead of two."""
        p = self._require_values()
        (x, tx, T), index, scalar = _columns(("frequency", "recency", self._age_name),
                                             frequency, recency, age)
        values = func(p, *extra, x, tx, T)
        # frombuffer's default dtype is float64; naming it costs ~10 us cold
        out = np.frombuffer(values) if len(x) else np.empty(0)
        return _result(out, scalar, index)

    def p_alive(self, frequency, recency, T):
        """Probability that each customer is still alive at the end of the
        observation period (BG/BB: at opportunity n + 1)."""
        # the parameter tuple without _require_values' frame when they are
        # set (it raises NotFittedError when they are not)
        values = _columns_new(0, self._values or self._require_values(), 0.0, frequency,
                              recency, T)
        if values is not None:
            return np.frombuffer(values)
        return self._per_customer_new(_ll.crvm_py_txn_p_alive_new, frequency, recency, T)

    def _conditional(self, func, t, frequency, recency, age):
        """Per-customer call with a horizon (or rate) t that may be a scalar
        or an array broadcast against the customers."""
        if is_scalar(t):
            return self._per_customer(func, frequency, recency, age, float(t))
        p = self._require()
        (x, tx, T), index, _ = _columns(("frequency", "recency", self._age_name),
                                        frequency, recency, age)
        if isinstance(t, pd.Series) and index is not None and not t.index.equals(index):
            t = t.reindex(index)
        ts = as_float_array(t, "t")
        if len(ts) != len(x):
            raise ValueError(f"t has {len(ts)} values but there are {len(x)} customers: give one "
                             "horizon, or one per customer")
        bad = np.flatnonzero(~np.isfinite(ts))
        if bad.size:
            raise ValueError(f"t[{bad[0]}] = {ts[bad[0]]}: must be finite")
        out = np.empty(len(x))
        for value in np.unique(ts):
            idx = np.flatnonzero(ts == value)
            part = np.empty(len(idx))
            func(p, float(value), np.ascontiguousarray(x[idx]), np.ascontiguousarray(tx[idx]),
                 np.ascontiguousarray(T[idx]), part)
            out[idx] = part
        return _result(out, False, index)

    def expected_purchases(self, t, frequency, recency, T):
        """Conditional expected number of repeat transactions of each customer in
        the next ``t`` time units (BG/BB: ``t`` more opportunities); ``t`` may
        be an array broadcast against the customers."""
        if isinstance(t, (float, int)):
            values = _columns_new(1, self._values or self._require_values(), float(t),
                                  frequency, recency, T)
            if values is not None:
                return np.frombuffer(values)
        if is_scalar(t):
            return self._per_customer_new(_ll.crvm_py_txn_expected_conditional_new, frequency,
                                          recency, T, float(t))
        return self._conditional(_ll.crvm_txn_expected_conditional, t, frequency, recency, T)

    def expected_purchases_new(self, t):
        """Expected number of repeat transactions of a new customer in (0, t]."""
        p = self._require()
        ts = as_float_array(t, "t")
        out = np.empty(len(ts))
        _ll.crvm_txn_expected_unconditional(p, ts, out)
        return _result(out, is_scalar(t))

    def predict(self, t, frequency, recency, T):
        """Alias of :meth:`expected_purchases` (lifetimes' ``predict``)."""
        return self.expected_purchases(t, frequency, recency, T)

    def probability_of_purchases(self, t, n):
        """P(X(t) = n): probability that a new customer makes exactly n repeat
        transactions in (0, t]; t and n broadcast against each other."""
        p = self._require()
        ts, ns = np.broadcast_arrays(as_float_array(t, "t"), as_float_array(n, "n"))
        ts = np.ascontiguousarray(ts, dtype=np.float64)
        ns = np.ascontiguousarray(ns, dtype=np.float64)
        out = np.empty(len(ts))
        _ll.crvm_txn_probability_of_n(p, ts, ns, out)
        return _result(out, is_scalar(t) and is_scalar(n))

    def log_likelihood_per_customer(self, frequency, recency, T):
        """Log-likelihood of each customer's summary at the current parameters."""
        return self._per_customer(_ll.crvm_txn_log_likelihood, frequency, recency, T)

    def conditional_probability_alive_matrix(self, max_frequency=None, max_recency=None):
        """P(alive) of a customer with x repeat purchases (rows, 0 ..
        max_frequency) and recency t_x (columns, 0 .. max_recency) at age
        T = max_recency (lifetimes' matrix, used by the P(alive) plot).
        Defaults from the fitting data. Cells with x > 0 and t_x = 0, or
        x = 0 and t_x > 0, are impossible and are NaN."""
        max_frequency, max_recency = self._matrix_extent(max_frequency, max_recency)
        return self._matrix(self.p_alive, max_frequency, max_recency)

    def _matrix_extent(self, max_frequency, max_recency):
        if max_frequency is None or max_recency is None:
            if self.data is None:
                raise ValueError("max_frequency and max_recency are needed (the model has no "
                                 "fitting data)")
            if max_frequency is None:
                max_frequency = int(self.data["frequency"].max())
            if max_recency is None:
                max_recency = int(np.ceil(self.data[self._age_name].max()))
        return int(max_frequency), int(max_recency)

    def _matrix(self, predict, max_frequency, max_recency):
        """predict(frequency, recency, T) on the grid x = 0 .. max_frequency,
        t_x = 0 .. max_recency, T = max_recency; a DataFrame, NaN where a
        cell is impossible."""
        x, r = np.meshgrid(np.arange(max_frequency + 1, dtype=np.float64),
                           np.arange(max_recency + 1, dtype=np.float64), indexing="ij")
        ok = (x == 0) == (r == 0)
        if self._age_name == "n_periods":
            ok &= x <= r
        out = np.full(x.shape, np.nan)
        T = np.full(int(ok.sum()), float(max_recency))
        out[ok] = predict(x[ok], r[ok], T)
        return pd.DataFrame(out, index=pd.RangeIndex(max_frequency + 1, name="frequency"),
                            columns=pd.RangeIndex(max_recency + 1, name="recency"))

    # lifetimes-compatible names
    def conditional_probability_alive(self, frequency, recency, T):
        """Alias of :meth:`p_alive` (lifetimes' name)."""
        return self.p_alive(frequency, recency, T)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """Alias of :meth:`expected_purchases` (lifetimes' name)."""
        return self.expected_purchases(t, frequency, recency, T)

    def expected_number_of_purchases_up_to_time(self, t):
        """Alias of :meth:`expected_purchases_new` (lifetimes' name)."""
        return self.expected_purchases_new(t)

    def probability_of_n_purchases_up_to_time(self, t, n):
        """Alias of :meth:`probability_of_purchases` (lifetimes' name)."""
        return self.probability_of_purchases(t, n)


class _ContinuousTimeModel(_TransactionModel):
    def fit(self, frequency, recency, T, weights=None, initial_params: dict | None = None,
            verbose: bool = False, tol: float | None = None, index=None,
            **kwargs: Any) -> "_ContinuousTimeModel":
        """Fit by maximum likelihood to one row per customer (pandas Series
        are aligned by index); ``weights`` counts customers per row. The
        lifetimes keywords ``initial_params``, ``tol`` and ``index`` work as
        there (``verbose`` and other lifetimes options are accepted and have
        no effect). Returns self; the columns are kept in ``data``.

        Warns :class:`ConvergenceWarning` if the optimiser stopped early, and
        :class:`StandardErrorWarning` if it converged to a point where the
        standard errors are undefined (e.g. nobody made a repeat purchase).

        Example::

            bgf = crvm.BetaGeo().fit(df["frequency"], df["recency"], df["T"])
            bgf.summary
        """
        return self._fit_columns(frequency, recency, T, weights, initial_params, tol, index)

    def discounted_expected_residual_transactions(self, discount_rate, frequency, recency, T):
        """DERT: expected future transactions of each customer, each discounted
        by exp(-discount_rate * time until it happens) (continuous rate per time
        unit). Closed form for Pareto/NBD (Fader, Hardie & Lee 2005, "RFM and
        CLV"); for BG/NBD and MBG/NBD a quadrature rule for the posterior
        death rate, checked against its exact moments (see crvm_txn_dert)."""
        return self._per_customer(_ll.crvm_txn_dert, frequency, recency, T, float(discount_rate))

    dert = discounted_expected_residual_transactions


class BetaGeo(_ContinuousTimeModel):
    """BG/NBD (Fader, Hardie & Lee 2005): parameters r, alpha (Gamma transaction
    rates), a, b (Beta dropout probability after each repeat transaction).

    Example::

        bgf = crvm.BetaGeo().fit(s["frequency"], s["recency"], s["T"])
        bgf.p_alive(s["frequency"], s["recency"], s["T"])   # Series by customer
    """

    _model = _ll.CRVM_TXN_BGNBD
    _param_names = ("r", "alpha", "a", "b")


class ModifiedBetaGeo(_ContinuousTimeModel):
    """MBG/NBD (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but a customer
    may also drop out right after the first purchase, so customers without
    repeat purchases are not certainly alive.

    Example::

        mbg = crvm.ModifiedBetaGeo().fit(s["frequency"], s["recency"], s["T"])
    """

    _model = _ll.CRVM_TXN_MBGNBD
    _param_names = ("r", "alpha", "a", "b")


class ParetoNBD(_ContinuousTimeModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): parameters r, alpha
    (Gamma transaction rates) and s, beta (Gamma dropout rates).

    Example::

        pnbd = crvm.ParetoNBD().fit(s["frequency"], s["recency"], s["T"])
        pnbd.dert(0.01, s["frequency"], s["recency"], s["T"])
    """

    _model = _ll.CRVM_TXN_PARETO_NBD
    _param_names = ("r", "alpha", "s", "beta")


class BetaGeoBetaBinom(_TransactionModel):
    """BG/BB (Fader, Hardie & Shang 2010) for discrete transaction
    opportunities: parameters alpha, beta (Beta transaction probability) and
    gamma, delta (Beta dropout probability per opportunity).

    Columns: ``frequency`` = opportunities with a transaction, ``recency`` =
    the opportunity of the last one (0 if none), ``n_periods`` = number of
    opportunities observed.

    Example::

        bgbb = crvm.BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["periods"],
                                           weights=d["weights"])
    """

    _model = _ll.CRVM_TXN_BGBB
    _param_names = ("alpha", "beta", "gamma", "delta")
    _age_name = "n_periods"

    def fit(self, frequency, recency, n_periods, weights=None, initial_params: dict | None = None,
            verbose: bool = False, tol: float | None = None, index=None,
            **kwargs: Any) -> "BetaGeoBetaBinom":
        """Fit by maximum likelihood; ``weights`` counts customers per row
        (lifetimes' donations data has one row per pattern). Keywords as in
        :meth:`BetaGeo.fit`. Returns self.

        Example::

            bgbb = crvm.BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["periods"],
                                               weights=d["weights"])
        """
        return self._fit_columns(frequency, recency, n_periods, weights, initial_params, tol, index)

    def p_alive(self, frequency, recency, n_periods):
        """P(alive at opportunity n_periods + 1) (FHS 2010 eq. 11)."""
        return self._per_customer(_ll.crvm_txn_p_alive, frequency, recency, n_periods)

    def expected_purchases(self, m_periods_in_future, frequency, recency, n_periods):
        """E[transactions in the next m opportunities | history] (FHS 2010 eq. 13)."""
        return self._conditional(_ll.crvm_txn_expected_conditional, m_periods_in_future,
                                 frequency, recency, n_periods)

    def conditional_probability_alive(self, m_periods_in_future, frequency, recency, n_periods):
        """P(alive at opportunity n_periods + m) -- lifetimes' signature.

        P(alive at n+m) = P(alive at n+1) * prod_{k=n+1}^{n+m-1} (delta+k)/(gamma+delta+k)."""
        m = int(m_periods_in_future)
        if m != m_periods_in_future or m < 0:
            raise ValueError(f"m_periods_in_future = {m_periods_in_future!r}: a whole number >= 0")
        (_, _, n), index, scalar = _columns(("frequency", "recency", "n_periods"),
                                            frequency, recency, n_periods)
        pa = np.atleast_1d(np.asarray(self.p_alive(frequency, recency, n_periods),
                                      dtype=np.float64))
        g, d = self.params["gamma"], self.params["delta"]
        if m == 0:
            pa = pa * (g + d + n) / (d + n)
        for j in range(1, m):
            k = n + j
            pa = pa * (d + k) / (g + d + k)
        return _result(pa, scalar, index)

    def conditional_expected_number_of_purchases_up_to_time(self, m_periods_in_future, frequency,
                                                            recency, n_periods):
        """Alias of :meth:`expected_purchases` (lifetimes' name)."""
        return self.expected_purchases(m_periods_in_future, frequency, recency, n_periods)

    def discounted_expected_residual_transactions(self, discount_rate, frequency, recency,
                                                  n_periods):
        """DERT: future transactions discounted by (1 + d) per opportunity (FHS 2010 eq. 14)."""
        return self._per_customer(_ll.crvm_txn_dert, frequency, recency, n_periods,
                                  float(discount_rate))

    dert = discounted_expected_residual_transactions
