"""Celery tasks of the `sandbox` queue (routed by `exercises.tasks.*`). They take ids and call services."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import Retry, SoftTimeLimitExceeded

from exercises import grading, services
from runs import sandbox_gateway
from runs.sandbox_gateway import TASK_HARD_TIME_LIMIT, TASK_MAX_RETRIES, TASK_SOFT_TIME_LIMIT

logger = logging.getLogger(__name__)

OUTDATED_MESSAGE = "This exercise cannot be graded right now; its authors have been told. Please try again later."


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
    # The checks the observer is built from are the ones the verdict is judged by, even if the
    # course is re-imported meanwhile.
    checks = list(exercise.checks)
    if any("observe" not in check for check in checks):
        logger.error("exercise %s has checks in the old format; import its course again", exercise.pk)
        services.fail_grading(attempt_id=attempt_id, message=OUTDATED_MESSAGE)
        return None
    try:
        reference = services.reference_for(exercise=exercise)
        result = grading.observe_program(attempt.code, checks)
        outcome = grading.judge(result, checks, reference)
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
    except grading.ReferenceProblem as exc:
        # The author's solution no longer runs (imported without verification): not the learner's fault.
        logger.error("exercise %s cannot be graded: %s", exercise.pk, exc)
        services.fail_grading(attempt_id=attempt_id, message=OUTDATED_MESSAGE)
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
    services.record_grading(attempt_id=attempt_id, outcome=outcome, result=result)
    return None
