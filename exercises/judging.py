"""Judging observations: the verdict of every check, made where the learner's code cannot reach.

Plain Python, no Django: the grading worker imports it to compare a learner's observations
with the reference solution's (or with a value the check states), and, for checks whose author
wrote a predicate, ``build_predicate_program`` sends its source into a fresh sandbox child that
receives nothing but the two sets of observations as JSON. Either way the learner's process is
long gone and never saw what it was compared with.

Observations are the plain JSON of ``exercises.observation.encode``. ``compare`` follows the
value the check expects: numbers compare as numbers (``1 == 1.0``, never ``True``), text as
text, lists item by item, objects key by key, with an optional tolerance for numbers.
Messages name where two values differ, as a learner can act on them.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = [
    "DEFAULT_ABS",
    "DEFAULT_REL",
    "CheckFailed",
    "build_predicate_program",
    "compare",
    "decode",
    "describe",
    "library_fingerprint",
    "observation_error_message",
]

DEFAULT_REL = 1e-6
DEFAULT_ABS = 1e-9
MAX_MESSAGE = 500
MAX_SHORT = 120
PREDICATE_SECONDS = 3.0
PREDICATE_HELPERS = ("CheckFailed", "expect", "expect_equal", "expect_close", "decode")

_TAG_FLOAT, _TAG_OBJECT, _TAG_ELLIPSIS = "$float", "$object", "$ellipsis"


def _tag(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        if key in (_TAG_FLOAT, _TAG_OBJECT, _TAG_ELLIPSIS):
            return str(key)
    return None


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) or _tag(value) == _TAG_FLOAT


def _as_float(value: Any) -> float:
    if _tag(value) == _TAG_FLOAT:
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}.get(value[_TAG_FLOAT], math.nan)
    return float(value)


def decode(value: Any) -> Any:
    """Observations as Python values for a predicate: NaN and infinities become floats again and
    ``...`` becomes Ellipsis; a value without a plain form stays ``{"$object": "<type>"}``."""
    tag = _tag(value)
    if tag == _TAG_FLOAT:
        return _as_float(value)
    if tag == _TAG_ELLIPSIS:
        return Ellipsis
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict) and tag is None:
        return {key: decode(item) for key, item in value.items()}
    return value


def describe(value: Any) -> str:
    """A short, learner-readable rendering of an observation."""
    tag = _tag(value)
    if tag == _TAG_FLOAT:
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(value[_TAG_FLOAT], "nan")
    if tag == _TAG_OBJECT:
        return f"a {value[_TAG_OBJECT]}"
    if tag == _TAG_ELLIPSIS:
        return "`...`"
    if isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = json.dumps(value, ensure_ascii=False) if not isinstance(value, (int, bool)) else repr(value)
        if value is None:
            text = "None"
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHORT else text[: MAX_SHORT - 1] + "…"


def _kind(value: Any) -> str:
    tag = _tag(value)
    if tag == _TAG_OBJECT:
        return f"a {value[_TAG_OBJECT]}"
    if tag == _TAG_ELLIPSIS:
        return "`...` (replace the `...` with your code)"
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True or False"
    if _is_number(value):
        return "a number"
    if isinstance(value, str):
        return "text (str)"
    if isinstance(value, list):
        return "a list or an array"
    return "a dict"


def _shape(value: Any) -> tuple[int, ...] | None:
    """The shape of a rectangular nested list (an array), or None."""
    if not isinstance(value, list):
        return ()
    if not value:
        return (0,)
    inner = [_shape(item) for item in value]
    if any(s is None for s in inner) or len(set(inner)) != 1:
        return None
    first = inner[0]
    assert first is not None
    return (len(value), *first)


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _close(a: float, e: float, rel: float, abs_: float) -> bool:
    if math.isnan(a) or math.isnan(e):
        return math.isnan(a) and math.isnan(e)
    if math.isinf(a) or math.isinf(e):
        return a == e
    return abs(a - e) <= abs_ + rel * abs(e)


def compare(actual: Any, expected: Any, *, close: dict[str, float] | None = None) -> tuple[bool, str]:
    """(equal?, why not). ``close``: ``{"rel", "abs"}`` tolerances for numbers."""
    tag = _tag(expected)
    if tag == _TAG_OBJECT:
        return False, f"the expected value is {describe(expected)}, which cannot be compared"
    actual_tag = _tag(actual)
    if actual_tag == _TAG_ELLIPSIS and tag != _TAG_ELLIPSIS:
        return False, "it is still `...`: replace the `...` with your code"
    if tag == _TAG_ELLIPSIS:
        return actual_tag == _TAG_ELLIPSIS, f"expected `...`, got {_kind(actual)}"
    if _is_number(expected):
        if not _is_number(actual):
            return False, f"expected a number, got {_kind(actual)}"
        a, e = _as_float(actual), _as_float(expected)
        if close is not None:
            same = _close(a, e, close.get("rel", DEFAULT_REL), close.get("abs", DEFAULT_ABS))
            return same, f"expected about {describe(expected)}, got {describe(actual)}"
        same = (math.isnan(a) and math.isnan(e)) or (
            actual == expected if tag is None and actual_tag is None else a == e
        )
        return same, f"expected {describe(expected)}, got {describe(actual)}"
    if expected is None:
        return actual is None, f"expected None, got {describe(actual)}"
    if isinstance(expected, bool):
        if not isinstance(actual, bool):
            return False, f"expected True or False, got {_kind(actual)}"
        return actual == expected, f"expected {expected}, got {actual}"
    if isinstance(expected, str):
        if not isinstance(actual, str):
            return False, f"expected text (str), got {_kind(actual)}"
        return actual == expected, f"expected {describe(expected)}, got {describe(actual)}"
    if isinstance(expected, list):
        return _compare_lists(actual, expected, close)
    if isinstance(expected, dict):
        return _compare_dicts(actual, expected, close)
    return False, f"the expected value {describe(expected)} cannot be compared"


def _compare_lists(actual: Any, expected: list[Any], close: dict[str, float] | None) -> tuple[bool, str]:
    if not isinstance(actual, list):
        return False, f"expected a list or an array, got {_kind(actual)}"
    e_shape, a_shape = _shape(expected), _shape(actual)
    if e_shape is not None and len(e_shape) > 1 and a_shape != e_shape:
        got = _shape_text(a_shape) if a_shape is not None else "a ragged list"
        return False, f"expected shape {_shape_text(e_shape)}, got {got}"
    if len(actual) != len(expected):
        return False, f"expected {len(expected)} items, got {len(actual)}"
    numeric = e_shape is not None and all(_is_number(leaf) for leaf in _leaves(expected))
    if numeric and close is not None and a_shape == e_shape and all(_is_number(x) for x in _leaves(actual)):
        rel, abs_ = close.get("rel", DEFAULT_REL), close.get("abs", DEFAULT_ABS)
        pairs = list(zip(_leaves(actual), _leaves(expected), strict=True))
        bad = [(a, e) for a, e in pairs if not _close(_as_float(a), _as_float(e), rel, abs_)]
        if bad:
            worst = max(
                (abs(_as_float(a) - _as_float(e)) for a, e in bad if math.isfinite(_as_float(a) - _as_float(e))),
                default=math.inf,
            )
            return False, f"{len(bad)} of {len(pairs)} values are not close enough (largest difference {worst:.3g})"
        return True, ""
    for index, (a_item, e_item) in enumerate(zip(actual, expected, strict=True)):
        same, why = compare(a_item, e_item, close=close)
        if not same:
            return False, f"item {index}: {why}"
    return True, ""


def _compare_dicts(actual: Any, expected: dict[str, Any], close: dict[str, float] | None) -> tuple[bool, str]:
    if not isinstance(actual, dict) or _tag(actual) is not None:
        return False, f"expected a dict, got {_kind(actual)}"
    missing = [key for key in expected if key not in actual]
    extra = [key for key in actual if key not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing keys " + ", ".join(repr(k) for k in missing[:10]))
        if extra:
            parts.append("unexpected keys " + ", ".join(repr(k) for k in extra[:10]))
        return False, "; ".join(parts)
    for key, e_item in expected.items():
        same, why = compare(actual[key], e_item, close=close)
        if not same:
            return False, f"`{key}`: {why}"
    return True, ""


def observation_error_message(error: dict[str, Any], expression: str) -> str:
    """What a learner reads when observing their program raised (a name not assigned, …)."""
    kind, detail, name = str(error.get("type") or "Error"), str(error.get("message") or ""), error.get("name")
    if kind == "NameError" and isinstance(name, str) and name:
        return clip(f"`{name}` is not defined. Did you assign it?")
    if kind == "Timeout":
        return clip(f"Checking `{_label(expression)}` took too long and was stopped.")
    if kind == "Unobservable":
        return clip(f"`{_label(expression)}` cannot be checked: {detail}.")
    text = f"{kind}: {detail}" if detail else kind
    return clip(f"Checking `{_label(expression)}` raised {text}")


def _label(expression: str) -> str:
    expression = " ".join(expression.split())
    return expression if len(expression) <= 60 else expression[:59] + "…"


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def library_fingerprint() -> str:
    """Changes whenever judging changes, so verified exercises are verified again."""
    import hashlib

    return hashlib.sha256(_library_source().encode()).hexdigest()[:16]


_source_cache: list[str] = []


def _library_source() -> str:
    if not _source_cache:
        with open(__file__, encoding="utf-8") as source:
            _source_cache.append(source.read())
    return _source_cache[0]


# --- author predicates, run in a fresh sandbox child ---------------------------------------------
class CheckFailed(AssertionError):
    """A failed expectation in a predicate; ``authored``: its author wrote the message."""

    def __init__(self, message: str, *, authored: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.authored = authored


def _fail(default: str, message: str | None) -> CheckFailed:
    if message is not None:
        return CheckFailed(str(message), authored=True)
    return CheckFailed(default)


def expect(condition: Any, message: str) -> None:
    """Fails with ``message`` unless ``condition`` is true."""
    if not condition:
        raise CheckFailed(str(message), authored=True)


def expect_equal(actual: Any, expected: Any, message: str | None = None) -> None:
    """Equal under ``compare``'s rules (numbers as numbers, lists item by item)."""
    same, why = compare(_reencode(actual), _reencode(expected))
    if not same:
        raise _fail(why[:1].upper() + why[1:] + ".", message)


def expect_close(
    actual: Any, expected: Any, *, rel: float = DEFAULT_REL, abs: float = DEFAULT_ABS, message: str | None = None
) -> None:
    """Numbers or nested lists of numbers within ``abs + rel * |expected|`` of each other."""
    same, why = compare(_reencode(actual), _reencode(expected), close={"rel": rel, "abs": abs})
    if not same:
        raise _fail(why[:1].upper() + why[1:] + ".", message)


def _reencode(value: Any) -> Any:
    """A predicate's Python value (floats may be NaN again, tuples) in observation form."""
    if isinstance(value, float) and not math.isfinite(value):
        return {_TAG_FLOAT: "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if value is Ellipsis:
        return {_TAG_ELLIPSIS: True}
    if isinstance(value, (list, tuple)):
        return [_reencode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _reencode(item) for key, item in value.items()}
    return value


def build_predicate_program(items: list[dict[str, Any]]) -> str:
    """The source a judge child runs: this library, then one call.

    ``items``: ``{"code", "observed", "reference"}`` for each predicate check. The data goes in
    as a JSON string literal (plain data, parsed by ``json.loads``), so nothing a learner put
    into an observation can become code here.
    """
    return f"{_library_source()}\n\n_judge_predicates({json.dumps(json.dumps(items))})\n"


def _run_predicate(code: str, observed: Any, reference: Any) -> dict[str, Any]:
    import builtins
    import contextlib
    import signal

    class Overrun(BaseException):
        pass

    def on_alarm(signum: int, frame: Any) -> None:
        raise Overrun()

    namespace: dict[str, Any] = {name: globals()[name] for name in PREDICATE_HELPERS}
    namespace.update(
        {
            "observed": decode(observed),
            "reference": decode(reference),
            "math": math,
            "__builtins__": builtins,
            "__name__": "__judge__",
        }
    )
    armed = False
    with contextlib.suppress(OSError, ValueError):
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, PREDICATE_SECONDS)
        armed = True
    try:
        exec(compile(code, "<judge>", "exec", dont_inherit=True), namespace)  # noqa: S102 - the author's predicate
    except Overrun:
        return {"passed": False, "message": f"This check took longer than {PREDICATE_SECONDS:g} s.", "authored": False}
    except CheckFailed as exc:
        return {"passed": False, "message": clip(exc.message or ""), "authored": exc.authored}
    except AssertionError as exc:
        return {"passed": False, "message": clip(str(exc)), "authored": bool(str(exc))}
    except BaseException as exc:
        return {"passed": False, "message": clip(f"{type(exc).__name__}: {exc}"), "authored": False}
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return {"passed": True, "message": "", "authored": False}


def _judge_predicates(items_json: str) -> None:
    """Entry point inside a judge child; ``emit`` is the sandbox's result channel."""
    send = globals()["emit"]
    items = json.loads(items_json)
    send({"results": [_run_predicate(i["code"], i.get("observed"), i.get("reference")) for i in items]})
