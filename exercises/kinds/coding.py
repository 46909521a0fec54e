"""Coding: the learner writes code; it is graded on the sandbox queue across a trust boundary
(``exercises.grading``: observe in the learner's child, judge outside it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from courseware.directives import DirectiveError
from exercises.kinds.base import ExerciseKind

if TYPE_CHECKING:
    from exercises.models import Exercise
    from exercises.spec import ExerciseSpec, _Reader


class Coding(ExerciseKind):
    key = "coding"
    label = "Coding"
    default_title = "Exercise"
    yaml_keys = frozenset({"starter", "solution", "checks", "solution_visible", "solution_after_attempts"})
    queued = True
    verified_in_sandbox = True
    shows_solution = True
    answer_field = "code"
    widget_template = "exercises/kinds/coding.html"
    editor_template = "authoring/kinds/coding.html"
    verdict_right = "All checks passed. You are right"
    verdict_wrong = "Not quite, try again. Some checks did not pass."

    def parse(self, top: _Reader, spec: ExerciseSpec) -> None:
        from exercises.spec import (
            MAX_CODE_BYTES,
            _compile,
            _offset,
            _parse_check,
            _Reader,
            code_hash,
            parse_solution_visibility,
        )

        if "starter" not in top.data:
            raise DirectiveError(
                "exercise: 'starter' is required for a coding exercise (the code learners start from)", 1
            )
        spec.starter = top.text("starter", required=False, limit=MAX_CODE_BYTES)
        spec.solution = top.text("solution", required=True, limit=MAX_CODE_BYTES)
        _compile(spec.solution, "solution", top.nodes["solution"][1])
        if "checks" not in top.data:
            raise DirectiveError("exercise: 'checks' is required for a coding exercise (at least one)", 1)
        items, nodes = top.sequence("checks")
        if not items:
            raise DirectiveError("exercise: a coding exercise needs at least one check", top.line("checks"))
        names: dict[str, int] = {}
        for position, (item, node) in enumerate(zip(items, nodes, strict=True), start=1):
            what = f"check {position}"
            if not isinstance(item, dict):
                raise DirectiveError(f"{what} must be a mapping with 'name' and 'observe'", _offset(node))
            spec.checks.append(_parse_check(_Reader(node, item, what, _offset(node)), names, position))
        parse_solution_visibility(top, spec)
        spec.code_hash = code_hash(spec.starter, spec.solution, spec.checks)

    def meta_label(self, spec: ExerciseSpec | Exercise) -> str:
        return "Coding exercise"

    def solution_context(self, exercise: Exercise) -> dict[str, Any]:
        return {"solution_code": exercise.solution_code}

    def solution_payload(self, exercise: Exercise) -> dict[str, Any]:
        return {"solution_code": exercise.solution_code}
