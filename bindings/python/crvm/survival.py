"""Covariate survival: Kaplan–Meier curves, the log-rank test and Cox
proportional hazards, with names close to lifelines'.

All numerical work happens in the C library (``crvm/survival.h``); this
module converts arguments, keeps covariate and group names, and returns
numpy arrays and pandas objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import lowlevel as _ll
from ._arrays import as_float_array, as_int_array, is_scalar, scalar_or_array
from ._persist import Persistent
from .errors import NotFittedError

__all__ = [
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


class KaplanMeier(Persistent):
    """Kaplan–Meier estimate of a survival curve with Greenwood variance and
    log-log ("exponential Greenwood") confidence intervals.

    ``alpha`` sets the interval coverage to ``1 - alpha`` (lifelines' meaning).
    crvm's own attributes (``survival_function``, ``survival_at``,
    ``median_survival``) sit beside lifelines' (``survival_function_``
    indexed by ``timeline`` from t = 0, ``confidence_interval_``,
    ``event_table``, ``median_survival_time_``, ``predict``, ``plot``).

    Example::

        km = crvm.KaplanMeier().fit(df["T"], df["E"], label="all")
        km.survival_function_.head()
        km.median_survival_time_
    """

    _kind = "kaplan-meier"

    def __init__(self, alpha: float = 0.05, label: str | None = None):
        self.alpha = alpha
        self.label = label or "KM_estimate"
        self._km = None
        self._owner = None  # the crvm_km_groups that lends _km, if any

    # -- persistence (crvm._persist) ----------------------------------------
    def _c_model(self):
        return self._km

    def _plain_state(self) -> dict:
        return {"label": self.label}

    def _adopt_state(self, handle, state: dict) -> None:
        self.__init__(0.05, state.get("label"))
        self._km = handle
        if handle is not None:
            # the level the curve was fitted with is stored with it
            self.alpha = _alpha_of(handle)

    def fit(self, durations, events=None, weights=None, entry=None, label: str | None = None,
            alpha: float | None = None, event_observed=None, timeline=None,
            ci_labels=None) -> "KaplanMeier":
        """Fit to right-censored ``durations`` (>= 0) with ``events`` flags
        (1 = observed, 0 = censored; None = all observed), optional frequency
        ``weights`` and optional ``entry`` times (left truncation: a subject is
        at risk from its entry time, inclusive, as in lifelines). lifelines'
        keywords ``event_observed``, ``label`` and ``alpha`` work as there
        (``timeline`` and ``ci_labels`` are not supported). Returns self.

        Example::

            km = crvm.KaplanMeier().fit(durations, event_observed=observed)
        """
        if timeline is not None or ci_labels is not None:
            raise TypeError("KaplanMeier.fit: timeline and ci_labels are not supported; "
                            "use predict(times) for other times")
        if event_observed is not None:
            if events is not None:
                raise TypeError("KaplanMeier.fit: give events or event_observed, not both")
            events = event_observed
        if alpha is not None:
            self.alpha = alpha
        if label is not None:
            self.label = label
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
        """S(t) at the given time(s): a float for a scalar, a Series on the
        same index for a Series, else an array."""
        km = self._require()
        tt = as_float_array(t, "t")
        out = np.empty(len(tt))
        _ll.crvm_km_survival_at(km, tt, out)
        if isinstance(t, pd.Series):
            return pd.Series(out, index=t.index, name=self.label)
        return scalar_or_array(out, t)

    def quantile(self, q: float) -> float:
        """Smallest time at which S(t) <= 1 - q (inf if never)."""
        return _ll.crvm_km_quantile(self._require(), float(q))

    @property
    def median_survival(self) -> float:
        """Median survival time: first time with S(t) <= 0.5 (inf if never)."""
        return self.quantile(0.5)

    # -- lifelines' names ---------------------------------------------------
    def _with_origin(self, columns: dict) -> pd.DataFrame:
        """Columns of the fitted table with a t = 0 row first (lifelines'
        timeline starts at 0): S = 1 and limits 1 there, unless 0 is itself
        a duration."""
        table = pd.DataFrame(columns)
        time = self._column("time")
        if len(time) and time[0] == 0.0:
            return table.set_index(pd.Index(time, name="timeline"))
        first = {c: (1.0 if c in ("survival", "ci_lower", "ci_upper") else 0.0) for c in columns}
        table = pd.concat([pd.DataFrame([first]), table], ignore_index=True)
        return table.set_index(pd.Index(np.concatenate(([0.0], time)), name="timeline"))

    @property
    def timeline(self) -> np.ndarray:
        """0 and the distinct durations, ascending (lifelines' ``timeline``)."""
        return self.survival_function_.index.to_numpy()

    @property
    def survival_function_(self) -> pd.DataFrame:
        """S(t) on ``timeline`` as lifelines shows it: one column named by the label."""
        t = self._with_origin({"survival": self._column("survival")})
        return t.rename(columns={"survival": self.label})

    @property
    def cumulative_density_(self) -> pd.DataFrame:
        """1 - S(t) on ``timeline`` (lifelines' ``cumulative_density_``)."""
        return 1.0 - self.survival_function_

    def _ci_names(self):
        level = 1.0 - self.alpha
        return f"{self.label}_lower_{level:g}", f"{self.label}_upper_{level:g}"

    @property
    def confidence_interval_(self) -> pd.DataFrame:
        """Pointwise log-log limits of S(t) on ``timeline``, columns named as
        lifelines names them (``KM_estimate_lower_0.95`` ...)."""
        lo, hi = self._ci_names()
        t = self._with_origin({"ci_lower": self._column("ci_lower"),
                               "ci_upper": self._column("ci_upper")})
        return t.rename(columns={"ci_lower": lo, "ci_upper": hi})

    confidence_interval_survival_function_ = confidence_interval_

    @property
    def confidence_interval_cumulative_density_(self) -> pd.DataFrame:
        ci = self.confidence_interval_
        lo, hi = ci.columns
        return pd.DataFrame({lo: 1.0 - ci[hi], hi: 1.0 - ci[lo]}, index=ci.index)

    @property
    def event_table(self) -> pd.DataFrame:
        """lifelines' event table: removed, observed, censored, entrance and
        at_risk at each time (entrance: everybody at t = 0; with entry times
        the table's at_risk is the risk set and entrance is not split out)."""
        ev, ce, ar = self._column("events"), self._column("censored"), self._column("at_risk")
        t = self._with_origin({"removed": ev + ce, "observed": ev, "censored": ce,
                               "entrance": np.zeros(len(ev)), "at_risk": ar})
        if t.index[0] == 0.0 and (len(ev) == 0 or self._column("time")[0] != 0.0):
            t.iloc[0, t.columns.get_loc("at_risk")] = ar[0] if len(ar) else 0.0
        t.iloc[0, t.columns.get_loc("entrance")] = t["at_risk"].iloc[0]
        t.index.name = "event_at"
        return t

    @property
    def median_survival_time_(self) -> float:
        """lifelines' name of :attr:`median_survival`."""
        return self.median_survival

    def percentile(self, p: float) -> float:
        """The time at which S(t) first falls to ``p`` or below (lifelines'
        ``percentile``: p = 0.5 is the median)."""
        return self.quantile(1.0 - float(p))

    def predict(self, times, interpolate: bool = False):
        """S at ``times`` (lifelines' ``predict``; a float for a scalar, a
        Series indexed by the times otherwise). ``interpolate`` is not
        supported: the estimate is a step function."""
        if interpolate:
            raise ValueError("KaplanMeier.predict: interpolate=True is not supported "
                             "(the Kaplan-Meier estimate is a step function)")
        if is_scalar(times):
            return self.survival_at(times)
        tt = as_float_array(times, "times")
        return pd.Series(self.survival_at(tt), index=tt, name=self.label)

    def survival_function_at_times(self, times) -> pd.Series:
        """S at ``times`` as a Series indexed by the times (lifelines' name)."""
        tt = as_float_array(times, "times")
        return pd.Series(self.survival_at(tt), index=tt, name=self.label)

    def plot_survival_function(self, ax=None, ci_show: bool = True, **kwargs):
        """Step plot of S(t) with its confidence band (see
        :func:`crvm.plotting.plot_survival`); returns the matplotlib Axes."""
        from .plotting import plot_survival  # noqa: PLC0415 - matplotlib is optional

        return plot_survival(self, ax=ax, ci=ci_show, **kwargs)

    plot = plot_survival_function

    def __repr__(self) -> str:
        if self._km is None:
            return "<crvm.KaplanMeier: not fitted>"
        n = float(self._column("events").sum() + self._column("censored").sum())
        return f'<crvm.KaplanMeier: "{self.label}", fitted with {n:g} total observations>'


def _alpha_of(km) -> float:
    """1 - the confidence level a curve was fitted with, read back from its
    saved text (the level is not exposed otherwise)."""
    from ._persist import model_text  # noqa: PLC0415

    for line in model_text("kaplan-meier", km).splitlines():
        if line.startswith("confidence_level "):
            return 1.0 - float(line.split()[1])
    raise ValueError("Kaplan-Meier text without confidence_level")


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
    Returns {group label: fitted curve} in sorted label order.

    Example::

        curves = crvm.kaplan_meier_by_group(df["tenure"], df["churned"], df["segment"])
        crvm.plotting.plot_survival(curves)
    """
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

    @property
    def summary(self) -> pd.DataFrame:
        """One row: test_statistic, p, -log2(p) (lifelines' summary)."""
        return pd.DataFrame({"test_statistic": [self.statistic], "p": [self.p_value],
                             "-log2(p)": [-np.log2(self.p_value) if self.p_value > 0 else np.inf]})

    def print_summary(self, decimals: int = 2, **kwargs) -> None:
        """Print the test as lifelines does (statistic, degrees of freedom, p)."""
        print(f"<crvm.{type(self).__name__}>")
        print(f"  degrees of freedom = {self.dof}")
        print()
        print(self.summary.to_string(index=False, float_format=lambda v: f"{v:.{decimals}f}"))


@dataclass(frozen=True)
class LogRankResult(_LifelinesTestNames):
    """Result of :func:`logrank_test`.

    Example::

        crvm.logrank_test(T, E, groups).p_value
    """

    statistic: float
    dof: int
    p_value: float
    n_groups: int


@dataclass(frozen=True)
class LikelihoodRatioTest(_LifelinesTestNames):
    """Likelihood-ratio test of a Cox model against the null model.

    Example::

        crvm.CoxPH().fit(rossi, "week", "arrest").log_likelihood_ratio_test().p_value
    """

    statistic: float
    dof: int
    p_value: float


def logrank_test(durations, events=None, groups=None, weights=None, *more,
                 event_observed_A=None, event_observed_B=None, **kwargs) -> LogRankResult:
    """Log-rank test that every group (any labels) shares one survival curve;
    chi-square with (informative groups - 1) degrees of freedom.

    Two forms:

    * crvm's: ``logrank_test(durations, events, groups, weights=None)``, any
      number of groups;
    * lifelines': ``logrank_test(durations_A, durations_B, event_observed_A=None,
      event_observed_B=None)``, two samples (also positionally, as
      ``logrank_test(T1, T2, E1, E2)``). The form is recognised by the second
      argument: durations (not all 0 or 1, or another length) rather than
      event flags; for two samples whose durations are all 0 or 1 pass the
      event flags as keywords.

    The result carries lifelines' ``test_statistic``, ``p_value`` and
    ``print_summary()``.

    Example::

        crvm.logrank_test(df["T"], df["E"], df["group"]).p_value
        crvm.logrank_test(T1, T2, event_observed_A=E1, event_observed_B=E2).p_value
    """
    lifelines_form = (event_observed_A is not None or event_observed_B is not None
                      or bool(more) or (events is not None and np.ndim(events) == 1 and (
                          np.size(events) != np.size(durations) or _looks_like_durations(events))))
    if kwargs.pop("t_0", -1) != -1 or kwargs.pop("weightings", None) is not None:
        raise TypeError("logrank_test: t_0 and weightings are not supported")
    if kwargs:
        raise TypeError(f"logrank_test: unexpected keyword(s) {sorted(kwargs)}")
    if lifelines_form:
        t_a, t_b = durations, events
        e_a = event_observed_A if event_observed_A is not None else groups
        e_b = event_observed_B if event_observed_B is not None else (
            weights if weights is not None else (more[0] if more else None))
        ta = as_float_array(t_a, "durations_A")
        tb = as_float_array(t_b, "durations_B")
        t = np.concatenate([ta, tb])
        e = np.concatenate([_events(e_a, len(ta), "event_observed_A"),
                            _events(e_b, len(tb), "event_observed_B")])
        g = np.concatenate([np.zeros(len(ta), np.int32), np.ones(len(tb), np.int32)])
        return _logrank(t, e, g, None)
    if groups is None:
        raise TypeError("logrank_test(durations, events, groups): groups is required "
                        "(or use lifelines' two-sample form logrank_test(T1, T2, E1, E2))")
    t = as_float_array(durations, "durations")
    e = _events(events, len(t))
    g = np.asarray(groups)
    if g.shape != t.shape:
        raise ValueError(f"groups has {g.size} values but durations has {len(t)}; for two "
                         "samples use logrank_test(T1, T2, E1, E2) (lifelines' form)")
    codes, _ = pd.factorize(g, sort=True)
    if (codes < 0).any():
        raise ValueError("groups: missing values are not allowed")
    return _logrank(t, e, codes.astype(np.int32), as_float_array(weights, "weights",
                                                                  allow_none=True))


def _looks_like_durations(values) -> bool:
    """True unless every value is 0 or 1 (then it reads as event flags)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "b":
        return False
    try:
        arr = arr.astype(np.float64)
    except (TypeError, ValueError):
        return False
    return not np.isin(arr, (0.0, 1.0)).all()


def _logrank(t, e, codes, w) -> LogRankResult:
    res = _ll.crvm_logrank_result()
    _ll.crvm_logrank(t, e, codes, w, res)
    return LogRankResult(float(res.statistic), int(res.dof), float(res.p_value),
                         int(res.n_groups))


def concordance_index(durations, scores, events=None) -> float:
    """Harrell's C: a higher score predicts a longer survival (lifelines'
    convention; pass minus the risk for hazard-like scores).

    Example::

        crvm.concordance_index(T, -cph.predict_partial_hazard(X), E)
    """
    t = as_float_array(durations, "durations")
    return _ll.crvm_concordance_index(t, as_float_array(scores, "scores"), _events(events, len(t)))
