"""Cox proportional hazards: :class:`CoxPH` (crvm's names and lifelines'
``CoxPHFitter`` forms) and :class:`CoxTimeVarying`, with the diagnostics of
the proportional-hazards assumption (scaled Schoenfeld residuals and a test
per covariate, as lifelines' ``check_assumptions``).

All numerical work happens in the C library (``crvm/survival.h``); this
module converts arguments, keeps covariate and stratum names, and returns
pandas objects keyed like the input.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import lowlevel as _ll
from ._arrays import as_float_array, as_matrix
from ._columns import number_column
from ._persist import Persistent
from .errors import Error, NotFittedError
from .survival import LikelihoodRatioTest, _confidence_level, _events

__all__ = ["CoxPH", "CoxTimeVarying"]


_COVARIATE = re.compile(r"covariate (\d+)")

_STATS = {
    "coef": _ll.CRVM_COX_COEF,
    "se": _ll.CRVM_COX_SE,
    "se_model": _ll.CRVM_COX_SE_MODEL,
    "z": _ll.CRVM_COX_Z,
    "p": _ll.CRVM_COX_P_VALUE,
    "lower": _ll.CRVM_COX_CI_LOWER,
    "upper": _ll.CRVM_COX_CI_UPPER,
    "hr": _ll.CRVM_COX_HAZARD_RATIO,
    "mean": _ll.CRVM_COX_MEAN,
}


class CoxPH(Persistent):
    """Cox proportional hazards model fitted by Newton–Raphson on the partial
    likelihood (Efron or Breslow ties), with optional weights, strata, robust
    (Lin–Wei sandwich) standard errors and an L2 ``penalizer`` on the
    coefficients of the standardised covariates, scaled as lifelines' (the
    penalty is 0.5 * penalizer * n_rows * ||beta_std||^2, i.e. ``penalizer``
    per row of data).

    Covariates are centred at their means: the baseline refers to a subject at
    the means, and :meth:`predict_partial_hazard` returns exp(beta'(x - mean)),
    as lifelines does.

    Two call forms of :meth:`fit`: crvm's ``fit(X, durations, events)`` and
    lifelines' ``fit(df, duration_col, event_col)``. lifelines' fitted
    attributes (``params_``, ``summary``, ``print_summary()``,
    ``baseline_cumulative_hazard_``, ``predict_survival_function`` ...) are
    there beside crvm's.

    Example::

        cph = crvm.CoxPH().fit(rossi, "week", "arrest")
        cph.print_summary()
        cph.predict_survival_function(rossi.head(3))
        cph.check_assumptions(rossi)
    """

    _kind = "cox"
    _not_saved = ("train",)

    def __init__(self, ties: str = "efron", alpha: float = 0.05, penalizer: float = 0.0,
                 max_iterations: int = 50, tolerance: float = 1e-9, strata=None, **kwargs):
        if ties not in ("efron", "breslow"):
            raise ValueError(f"ties = {ties!r}: expected 'efron' or 'breslow'")
        unsupported = {k: v for k, v in kwargs.items()
                       if not (k == "l1_ratio" and v == 0.0)
                       and not (k == "baseline_estimation_method" and v == "breslow")}
        if unsupported:
            raise TypeError(f"CoxPH: {sorted(unsupported)} not supported (crvm fits the Breslow "
                            "baseline with an L2 penalty)")
        self.ties = ties
        self.alpha = alpha
        self.penalizer = penalizer
        self.max_iterations = max_iterations
        self.tolerance = tolerance
        self._cox = None
        self._summary = None
        self.fit_report = None
        self.duration_col = self.event_col = self.weights_col = None
        self.strata = None
        self._init_strata = strata  # lifelines' CoxPHFitter(strata=...)
        self._strata_labels = None
        self._train = None

    # -- persistence (crvm._persist) ------------------------------------------
    _SETTINGS = ("ties", "alpha", "penalizer", "max_iterations", "tolerance")
    _FITTED = ("robust", "covariates", "_named", "_strata_labels", "duration_col", "event_col",
               "weights_col", "strata", "_timeline")

    def _c_model(self):
        return self._cox

    def _plain_state(self) -> dict:
        state = {k: getattr(self, k) for k in self._SETTINGS}
        if self._cox is not None:
            state.update({k: getattr(self, k) for k in self._FITTED})
            r = self.fit_report
            state["fit_report"] = None if r is None else {
                f: getattr(r, f) for f in ("log_likelihood", "aic", "bic", "gradient_norm",
                                           "n_observations", "iterations", "converged",
                                           "n_parameters")}
            state["train"] = self._train
        return state

    def _adopt_state(self, handle, state: dict) -> None:
        CoxPH.__init__(self, **{k: state[k] for k in self._SETTINGS if k in state})
        if handle is None:
            return
        p = _ll.crvm_cox_n_covariates(handle)
        self.covariates = list(state.get("covariates") or [f"x{j}" for j in range(p)])
        for k in self._FITTED:
            if k in state and k != "covariates":
                setattr(self, k, state[k])
        if self._strata_labels is not None:
            self._strata_labels = list(self._strata_labels)
        if getattr(self, "_timeline", None) is not None:
            self._timeline = np.asarray(self._timeline, dtype=np.float64)
        report = _ll.crvm_fit_report()
        for f, v in (state.get("fit_report") or {}).items():
            setattr(report, f, v)
        self._train = state.get("train")
        robust = state.get("robust")
        if robust is None:  # saved from C: robust iff it has the robust covariance
            try:
                _ll.crvm_cox_covariance(handle, 1, np.empty(p * p))
                robust = True
            except Error:
                robust = False
        self._adopt(handle, report, list(self.covariates), bool(state.get("_named", False)),
                    bool(robust))

    # -- fitting ---------------------------------------------------------
    def _names_and_matrix(self, X):
        if isinstance(X, pd.DataFrame):
            try:
                values = X.to_numpy(dtype=np.float64)
            except (TypeError, ValueError):
                for c in X.columns:
                    number_column(X[c], str(c))  # raises naming the column and row
                raise
            return [str(c) for c in X.columns], as_matrix(values, "X")
        m = as_matrix(X, "X")
        return [f"x{j}" for j in range(m.shape[1])], m

    def fit(self, X, durations=None, events=None, weights=None, strata=None,
            robust: bool = False, *, duration_col: str | None = None,
            event_col: str | None = None, weights_col: str | None = None,
            show_progress: bool = False, **kwargs) -> "CoxPH":
        """Fit to covariates ``X`` (DataFrame, names kept, or 2-D array),
        ``durations``, ``events`` (None = all observed), optional frequency
        ``weights`` and ``strata`` labels (one baseline per stratum). Returns self.

        lifelines' form: ``fit(df, duration_col, event_col=None, strata=None,
        weights_col=None, robust=False)`` where every other column of ``df``
        is a covariate and ``strata`` names stratum column(s).

        Raises :class:`crvm.DomainError` for a constant or collinear covariate
        or no events, :class:`crvm.ConvergenceError` for a diverging
        coefficient (separation); the message names the covariate, and the
        exception's ``fit_report`` holds the last iterate's log-likelihood.

        Example::

            cph = crvm.CoxPH().fit(rossi, duration_col="week", event_col="arrest")
            cph = crvm.CoxPH().fit(X, weeks, arrests)          # arrays
        """
        unsupported = {k: v for k, v in kwargs.items() if v is not None
                       and not (k == "batch_mode")}
        if unsupported:
            raise TypeError(f"CoxPH.fit: {sorted(unsupported)} not supported")
        if strata is None:
            strata = getattr(self, "_init_strata", None)
        if isinstance(durations, str) or duration_col is not None:
            return self._fit_frame(X, duration_col or durations,
                                   event_col if event_col is not None else events,
                                   weights_col if weights_col is not None else weights,
                                   strata, robust)
        if durations is None:
            raise TypeError("CoxPH.fit: give durations (crvm's form) or duration_col "
                            "(lifelines' form fit(df, 'T', 'E'))")
        names, x = self._names_and_matrix(X)
        t = as_float_array(durations, "durations")
        e = _events(events, len(t))
        w = as_float_array(weights, "weights", allow_none=True)
        s = self._strata_codes(strata)
        self.duration_col = self.event_col = self.weights_col = None
        self.strata = None
        return self._fit_arrays(names, isinstance(X, pd.DataFrame), x, t, e, w, s, robust,
                                X.index if isinstance(X, pd.DataFrame) else None)

    def _fit_frame(self, df, duration_col, event_col, weights_col, strata, robust):
        if not isinstance(df, pd.DataFrame):
            raise TypeError("CoxPH.fit(df, duration_col, ...): df must be a DataFrame")
        strata_cols = [] if strata is None else ([strata] if isinstance(strata, str)
                                                 else list(strata))
        special = [c for c in (duration_col, event_col, weights_col) if c is not None]
        missing = [c for c in special + strata_cols if c not in df.columns]
        if missing:
            raise KeyError(f"column(s) {missing} not in the DataFrame")
        covariates = [c for c in df.columns if c not in set(special) | set(strata_cols)]
        if not covariates:
            raise ValueError("df has no covariate columns")
        names, x = self._names_and_matrix(df[covariates])
        t = number_column(df[duration_col], duration_col)
        e = _events(None if event_col is None else df[event_col].to_numpy(), len(t), event_col
                    or "events")
        w = None if weights_col is None else number_column(df[weights_col], weights_col)
        labels = None
        if strata_cols:
            labels = (df[strata_cols[0]].to_numpy() if len(strata_cols) == 1
                      else pd.MultiIndex.from_frame(df[strata_cols]).to_numpy())
        s = self._strata_codes(labels)
        self.duration_col, self.event_col, self.weights_col = duration_col, event_col, weights_col
        self.strata = strata_cols or None
        return self._fit_arrays(names, True, x, t, e, w, s, robust, df.index)

    def _fit_arrays(self, names, named, x, t, e, w, s, robust, index):
        opts = self._options(robust, float(self.penalizer) * x.shape[0])
        self._fit_with(
            names, named, robust,
            lambda report: _ll.crvm_cox_fit(x, x.shape[0], x.shape[1], t, e, w, s, opts, report))
        self._timeline = None  # np.unique of the durations when first asked for
        self._train = {"x": x, "durations": t, "events": e, "weights": w, "strata": s,
                       "index": index}
        return self

    def _strata_codes(self, strata):
        """int32 codes of the stratum labels (None: unstratified); keeps the labels."""
        if strata is None:
            self._strata_labels = None
            return None
        codes, labels = pd.factorize(np.asarray(strata), sort=True)
        if (codes < 0).any():
            raise ValueError("strata: missing values are not allowed")
        self._strata_labels = list(labels)
        return codes.astype(np.int32)

    def _options(self, robust, penalizer):
        opts = _ll.crvm_cox_options()
        _ll.crvm_cox_options_init(opts)
        opts.ties = _ll.CRVM_TIES_EFRON if self.ties == "efron" else _ll.CRVM_TIES_BRESLOW
        opts.robust = 1 if robust else 0
        opts.max_iterations = int(self.max_iterations)
        opts.tolerance = float(self.tolerance)
        if not self.penalizer >= 0:
            raise ValueError(f"penalizer = {self.penalizer!r}: must be >= 0")
        opts.penalizer = penalizer
        opts.confidence_level = _confidence_level(self.alpha)
        return opts

    def _fit_with(self, names, named, robust, call):
        """Run ``call(report)`` (a low-level fit returning the handle) and keep
        its results; errors name the covariate and carry the fit report."""
        report = _ll.crvm_fit_report()
        try:
            cox = call(report)
        except Error as exc:
            msg = _COVARIATE.sub(
                lambda m: f"covariate {names[int(m.group(1))]!r} (column {m.group(1)})"
                if int(m.group(1)) < len(names) else m.group(0), str(exc))
            err = type(exc)(msg)
            err.fit_report = report
            raise err from None
        return self._adopt(cox, report, names, named, robust)

    def _adopt(self, cox, report, names, named, robust):
        """Keep a fitted handle and read its per-covariate statistics."""
        self._cox = cox
        self.fit_report = report
        self.robust = bool(robust)
        self.covariates = names
        self._named = named
        self._stats = {}  # per-covariate values, each read on first use
        self._cov_index = None  # pd.Index of the covariates, built on first use
        self._summary = None  # read on first use: it includes the concordance
        return self

    def _series(self, key: str, name: str | None = None) -> pd.Series:
        """One per-covariate statistic (crvm_cox_statistic) as a new Series
        named ``name`` (default ``key``). The values are read once and kept,
        and the covariates' Index is built once: a Series from a list of
        names and a rename cost more than a small fit does."""
        values = self._stats.get(key)
        if values is None:
            values = np.empty(len(self.covariates))
            _ll.crvm_cox_statistic(self._require(), _STATS[key], values)
            self._stats[key] = values
        if self._cov_index is None:
            self._cov_index = pd.Index(self.covariates)
        return pd.Series(values.copy(), index=self._cov_index, name=key if name is None else name,
                         copy=False)

    @property
    def _summary_stats(self):
        """The model-level results (crvm_cox_summary), read once: the first
        read computes the concordance index, O(n log n), which a fit alone
        does not need."""
        if self._summary is None:
            summ = _ll.crvm_cox_summary_stats()
            _ll.crvm_cox_summary(self._require(), summ)
            self._summary = summ
        return self._summary

    def _require(self):
        if self._cox is None:
            raise NotFittedError("CoxPH: call fit() first")
        return self._cox

    def __repr__(self) -> str:
        name = type(self).__name__
        if self._cox is None:
            return f"<crvm.{name}: not fitted>"
        s = self._summary_stats
        return (f"<crvm.{name}: fitted with {s.n_observations:g} total observations, "
                f"{s.n_observations - s.n_events:g} right-censored observations>")

    # -- fitted attributes ------------------------------------------------
    def _stat(self, key: str, name: str) -> pd.Series:
        """One column of the per-covariate statistics, renamed as lifelines names it."""
        self._require()
        return self._series(key, name)

    @property
    def coefficients(self) -> pd.Series:
        """Log hazard ratios per unit of each covariate."""
        return self._stat("coef", "coef")

    params_ = coefficients

    @property
    def standard_errors(self) -> pd.Series:
        """Standard errors used for inference (robust if fitted with robust=True)."""
        return self._stat("se", "se(coef)")

    @property
    def hazard_ratios(self) -> pd.Series:
        return self._stat("hr", "exp(coef)")

    @property
    def p_values(self) -> pd.Series:
        return self._stat("p", "p")

    @property
    def z_scores(self) -> pd.Series:
        return self._stat("z", "z")

    @property
    def confidence_intervals(self) -> pd.DataFrame:
        """Normal-theory limits of the coefficients at level 1 - alpha."""
        self._require()
        return pd.DataFrame({"lower": self._series("lower"), "upper": self._series("upper")})

    @property
    def means(self) -> pd.Series:
        """Covariate means at which the baseline is defined."""
        return self._stat("mean", "mean")

    @property
    def variance_matrix(self) -> pd.DataFrame:
        """Covariance of the coefficients (robust if fitted with robust=True)."""
        cox = self._require()
        p = len(self.covariates)
        out = np.empty(p * p)
        _ll.crvm_cox_covariance(cox, 1 if self.robust else 0, out)
        return pd.DataFrame(out.reshape(p, p), index=self.covariates, columns=self.covariates)

    @property
    def log_likelihood(self) -> float:
        """Log partial likelihood at the estimate."""
        self._require()
        return float(self._summary_stats.log_likelihood)

    @property
    def log_likelihood_null(self) -> float:
        self._require()
        return float(self._summary_stats.log_likelihood_null)

    @property
    def concordance(self) -> float:
        """Harrell's C of the fitted risk score on the training data (computed
        on first request, then cached by the model)."""
        return float(_ll.crvm_cox_concordance(self._require()))

    def log_likelihood_ratio_test(self) -> "LikelihoodRatioTest":
        """Likelihood-ratio test of all coefficients = 0 (statistic, dof, p_value)."""
        self._require()
        s = self._summary_stats
        return LikelihoodRatioTest(float(s.lr_statistic), int(s.lr_dof), float(s.lr_p_value))

    @property
    def n_events(self) -> float:
        """(Weighted) number of events used in the fit."""
        self._require()
        return float(self._summary_stats.n_events)

    @property
    def summary(self) -> pd.DataFrame:
        """Per-covariate table with lifelines' column names."""
        self._require()
        st = {key: self._series(key) for key in _STATS}
        level = int(round(100 * (1 - self.alpha)))
        return pd.DataFrame({
            "coef": st["coef"],
            "exp(coef)": st["hr"],
            "se(coef)": st["se"],
            f"coef lower {level}%": st["lower"],
            f"coef upper {level}%": st["upper"],
            f"exp(coef) lower {level}%": np.exp(st["lower"]),
            f"exp(coef) upper {level}%": np.exp(st["upper"]),
            "z": st["z"],
            "p": st["p"],
        })

    def _stratum_codes(self):
        """The fitted model's stratum codes, ascending (a single 0 unstratified)."""
        out = np.empty(self._summary_stats.n_strata, dtype=np.int32)
        _ll.crvm_cox_strata(self._require(), out)
        return [int(c) for c in out]

    @property
    def baseline_cumulative_hazard(self) -> pd.DataFrame:
        """Breslow baseline cumulative hazard at each stratum's distinct event
        times, for a subject at the covariate means: columns (stratum,) time,
        cumulative_hazard."""
        cox = self._require()
        frames = []
        for code in self._stratum_codes():
            n = _ll.crvm_cox_baseline_size(cox, code)
            times, haz = np.empty(n), np.empty(n)
            _ll.crvm_cox_baseline(cox, code, times, haz)
            df = pd.DataFrame({"time": times, "cumulative_hazard": haz})
            if self._strata_labels is not None:
                df.insert(0, "stratum", self._strata_labels[code])
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    # -- prediction -------------------------------------------------------
    def _new_x(self, X):
        """New covariate rows: a DataFrame is matched to the fitted covariates
        by name when the model was fitted on a DataFrame; a 1-D array of p
        values is one row."""
        p = len(self.covariates)
        if isinstance(X, pd.Series) and self._named:
            X = X.to_frame().T
        if isinstance(X, pd.DataFrame):
            if self._named:
                missing = [c for c in self.covariates if c not in X.columns]
                if missing:
                    raise ValueError(f"X: missing covariate column(s) {missing}")
                X = X[self.covariates]
            _, x = self._names_and_matrix(X)
        else:
            arr = np.asarray(X, dtype=np.float64)
            x = as_matrix(arr.reshape(1, -1) if arr.ndim == 1 and p > 1 else arr, "X")
        if x.shape[1] != p:
            raise ValueError(f"X: expected {p} covariate columns, got {x.shape[1]}")
        return x

    def _row_strata(self, X, strata, n):
        """The stratum code of each new row: from ``strata`` labels, or from
        the stratum column(s) of a DataFrame when fitted with lifelines' form."""
        if self._strata_labels is None:
            return None
        if strata is None and isinstance(X, pd.DataFrame) and self.strata:
            cols = [c for c in self.strata if c not in X.columns]
            if cols:
                raise ValueError(f"X: missing the stratum column(s) {cols}")
            strata = (X[self.strata[0]].to_numpy() if len(self.strata) == 1
                      else pd.MultiIndex.from_frame(X[self.strata]).to_numpy())
        if strata is None:
            raise ValueError("strata: the model is stratified; give each row's stratum")
        labels = np.asarray(strata, dtype=object)
        if labels.ndim == 0:
            labels = np.repeat(labels, n)
        index = {lab: i for i, lab in enumerate(self._strata_labels)}
        try:
            return np.array([index[lab] for lab in labels.tolist()], dtype=np.int32)
        except KeyError as exc:
            raise ValueError(f"strata: {exc.args[0]!r} is not a fitted stratum") from None

    def predict_partial_hazard(self, X):
        """exp(beta'(x - mean)) for each row of X: a Series on X's index for a
        DataFrame, else an array.

        Example::

            cph.predict_partial_hazard(rossi.head())
        """
        cox = self._require()
        x = self._new_x(X)
        out = np.empty(x.shape[0])
        _ll.crvm_cox_predict_partial_hazard(cox, x, x.shape[0], x.shape[1], out)
        return _keyed_rows(out, X)

    def predict_log_partial_hazard(self, X):
        """beta'(x - mean) for each row of X (keyed as :meth:`predict_partial_hazard`)."""
        return np.log(self.predict_partial_hazard(X))

    def _survival_matrix(self, X, times, strata=None) -> np.ndarray:
        cox = self._require()
        x = self._new_x(X)
        tt = as_float_array(times, "times")
        s = self._row_strata(X, strata, x.shape[0])
        out = np.empty(x.shape[0] * len(tt))
        _ll.crvm_cox_predict_survival(cox, x, x.shape[0], x.shape[1], s, tt, out)
        return out.reshape(x.shape[0], len(tt))

    def predict_survival(self, X, times, strata=None):
        """Survival probabilities, (rows of X) x (times): a DataFrame indexed
        by X's index with one column per time for a DataFrame, else an
        array. The baseline is the Breslow step function, so values between
        event times are those of the last event time. ``strata`` gives each
        row's stratum label when the model is stratified (with lifelines'
        form, the stratum columns of X are used).

        Example::

            cph.predict_survival(customers, [30, 90, 365])
        """
        out = self._survival_matrix(X, times, strata)
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(out, index=X.index, columns=as_float_array(times, "times"))
        return out

    def predict_survival_at(self, X, horizon: float, strata=None):
        """Probability that each row survives beyond ``horizon`` (keyed by X's index)."""
        return _keyed_rows(self._survival_matrix(X, [float(horizon)], strata)[:, 0], X)

    # -- lifelines' names ----------------------------------------------------
    # (params_ is defined with coefficients above)
    standard_errors_ = standard_errors
    hazard_ratios_ = hazard_ratios
    variance_matrix_ = variance_matrix

    @property
    def confidence_intervals_(self) -> pd.DataFrame:
        """Coefficient limits with lifelines' column names ("95% lower-bound" ...)."""
        level = int(round(100 * (1 - self.alpha)))
        ci = self.confidence_intervals
        return pd.DataFrame({f"{level}% lower-bound": ci["lower"],
                             f"{level}% upper-bound": ci["upper"]})

    log_likelihood_ = log_likelihood
    concordance_index_ = concordance

    @property
    def AIC_partial_(self) -> float:  # noqa: N802 - lifelines' name
        """-2 log partial likelihood + 2 p."""
        return -2.0 * self.log_likelihood + 2.0 * len(self.covariates)

    @property
    def durations(self) -> pd.Series:
        """The training durations (lifelines' attribute)."""
        return self._train_series("durations", self.duration_col)

    @property
    def event_observed(self) -> pd.Series:
        return self._train_series("events", self.event_col)

    def _train_series(self, key, name):
        if self._train is None:
            raise NotFittedError("CoxPH: the training data are not kept by save(); fit the "
                                 "model or unpickle it")
        return pd.Series(self._train[key], index=self._train["index"], name=name)

    @property
    def timeline(self) -> np.ndarray:
        """The distinct training durations (lifelines' default prediction times)."""
        self._require()
        if getattr(self, "_timeline", None) is None:
            if self._train is not None:
                self._timeline = np.unique(self._train["durations"])
            else:
                return np.unique(self.baseline_cumulative_hazard["time"].to_numpy())
        return self._timeline

    def _baseline_on_timeline(self, what):
        """Breslow baseline cumulative hazard (or survival) on the timeline, a
        column per stratum label when stratified (lifelines' layout)."""
        tl = self.timeline
        base = self.baseline_cumulative_hazard
        cols = {}
        groups = [(None, base)] if self._strata_labels is None else list(base.groupby("stratum",
                                                                                 sort=False))
        for label, b in groups:
            k = np.searchsorted(b["time"].to_numpy(), tl, side="right")
            h = np.concatenate(([0.0], b["cumulative_hazard"].to_numpy()))[k]
            cols[label if label is not None else f"baseline {what}"] = (
                h if what == "cumulative hazard" else np.exp(-h))
        return pd.DataFrame(cols, index=pd.Index(tl))

    @property
    def baseline_cumulative_hazard_(self) -> pd.DataFrame:
        """H0 on the timeline, lifelines' layout (column "baseline cumulative hazard")."""
        return self._baseline_on_timeline("cumulative hazard")

    @property
    def baseline_survival_(self) -> pd.DataFrame:
        """exp(-H0) on the timeline, lifelines' layout (column "baseline survival")."""
        return self._baseline_on_timeline("survival")

    @property
    def baseline_hazard_(self) -> pd.DataFrame:
        """The increments of H0 on the timeline (lifelines' "baseline hazard")."""
        h = self.baseline_cumulative_hazard_
        d = h.diff()
        d.iloc[0] = h.iloc[0]
        return d.rename(columns=lambda c: "baseline hazard" if c == "baseline cumulative "
                        "hazard" else c)

    def predict_survival_function(self, X, times=None, conditional_after=None):
        """S(t | x) as lifelines returns it: a DataFrame indexed by the times
        (default: the training timeline) with one column per row of X (X's
        index for a DataFrame).

        Example::

            cph.predict_survival_function(rossi.iloc[:3]).plot()
        """
        if conditional_after is not None:
            raise TypeError("predict_survival_function: conditional_after is not supported")
        tt = self.timeline if times is None else as_float_array(times, "times")
        out = self._survival_matrix(X, tt)
        columns = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(out.shape[0])
        return pd.DataFrame(out.T, index=pd.Index(tt), columns=columns)

    def predict_cumulative_hazard(self, X, times=None, conditional_after=None):
        """-log S(t | x), laid out as :meth:`predict_survival_function`."""
        return -np.log(self.predict_survival_function(X, times, conditional_after))

    def predict_percentile(self, X, p: float = 0.5, conditional_after=None):
        """The first timeline time at which S(t | x) <= p, per row of X (inf
        if the curve stays above; lifelines' ``predict_percentile``)."""
        sf = self.predict_survival_function(X, conditional_after=conditional_after)
        below = sf.to_numpy() <= p
        t = sf.index.to_numpy()
        out = np.where(below.any(axis=0), t[np.argmax(below, axis=0)], np.inf)
        return pd.Series(out, index=sf.columns, name=p)

    def predict_median(self, X, conditional_after=None):
        """Median survival time per row of X (lifelines' ``predict_median``)."""
        return self.predict_percentile(X, 0.5, conditional_after)

    def predict_expectation(self, X, conditional_after=None):
        """lifelines' ``predict_expectation``: the trapezoidal integral of
        S(t | x) over the training timeline (a restricted mean up to the last
        training time; computed as lifelines does, so the numbers compare)."""
        sf = self.predict_survival_function(X, conditional_after=conditional_after)
        t = sf.index.to_numpy()
        v = sf.to_numpy()
        area = ((v[1:] + v[:-1]) * np.diff(t)[:, None]).sum(axis=0) / 2.0
        return pd.Series(area, index=sf.columns)

    def print_summary(self, decimals: int = 2, style=None, columns=None, **kwargs) -> None:
        """Print the model, its data and the coefficient table (lifelines'
        ``print_summary``; ``style`` other than plain text is not supported).

        Example::

            crvm.CoxPH().fit(rossi, "week", "arrest").print_summary()
        """
        self._require()
        s = self._summary_stats
        rows = [("model", "crvm.CoxPH")]
        if self.duration_col is not None:
            rows.append(("duration col", f"'{self.duration_col}'"))
        if self.event_col is not None:
            rows.append(("event col", f"'{self.event_col}'"))
        if self.weights_col is not None:
            rows.append(("weights col", f"'{self.weights_col}'"))
        if self.penalizer:
            rows.append(("penalizer", self.penalizer))
        if self.robust:
            rows.append(("robust variance", True))
        if self.strata:
            rows.append(("strata", self.strata))
        rows += [("baseline estimation", "breslow"), ("ties", self.ties),
                 ("number of observations", f"{s.n_observations:g}"),
                 ("number of events observed", f"{s.n_events:g}"),
                 ("partial log-likelihood", f"{s.log_likelihood:.{decimals}f}")]
        rows.extend((k, v) for k, v in kwargs.items())
        width = max(len(k) for k, _ in rows)
        for k, v in rows:
            print(f"{k:>{width}} = {v}")
        print()
        table = self.summary if columns is None else self.summary[columns]
        print(table.to_string(float_format=lambda v: f"{v:.{decimals}f}"))
        lr = self.log_likelihood_ratio_test()
        print()
        print(f"Concordance = {self.concordance:.{decimals}f}")
        print(f"Partial AIC = {self.AIC_partial_:.{decimals}f}")
        print(f"log-likelihood ratio test = {lr.statistic:.{decimals}f} on {lr.dof} df")
        print(f"-log2(p) of ll-ratio test = {-np.log2(lr.p_value):.{decimals}f}")

    def plot(self, columns=None, hazard_ratios: bool = False, ax=None, **kwargs):
        """Coefficients with their confidence intervals (see
        :func:`crvm.plotting.plot_coefficients`); returns the Axes."""
        from .plotting import plot_coefficients  # noqa: PLC0415 - matplotlib is optional

        return plot_coefficients(self, columns=columns, hazard_ratios=hazard_ratios, ax=ax,
                                 **kwargs)

    # -- diagnostics -----------------------------------------------------------
    def _diagnostic_data(self, training_df):
        """x, durations, events, weights, stratum codes and index of the
        training data: from ``training_df`` (lifelines' form) or as kept."""
        if training_df is None:
            if self._train is None:
                raise ValueError("the training data are needed (they are not kept by save())")
            t = self._train
            return t["x"], t["durations"], t["events"], t["weights"], t["strata"], t["index"]
        if self.duration_col is None:
            raise ValueError("training_df needs a model fitted with lifelines' form "
                             "fit(df, duration_col, event_col); call check_assumptions() "
                             "without data for one fitted on arrays")
        df = training_df
        x = self._new_x(df)
        t = number_column(df[self.duration_col], self.duration_col)
        e = _events(None if self.event_col is None else df[self.event_col].to_numpy(), len(t))
        w = None if self.weights_col is None else number_column(df[self.weights_col],
                                                                self.weights_col)
        return x, t, e, w, self._row_strata(df, None, len(t)), df.index

    def compute_residuals(self, training_dataframe=None, kind: str = "scaled_schoenfeld"):
        """Schoenfeld residuals of the event rows (kind "schoenfeld" or
        "scaled_schoenfeld", lifelines' names): a DataFrame indexed by the
        training rows, one column per covariate. Scaled residuals are
        d * r * V (without adding beta, as lifelines).

        Example::

            cph.compute_residuals(rossi, "scaled_schoenfeld")
        """
        if kind not in ("schoenfeld", "scaled_schoenfeld"):
            raise ValueError(f"kind = {kind!r}: 'schoenfeld' or 'scaled_schoenfeld' (the other "
                             "lifelines residuals are not provided)")
        x, t, e, w, s, index = self._diagnostic_data(training_dataframe)
        out = np.empty(x.size)
        _ll.crvm_cox_schoenfeld_residuals(self._require(), x, x.shape[0], x.shape[1], t, e, w, s,
                                          1 if kind == "scaled_schoenfeld" else 0, out)
        idx = pd.RangeIndex(len(t)) if index is None else index
        res = pd.DataFrame(out.reshape(x.shape), index=idx, columns=self.covariates)
        order = np.lexsort((np.arange(len(t)), t, s if s is not None else np.zeros(len(t))))
        return res.iloc[order][e[order] == 1]

    def proportional_hazard_test(self, training_df=None, time_transform="rank") -> pd.DataFrame:
        """Test of proportional hazards per covariate (Grambsch & Therneau;
        lifelines' ``proportional_hazard_test``): a DataFrame with
        test_statistic, p and -log2(p), indexed by covariate, or by
        (covariate, transform) for a list of transforms ("rank", "km",
        "identity", "log").

        Example::

            cph.proportional_hazard_test(rossi, time_transform=["rank", "km"])
        """
        x, t, e, w, s, _ = self._diagnostic_data(training_df)
        transforms = [time_transform] if isinstance(time_transform, str) else list(time_transform)
        frames = []
        for name in transforms:
            if name not in _PH_TIME:
                raise ValueError(f"time_transform = {name!r}: one of {sorted(_PH_TIME)}")
            stat, p = np.empty(x.shape[1]), np.empty(x.shape[1])
            _ll.crvm_cox_ph_test(self._require(), x, x.shape[0], x.shape[1], t, e, w, s,
                                 _PH_TIME[name], stat, p)
            index = (pd.Index(self.covariates, name="covariate") if isinstance(time_transform, str)
                     else pd.MultiIndex.from_product([self.covariates, [name]],
                                                     names=["covariate", "transform"]))
            frames.append(pd.DataFrame({"test_statistic": stat, "p": p,
                                        "-log2(p)": -np.log2(np.maximum(p, 1e-300))},
                                       index=index))
        out = pd.concat(frames)
        return out.sort_index() if not isinstance(time_transform, str) else out

    def check_assumptions(self, training_df=None, advice: bool = True, show_plots: bool = False,
                          p_value_threshold: float = 0.01, columns=None, **kwargs) -> list:
        """Check the proportional-hazards assumption as lifelines does: the
        test on the rank and Kaplan–Meier time scales for every covariate;
        those with p < ``p_value_threshold`` are reported (printed with
        advice when ``advice``). Returns the names of the covariates that
        fail. ``show_plots`` draws the scaled residuals against rank time
        (needs matplotlib).

        Example::

            cph.check_assumptions(rossi, p_value_threshold=0.05)
        """
        tests = self.proportional_hazard_test(training_df, ["rank", "km"])
        names = [c for c in self.covariates if columns is None or c in columns]
        failing = [c for c in names if tests.loc[c, "p"].min() < p_value_threshold]
        if advice:
            if not failing:
                print("Proportional hazard assumption looks okay.")
            for c in failing:
                print(f"The {c!r} variable failed the non-proportional test: p-value is "
                      f"{tests.loc[c, 'p'].min():.4f}.")
                print(f"   Advice: the effect of {c!r} changes with time. Stratify on it if it "
                      "is categorical (strata=...), or add its interaction with time "
                      "(CoxTimeVarying), or bin it.")
        if show_plots:
            from .plotting import plot_schoenfeld  # noqa: PLC0415 - matplotlib is optional

            plot_schoenfeld(self, training_df, columns=names)
        return failing


_PH_TIME = {"rank": _ll.CRVM_PH_TIME_RANK, "km": _ll.CRVM_PH_TIME_KM,
            "identity": _ll.CRVM_PH_TIME_IDENTITY, "log": _ll.CRVM_PH_TIME_LOG}


def _keyed_rows(out, X):
    """A Series on X's index for a DataFrame (or Series) of rows, else the array."""
    if isinstance(X, pd.DataFrame):
        return pd.Series(out, index=X.index)
    return out


class CoxTimeVarying(CoxPH):
    """Cox proportional hazards with time-varying covariates, fitted to a
    long-format DataFrame in counting-process form: one row per subject and
    interval (start, stop] over which its covariates are constant, the event
    flag saying whether the subject's event happened at ``stop``. A row is at
    risk at an event time t iff start < t <= stop, which also handles late
    entry (left truncation). The model and its names follow lifelines'
    ``CoxTimeVaryingFitter``; the estimator is the one of :class:`CoxPH`
    (crvm_cox_fit_intervals), so every fitted attribute of CoxPH is here too.

    ``penalizer`` is scaled as in :class:`CoxPH` and lifelines'
    CoxTimeVaryingFitter: 0.5 * penalizer * n_rows * ||beta_std||^2, with
    n_rows the rows (intervals) of ``df``. Robust standard errors (which need clustering by subject) are not
    available. The concordance is computed over rows with ``stop`` as the
    duration (lifelines reports none for this model).

    Example::

        ctv = crvm.CoxTimeVarying().fit(long_df, id_col="id", event_col="churned",
                                        start_col="start", stop_col="stop")
        ctv.summary
    """

    _FITTED = CoxPH._FITTED + ("id_col", "start_col", "stop_col")

    def fit(self, df, id_col=None, event_col="event", start_col="start", stop_col="stop",
            strata=None, weights_col=None) -> "CoxTimeVarying":
        """Fit to ``df``: every column other than ``id_col``, ``event_col``,
        ``start_col``, ``stop_col``, ``weights_col`` and the ``strata``
        column(s) is a covariate. ``id_col`` (optional) only names the
        subject and is excluded from the covariates; the partial likelihood
        needs no subject ids. ``strata``: a column name or list of names, one
        baseline per distinct combination. Returns self."""
        if not isinstance(df, pd.DataFrame):
            raise TypeError("df must be a pandas DataFrame")
        strata_cols = [] if strata is None else ([strata] if isinstance(strata, str)
                                                 else list(strata))
        special = [c for c in [id_col, event_col, start_col, stop_col, weights_col] if c is not None]
        missing = [c for c in special + strata_cols if c not in df.columns]
        if missing:
            raise KeyError(f"column(s) {missing} not in the DataFrame")
        covariates = [c for c in df.columns if c not in set(special) | set(strata_cols)]
        if not covariates:
            raise ValueError("df has no covariate columns")
        names, x = self._names_and_matrix(df[covariates])
        t0 = as_float_array(df[start_col].to_numpy(), start_col)
        t1 = as_float_array(df[stop_col].to_numpy(), stop_col)
        e = _events(df[event_col].to_numpy(), len(t1))
        w = (None if weights_col is None
             else as_float_array(df[weights_col].to_numpy(), weights_col))
        labels = None
        if strata_cols:
            labels = (df[strata_cols[0]].to_numpy() if len(strata_cols) == 1
                      else pd.MultiIndex.from_frame(df[strata_cols]).to_numpy())
        s = self._strata_codes(labels)
        opts = self._options(False, float(self.penalizer) * x.shape[0])
        self.id_col, self.event_col, self.start_col, self.stop_col = (
            id_col, event_col, start_col, stop_col)
        self.strata, self.weights_col = strata_cols or None, weights_col
        self.duration_col = None
        self._timeline = np.unique(t1)
        self._train = None
        return self._fit_with(
            names, True, False,
            lambda report: _ll.crvm_cox_fit_intervals(x, x.shape[0], x.shape[1], t0, t1, e, w, s,
                                                      opts, report))
