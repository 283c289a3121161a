"""crvm.spark in Spark's local mode against crvm on one machine.

The Spark path runs the same C routines on the same customers, so RFM rows,
panels and per-customer predictions from equal parameters must be equal
(predictions to 1e-12, rounding only). Fitted parameters come from a
different optimiser path (weighted distinct rows; Newton on partition sums),
so they must agree with the single-machine fit to 1e-8 relative: both
optimisers stop within about 1e-9 of the maximum on the log-parameter
scale."""

import os
import sys

import numpy as np
import pandas as pd
import pytest

import crvm

pyspark = pytest.importorskip("pyspark")
import crvm.spark  # noqa: E402  (needs pyspark)

PARAM_RTOL = 1e-8   # the brief's agreement of fits (see the module comment)
PREDICT_RTOL = 1e-12  # same C code, same inputs


@pytest.fixture(scope="session")
def spark():
    # local[2], 4 shuffle partitions, loopback only, no UI; the executors'
    # Python is this one (with crvm installed)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = crvm.spark.local_session(cores=2, shuffle_partitions=4, app_name="crvm-tests")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def cdnow_tx(datadir) -> pd.DataFrame:
    """CDNOW's transaction log (Fader & Hardie's 1/10 sample: 23,570 customers)."""
    df = pd.read_csv(datadir / "CDNOW_master.txt", sep=r"\s+", header=0,
                     names=["customer_id", "date", "cds", "amount"], dtype={"customer_id": str})
    df["date"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    return df


@pytest.fixture(scope="module")
def cdnow_spark(spark, cdnow_tx):
    return spark.createDataFrame(cdnow_tx).repartition(3)


def _sorted(df, key):
    return df.sort_values(key, kind="mergesort").set_index(key)


def _assert_rfm_equal(remote, local, tx):
    """Counts and times exactly; monetary means to the rounding of their sums,
    which Spark's shuffle feeds in another order: a recursive sum of n
    positive terms is within (n - 1) eps relative in any order, so two orders
    differ by at most 2 (n - 1) eps."""
    money = [c for c in local.columns if c.startswith("monetary")]
    pd.testing.assert_frame_equal(remote.drop(columns=money), local.drop(columns=money),
                                  check_exact=True, check_names=False)
    bound = 2 * tx.groupby("customer_id").size().max() * np.finfo(float).eps
    pd.testing.assert_frame_equal(remote[money], local[money], rtol=bound, atol=0,
                                  check_names=False)


def test_rfm_summary_equals_single_machine(cdnow_tx, cdnow_spark):
    local = crvm.rfm_summary(cdnow_tx, "customer_id", "date", "amount", unit="W")
    remote = _sorted(crvm.spark.rfm_summary(cdnow_spark, "customer_id", "date", "amount",
                                            unit="W").toPandas(), "customer_id")
    assert len(remote) == 23570
    _assert_rfm_equal(remote, local, cdnow_tx)


def test_calibration_holdout_equals_single_machine(cdnow_tx, cdnow_spark):
    kw = dict(calibration_end="1997-09-30", observation_end="1998-06-30", unit="W")
    local = crvm.rfm_summary(cdnow_tx, "customer_id", "date", "amount", **kw)
    remote = _sorted(crvm.spark.rfm_summary(cdnow_spark, "customer_id", "date", "amount",
                                            **kw).toPandas(), "customer_id")
    _assert_rfm_equal(remote, local, cdnow_tx)


def test_rfm_summary_of_yyyymmdd_numbers(spark, cdnow_tx):
    """Dates as YYYYMMDD integers with datetime_format: the default end is
    the latest parsed date."""
    raw = cdnow_tx.assign(date=cdnow_tx["date"].dt.strftime("%Y%m%d").astype(np.int64))
    local = crvm.rfm_summary(raw, "customer_id", "date", datetime_format="%Y%m%d")
    remote = _sorted(crvm.spark.rfm_summary(spark.createDataFrame(raw), "customer_id", "date",
                                            datetime_format="%Y%m%d").toPandas(), "customer_id")
    pd.testing.assert_frame_equal(remote, local, check_exact=True, check_names=False)


def test_rfm_summary_errors(spark, cdnow_spark):
    with pytest.raises(KeyError, match="nope"):
        crvm.spark.rfm_summary(cdnow_spark, "customer_id", "nope")
    empty = cdnow_spark.limit(0)
    with pytest.raises(ValueError, match="empty"):
        crvm.spark.rfm_summary(empty, "customer_id", "date")


@pytest.fixture(scope="module")
def weekly(cdnow_tx, cdnow_spark):
    local = crvm.rfm_summary(cdnow_tx, "customer_id", "date", "amount", unit="W")
    remote = crvm.spark.rfm_summary(cdnow_spark, "customer_id", "date", "amount", unit="W").cache()
    return local, remote


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b) / np.abs(b))


def test_fit_on_driver_equals_single_machine(weekly):
    local, remote = weekly
    one = crvm.BetaGeo().fit(local["frequency"], local["recency"], local["T"])
    spark_fit = crvm.spark.fit(crvm.BetaGeo(), remote)
    assert spark_fit.spark_report["path"] == "driver"
    assert spark_fit.spark_report["customers"] == len(local)
    # orders of magnitude fewer rows than customers
    assert spark_fit.spark_report["distinct_rows"] < len(local) / 5
    assert _rel(list(spark_fit.params.values()), list(one.params.values())) < PARAM_RTOL


def test_distributed_fit_equals_single_machine(weekly):
    local, remote = weekly
    one = crvm.BetaGeo().fit(local["frequency"], local["recency"], local["T"])
    dist = crvm.spark.fit(crvm.BetaGeo(), remote, max_driver_rows=100, sample_rows=300)
    report = dist.spark_report
    assert report["path"] == "distributed" and report["sample_rows"] <= 300
    assert report["iterations"] >= 1  # Newton moved it from the sample's fit
    assert _rel(list(dist.params.values()), list(one.params.values())) < PARAM_RTOL
    # standard errors: the Hessian by fourth-order differences (measured 2e-7
    # from crvm's analytic BG/NBD Hessian on CDNOW, rounding-dominated)
    assert _rel(list(dist.standard_errors.values()), list(one.standard_errors.values())) < 1e-6


def _repeat(local):
    return local[(local["frequency"] > 0) & (local["monetary_value"] > 0)]


def test_spend_fits_equal_single_machine(weekly):
    local, remote = weekly
    rep = _repeat(local)
    one = crvm.GammaGamma().fit(rep["frequency"], rep["monetary_value"])
    driver = crvm.spark.fit_spend(remote)
    assert driver.spark_report["path"] == "driver"
    assert driver.spark_report["customers"] == len(rep)
    # the Spark summary's mean spends differ from the local ones in the last
    # bits (summation order), far below the fits' 1e-8
    assert _rel(driver.params_, one.params_) < PARAM_RTOL
    dist = crvm.spark.fit_spend(remote, max_driver_rows=200)
    report = dist.spark_report
    assert report["path"] == "distributed" and report["sample_rows"] <= 200
    assert _rel(dist.params_, one.params_) < PARAM_RTOL
    # standard errors from the stencil's Hessian against crvm's analytic one
    # (measured 3e-8 on CDNOW)
    se = np.sqrt(np.diag(report["covariance"].to_numpy()))
    assert _rel(se, one.standard_errors_) < 1e-6


def test_distributed_fit_refuses_non_models(weekly):
    with pytest.raises(TypeError, match="transaction model"):
        crvm.spark.fit(crvm.GammaGamma(), weekly[1])
    with pytest.raises(KeyError, match="n_periods"):
        crvm.spark.fit(crvm.BetaGeoBetaBinom(), weekly[1])
    with pytest.raises(KeyError, match="spend"):
        crvm.spark.fit_spend(weekly[1], monetary_col="spend")


def test_scoring_equals_single_machine(weekly):
    local, remote = weekly
    bgf = crvm.BetaGeo().fit(local["frequency"], local["recency"], local["T"])
    rep = _repeat(local)
    gg = crvm.GammaGamma().fit(rep["frequency"], rep["monetary_value"])
    scores = _sorted(crvm.spark.score(bgf, remote, "customer_id", t=10, discount_rate=0.01,
                                      spend_model=gg, unit="W").toPandas(), "customer_id")
    f, r, T = local["frequency"], local["recency"], local["T"]
    expect = pd.DataFrame({
        "p_alive": bgf.p_alive(f, r, T), "expected_purchases": bgf.expected_purchases(10, f, r, T),
        "dert": bgf.dert(0.01, f, r, T),
        "clv": gg.clv(bgf, f, r, T, local["monetary_value"], unit="W")})
    pd.testing.assert_frame_equal(scores, expect, rtol=PREDICT_RTOL, atol=0, check_names=False)
    # P(alive) of a customer without repeat purchases is 1 under BG/NBD
    assert (scores.loc[f == 0, "p_alive"] == 1).all()


def test_scoring_needs_a_fitted_model(weekly):
    with pytest.raises(crvm.NotFittedError):
        crvm.spark.score(crvm.BetaGeo(), weekly[1], "customer_id")
    bgf = crvm.BetaGeo()
    bgf.params = {"r": 0.3, "alpha": 4.0, "a": 0.8, "b": 2.5}
    with pytest.raises(KeyError, match="nope"):
        crvm.spark.score(bgf, weekly[1], "nope")


# ----------------------------------------------------------------- retention

AS_OF = "2024-06-30"


@pytest.fixture(scope="module")
def business():
    return crvm.simulate(3000, seed=11)


@pytest.fixture(scope="module")
def local_panel(business):
    ledger = crvm.Ledger.from_frames(business.customers,
                                     contacts=business.contacts.drop(columns="articles"))
    p = ledger.contact_panel(AS_OF)
    out = pd.DataFrame({"id": p["customer"], "segment": p["segment"].astype(str),
                        "period": p["stop"].astype(np.int32), "event": p["event"].astype(np.int32)})
    for c in crvm.spark.PANEL_COVARIATES:
        out[c] = p[c].astype(np.float64)
    return out


@pytest.fixture(scope="module")
def spark_panel(spark, business):
    customers = spark.createDataFrame(business.customers)
    contacts = spark.createDataFrame(business.contacts.drop(columns="articles"))
    return crvm.spark.retention_panel(customers, contacts, AS_OF).cache()


def _panel_order(df):
    return df.sort_values(["id", "period"], kind="mergesort").reset_index(drop=True)


def test_panel_equals_single_machine(local_panel, spark_panel):
    remote = _panel_order(spark_panel.toPandas())
    local = _panel_order(local_panel)
    assert len(local) > 10_000
    pd.testing.assert_frame_equal(remote, local, check_exact=True, check_dtype=False)


def test_panel_of_small_buckets(spark, business, local_panel):
    """Buckets of a few customers each: a bucket whose own data end more
    than a year before as_of still builds (its ledger sees the whole data's
    last date)."""
    customers = spark.createDataFrame(business.customers)
    contacts = spark.createDataFrame(business.contacts.drop(columns="articles"))
    remote = crvm.spark.retention_panel(customers, contacts, AS_OF, buckets=400).toPandas()
    pd.testing.assert_frame_equal(_panel_order(remote), _panel_order(local_panel),
                                  check_exact=True, check_dtype=False)


@pytest.mark.parametrize("kind", ["bdw", "sbg"])
def test_retention_fit_equals_single_machine(kind, local_panel, spark_panel):
    covs = ["refused", "escalated", "contacts"]
    # crvm's default tolerance bounds the mean gradient (1e-8 per subject):
    # the reference is fitted to the optimum, as the distributed Newton is
    one = crvm.RetentionRegression(kind, tolerance=1e-12).fit(local_panel, group_col="segment",
                                                               covariates=covs)
    dist = crvm.spark.fit_retention(spark_panel, kind, covariates=covs, sample_subjects=800)
    assert dist.spark_report["sample_subjects"] < 1500  # it started from a sample
    free = one.params_.index if kind == "bdw" else one.params_.index.drop("c")
    assert list(dist.params_.index) == list(one.params_.index)
    assert _rel(dist.params_[free], one.params_[free]) < PARAM_RTOL
    # standard errors: Hessian by differences of the exact gradient (step
    # 1e-5: error ~1e-10 relative) against crvm's analytic information
    assert _rel(dist.standard_errors_[free], one.standard_errors_[free]) < 1e-6


def test_retention_predictions_and_rollup_equal_single_machine(local_panel, spark_panel):
    covs = ["refused", "escalated"]
    model = crvm.RetentionRegression("bdw").fit(local_panel, group_col="segment", covariates=covs)
    local = model.predict(local_panel, horizon=6, future={"refused": 0.1, "escalated": 0.0})
    remote = crvm.spark.predict_retention(model, spark_panel, horizon=6,
                                          future={"refused": 0.1, "escalated": 0.0})
    got = remote.toPandas().sort_values("id", kind="mergesort").set_index("id")
    expect = local.sort_index(kind="mergesort")
    pd.testing.assert_frame_equal(got.drop(columns="segment"), expect, rtol=PREDICT_RTOL,
                                  atol=0, check_names=False)
    seg = local_panel.drop_duplicates("id").set_index("id")["segment"]
    assert (got["segment"] == seg.reindex(got.index)).all()
    rolled = crvm.spark.segment_rollup(remote).toPandas().set_index("segment")
    alive = expect[expect["alive"]].join(seg)
    by = alive.groupby("segment")
    assert (rolled["customers"] == by.size()).all()
    # sums of a few thousand doubles in another order: 1e-12 relative
    np.testing.assert_allclose(rolled["expected_retained"], by["survival"].sum(), rtol=1e-12)
    np.testing.assert_allclose(rolled["at_risk"], by["at_risk"].sum(), rtol=1e-12)


def test_retention_with_empty_partitions(local_panel, spark_panel):
    """Two customers over eight partitions: the empty ones add nothing."""
    from pyspark.sql import functions as F

    two = sorted(local_panel["id"].unique())[:2]
    model = crvm.RetentionRegression("bdw").fit(local_panel, group_col="segment",
                                                covariates=["refused"])
    remote = crvm.spark.predict_retention(model, spark_panel.where(F.col("id").isin(two)),
                                          partitions=8).toPandas().set_index("id").sort_index()
    expect = model.predict(local_panel[local_panel["id"].isin(two)]).sort_index()
    pd.testing.assert_frame_equal(remote.drop(columns="segment"), expect, rtol=PREDICT_RTOL,
                                  atol=0, check_names=False)


def test_retention_errors(spark_panel):
    with pytest.raises(ValueError, match="kind"):
        crvm.spark.fit_retention(spark_panel, "weibull")
    with pytest.raises(crvm.NotFittedError):
        crvm.spark.predict_retention(crvm.RetentionRegression(), spark_panel)


# ------------------------------------------------------------ the value model

VALUE_TABLES = ("customers", "revenue", "contacts", "knowledge_uses")


@pytest.fixture(scope="module")
def value_tables(business):
    """The business's tables, with three self-service views of no customer
    (the simulator makes none) for the P&L's self-service cost."""
    uses = business.knowledge_uses
    anonymous = uses[uses["kind"] == "self_service"].head(3).assign(customer_id=None)
    tables = {t: getattr(business, t) for t in VALUE_TABLES}
    tables["knowledge_uses"] = pd.concat([uses, anonymous], ignore_index=True)
    return tables


@pytest.fixture(scope="module")
def value_local(business, value_tables):
    """The single-machine value model of the business: the independent source."""
    ledger = crvm.Ledger.from_frames(articles=business.articles, **value_tables)
    return crvm.ValueModel(ledger).fit(AS_OF)


@pytest.fixture(scope="module")
def value_frames(spark, value_tables):
    return {t: spark.createDataFrame(df) for t, df in value_tables.items()}


def _spark_value(frames, business, buckets, model=None, **kw):
    vm = crvm.spark.SparkValueModel(*(frames[t] for t in VALUE_TABLES), articles=business.articles,
                                    buckets=buckets)
    return vm.fit(AS_OF, model=model, **kw)


def _money_cols(cols):
    return [c for c in cols if c.startswith(("residual_value", "value_at_risk", "gross_margin",
                                             "cost_to_serve", "contribution"))]


def _assert_customers_equal(remote, local, rtol):
    got = remote.toPandas().set_index("customer_id").sort_index()
    want = local.sort_index()
    assert list(got.columns) == list(want.columns)
    assert got.index.equals(want.index)
    assert (got["segment"] == want["segment"]).all() and (got["active"] == want["active"]).all()
    pd.testing.assert_frame_equal(got.drop(columns=["segment", "active"]),
                                  want.drop(columns=["segment", "active"]), rtol=rtol, atol=0,
                                  check_dtype=False, check_names=False)


def test_value_model_with_the_single_machine_model_is_the_single_machine_table(
        business, value_frames, value_local):
    """Given the single-machine model, every figure is the single-machine
    one: the same C code on the same customers (the buckets' rows are the
    whole's), so per-customer figures to 1e-12 (rounding of the delta
    method's sums); sums to the cent; intervals of sums from gradients summed
    over buckets, the same formula, to the cent."""
    vm = _spark_value(value_frames, business, 5, model=value_local.retention_model)
    local_panel = value_local.candidate_panel(AS_OF)
    remote_panel = vm.panel.toPandas()
    order = ["id", "period"]
    pd.testing.assert_frame_equal(remote_panel.sort_values(order).reset_index(drop=True),
                                  local_panel.sort_values(order).reset_index(drop=True),
                                  check_dtype=False, check_exact=True)
    _assert_customers_equal(vm.customers(), value_local.customers(), PREDICT_RTOL)

    seg = vm.segments()
    want = value_local.segments().loc[seg.index]
    assert (seg["customers"] == want["customers"]).all()
    for c in _money_cols(seg.columns):
        assert (np.rint(seg[c] * 100) == np.rint(want[c] * 100)).all(), c
    # sums of a few thousand probabilities in another order: 1e-12 relative
    np.testing.assert_allclose(seg.filter(like="expected_retained"),
                               want.filter(like="expected_retained"), rtol=1e-12)

    for by in ["outcome", "queue", ["channel", "escalated"]]:
        got = vm.contact_impact(by=by)
        local = value_local.contact_impact(by=by)
        local.index = (local.index.map(lambda t: tuple(str(x) for x in t))
                       if isinstance(local.index, pd.MultiIndex) else local.index.astype(str))
        assert set(got.index) == set(local.index[local["contacts"] > 0]) and len(got) > 2
        local = local.loc[got.index]
        assert (got["contacts"] == local["contacts"]).all()
        for c in ["impact", "impact_lower", "impact_upper"]:
            assert (np.rint(got[c] * 100) == np.rint(local[c] * 100)).all(), (by, c)

    for start, end in [(None, None), ("2024-01-01", "2024-03-31")]:
        got = vm.support_pnl(start, end)
        local = value_local.support_pnl(start, end)
        assert list(got.index) == list(local.index)  # every line, knowledge and totals included
        assert got["knowledge_labour_saving"] > 0 and got["knowledge_cost"] > 0
        assert (np.rint(got * 100) == np.rint(local * 100)).all(), (got - local)
        assert got["contact_value_effect_lower"] < got["contact_value_effect_upper"]

    # The outreach list: the buckets' lists merged by the library's scores
    # are the base's list, in its order (no near-ties here), with its figures.
    for rank, n in (("value_at_risk", 25), ("expected_saving", 40)):
        got = vm.outreach(n, rank=rank)
        want = value_local.outreach(n, rank=rank)
        assert len(got) == len(want) > 10
        assert [str(i) for i in got.index] == [str(i) for i in want.index]
        assert list(got.columns) == list(want.columns)
        assert (got["drivers"].to_numpy() == want["drivers"].to_numpy()).all()
        np.testing.assert_allclose(got["value_at_risk"], want["value_at_risk"], rtol=PREDICT_RTOL)
    assert len(vm.outreach(0)) == 0

    # Scenarios: the buckets' sums assembled are the base's scenario, to the cent.
    for kind, policy in (("remap", dict(share=0.5, extra_cost=40.0, start="2024-01-01")),
                         ("self_service", dict(channel="phone", share=0.5,
                                               self_service_success=0.6))):
        got = vm.scenario(kind, **policy)
        want = value_local.scenario(kind, **policy)
        assert list(got.index) == list(want.index) and got["contacts"] == want["contacts"] > 0
        assert (np.rint(got.drop("contacts") * 100) == np.rint(want.drop("contacts") * 100)).all(), \
            (got - want)
        assert got["value_change_lower"] < got["value_change_upper"]
    with pytest.raises(ValueError, match="rank"):
        vm.outreach(5, rank="revenue")


def test_value_model_fitted_on_spark(business, value_frames, value_local):
    """Spark's own fit with its default tolerance (Newton on the partitions'
    summed likelihood, here from an 800-subject sample's fit) in 2 buckets
    against ValueModel's default fit: the covariates the single machine
    chose, and parameters to 1e-8 relative, both being ~1e-10 from the
    optimum (each Newton stops only once its step is below 1e-9 or 1e-10);
    as a check of that, both within 1e-8 of crvm's fit run to the optimum
    (tolerance 1e-12). Per-customer values then agree to 1e-10 relative
    (they move with the parameters, about linearly)."""
    vm = _spark_value(value_frames, business, 2, sample_subjects=800)
    covs = value_local.covariates
    assert list(vm.retention_model._covariates) == covs
    local = value_local.retention_model.params_
    assert sorted(vm.retention_model.params_.index) == sorted(local.index)
    assert _rel(vm.retention_model.params_[local.index], local) < PARAM_RTOL
    one = crvm.RetentionRegression(value_local.retention_model.kind, tolerance=1e-12).fit(
        value_local.panel(), group_col="segment", covariates=covs)
    assert _rel(local[one.params_.index], one.params_) < PARAM_RTOL
    got = vm.customers().toPandas().set_index("customer_id").sort_index()
    want = value_local.customers().sort_index()
    active = want["active"]
    assert (got["active"] == active).all()
    np.testing.assert_allclose(got.loc[active, "derl"], want.loc[active, "derl"], rtol=1e-10)
    np.testing.assert_allclose(got["residual_value"], want["residual_value"], rtol=1e-10, atol=0)


def test_value_model_errors(value_frames):
    with pytest.raises(ValueError, match="retention"):
        crvm.spark.SparkValueModel(value_frames["customers"], retention="cox")
    with pytest.raises(ValueError, match="shrinkage"):
        crvm.spark.SparkValueModel(value_frames["customers"], shrinkage=2.0)
