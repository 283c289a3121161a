#!/usr/bin/env python3
"""Write docs/python-api.md, the reference of crvm's Python API, from the
docstrings and signatures of the installed package.

Run: .venv/bin/python scripts/python_api_doc.py [--check]
(--check: exit 1 if the committed page differs; tests/python/test_api_docs.py
does the same under pytest.)
"""
from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"

# (module, title, names) of each section; None: the module's __all__.
SECTIONS = [
    ("crvm", "Models and functions (`crvm`)", None),
    ("crvm.plotting", "Plots (`crvm.plotting`, needs matplotlib)", None),
    ("crvm.spark", "Apache Spark (`crvm.spark`, needs pyspark: docs/spark.md)", None),
    ("crvm.lifetimes", "lifetimes' names (`crvm.lifetimes`)", None),
    ("crvm.lifetimes.utils", "`crvm.lifetimes.utils`", None),
    ("crvm.lifetimes.plotting", "`crvm.lifetimes.plotting`", None),
    ("crvm.lifelines", "lifelines' names (`crvm.lifelines`)", None),
    ("crvm.lifelines.statistics", "`crvm.lifelines.statistics`", None),
    ("crvm.lifelines.utils", "`crvm.lifelines.utils`", None),
]


def _signature(obj) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


def _doc(obj) -> str:
    return inspect.cleandoc(inspect.getdoc(obj) or "(undocumented)")


def _members(cls):
    """Public methods and properties defined by the class or its crvm bases."""
    out = []
    for name, member in sorted(vars(cls).items()):
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            out.append((name, "property", member))
        elif inspect.isfunction(member):
            out.append((name, "method", member))
    return out


def _class_members(cls):
    seen, out = set(), []
    for klass in cls.__mro__:
        if not klass.__module__.startswith("crvm") or klass is object:
            continue
        for name, kind, member in _members(klass):
            if name not in seen:
                seen.add(name)
                out.append((name, kind, member))
    return sorted(out)


def render() -> str:
    import importlib

    lines = ["# crvm Python API reference", "",
             "Generated from the docstrings by `scripts/python_api_doc.py`; do not edit by hand",
             "(tests/python/test_api_docs.py checks it is current). The migration guide from",
             "lifetimes and lifelines is docs/migrating.md; the saved-model format",
             "docs/model-format.md.", ""]
    for module_name, title, names in SECTIONS:
        module = importlib.import_module(module_name)
        names = names or [n for n in module.__all__ if not n.startswith("__")]
        lines += [f"## {title}", ""]
        for name in names:
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue
            if module_name != "crvm" and getattr(obj, "__module__", "").startswith("crvm") and \
                    getattr(obj, "__name__", name) != name:
                lines += [f"### `{module_name}.{name}`", "",
                          f"Alias of `crvm.{obj.__name__}`.", ""]
                continue
            if inspect.isclass(obj):
                lines += [f"### class `{module_name}.{name}{_signature(obj)}`", "", _doc(obj), ""]
                if issubclass(obj, BaseException):
                    continue
                for mname, kind, member in _class_members(obj):
                    sig = "" if kind == "property" else _signature(member)
                    first = _doc(member).split("\n\n")[0].replace("\n", " ")
                    lines.append(f"- `{mname}{sig}`{' (property)' if kind == 'property' else ''}:"
                                 f" {first}")
                lines.append("")
            elif callable(obj):
                lines += [f"### `{module_name}.{name}{_signature(obj)}`", "", _doc(obj), ""]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    text = render()
    if args.check:
        return 0 if PAGE.read_text() == text else 1
    PAGE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
