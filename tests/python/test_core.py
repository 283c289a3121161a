"""The package itself: version, error hierarchy, array conversion."""

import numpy as np
import pytest

import crvm
from crvm import _arrays, errors
from crvm import lowlevel as ll


def test_version_matches_the_library_macros():
    expected = f"{ll.CRVM_VERSION_MAJOR}.{ll.CRVM_VERSION_MINOR}.{ll.CRVM_VERSION_PATCH}"
    assert crvm.__version__ == expected == ll.crvm_version()


@pytest.mark.parametrize("name, builtin", [
    ("CRVM_EINVAL", ValueError), ("CRVM_ENOMEM", MemoryError), ("CRVM_EDOMAIN", ValueError),
    ("CRVM_ECONVERGE", ArithmeticError), ("CRVM_EIO", OSError), ("CRVM_EPARSE", ValueError),
    ("CRVM_ENOTFOUND", LookupError), ("CRVM_ESTATE", RuntimeError),
])
def test_every_status_has_its_own_error_class(name, builtin):
    cls = errors.error_class(getattr(ll, name))
    assert issubclass(cls, crvm.Error) and issubclass(cls, builtin)
    assert cls.status == getattr(ll, name)


def test_error_classes_are_distinct_and_cover_every_status():
    classes = {errors.error_class(s) for s in range(1, ll.CRVM_STATUS_COUNT)}
    assert len(classes) == ll.CRVM_STATUS_COUNT - 1
    assert errors.error_class(12345) is crvm.Error


def test_status_strings_come_from_the_library():
    assert ll.crvm_status_str(ll.CRVM_OK) == "success"
    assert ll.crvm_status_str(ll.CRVM_EINVAL) == "invalid argument"


def test_float_arrays_accept_lists_series_and_scalars_without_copying_arrays():
    arr = np.arange(5.0)
    assert _arrays.as_float_array(arr, "x") is arr
    assert _arrays.as_float_array([1, 2], "x").dtype == np.float64
    assert _arrays.as_float_array(3.0, "x").shape == (1,)
    with pytest.raises(ValueError, match="x: expected a 1-D array"):
        _arrays.as_float_array(np.zeros((2, 2)), "x")
    with pytest.raises(TypeError, match="x: a value is required"):
        _arrays.as_float_array(None, "x")


def test_int_arrays_refuse_fractions_instead_of_truncating():
    assert _arrays.as_int_array([1.0, 2.0], "n").tolist() == [1, 2]
    assert _arrays.as_int_array([True, False], "flag").tolist() == [1, 0]
    with pytest.raises(ValueError, match=r"n\[1\] = 2.5"):
        _arrays.as_int_array([1.0, 2.5], "n")
    with pytest.raises(TypeError):
        _arrays.as_int_array(["a"], "n")
    with pytest.raises(ValueError, match="outside the range"):
        _arrays.as_int_array([2**40], "n")


def test_every_public_name_is_exported_once_and_exists():
    assert len(crvm.__all__) == len(set(crvm.__all__))
    for name in crvm.__all__:
        assert hasattr(crvm, name), name
