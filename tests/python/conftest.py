"""Shared fixtures: where the reference datasets live, and two of them."""

import os
import pathlib

import pandas as pd
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


@pytest.fixture(scope="module")
def cdnow_summary(datadir) -> pd.DataFrame:
    """CDNOW's customer summary (Fader & Hardie) with lifetimes' column names,
    indexed by customer id: frequency, recency, T, monetary_value."""
    df = pd.read_csv(datadir / "cdnow_customers_summary_with_transactions.csv")
    df = df.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
    return df.set_index("ID")


@pytest.fixture(scope="module")
def rossi_df(datadir) -> pd.DataFrame:
    """The Rossi recidivism data (week, arrest and seven covariates)."""
    return pd.read_csv(datadir / "rossi.csv")
