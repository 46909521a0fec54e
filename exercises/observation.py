"""Observing a program's results as plain JSON: the only thing grading takes from a sandbox child.

This module is plain Python on purpose: ``build_observer`` sends its own source into the
sandbox, where it runs after the learner's code (or the reference solution) in the same
process. Nothing here may import Django, and numpy, pandas, scikit-learn and matplotlib are
imported only when a helper needs them.

The observer evaluates each check's ``observe`` expression in the program's namespace and
encodes the value as plain JSON (``encode``): numbers, strings, booleans, null, lists and
objects with text keys, within size and depth caps. Nothing else crosses back: no pickles, no
objects, no code. A value that has no plain form is reported by its type name only, and a
value the encoder cannot finish (too big, too deep, a broken ``__array__``) is an error.

Nothing secret is ever in this process: not the reference solution, not an expected value,
not a check's judgement. Everything here may be replaced or lied to by the learner's code;
the worst a lying object can do is produce a wrong observation, and producing the right one
means computing it.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

__all__ = [
    "HELPER_NAMES",
    "ObservationError",
    "build_observer",
    "encode",
    "library_fingerprint",
]

#: The names an ``observe`` expression can use besides the program's own variables.
HELPER_NAMES = (
    "defined",
    "type_name",
    "is_fitted",
    "estimator",
    "params",
    "shape",
    "dtype_kind",
    "has_figure",
)
# Caps on one observation: enough for any array a course compares, far below what would
# strain the result channel or the database row the reference is cached in.
MAX_ITEMS = 100_000
MAX_DEPTH = 16
MAX_TEXT = 100_000
MAX_KEYS = 10_000
# Per-expression wall-clock budget: one expression stuck in a learner's endless __eq__ must not
# starve the others. The sandbox's own CPU and wall limits still bound the whole run.
OBSERVE_SECONDS = 3.0

# The tags of values that JSON has no plain form for. A tag is an object with one "$" key.
NON_FINITE = "$float"
OPAQUE = "$object"
ELLIPSIS = "$ellipsis"


class ObservationError(ValueError):
    """The value cannot be observed as plain JSON (too big, too deep, or it broke)."""


# --- encoding ------------------------------------------------------------------------------------
def encode(value: Any) -> Any:
    """``value`` as plain JSON data, or ObservationError.

    numpy arrays and pandas objects become nested lists of their values; numpy scalars become
    numbers; tuples, sets and ranges become lists (sets sorted when they can be); dictionary
    keys become text. NaN and infinities become ``{"$float": "nan" | "inf" | "-inf"}``, ``...``
    becomes ``{"$ellipsis": true}`` and anything else ``{"$object": "<type name>"}``.
    """
    budget = [MAX_ITEMS]
    return _encode(value, 0, budget)


def _spend(budget: list[int], n: int = 1) -> None:
    budget[0] -= n
    if budget[0] < 0:
        raise ObservationError(f"the value is too large to compare (more than {MAX_ITEMS:,} items)")


def _float(value: float) -> Any:
    if math.isnan(value):
        return {NON_FINITE: "nan"}
    if math.isinf(value):
        return {NON_FINITE: "inf" if value > 0 else "-inf"}
    return value


def _type_name(value: Any) -> str:
    return type(value).__name__


def _encode(value: Any, depth: int, budget: list[int]) -> Any:
    if depth > MAX_DEPTH:
        raise ObservationError(f"the value is nested too deeply to compare (more than {MAX_DEPTH} levels)")
    _spend(budget)
    kind = type(value)
    # Exact types first: a subclass of int or str could carry a lying __eq__ or __str__, so its
    # plain value is read through the base type's own methods.
    if value is None or kind is bool:
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int.__index__(value)
    if isinstance(value, float):
        return _float(float.__float__(value))
    if isinstance(value, str):
        text = str.__str__(value)
        if len(text) > MAX_TEXT:
            raise ObservationError(f"the text is too long to compare (more than {MAX_TEXT:,} characters)")
        return text
    if value is Ellipsis:
        return {ELLIPSIS: True}
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.generic):
            return _encode_numpy_scalar(value, numpy, depth, budget)
        pandas = sys.modules.get("pandas")
        if pandas is not None and isinstance(value, (pandas.DataFrame, pandas.Series, pandas.Index)):
            value = value.to_numpy()
        if isinstance(value, numpy.ndarray):
            return _encode_array(numpy.asarray(value), numpy, depth, budget)
    if isinstance(value, (list, tuple, range)):
        items = list(value)
        if len(items) > budget[0]:
            _spend(budget, len(items))
        return [_encode(item, depth + 1, budget) for item in items]
    if isinstance(value, (set, frozenset)):
        items = list(value)
        try:
            items = sorted(items)
        except TypeError:  # mixed types: order by their encoded form instead
            items = sorted(items, key=lambda item: json.dumps(_encode(item, depth + 1, [MAX_ITEMS]), sort_keys=True))
        return [_encode(item, depth + 1, budget) for item in items]
    if isinstance(value, dict):
        if len(value) > MAX_KEYS:
            raise ObservationError(f"the dictionary is too large to compare (more than {MAX_KEYS:,} keys)")
        out: dict[str, Any] = {}
        for key, item in dict.items(value):
            out[_key(key)] = _encode(item, depth + 1, budget)
        return out
    return {OPAQUE: _type_name(value)}


def _key(key: Any) -> str:
    """Dictionary keys as JSON has them: text. Numbers keep their usual spelling (1, 0.5)."""
    if isinstance(key, str):
        return str.__str__(key)
    if isinstance(key, bool) or key is None:
        return json.dumps(key)
    encoded = _encode(key, MAX_DEPTH, [1])
    if isinstance(encoded, (int, float)):
        return repr(encoded)
    raise ObservationError(f"a dictionary key of type {_type_name(key)} cannot be compared; use text or numbers")


def _encode_numpy_scalar(value: Any, numpy: Any, depth: int, budget: list[int]) -> Any:
    if isinstance(value, numpy.bool_):
        return bool(value)
    if isinstance(value, numpy.integer):
        return int(value)
    if isinstance(value, numpy.floating):
        return _float(float(value))
    if isinstance(value, (numpy.str_, numpy.bytes_)):
        return _encode(value.item(), depth, budget)
    if isinstance(value, numpy.datetime64):
        return str(value)
    return {OPAQUE: _type_name(value)}


def _encode_array(array: Any, numpy: Any, depth: int, budget: list[int]) -> Any:
    if array.ndim > MAX_DEPTH:
        raise ObservationError(f"the array has too many dimensions to compare (more than {MAX_DEPTH})")
    _spend(budget, int(array.size))
    if array.dtype.kind in "biuf":
        if array.dtype.kind == "f" and not bool(numpy.all(numpy.isfinite(array))):
            return _nested(array.tolist(), _float_or_tag)
        return array.tolist()
    if array.dtype.kind in "US":
        return array.astype(str).tolist()
    # Object arrays (pandas text columns) and the rest: element by element, with the same rules.
    return _nested(array.tolist(), lambda item: _encode(item, depth + 1, [MAX_ITEMS]))


def _float_or_tag(item: Any) -> Any:
    return _float(item) if isinstance(item, float) else item


def _nested(items: Any, leaf: Any) -> Any:
    if isinstance(items, list):
        return [_nested(item, leaf) for item in items]
    return leaf(items)


# --- helpers for observe expressions -------------------------------------------------------------
# The program's variables, bound by the observer before it evaluates anything (for ``defined``).
_program_namespace: dict[str, Any] = {}


def defined(name: str) -> bool:
    """Whether the program assigned a variable called ``name``."""
    return name in _program_namespace


def type_name(value: Any) -> str:
    """The class name of ``value``: ``"DecisionTreeClassifier"``, ``"ndarray"``, ``"float"``."""
    return _type_name(value)


def is_fitted(estimator: Any) -> bool:
    """Whether ``estimator`` is a fitted scikit-learn estimator."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except (NotFittedError, TypeError, AttributeError):
        return False
    return True


def estimator(value: Any) -> Any:
    """``{"type": class name, "fitted": bool}``: the usual first check on a model (``...`` as
    itself, so a starter's placeholder gets its own message)."""
    if value is Ellipsis:
        return value
    return {"type": _type_name(value), "fitted": is_fitted(value)}


def params(estimator: Any, *names: str) -> Any:
    """The named parameters of a scikit-learn estimator (``get_params()``), all of them if none
    are named; a parameter it does not have is ``null``."""
    if estimator is Ellipsis:
        return estimator
    get_params = getattr(estimator, "get_params", None)
    if not callable(get_params):
        return {OPAQUE: _type_name(estimator)}
    values = get_params(deep=True)
    wanted = names or tuple(sorted(k for k in values if "__" not in k))
    return {name: _plain_param(values.get(name)) for name in wanted}


def _plain_param(value: Any) -> Any:
    # A parameter can be another estimator (a pipeline's steps): compare it by its class name.
    if hasattr(value, "get_params") and not isinstance(value, type):
        return {OPAQUE: _type_name(value)}
    return value


def shape(value: Any) -> list[int]:
    """``numpy.shape(value)`` as a list of ints."""
    import numpy

    return [int(n) for n in numpy.shape(value)]


_DTYPE_NAMES = {"f": "float", "i": "int", "u": "int", "b": "bool", "U": "str", "S": "bytes", "O": "object"}


def dtype_kind(value: Any) -> str:
    """``"float"``, ``"int"``, ``"bool"``, ``"str"`` or ``"object"`` for an array's values
    (text in a pandas object column counts as ``"str"``)."""
    import numpy

    array = numpy.asarray(value)
    kind = _DTYPE_NAMES.get(array.dtype.kind, str(array.dtype))
    if kind == "object" and array.size and all(isinstance(v, str) for v in array.ravel().tolist()):
        return "str"
    return kind


def has_figure() -> bool:
    """Whether an open matplotlib figure has something drawn on it."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return False
    for number in pyplot.get_fignums():
        for ax in pyplot.figure(number).get_axes():
            if ax.has_data() or ax.artists or ax.images or ax.lines or ax.patches:
                return True
    return False


# --- the observer ---------------------------------------------------------------------------------
def build_observer(expressions: list[str]) -> str:
    """The source run after the program: this library, then one call with the expressions.

    The expressions go in as a JSON string literal, so no content of an exercise can change the
    observer's code.
    """
    return f"{_library_source()}\n\n_observe({json.dumps(json.dumps(list(expressions)))})\n"


_source_cache: list[str] = []


def _library_source() -> str:
    if not _source_cache:
        with open(__file__, encoding="utf-8") as source:
            _source_cache.append(source.read())
    return _source_cache[0]


def library_fingerprint() -> str:
    """Changes whenever this library changes, so cached reference observations are redone."""
    import hashlib

    return hashlib.sha256(_library_source().encode()).hexdigest()[:16]


def _with_budget(seconds: float) -> Any:
    import contextlib
    import signal

    class Overrun(BaseException):
        """BaseException so that a learner's ``except Exception`` does not swallow it."""

    @contextlib.contextmanager
    def budget() -> Any:
        def on_alarm(signum: int, frame: Any) -> None:
            raise Overrun()

        try:
            previous = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, seconds)
        except (OSError, ValueError):  # no timers here: the sandbox's limits still apply
            yield Overrun
            return
        try:
            yield Overrun
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    return budget()


def _safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception:  # a learner's exception may have a broken __str__
        return ""


def observe_one(expression: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """``{"value": json}`` or ``{"error": {"type", "message", "name"}}`` for one expression."""
    with _with_budget(OBSERVE_SECONDS) as overrun:
        try:
            value = eval(compile(expression, "<observe>", "eval", dont_inherit=True), namespace)  # noqa: S307
            return {"value": encode(value)}
        except overrun:
            return {"error": {"type": "Timeout", "message": f"took longer than {OBSERVE_SECONDS:g} s", "name": None}}
        except ObservationError as exc:
            return {"error": {"type": "Unobservable", "message": str(exc), "name": None}}
        except RecursionError:
            return {"error": {"type": "RecursionError", "message": "the value is nested too deeply", "name": None}}
        except BaseException as exc:
            name = getattr(exc, "name", None) if isinstance(exc, NameError) else None
            return {
                "error": {
                    "type": _type_name(exc)[:80],
                    "message": _safe_str(exc)[:300],
                    "name": name if isinstance(name, str) else None,
                }
            }


def _observe(expressions_json: str) -> None:
    """Entry point inside the sandbox; ``learner_globals`` and ``emit`` are the names the sandbox
    puts in the harness's namespace."""
    import builtins

    harness = globals()
    send = harness["emit"]
    program: dict[str, Any] = harness["learner_globals"]
    global _program_namespace
    _program_namespace = program
    helpers = {name: harness[name] for name in HELPER_NAMES}
    observations = []
    for expression in json.loads(expressions_json):
        # The program's names, then the helpers (a learner's variable called `shape` must not
        # break a check that calls shape(...)).
        namespace = dict(program)
        namespace.update(helpers)
        namespace["__builtins__"] = builtins
        observations.append(observe_one(expression, namespace))
    send({"observations": observations})
