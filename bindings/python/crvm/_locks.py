"""A reader-writer lock for the Python objects that wrap a mutable C handle.

The SWIG module releases the GIL around every C call (``swig -threads``), so
two Python threads can be inside the C library at once. A C ledger may be
read by several threads at once but appended to by one thread alone (C
contract, docs/conventions.md "Threads"); :class:`crvm.Ledger` enforces that
with one :class:`RWLock`, held across each C call and the copying out of its
results (a list of ids is read under one lock, so it never mixes two states
of the ledger).
"""

from __future__ import annotations

import contextlib
import functools
import threading


class RWLock:
    """Many readers or one writer, writers first.

    Reentrant as the Ledger's methods need it: a thread holding the write
    lock may take it again or read; a thread reading may read again (also
    while a writer waits, which would otherwise deadlock it). A thread that
    holds only a read lock and asks to write gets a RuntimeError: it would
    wait for itself.
    """

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._writer = None          # ident of the writing thread
        self._write_depth = 0
        self._readers: dict = {}     # ident -> depth of its read locks
        self._writers_waiting = 0

    @contextlib.contextmanager
    def read(self):
        me = threading.get_ident()
        with self._cond:
            if self._writer != me and me not in self._readers:
                while self._writer is not None or self._writers_waiting:
                    self._cond.wait()
            self._readers[me] = self._readers.get(me, 0) + 1
        try:
            yield
        finally:
            with self._cond:
                depth = self._readers.pop(me) - 1
                if depth:
                    self._readers[me] = depth
                else:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def write(self):
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                self._write_depth += 1
            else:
                if me in self._readers:
                    raise RuntimeError("a thread reading a crvm object cannot start writing to it "
                                       "(it would wait for its own read to end)")
                self._writers_waiting += 1
                try:
                    while self._writer is not None or self._readers:
                        self._cond.wait()
                finally:
                    self._writers_waiting -= 1
                self._writer = me
                self._write_depth = 1
        try:
            yield
        finally:
            with self._cond:
                self._write_depth -= 1
                if self._write_depth == 0:
                    self._writer = None
                    self._cond.notify_all()


def _holding(kind: str):
    """A decorator running a method under its object's ``self._lock.<kind>()``."""
    def decorate(method):
        @functools.wraps(method)
        def locked(self, *args, **kwargs):
            with getattr(self._lock, kind)():
                return method(self, *args, **kwargs)
        return locked
    return decorate


#: Run the method under its object's read lock.
reads = _holding("read")
#: Run the method under its object's write lock.
writes = _holding("write")
