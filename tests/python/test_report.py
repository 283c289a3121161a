"""crvm.ValueModel.report: the report of crvm report, from Python.

The JSON is validated against the documented schema (docs/report-schema.json)
with the jsonschema package, an implementation independent of crvm; its
figures are compared with ValueModel's own frames (the report must show the
value layer's figures, not compute its own), and the CSV tables are read back
with pandas. The figures themselves are checked in tests/unit/test_value.c
and test_report.c."""

import io
import json

import jsonschema
import numpy as np
import pandas as pd
import pytest

import crvm
from conftest import REPO_ROOT

AS_OF = "2024-06-14"
SCHEMA = json.loads((REPO_ROOT / "docs" / "report-schema.json").read_text())


@pytest.fixture(scope="module")
def vm(tmp_path_factory):
    path = tmp_path_factory.mktemp("report")
    crvm.simulate(1500, seed=3).to_csv(path)
    return crvm.ValueModel(crvm.Ledger.from_csv(path), horizon=12).fit(AS_OF)


@pytest.fixture(scope="module")
def doc(vm):
    return json.loads(vm.report("json", top=4))


def cents(x):
    return int(np.round(float(x) * 100))


def test_json_follows_the_documented_schema(doc):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert doc["schema"] == "crvm-report" and doc["schema_version"] == 1
    assert doc["as_of"] == AS_OF and doc["horizon_months"] == 12
    assert doc["confidence_level"] == 0.95  # the value's default level
    # The schema is not vacuous: a report without its headline fails it.
    broken = dict(doc)
    del broken["headline"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_json_shows_the_value_models_figures(vm, doc):
    cust = vm.customers()
    active = cust[cust["active"]]
    total = doc["segments"][-1]
    assert total["total"] and total["segment"] == "All"
    assert cents(total["residual_value"]["estimate"]) == int(np.round(active["residual_value"] * 100).sum())
    assert cents(doc["headline"]["value_at_risk"]["estimate"]) == int(np.round(active["value_at_risk"] * 100).sum())
    assert doc["data"]["active_customers"] == len(active)
    seg = vm.segments()
    for row in doc["segments"][:-1]:
        assert cents(row["residual_value"]["estimate"]) == cents(seg.loc[row["segment"], "residual_value"])
    pnl = vm.support_pnl(doc["support_pnl"]["from"], doc["support_pnl"]["to"])
    lines = {line["line"]: line for line in doc["support_pnl"]["lines"]}
    assert cents(lines["net_contribution"]["amount"]) == cents(pnl["net_contribution"])
    assert lines["value_per_support_dollar"]["amount"] == pytest.approx(pnl["value_per_support_dollar"], rel=1e-9)
    by_outcome = vm.contact_impact(by="outcome")
    first = doc["contact_impact"]["groupings"][0]
    assert first["by"] == "outcome" and first["outcomes"] == "all"
    for g in first["groups"]:
        assert cents(g["impact"]["estimate"]) == cents(by_outcome.loc[g["label"], "impact"])
    top = vm.outreach(4)
    assert [o["customer"] for o in doc["outreach"]] == list(top.index)
    assert [o["drivers"] for o in doc["outreach"]] == list(top["drivers"])


def test_csv_tables_read_back(vm, tmp_path):
    seg = pd.read_csv(io.StringIO(vm.report("csv", table="segments")))
    assert list(seg["segment"])[-1] == "All"
    parts = seg.iloc[:-1]
    assert int(np.round(parts["residual_value"] * 100).sum()) == cents(seg.iloc[-1]["residual_value"])
    assert vm.report("csv", path=tmp_path / "tables") is None
    files = sorted(p.name for p in (tmp_path / "tables").iterdir())
    assert files == sorted(f"{t}.csv" for t in ("headline", "pnl", "segments", "retention", "covariates",
                                                "curves", "impact", "knowledge", "outreach"))
    curves = pd.read_csv(tmp_path / "tables" / "curves.csv")
    assert set(curves["segment"]) == set(seg["segment"][:-1])
    assert ((curves["projected"] > 0) & (curves["projected"] <= 1)).all()


def test_text_and_html(vm, tmp_path):
    text = vm.report(title="sample")
    assert text.startswith("crvm report for sample as of 2024-06-14")
    assert "Support P&L" in text and "Outreach" in text
    vm.report("html", path=tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and html.count('<figure class="chart"') == 5


def test_bad_arguments(vm, tmp_path):
    with pytest.raises(ValueError, match="format"):
        vm.report("pdf")
    with pytest.raises(ValueError, match="table"):
        vm.report("csv", table="nope")
    with pytest.raises(crvm.errors.InvalidArgumentError, match="top"):
        vm.report(top=-1)
    with pytest.raises(crvm.errors.FileError, match="missing"):
        vm.report("html", path=tmp_path / "missing" / "r.html")
    with pytest.raises(crvm.NotFittedError):
        crvm.ValueModel(vm.ledger).report()


def test_a_tab_separated_directory_loads_with_its_delimiter(tmp_path):
    comma, tabs = tmp_path / "comma", tmp_path / "tabs"
    crvm.simulate(300, seed=9).to_csv(comma)
    tabs.mkdir()
    for f in comma.iterdir():
        # The simulated files hold no quoted field: commas become tabs one for one.
        (tabs / f.name).write_text(f.read_text().replace(",", "\t"))
    a = crvm.Ledger.from_csv(comma)
    b = crvm.Ledger.from_csv(tabs, delimiter="\t")
    keys = ("customers", "segments", "revenue_events", "contacts", "articles", "knowledge_uses", "revenue_cents")
    assert {k: a.stats()[k] for k in keys} == {k: b.stats()[k] for k in keys}
    with pytest.raises(crvm.ParseError):
        crvm.Ledger.from_csv(tabs)
    with pytest.raises(ValueError, match="delimiter"):
        crvm.Ledger.from_csv(tabs, delimiter="ab")


@pytest.mark.parametrize("retention,covariates", [("sbg", True), ("cox", True), ("bdw", False)])
def test_every_retention_model_reports_in_the_schema(vm, retention, covariates):
    other = crvm.ValueModel(vm.ledger, retention=retention, covariates=covariates).fit(AS_OF)
    doc = json.loads(other.report("json", top=2))
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert doc["retention"]["model"] == retention
    # The Cox option has no alpha and beta; a model without covariates no effects and no impacts.
    assert ("alpha" in doc["retention"]["segments"][0]) == (retention != "cox")
    assert (len(doc["retention"]["covariates"]) > 0) == covariates
    assert (len(doc["contact_impact"]["groupings"]) > 0) == covariates
    assert other.report("html").count('<figure class="chart"') == 5
