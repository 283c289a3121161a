"""crvm.simulate / crvm.simulate_csv / crvm.Ledger.from_csv / crvm.load_csv."""

import numpy as np
import pandas as pd
import pytest

import crvm

COLUMNS = {
    "customers": ["customer_id", "segment", "start_date", "end_date"],
    "articles": ["article_id", "created", "authoring_hours", "maintenance_hours"],
    "revenue": ["customer_id", "date", "amount", "stream", "source_contact"],
    "contacts": ["contact_id", "customer_id", "opened", "closed", "channel", "handle_minutes",
                 "tier", "escalated", "outcome", "satisfaction", "articles", "agent", "queue",
                 "product", "reason"],
    "knowledge_uses": ["article_id", "date", "kind", "resolved", "contact_id", "customer_id"],
}


@pytest.fixture(scope="module")
def sim():
    return crvm.simulate(customers=500, seed=42)


def test_simulate_returns_the_documented_tables(sim):
    for name, cols in COLUMNS.items():
        df = sim[name]
        assert list(df.columns) == cols
        assert len(df) == sim.summary[name if name != "revenue" else "revenue_events"]
    assert len(sim.customers) == 500
    assert sim.customers["customer_id"].is_unique and sim.contacts["contact_id"].is_unique
    assert set(sim.customers["segment"]) <= {"smb", "mid_market", "enterprise"}
    assert pd.api.types.is_datetime64_any_dtype(sim.revenue["date"])
    assert sim.contacts["handle_minutes"].min() >= 0
    assert sim.summary["revenue_total"] == pytest.approx(sim.revenue["amount"].sum(), rel=1e-12)
    outcomes = sim.contacts["outcome"].value_counts()
    for name, count in sim.summary["outcome_count"].items():
        assert outcomes.get(name, 0) == count


def test_truth_agrees_with_the_tables(sim):
    truth = sim.truth
    assert list(truth["customer_id"]) == list(sim.customers["customer_id"])
    # Churned customers, and only they, have an end date.
    assert (truth["churned"].to_numpy() == sim.customers["end_date"].notna().to_numpy()).all()
    # One subscription payment per month paid.
    subs = sim.revenue[sim.revenue["stream"] == "subscription"].groupby("customer_id").size()
    paid = subs.reindex(truth["customer_id"]).fillna(0).to_numpy()
    assert (paid == truth["lifetime_months"].to_numpy()).all()
    assert ((truth["theta"] > 0) & (truth["theta"] < 1)).all()


def test_simulate_is_deterministic():
    a = crvm.simulate(customers=100, seed=5)
    b = crvm.simulate(customers=100, seed=5)
    c = crvm.simulate(customers=100, seed=6)
    for name in COLUMNS:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a.revenue.equals(c.revenue)


def test_simulate_checks_its_arguments():
    with pytest.raises(ValueError):
        crvm.simulate(customers=0)
    with pytest.raises(ValueError):
        crvm.simulate(customers=10, segments={"smb": {"gamma": 1.0}})
    with pytest.raises(ValueError, match="segment_share"):
        crvm.simulate(customers=10, segments={"smb": {"share": 0.9}})
    with pytest.raises(crvm.InvalidArgumentError, match="alpha"):
        crvm.simulate(customers=10, segments={"enterprise": {"alpha": -1.0}})


def test_pure_sbg_retention_matches_the_closed_form():
    # Pure sBG: S(t) = prod_{k<t} (beta + k) / (alpha + beta + k).
    alpha, beta = 1.2, 12.0
    sim = crvm.simulate(customers=20000, seed=9, outcome_effects=False,
                        segments={"smb": {"contact_rate": 0.0}, "mid_market": {"contact_rate": 0.0},
                                  "enterprise": {"contact_rate": 0.0}}, self_service_rate=0.0)
    t = sim.truth[sim.truth["segment"] == "mid_market"]
    life, churned = t["lifetime_months"].to_numpy(), t["churned"].to_numpy()
    # Churned: T = lifetime; censored: T > lifetime - 1.
    s, var = 1.0, 0.0
    for month in range(1, 13):
        at_risk = np.sum(churned & (life >= month)) + np.sum(~churned & (life - 1 >= month))
        events = np.sum(churned & (life == month))
        s *= 1 - events / at_risk
        var += events / (at_risk * (at_risk - events))
        truth = np.prod([(beta + k) / (alpha + beta + k) for k in range(month)])
        assert abs(s - truth) < 4 * s * np.sqrt(var)  # four Greenwood standard errors


def test_round_trip_through_the_ledger(tmp_path):
    summary = crvm.simulate_csv(tmp_path, customers=300, seed=8)
    ledger = crvm.Ledger.from_csv(tmp_path)
    report = ledger.load_report
    assert report.rows_rejected == 0 and report.files == 5
    assert report.rows_read == (summary["customers"] + summary["articles"] + summary["revenue_events"]
                                + summary["contacts"] + summary["knowledge_uses"])
    assert report.rows_accepted == report.rows_read
    stats = ledger.stats()
    assert stats["customers"] == summary["customers"] and stats["contacts"] == summary["contacts"]
    assert stats["revenue_events"] == summary["revenue_events"]
    assert stats["contact_articles"] == summary["contact_article_links"]
    assert stats["knowledge_uses"] == summary["knowledge_uses"]
    assert stats["revenue_cents"] == round(summary["revenue_total"] * 100)
    # load_csv into an existing ledger: the same rows again are duplicates.
    with pytest.raises(crvm.InvalidArgumentError, match=r"customers.csv: row 1 \(line 2\), column customer_id"):
        crvm.load_csv(ledger, tmp_path)
    assert ledger.load_report.rows_read == report.rows_read
    # The files hold what simulate() returns for the same seed.
    sim = crvm.simulate(customers=300, seed=8)
    tables = crvm.io.read_tables(tmp_path)
    for name in COLUMNS:
        pd.testing.assert_frame_equal(tables[name], sim[name])


def write(tmp_path, name, text):
    (tmp_path / name).write_text(text)


CUSTOMERS = "customer_id,segment,start_date\nc1,smb,2022-01-01\nc2,smb,2022-02-01\n"


def test_strict_load_raises_with_row_line_and_column(tmp_path):
    write(tmp_path, "customers.csv", CUSTOMERS)
    write(tmp_path, "revenue.csv", "customer_id,date,amount,stream\n"
                                   "c1,2022-01-01,10,subscription\n"
                                   "c2,2022-13-01,10,subscription\n")
    with pytest.raises(crvm.ParseError, match=r"revenue.csv: row 2 \(line 3\), column date: '2022-13-01'"):
        crvm.Ledger.from_csv(tmp_path)
    write(tmp_path, "revenue.csv", "customer_id,date,amount,stream\nc9,2022-01-01,10,subscription\n")
    with pytest.raises(crvm.NotFoundError, match=r"row 1 \(line 2\), column customer_id"):
        crvm.Ledger.from_csv(tmp_path)
    write(tmp_path, "revenue.csv", "")
    with pytest.raises(crvm.ParseError, match="empty file"):
        crvm.Ledger.from_csv(tmp_path)


def test_lenient_load_reports_every_rejected_row(tmp_path):
    write(tmp_path, "customers.csv", CUSTOMERS + "c1,smb,2022-03-01\n")
    write(tmp_path, "revenue.csv", "customer_id,date,amount,stream\n"
                                   "c1,2022-01-01,NaN,subscription\n"
                                   "c2,2022-01-01,5.5,services\n"
                                   "c2,\"2022-01-01,5.5,services\n")
    ledger = crvm.Ledger.from_csv(tmp_path, strict=False)
    assert isinstance(ledger, crvm.Ledger)
    assert ledger.stats()["customers"] == 2 and ledger.stats()["revenue_events"] == 1
    rep = ledger.load_report
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (6, 3, 3)
    rej = rep.rejections.sort_values(["file", "row"]).reset_index(drop=True)
    assert list(rej["file"]) == ["customers.csv", "revenue.csv", "revenue.csv"]
    assert list(rej["row"]) == [3, 1, 3]
    assert list(rej["line"]) == [4, 2, 4]
    assert list(rej["column"]) == ["customer_id", "amount", "date"]
    assert list(rej["status"]) == ["invalid", "parse", "parse"]
    assert "NaN is not a valid number" in rej["reason"][1]
    assert "not terminated" in rej["reason"][2]


def test_from_csv_is_a_documented_classmethod_passing_its_options(tmp_path):
    # Defined on the class itself (not patched on by the package), with a docstring.
    assert isinstance(crvm.Ledger.__dict__["from_csv"], classmethod)
    assert "load_report" in crvm.Ledger.from_csv.__doc__

    class MyLedger(crvm.Ledger):
        pass

    write(tmp_path, "customers.csv", "customer_id,segment,start_date,note\nc1,smb,2022-01-01,x\n")
    with pytest.raises(crvm.ParseError, match="note"):
        crvm.Ledger.from_csv(tmp_path)
    ledger = MyLedger.from_csv(tmp_path, ignore_unknown_columns=True)
    assert type(ledger) is MyLedger and ledger.stats()["customers"] == 1
    assert (ledger.load_report.files, ledger.load_report.rows_accepted) == (1, 1)
    write(tmp_path, "customers.csv", "customer_id,segment,start_date\nc1,smb,2022-01-01\n"
                                     "c2," + "s" * 40 + ",2022-01-01\n")
    ledger = crvm.Ledger.from_csv(tmp_path, strict=False, max_field_bytes=16)
    assert ledger.stats()["customers"] == 1
    assert list(ledger.load_report.rejections["row"]) == [2]


@pytest.mark.parametrize("customers, seed, options", [
    (700, 3, {}),
    (300, 11, {"months": 6, "self_service_rate": 0.0}),   # few, short lives
    (200, 4, {"segments": {"enterprise": {"share": 0.7}, "smb": {"share": 0.2},
                           "mid_market": {"share": 0.1}}}),  # many contacts and links
])
def test_simulate_frames_equal_the_csv_files(tmp_path, customers, seed, options):
    # simulate() builds its frames from the in-memory columns; pandas reading
    # the files that simulate_csv() writes with the same options is the
    # independent reference: equal dtypes, equal values (floats bit for bit).
    sim = crvm.simulate(customers=customers, seed=seed, **options)
    crvm.simulate_csv(tmp_path, customers=customers, seed=seed, **options)
    text = {"customers": ["customer_id", "segment"], "articles": ["article_id"],
            "revenue": ["customer_id", "stream", "source_contact"],
            "contacts": ["contact_id", "customer_id", "channel", "outcome", "articles", "agent",
                         "queue", "product", "reason"],
            "knowledge_uses": ["article_id", "kind", "contact_id", "customer_id"]}
    for name, cols in COLUMNS.items():
        path = tmp_path / f"{name}.csv"
        expected = pd.read_csv(path, dtype={c: str for c in text[name]}, keep_default_na=False,
                               na_values={"satisfaction": [""]})
        for c in ("start_date", "end_date", "created", "date", "opened", "closed"):
            if c in expected.columns:
                expected[c] = pd.to_datetime(expected[c].replace("", None), format="%Y-%m-%d")
        assert list(expected.columns) == cols
        pd.testing.assert_frame_equal(sim[name], expected, check_exact=True)
    assert sim.truth["customer_id"].tolist() == sim.customers["customer_id"].tolist()


def test_simulated_columns_check_their_buffers():
    # The accessors behind simulate() raise the library's error for a buffer
    # of the wrong length and leave it untouched.
    data = crvm.lowlevel.crvm_simulate(crvm.io._options(10, 1, None, None, True, None, None, None))
    with pytest.raises(crvm.InvalidArgumentError, match="agent has length 9, expected"):
        crvm.lowlevel.crvm_sim_data_contact_attributes(data, *(np.empty(9, np.int32) for _ in range(4)))
    short = [np.full(9, -7, dtype=np.int32) for _ in range(3)]
    with pytest.raises(crvm.InvalidArgumentError, match="segment has length 9, expected 10 customers"):
        crvm.lowlevel.crvm_sim_data_customers(data, *short)
    assert all((s == -7).all() for s in short)
    with pytest.raises(crvm.InvalidArgumentError, match="expected 90"):
        crvm.lowlevel.crvm_sim_data_ids(data, crvm.lowlevel.CRVM_SIM_CUSTOMER_IDS, bytearray(89))
    with pytest.raises(crvm.InvalidArgumentError, match="not a crvm_sim_id_space"):
        crvm.lowlevel.crvm_sim_data_ids_size(data, 3)
    assert crvm.lowlevel.crvm_sim_data_ids_size(data, crvm.lowlevel.CRVM_SIM_CUSTOMER_IDS) == 90


def test_read_numeric_csv_matches_pandas(datadir):
    path = datadir / "rossi.csv"
    got = crvm.read_numeric_csv(path, ["prio", "WEEK", "arrest"])
    ref = pd.read_csv(path)
    assert list(got.columns) == ["prio", "WEEK", "arrest"]
    assert len(got) == len(ref) == 432
    np.testing.assert_array_equal(got["prio"], ref["prio"].astype(float))
    np.testing.assert_array_equal(got["WEEK"], ref["week"].astype(float))
    np.testing.assert_array_equal(got["arrest"], ref["arrest"].astype(float))
    assert got.dtypes.unique().tolist() == [np.float64]


def test_read_numeric_csv_quoting_and_an_empty_table(tmp_path):
    write(tmp_path, "t.csv", 'label,x\r\n"a, b",1.5\r\n"c\nd",-2e3\r\n')
    got = crvm.read_numeric_csv(tmp_path / "t.csv", "x")
    np.testing.assert_array_equal(got["x"], [1.5, -2000.0])
    write(tmp_path, "empty.csv", "x,y\n")
    assert crvm.read_numeric_csv(tmp_path / "empty.csv", ["y", "x"]).shape == (0, 2)


def test_read_numeric_csv_errors(tmp_path):
    write(tmp_path, "t.csv", "week,arrest\n20,1\n21,yes\n")
    with pytest.raises(crvm.ParseError, match=r"row 2 \(line 3\), column arrest: 'yes': not a number"):
        crvm.read_numeric_csv(tmp_path / "t.csv", ["week", "arrest"])
    with pytest.raises(crvm.ParseError, match="header: no column 'age'"):
        crvm.read_numeric_csv(tmp_path / "t.csv", ["week", "age"])
    with pytest.raises(crvm.FileError, match="missing.csv"):
        crvm.read_numeric_csv(tmp_path / "missing.csv", ["week"])
    with pytest.raises(crvm.InvalidArgumentError, match="repeats"):
        crvm.read_numeric_csv(tmp_path / "t.csv", ["week", "Week"])
    with pytest.raises(crvm.InvalidArgumentError, match="no columns"):
        crvm.read_numeric_csv(tmp_path / "t.csv", [])


# ------------------------------------------------ the simulator's truth

def test_simulated_attributes_and_sources(sim):
    k = sim.contacts
    assert set(k["queue"]) <= set(crvm.io.QUEUES) and k["agent"].str.match(r"agent_\d\d$").all()
    # agent_01-10 billing, 11-20 technical, 21-30 integrations, 31-40 account
    queue_of_agent = (k["agent"].str[6:].astype(int) - 1) // 10
    assert (np.array(crvm.io.QUEUES)[queue_of_agent] == k["queue"].to_numpy()).all()
    sourced = sim.revenue[sim.revenue["source_contact"] != ""]
    assert len(sourced) > 0
    src = k.set_index("contact_id").loc[sourced["source_contact"]]
    assert (src["customer_id"].to_numpy() == sourced["customer_id"].to_numpy()).all()
    assert (src["closed"].to_numpy() == sourced["date"].to_numpy()).all()
    assert (src["outcome"] == "resolved").all()
    # Loaded as a ledger: the extra columns become attributes, the sources stay.
    led = crvm.Ledger.from_frames(customers=sim.customers, revenue=sim.revenue, contacts=sim.contacts,
                                  articles=sim.articles, knowledge_uses=sim.knowledge_uses)
    assert led.attribute_names() == ["agent", "queue", "product", "reason"]
    attrs = led.contact_attributes()
    assert (attrs["queue"].astype(str).to_numpy() == k["queue"].to_numpy()).all()
    rev = led.revenue()
    assert (rev["source_contact"].fillna("").to_numpy() == sim.revenue["source_contact"].to_numpy()).all()


def test_model_truth_and_options():
    sim = crvm.simulate(customers=50, seed=2, c=0.8, effects={"refused": 0.5},
                        queue_refusal={"integrations": 0.3}, article_saving=0.1)
    t = sim.model_truth()
    p = t["params"]
    assert p["alpha_smb"] == 0.9 and p["beta_enterprise"] == 30.0 and p["c"] == 0.8
    assert p["b_refused"] == 0.5 and p["b_silent_6_plus"] == pytest.approx(np.log(1.8), rel=1e-15)
    assert t["agent_refusal"]["agent_30"] == pytest.approx(0.3 * 1.5, rel=1e-15)
    assert t["minutes_saved"] == pytest.approx(0.1 * 11.05 * np.exp(0.18) * 1.1, rel=1e-14)
    legacy = crvm.simulate(customers=20, seed=2, churn="multiplier").model_truth()["params"]
    assert np.isnan(legacy["c"]) and np.isnan(legacy["b_refused"])
    assert (crvm.simulate(customers=20, seed=2, outcome_effects=False)
            .model_truth()["params"].filter(like="b_") == 0).all()
    with pytest.raises(ValueError, match="churn"):
        crvm.simulate(customers=10, churn="sometimes")
    with pytest.raises(ValueError, match="unknown covariate"):
        crvm.simulate(customers=10, effects={"weather": 1.0})
    with pytest.raises(ValueError, match="unknown queue"):
        crvm.simulate(customers=10, queue_refusal={"sales": 0.1})
    with pytest.raises(crvm.InvalidArgumentError, match="article_saving"):
        crvm.simulate(customers=10, article_saving=1.0)


def test_customer_state_and_continuation():
    sim = crvm.simulate(customers=400, seed=6, outcome_effects=False, c=0.9,
                        segments={g: {"contact_rate": 0.0} for g in crvm.io.SEGMENTS},
                        self_service_rate=0.0)
    state = sim.customer_state("2023-03-15")
    started = sim.customers["start_date"].to_numpy() <= np.datetime64("2023-03-15")
    assert (state["renewals"].to_numpy()[~started] == -1).all()
    assert (state["last_touch"] == sim.customers.set_index("customer_id")["start_date"])[started].all()
    fut = sim.continuation("2023-03-15", replications=2, horizon=6, cap=240, discount_rate=0.01)
    assert (fut["active"] == state["active"]).all()
    # No support effects and no contacts or views: the columns are the BdW
    # given theta, by a direct series, with no Monte Carlo error.
    theta = sim.truth.set_index("customer_id")["theta"]
    act = fut[fut["active"]]
    t0 = state.loc[act.index, "renewals"].to_numpy(float)
    lq = np.log1p(-theta.loc[act.index].to_numpy())
    k = np.arange(1, 241)[:, None]
    s = np.exp((np.power(t0 + k, 0.9) - np.power(t0, 0.9)) * lq)
    np.testing.assert_allclose(act["retained"], s[5], rtol=1e-10)
    np.testing.assert_allclose(act["discounted_months"], (s / 1.01 ** (k - 1)).sum(axis=0), rtol=1e-10)
    assert (act["retained_se"] == 0).all() and (act["support_cost"] == 0).all()
    again = sim.continuation("2023-03-15", replications=2, horizon=6, cap=240, discount_rate=0.01, threads=3)
    pd.testing.assert_frame_equal(fut, again)
    with pytest.raises(crvm.InvalidArgumentError, match="outside the window"):
        sim.continuation("2030-01-01")
    with pytest.raises(crvm.InvalidArgumentError, match="outside the window"):
        sim.customer_state("2019-01-01")


def test_read_table_csv_labels_match_pandas(datadir):
    # Waltons: string genotype groups; the categories in order of first
    # appearance, every row's label as pandas reads it.
    path = datadir / "waltons_dataset.csv"
    got = crvm.read_table_csv(path, ["T", "E", "group"], labels="group")
    ref = pd.read_csv(path)
    assert list(got["group"].cat.categories) == list(dict.fromkeys(ref["group"]))
    assert got["group"].astype(str).tolist() == ref["group"].tolist()
    np.testing.assert_array_equal(got["T"], ref["T"].astype(float))
    assert got["E"].dtype == np.float64


def test_read_table_csv_space_delimiter(datadir):
    path = datadir / "anderson.csv"
    with pytest.raises(crvm.ParseError, match="no column 't'"):
        crvm.read_table_csv(path, ["t", "status"])
    got = crvm.read_table_csv(path, ["t", "status", "Rx"], labels=["rx"], delimiter=" ")
    ref = pd.read_csv(path, sep=" ")
    np.testing.assert_array_equal(got["t"], ref["t"].astype(float))
    assert got["Rx"].astype(str).tolist() == ref["Rx"].astype(str).tolist()


def test_read_table_csv_errors(tmp_path):
    write(tmp_path, "t.csv", "T,E,group\n6,1,a\n7,0,\n")
    with pytest.raises(crvm.ParseError, match=r"row 2 \(line 3\), column group: an empty label"):
        crvm.read_table_csv(tmp_path / "t.csv", ["T", "group"], labels="group")
    with pytest.raises(crvm.InvalidArgumentError, match="is not one of the columns"):
        crvm.read_table_csv(tmp_path / "t.csv", ["T"], labels="group")
    with pytest.raises(crvm.InvalidArgumentError, match="delimiter"):
        crvm.read_table_csv(tmp_path / "t.csv", ["T"], delimiter='"')
    with pytest.raises(ValueError, match="one character"):
        crvm.read_table_csv(tmp_path / "t.csv", ["T"], delimiter=";;")
    with pytest.raises(crvm.FileError, match="No such file"):
        crvm.read_table_csv(tmp_path / "missing.csv", ["T"])


def test_read_table_csv_dates(tmp_path):
    write(tmp_path, "log.csv", "id;date;amount\n00004;1997-01-01;29.33\n00018;1997-03-01;11.77\n")
    got = crvm.read_table_csv(tmp_path / "log.csv", ["id", "date", "amount"], labels="id",
                              dates="date", delimiter=";")
    assert got["date"].tolist() == [pd.Timestamp("1997-01-01"), pd.Timestamp("1997-03-01")]
    assert got["id"].astype(str).tolist() == ["00004", "00018"]
    np.testing.assert_array_equal(got["amount"], [29.33, 11.77])
    write(tmp_path, "bad.csv", "id,date\n1,1997-02-30\n")
    with pytest.raises(crvm.ParseError, match=r"row 1 \(line 2\), column date: '1997-02-30'"):
        crvm.read_table_csv(tmp_path / "bad.csv", ["id", "date"], labels="id", dates="date")


def test_the_numbers_only_reader_is_the_table_reader_without_labels(datadir):
    # crvm_read_numeric_csv (the C entry point kept for C callers) reads what
    # read_numeric_csv, built on crvm_read_table_csv, returns.
    import crvm.lowlevel as ll
    path = datadir / "rossi.csv"
    table = ll.crvm_read_numeric_csv(str(path), ["week", "prio"])
    rows = ll.crvm_numeric_table_rows(table)
    week = np.empty(rows)
    ll.crvm_numeric_table_column(table, 0, week)
    np.testing.assert_array_equal(week, crvm.read_numeric_csv(path, ["week", "prio"])["week"])
    assert ll.crvm_numeric_table_label_count(table, 0) == 0
