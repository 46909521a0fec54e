"""Every write of the exercises app: attempts, grading results, hint reveals.

Each public function is keyword-only and transactional; bad input raises the API's
exceptions (400 naming the field, 409, 413), before anything is stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.api import Conflict, PayloadTooLarge, validation_error
from courseware.progress import recompute_progress
from courseware.services import enroll
from exercises import grading
from exercises.models import Attempt, Exercise, HintReveal

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "The grader is unavailable right now; please submit again in a minute."


def _score(exercise: Exercise, *, correct: bool, hints_used: int, fraction: float | None = None) -> float:
    """The points earned: all of them when correct, a share for partial credit, less hint costs."""
    share = 1.0 if correct else (fraction or 0.0)
    if share <= 0:
        return 0.0
    return round(max(0.0, exercise.points * share - exercise.hint_cost * hints_used), 6)


def _hints_used(user: Any, exercise: Exercise) -> int:
    # Reveals of hints a re-import has since removed cost nothing.
    return HintReveal.objects.filter(user=user, exercise=exercise, index__lt=len(exercise.hints)).count()


# --- answering, whatever the kind -------------------------------------------------------------------
def submit_attempt(*, user: Any, exercise: Exercise, data: Any) -> Attempt:
    """Answer ``exercise`` with the request body ``data`` (a JSON object or a form post).

    Kinds graded at once (exercises/kinds/) come back graded; coding comes back queued."""
    kind = exercise.kind_handler
    answer = kind.read_answer(data)
    if kind.queued:
        return submit_code_attempt(user=user, exercise=exercise, code=answer)
    if answer is None:
        raise validation_error({kind.answer_field: f"Send your answer as '{kind.answer_field}'."})
    return submit_answer(user=user, exercise=exercise, answer=answer)


@transaction.atomic
def submit_answer(*, user: Any, exercise: Exercise, answer: Any) -> Attempt:
    """Grade an answer at once (every kind but coding) and record it."""
    kind = exercise.kind_handler
    if kind.queued:
        raise validation_error({"code": "This is a coding exercise: submit code."})
    graded = kind.grade(exercise, answer)
    hints_used = _hints_used(user, exercise)
    attempt = Attempt.objects.create(
        user=user,
        exercise=exercise,
        choice_ids=graded.choice_ids,
        code=graded.answer_text,
        status=Attempt.Status.GRADED,
        correct=graded.correct,
        score=_score(exercise, correct=graded.correct, hints_used=hints_used, fraction=graded.fraction),
        hints_used=hints_used,
        feedback=graded.feedback,
        graded_at=timezone.now(),
    )
    enroll(user=user, course=exercise.course)
    recompute_progress(user=user, course=exercise.course)
    return attempt


# --- coding ------------------------------------------------------------------------------------------
@transaction.atomic
def submit_code_attempt(*, user: Any, exercise: Exercise, code: Any) -> Attempt:
    """Queue code for grading; the ``sandbox`` queue grades it after this transaction commits."""
    if not exercise.kind_handler.queued:
        field = exercise.kind_handler.answer_field
        raise validation_error({field: f"This exercise is answered with '{field}', not code."})
    if not isinstance(code, str):
        raise validation_error({"code": "Submit your code as text."})
    if len(code.encode("utf-8")) > settings.CODE_MAX_BYTES:
        raise PayloadTooLarge(f"Code is limited to {settings.CODE_MAX_BYTES // 1024} KB.")
    if not code.strip():
        raise validation_error({"code": "Write some code before submitting."})
    if "\x00" in code:
        raise validation_error({"code": "The code contains a NUL character."})
    attempt = Attempt.objects.create(
        user=user,
        exercise=exercise,
        code=code,
        status=Attempt.Status.QUEUED,
        hints_used=_hints_used(user, exercise),
    )
    enroll(user=user, course=exercise.course)
    attempt_id = attempt.pk
    transaction.on_commit(lambda: _enqueue(attempt_id))
    return attempt


def _enqueue(attempt_id: int) -> None:
    from exercises.tasks import grade_attempt

    try:
        grade_attempt.delay(attempt_id)
    except Exception:
        # The broker is down: say so on the attempt instead of leaving it queued forever.
        logger.exception("could not queue attempt %s for grading", attempt_id)
        fail_grading(attempt_id=attempt_id, message=UNAVAILABLE_MESSAGE)


def claim_attempt(*, attempt_id: int) -> Attempt | None:
    """Mark a queued attempt running; None when it is already final or gone (a duplicate delivery).

    A ``running`` attempt is claimed again: its worker died mid-run and the task was redelivered.
    """
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",)).select_related("exercise").filter(pk=attempt_id).first()
        )
        if attempt is None or attempt.is_final:
            return None
        attempt.status = Attempt.Status.RUNNING
        attempt.save(update_fields=["status"])
    return attempt


def requeue_attempt(*, attempt_id: int) -> None:
    Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.RUNNING).update(status=Attempt.Status.QUEUED)


@transaction.atomic
def record_grading(*, attempt_id: int, outcome: grading.Outcome, result: grading.RunResult) -> Attempt | None:
    """Store the verdict judged outside the learner's process, with what their run printed."""
    # Lock the attempt only: attempts at the same exercise are graded side by side.
    attempt = (
        Attempt.objects.select_for_update(of=("self",)).select_related("exercise__course").filter(pk=attempt_id).first()
    )
    if attempt is None or attempt.is_final:
        return None
    exercise = attempt.exercise
    attempt.status = outcome.status
    attempt.correct = outcome.correct
    attempt.checks = outcome.checks
    attempt.feedback = [{"choice": None, "message": outcome.message}] if outcome.message else []
    attempt.score = _score(exercise, correct=outcome.correct, hints_used=attempt.hints_used)
    attempt.stdout = grading.clip_stream(result.stdout)
    attempt.stderr = grading.clip_stream(result.stderr)
    attempt.error = grading.clip_stream(result.error) if result.status == "failed" else ""
    attempt.duration_ms = max(0, int(result.duration_ms or 0))
    attempt.graded_at = timezone.now()
    attempt.save()
    if result.harness_error:
        # The observer itself broke (or the learner's code broke it): worth an operator's look.
        logger.warning("observer error grading attempt %s: %s", attempt_id, result.harness_error[-2000:])
    if outcome.status == Attempt.Status.GRADED:
        recompute_progress(user=attempt.user, course=exercise.course)
    return attempt


def reference_for(*, exercise: Exercise) -> list[Any]:
    """The reference observations of ``exercise``'s current solution and checks, computed in a
    sandbox child that runs only the solution when the cached ones are missing or stale.

    Raises grading.ReferenceProblem, SandboxUnavailable, SandboxRefused."""
    key = grading.reference_key(exercise.solution_code, exercise.checks)
    if exercise.reference_key == key and isinstance(exercise.reference_observations, list):
        return exercise.reference_observations
    observations = grading.compute_reference(exercise.solution_code, exercise.checks)
    store_reference(exercise_id=exercise.pk, key=key, observations=observations)
    return observations


def store_reference(*, exercise_id: int, key: str, observations: list[Any]) -> None:
    """Cache reference observations; a row whose solution changed meanwhile keeps its own."""
    Exercise.objects.filter(pk=exercise_id).update(reference_observations=observations, reference_key=key)


@transaction.atomic
def fail_grading(*, attempt_id: int, message: str) -> Attempt | None:
    """End an attempt that could not be graded (sandbox down, refused, timed out)."""
    attempt = Attempt.objects.select_for_update().filter(pk=attempt_id).first()
    if attempt is None or attempt.is_final:
        return None
    attempt.status = Attempt.Status.ERROR
    attempt.correct = False
    attempt.score = 0.0
    attempt.feedback = [{"choice": None, "message": message}]
    attempt.graded_at = timezone.now()
    attempt.save()
    return attempt


# --- hints -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hint:
    index: int
    text: str
    html: str
    remaining: int
    cost: float


def reveal_hint(*, user: Any, exercise: Exercise) -> Hint:
    """Reveal the next hint. Once all are revealed, the last one comes back again (nothing more is
    revealed or charged) so a repeated request is harmless; an exercise without hints is a 409."""
    total = len(exercise.hints)
    if total == 0:
        raise Conflict("This exercise has no hints.")
    with transaction.atomic():
        # Lock the learner's reveals of this exercise so two quick clicks reveal one hint each.
        revealed = list(
            HintReveal.objects.select_for_update()
            .filter(user=user, exercise=exercise)
            .order_by("index")
            .values_list("index", flat=True)
        )
        index = next((i for i in range(total) if i not in revealed), None)
        if index is None:
            index = total - 1
        else:
            try:
                with transaction.atomic():
                    HintReveal.objects.create(user=user, exercise=exercise, index=index)
            except IntegrityError:
                pass  # the same reveal arrived twice at once
            revealed.append(index)
    hint = exercise.hints[index]
    remaining = sum(1 for i in range(total) if i not in revealed)
    return Hint(index=index, text=hint["markdown"], html=hint["html"], remaining=remaining, cost=exercise.hint_cost)
