"""Contractual retention with covariates: the sBG and BdW with
proportional-hazards covariates (C: ``crvm/retention_cov.h``).

Each subject has a churn propensity theta ~ Beta(alpha_g, beta_g) (g its
group, e.g. a segment) and renews at period s with probability
(1 - theta) ** e_s, where e_s = (s**c - (s-1)**c) * exp(b . z_s) and z_s are the
subject's covariates for that period (contacts by outcome, escalations,
silence...). exp(b_j) is the hazard ratio of covariate j. With b = 0 this is the
BdW, and with c = 1 also the sBG.

Data: a long DataFrame with one row per subject and period at risk, periods
1, 2, ... in order per subject, and the event (churn at that renewal) only on a
subject's last row::

    model = crvm.RetentionRegression("bdw").fit(
        panel, id_col="id", period_col="period", event_col="event",
        group_col="segment", covariates=["refused", "escalated"])
    model.summary                  # coef, se, CI, z, p, exp(coef)
    model.predict(panel)           # per-subject churn, survival, DERL, ...
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import pandas as pd

from . import lowlevel as _ll
from ._arrays import as_float_array
from .errors import ConvergenceError, NotFittedError, StateError
from .retention import _report_dict

__all__ = ["RetentionRegression"]

_Z95 = 1.959963984540054
_KINDS = {"sbg": _ll.CRVM_RETENTION_SBG, "bdw": _ll.CRVM_RETENTION_BDW}
#: a 10 % yearly rate as a monthly one, the C default
DEFAULT_DISCOUNT_RATE = 0.0079741404289038
COLUMNS = [_ll.crvm_retention_cov_column_name(i) for i in range(_ll.CRVM_RCOV_COLUMNS)]


class _Panel:
    """A long panel converted to the C layout: subjects in order of first
    appearance, their rows sorted by period."""

    def __init__(self, panel, id_col, period_col, event_col, group_col, covariates, weights_col,
                 group_labels=None):
        if not isinstance(panel, pd.DataFrame):
            raise TypeError(f"panel: expected a pandas DataFrame, got {type(panel).__name__}")
        needed = [id_col, period_col, event_col] + ([group_col] if group_col else []) + \
            ([weights_col] if weights_col else []) + list(covariates)
        missing = [c for c in needed if c not in panel.columns]
        if missing:
            raise KeyError(f"panel: missing column(s) {missing}")
        codes, ids = pd.factorize(panel[id_col], sort=False)
        if (codes < 0).any():
            raise ValueError(f"panel[{id_col!r}]: missing subject ids")
        order = np.lexsort((panel[period_col].to_numpy(), codes))
        rows = panel.iloc[order]
        self.ids = pd.Index(ids, name=id_col)
        self.row_subject = np.ascontiguousarray(codes[order], dtype=np.int32)
        self.row_period = self._ints(rows[period_col], period_col)
        self.row_event = self._ints(rows[event_col], event_col)
        first = np.r_[True, self.row_subject[1:] != self.row_subject[:-1]]
        last = np.r_[self.row_subject[1:] != self.row_subject[:-1], True]
        # Checks with the subject's id in the message (the C library names rows
        # of the sorted order, which the caller never sees).
        expected = np.where(first, 1, np.r_[0, self.row_period[:-1] + 1])
        bad = np.flatnonzero(self.row_period != expected)
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"panel: subject {ids[self.row_subject[i]]!r} has period "
                             f"{self.row_period[i]} where {expected[i]} was expected (periods "
                             "must be 1, 2, ... without gaps)")
        bad = np.flatnonzero((self.row_event != 0) & ~last)
        if bad.size:
            raise ValueError(f"panel: subject {ids[self.row_subject[int(bad[0])]]!r} has an "
                             "event before its last period")
        self.group_labels, self.subject_group = self._groups(rows, group_col, first, group_labels)
        self.z = np.ascontiguousarray(rows[list(covariates)].to_numpy(dtype=np.float64)) \
            if covariates else np.zeros((len(rows), 0))
        self.weight = None
        if weights_col:
            w = rows[weights_col].to_numpy(dtype=np.float64)
            self._constant_per_subject(w, first, weights_col)
            self.weight = np.ascontiguousarray(w[first])

    @staticmethod
    def _ints(column, name):
        values = column.to_numpy()
        if values.dtype.kind == "b":
            values = values.astype(np.int32)
        if values.dtype.kind == "f":
            if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
                raise ValueError(f"panel[{name!r}]: expected whole numbers")
        elif values.dtype.kind not in "iu":
            raise TypeError(f"panel[{name!r}]: expected integers, got dtype {values.dtype}")
        return np.ascontiguousarray(values, dtype=np.int32)

    def _constant_per_subject(self, values, first, name):
        start = np.maximum.accumulate(np.where(first, np.arange(len(values)), 0))
        bad = np.flatnonzero(values != values[start])
        if bad.size:
            raise ValueError(f"panel[{name!r}]: varies within subject "
                             f"{self.ids[self.row_subject[int(bad[0])]]!r}; it must be constant "
                             "per subject")

    def _groups(self, rows, group_col, first, labels):
        if group_col is None:
            if labels is not None and len(labels) != 1:
                raise ValueError("group_col: the model has several groups; name the group column")
            return (labels if labels is not None else pd.Index([0])), \
                np.zeros(int(first.sum()), dtype=np.int32)
        values = rows[group_col].to_numpy()
        self._constant_per_subject(values, first, group_col)
        if labels is None:
            labels = pd.Index(pd.unique(values)).sort_values()
        codes = labels.get_indexer(values[first])
        if (codes < 0).any():
            unknown = values[first][codes < 0][0]
            raise ValueError(f"panel[{group_col!r}]: group {unknown!r} is not one of the "
                             f"model's groups {list(labels)}")
        return labels, np.ascontiguousarray(codes, dtype=np.int32)


class RetentionRegression:
    """The sBG (``kind="sbg"``) or BdW (``"bdw"``) with proportional-hazards
    covariates, fitted by maximum likelihood jointly over groups (alpha, beta
    per group; c and the coefficients b shared).

    Thread safety: a fitted model is immutable on the C side; ``fit`` replaces
    it. Do not call ``fit`` on one object from two threads at once.

    Example::

        panel = crvm.ValueModel(ledger).fit("2024-06-14").panel()
        model = crvm.RetentionRegression("bdw").fit(
            panel, group_col="segment", covariates=["refused", "escalated"])
        model.hazard_ratios_          # exp(b): refused contacts multiply the hazard
        model.predict(panel, horizon=12)[["survival", "derl", "at_risk"]]
    """

    def __init__(self, kind: str = "bdw", max_iterations: int = 500, tolerance: float = 1e-8,
                 threads: int = 0):
        if kind not in _KINDS:
            raise ValueError(f"kind: expected 'sbg' or 'bdw', got {kind!r}")
        for name, value in (("max_iterations", max_iterations), ("threads", threads)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name}: expected an integer")
        if not isinstance(tolerance, Real):
            raise TypeError("tolerance: expected a number")
        self.kind = kind
        self.max_iterations = int(max_iterations)
        self.tolerance = float(tolerance)
        self.threads = int(threads)
        self._model = None
        self._report = None
        self._spec = None  # column names used by fit

    # ---- fitting -------------------------------------------------------------

    def fit(self, panel, id_col="id", period_col="period", event_col="event", group_col=None,
            covariates=None, weights_col=None):
        """Fit to a long panel (one row per subject and period); returns self.
        ``covariates`` defaults to every other column."""
        if covariates is None:
            used = {id_col, period_col, event_col, group_col, weights_col}
            covariates = [c for c in panel.columns if c not in used]
        covariates = list(covariates)
        data = _Panel(panel, id_col, period_col, event_col, group_col, covariates, weights_col)
        options = _ll.crvm_retention_cov_options()
        _ll.crvm_retention_cov_options_init(options)
        options.max_iterations = self.max_iterations
        options.tolerance = self.tolerance
        options.threads = self.threads
        report = _ll.crvm_fit_report()
        try:
            model = _ll.crvm_retention_cov_fit(
                _KINDS[self.kind], data.subject_group, len(data.group_labels), data.row_subject,
                data.row_period, data.row_event, data.z.ravel(), len(covariates), data.weight,
                options, report)
        except ConvergenceError as exc:
            exc.report = _report_dict(report)
            raise
        self._set(model, data.group_labels, covariates, fitted=True)
        self._spec = dict(id_col=id_col, period_col=period_col, event_col=event_col,
                          group_col=group_col, weights_col=weights_col)
        return self

    @classmethod
    def from_params(cls, params, kind: str = "bdw", groups=None, covariates=(), covariance=None):
        """A model from given parameters: ``params`` in the layout
        [alpha_0, beta_0, ..., c, b_0, ...] (an array, or a Series/dict with the
        names of ``params_``); ``groups`` the group labels (default one group,
        0); ``covariates`` the covariate names; ``covariance`` optional k x k."""
        self = cls(kind)
        labels = pd.Index([0] if groups is None else list(groups))
        covariates = list(covariates)
        names = self._names(labels, covariates)
        if isinstance(params, (dict, pd.Series)):
            params = pd.Series(params, dtype=float)
            missing = [n for n in names if n not in params.index]
            if missing:
                raise ValueError(f"params: missing {missing}")
            values = params[names].to_numpy()
        else:
            values = as_float_array(params, "params")
        cov = None if covariance is None else np.ascontiguousarray(
            np.asarray(covariance, dtype=np.float64)).ravel()
        model = _ll.crvm_retention_cov_new(_KINDS[kind], len(labels), len(covariates),
                                           np.ascontiguousarray(values, dtype=np.float64), cov)
        self._set(model, labels, covariates, fitted=False)
        return self

    def _set(self, model, labels, covariates, fitted):
        _, groups, n_cov = _ll.crvm_retention_cov_shape(model)
        if (groups, n_cov) != (len(labels), len(covariates)):
            raise RuntimeError(f"RetentionRegression: the model has {groups} groups and {n_cov} "
                               f"covariates, not {len(labels)} and {len(covariates)}")
        self._model = model
        self._labels = pd.Index(labels)
        self._covariates = list(covariates)
        self._report = None
        if fitted:
            report = _ll.crvm_fit_report()
            _ll.crvm_retention_cov_report(model, report)
            self._report = _report_dict(report)
        k = 2 * len(labels) + 1 + len(covariates)
        values = np.empty(k)
        _ll.crvm_retention_cov_params(model, values)
        self._params = values
        self._cov = self._se = None
        try:
            se, cov = np.empty(k), np.empty(k * k)
            _ll.crvm_retention_cov_standard_errors(model, se)
            _ll.crvm_retention_cov_covariance(model, cov)
            self._se, self._cov = se, cov.reshape(k, k)
        except StateError:
            pass

    @staticmethod
    def _names(labels, covariates):
        names = []
        for g in labels:
            names += [f"alpha[{g}]", f"beta[{g}]"]
        return names + ["c"] + list(covariates)

    # ---- fitted attributes -----------------------------------------------------

    def _require(self, what="the model"):
        if self._model is None:
            raise NotFittedError(f"RetentionRegression: {what} needs fit() or from_params()")

    @property
    def params_(self) -> pd.Series:
        """Estimates: alpha and beta per group, c, then one coefficient per covariate."""
        self._require("params_")
        return pd.Series(self._params, index=self._names(self._labels, self._covariates),
                         name="coef")

    @property
    def standard_errors_(self) -> pd.Series:
        """Standard errors (observed information, delta method; 0 for the sBG's c)."""
        self._require_cov("standard_errors_")
        return pd.Series(self._se, index=self.params_.index, name="se")

    @property
    def covariance_(self) -> pd.DataFrame:
        """Covariance of the estimates on the natural scale."""
        cov = self._require_cov("covariance_")
        names = self.params_.index
        return pd.DataFrame(cov, index=names, columns=names)

    def _require_cov(self, what):
        self._require(what)
        if self._cov is None:
            raise StateError(f"RetentionRegression.{what}: the model has no covariance")
        return self._cov

    @property
    def hazard_ratios_(self) -> pd.Series:
        """exp(b) per covariate."""
        self._require("hazard_ratios_")
        return pd.Series(np.exp(self._params[2 * len(self._labels) + 1:]),
                         index=self._covariates, name="exp(coef)")

    @property
    def fit_report(self) -> dict:
        """log_likelihood, aic, bic, iterations, converged, gradient_norm, n_observations, n_parameters."""
        self._require("fit_report")
        if self._report is None:
            raise NotFittedError("RetentionRegression.fit_report: the model was built from "
                                 "parameters, not fitted")
        return dict(self._report)

    @property
    def summary(self) -> pd.DataFrame:
        """coef, se, 95 % interval, z, p and exp(coef) (the hazard ratio) for
        each covariate; alpha, beta per group and c with their intervals on
        the log scale (z, p and exp(coef) are NaN for them)."""
        se = self.standard_errors_.to_numpy()
        coef = self._params
        k_shape = 2 * len(self._labels) + 1
        rows = []
        for i, (name, est) in enumerate(zip(self.params_.index, coef)):
            if i < k_shape:
                half = _Z95 * se[i] / est
                rows.append((est, se[i], est * math.exp(-half), est * math.exp(half),
                             math.nan, math.nan, math.nan))
            else:
                z = est / se[i] if se[i] > 0 else math.nan
                p = math.erfc(abs(z) / math.sqrt(2)) if se[i] > 0 else math.nan
                rows.append((est, se[i], est - _Z95 * se[i], est + _Z95 * se[i], z, p,
                             math.exp(est)))
        return pd.DataFrame(rows, index=pd.Index(self.params_.index, name="parameter"),
                            columns=["coef", "se", "lower 95%", "upper 95%", "z", "p",
                                     "exp(coef)"])

    # ---- likelihood and predictions --------------------------------------------------

    def _panel_args(self, panel, kw):
        spec = dict(self._spec or dict(id_col="id", period_col="period", event_col="event",
                                       group_col=None, weights_col=None))
        spec.update({k: v for k, v in kw.items() if v is not None})
        return _Panel(panel, spec["id_col"], spec["period_col"], spec["event_col"],
                      spec["group_col"], self._covariates, spec.get("weights_col"),
                      group_labels=self._labels)

    def log_likelihood(self, panel, params=None, **columns):
        """Log-likelihood of a panel at the model's parameters (or ``params``,
        same layout) and its gradient, as (float, Series)."""
        self._require("log_likelihood")
        data = self._panel_args(panel, columns)
        values = self._params if params is None else np.ascontiguousarray(
            pd.Series(params).to_numpy() if isinstance(params, (dict, pd.Series))
            else np.asarray(params, dtype=np.float64), dtype=np.float64)
        grad = np.empty(len(self._params))
        ll = _ll.crvm_retention_cov_log_likelihood(
            _KINDS[self.kind], len(self._labels), len(self._covariates), values,
            data.subject_group, data.row_subject, data.row_period, data.row_event,
            data.z.ravel(), data.weight, grad)
        return float(ll), pd.Series(grad, index=self.params_.index, name="gradient")

    def _future(self, future):
        p, labels = len(self._covariates), self._labels
        if future is None:
            return None
        if isinstance(future, pd.DataFrame):
            frame = future.reindex(index=labels, columns=self._covariates)
            if frame.isna().to_numpy().any():
                raise ValueError("future: needs a row per group and a column per covariate")
            return np.ascontiguousarray(frame.to_numpy(dtype=np.float64)).ravel()
        if isinstance(future, (dict, pd.Series)):
            row = pd.Series(future, dtype=float).reindex(self._covariates)
            if row.isna().any():
                raise ValueError(f"future: needs a value for every covariate {self._covariates}")
            return np.ascontiguousarray(np.tile(row.to_numpy(), len(labels)))
        arr = np.ascontiguousarray(np.asarray(future, dtype=np.float64))
        if arr.shape not in ((p,), (len(labels), p)):
            raise ValueError(f"future: expected {p} values or a {len(labels)} x {p} array")
        return np.ascontiguousarray(np.broadcast_to(arr, (len(labels), p))).ravel()

    def predict(self, panel, horizon=12, discount_rate=DEFAULT_DISCOUNT_RATE, lifetime_cap=1200,
                future=None, standard_errors=True, threads=0, **columns):
        """Per-subject predictions as of each subject's last row, as a
        DataFrame indexed by subject id with the columns alive, periods,
        exposure, churn_next, survival (over ``horizon``), derl, derl_horizon,
        lifetime (capped at ``lifetime_cap``), at_risk and the standard errors
        (``*_se``). ``future``: the covariates assumed for future periods (None:
        zero; a dict or sequence for every group; a DataFrame indexed by group)."""
        self._require("predict")
        data = self._panel_args(panel, columns)
        options = _ll.crvm_retention_cov_predict_options()
        _ll.crvm_retention_cov_predict_options_init(options)
        options.horizon = int(horizon)
        options.discount_rate = float(discount_rate)
        options.lifetime_cap = int(lifetime_cap)
        options.standard_errors = 1 if standard_errors else 0
        options.threads = int(threads)
        out = np.empty(len(data.ids) * len(COLUMNS))
        _ll.crvm_retention_cov_predict(self._model, data.subject_group, data.row_subject,
                                       data.row_period, data.row_event, data.z.ravel(),
                                       self._future(future), options, out)
        frame = pd.DataFrame(out.reshape(-1, len(COLUMNS)), index=data.ids, columns=COLUMNS)
        frame["alive"] = frame["alive"].astype(bool)
        frame["periods"] = frame["periods"].astype(np.int64)
        return frame

    def survival(self, t, group=None, z=None):
        """S(t | z) = B(alpha, beta + t**c exp(b . z)) / B(alpha, beta) of a new
        subject of ``group`` (a label; default the only group) with covariates
        ``z`` constant over time (dict or sequence; default zero)."""
        self._require("survival")
        if group is None:
            if len(self._labels) != 1:
                raise ValueError("group: the model has several groups; name one")
            g = 0
        else:
            where = self._labels.get_indexer([group])[0]
            if where < 0:
                raise ValueError(f"group: {group!r} is not one of {list(self._labels)}")
            g = int(where)
        if isinstance(z, (dict, pd.Series)):
            zz = pd.Series(z, dtype=float).reindex(self._covariates)
            if zz.isna().any():
                raise ValueError(f"z: needs a value for every covariate {self._covariates}")
            z = zz.to_numpy()
        zarr = None if z is None else np.ascontiguousarray(np.asarray(z, dtype=np.float64))
        times = as_float_array(t, "t")
        out = np.empty(len(times))
        _ll.crvm_retention_cov_survival(self._model, g, zarr, times, out)
        return float(out[0]) if np.ndim(t) == 0 else out
