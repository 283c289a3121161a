#!/usr/bin/env python3
"""Audit the public C API against the project's rules (docs/conventions.md).

For every function declared with CRVM_API in include/crvm/*.h:

1. doc      it has a preceding Doxygen comment (/** ... */), which for a
            function returning crvm_status names the statuses (itself, or by
            deferring: "@return as crvm_x()", "@copydoc crvm_x", a comment
            opening with "crvm_x() ...");
2. c_test   it is called in a C unit test (tests/unit/*.c); a call only in an
            example (examples/c) or the CLI (cli/) is reported separately;
3. python   it is in the SWIG module crvm.lowlevel and referenced by the
            pythonic package (bindings/python/crvm/*.py) or a Python test, or
            the interface files call it for Python (a handle's free function
            in CRVM_HANDLE, a call inside a %inline wrapper), unless
            PYTHON_ALLOW lists it with the reason;
4. statuses for each error status its doc comment names (::CRVM_EINVAL, ...),
            a unit test checks that status on a call of the function:
            assert_status(CALL, CRVM_Exxx) or assert_int_equal(CALL, CRVM_Exxx),
            where CALL is the function itself, or a macro or test helper that
            calls it, or a variable last assigned from it; CRVM_ENOMEM counts
            when the function is called from a scenario passed to
            test_every_allocation_failure (tests/unit/support.h). Helpers and
            macros are expanded transitively, so a check through a helper that
            calls several public functions is credited to each of them: this
            part is a close approximation, not a proof.

Run: python3 tests/api/audit.py [--verbose] [--strict]
(--strict: exit 1 if any of checks 1-3, or an allocating function (one whose
doc names CRVM_ENOMEM) without failure injection, has a gap; untested error
statuses are only reported.) tests/python/test_api_coverage.py runs it
under pytest.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Public functions deliberately not reachable from Python, with the reason.
_TEXT_PARSERS = ("text parsing/formatting: Python converts dates and category names with "
                 "pandas/numpy and passes codes (the *_name functions give the names); "
                 "%ignore in ledger.i")
PYTHON_ALLOW = {
    "crvm_set_allocator":
        "process-wide allocator for C embedders, set once before any other call; "
        "Python's memory is managed by the interpreter (%ignore in core.i)",
    "crvm_rfm_summary":
        "takes a struct of raw output column pointers, which Python buffers cannot fill; "
        "Python calls crvm_rfm_summary_arrays, the same summary with one buffer per column "
        "(%ignore in rfm.i)",
    "crvm_report_write_stream":
        "takes a C FILE*; Python gets the same text from crvm_py_report_render (a str) and "
        "files from crvm_py_report_write (%ignore in report.i)",
    "crvm_date_parse": _TEXT_PARSERS,
    "crvm_date_format": _TEXT_PARSERS,
    "crvm_stream_parse": _TEXT_PARSERS,
    "crvm_channel_parse": _TEXT_PARSERS,
    "crvm_outcome_parse": _TEXT_PARSERS,
    "crvm_use_kind_parse": _TEXT_PARSERS,
}

# Error statuses a doc comment names that no test can provoke, with the reason.
STATUS_ALLOW: dict[tuple[str, str], str] = {
    ("crvm_value_rows_build", "CRVM_EDOMAIN"):
        "passed on from the value panel builder when one period of a customer holds 2^32 "
        "touches of one kind: no test can hold that many rows",
    ("crvm_value_fit", "CRVM_ECONVERGE"):
        "passed on from the covariate retention fit when Newton stops short; crvm_retention_cov_fit's "
        "tests provoke it through an iteration limit, which crvm_value_options does not expose",
}

STATUS_RE = re.compile(r"\bCRVM_E[A-Z]+\b")
INHERIT_RE = re.compile(r"(?:\bas\s+|@copydoc\s+|^/\*\*\s*(?:Single-row strict append:\s*)?)"
                        r"(crvm_\w+)(?:\(\))?")
IDENT_CALL_RE = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


@dataclass
class Decl:
    name: str
    header: str
    line: int
    doc: str | None
    returns_status: bool = False
    statuses: set[str] = field(default_factory=set)
    inherits: list[str] = field(default_factory=list)  # "@return as crvm_x()", "@copydoc crvm_x"


def strip_comments(text: str) -> str:
    """Remove C comments and the contents of string and character literals,
    keeping line numbers."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":  # a string or character literal: keep the quotes only
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_headers(root: Path = ROOT) -> list[Decl]:
    decls = []
    for header in sorted((root / "include" / "crvm").glob("*.h")):
        text = header.read_text()
        for m in re.finditer(r"^[ \t]*CRVM_API\b", text, re.M):
            end = text.find(";", m.end())
            decl = text[m.end():end]
            name_m = re.search(r"(\w+)\s*\(", decl)
            if name_m is None:
                continue  # an exported variable: none today
            before = text[:m.start()].rstrip()
            doc = None
            if before.endswith("*/"):
                start = before.rfind("/*")
                if before.startswith("/**", start) and not before.startswith("/**<", start):
                    doc = before[start:]
            d = Decl(name_m.group(1), header.name, text.count("\n", 0, m.start()) + 1, doc,
                     returns_status=decl[:name_m.start()].split() == ["crvm_status"])
            if doc:
                d.statuses = set(STATUS_RE.findall(doc))
                d.inherits = INHERIT_RE.findall(doc)
            decls.append(d)
    # A doc comment that defers to another function ("@return as crvm_x()",
    # "@copydoc crvm_x", "crvm_x() with one row") documents x's statuses too.
    by_name = {d.name: d for d in decls}
    changed = True
    while changed:
        changed = False
        for d in decls:
            for other in d.inherits:
                extra = by_name[other].statuses - d.statuses if other in by_name else set()
                if extra:
                    d.statuses |= extra
                    changed = True
    return decls


def split_args(text: str, open_pos: int) -> tuple[list[str], int]:
    """Top-level comma-separated arguments of the call whose '(' is at open_pos."""
    depth, args, cur = 0, [], []
    i = open_pos
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
            if depth > 1:
                cur.append(c)
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append("".join(cur).strip())
                return args, i
            cur.append(c)
        elif c == "," and depth == 1:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    return args, i


class TestFile:
    """One C test file: its macros, its functions and what each calls."""

    def __init__(self, path: Path, public: set[str]):
        self.path = path
        self.public = public
        self.text = strip_comments(path.read_text())
        self.macros: dict[str, str] = {}
        for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)]*)\)((?:[^\n]*\\\n)*[^\n]*)",
                             self.text, re.M):
            self.macros[m.group(1)] = m.group(3)
        self.functions: dict[str, str] = {}
        self.takes_status: set[str] = set()  # helpers with a crvm_status parameter
        for m in re.finditer(r"^[A-Za-z_][\w \t\*]*?\b(\w+)\s*\([^;{)]*(?:\([^)]*\)[^;{)]*)*\)\s*\{",
                             self.text, re.M):
            start = m.end() - 1
            depth = 0
            for j in range(start, len(self.text)):
                if self.text[j] == "{":
                    depth += 1
                elif self.text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        self.functions[m.group(1)] = self.text[start:j + 1]
                        break
            if re.search(r"\bcrvm_status\s+\w+\s*[,)]", m.group(0)):
                self.takes_status.add(m.group(1))
        self._reach: dict[str, set[str]] = {}

    def reach(self, ident: str, seen: frozenset = frozenset()) -> set[str]:
        """Public functions called by an identifier: itself if public, else
        through the macro or local function of that name, transitively."""
        if ident in self.public:
            return {ident}
        if ident in self._reach:
            return self._reach[ident]
        if ident in seen:
            return set()
        body = self.macros.get(ident, self.functions.get(ident))
        if body is None:
            return set()
        out = self.calls(body, seen | {ident})
        self._reach[ident] = out
        return out

    def calls(self, text: str, seen: frozenset = frozenset()) -> set[str]:
        out: set[str] = set()
        for m in IDENT_CALL_RE.finditer(text):
            out |= self.reach(m.group(1), seen)
        # Public functions used as values (callbacks, function pointers).
        out |= {w for w in re.findall(r"\bcrvm_\w+\b", text) if w in self.public}
        return out

    def status_checks(self) -> set[tuple[str, str]]:
        """(function, status) pairs checked by assert_status / assert_int_equal."""
        found = set()
        for fbody in list(self.functions.values()) + list(self.macros.values()):
            assigned: dict[str, set[str]] = {}
            events = []
            for m in re.finditer(r"\b(\w+)\s*=\s*([A-Za-z_]\w*)\s*\(", fbody):
                if m.group(1) not in ("if", "while"):
                    events.append((m.start(), "assign", m))
            for m in re.finditer(r"\b(assert_status|assert_int_equal)\s*\(", fbody):
                events.append((m.start(), "assert", m))
            for _, kind, m in sorted(events, key=lambda e: e[0]):
                if kind == "assign":
                    reached = self.reach(m.group(2))
                    if reached:
                        assigned[m.group(1)] = reached
                    continue
                args, _ = split_args(fbody, m.end() - 1)
                if len(args) != 2:
                    continue
                for expr, status in (args, args[::-1]):
                    if not re.fullmatch(r"CRVM_E[A-Z]+", status):
                        continue
                    head = re.match(r"\(*\s*([A-Za-z_]\w*)\s*(\(|$)", expr)
                    if head is None:
                        continue
                    if head.group(2) == "(":
                        funcs = self.reach(head.group(1))
                    else:
                        funcs = assigned.get(head.group(1), set())
                    found |= {(f, status) for f in funcs}
        # A helper that checks a status passed to it: strict_case(..., CRVM_EPARSE, ...).
        for name in self.takes_status:
            for m in re.finditer(r"\b%s\s*\(" % re.escape(name), self.text):
                args, _ = split_args(self.text, m.end() - 1)
                for a in args:
                    if re.fullmatch(r"CRVM_E[A-Z]+", a):
                        found |= {(f, a) for f in self.reach(name)}
        for m in re.finditer(r"\btest_every_allocation_failure\s*\(\s*(\w+)", self.text):
            found |= {(f, "CRVM_ENOMEM") for f in self.reach(m.group(1))}
        return found


@dataclass
class Audit:
    decls: list[Decl]
    no_doc: list[str]
    no_status_doc: list[str]          # returns crvm_status, doc names no status
    no_c_test: list[str]              # not called in a unit test
    example_only: list[str]           # ... but called in an example or the CLI
    no_lowlevel: list[str]            # not in crvm.lowlevel (and not allowed)
    no_python_use: list[str]          # in crvm.lowlevel but used by no Python code
    untested_status: list[tuple[str, str]]
    no_nomem_injection: list[str]     # documents CRVM_ENOMEM, no injection scenario
    lowlevel_checked: bool

    def counts(self) -> dict[str, int]:
        return {
            "functions": len(self.decls),
            "without doc comment": len(self.no_doc),
            "returning a status, doc names none": len(self.no_status_doc),
            "without C unit test": len(self.no_c_test),
            "  (of which called in an example or the CLI)": len(self.example_only),
            "without Python path": len(set(self.no_lowlevel) | set(self.no_python_use)),
            "documented error statuses": sum(len(d.statuses) for d in self.decls),
            "documented error statuses untested": len(self.untested_status),
            "allocating functions without failure injection": len(self.no_nomem_injection),
        }

    def strict_failures(self) -> list[str]:
        out = [f"{n}: no doc comment" for n in self.no_doc]
        out += [f"{n}: returns crvm_status but its doc comment names no status"
                for n in self.no_status_doc]
        out += [f"{n}: not called in a C unit test" for n in self.no_c_test]
        out += [f"{n}: not in crvm.lowlevel (allow-list it in tests/api/audit.py "
                f"with the reason, or bind it)" for n in self.no_lowlevel]
        out += [f"{n}: in crvm.lowlevel but no Python code or test uses it"
                for n in self.no_python_use]
        out += [f"{n}: documents CRVM_ENOMEM but no test_every_allocation_failure "
                f"scenario calls it" for n in self.no_nomem_injection]
        return out


def lowlevel_names() -> set[str] | None:
    try:
        import crvm.lowlevel as ll  # noqa: PLC0415
    except ImportError:
        return None
    return set(dir(ll))


def swig_paths(root: Path) -> set[str]:
    """Public functions Python reaches through the interface files rather than
    by name: handle destructors (CRVM_HANDLE(type, free)) run when the proxy
    object is collected, and functions called by a %inline wrapper."""
    out: set[str] = set()
    for p in (root / "bindings" / "python").glob("*.i"):
        text = p.read_text()
        out |= set(re.findall(r"CRVM_HANDLE\(\s*\w+\s*,\s*(crvm_\w+)\s*\)", text))
        for block in re.findall(r"%inline\s*%\{(.*?)%\}", text, re.S):
            out |= set(re.findall(r"\b(crvm_[a-z]\w*)\s*\(", block))
    return out


def words_in(paths) -> set[str]:
    words: set[str] = set()
    for p in paths:
        words |= set(re.findall(r"\bcrvm_\w+", p.read_text()))
    return words


def run(root: Path = ROOT, lowlevel: set[str] | None = None) -> Audit:
    decls = parse_headers(root)
    public = {d.name for d in decls}
    tests = [TestFile(p, public) for p in sorted((root / "tests" / "unit").glob("*.c"))]
    in_tests: set[str] = set()
    checked: set[tuple[str, str]] = set()
    for t in tests:
        in_tests |= t.calls(t.text)
        checked |= t.status_checks()
    others = [*(root / "examples" / "c").glob("*.c"), *(root / "cli").glob("*.c")]
    in_others = {w for p in others for w in re.findall(r"\bcrvm_\w+", strip_comments(p.read_text()))}
    py_words = words_in([*(root / "bindings" / "python" / "crvm").glob("*.py"),
                         *(root / "tests" / "python").glob("*.py")])
    py_words -= {"crvm_api"}
    via_swig = swig_paths(root)
    no_lowlevel, no_python_use = [], []
    if lowlevel is not None:
        for d in decls:
            if d.name in PYTHON_ALLOW or d.name in via_swig:
                continue
            if d.name not in lowlevel:
                no_lowlevel.append(d.name)
            elif d.name not in py_words:
                no_python_use.append(d.name)
    else:
        no_python_use = [d.name for d in decls if d.name not in PYTHON_ALLOW
                         and d.name not in via_swig and d.name not in py_words]
    untested = [(d.name, s) for d in decls for s in sorted(d.statuses)
                if s != "CRVM_ENOMEM" and (d.name, s) not in checked
                and (d.name, s) not in STATUS_ALLOW]
    no_nomem = [d.name for d in decls if "CRVM_ENOMEM" in d.statuses
                and (d.name, "CRVM_ENOMEM") not in checked
                and (d.name, "CRVM_ENOMEM") not in STATUS_ALLOW]
    return Audit(
        decls=decls,
        no_doc=[d.name for d in decls if d.doc is None],
        no_status_doc=[d.name for d in decls if d.doc and d.returns_status and not d.statuses
                       and "CRVM_OK" not in d.doc],
        no_c_test=[d.name for d in decls if d.name not in in_tests],
        example_only=[d.name for d in decls if d.name not in in_tests and d.name in in_others],
        no_lowlevel=no_lowlevel,
        no_python_use=no_python_use,
        untested_status=untested,
        no_nomem_injection=no_nomem,
        lowlevel_checked=lowlevel is not None,
    )


def report(a: Audit, verbose: bool) -> str:
    lines = ["crvm public API audit"]
    for k, v in a.counts().items():
        lines.append(f"  {k:<50} {v}")
    if not a.lowlevel_checked:
        lines.append("  (crvm.lowlevel not importable: presence in the SWIG module not checked)")
    if verbose:
        where = {d.name: f"{d.header}:{d.line}" for d in a.decls}
        for title, names in (("no doc comment", a.no_doc),
                             ("doc names no status", a.no_status_doc), ("no C unit test", a.no_c_test),
                             ("not in crvm.lowlevel", a.no_lowlevel),
                             ("no Python use", a.no_python_use),
                             ("no allocation-failure injection", a.no_nomem_injection)):
            for n in names:
                lines.append(f"{where[n]}: {n}: {title}")
        for n, s in a.untested_status:
            lines.append(f"{where[n]}: {n}: {s} documented, no test checks it")
        for n, why in PYTHON_ALLOW.items():
            lines.append(f"allowed without Python path: {n}: {why}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()
    a = run(lowlevel=lowlevel_names())
    print(report(a, args.verbose))
    return 1 if args.strict and a.strict_failures() else 0


if __name__ == "__main__":
    sys.exit(main())
