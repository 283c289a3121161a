"""Work that grows with the periods up to an as-of date is bounded by the
data (issue 10 item 5): an as-of date far beyond the ledger is refused by
the C routines (retention data, contact panel) and by the Python period
loops, instead of building ~95,000 monthly rows per customer."""

import pandas as pd
import pytest

import crvm


@pytest.fixture
def ledger():
    customers = pd.DataFrame({"customer_id": ["A", "B"], "segment": ["s", "s"],
                              "start_date": ["2023-01-15", "2023-03-01"],
                              "end_date": [None, "2023-08-01"]})
    revenue = pd.DataFrame({"customer_id": ["A", "B"], "date": ["2023-02-01", "2023-03-01"],
                            "amount": [10.0, 20.0], "stream": ["subscription", "subscription"]})
    return crvm.Ledger.from_frames(customers, revenue)


def test_far_as_of_dates_are_refused(ledger):
    with pytest.raises(crvm.InvalidArgumentError, match="as_of = 9999-12-31 is more than 366 days"):
        ledger.contact_panel(as_of="9999-12-31")
    with pytest.raises(crvm.InvalidArgumentError, match="last date in the ledger \\(2023-08-01\\)"):
        ledger.retention_data(as_of="2024-08-02")
    with pytest.raises(crvm.InvalidArgumentError, match="as_of = 9999-12-31 is more than 366 days"):
        ledger.customer_activity(as_of="9999-12-31", period="month")
    with pytest.raises(ValueError, match="start = 0001-01-01: more than 366 days before the data"):
        ledger.segment_economics(start="0001-01-01", period="year")


def test_a_year_after_the_data_is_fine(ledger):
    # 2024-08-01: A (from 2023-01-15) has made 18 monthly renewals; B churned
    # on 2023-08-01 after 5 periods begun (March to July).
    data = ledger.retention_data(as_of="2024-08-01")
    assert data.loc["A", "periods"] == 18 and not data.loc["A", "churned"]
    assert data.loc["B", "periods"] == 5 and data.loc["B", "churned"]
    assert len(ledger.contact_panel(as_of="2024-08-01")) == 18 + 5
    monthly = ledger.customer_activity(as_of="2024-08-01", period="month")
    assert len(monthly) == 2 * 20  # Jan 2023 .. Aug 2024 for both customers
