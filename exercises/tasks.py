"""Celery tasks of the `sandbox` queue (routed by `exercises.tasks.*`). They take ids and call services."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import Retry, SoftTimeLimitExceeded

from exercises import grading, services
from runs import sandbox_gateway
from runs.sandbox_gateway import TASK_HARD_TIME_LIMIT, TASK_MAX_RETRIES, TASK_SOFT_TIME_LIMIT

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=TASK_SOFT_TIME_LIMIT,
    time_limit=TASK_HARD_TIME_LIMIT,
    max_retries=TASK_MAX_RETRIES,
    ignore_result=True,
)
def grade_attempt(self: Task, attempt_id: int) -> Retry | None:
    """Grade a queued coding attempt in the sandbox. Safe to deliver twice."""
    attempt = services.claim_attempt(attempt_id=attempt_id)
    if attempt is None:
        return None  # already final (a duplicate delivery) or deleted
    exercise = attempt.exercise
    # The checks the harness is built from are the ones the output is read against, even if
    # the course is re-imported meanwhile.
    checks = list(exercise.checks)
    try:
        result = grading.run_against_checks(attempt.code, checks=checks, solution=exercise.solution_code)
    except grading.SandboxUnavailable as exc:
        # Returned, not dropped: in eager mode the retry runs only when the task returns it.
        return sandbox_gateway.retry_or_give_up(
            self,
            exc,
            what=f"attempt {attempt_id}",
            requeue=lambda: services.requeue_attempt(attempt_id=attempt_id),
            give_up=lambda: services.fail_grading(attempt_id=attempt_id, message=services.UNAVAILABLE_MESSAGE),
        )
    except grading.SandboxRefused as exc:
        # Isolation is unavailable and the operator did not allow running without it: retrying
        # cannot help until someone acts.
        logger.error("sandbox refuses to grade attempt %s: %s", attempt_id, exc)
        services.fail_grading(attempt_id=attempt_id, message="Code cannot be graded on this server right now.")
        return None
    except SoftTimeLimitExceeded:
        services.fail_grading(attempt_id=attempt_id, message="Grading took too long; please submit again.")
        return None
    except ValueError as exc:  # the server rejected the request itself (e.g. above its size cap)
        services.fail_grading(attempt_id=attempt_id, message=f"The grader rejected this code: {exc}")
        return None
    except Exception:
        # A bug on our side must still end the attempt, or the learner's page polls forever.
        services.fail_grading(attempt_id=attempt_id, message="An internal error stopped grading; please submit again.")
        raise
    services.record_grading(attempt_id=attempt_id, checks=checks, result=result)
    return None
