"""What every exercise kind provides. One module per kind in this package, registered in
``exercises.kinds``; adding a kind means copying a sibling and registering it.

A kind owns: the YAML keys of its ``{exercise}`` blocks and how they are read (``parse``), how
an answer is read from a request (``read_answer``) and graded (``grade``, for kinds graded at
once; coding is graded on the sandbox queue), the template of its answering form in the page,
what "show the solution" reveals, and the fields the authoring editor shows for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from exercises.models import Exercise
    from exercises.spec import ExerciseSpec, _Reader


@dataclass
class Graded:
    """The verdict on an answer graded at once. ``fraction`` of the points, 1.0 when correct."""

    fraction: float
    feedback: list[dict[str, Any]] = field(default_factory=list)  # [{"choice": id | None, "message"}]
    choice_ids: list[int] = field(default_factory=list)
    answer_text: str = ""

    @property
    def correct(self) -> bool:
        return self.fraction >= 1.0


class ExerciseKind:
    key: ClassVar[str]
    label: ClassVar[str]
    default_title: ClassVar[str]
    #: The YAML keys only this kind has (besides the common ones: id, kind, title, prompt, …).
    yaml_keys: ClassVar[frozenset[str]]
    #: Graded on the sandbox queue (202 + polling) rather than at once (201).
    queued: ClassVar[bool] = False
    #: Runs in the sandbox when a course is imported (the directive's verify step).
    verified_in_sandbox: ClassVar[bool] = False
    #: The name of the answer in an API body or a form post.
    answer_field: ClassVar[str]
    #: The answering part of the widget stored in the page (templates/exercises/kinds/).
    widget_template: ClassVar[str]
    #: The authoring editor's fieldset for this kind (templates/authoring/kinds/).
    editor_template: ClassVar[str]
    #: Has a solution the learner may be shown (after passing, by default): code or an output.
    shows_solution: ClassVar[bool] = False
    verdict_right: ClassVar[str] = "You are right"
    verdict_wrong: ClassVar[str] = "Not quite, try again."

    # --- the course file -------------------------------------------------------------------
    def parse(self, top: _Reader, spec: ExerciseSpec) -> None:
        raise NotImplementedError

    def meta_label(self, spec: ExerciseSpec | Exercise) -> str:
        return self.label

    # --- answering -------------------------------------------------------------------------
    def read_answer(self, data: Any) -> Any:
        """The answer in ``data`` (a JSON object, or a form post's QueryDict), or None if absent."""
        if hasattr(data, "getlist"):
            return data.get(self.answer_field)
        return data.get(self.answer_field) if isinstance(data, dict) else None

    def grade(self, exercise: Exercise, answer: Any) -> Graded:
        """Grade at once; raises the API's validation error for a malformed answer."""
        raise NotImplementedError

    # --- after answering -------------------------------------------------------------------
    def solution_context(self, exercise: Exercise) -> dict[str, Any]:
        """What "show the solution" reveals, for templates/exercises/_solution.html."""
        return {}

    def solution_payload(self, exercise: Exercise) -> dict[str, Any]:
        """The same for the API's ``GET exercises/{id}/solution/``."""
        return {}
