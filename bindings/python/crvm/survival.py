"""Covariate survival: Kaplan–Meier curves, the log-rank test and Cox
proportional hazards, with names close to lifelines'.

All numerical work happens in the C library (``crvm/survival.h``); this
module converts arguments, keeps covariate and group names, and returns
numpy arrays and pandas objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import lowlevel as _ll
from ._arrays import as_float_array, as_int_array, as_matrix, is_scalar, scalar_or_array
from .errors import Error, NotFittedError

__all__ = [
    "CoxPH",
    "CoxTimeVarying",
    "KaplanMeier",
    "LikelihoodRatioTest",
    "LogRankResult",
    "concordance_index",
    "kaplan_meier_by_group",
    "logrank_test",
]

_KM_COLUMNS = {
    "time": _ll.CRVM_KM_TIME,
    "survival": _ll.CRVM_KM_SURVIVAL,
    "ci_lower": _ll.CRVM_KM_CI_LOWER,
    "ci_upper": _ll.CRVM_KM_CI_UPPER,
    "at_risk": _ll.CRVM_KM_AT_RISK,
    "events": _ll.CRVM_KM_EVENTS,
    "censored": _ll.CRVM_KM_CENSORED,
    "variance": _ll.CRVM_KM_VARIANCE,
}


def _events(events, n, name="events"):
    """Event flags as int32 0/1; None means every duration is an event."""
    if events is None:
        return np.ones(n, dtype=np.int32)
    return as_int_array(events, name)


def _confidence_level(alpha):
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha = {alpha!r}: must be in (0, 1)")
    return 1.0 - alpha


class KaplanMeier:
    """Kaplan–Meier estimate of a survival curve with Greenwood variance and
    log-log ("exponential Greenwood") confidence intervals.

    ``alpha`` sets the interval coverage to ``1 - alpha`` (lifelines' meaning).
    """

    def __init__(self, alpha: float = 0.05):
        self.alpha = alpha
        self._km = None
        self._owner = None  # the crvm_km_groups that lends _km, if any

    def fit(self, durations, events=None, weights=None, entry=None) -> "KaplanMeier":
        """Fit to right-censored ``durations`` (>= 0) with ``events`` flags
        (1 = observed, 0 = censored; None = all observed), optional frequency
        ``weights`` and optional ``entry`` times (left truncation: a subject is
        at risk from its entry time, inclusive, as in lifelines). Returns self."""
        t = as_float_array(durations, "durations")
        e = _events(events, len(t))
        w = as_float_array(weights, "weights", allow_none=True)
        en = as_float_array(entry, "entry", allow_none=True)
        self._km = _ll.crvm_km_fit(t, e, w, en, _km_options(self.alpha))
        self._owner = None
        return self

    def _require(self):
        if self._km is None:
            raise NotFittedError("KaplanMeier: call fit() first")
        return self._km

    def _column(self, key):
        km = self._require()
        out = np.empty(_ll.crvm_km_size(km))
        _ll.crvm_km_column(km, _KM_COLUMNS[key], out)
        return out

    @property
    def survival_function(self) -> pd.DataFrame:
        """One row per distinct duration: time, survival, ci_lower, ci_upper,
        at_risk, events, censored, variance (Greenwood)."""
        return pd.DataFrame({k: self._column(k) for k in _KM_COLUMNS}, copy=False)

    def survival_at(self, t):
        """S(t) at the given time(s): a float for a scalar, else an array."""
        km = self._require()
        tt = as_float_array(t, "t")
        out = np.empty(len(tt))
        _ll.crvm_km_survival_at(km, tt, out)
        return scalar_or_array(out, t)

    def quantile(self, q: float) -> float:
        """Smallest time at which S(t) <= 1 - q (inf if never)."""
        return _ll.crvm_km_quantile(self._require(), float(q))

    @property
    def median_survival(self) -> float:
        """Median survival time: first time with S(t) <= 0.5 (inf if never)."""
        return self.quantile(0.5)


def _km_options(alpha):
    opts = _ll.crvm_km_options()
    _ll.crvm_km_options_init(opts)
    opts.confidence_level = _confidence_level(alpha)
    return opts


def kaplan_meier_by_group(durations, events, groups, weights=None, entry=None,
                          alpha: float = 0.05) -> dict:
    """Fit one :class:`KaplanMeier` per distinct value of ``groups`` (any
    labels, no missing values) in one call of the C library's grouped fit;
    each curve is the one that fitting that group's rows alone gives.
    Returns {group label: fitted curve} in sorted label order."""
    t = as_float_array(durations, "durations")
    e = _events(events, len(t))
    g = np.asarray(groups)
    if g.shape != t.shape:
        raise ValueError(f"groups: expected {len(t)} values, got shape {g.shape}")
    codes, labels = pd.factorize(g, sort=True)
    if (codes < 0).any():
        raise ValueError("groups: missing values are not allowed")
    w = as_float_array(weights, "weights", allow_none=True)
    en = as_float_array(entry, "entry", allow_none=True)
    fitted = _ll.crvm_km_fit_groups(t, e, w, en, codes.astype(np.int32), _km_options(alpha))
    out = {}
    for code in range(_ll.crvm_km_groups_count(fitted)):  # = len(labels): every code is used
        label = labels[code]
        km = KaplanMeier(alpha)
        km._km = _ll.crvm_km_groups_curve(fitted, code)
        km._owner = fitted  # the curve is lent by the groups object: keep it alive
        out[label] = km
    return dict(sorted(out.items(), key=lambda kv: str(kv[0])))


class _LifelinesTestNames:
    """lifelines' names of a test result's statistic and dof fields."""

    @property
    def test_statistic(self) -> float:
        return self.statistic

    @property
    def degrees_of_freedom(self) -> int:
        return self.dof


@dataclass(frozen=True)
class LogRankResult(_LifelinesTestNames):
    """Result of :func:`logrank_test`."""

    statistic: float
    dof: int
    p_value: float
    n_groups: int


@dataclass(frozen=True)
class LikelihoodRatioTest(_LifelinesTestNames):
    """Likelihood-ratio test of a Cox model against the null model."""

    statistic: float
    dof: int
    p_value: float


def logrank_test(durations, events, groups, weights=None) -> LogRankResult:
    """Log-rank test that every group (any labels) shares one survival curve;
    chi-square with (informative groups - 1) degrees of freedom."""
    t = as_float_array(durations, "durations")
    e = _events(events, len(t))
    codes, _ = pd.factorize(np.asarray(groups), sort=True)
    if (codes < 0).any():
        raise ValueError("groups: missing values are not allowed")
    w = as_float_array(weights, "weights", allow_none=True)
    res = _ll.crvm_logrank_result()
    _ll.crvm_logrank(t, e, codes.astype(np.int32), w, res)
    return LogRankResult(float(res.statistic), int(res.dof), float(res.p_value),
                         int(res.n_groups))


def concordance_index(durations, scores, events=None) -> float:
    """Harrell's C: a higher score predicts a longer survival (lifelines'
    convention; pass minus the risk for hazard-like scores)."""
    t = as_float_array(durations, "durations")
    return _ll.crvm_concordance_index(t, as_float_array(scores, "scores"), _events(events, len(t)))


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


class CoxPH:
    """Cox proportional hazards model fitted by Newton–Raphson on the partial
    likelihood (Efron or Breslow ties), with optional weights, strata, robust
    (Lin–Wei sandwich) standard errors and an L2 ``penalizer`` on the
    coefficients of the standardised covariates, scaled as lifelines' (the
    penalty is 0.5 * penalizer * n_rows * ||beta_std||^2, i.e. ``penalizer``
    per row of data).

    Covariates are centred at their means: the baseline refers to a subject at
    the means, and :meth:`predict_partial_hazard` returns exp(beta'(x - mean)),
    as lifelines does.
    """

    def __init__(self, ties: str = "efron", alpha: float = 0.05, penalizer: float = 0.0,
                 max_iterations: int = 50, tolerance: float = 1e-9):
        if ties not in ("efron", "breslow"):
            raise ValueError(f"ties = {ties!r}: expected 'efron' or 'breslow'")
        self.ties = ties
        self.alpha = alpha
        self.penalizer = penalizer
        self.max_iterations = max_iterations
        self.tolerance = tolerance
        self._cox = None
        self.fit_report = None

    # -- fitting ---------------------------------------------------------
    def _names_and_matrix(self, X):
        if isinstance(X, pd.DataFrame):
            return [str(c) for c in X.columns], as_matrix(X.to_numpy(dtype=np.float64), "X")
        m = as_matrix(X, "X")
        return [f"x{j}" for j in range(m.shape[1])], m

    def fit(self, X, durations, events=None, weights=None, strata=None,
            robust: bool = False) -> "CoxPH":
        """Fit to covariates ``X`` (DataFrame, names kept, or 2-D array),
        ``durations``, ``events`` (None = all observed), optional frequency
        ``weights`` and ``strata`` labels (one baseline per stratum). Returns self.

        Raises :class:`crvm.DomainError` for a constant or collinear covariate
        or no events, :class:`crvm.ConvergenceError` for a diverging
        coefficient (separation); the message names the covariate, and the
        exception's ``fit_report`` holds the last iterate's log-likelihood."""
        names, x = self._names_and_matrix(X)
        t = as_float_array(durations, "durations")
        e = _events(events, len(t))
        w = as_float_array(weights, "weights", allow_none=True)
        s = self._strata_codes(strata)
        opts = self._options(robust, float(self.penalizer) * x.shape[0])
        return self._fit_with(
            names, isinstance(X, pd.DataFrame), robust,
            lambda report: _ll.crvm_cox_fit(x, x.shape[0], x.shape[1], t, e, w, s, opts, report))

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
        self._cox = cox
        self.fit_report = report
        self.robust = bool(robust)
        self.covariates = names
        self._named = named
        p = len(names)
        stats = {}
        for key, code in _STATS.items():
            out = np.empty(p)
            _ll.crvm_cox_statistic(cox, code, out)
            stats[key] = pd.Series(out, index=names, name=key)
        self._stats = stats
        summ = _ll.crvm_cox_summary_stats()
        _ll.crvm_cox_summary(cox, summ)
        self._summary_stats = summ
        return self

    def _require(self):
        if self._cox is None:
            raise NotFittedError("CoxPH: call fit() first")
        return self._cox

    # -- fitted attributes ------------------------------------------------
    def _stat(self, key: str, name: str) -> pd.Series:
        """One column of the per-covariate statistics, renamed as lifelines names it."""
        self._require()
        return self._stats[key].rename(name)

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
        return pd.DataFrame({"lower": self._stats["lower"], "upper": self._stats["upper"]})

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
        """Harrell's C of the fitted risk score on the training data."""
        self._require()
        return float(self._summary_stats.concordance)

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
        st = self._stats
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
        if isinstance(X, pd.DataFrame):
            if self._named:
                missing = [c for c in self.covariates if c not in X.columns]
                if missing:
                    raise ValueError(f"X: missing covariate column(s) {missing}")
                X = X[self.covariates]
            x = as_matrix(X.to_numpy(dtype=np.float64), "X")
        else:
            arr = np.asarray(X, dtype=np.float64)
            x = as_matrix(arr.reshape(1, -1) if arr.ndim == 1 and p > 1 else arr, "X")
        if x.shape[1] != p:
            raise ValueError(f"X: expected {p} covariate columns, got {x.shape[1]}")
        return x

    def predict_partial_hazard(self, X) -> np.ndarray:
        """exp(beta'(x - mean)) for each row of X."""
        cox = self._require()
        x = self._new_x(X)
        out = np.empty(x.shape[0])
        _ll.crvm_cox_predict_partial_hazard(cox, x, x.shape[0], x.shape[1], out)
        return out

    def predict_log_partial_hazard(self, X) -> np.ndarray:
        return np.log(self.predict_partial_hazard(X))

    def predict_survival(self, X, times, strata=None) -> np.ndarray:
        """Survival probabilities, array (rows of X) x (times): the baseline is
        the Breslow step function, so values between event times are those of
        the last event time. ``strata`` gives each row's stratum label when the
        model is stratified."""
        cox = self._require()
        x = self._new_x(X)
        tt = as_float_array(times, "times")
        s = None
        if self._strata_labels is not None:
            if strata is None:
                raise ValueError("strata: the model is stratified; give each row's stratum")
            labels = np.asarray(strata)
            if labels.ndim == 0:
                labels = np.repeat(labels, x.shape[0])
            index = {lab: i for i, lab in enumerate(self._strata_labels)}
            try:
                s = np.array([index[lab] for lab in labels.tolist()], dtype=np.int32)
            except KeyError as exc:
                raise ValueError(f"strata: {exc.args[0]!r} is not a fitted stratum") from None
        out = np.empty(x.shape[0] * len(tt))
        _ll.crvm_cox_predict_survival(cox, x, x.shape[0], x.shape[1], s, tt, out)
        return out.reshape(x.shape[0], len(tt))

    def predict_survival_at(self, X, horizon: float, strata=None) -> np.ndarray:
        """Probability that each row survives beyond ``horizon``."""
        return self.predict_survival(X, [float(horizon)], strata)[:, 0]


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
    """

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
        self.strata, self.weights_col = strata, weights_col
        return self._fit_with(
            names, True, False,
            lambda report: _ll.crvm_cox_fit_intervals(x, x.shape[0], x.shape[1], t0, t1, e, w, s,
                                                      opts, report))
