"""Public C functions that the pythonic classes do not need, called through
crvm.lowlevel so that every one is known to cross the SWIG boundary (the
rule enforced by tests/api/audit.py). Expectations are computed here from
the calendar (datetime), closed forms, the CSV text written, or lifetimes."""

import datetime
import math
import warnings

import numpy as np
import pytest

import crvm
from crvm import lowlevel as ll

EPOCH = datetime.date(1970, 1, 1)
DATE_NONE = -2**31  # CRVM_DATE_NONE (INT32_MIN, which SWIG does not evaluate)


def day(y, m, d):
    return (datetime.date(y, m, d) - EPOCH).days


# ------------------------------------------------------------------ dates

def test_dates_convert_like_the_calendar():
    for y, m, d in [(1970, 1, 1), (2024, 2, 29), (1969, 12, 31), (1, 1, 1), (9999, 12, 31)]:
        assert ll.crvm_date_from_ymd(y, m, d) == day(y, m, d)
        assert tuple(ll.crvm_date_to_ymd(day(y, m, d))) == (y, m, d)
    with pytest.raises(crvm.InvalidArgumentError, match="day"):
        ll.crvm_date_from_ymd(2023, 2, 29)
    with pytest.raises(ValueError):
        ll.crvm_date_to_ymd(DATE_NONE)


def test_whole_periods_count_calendar_steps():
    # 2024-01-31 + 1 month = 2024-02-29 (clamped) <= 2024-03-30 < 2024-03-31 (= + 2 months).
    assert ll.crvm_date_whole_periods(day(2024, 1, 31), day(2024, 3, 30), ll.CRVM_PERIOD_MONTH) == 1
    assert ll.crvm_date_whole_periods(day(2024, 1, 31), day(2024, 3, 31), ll.CRVM_PERIOD_MONTH) == 2
    assert ll.crvm_date_whole_periods(day(2022, 5, 1), day(2024, 4, 30), ll.CRVM_PERIOD_YEAR) == 1
    assert ll.crvm_date_whole_periods(day(2022, 5, 1), day(2023, 5, 1), ll.CRVM_PERIOD_QUARTER) == 4
    assert ll.crvm_date_whole_periods(day(2024, 5, 1), day(2024, 1, 1), ll.CRVM_PERIOD_MONTH) == 0
    with pytest.raises(ValueError):
        ll.crvm_date_whole_periods(day(2024, 1, 1), day(2024, 2, 1), 7)


def test_names_of_periods_and_models():
    assert [ll.crvm_period_name(k) for k in range(4)] == ["month", "quarter", "year", None]
    assert [ll.crvm_txn_model_name(k) for k in range(4)] == ["BG/NBD", "MBG/NBD", "Pareto/NBD", "BG/BB"]
    assert ll.crvm_txn_model_name(9) is None
    expected = {ll.CRVM_TXN_BGNBD: ["r", "alpha", "a", "b"],
                ll.CRVM_TXN_PARETO_NBD: ["r", "alpha", "s", "beta"],
                ll.CRVM_TXN_BGBB: ["alpha", "beta", "gamma", "delta"]}
    for model, names in expected.items():
        assert [ll.crvm_txn_param_name(model, k) for k in range(5)] == names + [None]


# ------------------------------------------------------- transaction data

def test_transaction_data_check():
    x, tx, T = np.array([0.0, 2.0]), np.array([0.0, 5.0]), np.array([10.0, 10.0])
    assert ll.crvm_txn_check_data(ll.CRVM_TXN_BGNBD, x, tx, T, None) is None
    with pytest.raises(crvm.InvalidArgumentError, match=r"recency\[1\]"):
        ll.crvm_txn_check_data(ll.CRVM_TXN_BGNBD, x, np.array([0.0, 11.0]), T, None)
    with pytest.raises(crvm.InvalidArgumentError, match="rows"):
        ll.crvm_txn_check_data(ll.CRVM_TXN_BGNBD, x, tx, T[:1], None)


def test_chisq_sf_closed_forms():
    for x in [0.1, 1.0, 3.84, 20.0]:
        # dof 2: exp(-x/2); dof 1: erfc(sqrt(x/2)); dof 4: exp(-x/2) (1 + x/2).
        assert ll.crvm_chisq_sf(x, 2.0) == pytest.approx(math.exp(-x / 2), rel=1e-12)
        assert ll.crvm_chisq_sf(x, 1.0) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-12)
        assert ll.crvm_chisq_sf(x, 4.0) == pytest.approx(math.exp(-x / 2) * (1 + x / 2), rel=1e-12)
    assert ll.crvm_chisq_sf(-1.0, 3.0) == 1.0
    assert math.isnan(ll.crvm_chisq_sf(1.0, 0.0))


def test_clv_with_a_given_spend_matches_lifetimes_formula():
    lifetimes = pytest.importorskip("lifetimes")
    # Fader, Hardie & Lee (2005) BG/NBD estimates for CDNOW (weeks).
    params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    bg = lifetimes.BetaGeoFitter()
    bg.params_ = dict(params)
    x, tx, T = np.array([0.0, 2.0, 7.0]), np.array([0.0, 30.0, 35.5]), np.array([38.0, 39.0, 38.5])
    spend = np.array([10.0, 25.0, 40.0])
    txn = ll.crvm_txn_params_make(ll.CRVM_TXN_BGNBD, *params.values())
    opt = ll.crvm_clv_options()
    ll.crvm_clv_options_init(opt)
    opt.horizon_months, opt.discount_rate, opt.units_per_month, opt.margin = 12, 0.01, 4.345, 0.5
    out = np.empty(3)
    ll.crvm_clv_with_spend(txn, x, tx, T, spend, opt, out)
    # lifetimes' _customer_lifetime_value: month-end differences, discounted.
    expected = np.zeros(3)
    prev = np.zeros(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(1, 13):
            cur = np.asarray(bg.conditional_expected_number_of_purchases_up_to_time(i * 4.345, x, tx, T))
            expected += (cur - prev) * spend * 0.5 / 1.01 ** i
            prev = cur
    # 2F1 from two codes (crvm vs scipy): 1e-8 relative.
    np.testing.assert_allclose(out, expected, rtol=1e-8)
    with pytest.raises(crvm.InvalidArgumentError):
        ll.crvm_clv_with_spend(txn, x, tx, T, spend[:2], opt, out)


def test_txn_params_argument_takes_the_plain_tuple():
    # the Python models pass their parameters as (model, p0, p1, p2, p3),
    # which every params argument takes as well as a crvm_txn_params
    values = (ll.CRVM_TXN_BGNBD, 0.243, 4.414, 0.793, 2.426)
    struct = ll.crvm_txn_params_make(*values)
    x, tx, T = np.array([0.0, 2.0, 7.0]), np.array([0.0, 30.0, 35.5]), np.array([38.0, 39.0, 38.5])
    by_struct, by_tuple = np.empty(3), np.empty(3)
    ll.crvm_txn_p_alive(struct, x, tx, T, by_struct)
    ll.crvm_txn_p_alive(values, x, tx, T, by_tuple)
    np.testing.assert_array_equal(by_tuple, by_struct)  # the same four numbers: the same bits
    ll.crvm_txn_params_check(values)
    with pytest.raises(crvm.DomainError, match="alpha = -1"):
        ll.crvm_txn_params_check((ll.CRVM_TXN_BGNBD, 0.243, -1.0, 0.793, 2.426))
    with pytest.raises(TypeError, match="model, p0"):
        ll.crvm_txn_params_check(values[:4])
    with pytest.raises(TypeError):
        ll.crvm_txn_params_check((ll.CRVM_TXN_BGNBD, "r", 4.414, 0.793, 2.426))


# --------------------------------------------------- fitted model reports

def test_retention_fit_kind_and_report():
    # 100 customers: 30 churn after 1 period, 15 after 2, 10 after 3, 45 still alive after 3.
    periods = np.array([1, 2, 3, 3], dtype=np.int32)
    churned = np.array([1, 1, 1, 0], dtype=np.int32)
    weights = np.array([30.0, 15.0, 10.0, 45.0])
    report = ll.crvm_fit_report()
    fit = ll.crvm_retention_fit_records(ll.CRVM_RETENTION_SBG, periods, churned, weights, None, report)
    assert ll.crvm_retention_fit_kind(fit) == ll.CRVM_RETENTION_SBG
    again = ll.crvm_fit_report()
    ll.crvm_retention_fit_report(fit, again)
    assert again.converged == 1 and again.n_parameters == 2
    assert again.log_likelihood == report.log_likelihood
    # The sBG likelihood of these records at the fitted (alpha, beta), from
    # Fader & Hardie (2007): P(T=t) = B(a+1, b+t-1)/B(a,b), S(t) = B(a, b+t)/B(a,b).
    p = ll.crvm_retention_params()
    ll.crvm_retention_fit_params(fit, p)
    a, b = p.alpha, p.beta

    def lbeta(u, v):
        return math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v)

    ll_expected = (30 * lbeta(a + 1, b) + 15 * lbeta(a + 1, b + 1) + 10 * lbeta(a + 1, b + 2)
                   + 45 * lbeta(a, b + 3) - 100 * lbeta(a, b))
    assert again.log_likelihood == pytest.approx(ll_expected, rel=1e-12)


def test_gamma_gamma_fit_report():
    x = np.array([1.0, 2.0, 3.0, 1.0, 5.0, 2.0, 4.0, 1.0])
    m = np.array([10.0, 12.0, 30.0, 8.0, 22.0, 15.0, 18.0, 40.0])
    report = ll.crvm_fit_report()
    fit = ll.crvm_gamma_gamma_fit_columns(x, m, None, None, report)
    again = ll.crvm_fit_report()
    ll.crvm_gamma_gamma_fit_report(fit, again)
    assert (again.log_likelihood, again.iterations, again.converged, again.n_parameters) == \
        (report.log_likelihood, report.iterations, report.converged, 3)
    assert again.aic == pytest.approx(2 * 3 - 2 * again.log_likelihood, rel=1e-14)


def test_cox_covariates_and_strata():
    rng = np.random.default_rng(4)
    n = 60
    x = rng.normal(size=(n, 2))
    t = rng.exponential(size=n)
    strata = np.where(np.arange(n) % 3 == 0, "a", "b")
    cox = crvm.CoxPH().fit(x, t, np.ones(n, dtype=np.int32), strata=strata)
    handle = cox._require()
    assert ll.crvm_cox_n_covariates(handle) == 2
    out = np.empty(2, dtype=np.int32)
    ll.crvm_cox_strata(handle, out)
    assert list(out) == [0, 1]
    with pytest.raises(crvm.InvalidArgumentError):
        ll.crvm_cox_strata(handle, np.empty(3, dtype=np.int32))


# ---------------------------------------------------------------- ledger

def test_single_row_appends_find_reserve_and_shrink():
    led = ll.crvm_ledger_new()
    ll.crvm_ledger_reserve(led, 1000, 1000, 1000, 1000)
    reserved = ll.crvm_ledger_stats_get(led).bytes_allocated
    ll.crvm_ledger_add_customer(led, "c1", "smb", day(2023, 1, 1), DATE_NONE)
    ll.crvm_ledger_add_customer(led, "c2", "enterprise", day(2023, 2, 1), day(2024, 2, 1))
    ll.crvm_ledger_add_revenue_event(led, "c1", day(2023, 1, 5), 120.50, ll.CRVM_STREAM_SUBSCRIPTION)
    ll.crvm_ledger_add_article(led, "a1", day(2022, 6, 1), 2.0, 0.25)
    ll.crvm_ledger_add_contact(led, "k1", "c2", day(2023, 3, 1), day(2023, 3, 2), ll.CRVM_CHANNEL_PHONE,
                               15.0, 1, 0, ll.CRVM_OUTCOME_RESOLVED, float("nan"))
    ll.crvm_ledger_add_contact_article(led, "k1", "a1")
    ll.crvm_ledger_add_knowledge_use(led, "a1", day(2023, 3, 1), ll.CRVM_USE_ASSISTED, 1, "k1", None)
    s = ll.crvm_ledger_stats_get(led)
    assert (s.customers, s.revenue_events, s.contacts, s.articles, s.knowledge_uses) == (2, 1, 1, 1, 1)
    assert s.revenue_cents == 12050 and s.handle_minutes == 15.0
    assert ll.crvm_ledger_find(led, ll.CRVM_TABLE_CUSTOMERS, "c2") == 1
    assert ll.crvm_ledger_find(led, ll.CRVM_SEGMENTS, "enterprise") == 1
    assert ll.crvm_ledger_find(led, ll.CRVM_TABLE_ARTICLES, "a1") == 0
    with pytest.raises(crvm.NotFoundError):
        ll.crvm_ledger_find(led, ll.CRVM_TABLE_CUSTOMERS, "c3")
    with pytest.raises(crvm.NotFoundError):
        ll.crvm_ledger_add_revenue_event(led, "c9", day(2023, 1, 5), 1.0, ll.CRVM_STREAM_SUBSCRIPTION)
    with pytest.raises(crvm.InvalidArgumentError):
        ll.crvm_ledger_add_customer(led, "c1", "smb", day(2023, 1, 1), DATE_NONE)  # duplicate
    ll.crvm_ledger_shrink(led)
    assert ll.crvm_ledger_stats_get(led).bytes_allocated < reserved


def test_single_table_csv_loaders(tmp_path):
    files = {
        "customers.csv": "customer_id,segment,start_date,end_date\nc1,smb,2022-01-15,\nc2,smb,2022-02-01,\n",
        "articles.csv": "article_id,created,authoring_hours,maintenance_hours\na1,2021-06-01,2.5,0.25\n",
        "revenue.csv": "customer_id,date,amount,stream\nc1,2022-02-01,10.25,subscription\n"
                       "c2,2022-03-01,5,services\n",
        "contacts.csv": "contact_id,customer_id,opened,channel,handle_minutes,tier,escalated,outcome,articles\n"
                        "k1,c1,2022-02-01,phone,4,1,0,resolved,a1\n",
        "knowledge_uses.csv": "article_id,date,kind,resolved,contact_id,customer_id\n"
                              "a1,2022-02-01,assisted,1,k1,c1\na1,2022-02-02,self_service,0,,\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    led = ll.crvm_ledger_new()
    ll.crvm_load_customers_csv(led, str(tmp_path / "customers.csv"), None, None)
    ll.crvm_load_articles_csv(led, str(tmp_path / "articles.csv"), None, None)
    ll.crvm_load_csv(led, ll.CRVM_TABLE_REVENUE, str(tmp_path / "revenue.csv"), None, None)
    ll.crvm_load_contacts_csv(led, str(tmp_path / "contacts.csv"), None, None)
    ll.crvm_load_knowledge_uses_csv(led, str(tmp_path / "knowledge_uses.csv"), None, None)
    s = ll.crvm_ledger_stats_get(led)
    assert (s.customers, s.articles, s.revenue_events, s.contacts, s.contact_articles,
            s.knowledge_uses) == (2, 1, 2, 1, 1, 2)
    assert s.revenue_cents == 1525
    led2 = ll.crvm_ledger_new()
    ll.crvm_load_customers_csv(led2, str(tmp_path / "customers.csv"), None, None)
    ll.crvm_load_revenue_csv(led2, str(tmp_path / "revenue.csv"), None, None)
    assert ll.crvm_ledger_stats_get(led2).revenue_events == 2
    with pytest.raises(crvm.FileError):
        ll.crvm_load_csv(led, ll.CRVM_TABLE_REVENUE, str(tmp_path / "missing.csv"), None, None)


def test_simulated_data_written_as_csv(tmp_path):
    opt = ll.crvm_sim_options()
    ll.crvm_sim_options_init(opt)
    opt.customers = 25
    data = ll.crvm_simulate(opt)
    summary = ll.crvm_sim_summary()
    ll.crvm_sim_data_summary(data, summary)
    ll.crvm_sim_write_csv(data, str(tmp_path))
    names = ["customers.csv", "revenue.csv", "contacts.csv", "articles.csv", "knowledge_uses.csv"]
    rows = {n: len((tmp_path / n).read_text().splitlines()) - 1 for n in names}
    assert rows["customers.csv"] == 25 == summary.customers
    assert rows["revenue.csv"] == summary.revenue_events
    assert rows["knowledge_uses.csv"] == summary.knowledge_uses
    with pytest.raises(crvm.FileError):
        ll.crvm_sim_write_csv(data, str(tmp_path / "no" / "such" / "dir"))


def test_attribute_and_source_single_row_forms():
    led = ll.crvm_ledger_new()
    ll.crvm_ledger_add_customer(led, "c1", "smb", day(2023, 1, 1), DATE_NONE)
    ll.crvm_ledger_add_contact(led, "k1", "c1", day(2023, 3, 1), day(2023, 3, 2), ll.CRVM_CHANNEL_PHONE,
                               15.0, 1, 0, ll.CRVM_OUTCOME_RESOLVED, float("nan"))
    ll.crvm_ledger_add_contact_attribute(led, "queue", "k1", "billing")
    assert ll.crvm_ledger_find_attribute(led, "queue") == 0
    assert ll.crvm_ledger_find_attribute_value(led, 0, "billing") == 0
    with pytest.raises(crvm.NotFoundError):
        ll.crvm_ledger_find_attribute(led, "agent")
    with pytest.raises(crvm.NotFoundError):
        ll.crvm_ledger_find_attribute_value(led, 0, "tech")
    with pytest.raises(crvm.InvalidArgumentError):
        ll.crvm_ledger_add_contact_attribute(led, "queue", "k1", "tech")  # a second value
    ll.crvm_ledger_add_sourced_revenue_event(led, "c1", day(2023, 3, 2), 10.0, ll.CRVM_STREAM_EXPANSION, "k1")
    ll.crvm_ledger_add_sourced_revenue_event(led, "c1", day(2023, 3, 2), 10.0, ll.CRVM_STREAM_SERVICES, None)
    source = np.empty(2, np.int32)
    ll.crvm_ledger_revenue_events(led, np.empty(2, np.int32), np.empty(2, np.int32), np.empty(2),
                                  np.empty(2, np.int32), source)
    assert source.tolist() == [0, -1]
    with pytest.raises(crvm.NotFoundError):
        ll.crvm_ledger_add_sourced_revenue_event(led, "c1", day(2023, 3, 2), 1.0, ll.CRVM_STREAM_SERVICES, "k9")
