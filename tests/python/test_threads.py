"""Python threads sharing one crvm.Ledger (issue 10 item 1).

SWIG releases the GIL around every C call, so without a lock one thread's
add_customers raced another's customer_ids(): a SIGSEGV in crvm_ledger_id
about one run in two, and readers saw half-appended batches. Here several
threads append batches, read ids, frames and aggregates, and fit models on
the same ledger for a bounded time (STRESS_SECONDS), and every reader checks
that it only ever sees whole batches; then the ledger is compared with one
built from the same batches in one thread."""

import threading
import time

import numpy as np
import pandas as pd
import pytest

import crvm

STRESS_SECONDS = 3.0  # bounded: the suite runs it every time
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
BATCH = 400           # customers per append (the id tables grow, as in the crash)
WRITERS = 2


def _batch(writer: int, k: int):
    ids = [f"w{writer}-b{k}-c{i}" for i in range(BATCH)]
    start = pd.Timestamp("2022-01-01") + pd.to_timedelta((np.arange(BATCH) * 7 + k) % 700, unit="D")
    customers = pd.DataFrame({"customer_id": ids, "segment": f"seg{writer}", "start_date": start,
                              "end_date": [start[i] + pd.Timedelta(days=90 + 30 * (i % 9))
                                           if i % 3 == 0 else pd.NaT for i in range(BATCH)]})
    revenue = pd.DataFrame({"customer_id": ids, "date": start, "amount": 10.0 + k,
                            "stream": "subscription"})
    return customers, revenue


def _whole_batches(ids) -> bool:
    """Every batch present is complete (ids w{writer}-b{k}-c{i}, i < BATCH)."""
    counts = pd.Series([i.rsplit("-c", 1)[0] for i in ids]).value_counts()
    return bool((counts == BATCH).all())


def test_threads_read_write_and_fit_one_ledger():
    ledger = crvm.Ledger()
    base_customers, base_revenue = _batch(9, 0)
    ledger.add_customers(base_customers)
    ledger.add_revenue(base_revenue)
    stop = time.monotonic() + STRESS_SECONDS
    errors, written = [], {w: 0 for w in range(WRITERS)}
    reads = {"ids": 0, "frames": 0, "fits": 0}

    def guard(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
        return run

    def writer(w):
        k = 0
        while time.monotonic() < stop:
            customers, revenue = _batch(w, k)
            with ledger.transaction():  # customers and their revenue as one batch
                ledger.add_customers(customers)
                ledger.add_revenue(revenue)
            k += 1
            written[w] = k

    def id_reader():
        while time.monotonic() < stop:
            ids = ledger.customer_ids()
            assert _whole_batches(ids), "a reader saw half a batch"
            assert len(ids) == len(set(ids))
            reads["ids"] += 1

    def frame_reader():
        while time.monotonic() < stop:
            act = ledger.customer_activity()
            # One revenue event of 10 + k per customer: whole batches of each.
            assert _whole_batches(act.index)
            assert (act["revenue"] > 0).all()
            econ = ledger.segment_economics()
            assert (np.round(econ["revenue"] * 100) == econ["revenue"] * 100).all()  # whole cents
            reads["frames"] += 1

    def fitter():
        while time.monotonic() < stop:
            data = ledger.retention_data(period="month")
            assert _whole_batches(data.index)
            # Fader & Hardie (2007), "regular" cohort, years 0-7: alpha 0.704,
            # beta 1.182 (published to 3 decimals).
            model = crvm.ShiftedBetaGeometric().fit_cohort(REGULAR[:8])
            assert abs(model.params["alpha"] - 0.704) < 5e-4
            assert abs(model.params["beta"] - 1.182) < 5e-4
            rows = ledger.customers()
            km = crvm.KaplanMeier().fit(
                ((rows["end_date"].fillna(pd.Timestamp("2024-06-01")) - rows["start_date"]).dt.days),
                rows["end_date"].notna())
            assert 0 <= km.survival_at(100) <= 1
            reads["fits"] += 1

    threads = [threading.Thread(target=guard(lambda w=w: writer(w))) for w in range(WRITERS)]
    threads += [threading.Thread(target=guard(f)) for f in (id_reader, id_reader, frame_reader, fitter)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=STRESS_SECONDS + 120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    if errors:
        raise errors[0]
    assert all(written.values()) and all(reads.values()), (written, reads)

    # The result equals the same batches appended by one thread.
    alone = crvm.Ledger()
    alone.add_customers(base_customers)
    alone.add_revenue(base_revenue)
    for w in range(WRITERS):
        for k in range(written[w]):
            c, r = _batch(w, k)
            alone.add_customers(c)
            alone.add_revenue(r)
    got, want = ledger.stats(), alone.stats()
    for key in ("customers", "revenue_events", "revenue_cents", "segments"):
        assert got[key] == want[key]
    assert sorted(ledger.customer_ids()) == sorted(alone.customer_ids())


def test_the_lock_refuses_an_upgrade_and_transactions_exclude_readers():
    ledger = crvm.Ledger()
    customers, revenue = _batch(0, 0)
    with ledger._lock.read():
        with pytest.raises(RuntimeError, match="cannot start writing"):
            ledger.add_customers(customers)
    seen = []
    inside = threading.Event()
    release = threading.Event()

    def reader():
        inside.wait()
        seen.append(len(ledger))  # waits for the transaction to end

    t = threading.Thread(target=reader)
    t.start()
    with ledger.transaction():
        ledger.add_customers(customers)
        inside.set()
        time.sleep(0.2)
        assert not seen  # the reader is still waiting
        release.set()
    t.join(10)
    assert seen == [BATCH]
