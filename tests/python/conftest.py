"""Shared fixtures: where the reference datasets live."""

import os
import pathlib

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def data_dir() -> pathlib.Path:
    """../shared/data beside the checkout, or $CRVM_DATA_DIR."""
    return pathlib.Path(os.environ.get("CRVM_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def datadir() -> pathlib.Path:
    path = data_dir()
    if not path.is_dir():
        pytest.fail(f"reference data not found at {path} (set CRVM_DATA_DIR)")
    return path
