"""crvm.Ledger and crvm.CostModel: hand-computed figures, exact reconciliation
against an independent pandas computation, rejected rows, and lifetimes'
RFM summary on the same transactions."""

import math

import numpy as np
import pandas as pd
import pytest

import crvm


def cents(x):
    """Whole cents of amounts the ledger reports (doubles nearest whole cents)."""
    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


def round_half_away(x):
    """C llround on an array: round half away from zero."""
    x = np.asarray(x, dtype=float)
    return (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype(np.int64)


# ----------------------------------------------------------------- fixtures

@pytest.fixture
def small():
    """The three-customer ledger of tests/unit/test_ledger.c."""
    customers = pd.DataFrame({
        "customer_id": ["A", "B", "C"], "segment": ["smb", "smb", "ent"],
        "start_date": pd.to_datetime(["2023-01-15", "2023-03-01", "2022-12-31"]),
        "end_date": pd.to_datetime([None, "2023-08-01", None])})
    revenue = pd.DataFrame({
        "customer_id": ["C", "A", "A", "B", "A", "C", "A", "B"],
        "date": ["2023-06-30", "2023-02-15", "2023-01-15", "2023-03-01", "2023-02-15",
                 "2023-01-05", "2023-04-10", "2023-05-20"],
        "amount": [1000.00, 49.99, 49.99, 20.00, 150.00, 250.50, -10.00, 20.00],
        "stream": ["subscription", "subscription", "subscription", "support_plan", "services",
                   "expansion", "subscription", "support_plan"]})
    articles = pd.DataFrame({"article_id": ["KB1", "KB2"], "created": ["2023-01-01", "2023-04-01"],
                             "authoring_hours": [4.0, 2.0], "maintenance_hours": [0.5, 0.0]})
    contacts = pd.DataFrame({
        "contact_id": ["K1", "K2", "K3", "K4", "K5"], "customer_id": ["A", "A", "B", "C", "C"],
        "opened": ["2023-02-01", "2023-05-10", "2023-03-05", "2023-01-10", "2023-07-15"],
        "closed": ["2023-02-03", "2023-05-20", None, "2023-01-10", "2023-07-20"],
        "channel": ["phone", "email", "chat", "web", "phone"],
        "handle_minutes": [30, 45, 12.5, 0, 60], "tier": [1, 2, 1, 1, 3],
        "escalated": [False, True, False, False, True],
        "outcome": ["resolved", "refused", "abandoned", "workaround", "resolved"],
        "satisfaction": [4, 2, np.nan, 5, 3],
        "articles": [None, "KB1", None, None, None]})
    uses = pd.DataFrame({
        "article_id": ["KB1", "KB1", "KB2", "KB2"],
        "date": ["2023-05-10", "2023-03-01", "2023-06-01", "2023-06-02"],
        "kind": ["assisted", "self_service", "self_service", "self_service"],
        "resolved": [0, 1, 1, 0], "contact_id": ["K2", None, None, None],
        "customer_id": [None, "A", None, "B"]})
    return crvm.Ledger.from_frames(customers=customers, revenue=revenue, contacts=contacts,
                                   articles=articles, knowledge_uses=uses)


SIMPLE = dict(hourly_rate=[60, 120, 240],
              channel_cost={"phone": 2, "email": 1, "chat": 0.5, "web": 0.25, "social": 3},
              escalation_cost=10, overhead_per_contact=1, overhead_per_minute=0.1,
              self_service_cost=0.2,
              gross_margin_rate={"subscription": 0.8, "maintenance": 0.85, "support_plan": 0.5,
                                 "services": 0.3, "expansion": 0.75},
              deflection_probability=0.5, knowledge_hourly_rate=50)


# --------------------------------------------------------------- cost model

def test_cost_model_describes_every_assumption():
    d = crvm.CostModel().describe()
    assert len(d) == 24
    assert d.loc["outreach_save_rate", "value"] == 0.2 and d.loc["outreach_cost", "value"] == 25
    assert list(d.columns) == ["value", "unit", "source"]
    assert (d["source"].str.len() > 20).all() and (d["unit"].str.len() > 0).all()
    assert d.loc["self_service_cost", "value"] == 0.10
    assert "Gartner" in d.loc["self_service_cost", "source"]
    assert "BLS" in d.loc["hourly_rate[tier1]", "source"]
    assert math.isnan(d.loc["minutes_saved", "value"])


def test_cost_model_keywords():
    m = crvm.CostModel(hourly_rate={2: 55}, channel_cost=[1, 2, 3, 4, 5], discount_rate=0.08,
                       gross_margin_rate={"Support Plan": 0.6}, minutes_saved=4)
    assert m["hourly_rate[tier2]"] == 55
    assert m["hourly_rate[tier1]"] == crvm.CostModel()["hourly_rate[tier1]"]
    assert m["channel_cost[web]"] == 4
    assert m["gross_margin_rate[support_plan]"] == 0.6
    assert m["discount_rate"] == 0.08 and m["minutes_saved"] == 4
    with pytest.raises(crvm.InvalidArgumentError, match="deflection_probability"):
        crvm.CostModel(deflection_probability=1.5)
    with pytest.raises(crvm.InvalidArgumentError, match="hourly_rate\\[tier3\\]"):
        crvm.CostModel(hourly_rate=[1, 2, -3])
    with pytest.raises(TypeError, match="unknown assumption"):
        crvm.CostModel(hourly_wage=3)
    with pytest.raises(ValueError, match="needs 5 values"):
        crvm.CostModel(gross_margin_rate=[0.5])
    with pytest.raises(TypeError):
        crvm.CostModel(channel_cost={"fax": 1})


# ------------------------------------------------------- hand-computed figures

def test_small_ledger_economics_by_hand(small):
    m = crvm.CostModel(**SIMPLE)
    e = small.customer_economics("2023-06-30", m)
    assert list(e.index) == ["A", "B", "C"]
    assert list(e["segment"]) == ["smb", "smb", "ent"]
    # A: margin round(8998*0.8) + 15000*0.3 = 7198 + 4500; contacts K1 (3000+200+400)
    # and K2 (9000+100+1000+550); one self-service session 20 cents.
    assert cents(e.loc["A", "revenue"]) == 23998
    assert cents(e.loc["A", "gross_margin"]) == 11698
    assert cents(e.loc["A", "cost_to_serve"]) == 14270
    assert cents(e.loc["A", "contribution_margin"]) == -2572
    assert e.loc["A", "cost_per_contact"] == 71.25
    assert e.loc["A", "contacts"] == 2 and e.loc["A", "self_service_sessions"] == 1
    # C: expansion 25050 * 0.75 = 18787.5 -> 18788 cents.
    assert cents(e.loc["C", "gross_margin"]) == 98788
    s = small.segment_economics("2023-06-30", m)
    assert cents(s.loc["smb", "contribution_margin"]) == -2117
    assert s.loc["smb", "customers"] == 2


def test_small_ledger_model_inputs_by_hand(small):
    r = small.retention_data("month", "2023-09-30")
    assert r.loc["B", "periods"] == 5 and bool(r.loc["B", "churned"])
    assert r.loc["A", "periods"] == 8 and not r.loc["A", "churned"]  # Jan 15 -> Sep 15
    assert small.retention_data("quarter", "2023-01-01").index.tolist() == ["C"]
    t = small.transaction_summary("2023-06-30")
    assert t.loc["A"].tolist() == [2, 85, 166, pytest.approx(94.995, rel=1e-15)]
    assert t.loc["C", "T"] == 176
    t = small.transaction_summary("2023-06-30", streams=["subscription"])
    assert "B" not in t.index
    cov = small.contact_covariates("2023-06-30")
    assert cov.loc["A", "refusal_share"] == 0.5 and cov.loc["A", "mean_resolution_days"] == 6
    assert cov.loc["B", "mean_satisfaction"] == pytest.approx(11 / 3, rel=1e-15)
    assert cov.loc["B", "rated"] == 0


def test_small_ledger_knowledge_by_hand(small):
    m = crvm.CostModel(**SIMPLE, minutes_saved=6)
    kv = small.knowledge_value("2023-06-30", m)
    assert kv.attrs["avoided_contact_cost"] == 39.75  # (36 + 106.5 + 15.25 + 1.25) / 4
    assert not kv.attrs["minutes_saved_estimated"]
    assert cents(kv.loc["KB1", "labour_saving"]) == 1200  # 6 min at 2 per minute (tier 2)
    assert cents(kv.loc["KB1", "deflection_saving"]) == 1988  # 0.5 * 39.75 -> 19.88
    upkeep = round(25 * 180 / (365.2425 / 12) * 100)
    assert cents(kv.loc["KB1", "cost"]) == 20000 + upkeep
    assert kv.loc["KB1", "payback_days"] == -1
    assert kv.loc["KB2", "views"] == 2 and kv.loc["KB2", "age_days"] == 90
    base = small.knowledge_base_value("2023-06-30", m)
    assert cents(base["saving"]) == cents(kv["saving"]).sum()
    assert cents(base["value"]) == cents(kv["value"]).sum()
    assert base.equals(kv.attrs["knowledge_base"])


# ---------------------------------------------------------- rejected rows

def test_errors_raise_names_row_and_field(small):
    bad = pd.DataFrame({"customer_id": ["A", "nobody"], "date": ["2023-01-01"] * 2,
                        "amount": [1.0, 2.0], "stream": ["services"] * 2})
    before = small.stats()
    with pytest.raises(crvm.NotFoundError, match=r'revenue\[1\]\.customer_id "nobody": unknown customer'):
        small.add_revenue(bad)
    assert small.stats() == before  # atomic
    neg = pd.DataFrame({"contact_id": ["Z1"], "customer_id": ["A"], "opened": ["2023-01-01"],
                        "channel": ["phone"], "handle_minutes": [-3.0], "tier": [1],
                        "escalated": [0], "outcome": ["resolved"]})
    with pytest.raises(crvm.InvalidArgumentError, match=r"contacts\[0\]\.handle_minutes = -3"):
        small.add_contacts(neg)
    nan = bad.assign(customer_id="A", amount=[1.0, float("nan")])
    with pytest.raises(crvm.InvalidArgumentError, match=r"revenue\[1\]\.amount is NaN"):
        small.add_revenue(nan)
    with pytest.raises(KeyError, match="missing required column 'stream'"):
        small.add_revenue(bad.drop(columns="stream"))
    with pytest.raises(ValueError, match="errors must be"):
        small.add_revenue(bad, errors="ignore")


def test_errors_collect_accounts_for_every_row():
    customers = pd.DataFrame({"customer_id": ["a", "b", "a", "", "c"], "segment": ["s"] * 5,
                              "start_date": ["2023-01-01", "2023-02-30", "2023-01-01", "2023-01-01",
                                             "2023-01-05"]},
                             index=[10, 11, 12, 13, 14])
    revenue = pd.DataFrame({"customer_id": ["a", "zz", "a", "c", "a"],
                            "date": ["2023-02-01", "2023-02-01", "bad date", "2023-03-01", "2023-03-01"],
                            "amount": [10.0, 5.0, 5.0, float("nan"), 7.25],
                            "stream": ["subscription", "services", "services", "services", "fax"]})
    contacts = pd.DataFrame({"contact_id": ["k1", "k1", "k2", "k3"], "customer_id": ["a", "a", "c", "c"],
                             "opened": ["2023-02-01", "2023-02-01", "2023-02-05", "2023-02-05"],
                             "closed": ["2023-02-02", "2023-02-02", "2023-02-01", None],
                             "channel": ["phone", "chat", "chat", "web"],
                             "handle_minutes": [5, 5, 5, -1], "tier": [1, 1, 1, 4],
                             "escalated": [0, 0, 0, 0], "outcome": ["resolved"] * 4})
    l = crvm.Ledger.from_frames(customers=customers, revenue=revenue, contacts=contacts, errors="collect")
    rej = l.rejections
    st = l.stats()
    # Customers: duplicate "a", empty id, 2023-02-30 (not a date) rejected.
    assert st["customers"] == 2 and (rej["table"] == "customers").sum() == 3
    assert set(rej.loc[rej["table"] == "customers", "index"]) == {11, 12, 13}
    # Revenue: unknown customer, malformed date, NaN amount, unknown stream rejected.
    assert st["revenue_events"] == 1 and (rej["table"] == "revenue").sum() == 4
    assert st["revenue_cents"] == 1000
    assert set(rej.loc[rej["table"] == "revenue", "field"]) == {"customer_id", "date", "amount", "stream"}
    # Contacts: duplicate id, closed before opened, tier 4 rejected.
    assert st["contacts"] == 1 and (rej["table"] == "contacts").sum() == 3
    assert len(customers) + len(revenue) + len(contacts) == (
        st["customers"] + st["revenue_events"] + st["contacts"] + len(rej))
    assert (rej.loc[rej["field"] == "customer_id", "status"] == crvm.NotFoundError.status).all()


# ------------------------------------------- reconciliation on random data

def random_frames(seed=7, n_customers=400, n_revenue=5000, n_contacts=3000):
    rng = np.random.default_rng(seed)
    ids = [f"c{i:04d}" for i in range(n_customers)]
    seg = rng.choice(["smb", "mid", "ent"], n_customers)
    start = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 200, n_customers), "D")
    churn = rng.random(n_customers) < 0.3
    end = [s + pd.Timedelta(days=int(d)) if c else pd.NaT
           for s, c, d in zip(start, churn, rng.integers(30, 600, n_customers))]
    customers = pd.DataFrame({"customer_id": ids, "segment": seg, "start_date": start, "end_date": end})
    streams = ["subscription", "maintenance", "support_plan", "services", "expansion"]
    revenue = pd.DataFrame({
        "customer_id": rng.choice(ids, n_revenue),
        "date": pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 730, n_revenue), "D"),
        "amount": rng.integers(-2000, 300000, n_revenue) / 100.0,
        "stream": rng.choice(streams, n_revenue)})
    opened = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 730, n_contacts), "D")
    contacts = pd.DataFrame({
        "contact_id": [f"t{i}" for i in range(n_contacts)],
        "customer_id": rng.choice(ids, n_contacts),
        "opened": opened, "closed": opened + pd.to_timedelta(rng.integers(0, 15, n_contacts), "D"),
        "channel": rng.choice(["phone", "email", "chat", "web", "social"], n_contacts),
        "handle_minutes": np.round(rng.gamma(2.0, 8.0, n_contacts), 1),
        "tier": rng.choice([1, 2, 3], n_contacts, p=[0.7, 0.2, 0.1]),
        "escalated": rng.random(n_contacts) < 0.15,
        "outcome": rng.choice(["resolved", "workaround", "refused", "abandoned"], n_contacts),
        "satisfaction": np.where(rng.random(n_contacts) < 0.5, rng.integers(1, 6, n_contacts), np.nan)})
    return customers, revenue, contacts


def test_economics_reconcile_with_an_independent_computation():
    customers, revenue, contacts = random_frames()
    l = crvm.Ledger.from_frames(customers=customers, revenue=revenue, contacts=contacts)
    m = crvm.CostModel()
    d = m.describe()["value"]
    as_of = "2023-06-30"
    e = l.customer_economics(as_of, m)
    # Revenue by customer and stream, in cents, from the input frame.
    rv = revenue.assign(c=round_half_away(revenue["amount"] * 100))
    rv = rv[pd.to_datetime(rv["date"]) <= as_of]
    by = rv.pivot_table(index="customer_id", columns="stream", values="c", aggfunc="sum", fill_value=0)
    by = by.reindex(index=e.index, fill_value=0)
    for s in by.columns:
        assert (cents(e[f"revenue_{s}"]) == by[s].to_numpy()).all()
    margin = sum(round_half_away(by[s].to_numpy() * d[f"gross_margin_rate[{s}]"]) for s in by.columns)
    assert (cents(e["gross_margin"]) == margin).all()
    # Cost of each contact by the formula of crvm/economics.h, in cents.
    k = contacts[pd.to_datetime(contacts["opened"]) <= as_of]
    rate = k["tier"].map({t: d[f"hourly_rate[tier{t}]"] for t in (1, 2, 3)})
    cost = (round_half_away(k["handle_minutes"] / 60 * rate * 100)
            + round_half_away(k["channel"].map(lambda c: d[f"channel_cost[{c}]"]) * 100)
            + np.where(k["escalated"], round_half_away(d["escalation_cost"] * 100), 0)
            + round_half_away((d["overhead_per_contact"] + d["overhead_per_minute"] * k["handle_minutes"]) * 100))
    per_customer = pd.Series(cost, index=k.index).groupby(k["customer_id"]).sum().reindex(e.index, fill_value=0)
    assert (cents(e["cost_to_serve"]) == per_customer.to_numpy()).all()
    assert (cents(e["contribution_margin"]) == margin - per_customer.to_numpy()).all()
    assert cents(e["revenue"]).sum() == rv["c"].sum()
    # Segment rows are exactly the sums of their customers.
    s = l.segment_economics(as_of, m)
    money = [c for c in s.columns if c not in ("customers", "contacts", "self_service_sessions",
                                                "handle_minutes", "cost_per_contact")]
    grouped = e.groupby("segment")[money].agg(lambda x: cents(x).sum())
    for seg in s.index:
        assert (cents(s.loc[seg, money]) == grouped.loc[seg].to_numpy()).all()
        assert s.loc[seg, "contacts"] == e.loc[e["segment"] == seg, "contacts"].sum()
    assert s["customers"].sum() == len(customers)
    # Monthly windows add up to the as-of total.
    monthly = l.customer_economics(as_of, m, period="month")
    total = monthly.groupby(level=0)[["revenue", "cost_to_serve"]].agg(lambda x: cents(x).sum())
    assert (total["revenue"].reindex(e.index).to_numpy() == cents(e["revenue"])).all()
    assert (total["cost_to_serve"].reindex(e.index).to_numpy() == cents(e["cost_to_serve"])).all()


def test_retention_and_covariates_match_pandas():
    customers, revenue, contacts = random_frames(seed=11)
    l = crvm.Ledger.from_frames(customers=customers, revenue=revenue, contacts=contacts)
    as_of = pd.Timestamp("2023-03-31")
    r = l.retention_data("month", as_of)
    c = customers.set_index("customer_id")
    churned = c["end_date"].notna() & (c["end_date"] <= as_of)
    assert (r["churned"] == churned.reindex(r.index)).all()
    # Active customers: whole months from start to as_of (calendar anniversaries).
    act = r[~r["churned"]]
    s = c.loc[act.index, "start_date"]
    months = (as_of.year - s.dt.year) * 12 + (as_of.month - s.dt.month) - (as_of.day < s.dt.day)
    assert (act["periods"].to_numpy() == months.to_numpy()).all()
    cov = l.contact_covariates(as_of)
    k = contacts[contacts["opened"] <= as_of]
    g = k.groupby("customer_id")
    exp = pd.DataFrame({"contacts": g.size(), "refused": g["outcome"].apply(lambda o: (o == "refused").sum()),
                        "escalated": g["escalated"].sum()}).reindex(cov.index, fill_value=0)
    assert (cov["contacts"] == exp["contacts"]).all()
    has = exp["contacts"] > 0
    assert np.allclose(cov.loc[has, "refusal_share"], exp.loc[has, "refused"] / exp.loc[has, "contacts"], rtol=1e-15)
    assert np.allclose(cov.loc[has, "escalation_share"], exp.loc[has, "escalated"] / exp.loc[has, "contacts"], rtol=1e-15)
    assert not cov.isna().any().any()


def test_transaction_summary_matches_lifetimes():
    lifetimes_utils = pytest.importorskip("lifetimes.utils")
    customers, revenue, _ = random_frames(seed=3)
    revenue = revenue[revenue["amount"] > 0]  # lifetimes' monetary value assumes spend
    l = crvm.Ledger.from_frames(customers=customers, revenue=revenue)
    as_of = "2023-12-31"
    ours = l.transaction_summary(as_of)
    theirs = lifetimes_utils.summary_data_from_transaction_data(
        revenue, "customer_id", "date", monetary_value_col="amount", observation_period_end=as_of, freq="D")
    theirs = theirs.reindex(ours.index)
    assert len(ours) == len(theirs) == revenue["customer_id"].nunique()
    for col in ("frequency", "recency", "T"):
        assert (ours[col].to_numpy() == theirs[col].to_numpy()).all(), col
    # Monetary value: mean of the repeat days' totals. Same sums, different order of
    # floating-point addition: agreement to 1e-12 relative.
    assert np.allclose(ours["monetary_value"], theirs["monetary_value"], rtol=1e-12, atol=0)


def test_activity_and_inspection(small):
    a = small.customer_activity("2023-06-30")
    assert a.loc["A", "handle_minutes"] == 75 and a.loc["A", "assisted_uses"] == 1
    sa = small.segment_activity("2023-06-30")
    assert sa.loc["smb", "contacts"] == 3
    cs = small.customers()
    assert cs.loc["B", "end_date"] == pd.Timestamp("2023-08-01") and pd.isna(cs.loc["A", "end_date"])
    st = small.stats()
    assert st["customers"] == 3 and st["contact_articles"] == 1 and st["revenue_cents"] == 153048
    assert len(small) == 3
    assert list(small.article_ids()) == ["KB1", "KB2"]
    q = small.segment_economics("2023-06-30", period="quarter")
    assert q.index.names == ["segment", "period"]
    assert set(q.index.get_level_values("period")) == {pd.Timestamp("2022-10-01"), pd.Timestamp("2023-01-01"),
                                                       pd.Timestamp("2023-04-01")}
    with pytest.raises(ValueError, match="period must be"):
        small.retention_data("week")


# ------------------------------------------- the simulator, two load paths

def test_simulated_frames_and_csv_give_the_same_economics(tmp_path):
    sim = crvm.simulate(customers=1500, seed=5)
    a = crvm.Ledger.from_frames(customers=sim.customers, revenue=sim.revenue, contacts=sim.contacts,
                                articles=sim.articles, knowledge_uses=sim.knowledge_uses)
    crvm.simulate_csv(tmp_path, customers=1500, seed=5)
    b = crvm.Ledger.from_csv(tmp_path)
    sa, sb = a.stats(), b.stats()
    for k in ("customers", "revenue_events", "contacts", "contact_articles", "articles",
              "knowledge_uses", "revenue_cents"):
        assert sa[k] == sb[k], k
    # Revenue total equals the input events' total, to the cent.
    assert sa["revenue_cents"] == round_half_away(sim.revenue["amount"] * 100).sum()
    m = crvm.CostModel()
    ea, eb = a.customer_economics(cost_model=m), b.customer_economics(cost_model=m)
    pd.testing.assert_frame_equal(ea, eb)
    sa_, sb_ = a.segment_economics(cost_model=m), b.segment_economics(cost_model=m)
    pd.testing.assert_frame_equal(sa_, sb_)
    money = ["revenue", "gross_margin", "cost_to_serve", "contribution_margin"]
    assert (cents(sa_[money]).sum(axis=0) == cents(ea[money]).sum(axis=0)).all()
    ka, kb = a.knowledge_value(cost_model=m), b.knowledge_value(cost_model=m)
    pd.testing.assert_frame_equal(ka, kb)
    # The simulator's linked contacts take 25% less handle time: the estimate
    # recovers the true minutes saved within 4 standard errors of the
    # cell-matched difference of means (computed here from the frames).
    c = sim.contacts.assign(linked=sim.contacts["articles"] != "")
    cells = c.groupby(["channel", "tier", "linked"])["handle_minutes"].agg(["mean", "var", "count"]).unstack()
    cells = cells[(cells["count"] >= 2).all(axis=1)]
    w = cells["count"][True] / cells["count"][True].sum()
    estimate = (w * (cells["mean"][False] - cells["mean"][True])).sum()
    se = np.sqrt((w ** 2 * (cells["var"][False] / cells["count"][False]
                            + cells["var"][True] / cells["count"][True])).sum())
    assert ka.attrs["minutes_saved"] == pytest.approx(estimate, rel=1e-9)
    assert abs(estimate - sim.model_truth()["minutes_saved"]) < 4 * se + 0.01  # + rounding to 0.1 min
    # Its truth: months paid and churn flags are the retention inputs.
    r = a.retention_data("month")
    truth = sim.truth.set_index("customer_id") if "customer_id" in sim.truth.columns else sim.truth
    assert r["churned"].sum() == int(truth.reindex(r.index)["churned"].sum())


# ------------------------------------------------------------ transactions

def _state(ledger):
    """Everything the tests compare before and after a transaction."""
    stats = {k: v for k, v in ledger.stats().items() if not k.startswith("bytes_")}
    return (stats, list(ledger.customer_ids()), list(ledger.segment_ids()),
            list(ledger.article_ids()), ledger.customer_activity(as_of="2030-01-01"),
            ledger.rejections)


def _assert_same_state(a, b):
    assert a[:4] == b[:4]
    pd.testing.assert_frame_equal(a[4], b[4])
    pd.testing.assert_frame_equal(a[5], b[5])


NEW_CUSTOMERS = pd.DataFrame({"customer_id": ["D", "E", "A"], "segment": ["mid", "smb", "smb"],
                              "start_date": ["2023-02-01", "2023-03-01", "2023-03-01"]})


def test_transaction_rolls_back_on_an_exception(small):
    before = _state(small)
    with pytest.raises(crvm.NotFoundError, match="nobody"):
        with small.transaction():
            small.add_customers(NEW_CUSTOMERS, errors="collect")  # "A" is rejected
            small.add_revenue(pd.DataFrame({"customer_id": ["D"], "date": ["2023-02-01"],
                                            "amount": [99.5], "stream": ["services"]}))
            small.add_articles(pd.DataFrame({"article_id": ["KB9"], "created": ["2023-01-01"],
                                             "authoring_hours": [1.0], "maintenance_hours": [0.0]}))
            assert len(small) == 5 and len(small.rejections) == 1
            small.add_revenue(pd.DataFrame({"customer_id": ["nobody"], "date": ["2023-02-01"],
                                            "amount": [1.0], "stream": ["services"]}))
    _assert_same_state(_state(small), before)
    # The ids of the rolled-back rows are free again.
    small.add_customers(NEW_CUSTOMERS.iloc[:2])
    assert list(small.customer_ids())[-2:] == ["D", "E"]
    assert list(small.segment_ids())[-1] == "mid"


def test_transaction_commits_when_the_block_ends(small, tmp_path):
    crvm.simulate_csv(tmp_path, customers=20, seed=2)
    with small.transaction() as ledger:
        assert ledger is small
        small.add_customers(NEW_CUSTOMERS.iloc[:2])
        crvm.load_csv(small, tmp_path)
    assert len(small) == 3 + 2 + 20
    after = _state(small)
    with pytest.raises(KeyError):  # any exception rolls back, and only this block
        with small.transaction():
            small.add_customers(pd.DataFrame({"customer_id": ["X"], "segment": ["smb"],
                                              "start_date": ["2023-01-01"]}))
            raise KeyError("stop")
    _assert_same_state(_state(small), after)


def test_transactions_do_not_nest(small):
    before = _state(small)
    with pytest.raises(crvm.StateError, match="already open"):
        with small.transaction():
            small.add_customers(NEW_CUSTOMERS.iloc[:2])
            with small.transaction():
                pass
    _assert_same_state(_state(small), before)  # the outer one was rolled back
    with small.transaction():  # and closed: a new one opens
        pass


# ------------------------------------------- contact attributes, sources

def test_extra_contact_columns_are_attributes(small):
    contacts = pd.DataFrame({
        "contact_id": ["K6", "K7", "K8"], "customer_id": ["A", "B", "C"],
        "opened": ["2023-06-01", "2023-06-02", "2023-06-03"], "channel": ["chat"] * 3,
        "handle_minutes": [5.0, 6.0, 7.0], "tier": [1, 1, 2], "escalated": [0, 0, 1],
        "outcome": ["refused", "resolved", "refused"],
        "queue": ["integrations", None, "integrations"], "agent": ["ann", "bob", np.nan],
        "priority": [1, 2, 3]})
    small.add_contacts(contacts)
    assert small.attribute_names() == ["queue", "agent", "priority"]
    attrs = small.contact_attributes()
    assert list(attrs.index) == ["K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8"]
    assert attrs["queue"].tolist()[5:] == ["integrations", np.nan, "integrations"]
    assert attrs["queue"].isna().sum() == 6
    assert attrs.loc["K8", "agent"] is np.nan or pd.isna(attrs.loc["K8", "agent"])
    assert list(attrs["priority"].cat.categories) == ["1", "2", "3"]  # values are text
    full = small.contacts()
    assert full.loc["K6", "customer_id"] == "A" and full.loc["K8", "outcome"] == "refused"
    assert full.loc["K3", "closed"] is pd.NaT and math.isnan(full.loc["K3", "satisfaction"])
    assert full.loc["K2", "escalated"] and full.loc["K2", "tier"] == 2
    assert full.loc["K7", "agent"] == "bob"
    assert list(small.contacts(attributes=False).columns) == [
        "customer_id", "opened", "closed", "channel", "handle_minutes", "tier", "escalated",
        "outcome", "satisfaction"]
    # A second value for a contact is refused, naming the row.
    with pytest.raises(crvm.InvalidArgumentError, match=r'contact_attributes\[0\].contact_id "K6": already'):
        small.add_contact_attributes(pd.DataFrame({"contact_id": ["K6"], "queue": ["billing"]}))
    with pytest.raises(crvm.InvalidArgumentError, match="a contact column"):
        small.add_contact_attributes(pd.DataFrame({"contact_id": ["K1"], "Outcome": ["x"]}))


def test_attributes_of_rejected_contacts_are_left_out():
    customers = pd.DataFrame({"customer_id": ["A"], "segment": ["smb"], "start_date": ["2023-01-01"]})
    contacts = pd.DataFrame({
        "contact_id": ["K1", "K1", "K2"], "customer_id": ["A", "A", "Z"],
        "opened": ["2023-02-01"] * 3, "channel": ["phone"] * 3, "handle_minutes": [1.0] * 3,
        "tier": [1] * 3, "escalated": [0] * 3, "outcome": ["resolved"] * 3,
        "queue": [None, "billing", "tech"]}, index=["r0", "r1", "r2"])
    led = crvm.Ledger.from_frames(customers=customers, contacts=contacts, errors="collect")
    # K1's duplicate row (r1) and K2 (unknown customer) are rejected: no queue value survives.
    assert led.rejections["index"].tolist() == ["r1", "r2"]
    attrs = led.contact_attributes()
    assert list(attrs.index) == ["K1"] and attrs["queue"].isna().all()


def test_revenue_source_contact(small):
    small.add_revenue(pd.DataFrame({
        "customer_id": ["A", "C", "B"], "date": ["2023-05-11", "2023-07-20", "2023-03-05"],
        "amount": [500.0, 99.99, 1.0], "stream": ["expansion", "services", "services"],
        "source_contact": ["K2", "K5", None]}))
    rev = small.revenue()
    assert len(rev) == 11
    assert rev["source_contact"].tolist()[-3:] == ["K2", "K5", None]
    assert rev["source_contact"].iloc[:8].isna().all()
    assert cents(rev["amount"]).tolist()[-3:] == [50000, 9999, 100]
    assert rev["stream"].iloc[-2] == "services" and rev["customer_id"].iloc[-1] == "B"
    with pytest.raises(crvm.InvalidArgumentError, match="another customer"):
        small.add_revenue(pd.DataFrame({"customer_id": ["A"], "date": ["2023-08-01"], "amount": [1.0],
                                        "stream": ["services"], "source_contact": ["K5"]}))
    with pytest.raises(crvm.NotFoundError, match="source_contact"):
        small.add_revenue(pd.DataFrame({"customer_id": ["A"], "date": ["2023-08-01"], "amount": [1.0],
                                        "stream": ["services"], "source_contact": ["K9"]}))
    assert len(small.revenue()) == 11


def test_attributes_and_sources_roll_back_with_a_transaction(small):
    small.add_contact_attributes(pd.DataFrame({"contact_id": ["K1"], "queue": ["billing"]}))
    before = (small.contact_attributes().copy(), small.revenue().copy())
    with pytest.raises(RuntimeError):
        with small.transaction():
            small.add_contact_attributes(pd.DataFrame({"contact_id": ["K2", "K3"], "queue": ["tech", "billing"],
                                                       "agent": ["ann", "bob"]}))
            small.add_revenue(pd.DataFrame({"customer_id": ["A"], "date": ["2023-06-01"], "amount": [5.0],
                                            "stream": ["expansion"], "source_contact": ["K2"]}))
            raise RuntimeError("undo")
    pd.testing.assert_frame_equal(small.contact_attributes(), before[0])
    pd.testing.assert_frame_equal(small.revenue(), before[1])
    assert small.attribute_names() == ["queue"]
