"""The check library of coding exercises, and the grading harness built from it.

This module is plain Python on purpose: ``build_harness`` sends its own source into the
sandbox, where it runs after the learner's code in the same process. Nothing here may import
Django, and the helpers import numpy, scikit-learn and matplotlib only when called.

The harness (see ``build_harness``) runs the reference solution in its own namespace, then each
check in a namespace made of the learner's variables, these helpers and ``ref``; it reports
``{"checks": [{"name", "passed", "message", "hidden"}]}`` through the sandbox's private
``emit`` channel, never through stdout, so printing fake results achieves nothing.

Messages are written for learners. A hidden check reports only the message its author wrote
explicitly (``expect(cond, "...")`` or ``message=...``); the helpers' default messages quote
expected values, which would give a hidden answer away, so hidden checks replace them.
"""

from __future__ import annotations

import json
import sys
import types
from typing import Any

__all__ = [
    "HELPER_NAMES",
    "CheckFailed",
    "build_harness",
    "expect",
    "expect_close",
    "expect_defined",
    "expect_dtype",
    "expect_equal",
    "expect_figure",
    "expect_fitted",
    "expect_params",
    "expect_shape",
]

#: The names a check's code can use besides the learner's variables and ``ref``.
HELPER_NAMES = (
    "CheckFailed",
    "expect",
    "expect_equal",
    "expect_close",
    "expect_shape",
    "expect_dtype",
    "expect_defined",
    "expect_fitted",
    "expect_params",
    "expect_figure",
)
GENERIC_FAILURE = "This check failed."
MAX_MESSAGE = 500
MAX_REPR = 120
# Per-check wall-clock budget: one check stuck in a learner's endless loop must not starve the
# others. The sandbox's CPU and wall limits still bound the whole run.
CHECK_SECONDS = 3.0


class CheckFailed(AssertionError):
    """A failed expectation, with the sentence the learner sees.

    ``authored`` is true when the exercise's author wrote the message; only such messages are
    shown for hidden checks.
    """

    def __init__(self, message: str, *, authored: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.authored = authored


# The learner's variables, bound by the harness before the checks run (for expect_defined).
_learner_namespace: dict[str, Any] = {}


def _fail(default: str, message: str | None) -> CheckFailed:
    if message is not None:
        return CheckFailed(str(message), authored=True)
    return CheckFailed(default)


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a learner's object may have a broken __repr__
        text = f"<{type(value).__name__} object>"
    text = " ".join(text.split())
    return text if len(text) <= MAX_REPR else text[: MAX_REPR - 1] + "…"


def _type_name(value: Any) -> str:
    return type(value).__name__


def _a(value: Any) -> str:
    """How a message names what the learner gave: a starter's ``...`` gets a nudge."""
    if value is Ellipsis:
        return "`...` (replace the `...` with your code)"
    return f"a {_type_name(value)}"


def _numpy() -> Any:
    import numpy

    return numpy


def _is_arraylike(value: Any) -> bool:
    """numpy arrays and pandas objects: compared by shape and values, not by ``==``."""
    if isinstance(value, (str, bytes, dict, set, frozenset)) or value is None:
        return False
    module = type(value).__module__.split(".")[0]
    return module in {"numpy", "pandas"} and hasattr(value, "shape") and getattr(value, "shape", ()) != ()


def _as_number(value: Any) -> Any:
    """A real Python number from a number-like learner value, or None.

    Converting through numpy reads the value itself, so an object whose ``__eq__`` always says
    True gains nothing.
    """
    if isinstance(value, bool):
        return None
    np = _numpy()
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    array = np.asarray(value)
    if array.shape != () or array.dtype.kind not in "iuf":
        return None
    return array.item()


def _equal(actual: Any, expected: Any) -> tuple[bool, str]:
    """(equal?, why not) under the rules of the expected value's type."""
    np = _numpy()
    if _is_arraylike(expected) or _is_arraylike(actual):
        try:
            a, e = np.asarray(actual), np.asarray(expected)
        except Exception:
            return False, f"expected an array, got {_type_name(actual)}"
        if a.shape != e.shape:
            return False, f"expected shape {e.shape}, got {a.shape}"
        try:
            same = bool(np.array_equal(a, e, equal_nan=True))
        except TypeError:  # equal_nan needs numbers; object and string arrays compare plainly
            same = bool(np.array_equal(a, e))
        return same, "" if same else f"the values differ (expected {_short(e)}, got {_short(a)})"
    if expected is None:
        return actual is None, f"expected None, got {_short(actual)}"
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(actual, (bool, np.bool_)):
            return False, f"expected True or False, got {_type_name(actual)}"
        same = bool(actual) == bool(expected)
        return same, f"expected {bool(expected)}, got {bool(actual)}"
    if isinstance(expected, (int, float, np.integer, np.floating)):
        number = _as_number(actual)
        if number is None:
            return False, f"expected a number, got {_type_name(actual)}"
        want = _as_number(expected)
        return number == want, f"expected {_short(want)}, got {_short(number)}"
    if isinstance(expected, str):
        if not isinstance(actual, str):
            return False, f"expected text (str), got {_type_name(actual)}"
        # str.__str__ reads the characters themselves, bypassing a subclass's __eq__.
        got, want = str.__str__(actual), str.__str__(expected)
        return got == want, f"expected {_short(want)}, got {_short(got)}"
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)):
            return False, f"expected a {_type_name(expected)}, got {_type_name(actual)}"
        if len(actual) != len(expected):
            return False, f"expected {len(expected)} items, got {len(actual)}"
        for index, (a_item, e_item) in enumerate(zip(list(actual), list(expected), strict=True)):
            same, why = _equal(a_item, e_item)
            if not same:
                return False, f"item {index}: {why}"
        return True, ""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return False, f"expected a dict, got {_type_name(actual)}"
        a_keys, e_keys = set(dict.keys(actual)), set(expected.keys())
        if a_keys != e_keys:
            missing, extra = e_keys - a_keys, a_keys - e_keys
            parts = []
            if missing:
                parts.append(f"missing keys {_short(sorted(missing, key=repr))}")
            if extra:
                parts.append(f"unexpected keys {_short(sorted(extra, key=repr))}")
            return False, "; ".join(parts)
        for key in expected:
            same, why = _equal(dict.__getitem__(actual, key), expected[key])
            if not same:
                return False, f"key {_short(key)}: {why}"
        return True, ""
    if isinstance(expected, (set, frozenset)):
        if not isinstance(actual, (set, frozenset)):
            return False, f"expected a set, got {_type_name(actual)}"
        same = set(actual) == set(expected)
        return same, f"expected {_short(expected)}, got {_short(actual)}"
    try:
        same = (actual == expected) is True
    except Exception:
        same = False
    return same, f"expected {_short(expected)}, got {_short(actual)}"


# --- the helpers of docs/content-format.md ------------------------------------------------------
def expect(condition: Any, message: str) -> None:
    """Fails with ``message`` unless ``condition`` is true."""
    if not condition:
        raise CheckFailed(str(message), authored=True)


def expect_equal(actual: Any, expected: Any, message: str | None = None) -> None:
    """``actual == expected``; arrays must have the same shape and all values equal."""
    same, why = _equal(actual, expected)
    if not same:
        raise _fail(why[:1].upper() + why[1:] + ".", message)


def expect_close(
    actual: Any,
    expected: Any,
    *,
    rel: float = 1e-6,
    abs: float = 1e-9,  # the documented keyword, as in math.isclose; numpy's abs is used inside
    message: str | None = None,
) -> None:
    """Numbers or arrays close to each other: ``|actual - expected| <= abs + rel * |expected|``."""
    np = _numpy()
    try:
        a = np.asarray(actual, dtype=float)
        e = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        raise _fail(f"Expected a number or an array of numbers, got {_type_name(actual)}.", message) from None
    if a.shape != e.shape:
        raise _fail(f"Expected shape {e.shape}, got {a.shape}.", message)
    if not bool(np.all(np.isclose(a, e, rtol=rel, atol=abs, equal_nan=True))):
        if a.shape == ():
            raise _fail(f"Expected about {e.item():.6g}, got {a.item():.6g}.", message)
        worst = float(np.nanmax(np.abs(a - e))) if a.size else 0.0
        raise _fail(f"The values are not close enough (largest difference {worst:.3g}).", message)


def expect_shape(array: Any, shape: Any, message: str | None = None) -> None:
    """``numpy.shape(array) == shape``."""
    np = _numpy()
    try:
        got = tuple(int(n) for n in np.shape(array))
    except Exception:
        raise _fail(f"Expected an array of shape {tuple(shape)}, got {_type_name(array)}.", message) from None
    want = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    if got != want:
        raise _fail(f"Expected shape {want}, got {got}.", message)


_DTYPE_KINDS = {"float": "f", "int": "iu", "bool": "b", "str": "US"}


def expect_dtype(array: Any, kind: str, message: str | None = None) -> None:
    """The values are all of ``kind``: ``"float"``, ``"int"``, ``"bool"`` or ``"str"``."""
    if kind not in _DTYPE_KINDS:
        raise ValueError(f"expect_dtype kind must be one of {', '.join(_DTYPE_KINDS)}, not {kind!r}")
    np = _numpy()
    try:
        values = np.asarray(array)
    except Exception:
        raise _fail(f"Expected an array of {kind} values, got {_type_name(array)}.", message) from None
    got = values.dtype.kind
    if got in _DTYPE_KINDS[kind]:
        return
    # pandas keeps text in object columns.
    if kind == "str" and got == "O" and all(isinstance(v, str) for v in values.ravel().tolist()):
        return
    names = {"f": "float", "i": "int", "u": "int", "b": "bool", "U": "str", "S": "bytes", "O": "object"}
    raise _fail(f"Expected {kind} values, got {names.get(got, str(values.dtype))} values.", message)


def expect_defined(name: str, type: Any = None, message: str | None = None) -> None:
    """The learner's code defined ``name`` (as an instance of ``type``, when given)."""
    if name not in _learner_namespace:
        raise _fail(f"Define a variable named `{name}`.", message)
    if type is not None and not isinstance(_learner_namespace[name], type):
        wanted = " or ".join(t.__name__ for t in type) if isinstance(type, tuple) else type.__name__
        raise _fail(f"`{name}` should be a {wanted}, not a {_type_name(_learner_namespace[name])}.", message)


def expect_fitted(estimator: Any, cls: Any = None, message: str | None = None) -> None:
    """A fitted scikit-learn estimator (an instance of ``cls``, when given)."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if cls is not None and not isinstance(estimator, cls):
        raise _fail(f"Expected a {cls.__name__}, got {_a(estimator)}.", message)
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise _fail(f"The {_type_name(estimator)} is not fitted yet: call its .fit(X, y).", message) from None
    except TypeError:
        raise _fail(f"Expected a scikit-learn estimator, got {_a(estimator)}.", message) from None


def expect_params(estimator: Any, message: str | None = None, **params: Any) -> None:
    """``estimator.get_params()`` holds these values."""
    get_params = getattr(estimator, "get_params", None)
    if not callable(get_params):
        raise _fail(f"Expected a scikit-learn estimator, got {_a(estimator)}.", message)
    actual = get_params()
    for key, want in params.items():
        if key not in actual:
            raise _fail(f"The {_type_name(estimator)} has no parameter `{key}`.", message)
        same, _ = _equal(actual[key], want)
        if not same:
            raise _fail(f"Expected {key}={_short(want)}, got {key}={_short(actual[key])}.", message)


def expect_figure(message: str | None = None) -> None:
    """A matplotlib figure with something drawn on it is open."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        raise _fail("Draw a figure with matplotlib (no figure is open).", message)
    for number in pyplot.get_fignums():
        for ax in pyplot.figure(number).get_axes():
            if ax.has_data() or ax.artists or ax.images or ax.lines or ax.patches:
                return
    raise _fail("Draw something on a matplotlib figure (no open figure has a plot on it).", message)


# --- the harness ------------------------------------------------------------------------------------
def build_harness(checks: list[dict[str, Any]], solution: str, *, author: bool = False) -> str:
    """The trusted source run after the learner's code.

    ``checks`` are ``{"name", "code", "hidden"}`` mappings. With ``author=True`` (verifying a
    course at import), hidden checks report their real messages, for the author's eyes only.
    """
    spec = {
        "checks": [
            {"name": str(c["name"]), "code": str(c["code"]), "hidden": bool(c.get("hidden", False))} for c in checks
        ],
        "solution": solution,
        "author": author,
    }
    # The library's own source, then one call. The spec goes in as a JSON string literal, so no
    # content of the exercise can change the harness's code.
    return f"{_library_source()}\n\n_run_harness({json.dumps(json.dumps(spec))})\n"


_source_cache: list[str] = []


def _library_source() -> str:
    if not _source_cache:
        with open(__file__, encoding="utf-8") as source:
            _source_cache.append(source.read())
    return _source_cache[0]


def library_fingerprint() -> str:
    """Changes whenever this library changes, so verified exercises are verified again."""
    import hashlib

    return hashlib.sha256(_library_source().encode()).hexdigest()[:16]


def _silence_output() -> None:
    """From here on, nothing printed reaches the learner's output.

    The reference solution may print its answer, and a learner's hook could print check code;
    both would otherwise appear in the stdout the learner sees.
    """
    import contextlib
    import os

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a learner may have replaced or closed it
            stream.flush()
    try:
        sink = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        import tempfile

        sink, _ = tempfile.mkstemp()
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    os.close(sink)


def _other_threads() -> int:
    import threading

    frames = sys._current_frames()
    return max(len(frames), threading.active_count()) - 1


def _learner_error_message(error: BaseException) -> str:
    line = None
    if isinstance(error, SyntaxError) and error.filename == "main.py":
        line = error.lineno
    else:
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == "main.py":
                line = tb.tb_lineno
            tb = tb.tb_next
    where = f" on line {line}" if line else ""
    detail = _safe_str(error)
    text = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return _clip(f"Your code raised {text}{where}, so this check could not run. Fix that error first.")


def _safe_str(value: Any) -> str:
    """``str()`` of a learner's object, whose ``__str__`` may itself raise."""
    try:
        return str(value)
    except Exception:
        return ""


def _clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


class _CheckTimeout(BaseException):
    """BaseException so that a learner's ``except Exception`` in a loop does not swallow it."""


def _with_budget(seconds: float) -> Any:
    import contextlib
    import signal

    @contextlib.contextmanager
    def budget() -> Any:
        def on_alarm(signum: int, frame: Any) -> None:
            raise _CheckTimeout()

        try:
            previous = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, seconds)
        except (OSError, ValueError):  # no timers here: the sandbox's limits still apply
            yield
            return
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    return budget()


def _imports_of(namespace: dict[str, Any], module_name: str) -> dict[str, Any]:
    """Modules, classes and functions a namespace imported (not ones it defined)."""
    found = {}
    for key, value in namespace.items():
        if key.startswith("__"):
            continue
        imported = isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)) and getattr(
            value, "__module__", module_name
        ) not in {module_name, "__main__", None}
        if isinstance(value, types.ModuleType) or imported:
            found[key] = value
    return found


def _run_solution(source: str) -> tuple[types.SimpleNamespace, dict[str, Any], str | None]:
    import builtins

    pyplot = sys.modules.get("matplotlib.pyplot")
    before = set(pyplot.get_fignums()) if pyplot is not None else set()
    if pyplot is not None:
        # The solution's plotting must land on its own figure, not on the learner's current one.
        pyplot.figure()
    namespace: dict[str, Any] = {"__name__": "__solution__", "__builtins__": builtins}
    error = None
    try:
        exec(compile(source, "solution.py", "exec", dont_inherit=True), namespace)  # noqa: S102 - trusted source
    except BaseException as exc:
        error = f"{type(exc).__name__}: {_safe_str(exc)}"
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        for number in set(pyplot.get_fignums()) - before:
            pyplot.close(number)
    values = {k: v for k, v in namespace.items() if not k.startswith("__")}
    return types.SimpleNamespace(**values), _imports_of(namespace, "__solution__"), error


def _run_one(check: dict[str, Any], namespace: dict[str, Any], author: bool) -> tuple[bool, str]:
    try:
        code = compile(check["code"], f"check: {check['name']}", "exec", dont_inherit=True)
        with _with_budget(CHECK_SECONDS):
            exec(code, namespace)  # noqa: S102 - the author's check, trusted
    except _CheckTimeout:
        return False, f"This check took longer than {CHECK_SECONDS:g} s and was stopped."
    except BaseException as exc:
        # A hidden check shows only its name and that it failed: any message could quote the
        # expected value (an assertion's, numpy.testing's, a helper's default one).
        if check["hidden"] and not author:
            return False, ""
        return False, _failure_message(exc)
    return True, ""


def _failure_message(exc: BaseException) -> str:
    if isinstance(exc, CheckFailed):
        return _clip(exc.message or GENERIC_FAILURE)
    if isinstance(exc, AssertionError):
        return _clip(_safe_str(exc) or GENERIC_FAILURE)
    if isinstance(exc, NameError) and getattr(exc, "name", None):
        return _clip(f"`{exc.name}` is not defined. Did you assign it?")
    detail = _safe_str(exc)
    text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return _clip(f"Your code raised {text}")


def _run_harness(spec_json: str) -> None:
    """Entry point inside the sandbox; ``learner_globals``, ``learner_error`` and ``emit`` are
    the names the sandbox puts in the harness's namespace."""
    import builtins
    import gc
    import threading

    # This source runs as the harness, so its globals are the harness namespace.
    harness = globals()
    send = harness["emit"]
    learner: dict[str, Any] = harness["learner_globals"]
    learner_error: BaseException | None = harness["learner_error"]
    spec = json.loads(spec_json)
    checks: list[dict[str, Any]] = spec["checks"]
    author = bool(spec.get("author"))

    # A learner's tracer or profiler would see (and could change) what the checks compute.
    sys.settrace(None)
    sys.setprofile(None)
    threading.settrace(None)  # type: ignore[arg-type]
    threading.setprofile(None)  # type: ignore[arg-type]
    gc.disable()
    _silence_output()

    def report(results: list[tuple[bool, str]]) -> None:
        send(
            {
                "checks": [
                    {"name": c["name"], "passed": bool(ok), "message": msg, "hidden": bool(c["hidden"])}
                    for c, (ok, msg) in zip(checks, results, strict=True)
                ]
            }
        )

    if learner_error is not None:
        message = _learner_error_message(learner_error)
        report([(False, "" if c["hidden"] and not author else message) for c in checks])
        return
    if _other_threads() > 0:
        # A thread still running could tamper with the checks while they run.
        message = "Your code left a background thread running; stop it before the end of your program."
        report([(False, message) for _ in checks])
        return

    global _learner_namespace
    _learner_namespace = learner
    ref, solution_imports, solution_error = _run_solution(spec["solution"])
    if solution_error is not None:
        message = f"The reference solution raised {solution_error}" if author else GENERIC_FAILURE
        report([(False, _clip(message)) for _ in checks])
        return
    helpers = {name: globals()[name] for name in HELPER_NAMES}
    results = []
    for check in checks:
        namespace: dict[str, Any] = dict(solution_imports)
        namespace.update(learner)
        namespace.update(helpers)
        namespace["ref"] = ref
        namespace["__builtins__"] = builtins
        namespace["__name__"] = "__check__"
        results.append(_run_one(check, namespace, author))
    if _other_threads() > 0:
        message = "Your code started a background thread while being checked; checks cannot trust the results."
        results = [(False, message) for _ in checks]
    report(results)
