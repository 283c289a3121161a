"""Every library status surfaces in Python as its own exception class,
raised by a real library call, carrying the library's message."""

import numpy as np
import pytest

import crvm
from crvm import lowlevel as ll


def _separated_cox():
    # Everyone with x = 1 fails after everyone with x = 0: the partial
    # likelihood has no finite maximum (perfect separation).
    x = np.r_[np.zeros(20), np.ones(20)].reshape(-1, 1)
    durations = np.r_[np.arange(21, 41), np.arange(1, 21)].astype(float)
    crvm.CoxPH().fit(x, durations, np.ones(40))


def _unterminated_quote(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text('a,b\n1,"x\n')
    crvm.read_numeric_csv(str(path), ["a", "b"])


def _small_ledger():
    return crvm.Ledger.from_frames(customers=crvm.simulate(customers=10, seed=1).customers)


CASES = [
    ("increasing survivor counts", crvm.InvalidArgumentError, "exceeds",
     lambda tmp: crvm.ShiftedBetaGeometric().fit_cohort([1000, 1200, 900])),
    ("nobody churned", crvm.DomainError, "no customer churned",
     lambda tmp: crvm.ShiftedBetaGeometric().fit_cohort([1000, 1000, 1000])),
    # 2^62 rows cannot be represented: refused before any allocation happens.
    ("a reservation beyond memory", crvm.OutOfMemoryError, "rows",
     lambda tmp: ll.crvm_ledger_reserve(ll.crvm_ledger_new(), 2**62, 0, 0, 0)),
    ("perfect separation", crvm.ConvergenceError, "separation",
     lambda tmp: _separated_cox()),
    ("a missing directory", crvm.FileError, "cannot open",
     lambda tmp: crvm.Ledger.from_csv(str(tmp / "missing"))),
    ("an unterminated quote", crvm.ParseError, "not terminated",
     _unterminated_quote),
    ("an unknown customer id", crvm.NotFoundError, "nobody",
     lambda tmp: ll.crvm_ledger_find(_small_ledger()._h, ll.CRVM_TABLE_CUSTOMERS, "nobody")),
    ("commit without a transaction", crvm.StateError, "",
     lambda tmp: ll.crvm_ledger_commit(_small_ledger()._h)),
]


@pytest.mark.parametrize("what, cls, text, call", CASES, ids=[c[0] for c in CASES])
def test_each_status_raises_its_class_with_the_library_message(tmp_path, what, cls, text, call):
    with pytest.raises(cls) as caught:
        call(tmp_path)
    assert isinstance(caught.value, crvm.Error)
    assert str(caught.value), "the exception carries crvm_last_error()'s text"
    assert text in str(caught.value)


def test_the_cases_cover_every_status():
    statuses = {cls.status for _, cls, _, _ in CASES}
    assert statuses == set(range(1, ll.CRVM_STATUS_COUNT))
