"""Saving, loading, pickling and copying fitted models.

Every fitted model is written and read by the C library's model text
(``crvm/model_io.h``, docs/model-format.md), so a file saved from Python
loads in C and the other way round. What only the Python object knows
(covariate names, stratum labels, fitting options) travels beside it: as
plain attributes when pickling, as one ``#py {json}`` comment line in a
saved file (C readers ignore comments).
"""

from __future__ import annotations

import json
import os
from typing import Any

from . import lowlevel as _ll
from .errors import NotFittedError

__all__ = ["load"]

# kind name -> (to_text, from_text)
_CALLS = {
    "retention": (_ll.crvm_retention_fit_to_text, _ll.crvm_retention_fit_from_text),
    "transactions": (_ll.crvm_txn_fit_to_text, _ll.crvm_txn_fit_from_text),
    "gamma-gamma": (_ll.crvm_gamma_gamma_fit_to_text, _ll.crvm_gamma_gamma_fit_from_text),
    "kaplan-meier": (_ll.crvm_km_to_text, _ll.crvm_km_from_text),
    "cox": (_ll.crvm_cox_to_text, _ll.crvm_cox_from_text),
}
_KIND_NAMES = {
    _ll.CRVM_MODEL_RETENTION: "retention",
    _ll.CRVM_MODEL_TRANSACTIONS: "transactions",
    _ll.CRVM_MODEL_GAMMA_GAMMA: "gamma-gamma",
    _ll.CRVM_MODEL_KAPLAN_MEIER: "kaplan-meier",
    _ll.CRVM_MODEL_COX: "cox",
}
_PY_PREFIX = "#py "


def model_text(kind: str, handle) -> str:
    """The C library's text of a fitted model handle."""
    to_text = _CALLS[kind][0]
    n = to_text(handle, None)
    buf = bytearray(n + 1)
    to_text(handle, buf)
    return buf[:n].decode("ascii")


def model_from_text(kind: str, text: str):
    """A new model handle of ``kind`` from its text (raises crvm.ParseError,
    crvm.DomainError with the library's message)."""
    return _CALLS[kind][1](text.encode("utf-8"))


def _to_json(value):
    """JSON form of the Python state: tuples are tagged so that they come
    back as tuples (stratum labels may be tuples); numpy scalars become
    Python numbers."""
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(v) for v in value]}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"save(): a value of type {type(value).__name__} cannot be written to a "
                    "model file; pickle the model instead")


def _from_json(value):
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_from_json(v) for v in value["__tuple__"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


class Persistent:
    """Mixin of every fitted model: ``save``/``load``, ``pickle`` and
    ``copy.deepcopy`` through the C library's model text.

    A subclass sets ``_kind`` and implements ``_c_model()`` (the C handle,
    or None when there is none, e.g. parameters assigned by hand),
    ``_plain_state()`` (a dict of the other attributes, picklable and, for
    ``save``, JSON-able) and ``_adopt_state(handle, state)``. Keys listed in
    ``_not_saved`` are pickled but not written by ``save`` (the fitting
    data)."""

    _kind: str = ""
    _not_saved: tuple = ()

    def _c_model(self):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def _plain_state(self) -> dict:  # pragma: no cover
        raise NotImplementedError

    def _adopt_state(self, handle, state: dict) -> None:  # pragma: no cover
        raise NotImplementedError

    # ---- pickle and deepcopy -------------------------------------------------
    def __getstate__(self) -> dict:
        handle = self._c_model()
        return {"crvm_model_text": None if handle is None else model_text(self._kind, handle),
                "state": self._plain_state()}

    def __setstate__(self, saved: dict) -> None:
        text = saved["crvm_model_text"]
        self._adopt_state(None if text is None else model_from_text(self._kind, text),
                          dict(saved["state"]))

    # ---- files ------------------------------------------------------------------
    def save(self, path) -> None:
        """Write the fitted model to ``path`` (replaced if it exists) in the
        model text format (docs/model-format.md), readable by
        :func:`crvm.load`, ``type(model).load`` and the C library.

        Example::

            model.save("bgnbd.crvm")
            same = crvm.load("bgnbd.crvm")
        """
        handle = self._c_model()
        if handle is None:
            raise NotFittedError(f"{type(self).__name__}.save: only a fitted model can be saved "
                                 "(pickle a model whose parameters were assigned)")
        state = {k: v for k, v in self._plain_state().items() if k not in self._not_saved}
        meta = json.dumps({"class": type(self).__name__, "state": _to_json(state)},
                          allow_nan=True, separators=(",", ":"))
        text = model_text(self._kind, handle)
        head, _, rest = text.partition("\n")
        path = os.fspath(path)
        tmp = path + ".crvm-tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(head + "\n" + _PY_PREFIX + meta + "\n" + rest)
        os.replace(tmp, path)

    def save_model(self, path, save_data: bool = True, **kwargs) -> None:
        """lifetimes' name of :meth:`save` (the fitting data are not written;
        pickle the model to keep them)."""
        self.save(path)

    def load_model(self, path) -> None:
        """lifetimes' instance form of :meth:`load`: replace this model's
        state with the one saved in ``path``."""
        other = type(self).load(path)
        self.__dict__.clear()
        self.__dict__.update(other.__dict__)

    @classmethod
    def load(cls, path):
        """Load a model saved by :meth:`save` (or by the C library).

        Example::

            model = crvm.BetaGeo.load("bgnbd.crvm")
        """
        obj = load(path)
        if not isinstance(obj, cls):
            raise TypeError(f"{os.fspath(path)} holds a {type(obj).__name__}, not a {cls.__name__}")
        return obj


def _default_class(kind: str, handle):
    """The class of a file without Python state (saved from C)."""
    from . import cox, retention, spend, survival, transactions  # noqa: PLC0415 - no cycle

    if kind == "retention":
        return (retention.ShiftedBetaGeometric if _ll.crvm_retention_fit_kind(handle)
                == _ll.CRVM_RETENTION_SBG else retention.BetaDiscreteWeibull)
    if kind == "transactions":
        p = _ll.crvm_txn_params()
        _ll.crvm_txn_fit_params(handle, p)
        return {_ll.CRVM_TXN_BGNBD: transactions.BetaGeo,
                _ll.CRVM_TXN_MBGNBD: transactions.ModifiedBetaGeo,
                _ll.CRVM_TXN_PARETO_NBD: transactions.ParetoNBD,
                _ll.CRVM_TXN_BGBB: transactions.BetaGeoBetaBinom}[p.model]
    if kind == "gamma-gamma":
        return spend.GammaGamma
    if kind == "kaplan-meier":
        return survival.KaplanMeier
    return cox.CoxPH


def _model_classes() -> dict:
    import crvm  # noqa: PLC0415

    return {name: obj for name, obj in vars(crvm).items()
            if isinstance(obj, type) and issubclass(obj, Persistent)}


def load(path) -> Any:
    """Load any fitted model saved by ``model.save(path)`` or by the C
    library (``crvm_X_save``): the class is the one that saved it.

    Raises :class:`crvm.FileError` if the file cannot be read and
    :class:`crvm.ParseError` / :class:`crvm.DomainError` naming the line if
    it is not a valid model file (cut short, changed after writing, from a
    newer crvm).

    Example::

        model = crvm.load("churn-cox.crvm")
        model.predict_survival_function(df)
    """
    from .errors import FileError  # noqa: PLC0415

    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise FileError(f"{path}: cannot open the model file ({exc.strerror})") from None
    try:
        kind = _KIND_NAMES[_ll.crvm_model_kind_of_text(raw)]
        handle = _CALLS[kind][1](raw)
    except Exception as exc:  # name the file, keep the class and message
        raise type(exc)(str(exc).replace("model text", path, 1)) from None
    meta = None
    for line in raw.decode("utf-8", "replace").splitlines():
        if line.startswith(_PY_PREFIX):
            try:
                meta = json.loads(line[len(_PY_PREFIX):])
            except ValueError as exc:
                from .errors import ParseError  # noqa: PLC0415
                raise ParseError(f"{path}: the #py line is not valid JSON ({exc})") from None
            break
    cls = _default_class(kind, handle) if meta is None else _model_classes().get(meta["class"])
    if cls is None:
        from .errors import ParseError  # noqa: PLC0415
        raise ParseError(f"{path}: saved by the unknown class {meta['class']!r}")
    obj = cls.__new__(cls)
    obj._adopt_state(handle, {} if meta is None else _from_json(meta["state"]))
    return obj
