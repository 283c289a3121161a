"""The cost-model text format (docs/cost-model.md) from Python: CostModel.from_text
and CostModel.from_file set exactly the named assumptions, and each error names
its line. Expected values are the ones written in the text."""

import math

import pytest

import crvm


def test_from_text_sets_named_assumptions_then_keywords():
    m = crvm.CostModel.from_text(
        "# FY2025\nhourly_rate[tier2] = 45.5\r\nchannel_cost[chat] = 0.4  # per chat\n"
        "minutes_saved = estimate\n", escalation_cost=7)
    defaults = crvm.CostModel()
    assert m["hourly_rate[tier2]"] == 45.5
    assert m["channel_cost[chat]"] == 0.4
    assert math.isnan(m["minutes_saved"])
    assert m["escalation_cost"] == 7
    assert m["hourly_rate[tier1]"] == defaults["hourly_rate[tier1]"]
    assert crvm.CostModel.from_text(b"discount_rate = 0.05")["discount_rate"] == 0.05


@pytest.mark.parametrize("text, error, needle", [
    ("escalation_cost = 1\nhourly_rate[tier4] = 2\n", crvm.NotFoundError,
     "line 2: unknown assumption 'hourly_rate[tier4]'"),
    ("escalation_cost 1\n", crvm.ParseError, "line 1: 'escalation_cost 1': expected 'name = value'"),
    ("discount_rate = 1.5\n", crvm.InvalidArgumentError, "line 1: cost model discount_rate = 1.5"),
    ("escalation_cost = 1\nescalation_cost = 2\n", crvm.ParseError, "already set on line 1"),
])
def test_from_text_errors_name_the_line(text, error, needle):
    with pytest.raises(error, match=needle.replace("[", r"\[").replace("]", r"\]")):
        crvm.CostModel.from_text(text)


def test_from_file_names_the_file(tmp_path):
    path = tmp_path / "costs.txt"
    path.write_text("overhead_per_minute = 0.2\n")
    assert crvm.CostModel.from_file(path)["overhead_per_minute"] == 0.2
    path.write_text("\noverhead_per_minute = -1\n")
    with pytest.raises(crvm.InvalidArgumentError, match="costs.txt: line 2: cost model overhead_per_minute"):
        crvm.CostModel.from_file(path)
    with pytest.raises(crvm.FileError, match="absent.txt"):
        crvm.CostModel.from_file(tmp_path / "absent.txt")
