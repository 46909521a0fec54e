"""Predict the output: the learner reads a snippet and types exactly what it prints.

Graded at once, in the web process, by comparing text: the learner's code never runs. The
snippet runs in the sandbox when the course is imported, which computes the expected output
(or confirms the ``answer`` the author wrote). Comparison ignores line endings, spaces at the
ends of lines and blank lines at the end; everything else must match.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

from config.errors import Conflict
from config.errors import invalid as validation_error
from courseware.directives import DirectiveError
from exercises.kinds.base import ExerciseKind, Graded

if TYPE_CHECKING:
    from exercises.models import Exercise
    from exercises.spec import ExerciseSpec, _Reader

MAX_ANSWER_CHARS = 10_000
MAX_OUTPUT_CHARS = 2_000  # a snippet worth predicting prints a few lines, not a page


def normalise_output(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


class PredictOutput(ExerciseKind):
    key = "predict_output"
    label = "Predict the output"
    default_title = "What does it print?"
    yaml_keys = frozenset({"snippet", "answer", "solution_visible", "solution_after_attempts"})
    verified_in_sandbox = True
    shows_solution = True
    answer_field = "answer"
    widget_template = "exercises/kinds/predict_output.html"
    editor_template = "authoring/kinds/predict_output.html"
    verdict_wrong = "Not quite: that is not what it prints. Try again."

    def parse(self, top: _Reader, spec: ExerciseSpec) -> None:
        from exercises.spec import MAX_CODE_BYTES, _compile, _html, parse_solution_visibility

        spec.snippet = top.text("snippet", required=True, limit=MAX_CODE_BYTES)
        _compile(spec.snippet, "snippet", top.nodes["snippet"][1])
        fence = "`" * max(3, longest_backtick_run(spec.snippet) + 1)
        spec.snippet_html = _html(f"{fence}python\n{spec.snippet}\n{fence}")
        if "answer" in top.data:
            answer = normalise_output(top.text("answer", required=False, limit=MAX_OUTPUT_CHARS))
            if not answer:
                raise DirectiveError("exercise: 'answer' must not be empty", top.line("answer"))
            spec.expected_output = answer
        parse_solution_visibility(top, spec)
        verified_by = json.dumps({"snippet": spec.snippet, "answer": spec.expected_output}, sort_keys=True)
        spec.code_hash = hashlib.sha256(verified_by.encode()).hexdigest()

    def meta_label(self, spec: ExerciseSpec | Exercise) -> str:
        return "Predict the output"

    def grade(self, exercise: Exercise, answer: Any) -> Graded:
        if not isinstance(answer, str):
            raise validation_error({"answer": "Type what the snippet prints, as text."})
        if len(answer) > MAX_ANSWER_CHARS:
            raise validation_error({"answer": f"An answer is at most {MAX_ANSWER_CHARS:,} characters."})
        if not answer.strip():
            raise validation_error({"answer": "Type what the snippet prints first."})
        if not exercise.expected_output:
            # Imported with --no-verify and no 'answer': nothing to compare with yet.
            raise Conflict("This exercise is not ready to be answered yet.")
        same = normalise_output(answer) == exercise.expected_output
        return Graded(fraction=1.0 if same else 0.0, answer_text=answer)

    def solution_context(self, exercise: Exercise) -> dict[str, Any]:
        return {"expected_output": exercise.expected_output}

    def solution_payload(self, exercise: Exercise) -> dict[str, Any]:
        return {"expected_output": exercise.expected_output}
