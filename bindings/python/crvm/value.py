"""The relationship value model: what each customer is worth, what support
adds to or takes from it, and the support P&L (C: ``crvm/value.h``;
definitions in docs/value.md).

>>> vm = crvm.ValueModel(ledger).fit("2024-06-30")
>>> vm.customers()            # residual value, value at risk, intervals per customer
>>> vm.segments()             # the same summed by segment, exact to the cent
>>> vm.contact_impact(by=["queue", "outcome"])
>>> vm.support_pnl("2024-04-01", "2024-06-30")
>>> vm.outreach(20)

Every money figure is a whole number of cents; sums reconcile exactly
(compare ``round(x * 100)``). Model-derived figures carry intervals (95% by
default) from the retention fit's covariance by the delta method, with the
gradient of each sum rather than a sum of intervals.

Thread safety: a fitted ValueModel is immutable; its methods may run
concurrently. It keeps a reference to its Ledger; once the ledger is
modified, every method raises :class:`crvm.StateError` (fit again).
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import lowlevel as _ll
from .errors import NotFittedError, StateError
from .ledger import CostModel, Ledger, _CHANNELS, _OUTCOMES, _PERIODS, _to_day, _day_to_timestamp
from .retention import _report_dict
from .retention_cov import RetentionRegression

__all__ = ["ValueModel", "sum_interval", "assemble_pnl", "assemble_scenario", "CANDIDATES"]

_MODELS = {"sbg": _ll.CRVM_VALUE_SBG, "bdw": _ll.CRVM_VALUE_BDW, "cox": _ll.CRVM_VALUE_COX,
           "bgnbd": _ll.CRVM_VALUE_BGNBD, "pareto": _ll.CRVM_VALUE_PARETO}
_FUTURES = {"baseline": _ll.CRVM_FUTURE_BASELINE, "segment_average": _ll.CRVM_FUTURE_SEGMENT_AVERAGE}
_REPORT_FORMATS = {"text": _ll.CRVM_REPORT_TEXT, "json": _ll.CRVM_REPORT_JSON, "csv": _ll.CRVM_REPORT_CSV,
                   "html": _ll.CRVM_REPORT_HTML}
# CSV tables in crvm_report_table order (crvm_report_table_name()).
_REPORT_TABLES = [_ll.crvm_report_table_name(t) for t in range(_ll.CRVM_REPORT_TABLES)]
_FIELDS = {"outcome": _ll.CRVM_FIELD_OUTCOME, "channel": _ll.CRVM_FIELD_CHANNEL,
           "tier": _ll.CRVM_FIELD_TIER, "escalated": _ll.CRVM_FIELD_ESCALATED,
           "month": _ll.CRVM_FIELD_MONTH, "quarter": _ll.CRVM_FIELD_QUARTER,
           "segment": _ll.CRVM_FIELD_SEGMENT}
_RANKS = {"value_at_risk": _ll.CRVM_RANK_VALUE_AT_RISK, "expected_saving": _ll.CRVM_RANK_EXPECTED_SAVING}
_VC_COLS = [_ll.crvm_value_column_name(i) for i in range(_ll.CRVM_VC_COLUMNS)]
_VS_COLS = [_ll.crvm_value_segment_column_name(i) for i in range(_ll.CRVM_VS_COLUMNS)]
_PNL_LINES = [_ll.crvm_pnl_line_name(i) for i in range(_ll.CRVM_PNL_LINES)]
_VK_COLS = [_ll.crvm_value_knowledge_column_name(i) for i in range(_ll.CRVM_VK_COLUMNS)]
_SCEN_COLS = ["contacts", "cost_change", "value_change", "value_change_lower", "value_change_upper",
              "net_change", "net_change_lower", "net_change_upper"]
_IMPACT_COLS = ["contacts", "impact", "impact_lower", "impact_upper"]
_EFFECT_COLS = ["coef", "se", "hazard_ratio", "hazard_ratio_lower", "hazard_ratio_upper", "p"]
#: candidate covariates of the value model's panel (crvm_value_candidate_name order)
CANDIDATES = [_ll.crvm_value_candidate_name(j) for j in range(_ll.CRVM_VALUE_CANDIDATES)]
#: the sums of ``ValueModel.segment_gradients`` (crvm_value_segment_gradients order)
GRADIENT_SUMS = ["expected_retained", "residual_value", "value_at_risk"]


def sum_interval(model: RetentionRegression, sum_value: float, gradient, money: bool = True,
                 confidence: float = 0.95) -> tuple:
    """The interval the value layer gives a sum with ``gradient`` (in the
    model's parameters) under ``model``'s covariance, by the delta method
    (``crvm_value_sum_interval``): for money (the sum in currency units, the
    gradient in cents) in whole cents, else sum -+ z se. Returns (lower, upper).

    Example::

        lo, hi = crvm.value.sum_interval(model, total, gradient)
    """
    model._require("sum_interval")
    out = np.empty(2)
    kind = _ll.CRVM_SUM_MONEY if money else _ll.CRVM_SUM_COUNT
    _ll.crvm_value_sum_interval(model._model, float(confidence), kind, float(sum_value),
                                np.ascontiguousarray(gradient, dtype=np.float64), out)
    return float(out[0]), float(out[1])


def assemble_scenario(model: RetentionRegression, sums, confidence: float = 0.95) -> pd.Series:
    """A scenario's columns, as :meth:`ValueModel.scenario` gives them, from
    its sums (:meth:`ValueModel.scenario_sums`) added over the parts of a
    base (crvm.spark), under ``model``'s covariance
    (``crvm_value_scenario_assemble``): the cost change rounded once, the
    value and net changes with their intervals.

    Example::

        s = crvm.value.assemble_scenario(model, sum(part.scenario_sums() for part in parts))
    """
    model._require("assemble_scenario")
    out = np.empty(len(_SCEN_COLS))
    _ll.crvm_value_scenario_assemble(model._model, float(confidence),
                                     np.ascontiguousarray(sums, dtype=np.float64), out)
    return pd.Series(out, index=_SCEN_COLS, name="scenario")


def assemble_pnl(lines) -> pd.Series:
    """The support P&L formed from its component lines as
    :meth:`ValueModel.support_pnl` forms it (``crvm_pnl_assemble``): for
    lines summed over the parts of a base (crvm.spark). ``lines`` maps the
    P&L's line names (a Series or dict) to the revenue, saving and cost lines
    and the contact value effect (currency units, whole cents), the effect's
    interval and the contacts; the totals (value, cost, net contribution,
    value per support dollar and their intervals) are formed in cents and any
    given are ignored. Returns every line, as ``support_pnl``.

    Example::

        pnl = crvm.value.assemble_pnl(summed_lines)
    """
    x = np.zeros(len(_PNL_LINES))
    for i, name in enumerate(_PNL_LINES):
        if name in lines:
            x[i] = float(lines[name])
    out = np.empty(len(_PNL_LINES))
    _ll.crvm_pnl_assemble(x, out)
    return pd.Series(out, index=_PNL_LINES, name="support_pnl")


def _reference(value) -> int:
    if value is None or value == "none" or value == "no_contact":
        return _ll.CRVM_VALUE_NO_CONTACT
    if isinstance(value, str) and value in _OUTCOMES:
        return _OUTCOMES.index(value)
    raise ValueError(f"reference must be one of {_OUTCOMES} or None (no contact), got {value!r}")


class ValueModel:
    """The value of a customer base as of a date.

    Parameters
    ----------
    ledger : Ledger
    cost_model : CostModel, optional (the documented defaults)
    retention : "bdw" (default) or "sbg": the retention model with support covariates
        (crvm/retention_cov.h); "cox": a Cox model on the same panel, stratified by segment
        (no ``retention_model``; ``covariate_effects()`` gives its hazard ratios);
        "bgnbd" or "pareto": a non-contractual business (no end dates; revenue events are
        purchases): BG/NBD or Pareto/NBD on purchase days with Gamma-Gamma margin per
        transaction (docs/value.md "Non-contractual models"; ``transactions()`` gives the
        summary, P(alive) and expected margins; contact impacts and scenarios raise
        StateError, since these models have no support covariates).
    covariates : fit support covariates (contacts by outcome, escalations, silence)
    horizon : H in months for retention, value at risk and the knowledge projection
    discount_rate : annual rate; None takes the cost model's
    period : renewal period, "month" (default), "quarter" or "year"
    trailing_months : the window of the contribution per period (default 12)
    shrinkage : pseudo-periods of the segment mean added to each customer's window
    future : "segment_average" (default) or "baseline": covariates of periods not begun
    lifetime_cap, confidence, reference_outcome, threads : as in crvm_value_options
    per_segment : "bgnbd"/"pareto" only: fit the transaction and spend models per segment
        (default False: one pooled fit)

    Example::

        ledger = crvm.Ledger.from_csv("data/")
        vm = crvm.ValueModel(ledger, horizon=12).fit("2024-06-14")
        vm.customers()[["residual_value", "value_at_risk"]]
        vm.support_pnl("2024-01-01", "2024-06-14")
        vm.contact_impact(by="outcome")
        vm.outreach(20)
    """

    def __init__(self, ledger: Ledger, cost_model: Optional[CostModel] = None, retention: str = "bdw",
                 covariates: bool = True, horizon: int = 12, discount_rate: Optional[float] = None, *,
                 period: str = "month", trailing_months: int = 12, shrinkage: float = 0.0,
                 future: str = "segment_average", lifetime_cap: int = 1200, confidence: float = 0.95,
                 reference_outcome: str = "resolved", threads: int = 0, per_segment: bool = False):
        if not isinstance(ledger, Ledger):
            raise TypeError(f"ledger: expected a crvm.Ledger, got {type(ledger).__name__}")
        if retention not in _MODELS:
            raise ValueError(f"retention must be one of {list(_MODELS)}, got {retention!r}")
        if period not in _PERIODS:
            raise ValueError(f"period must be one of {list(_PERIODS)}, got {period!r}")
        if future not in _FUTURES:
            raise ValueError(f"future must be one of {list(_FUTURES)}, got {future!r}")
        self.ledger = ledger
        self.cost_model = cost_model or CostModel()
        o = _ll.crvm_value_options()
        _ll.crvm_value_options_init(o)
        o.model = _MODELS[retention]
        o.covariates = int(bool(covariates))
        o.period = _PERIODS[period]
        o.horizon = int(horizon)
        o.trailing_months = int(trailing_months)
        o.shrinkage = float(shrinkage)
        o.future = _FUTURES[future]
        o.lifetime_cap = int(lifetime_cap)
        o.confidence = float(confidence)
        o.reference_outcome = _reference(reference_outcome)
        o.discount_rate = -1.0 if discount_rate is None else float(discount_rate)
        o.threads = int(threads)
        o.per_segment = int(bool(per_segment))
        self._options = o
        self._h = None

    # ------------------------------------------------------------ fitting

    def fit(self, as_of) -> "ValueModel":
        """Fit the retention model to the data up to ``as_of`` and value every customer."""
        self.as_of = _day_to_timestamp(_to_day(as_of))
        self._h = _ll.crvm_value_fit(self.ledger._h, self.cost_model._c, _to_day(as_of), self._options)
        self._info = _ll.crvm_value_get_info(self._h)
        return self

    def candidate_panel(self, as_of) -> pd.DataFrame:
        """The retention panel :meth:`fit` would fit to, without fitting
        (``crvm_value_rows_build``): one row per customer and period at risk --
        ``id``, ``segment``, ``period``, ``event``, every candidate covariate
        (:data:`CANDIDATES`, before the constant ones are left out) and
        ``recent`` (the row's renewal falls in the trailing window: the rows of
        the segments' future exposure). The parts of a base valued on several
        machines (crvm.spark) each give theirs; one model is fitted to them all."""
        rows = _ll.crvm_value_rows_build(self.ledger._h, _to_day(as_of), self._options)
        subjects, n = _ll.crvm_value_rows_size(rows)
        group = np.empty(subjects, np.int32)
        subject, period, event, recent = (np.empty(n, np.int32) for _ in range(4))
        z = np.empty(n * len(CANDIDATES))
        _ll.crvm_value_rows_get(rows, group, subject, period, event, z, recent)
        ids = self.ledger.customer_ids().to_numpy()
        segs = np.array(list(self.ledger.segment_ids()), dtype=object)
        df = pd.DataFrame({"id": ids[subject], "segment": segs[group[subject]], "period": period,
                           "event": event})
        z = z.reshape(n, len(CANDIDATES))
        for j, name in enumerate(CANDIDATES):
            df[name] = z[:, j]
        df["recent"] = recent
        return df

    def fit_shared(self, as_of, model: RetentionRegression, pattern_counts: pd.DataFrame) -> "ValueModel":
        """Value the ledger (one part of a base) with ``model``, a
        :class:`crvm.RetentionRegression` fitted elsewhere to the whole base's
        panel (groups: segment names; covariates: a subset of :data:`CANDIDATES`),
        and ``pattern_counts``, the whole base's rows counted by ``segment`` and
        candidate values: columns ``segment``, the :data:`CANDIDATES`, ``recent``
        and ``rows`` (``crvm_value_fit_shared``). Each customer's row is then the
        one the whole base gives; ``segment_gradients`` and ``impact_sums``
        give what sums of the parts need for their intervals. Returns self."""
        model._require("fit_shared")
        labels = [str(g) for g in model._labels]
        missing = [s for s in self.ledger.segment_ids() if str(s) not in labels]
        if missing:
            raise ValueError(f"fit_shared: segments {missing} are not groups of the model ({labels})")
        segment_group = np.array([labels.index(str(s)) for s in self.ledger.segment_ids()], np.int32)
        unknown = [c for c in model._covariates if c not in CANDIDATES]
        if unknown:
            raise ValueError(f"fit_shared: covariates {unknown} are not among {CANDIDATES}")
        covariates = np.array([CANDIDATES.index(c) for c in model._covariates], np.int32)
        counts = pattern_counts[pattern_counts["segment"].astype(str).isin(labels)]
        groups = np.array([labels.index(str(s)) for s in counts["segment"]], np.int32)
        z = np.ascontiguousarray(counts[CANDIDATES].to_numpy(np.float64)).ravel()
        n = np.ascontiguousarray(counts[["recent", "rows"]].to_numpy(np.float64)).ravel()
        self.as_of = _day_to_timestamp(_to_day(as_of))
        self._h = _ll.crvm_value_fit_shared(self.ledger._h, self.cost_model._c, _to_day(as_of), self._options,
                                            model._model, segment_group, covariates, groups, z, n)
        self._info = _ll.crvm_value_get_info(self._h)
        self._shared = model
        return self

    def _parameters(self) -> int:
        info = _ll.crvm_value_get_info(self._handle())
        model = getattr(self, "_shared", None)
        groups = len(model._labels) if model is not None else info.segments
        return 2 * groups + 1 + info.covariates

    def segment_gradients(self) -> np.ndarray:
        """Gradients of the segment sums in the model's parameters
        (``crvm_value_segment_gradients``): an array (groups, 3, parameters),
        the sums :data:`GRADIENT_SUMS` (money in cents) over each model group's
        active customers; summed over the parts of a base, :func:`sum_interval`
        turns them into the intervals of ``segments()``."""
        h = self._handle()
        k = self._parameters()
        groups = (k - 1 - _ll.crvm_value_get_info(h).covariates) // 2
        out = np.empty(groups * len(GRADIENT_SUMS) * k)
        _ll.crvm_value_segment_gradients(h, out)
        return out.reshape(groups, len(GRADIENT_SUMS), k)

    def impact_sums(self, group, groups: int, reference: Optional[str] = "resolved", start=None,
                    end=None) -> np.ndarray:
        """Contact impacts summed by ``group`` (per ledger contact its group, -1
        to leave it out) over the contacts opened in [start, end], with the
        gradient of each sum (``crvm_value_impact_sums``): an array (groups, 2 +
        parameters) of contacts, the sum in currency units, and its gradient in
        cents per parameter."""
        h = self._handle()
        k = self._parameters()
        a = int(_ll.CRVM_DATE_MIN) if start is None else _to_day(start)
        b = _to_day(self.as_of) + 1 if end is None else _to_day(end) + 1
        out = np.empty(groups * (2 + k))
        _ll.crvm_value_impact_sums(h, _reference(reference), a, b,
                                   np.ascontiguousarray(group, dtype=np.int32), groups, out)
        return out.reshape(groups, 2 + k)

    def _handle(self):
        if self._h is None:
            raise NotFittedError("ValueModel: call fit(as_of) first")
        return self._h

    @property
    def fit_report(self) -> dict:
        """The retention fit's report (log-likelihood, AIC, BIC, iterations, convergence)."""
        return _report_dict(_ll.crvm_value_get_info(self._handle()).report)

    @property
    def covariates(self) -> list:
        """Names of the retention model's covariates (constant ones are left out)."""
        h = self._handle()
        return [_ll.crvm_value_covariate_name(h, j) for j in range(_ll.crvm_value_get_info(h).covariates)]

    @property
    def discount_rate_per_period(self) -> float:
        return _ll.crvm_value_get_info(self._handle()).discount_rate

    @property
    def retention_model(self):
        """The fitted retention model (:class:`crvm.RetentionRegression`; groups
        are the segments): parameters, standard errors, ``summary`` with the
        covariate effects as hazard ratios. It shares the C model of this
        ValueModel, which it keeps alive. Non-contractual models: a
        :class:`crvm.BetaGeo` or :class:`crvm.ParetoNBD` with the fitted
        parameters and covariance (time in days), or with ``per_segment`` a
        dict of them by segment."""
        h = self._handle()
        if self._nc:
            return self._per_group(self._transaction_model)
        kind = "sbg" if self._options.model == _ll.CRVM_VALUE_SBG else "bdw"
        rr = RetentionRegression(kind)
        rr._set(_ll.crvm_value_retention_model(h), list(self.ledger.segment_ids()), self.covariates,
                _report_dict(_ll.crvm_value_get_info(h).report))
        rr._owner = h  # the model belongs to the value object
        return rr

    @property
    def _nc(self) -> bool:
        return self._options.model in (_ll.CRVM_VALUE_BGNBD, _ll.CRVM_VALUE_PARETO)

    def _nc_model(self, group: int):
        params = np.empty(7)
        cov = np.empty(49)
        _ll.crvm_value_nc_model(self._handle(), group, params, cov)
        return params, cov.reshape(7, 7)

    def _per_group(self, make):
        if not self._options.per_segment:
            return make(0)
        return {s: make(g) for g, s in enumerate(self.ledger.segment_ids())}

    def _transaction_model(self, group: int):
        from .transactions import BetaGeo, ParetoNBD
        params, cov = self._nc_model(group)
        m = BetaGeo() if self._options.model == _ll.CRVM_VALUE_BGNBD else ParetoNBD()
        m.params = dict(zip(m._param_names, params[:4]))
        m._cov = cov[:4, :4].ravel().copy()
        m._se = np.sqrt(np.diag(cov[:4, :4]))
        return m

    def _spend_model(self, group: int):
        from .spend import GammaGamma
        params, cov = self._nc_model(group)
        m = GammaGamma()
        m.params = dict(zip(("p", "q", "v"), params[4:]))
        return m

    def _covariance(self, group: int) -> pd.DataFrame:
        from .transactions import BetaGeo, ParetoNBD
        names = list((BetaGeo if self._options.model == _ll.CRVM_VALUE_BGNBD else ParetoNBD)._param_names)
        names += ["p", "q", "v"]
        return pd.DataFrame(self._nc_model(group)[1], index=names, columns=names)

    def model_covariance(self):
        """Non-contractual models: the 7 x 7 covariance of the transaction
        model's and the Gamma-Gamma parameters (zero across the two: separate
        likelihoods), the one the intervals use; with ``per_segment`` a dict by
        segment."""
        self.spend_model  # raises for a contractual model
        return self._per_group(self._covariance)

    @property
    def spend_model(self):
        """Non-contractual models: the fitted Gamma-Gamma model of the margin per
        transaction (:class:`crvm.GammaGamma` with its parameters, money in
        currency units; ``model_covariance()`` has their covariance), or with
        ``per_segment`` a dict by segment."""
        if not self._nc:
            raise StateError("ValueModel.spend_model: only the non-contractual models "
                                 "(retention='bgnbd' or 'pareto') have a spend model")
        self._handle()
        return self._per_group(self._spend_model)

    def transactions(self) -> pd.DataFrame:
        """Non-contractual models: each customer's purchase-day summary in days
        (``frequency``, ``recency``, ``T``), its ``mean_margin`` per repeat
        transaction, the Gamma-Gamma ``expected_margin``, ``p_alive`` at as_of
        and ``expected_transactions`` over the horizon; customers without a
        purchase by as_of are left out."""
        h = self._handle()
        n = len(self.ledger)
        cols = [_ll.crvm_value_nc_column_name(i) for i in range(_ll.CRVM_VNC_COLUMNS)]
        out = np.empty(n * len(cols))
        _ll.crvm_value_nc_customers(h, out)
        df = pd.DataFrame(out.reshape(n, len(cols)), columns=cols, index=self.ledger.customer_ids())
        active = np.empty(n * len(_VC_COLS))
        _ll.crvm_value_customers(h, active)
        return df[active.reshape(n, len(_VC_COLS))[:, 0] > 0]

    def covariate_effects(self) -> pd.DataFrame:
        """Each support covariate's effect on the churn hazard: coefficient,
        standard error, hazard ratio with its interval, Wald p-value."""
        h = self._handle()
        names = self.covariates
        out = np.empty(len(names) * len(_EFFECT_COLS))
        _ll.crvm_value_covariate_effects(h, out)
        return pd.DataFrame(out.reshape(len(names), len(_EFFECT_COLS)), columns=_EFFECT_COLS,
                            index=pd.Index(names, name="covariate"))

    # ------------------------------------------------------------ figures

    def customers(self) -> pd.DataFrame:
        """Every ledger customer: segment, tenure, gross margin, cost to serve and
        contribution per period, retention probability over the horizon (with
        interval), churn at the next renewal, expected residual lifetime, DERL,
        residual value and value at risk (with intervals), silence, risk
        multiplier. Customers not active on as_of have ``active`` False and
        zero model figures."""
        h = self._handle()
        n = len(self.ledger)
        out = np.empty(n * len(_VC_COLS))
        _ll.crvm_value_customers(h, out)
        df = pd.DataFrame(out.reshape(n, len(_VC_COLS)), columns=_VC_COLS, index=self.ledger.customer_ids())
        segs = np.array(list(self.ledger.segment_ids()), dtype=object)
        df["active"] = df["active"].astype(bool)
        df["segment"] = segs[df["segment"].to_numpy(dtype=np.int64)]
        for c in ("tenure", "silence"):
            df[c] = df[c].astype(np.int64)
        return df

    def segments(self) -> pd.DataFrame:
        """The additive columns summed by segment (active customers), and the
        whole base in the last row, "All"; intervals of each sum."""
        h = self._handle()
        idx = list(self.ledger.segment_ids()) + ["All"]
        out = np.empty(len(idx) * len(_VS_COLS))
        _ll.crvm_value_segments(h, out)
        df = pd.DataFrame(out.reshape(len(idx), len(_VS_COLS)), columns=_VS_COLS,
                          index=pd.Index(idx, name="segment"))
        df["customers"] = df["customers"].astype(np.int64)
        return df

    # --------------------------------------------------------- contacts

    def contact_impacts(self, reference: Optional[str] = "resolved") -> pd.Series:
        """Impact of every contact (currency units; negative = value lost) against
        ``reference`` (an outcome, or None for "no contact")."""
        h = self._handle()
        n = self.ledger.stats()["contacts"]
        out = np.empty(n)
        _ll.crvm_value_contact_impacts(h, _reference(reference), out)
        return pd.Series(out, index=self.ledger.contact_ids(), name="impact")

    def _group_frame(self, by: Sequence[str]) -> pd.DataFrame:
        """The grouping columns of every contact, for pandas."""
        contacts = self.ledger.contacts()
        frame = pd.DataFrame(index=contacts.index)
        segment = self.ledger.customers()["segment"]
        for name in by:
            if name == "month":
                frame[name] = contacts["opened"].dt.strftime("%Y-%m")
            elif name == "quarter":
                frame[name] = contacts["opened"].dt.year.astype(str) + "-Q" + \
                    contacts["opened"].dt.quarter.astype(str)
            elif name == "segment":
                frame[name] = segment.reindex(contacts["customer_id"]).to_numpy()
            elif name == "escalated":
                frame[name] = np.where(contacts["escalated"], "yes", "no")
            elif name in contacts.columns:
                frame[name] = contacts[name]
            else:
                raise KeyError(f"contact_impact: no contact column or attribute {name!r}")
        frame["_opened"] = contacts["opened"]
        return frame

    def _grouping(self, by, start, end):
        """The contacts' groups for ``by`` (one column or attribute, or a
        list), their count and the index of the groups."""
        h = self._handle()
        keys = [by] if isinstance(by, str) else list(by)
        n = self.ledger.stats()["contacts"]
        simple = len(keys) == 1 and start is None and end is None
        if simple and (keys[0] in _FIELDS or keys[0] in self.ledger.attribute_names()):
            field = _FIELDS.get(keys[0], _ll.CRVM_FIELD_ATTRIBUTE)
            attr = None if keys[0] in _FIELDS else keys[0]
            group = np.empty(n, np.int32)
            groups = _ll.crvm_value_contact_groups(h, field, attr, group)
            labels = [_ll.crvm_value_group_label(h, field, attr, g) for g in range(groups)]
            return group, groups, pd.Index(labels, name=keys[0])
        frame = self._group_frame(keys)
        ids = frame.groupby(keys, sort=True, observed=True, dropna=True).ngroup()
        keep = frame["_opened"] <= self.as_of
        if start is not None:
            keep &= frame["_opened"] >= pd.Timestamp(start)
        if end is not None:
            keep &= frame["_opened"] <= pd.Timestamp(end)
        group = np.where(keep & (ids >= 0), ids, -1).astype(np.int32)
        table = frame.assign(_g=ids.to_numpy()).loc[ids.to_numpy() >= 0].drop_duplicates("_g").sort_values("_g")
        index = pd.MultiIndex.from_frame(table[keys]) if len(keys) > 1 else pd.Index(table[keys[0]], name=keys[0])
        return group, len(table), index

    @staticmethod
    def _impact_frame(rows, index) -> pd.DataFrame:
        df = pd.DataFrame(rows.reshape(len(index), len(_IMPACT_COLS)), columns=_IMPACT_COLS, index=index)
        df["contacts"] = df["contacts"].astype(np.int64)
        return df

    def contact_impact(self, by: Union[str, Sequence[str]] = "outcome", reference: Optional[str] = "resolved",
                       start=None, end=None) -> pd.DataFrame:
        """Contact impacts summed by ``by`` -- a contact column ("outcome",
        "channel", "tier", "escalated", "month", "quarter", "segment", ...), an
        attribute ("queue", "agent", ...) or a list of them -- with the interval
        of each sum: ``contacts``, ``impact``, ``impact_lower``, ``impact_upper``.
        ``start``/``end`` restrict to contacts opened in [start, end]."""
        group, groups, index = self._grouping(by, start, end)
        if groups == 0:
            return pd.DataFrame(columns=_IMPACT_COLS, index=index)
        out = np.empty(groups * len(_IMPACT_COLS))
        _ll.crvm_value_impact_by(self._handle(), _reference(reference), np.ascontiguousarray(group), groups, out)
        return self._impact_frame(out, index)

    def contact_impact_tables(self, bys: Sequence[Union[str, Sequence[str]]], reference: Optional[str] = "resolved",
                        start=None, end=None) -> dict:
        """Several ``contact_impact`` tables from one pass over the contacts
        (``crvm_value_impact_by_many``): a dict from each entry of ``bys`` (a
        list becomes a tuple) to the table ``contact_impact(by)`` gives."""
        made = [(by, *self._grouping(by, start, end)) for by in bys]
        key = lambda by: by if isinstance(by, str) else tuple(by)  # noqa: E731
        tables = {key(by): pd.DataFrame(columns=_IMPACT_COLS, index=index)
                  for by, _, groups, index in made if groups == 0}
        made = [m for m in made if m[2] > 0]
        if made:
            group = np.concatenate([m[1] for m in made]).astype(np.int32)
            counts = np.array([m[2] for m in made], np.int32)
            out = np.empty(int(counts.sum()) * len(_IMPACT_COLS))
            _ll.crvm_value_impact_by_many(self._handle(), _reference(reference), group, counts, out)
            at = 0
            for by, _, groups, index in made:
                tables[key(by)] = self._impact_frame(out[at:at + groups * len(_IMPACT_COLS)], index)
                at += groups * len(_IMPACT_COLS)
        return {key(by): tables[key(by)] for by in bys}

    # -------------------------------------------------------------- P&L

    def support_pnl(self, start=None, end=None) -> pd.Series:
        """The support P&L of the days [start, end] (default: all history up to
        as_of): support-plan and sourced revenue, knowledge savings, the net
        value effect of the contacts (with interval), against labour, channel,
        escalation, overhead, self-service and knowledge costs; net
        contribution and value per support dollar (with intervals)."""
        h = self._handle()
        a = int(_ll.CRVM_DATE_MIN) if start is None else _to_day(start)
        b = _to_day(self.as_of) + 1 if end is None else _to_day(end) + 1
        out = np.empty(len(_PNL_LINES))
        _ll.crvm_value_support_pnl(h, a, b, out)
        s = pd.Series(out, index=_PNL_LINES, name="support_pnl")
        return s

    # ----------------------------------------------------------- outreach

    def outreach(self, n: int = 20, rank: str = "value_at_risk") -> pd.DataFrame:
        """The ``n`` active customers ranked first by value at risk (or by the
        expected saving of an outreach, ``rank="expected_saving"``, from the
        cost model's outreach cost and save rate), with their figures and a
        ``drivers`` text column."""
        if rank not in _RANKS:
            raise ValueError(f"rank must be one of {list(_RANKS)}, got {rank!r}")
        h = self._handle()
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        chosen = np.empty(max(n, 1), np.int32)
        count = _ll.crvm_value_outreach(h, _RANKS[rank], n, chosen)
        chosen = chosen[:count]
        df = self.customers().iloc[chosen].copy()
        df["drivers"] = [_ll.crvm_value_drivers_text(h, int(i)) for i in chosen]
        return df

    def outreach_scores(self, rank: str = "value_at_risk") -> pd.Series:
        """The score by which :meth:`outreach` ranks every customer (indexed by
        customer id): its value at risk, or the expected saving of an outreach
        (``rank="expected_saving"``: save rate x value at risk - outreach
        cost); NaN where the ranking leaves the customer out (not active, or
        not worth an outreach)."""
        if rank not in _RANKS:
            raise ValueError(f"rank must be one of {list(_RANKS)}, got {rank!r}")
        h = self._handle()
        out = np.empty(len(self.ledger))
        _ll.crvm_value_outreach_scores(h, _RANKS[rank], out)
        return pd.Series(out, index=self.ledger.customer_ids(), name=rank)

    def drivers(self, customer: str) -> pd.DataFrame:
        """The covariates raising one customer's churn hazard: amount, period
        (0 current, 1 last complete) and hazard multiplier, the largest first."""
        h = self._handle()
        i = _ll.crvm_ledger_find(self.ledger._h, _ll.CRVM_TABLE_CUSTOMERS, customer)
        rows = _ll.crvm_py_value_drivers(h, i)
        return pd.DataFrame([{"covariate": _ll.crvm_value_covariate_name(h, c), "amount": a,
                              "periods_ago": ago, "multiplier": m} for c, a, ago, m in rows],
                            columns=["covariate", "amount", "periods_ago", "multiplier"])

    # ----------------------------------------------------------- what-if

    def _scenario(self, kind, from_outcome, to_outcome, share, extra_cost, channel,
                  self_service_success, start, end):
        """The crvm_scenario of :meth:`scenario`'s arguments."""
        s = _ll.crvm_scenario()
        if kind == "remap":
            s.kind = _ll.CRVM_SCENARIO_REMAP_OUTCOME
        elif kind == "self_service":
            s.kind = _ll.CRVM_SCENARIO_SHIFT_TO_SELF_SERVICE
            if channel is None:
                raise ValueError("scenario(kind='self_service') needs a channel")
        else:
            raise ValueError(f"kind must be 'remap' or 'self_service', got {kind!r}")
        for name, value in (("from_outcome", from_outcome), ("to_outcome", to_outcome)):
            if value not in _OUTCOMES:
                raise ValueError(f"{name} must be one of {_OUTCOMES}, got {value!r}")
        s.from_outcome = _OUTCOMES.index(from_outcome)
        s.to_outcome = _OUTCOMES.index(to_outcome)
        s.share = float(share)
        s.extra_cost_per_contact = float(extra_cost)
        if channel is not None and channel not in _CHANNELS:
            raise ValueError(f"channel must be one of {_CHANNELS}, got {channel!r}")
        s.channel = _CHANNELS.index(channel) if channel is not None else 0
        s.self_service_success = float(self_service_success)
        s.from_date = int(_ll.CRVM_DATE_MIN) if start is None else _to_day(start)
        s.until_date = _to_day(self.as_of) + 1 if end is None else _to_day(end) + 1
        return s

    def scenario(self, kind: str = "remap", *, from_outcome: str = "refused", to_outcome: str = "workaround",
                 share: float = 1.0, extra_cost: float = 0.0, channel: Optional[str] = None,
                 self_service_success: float = 1.0, start=None, end=None) -> pd.Series:
        """A policy applied to the contacts opened in [start, end]:
        ``kind="remap"`` gives ``share`` of ``from_outcome`` contacts
        ``to_outcome`` at ``extra_cost`` each; ``kind="self_service"`` moves
        ``share`` of ``channel``'s contacts to self-service, resolved there with
        probability ``self_service_success``. Returns the expected changes in
        support cost, customer value and net contribution, with intervals."""
        h = self._handle()
        s = self._scenario(kind, from_outcome, to_outcome, share, extra_cost, channel,
                           self_service_success, start, end)
        out = np.empty(len(_SCEN_COLS))
        _ll.crvm_value_scenario(h, s, out)
        return pd.Series(out, index=_SCEN_COLS, name="scenario")

    def scenario_sums(self, kind: str = "remap", *, from_outcome: str = "refused",
                      to_outcome: str = "workaround", share: float = 1.0, extra_cost: float = 0.0,
                      channel: Optional[str] = None, self_service_success: float = 1.0, start=None,
                      end=None) -> np.ndarray:
        """The sums behind :meth:`scenario` over this model's customers, to be
        added over the parts of a base (``crvm_value_scenario_sums``): expected
        contacts affected, cost change in cents (unrounded), value change in
        whole cents and its gradient in the retention model's parameters;
        :func:`assemble_scenario` turns their total into the scenario."""
        h = self._handle()
        s = self._scenario(kind, from_outcome, to_outcome, share, extra_cost, channel,
                           self_service_success, start, end)
        out = np.empty(3 + self._parameters())
        _ll.crvm_value_scenario_sums(h, s, out)
        return out

    # ---------------------------------------------------------- knowledge

    def knowledge(self) -> pd.DataFrame:
        """Every article: saving, cost, value, ROI and payback to date; uses per
        period over the trailing window; projected saving, upkeep and value over
        the horizon."""
        h = self._handle()
        idx = self.ledger.article_ids()
        out = np.empty(len(idx) * len(_VK_COLS))
        _ll.crvm_value_knowledge(h, out)
        return pd.DataFrame(out.reshape(len(idx), len(_VK_COLS)), columns=_VK_COLS, index=idx)

    # ------------------------------------------------------------ report

    def report(self, format: str = "text", path=None, *, top: int = 5, pnl_months: int = 12,
               table: str = "headline", title: Optional[str] = None) -> Optional[str]:
        """The report a support executive reads (the one ``crvm report`` writes):
        the headline, the support P&L of the last ``pnl_months`` months, segment
        value and economics, retention with its covariate effects and curves,
        contact impact by every grouping, knowledge and the ``top`` customers to
        call. ``format`` is "text", "json" (docs/report-schema.md), "csv" or
        "html" (one self-contained page with SVG charts).

        With ``path`` the report is written there (for "csv": a directory that
        receives one file per table) and None is returned; without, the text is
        returned (for "csv": the one ``table`` named, e.g. "segments")."""
        h = self._handle()
        if format not in _REPORT_FORMATS:
            raise ValueError(f"format must be one of {list(_REPORT_FORMATS)}, got {format!r}")
        if table not in _REPORT_TABLES:
            raise ValueError(f"table must be one of {_REPORT_TABLES}, got {table!r}")
        o = _ll.crvm_report_options()
        _ll.crvm_report_options_init(o)
        o.format = _REPORT_FORMATS[format]
        o.top = int(top)
        o.pnl_months = int(pnl_months)
        o.table = _REPORT_TABLES.index(table)
        o.horizon = int(self._options.horizon)
        if path is not None:
            _ll.crvm_py_report_write(h, self.ledger._h, self.cost_model._c, o, title, str(path))
            return None
        return _ll.crvm_py_report_render(h, self.ledger._h, self.cost_model._c, o, title)

    # ------------------------------------------------------------ panel

    def panel(self) -> pd.DataFrame:
        """The retention panel the model was fitted to, one row per customer and
        period at risk: ``id``, ``segment``, ``period``, ``event`` and the model's
        covariates -- the input of :class:`crvm.RetentionRegression`."""
        h = self._handle()
        subjects, rows, p = _ll.crvm_value_panel_size(h)
        group = np.empty(subjects, np.int32)
        subject, period, event = (np.empty(rows, np.int32) for _ in range(3))
        z = np.empty(rows * p)
        _ll.crvm_value_panel(h, group, subject, period, event, z)
        ids = self.ledger.customer_ids().to_numpy()
        segs = np.array(list(self.ledger.segment_ids()), dtype=object)
        df = pd.DataFrame({"id": ids[subject], "segment": segs[group[subject]], "period": period,
                           "event": event})
        for j, name in enumerate(self.covariates):
            df[name] = z[j::p] if p else []
        return df
