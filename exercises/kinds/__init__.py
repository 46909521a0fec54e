"""The exercise kinds: one module each, registered here (see ``base.ExerciseKind``)."""

from __future__ import annotations

from exercises.kinds.base import ExerciseKind, Graded
from exercises.kinds.coding import Coding
from exercises.kinds.multi_select import MultiSelect
from exercises.kinds.multiple_choice import MultipleChoice
from exercises.kinds.predict_output import PredictOutput

__all__ = ["KINDS", "ExerciseKind", "Graded", "choices", "get"]

KINDS: dict[str, ExerciseKind] = {
    kind.key: kind for kind in (MultipleChoice(), MultiSelect(), Coding(), PredictOutput())
}


def get(key: str) -> ExerciseKind:
    """The kind called ``key``; KeyError for one that does not exist."""
    return KINDS[key]


def choices() -> list[tuple[str, str]]:
    """(key, label) of every kind, for model and form choices."""
    return [(kind.key, kind.label) for kind in KINDS.values()]
