"""The ```{exercise} directive: a graded exercise on a page (YAML body, docs/content-format.md).

parse: ``spec.parse_exercise`` (values and line numbers). verify: every coding exercise runs
through the grading path in the sandbox — the reference solution alone (its observations are
cached on the row), then the solution and the starter as a learner would submit them: the
solution must pass every check, the starter must fail at least one — unless the same starter,
solution and checks were already verified (hash on the row).
sync: Exercise and Choice rows keyed by (course, id) and (exercise, choice id); an exercise
that left the page is detached (page = NULL), keeping its attempts. render: the widget HTML,
the same for every reader — no correctness, solution or checks in it; the reader's own
state arrives by htmx from ``exercises:panel``.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe

from courseware.directives import Directive, DirectiveBlock, ParseContext, Reporter
from exercises import grading
from exercises.kinds.predict_output import MAX_OUTPUT_CHARS, normalise_output
from exercises.models import Choice, Exercise
from exercises.spec import ExerciseSpec, parse_exercise
from runs import sandbox_gateway

if TYPE_CHECKING:
    from courseware.models import Page

# Two runs at a time: faster imports without crowding out learners' submissions.
VERIFY_CONCURRENCY = 2
PROGRESS_LABEL = "exercises"
VERIFIED = "verified"


class ExerciseDirective(Directive):
    name = "exercise"
    api_field = "exercises"

    # --- 1. parse -------------------------------------------------------------------------
    def parse(self, block: DirectiveBlock, ctx: ParseContext) -> ExerciseSpec:
        return parse_exercise(block.body, ctx.course_slug)

    # --- 2. verify ------------------------------------------------------------------------
    def verify(self, blocks: list[DirectiveBlock], report: Reporter, *, progress: Callable[[str], None]) -> None:
        todo: list[DirectiveBlock] = []
        cached = self._verified_hashes(blocks)
        for block in blocks:
            spec: ExerciseSpec = block.data
            if not spec.kind_handler.verified_in_sandbox:
                progress(PROGRESS_LABEL)
            elif (spec.course_slug, spec.id, spec.code_hash) in cached:
                block.result = VERIFIED
                progress(PROGRESS_LABEL)
            else:
                todo.append(block)
        if not todo:
            return
        problem = self._sandbox_problem()
        if problem:
            for block in todo:
                report(block, problem)
            return
        jobs = [(block, role) for block in todo for role in _roles(block.data)]
        with ThreadPoolExecutor(max_workers=VERIFY_CONCURRENCY, thread_name_prefix="exercise-verify") as pool:
            futures = [(block, role, pool.submit(self._run, block.data, role)) for block, role in jobs]
            outcomes: dict[int, dict[str, Any]] = {}
            for block, role, future in futures:
                try:
                    outcomes.setdefault(id(block), {})[role] = future.result()
                except (
                    grading.SandboxUnavailable,
                    grading.SandboxRefused,
                    grading.ReferenceProblem,
                    ValueError,
                ) as exc:
                    outcomes.setdefault(id(block), {})[role] = exc
        for block in todo:
            problems = self._judge(block.data, outcomes.get(id(block), {}))
            for message in problems:
                report(block, message)
            if not problems:
                block.result = VERIFIED
            progress(PROGRESS_LABEL)

    @staticmethod
    def _run(spec: ExerciseSpec, role: str) -> Any:
        if role == "snippet":
            return sandbox_gateway.run_code(spec.snippet)
        checks = [c.as_dict() for c in spec.checks]
        if role == "reference":
            return grading.compute_reference(spec.solution, checks)
        return grading.observe_program(spec.solution if role == "solution" else spec.starter, checks)

    @staticmethod
    def _judge(spec: ExerciseSpec, results: dict[str, Any]) -> list[str]:
        if spec.kind == "predict_output":
            return _judge_snippet(spec, results.get("snippet"))
        checks = [c.as_dict() for c in spec.checks]
        reference = results.get("reference")
        if isinstance(reference, grading.ReferenceProblem):
            return [str(reference)]
        for role in ("reference", "solution", "starter"):
            result = results.get(role)
            if isinstance(result, Exception):
                return [
                    f"cannot run the {'solution' if role == 'reference' else role} in the sandbox: {_describe(result)}"
                ]
            if result is None:
                return [f"the {role} was not run"]
        solution, starter = results["solution"], results["starter"]
        assert isinstance(reference, list)
        assert isinstance(solution, grading.RunResult) and isinstance(starter, grading.RunResult)
        try:
            outcome = grading.judge(solution, checks, reference, author=True)
            starter_outcome = grading.judge(starter, checks, reference, author=True)
        except (grading.SandboxUnavailable, grading.SandboxRefused, ValueError) as exc:
            return [f"cannot judge the checks in the sandbox: {_describe(exc)}"]
        problems = []
        if outcome.status == "error":
            problems.append(f"the solution could not be checked: {outcome.message}")
        for check in outcome.failed_checks:
            problems.append(
                f"solution fails check '{check['name']}': {check['message'] or 'failed'}"
                " (a solution must give the same results on every run: fix its random_state)"
                if not _states_expectation(spec, check["name"])
                else f"solution fails check '{check['name']}': {check['message'] or 'failed'}"
            )
        if starter_outcome.status == "graded" and starter_outcome.correct:
            problems.append("the starter passes every check; it must fail at least one, or learners pass without work")
        if not problems:
            spec.reference = reference
            spec.reference_key = grading.reference_key(spec.solution, checks)
        return problems

    @staticmethod
    def _verified_hashes(blocks: list[DirectiveBlock]) -> set[tuple[str, str, str]]:
        slugs = {block.data.course_slug for block in blocks if block.data.kind_handler.verified_in_sandbox}
        if not slugs:
            return set()
        rows = Exercise.objects.filter(course__slug__in=slugs).exclude(verified_hash="")
        return {(slug, key, digest) for slug, key, digest in rows.values_list("course__slug", "key", "verified_hash")}

    @staticmethod
    def _sandbox_problem() -> str | None:
        """One clear message instead of a failure per run."""
        try:
            info = grading.ping_sandbox()
        except grading.SandboxUnavailable as exc:
            return f"cannot verify the exercise: the sandbox server is not reachable ({exc}); start it, or import with --no-verify"
        if info.get("mode") == "refusing":
            return f"cannot verify the exercise: the sandbox server refuses to run code ({info.get('reason') or 'no isolation'})"
        return None

    # --- 3. sync --------------------------------------------------------------------------
    def sync(self, page: Page, blocks: list[DirectiveBlock]) -> None:
        with transaction.atomic():
            keys = []
            for position, block in enumerate(blocks):
                spec: ExerciseSpec = block.data
                exercise = _save_exercise(page, position, spec, verified=block.result == VERIFIED)
                spec.exercise_id = exercise.pk
                spec.choice_ids = _save_choices(exercise, spec)
                spec.include_editor = spec.is_coding and not any(b.data.is_coding for b in blocks[:position])
                keys.append(spec.id)
            # Gone from this page: detached, not deleted, so learners keep their attempts. If the
            # exercise moved to another page, that page's sync re-attaches it (in either order).
            Exercise.objects.filter(page=page).exclude(key__in=keys).update(page=None)

    # --- 4. render ------------------------------------------------------------------------
    def render(self, block: DirectiveBlock, page: Page) -> str:
        spec: ExerciseSpec = block.data
        exercise_id = spec.exercise_id
        choices = [
            {"id": pk, "html": mark_safe(choice.text_html)}  # noqa: S308 - sanitized by render_markdown
            for pk, choice in zip(spec.choice_ids, spec.choices, strict=True)
        ]
        if spec.shuffle:
            # The stored page is the same for everyone, so the order is fixed per exercise (the API
            # shuffles per learner); it still keeps the answer off the author's first position.
            seed = hashlib.sha256(f"{spec.course_slug}/{spec.id}".encode()).hexdigest()
            random.Random(seed).shuffle(choices)
        static = settings.STATIC_URL
        return render_to_string(
            "exercises/widget.html",
            {
                "spec": spec,
                "ex": f"ex-{exercise_id}",
                "exercise_id": exercise_id,
                "page_id": page.pk,
                "prompt_html": mark_safe(spec.prompt_html),  # noqa: S308 - sanitized by render_markdown
                "choices": choices,
                "input_type": "checkbox" if spec.multiple else "radio",
                "rows": min(max(spec.starter.count("\n") + 2, 6), 30),
                "first": block.index == 0,
                "run_url": _url("runs:create"),
                "editor_js": f"{static}dist/editor.js",
                "exercises_js": f"{static}dist/exercises.js",
                "exercises_css": f"{static}exercises/exercises.css",
                "runs_css": f"{static}runs/runnable.css" if _url("runs:create") else "",
                "points_label": _points_label(spec.points),
                "meta_label": spec.kind_handler.meta_label(spec),
                # Not the expected output's line count: the box's size must not hint at the answer.
                "answer_rows": 4,
            },
        )

    def api_value(self, page: Page) -> list[Any]:
        return list(Exercise.objects.filter(page=page).order_by("position").values_list("id", flat=True))


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _points_label(points: float) -> str:
    number = f"{points:g}"
    return f"{number} point" if points == 1 else f"{number} points"


def _describe(exc: Exception) -> str:
    if isinstance(exc, grading.SandboxRefused):
        return f"the sandbox refuses to run code ({exc})"
    if isinstance(exc, grading.SandboxUnavailable):
        return f"the sandbox server is not reachable ({exc})"
    return str(exc)


def _roles(spec: ExerciseSpec) -> tuple[str, ...]:
    """The sandbox runs that verify an exercise of ``spec``'s kind."""
    return ("snippet",) if spec.kind == "predict_output" else ("reference", "solution", "starter")


def _judge_snippet(spec: ExerciseSpec, result: Any) -> list[str]:
    """A predict-the-output snippet must run cleanly; what it prints is the expected answer (and
    must match the author's ``answer``, when given)."""
    if isinstance(result, Exception):
        return [f"cannot run the snippet in the sandbox: {_describe(result)}"]
    if not isinstance(result, grading.RunResult):
        return ["the snippet was not run"]
    if result.status != "succeeded":
        detail = result.kill_message or (result.error or "").strip().splitlines()[-1:] or [result.status]
        return [f"the snippet does not run cleanly: {detail if isinstance(detail, str) else detail[0]}"]
    printed = normalise_output(result.stdout)
    if not printed:
        return ["the snippet prints nothing; a predict-the-output exercise needs output to predict"]
    if len(printed) > MAX_OUTPUT_CHARS:
        return [f"the snippet prints more than {MAX_OUTPUT_CHARS:,} characters; keep it to a few lines"]
    if spec.expected_output and spec.expected_output != printed:
        return [f"the snippet prints {printed!r}, not the answer given ({spec.expected_output!r})"]
    spec.expected_output = printed
    return []


def _states_expectation(spec: ExerciseSpec, name: str) -> bool:
    """Whether the check named ``name`` judges by a stated value or a predicate, not by the
    reference's observation (which the solution can only fail by giving other results each run)."""
    return any(c.name == name and (c.expect is not None or c.judge) for c in spec.checks)


def _save_exercise(page: Page, position: int, spec: ExerciseSpec, *, verified: bool) -> Exercise:
    exercise = Exercise.objects.filter(course=page.course, key=spec.id).first() or Exercise(
        course=page.course, key=spec.id
    )
    if spec.kind_handler.verified_in_sandbox and verified:
        exercise.verified_hash = spec.code_hash
    elif exercise.verified_hash != spec.code_hash:
        # Imported without verification (--no-verify) after a change: not proven any more.
        exercise.verified_hash = ""
    exercise.page = page
    exercise.position = position
    exercise.kind = spec.kind
    exercise.title = spec.title
    exercise.prompt_markdown = spec.prompt
    exercise.prompt_html = spec.prompt_html
    exercise.points = spec.points
    exercise.multiple = spec.multiple
    exercise.shuffle = spec.shuffle
    exercise.explanation_html = spec.explanation_html
    exercise.starter_code = spec.snippet if spec.kind == "predict_output" else spec.starter
    exercise.solution_code = spec.solution
    if spec.expected_output or exercise.verified_hash != spec.code_hash:
        # Kept when an unchanged snippet's output was computed at an earlier import.
        exercise.expected_output = spec.expected_output
    exercise.checks = [c.as_dict() for c in spec.checks]
    if spec.reference is not None:
        exercise.reference_observations = spec.reference
        exercise.reference_key = spec.reference_key
    exercise.hints = spec.hints
    exercise.hint_cost = spec.hint_cost
    exercise.solution_visible = spec.solution_visible
    exercise.solution_after_attempts = spec.solution_after_attempts
    exercise.save()
    return exercise


def _save_choices(exercise: Exercise, spec: ExerciseSpec) -> list[int]:
    existing = {choice.key: choice for choice in exercise.choices.all()}
    ids = []
    for position, choice_spec in enumerate(spec.choices, start=1):
        choice = existing.pop(choice_spec.key, None) or Choice(exercise=exercise, key=choice_spec.key)
        choice.text_markdown = choice_spec.text
        choice.text_html = choice_spec.text_html
        choice.correct = choice_spec.correct
        choice.feedback_html = choice_spec.feedback_html
        choice.position = position
        choice.save()
        ids.append(choice.pk)
    if existing:
        Choice.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
    return ids
