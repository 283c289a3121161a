"""The low-level module cannot be made to free twice, read freed memory or
fill a buffer with garbage (issue 10 item 2): owning proxies are the only way
to free a handle, a handle lent by another keeps its owner alive, structs
that point into a handle carry their own copies of its strings, and array
arguments the C code cannot read as their element type are refused.
Expected values: the same call on a good buffer, or a fit of the same data
on its own."""

import gc
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT

import crvm
from crvm import lowlevel as ll

sys.path.insert(0, str(REPO_ROOT / "tests" / "api"))
import audit  # noqa: E402  (the API auditor parses the public headers)

FREE_FUNCTIONS = sorted(d.name for d in audit.parse_headers(REPO_ROOT) if d.name.endswith("_free"))
HANDLE_CLASSES = ["crvm_km", "crvm_km_groups", "crvm_cox", "crvm_ledger", "crvm_rejections",
                  "crvm_retention_fit", "crvm_txn_fit", "crvm_gamma_gamma_fit", "crvm_load_report",
                  "crvm_numeric_table", "crvm_sim_data"]


def km_options():
    o = ll.crvm_km_options()
    ll.crvm_km_options_init(o)
    return o


def test_no_free_function_is_in_the_module():
    # crvm_km_free(km) and then the proxy's own free was a double free (abort).
    assert len(FREE_FUNCTIONS) >= 10
    assert [f for f in FREE_FUNCTIONS if hasattr(ll, f)] == []


@pytest.mark.parametrize("name", HANDLE_CLASSES)
def test_ownership_cannot_be_handed_over(name):
    cls = getattr(ll, name)
    assert isinstance(cls.thisown, property) and cls.thisown.fset is None


def test_a_lent_curve_keeps_its_groups_alive():
    t = np.array([1.0, 2, 3, 4, 5, 6])
    e = np.array([1, 0, 1, 1, 0, 1], np.int32)
    groups = ll.crvm_km_fit_groups(t, e, None, None, np.array([0, 0, 0, 1, 1, 1], np.int32), km_options())
    curve = ll.crvm_km_groups_curve(groups, 1)
    assert curve._owner is groups and not curve.thisown
    del groups
    gc.collect()
    alone = ll.crvm_km_fit(t[3:], e[3:], None, None, km_options())
    at = np.array([0.5, 4.5, 5.5, 7.0])
    got, want = np.empty(4), np.empty(4)
    ll.crvm_km_survival_at(curve, at, got)
    ll.crvm_km_survival_at(alone, at, want)
    assert ll.crvm_km_size(curve) == ll.crvm_km_size(alone)
    np.testing.assert_array_equal(got, want)


def test_rows_of_lists_and_reports_carry_their_own_strings(tmp_path):
    ledger, rejections = ll.crvm_ledger_new(), ll.crvm_rejections_new()
    ll.crvm_ledger_add_customers(ledger, ["a", ""], ["s", "s"], np.zeros(2, np.int32), None, rejections)
    row = ll.crvm_rejections_get(rejections, 0)
    ll.crvm_rejections_clear(rejections)  # the list's text is reused ...
    ll.crvm_ledger_add_customers(ledger, ["", ""], ["x", "x"], np.zeros(2, np.int32), None, rejections)
    del rejections  # ... and freed
    gc.collect()
    assert (row.reason, row.field, row.row) == ("customers[1].id is empty", "id", 1)

    (tmp_path / "customers.csv").write_text("customer_id,segment,start_date\nc1,s,2023-02-30\n")
    report = ll.crvm_load_report_new()
    options = ll.crvm_load_options()
    ll.crvm_load_options_init(options)
    options.mode = ll.CRVM_LOAD_LENIENT
    ll.crvm_load_directory(ll.crvm_ledger_new(), str(tmp_path), options, report)
    entry = ll.crvm_load_report_get(report, 0)
    del report
    gc.collect()
    assert entry.file == "customers.csv" and entry.column == "start_date"
    assert entry.reason.startswith("customers.csv: row 1 (line 2), column start_date: '2023-02-30'")


@pytest.fixture
def km():
    return ll.crvm_km_fit(np.array([1.0, 2, 3, 4]), np.array([1, 0, 1, 1], np.int32), None, None,
                          km_options())


def test_foreign_byte_order_is_refused(km):
    at = np.array([1.5, 3.5])
    good = np.empty(2)
    ll.crvm_km_survival_at(km, at, good)
    foreign = ">" if sys.byteorder == "little" else "<"
    out = np.full(2, 7.0, dtype=foreign + "f8")
    with pytest.raises(TypeError, match="out: expected double in the machine's byte order"):
        ll.crvm_km_survival_at(km, at, out)  # was filled with byte-swapped garbage
    assert (out == 7.0).all()
    with pytest.raises(TypeError, match="byte order"):
        ll.crvm_km_survival_at(km, at.astype(foreign + "f8"), good)
    with pytest.raises(TypeError, match="byte order"):
        ll.crvm_ledger_customers(ll.crvm_ledger_new(), np.empty(0, foreign + "i4"), None, None)
    native = out.astype("=f8")
    ll.crvm_km_survival_at(km, at, native)
    np.testing.assert_array_equal(native, good)


def test_other_unreadable_buffers_are_refused(km):
    at = np.array([1.5, 3.5, 3.6])
    raw = np.zeros(8 * 3 + 1, np.uint8)
    with pytest.raises(TypeError, match="not a multiple of 8 bytes"):
        ll.crvm_km_survival_at(km, at, raw[1:].view(np.float64))  # misaligned by one byte
    with pytest.raises(TypeError, match="C-contiguous"):
        ll.crvm_km_survival_at(km, at, np.empty(6)[::2])
    frozen = np.empty(3)
    frozen.flags.writeable = False
    with pytest.raises(TypeError, match="writable"):
        ll.crvm_km_survival_at(km, at, frozen)
    with pytest.raises(TypeError, match="elements of double"):
        ll.crvm_km_survival_at(km, at, np.empty(3, np.float32))
