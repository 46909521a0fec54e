"""Declarative parameter schemas shared by models (``params``) and explanations (``options``).

A :class:`Param` knows its type, range and default, validates a raw JSON value and returns the
normalised value (``1`` and ``1.0`` both become ``1.0`` for a float parameter) so that
equivalent specs hash the same.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal

ParamType = Literal["int", "float", "bool", "int_list", "feature", "feature_pair"]
Task = Literal["binary", "multiclass", "regression"]
ALL_TASKS: frozenset[str] = frozenset({"binary", "multiclass", "regression"})
CLASSIFICATION_TASKS: frozenset[str] = frozenset({"binary", "multiclass"})


class ParamError(ValueError):
    """A single value failed validation; the message is meant for the end user."""


def _is_int(value: Any) -> bool:
    # bool is an int subclass in Python, but `true` is never a valid depth or count.
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _fmt(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def unknown_feature_message(name: object, feature_names: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(name), list(feature_names), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown feature {name!r}{hint} (the dataset has {len(feature_names)} features)"


@dataclass(frozen=True)
class Param:
    """One named, typed, bounded parameter with a default.

    ``tasks`` limits a parameter to some learning tasks (``C`` only exists for classification);
    for other tasks it is neither accepted nor part of the canonical spec.
    """

    name: str
    type: ParamType
    default: Any
    description: str
    min: float | None = None
    max: float | None = None
    nullable: bool = False
    min_items: int | None = None
    max_items: int | None = None
    tasks: frozenset[str] = ALL_TASKS

    def applies_to(self, task: str) -> bool:
        return task in self.tasks

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "default": list(self.default) if isinstance(self.default, tuple) else self.default,
            "min": self.min,
            "max": self.max,
            "nullable": self.nullable,
            "description": self.description,
        }
        if self.type == "int_list":
            out["min_items"] = self.min_items
            out["max_items"] = self.max_items
        if self.tasks != ALL_TASKS:
            out["tasks"] = sorted(self.tasks)
        return out

    def default_value(self) -> Any:
        return list(self.default) if isinstance(self.default, tuple) else self.default

    def normalise(self, value: Any, feature_names: Sequence[str] = ()) -> Any:
        """Return the canonical form of ``value`` or raise :class:`ParamError`."""
        if value is None:
            if self.nullable:
                return None
            raise ParamError("must not be null")
        if self.type == "int":
            if not _is_int(value):
                raise ParamError(f"must be an integer, got {type(value).__name__}")
            self._check_range(int(value))
            return int(value)
        if self.type == "float":
            if not _is_number(value):
                raise ParamError(f"must be a number, got {type(value).__name__}")
            number = float(value)
            if not math.isfinite(number):
                raise ParamError("must be a finite number")
            self._check_range(number)
            return number
        if self.type == "bool":
            if not isinstance(value, bool):
                raise ParamError(f"must be true or false, got {type(value).__name__}")
            return value
        if self.type == "int_list":
            return self._normalise_int_list(value)
        if self.type == "feature":
            if not isinstance(value, str):
                raise ParamError(f"must be a feature name (string), got {type(value).__name__}")
            if value not in feature_names:
                raise ParamError(unknown_feature_message(value, feature_names))
            return value
        if self.type == "feature_pair":
            return self._normalise_feature_pair(value, feature_names)
        raise AssertionError(f"unhandled param type {self.type}")  # pragma: no cover

    def _range_text(self) -> str:
        text = f"between {_fmt(self.min)} and {_fmt(self.max)}"
        if self.min is not None and self.max is None:
            text = f"at least {_fmt(self.min)}"
        return text + (" (or null)" if self.nullable else "")

    def _check_range(self, number: float) -> None:
        if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
            raise ParamError(f"must be {self._range_text()}, got {_fmt(number)}")

    def _normalise_int_list(self, value: Any) -> list[int]:
        if not isinstance(value, list | tuple):
            raise ParamError(f"must be a list of integers, got {type(value).__name__}")
        lo, hi = self.min_items or 0, self.max_items or len(value)
        if not lo <= len(value) <= hi:
            raise ParamError(f"must have {lo} to {hi} items, got {len(value)}")
        items: list[int] = []
        for position, item in enumerate(value):
            if not _is_int(item):
                raise ParamError(f"item {position} must be an integer, got {type(item).__name__}")
            try:
                self._check_range(int(item))
            except ParamError as exc:
                raise ParamError(f"item {position} {exc}") from None
            items.append(int(item))
        return items

    def _normalise_feature_pair(self, value: Any, feature_names: Sequence[str]) -> list[str]:
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ParamError("must be a list of two feature names")
        for item in value:
            if not isinstance(item, str):
                raise ParamError("must be a list of two feature names (strings)")
            if item not in feature_names:
                raise ParamError(unknown_feature_message(item, feature_names))
        if value[0] == value[1]:
            raise ParamError("the two features must differ")
        return [value[0], value[1]]
