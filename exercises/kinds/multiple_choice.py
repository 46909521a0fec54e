"""Multiple choice: one right answer, or several that must all be chosen (``multiple: true``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from config.errors import invalid as validation_error
from courseware.directives import DirectiveError
from exercises.kinds.base import ExerciseKind, Graded

if TYPE_CHECKING:
    from exercises.models import Exercise
    from exercises.spec import ExerciseSpec, _Reader

CHOICE_KEYS = {"text", "correct", "feedback", "id"}


class MultipleChoice(ExerciseKind):
    key = "multiple_choice"
    label = "Multiple choice"
    default_title = "Check your understanding"
    yaml_keys = frozenset({"multiple", "shuffle", "choices"})
    answer_field = "choices"
    widget_template = "exercises/kinds/multiple_choice.html"
    editor_template = "authoring/kinds/choices.html"
    #: Several right answers are allowed (multi-select always; multiple choice with multiple: true).
    always_multiple = False

    def parse(self, top: _Reader, spec: ExerciseSpec) -> None:
        spec.multiple = self.always_multiple or top.boolean("multiple", False)
        spec.shuffle = top.boolean("shuffle", True)
        parse_choices(top, spec)
        correct = sum(1 for c in spec.choices if c.correct)
        if correct > 1 and not spec.multiple:
            raise DirectiveError(
                f"exercise: {correct} choices are correct but a single-answer question has exactly one "
                "(add 'multiple: true' if several are right)",
                top.line("choices"),
            )

    def meta_label(self, spec: ExerciseSpec | Exercise) -> str:
        return "Multiple choice, several answers" if spec.multiple else "Multiple choice"

    def read_answer(self, data: Any) -> Any:
        if hasattr(data, "getlist"):  # a form post: every value is a string
            if self.answer_field not in data:
                return None
            return [int(v) if v.strip().isdigit() else v for v in data.getlist(self.answer_field)]
        return data.get(self.answer_field) if isinstance(data, dict) else None

    def grade(self, exercise: Exercise, answer: Any) -> Graded:
        """Correct iff the chosen set is the set of correct choices."""
        choices = list(exercise.choices.all())
        chosen = clean_choice_ids(exercise, answer, {c.pk for c in choices})
        right = {c.pk for c in choices if c.correct}
        return Graded(
            fraction=1.0 if set(chosen) == right else 0.0,
            feedback=chosen_feedback(choices, chosen),
            choice_ids=chosen,
        )

    def solution_context(self, exercise: Exercise) -> dict[str, Any]:
        return {"correct_choices": [c.text_html for c in exercise.choices.all() if c.correct]}

    def solution_payload(self, exercise: Exercise) -> dict[str, Any]:
        return {"correct_choices": [c.pk for c in exercise.choices.all() if c.correct]}


def chosen_feedback(choices: list[Any], chosen: list[int]) -> list[dict[str, Any]]:
    return [{"choice": c.pk, "message": c.feedback_html} for c in choices if c.pk in chosen and c.feedback_html]


def clean_choice_ids(exercise: Exercise, choice_ids: Any, known: set[int]) -> list[int]:
    if not isinstance(choice_ids, list) or not choice_ids:
        raise validation_error({"choices": "Choose at least one answer (a list of choice ids)."})
    if any(isinstance(item, bool) or not isinstance(item, int) for item in choice_ids):
        raise validation_error({"choices": "Each choice must be a choice id (a whole number)."})
    chosen = list(dict.fromkeys(choice_ids))  # a double click's duplicate is still one choice
    unknown = [item for item in chosen if item not in known]
    if unknown:
        listed = ", ".join(str(item) for item in unknown)
        raise validation_error({"choices": f"Not a choice of this exercise: {listed}."})
    if not exercise.multiple and len(chosen) != 1:
        raise validation_error({"choices": "This question takes exactly one answer."})
    return chosen


def parse_choices(top: _Reader, spec: ExerciseSpec) -> None:
    """The ``choices`` list, shared by the kinds that have choices."""
    from exercises.spec import ChoiceSpec, _html, _inline_html, _offset, _Reader

    if "choices" not in top.data:
        raise DirectiveError(f"exercise: 'choices' is required for a {spec.kind} exercise", 1)
    items, nodes = top.sequence("choices")
    if len(items) < 2:
        raise DirectiveError(f"exercise: a {spec.kind} exercise needs at least 2 choices", top.line("choices"))
    seen_keys: dict[str, int] = {}
    seen_texts: dict[str, int] = {}
    for position, (item, node) in enumerate(zip(items, nodes, strict=True), start=1):
        what = f"choice {position}"
        if not isinstance(item, dict):
            raise DirectiveError(f"{what} must be a mapping with 'text' (and 'correct', 'feedback')", _offset(node))
        choice = _Reader(node, item, what, _offset(node))
        choice.unknown(CHOICE_KEYS)
        text = choice.text("text", required=True)
        key = choice.text("id", required=False, default=str(position), limit=100).strip()
        if not key:
            raise DirectiveError(f"{what}: 'id' must not be empty", choice.line("id"))
        if key in seen_keys:
            raise DirectiveError(f"{what}: id '{key}' is also used by choice {seen_keys[key]}", choice.line("id"))
        normalised = " ".join(text.split()).lower()
        if normalised in seen_texts:
            raise DirectiveError(f"{what}: the same text as choice {seen_texts[normalised]}", choice.line("text"))
        seen_keys[key] = seen_texts[normalised] = position
        spec.choices.append(
            ChoiceSpec(
                key=key,
                text=text,
                text_html=_inline_html(text),
                correct=choice.boolean("correct", False),
                feedback_html=_html(choice.text("feedback", required=False)),
            )
        )
    if not any(c.correct for c in spec.choices):
        raise DirectiveError("exercise: at least one choice must have 'correct: true'", top.line("choices"))
