"""Celery tasks of the `sandbox` queue (routed by `runs.tasks.*`). They take ids and call services."""

from __future__ import annotations

from celery import Task, shared_task
from celery.exceptions import Retry, SoftTimeLimitExceeded

from runs import sandbox_gateway, services
from runs.sandbox_gateway import (
    TASK_HARD_TIME_LIMIT,
    TASK_MAX_RETRIES,
    TASK_SOFT_TIME_LIMIT,
    SandboxRefused,
    SandboxUnavailable,
)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=TASK_SOFT_TIME_LIMIT,
    time_limit=TASK_HARD_TIME_LIMIT,
    max_retries=TASK_MAX_RETRIES,
    ignore_result=True,
)
def execute_run(self: Task, run_id: int) -> Retry | None:
    """Run a queued Run in the sandbox and record the outcome. Safe to deliver twice."""
    run = services.claim_run(run_id)
    if run is None:
        return None  # already final (a duplicate delivery) or deleted
    try:
        result = sandbox_gateway.run_code(run.code)
    except SandboxUnavailable as exc:
        return sandbox_gateway.retry_or_give_up(
            self,
            exc,
            what=f"run {run_id}",
            requeue=lambda: services.requeue_run(run_id),
            give_up=lambda: services.fail_run(run_id, sandbox_gateway.UNAVAILABLE_MESSAGE),
        )
    except SandboxRefused as exc:
        # The server is up but cannot isolate code and was not told to run it anyway: an
        # operator must act, so retrying is pointless.
        services.fail_run(run_id, f"the code runner refuses to run code: {exc}")
        return None
    except SoftTimeLimitExceeded:
        services.fail_run(run_id, "the code runner did not answer in time; please try again")
        return None
    except ValueError as exc:  # the server rejected the request itself (e.g. above its size cap)
        services.fail_run(run_id, f"the code runner rejected this code: {exc}")
        return None
    except Exception:
        # A bug on our side must still end the run, or the learner's page polls forever.
        services.fail_run(run_id, "an internal error stopped this run")
        raise
    services.finish_run(run_id, result)
    return None
