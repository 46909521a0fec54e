"""Multi-select with partial credit: choose every statement that is true.

Each right choice picked earns a share of the points and each wrong one picked takes a share
away (never below zero), so a learner who knows half of it gets half the points, and choosing
everything earns nothing. The attempt is correct only with exactly the right set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exercises.kinds.base import Graded
from exercises.kinds.multiple_choice import MultipleChoice, chosen_feedback, clean_choice_ids

if TYPE_CHECKING:
    from exercises.models import Exercise
    from exercises.spec import ExerciseSpec


class MultiSelect(MultipleChoice):
    key = "multi_select"
    label = "Multi-select"
    default_title = "Select every true statement"
    yaml_keys = frozenset({"shuffle", "choices"})
    always_multiple = True
    widget_template = "exercises/kinds/multi_select.html"
    verdict_wrong = "Partly right: some choices are not."

    def meta_label(self, spec: ExerciseSpec | Exercise) -> str:
        return "Select all that apply, partial credit"

    def grade(self, exercise: Exercise, answer: object) -> Graded:
        choices = list(exercise.choices.all())
        chosen = clean_choice_ids(exercise, answer, {c.pk for c in choices})
        return Graded(
            fraction=partial_credit(
                right={c.pk for c in choices if c.correct},
                wrong={c.pk for c in choices if not c.correct},
                chosen=set(chosen),
            ),
            feedback=chosen_feedback(choices, chosen),
            choice_ids=chosen,
        )


def partial_credit(*, right: set[int], wrong: set[int], chosen: set[int]) -> float:
    """(right picked - wrong picked) / right, each side weighted by its own count, at least 0.

    With 2 right of 5: both right and nothing else → 1; one right → 0.5; one right and one
    wrong → 0.5 - 1/3 ≈ 0.17; everything → 1 - 1 = 0.
    """
    if not right:
        return 0.0
    gained = len(chosen & right) / len(right)
    lost = len(chosen & wrong) / len(wrong) if wrong else 0.0
    return max(0.0, round(gained - lost, 6))
