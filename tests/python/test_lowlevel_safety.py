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


# ---- an output array that shares memory with another argument ----------

def bgnbd_rows(n=1000, seed=1):
    """n customers (x, t_x, T) and BG/NBD parameters: over 256 rows, so that
    the block kernels run several blocks."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, n).astype(float)
    T = rng.uniform(20, 40, n)
    tx = np.where(x > 0, T * rng.uniform(0, 1, n), 0.0)
    return ll.crvm_txn_params_make(ll.CRVM_TXN_BGNBD, 0.243, 4.414, 0.793, 2.426), [x, tx, T]


def test_an_output_that_is_an_input_is_refused_where_the_function_reads_it_after_writing():
    """crvm_txn_p_alive writes each block's output (1 for every row) before
    reading the block's T: with out = T it returned values off by up to
    0.98, with out a view of frequency shifted by one row off by 0.85.
    Refused now with the two arguments named, nothing written."""
    p, cols = bgnbd_rows()
    ref = np.empty(len(cols[0]))
    ll.crvm_txn_p_alive(p, *cols, ref)
    for k, name in enumerate(("frequency", "recency", "T")):
        args = [c.copy() for c in cols]
        with pytest.raises(ValueError, match=f"crvm_txn_p_alive: out shares memory with {name}"):
            ll.crvm_txn_p_alive(p, *args, args[k])
        np.testing.assert_array_equal(args[k], cols[k])
    buf = np.append(cols[0], 0.0)
    with pytest.raises(ValueError, match="out shares memory with frequency"):
        ll.crvm_txn_p_alive(p, buf[:-1], cols[1], cols[2], buf[1:])
    np.testing.assert_array_equal(buf[:-1], cols[0])
    # a view of the same memory under another dtype shares it too
    raw = cols[2].copy()
    with pytest.raises(ValueError, match="out shares memory with T"):
        ll.crvm_txn_p_alive(p, cols[0], cols[1], raw, raw.view(np.uint8).view(np.float64))
    # separate arrays, and inputs that share memory with each other, are fine
    zeros = np.zeros(len(cols[0]))
    out = np.empty(len(cols[0]))
    ll.crvm_txn_p_alive(p, zeros, zeros, cols[2], out)
    np.testing.assert_array_equal(out, 1.0)


def test_two_outputs_that_share_memory_are_refused():
    ids = np.array([10, -3, 10, 99, -3], dtype=np.int64)
    both = np.full(5, -7, dtype=np.int64)
    with pytest.raises(ValueError, match="index shares memory with unique_ids"):
        ll.crvm_rfm_index_customers(ids, both, both)
    assert (both == -7).all()
    with pytest.raises(ValueError, match="index shares memory with id"):
        ll.crvm_rfm_index_customers(ids, ids, np.empty(5, dtype=np.int64))


def retention_params():
    p = ll.crvm_retention_params()
    p.alpha, p.beta, p.c = 0.7, 1.4, 1.0
    return p


# the functions documented (crvm_typemaps.i) to read each input element
# before writing the same index of the output: (call with out last, inputs)
IN_PLACE = {
    "crvm_txn_expected_conditional": lambda cols, out: ll.crvm_txn_expected_conditional(
        bgnbd_rows()[0], 30.0, *cols, out),
    "crvm_txn_log_likelihood": lambda cols, out: ll.crvm_txn_log_likelihood(
        bgnbd_rows()[0], *cols, out),
    "crvm_txn_dert": lambda cols, out: ll.crvm_txn_dert(bgnbd_rows()[0], 0.01, *cols, out),
    "crvm_retention_survival": lambda cols, out: ll.crvm_retention_survival(
        retention_params(), cols[0], out),
    "crvm_retention_rate": lambda cols, out: ll.crvm_retention_rate(
        retention_params(), cols[0], out),
    "crvm_retention_churn_probability": lambda cols, out: ll.crvm_retention_churn_probability(
        retention_params(), cols[0], out),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_an_output_may_be_an_input_itself_where_documented_safe(name):
    """The same bits into the input array itself as into a separate array
    (1000 rows: several blocks of the row kernels; retention: more rows than
    its buffer, so the two-pass path), for each input in turn; a shifted
    view of an input is still refused."""
    call = IN_PLACE[name]
    if name.startswith("crvm_retention"):
        cols = [np.arange(1.0, 1001.0)]
    else:
        cols = bgnbd_rows()[1]
    for n in (1000, 100):  # retention: 100 rows go through its buffer
        ref = np.empty(n)
        call([c[:n] for c in cols], ref)
        for k in range(len(cols)):
            args = [c[:n].copy() for c in cols]
            call(args, args[k])
            np.testing.assert_array_equal(args[k], ref)
    buf = np.append(cols[-1], 0.0)
    shifted = cols[:-1] + [buf[:-1]]
    with pytest.raises(ValueError, match="may be the same array as the input, but not a shifted"):
        call(shifted, buf[1:])
    np.testing.assert_array_equal(buf[:-1], cols[-1])


def test_pythonic_predictions_never_write_into_the_callers_arrays():
    """The pythonic API passes the library arrays it allocates itself, never
    one of the caller's, so aliasing cannot arise there: its results share
    no memory with the inputs, which stay as they were, also when one array
    is passed as several columns."""
    _, (x, tx, T) = bgnbd_rows()
    m = crvm.BetaGeo()
    m.params = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)
    zeros = np.zeros(len(x))
    keep = [a.copy() for a in (x, tx, T)]
    for cols in ((x, tx, T), (zeros, zeros, T)):
        for out in (m.p_alive(*cols), m.expected_purchases(30.0, *cols),
                    m.expected_purchases(np.full(len(x), 30.0), *cols),
                    m.conditional_expected_number_of_purchases_up_to_time(30.0, *cols)):
            assert not any(np.shares_memory(out, c) for c in cols)
    for a, b in zip((x, tx, T), keep):
        np.testing.assert_array_equal(a, b)
    assert (zeros == 0).all()
