"""crvm.rfm_summary against lifetimes' summary functions, run on the same logs."""

import warnings

import numpy as np
import pandas as pd
import pytest

import crvm

lifetimes_utils = pytest.importorskip("lifetimes.utils")


@pytest.fixture(scope="module")
def cdnow_master(datadir):
    tx = pd.read_csv(datadir / "CDNOW_master.txt", sep=r"\s+")
    tx["date"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
    return tx


@pytest.fixture(scope="module")
def cdnow_sample(datadir):
    tx = pd.read_csv(datadir / "CDNOW_sample.txt", sep=r"\s+", header=None,
                     names=["master_id", "id", "date", "cds", "spent"])
    tx["date"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")
    return tx


def _lifetimes_summary(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lifetimes_utils.summary_data_from_transaction_data(*args, **kwargs)


def _lifetimes_cal_holdout(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lifetimes_utils.calibration_and_holdout_data(*args, **kwargs)


def _assert_same_frame(ours, theirs):
    assert list(ours.columns) == list(theirs.columns)
    assert ours.index.equals(theirs.index)
    # Durations are whole periods divided by a multiplier and means of a few
    # amounts summed in another order: 1e-12 relative.
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(dtype=float), rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("unit, multiplier", [("D", 1), ("W", 1), ("D", 7)])
def test_cdnow_master_summary_matches_lifetimes(cdnow_master, unit, multiplier):
    ours = crvm.rfm_summary(cdnow_master, "customer_id", "date", "dollar_value",
                            observation_end="1998-06-30", unit=unit, unit_multiplier=multiplier)
    theirs = _lifetimes_summary(cdnow_master, "customer_id", "date", "dollar_value",
                                observation_period_end="1998-06-30", freq=unit,
                                freq_multiplier=multiplier)
    assert len(ours) == 23570
    _assert_same_frame(ours, theirs)
    assert ours.attrs["n_excluded"] == 0


@pytest.mark.parametrize("unit, multiplier", [("D", 1), ("W", 1)])
def test_cdnow_master_calibration_holdout_matches_lifetimes(cdnow_master, unit, multiplier):
    ours = crvm.rfm_summary(cdnow_master, "customer_id", "date", "dollar_value",
                            calibration_end="1997-09-30", observation_end="1998-06-30",
                            unit=unit, unit_multiplier=multiplier)
    theirs = _lifetimes_cal_holdout(cdnow_master, "customer_id", "date",
                                    monetary_value_col="dollar_value",
                                    calibration_period_end="1997-09-30",
                                    observation_period_end="1998-06-30", freq=unit,
                                    freq_multiplier=multiplier)
    _assert_same_frame(ours, theirs)


def test_cdnow_sample_reproduces_the_published_summary(cdnow_sample, datadir):
    """cdnow_customers_summary.csv (ID, frequency, recency, T in weeks, 2 decimals)."""
    ours = crvm.rfm_summary(cdnow_sample, "id", "date", "spent", calibration_end="1997-09-30",
                            observation_end="1998-06-30", unit="D", unit_multiplier=7)
    ref = pd.read_csv(datadir / "cdnow_customers_summary.csv").set_index("ID")
    assert ours.index.tolist() == ref.index.tolist()
    np.testing.assert_array_equal(ours["frequency_cal"], ref["frequency"])
    np.testing.assert_allclose(ours["recency_cal"], ref["recency"], atol=0.005 + 1e-9, rtol=0)
    np.testing.assert_allclose(ours["T_cal"], ref["T"], atol=0.005 + 1e-9, rtol=0)
    zbar = pd.read_csv(datadir / "cdnow_customers_summary_with_transactions.csv")["zbar"]
    np.testing.assert_allclose(ours["monetary_value_cal"], zbar, atol=0.005 + 1e-9, rtol=0)


@pytest.fixture(scope="module")
def timed_log():
    """Random log with times of day, string ids, several purchases a day."""
    rng = np.random.default_rng(5)
    n = 4000
    start = np.datetime64("2021-03-01T00:00:00")
    seconds = rng.integers(0, 200 * 86400, n)
    return pd.DataFrame({
        "cust": np.array([f"c{i:03d}" for i in rng.integers(0, 300, n)]),
        "when": start + seconds.astype("timedelta64[s]"),
        "amount": np.round(rng.gamma(2.0, 20.0, n), 2),
    })


@pytest.mark.parametrize("unit, multiplier, include_first",
                         [("D", 1, False), ("W", 1, False), ("h", 24, False), ("D", 1, True),
                          ("W", 1, True)])
def test_times_of_day_match_lifetimes(timed_log, unit, multiplier, include_first):
    end = "2021-09-10 12:00"
    ours = crvm.rfm_summary(timed_log, "cust", "when", "amount", observation_end=end,
                            unit=unit, unit_multiplier=multiplier, include_first=include_first)
    theirs = _lifetimes_summary(timed_log, "cust", "when", "amount", observation_period_end=end,
                                freq=unit, freq_multiplier=multiplier,
                                include_first_transaction=include_first)
    _assert_same_frame(ours, theirs)
    # the whole period of the end is observed; later periods are excluded
    later = timed_log["when"].dt.to_period(unit) > pd.Period(end, unit)
    assert ours.attrs["n_excluded"] == int(later.sum()) > 0
    ours = crvm.rfm_summary(timed_log, "cust", "when", "amount", observation_end=end,
                            calibration_end="2021-06-15 08:30", unit=unit,
                            unit_multiplier=multiplier, include_first=include_first)
    theirs = _lifetimes_cal_holdout(timed_log, "cust", "when", monetary_value_col="amount",
                                    calibration_period_end="2021-06-15 08:30",
                                    observation_period_end=end, freq=unit,
                                    freq_multiplier=multiplier,
                                    include_first_transaction=include_first)
    _assert_same_frame(ours, theirs)


def test_without_amounts_and_without_end(timed_log):
    ours = crvm.rfm_summary(timed_log, "cust", "when")
    theirs = _lifetimes_summary(timed_log, "cust", "when")
    _assert_same_frame(ours, theirs)


def test_numeric_times_by_hand():
    tx = pd.DataFrame({"c": [7, 7, 7, 3, 3, 9],
                       "t": [0.0, 0.5, 10.0, 2.0, 9.0, 4.0],
                       "m": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]})
    out = crvm.rfm_summary(tx, "c", "t", "m", observation_end=12)
    # customer 3: days 2, 9; customer 7: days 0 (3.0), 10; customer 9: day 4
    assert out.index.tolist() == [3, 7, 9]
    np.testing.assert_array_equal(out["frequency"], [1, 1, 0])
    np.testing.assert_array_equal(out["recency"], [7, 10, 0])
    np.testing.assert_array_equal(out["T"], [10, 12, 8])
    np.testing.assert_array_equal(out["monetary_value"], [16, 4, 0])
    weekly = crvm.rfm_summary(tx, "c", "t", "m", observation_end=12, unit=7.0)
    np.testing.assert_array_equal(weekly["frequency"], [1, 1, 0])  # weeks 0,1 / 0,0,1 / 0
    np.testing.assert_array_equal(weekly["T"], [1, 1, 1])


def test_months_quarters_years_by_hand():
    tx = pd.DataFrame({"c": [1, 1, 1, 1],
                       "t": pd.to_datetime(["2020-01-31 23:00", "2020-02-01 00:00", "2020-02-29 00:00",
                                            "2020-07-01 00:00"]),
                       "m": [1.0, 2.0, 4.0, 8.0]})
    m = crvm.rfm_summary(tx, "c", "t", "m", unit="M", observation_end="2020-12-31")
    # purchases in months Jan, Feb (2 + 4), Jul; end in December
    assert m["frequency"].tolist() == [2] and m["recency"].tolist() == [6]
    assert m["T"].tolist() == [11] and m["monetary_value"].tolist() == [7.0]
    q = crvm.rfm_summary(tx, "c", "t", "m", unit="Q", observation_end="2020-12-31")
    # quarters Q1 (1 + 2 + 4), Q3 (8); end in Q4
    assert q["frequency"].tolist() == [1] and q["recency"].tolist() == [2]
    assert q["T"].tolist() == [3] and q["monetary_value"].tolist() == [8.0]
    y = crvm.rfm_summary(tx, "c", "t", "m", unit="Y", observation_end="2022-01-01")
    assert y["frequency"].tolist() == [0] and y["T"].tolist() == [2]


def test_errors_name_the_row():
    tx = pd.DataFrame({"c": [1, 1, 2], "t": pd.to_datetime(["2020-01-01", "2020-01-05",
                                                            "2020-01-03"]),
                       "m": [1.0, -2.0, 3.0]})
    with pytest.raises(crvm.InvalidArgumentError, match=r"amount\[1\] = -2"):
        crvm.rfm_summary(tx, "c", "t", "m")
    tx.loc[1, "m"] = np.nan
    with pytest.raises(crvm.InvalidArgumentError, match=r"amount\[1\]"):
        crvm.rfm_summary(tx, "c", "t", "m")
    tx.loc[1, "m"] = 2.0
    with pytest.raises(crvm.InvalidArgumentError, match="calibration_end"):
        crvm.rfm_summary(tx, "c", "t", "m", calibration_end="2020-02-01",
                         observation_end="2020-01-10")
    with pytest.raises(crvm.InvalidArgumentError, match=r"time\[1\].*after observation_end"):
        crvm.rfm_summary(tx, "c", "t", "m", observation_end="2020-01-04", after_end="error")
    out = crvm.rfm_summary(tx, "c", "t", "m", observation_end="2020-01-04")
    assert out.attrs["n_excluded"] == 1
    nat = tx.copy()
    nat["t"] = nat["t"].astype(object)
    nat.loc[2, "t"] = None
    with pytest.raises(ValueError, match=r"t\[2\] is missing"):
        crvm.rfm_summary(nat, "c", "t")
    num = pd.DataFrame({"c": [1, 2], "t": [1.0, np.nan]})
    with pytest.raises(crvm.InvalidArgumentError, match=r"time\[1\]"):
        crvm.rfm_summary(num, "c", "t")
    with pytest.raises(ValueError, match="unit='fortnight'"):
        crvm.rfm_summary(tx, "c", "t", unit="fortnight")
    with pytest.raises(KeyError, match="'nope'"):
        crvm.rfm_summary(tx, "nope", "t")
    with pytest.raises(ValueError, match="after_end"):
        crvm.rfm_summary(tx, "c", "t", after_end="drop")


def test_index_customers_lowlevel():
    from crvm import lowlevel as ll
    ids = np.array([10, -3, 10, 99, -3], dtype=np.int64)
    index = np.empty(5, dtype=np.int64)
    uniq = np.empty(5, dtype=np.int64)
    k = ll.crvm_rfm_index_customers(ids, index, uniq)
    assert k == 3
    assert index.tolist() == [0, 1, 0, 2, 1]
    assert uniq[:k].tolist() == [10, -3, 99]


@pytest.mark.parametrize("scale, dtype", [(3, np.int64), (3, np.int32), (10**6, np.int64),
                                          (1, np.uint16)])
def test_integer_ids_match_lifetimes(timed_log, scale, dtype):
    # Dense integer ids (gaps, negatives, narrow dtypes) are their own codes;
    # sparse ones (scale 10**6) go through factorize: both as lifetimes.
    number = timed_log["cust"].str[1:].astype(np.int64)
    offset = 0 if np.dtype(dtype).kind == "u" else -50
    log = timed_log.assign(cust=(offset + scale * number).astype(dtype))
    end = "2021-09-10 12:00"
    ours = crvm.rfm_summary(log, "cust", "when", "amount", observation_end=end)
    theirs = _lifetimes_summary(log, "cust", "when", "amount", observation_period_end=end)
    _assert_same_frame(ours, theirs)
    assert ours.index.dtype == np.dtype(dtype)
    assert ours.index.is_monotonic_increasing


def test_missing_datetime_names_the_row():
    tx = pd.DataFrame({"c": [1, 1, 2], "t": pd.to_datetime(["2020-01-01", "2020-01-05",
                                                            "2020-01-03"])})
    tx.loc[1, "t"] = pd.NaT
    assert tx["t"].dtype.kind == "M"
    with pytest.raises(ValueError, match=r"t\[1\] is missing"):
        crvm.rfm_summary(tx, "c", "t")
