"""Coding attempts are recoverable work: one whose worker died is graded again (see recovery.services)."""

from __future__ import annotations

from datetime import timedelta

from exercises import services
from exercises.models import Attempt
from recovery.registry import Recoverable, register
from runs.sandbox_gateway import TASK_HARD_TIME_LIMIT

ATTEMPT = register(
    Recoverable(
        kind="exercises.attempt",
        model=Attempt,
        task="exercises.tasks.grade_attempt",
        queued=Attempt.Status.QUEUED,
        running=Attempt.Status.RUNNING,
        give_up=lambda attempt_id, message: services.fail_grading(attempt_id=attempt_id, message=message),
        stale_after=timedelta(seconds=TASK_HARD_TIME_LIMIT + 60),
    )
)
