"""The Python API reference (docs/python-api.md) is generated from the
docstrings and is current; every public model, function and class of the
modelling API has a docstring with an example."""

import importlib
import importlib.util
import inspect

from conftest import REPO_ROOT

import crvm

_spec = importlib.util.spec_from_file_location("python_api_doc",
                                               REPO_ROOT / "scripts" / "python_api_doc.py")
doc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(doc)

# Modules of the ledger and data loading (crvm.ledger, crvm.io) document
# themselves without examples yet; every other public name must have one.
_NO_EXAMPLE_YET = {"CostModel", "Ledger", "LoadReport", "SimulatedData", "load_csv",
                   "read_numeric_csv", "read_table_csv", "simulate", "simulate_csv"}


def test_the_committed_reference_is_current():
    assert (REPO_ROOT / "docs" / "python-api.md").read_text() == doc.render(), (
        "docs/python-api.md is stale: run .venv/bin/python scripts/python_api_doc.py")


def test_public_names_have_docstrings_with_examples():
    missing = []
    for name in crvm.__all__:
        obj = getattr(crvm, name)
        if name.startswith("__") or name in _NO_EXAMPLE_YET:
            continue
        if inspect.isclass(obj) and issubclass(obj, (Warning, Exception)):
            assert inspect.getdoc(obj), name
            continue
        if "Example" not in (inspect.getdoc(obj) or ""):
            missing.append(name)
    for name in crvm.plotting.__all__:
        if "Example" not in (inspect.getdoc(getattr(crvm.plotting, name)) or ""):
            missing.append(f"plotting.{name}")
    spark = importlib.import_module("crvm.spark")  # pyspark is in the test environment
    for name in spark.__all__:
        obj = getattr(spark, name)
        if callable(obj) and "Example" not in (inspect.getdoc(obj) or ""):
            missing.append(f"spark.{name}")
    assert not missing, f"docstrings without an example: {missing}"
