"""Plots of fitted models (matplotlib, an optional extra: ``pip install
crvm[plot]``; imported only when a plot is drawn).

Every function draws on ``ax`` (a new figure's axes when None) and returns
the Axes. The numbers come from the models' own predictions; nothing here
computes a statistic of its own.

* survival curves with confidence bands: :func:`plot_survival`
* retention curves by segment, observed and projected: :func:`plot_retention`
* the frequency/recency and P(alive) matrices: :func:`plot_frequency_recency_matrix`,
  :func:`plot_probability_alive_matrix`
* calibration versus holdout purchases: :func:`plot_calibration_purchases_vs_holdout_purchases`
* repeat purchases per customer, actual and expected: :func:`plot_period_transactions`
* expected purchases over time against actual: :func:`plot_cumulative_transactions`
* one customer's P(alive) through time: :func:`plot_history_alive`
* Cox coefficients with intervals: :func:`plot_coefficients`
* scaled Schoenfeld residuals against time: :func:`plot_schoenfeld`
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

__all__ = [
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_coefficients",
    "plot_cumulative_transactions",
    "plot_frequency_recency_matrix",
    "plot_history_alive",
    "plot_period_transactions",
    "plot_probability_alive_matrix",
    "plot_retention",
    "plot_schoenfeld",
    "plot_survival",
    "expected_cumulative_transactions",
]


def _axes(ax):
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt  # noqa: PLC0415 - optional dependency
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError("crvm.plotting needs matplotlib: pip install 'crvm[plot]'") from exc
    return plt.figure().add_subplot(1, 1, 1)


def plot_survival(curves, ax=None, ci: bool = True, **kwargs: Any):
    """Kaplan–Meier curves as steps with their confidence bands.

    ``curves``: a :class:`crvm.KaplanMeier`, a list of them, or a dict
    {label: curve} such as :func:`crvm.kaplan_meier_by_group` returns.

    Example::

        crvm.plotting.plot_survival(crvm.kaplan_meier_by_group(T, E, segment))
    """
    ax = _axes(ax)
    if isinstance(curves, Mapping):
        items = list(curves.items())
    elif isinstance(curves, (list, tuple)):
        items = [(c.label, c) for c in curves]
    else:
        items = [(curves.label, curves)]
    for label, km in items:
        sf = km.survival_function_
        t = sf.index.to_numpy()
        (line,) = ax.step(t, sf.iloc[:, 0].to_numpy(), where="post", label=str(label), **kwargs)
        if ci:
            band = km.confidence_interval_
            ax.fill_between(t, band.iloc[:, 0].to_numpy(), band.iloc[:, 1].to_numpy(), step="post",
                            alpha=0.25, color=line.get_color(), linewidth=0)
    ax.set_xlabel("time")
    ax.set_ylabel("survival probability")
    ax.set_ylim(0.0, 1.05)
    ax.legend()
    return ax


def plot_retention(models: Mapping, observed: Mapping | None = None, horizon: int = 24,
                   ax=None):
    """Retention curves by segment: the observed share of each cohort still
    active (markers; survivor counts from period 0) and each fitted model's
    projection S(t) to ``horizon`` periods (lines).

    Example::

        fits = {s: crvm.ShiftedBetaGeometric().fit_cohort(c) for s, c in cohorts.items()}
        crvm.plotting.plot_retention(fits, observed=cohorts, horizon=36)
    """
    ax = _axes(ax)
    t = np.arange(0, int(horizon) + 1)
    for label, model in models.items():
        (line,) = ax.plot(t, model.survival(t), label=f"{label} (model)")
        if observed is not None and label in observed:
            counts = np.asarray(observed[label], dtype=np.float64)
            ax.plot(np.arange(len(counts)), counts / counts[0], "o", color=line.get_color(),
                    label=f"{label} (observed)")
    ax.set_xlabel("periods since acquisition")
    ax.set_ylabel("share still active")
    ax.set_ylim(0.0, 1.05)
    ax.legend()
    return ax


def _matrix_plot(matrix: pd.DataFrame, title, xlabel, ylabel, ax, **kwargs):
    ax = _axes(ax)
    image = ax.imshow(matrix.to_numpy(), origin="upper", aspect="auto", **kwargs)
    ax.figure.colorbar(image, ax=ax)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_frequency_recency_matrix(model, T: float = 1, max_frequency: int | None = None,
                                  max_recency: int | None = None, title: str | None = None,
                                  xlabel: str = "Customer's Historical Frequency",
                                  ylabel: str = "Customer's Recency", ax=None, **kwargs: Any):
    """Expected purchases in the next ``T`` time units of a customer with
    each (frequency, recency), at age max_recency (lifetimes' plot): rows
    recency, columns frequency, as lifetimes draws it.

    Example::

        crvm.plotting.plot_frequency_recency_matrix(bgf, T=1)
    """
    hi_f, hi_r = model._matrix_extent(max_frequency, max_recency)
    m = model._matrix(lambda f, r, age: model.expected_purchases(T, f, r, age), hi_f, hi_r)
    title = title or ("Expected Number of Future Purchases for {} Unit{} of Time,".format(
        T, "s"[T == 1:]) + "\nby Frequency and Recency of a Customer")
    return _matrix_plot(m.T, title, xlabel, ylabel, ax, **kwargs)


def plot_probability_alive_matrix(model, max_frequency: int | None = None,
                                  max_recency: int | None = None,
                                  title: str = "Probability Customer is Alive,\nby Frequency "
                                               "and Recency of a Customer",
                                  xlabel: str = "Customer's Historical Frequency",
                                  ylabel: str = "Customer's Recency", ax=None, **kwargs: Any):
    """P(alive) of a customer with each (frequency, recency) at age
    max_recency (lifetimes' plot; rows recency, columns frequency).

    Example::

        crvm.plotting.plot_probability_alive_matrix(bgf)
    """
    m = model.conditional_probability_alive_matrix(max_frequency, max_recency)
    return _matrix_plot(m.T, title, xlabel, ylabel, ax, **kwargs)


def plot_calibration_purchases_vs_holdout_purchases(model, calibration_holdout_matrix,
                                                    kind: str = "frequency_cal", n: int = 7,
                                                    ax=None, **kwargs: Any):
    """Mean holdout purchases, actual and predicted by ``model``, by number
    of calibration purchases (lifetimes' plot; see
    :func:`crvm.holdout_accuracy` for the numbers).

    Example::

        crvm.plotting.plot_calibration_purchases_vs_holdout_purchases(bgf, cal_holdout)
    """
    from .diagnostics import holdout_accuracy  # noqa: PLC0415

    if kind != "frequency_cal":
        raise ValueError("kind: only 'frequency_cal' is supported")
    table = holdout_accuracy(model, calibration_holdout_matrix, max_frequency=n).by_frequency
    table = table.iloc[: n]
    ax = _axes(ax)
    ax.plot(table.index, table["actual"], marker="o", label="frequency_holdout", **kwargs)
    ax.plot(table.index, table["predicted"], marker="o", label="model_predictions", **kwargs)
    ax.set_title("Actual Purchases in Holdout Period vs Predicted Purchases")
    ax.set_xlabel("Purchases in calibration period")
    ax.set_ylabel("Average of Purchases in Holdout Period")
    ax.legend()
    return ax


def expected_period_transactions(model, max_frequency: int = 7) -> pd.DataFrame:
    """Customers with 0 .. max_frequency - 1 repeat purchases in the fitting
    data, and how many the model expects: sum over customers of P(X(T_i) = k)
    (exact expectation; lifetimes simulates instead)."""
    if model.data is None:
        raise ValueError("the model has no fitting data (fit it, or unpickle it)")
    age = model.data[model._age_name].to_numpy()
    w = model.data["weights"].to_numpy() if "weights" in model.data else np.ones(len(age))
    k = np.arange(int(max_frequency), dtype=np.float64)
    ages, counts = np.unique(age, return_inverse=True)
    weight = np.bincount(counts, weights=w)
    expected = np.zeros(len(k))
    for a, wa in zip(ages, weight):
        expected += wa * np.asarray(model.probability_of_purchases(np.full(len(k), a), k))
    actual = np.array([w[model.data["frequency"].to_numpy() == j].sum() for j in k])
    return pd.DataFrame({"Actual": actual, "Model": expected},
                        index=pd.Index(k.astype(int), name="frequency"))


def plot_period_transactions(model, max_frequency: int = 7,
                             title: str = "Frequency of Repeat Transactions",
                             xlabel: str = "Number of Calibration Period Transactions",
                             ylabel: str = "Customers", ax=None, **kwargs: Any):
    """Bars of the customers with 0, 1, ... repeat purchases: actual and
    expected by the model (lifetimes' plot, with the exact expectation in
    place of a simulation).

    Example::

        crvm.plotting.plot_period_transactions(bgf)
    """
    table = expected_period_transactions(model, max_frequency)
    ax = _axes(ax)
    width = 0.4
    x = table.index.to_numpy()
    ax.bar(x - width / 2, table["Actual"], width, label="Actual", **kwargs)
    ax.bar(x + width / 2, table["Model"], width, label="Model", **kwargs)
    ax.set_xticks(x)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def expected_cumulative_transactions(model, transactions: pd.DataFrame, datetime_col: str,
                                     customer_id_col: str, t: int, datetime_format=None,
                                     freq: str = "D", set_index_date: bool = False,
                                     freq_multiplier: float = 1) -> pd.DataFrame:
    """Cumulative repeat purchases of the whole customer base per period
    since the first transaction: actual, and as the model expects for
    customers acquired when they were (sum over customers of E[X(age)] for a
    new customer). Periods are ``freq`` units (times ``freq_multiplier``),
    counted from the first purchase in the data; customer i's age at the end
    of period k is k + 1 - b_i for first purchase in period b_i.

    Example::

        expected_cumulative_transactions(bgf, tx, "date", "id", t=200)
    """
    dates = pd.to_datetime(transactions[datetime_col], format=datetime_format)
    period = (dates.dt.to_period(freq) - dates.min().to_period(freq)).apply(lambda p: p.n)
    period = period.to_numpy(dtype=np.float64) / float(freq_multiplier)
    p = np.floor(period).astype(np.int64)
    ids = transactions[customer_id_col].to_numpy()
    frame = pd.DataFrame({"id": ids, "p": p})
    first = frame.groupby("id")["p"].min()
    # a customer's purchases within one period count once, as in the summaries
    repeat = frame.drop_duplicates()
    repeat = repeat[repeat["p"] > first.reindex(repeat["id"]).to_numpy()]
    periods = np.arange(int(t))
    actual = np.array([(repeat["p"] <= k).sum() for k in periods], dtype=np.float64)
    births, n_born = np.unique(first.to_numpy(), return_counts=True)
    predicted = np.zeros(len(periods))
    for b, nb in zip(births, n_born):
        later = periods >= b
        if later.any():
            ages = (periods[later] - b).astype(np.float64)
            predicted[later] += nb * np.asarray(model.expected_purchases_new(ages), dtype=float)
    index = (pd.Index(periods, name="period") if not set_index_date else
             pd.period_range(dates.min().to_period(freq), periods=int(t), freq=freq))
    return pd.DataFrame({"actual": actual, "predicted": predicted}, index=index)


def plot_cumulative_transactions(model, transactions: pd.DataFrame, datetime_col: str,
                                 customer_id_col: str, t: int, t_cal: int, datetime_format=None,
                                 freq: str = "D", set_index_date: bool = False,
                                 title: str = "Tracking Cumulative Transactions",
                                 xlabel: str = "day", ylabel: str = "Cumulative Transactions",
                                 ax=None, **kwargs: Any):
    """Expected purchases over time against actual: the cumulative repeat
    purchases of the customer base (:func:`expected_cumulative_transactions`),
    with a vertical line at the end of calibration ``t_cal`` (lifetimes' plot).

    Example::

        crvm.plotting.plot_cumulative_transactions(bgf, tx, "date", "id", t=200, t_cal=150)
    """
    table = expected_cumulative_transactions(model, transactions, datetime_col, customer_id_col,
                                             t, datetime_format, freq, set_index_date)
    ax = _axes(ax)
    x = np.arange(len(table))
    ax.plot(x, table["actual"], label="actual", **kwargs)
    ax.plot(x, table["predicted"], "--", label="predicted", **kwargs)
    ax.axvline(t_cal, color="k", linestyle=":", label="end of calibration")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_history_alive(model, t: int, transactions: pd.DataFrame, datetime_col: str,
                       freq: str = "D", start_date=None, ax=None, **kwargs: Any):
    """P(alive) of one customer over ``t`` periods from their first purchase
    (or ``start_date``), with their purchases marked (lifetimes' plot):
    at the end of each period the model is given the purchases so far.

    Example::

        crvm.plotting.plot_history_alive(bgf, 200, tx[tx["id"] == 35], "date")
    """
    dates = pd.to_datetime(transactions[datetime_col])
    start = pd.Timestamp(start_date) if start_date is not None else dates.min()
    purchase = np.unique((dates.dt.to_period(freq) - start.to_period(freq)).apply(
        lambda p: p.n).to_numpy())
    purchase = purchase[purchase >= 0]
    first = purchase.min() if len(purchase) else 0
    days = np.arange(int(t), dtype=np.float64)
    freq_so_far = np.array([max((purchase <= d).sum() - 1, 0) for d in days], dtype=np.float64)
    last = np.array([purchase[purchase <= d].max() if (purchase <= d).any() else first
                     for d in days], dtype=np.float64)
    age = np.maximum(days - first, 0.0)
    ok = age > 0
    pa = np.full(len(days), 1.0)
    pa[ok] = model.p_alive(freq_so_far[ok], np.where(freq_so_far[ok] > 0, last[ok] - first, 0.0),
                           age[ok])
    ax = _axes(ax)
    ax.plot(days, pa, label="P(alive)", **kwargs)
    for p in purchase:
        ax.axvline(p, color="r", linestyle="--", alpha=0.5)
    ax.set_ylim(0.0, 1.05)
    ax.set_title("History of P(alive)")
    ax.set_xlabel(f"periods ({freq}) since {start.date()}")
    ax.set_ylabel("P(alive)")
    ax.legend()
    return ax


def plot_coefficients(cox, columns=None, hazard_ratios: bool = False, ax=None, **kwargs: Any):
    """Cox coefficients (log hazard ratios, or hazard ratios) with their
    confidence intervals, one row per covariate (lifelines' ``cph.plot()``).

    Example::

        cph.plot(hazard_ratios=True)
    """
    ci = cox.confidence_intervals
    coef = cox.coefficients
    if columns is not None:
        ci, coef = ci.loc[list(columns)], coef.loc[list(columns)]
    order = np.argsort(coef.to_numpy())
    coef, ci = coef.iloc[order], ci.iloc[order]
    est, lo, hi = coef.to_numpy(), ci["lower"].to_numpy(), ci["upper"].to_numpy()
    if hazard_ratios:
        est, lo, hi = np.exp(est), np.exp(lo), np.exp(hi)
    ax = _axes(ax)
    y = np.arange(len(est))
    ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="s", capsize=3, **kwargs)
    ax.axvline(1.0 if hazard_ratios else 0.0, color="k", linestyle="--", alpha=0.5)
    ax.set_yticks(y)
    ax.set_yticklabels(list(coef.index))
    level = int(round(100 * (1 - cox.alpha)))
    ax.set_xlabel(f"{'HR' if hazard_ratios else 'log(HR)'} ({level}% CI)")
    return ax


def plot_schoenfeld(cox, training_df=None, columns=None, axes=None):
    """Scaled Schoenfeld residuals of each covariate against the rank of
    the event times; a trend means the covariate's effect changes with time
    (the picture behind :meth:`crvm.CoxPH.check_assumptions`). Returns the
    list of Axes.

    Example::

        crvm.plotting.plot_schoenfeld(cph, rossi, columns=["age", "prio"])
    """
    res = cox.compute_residuals(training_df, "scaled_schoenfeld")
    names = [c for c in cox.covariates if columns is None or c in columns]
    if axes is None:
        import matplotlib.pyplot as plt  # noqa: PLC0415

        fig = plt.figure(figsize=(4 * len(names), 3.5))
        axes = [fig.add_subplot(1, len(names), i + 1) for i in range(len(names))]
    rank = np.arange(1, len(res) + 1)
    tests = cox.proportional_hazard_test(training_df, "rank")
    for ax, name in zip(axes, names):
        ax.scatter(rank, res[name].to_numpy() + cox.coefficients[name], s=8, alpha=0.6)
        ax.axhline(cox.coefficients[name], color="k", linestyle="--")
        ax.set_title(f"{name}: p = {tests.loc[name, 'p']:.3g}")
        ax.set_xlabel("rank of event time")
        ax.set_ylabel("beta(t)")
    return axes
