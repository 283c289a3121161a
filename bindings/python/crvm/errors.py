"""Exceptions raised by crvm: one class per library status.

Every failure of the C library surfaces as a subclass of :class:`Error` whose
message is the library's own (``crvm_last_error()``), naming the row, column
or parameter at fault. Subclasses also derive from the closest built-in
exception, so ``except ValueError`` keeps working for bad input.
"""

from __future__ import annotations


class Error(Exception):
    """Base class of every error reported by the crvm library."""

    status = -1


class InvalidArgumentError(Error, ValueError):
    """An argument is invalid (wrong length, bad value, NULL)."""

    status = 1


class OutOfMemoryError(Error, MemoryError):
    """The library could not allocate memory."""

    status = 2


class DomainError(Error, ValueError):
    """Data or parameters lie outside the model's domain."""

    status = 3


class ConvergenceError(Error, ArithmeticError):
    """An iterative fit or series did not converge."""

    status = 4


class FileError(Error, OSError):
    """A file could not be opened, read or written."""

    status = 5


class ParseError(Error, ValueError):
    """Input text is malformed."""

    status = 6


class NotFoundError(Error, LookupError):
    """A referenced id or item does not exist."""

    status = 7


class StateError(Error, RuntimeError):
    """The object is not in a state that allows the call."""

    status = 8


_BY_STATUS = {cls.status: cls for cls in (
    InvalidArgumentError, OutOfMemoryError, DomainError, ConvergenceError,
    FileError, ParseError, NotFoundError, StateError)}


def error_class(status: int) -> type:
    """The exception class for a library status code (used by the bindings)."""
    return _BY_STATUS.get(status, Error)


class NotFittedError(Error, AttributeError):
    """A prediction or attribute needs parameters: fit the model or assign ``params``."""
