"""The one place the Django side reaches the sandbox server.

Learner code is only ever sent over the server's socket; nothing here executes it. Tests
(and the pytest plugin that starts a server) point GLASSBOOK_SANDBOX_SOCKET elsewhere after
settings were loaded, so the path is read at call time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from celery import Task
from celery.exceptions import Reject, Retry
from django.conf import settings

from sandbox.client import Limits, RunResult, SandboxRefused, SandboxUnavailable, ping, run

__all__ = [
    "EXAMPLE_LIMITS",
    "RUN_LIMITS",
    "UNAVAILABLE_MESSAGE",
    "RunResult",
    "SandboxRefused",
    "SandboxUnavailable",
    "check",
    "client_timeout",
    "retry_countdown",
    "retry_or_give_up",
    "run_code",
    "socket_path",
]

logger = logging.getLogger(__name__)

# What docs/content-format.md promises authors and readers: 5 s CPU, 10 s wall, 1 GiB.
RUN_LIMITS = Limits(cpu_seconds=5.0, wall_seconds=10.0)
EXAMPLE_LIMITS = RUN_LIMITS
UNAVAILABLE_MESSAGE = "the code runner is unavailable; please try again in a minute"
# On top of the wall limit: forking, collecting figures and a short wait for a free slot.
# Kept below the task's soft time limit so a stuck server surfaces as SandboxUnavailable.
CLIENT_SLACK_SECONDS = 15.0


def socket_path() -> str:
    return os.environ.get("GLASSBOOK_SANDBOX_SOCKET") or settings.SANDBOX_SOCKET


def client_timeout(limits: Limits = RUN_LIMITS) -> float:
    return limits.wall_seconds + CLIENT_SLACK_SECONDS


def run_code(code: str, *, limits: Limits = RUN_LIMITS, harness: str | None = None) -> RunResult:
    """Run ``code`` (then ``harness``, if any) in a fresh sandbox child.

    Raises SandboxUnavailable / SandboxRefused."""
    from config.observability import current_request_id

    return run(
        code,
        limits=limits,
        harness=harness,
        socket_path=socket_path(),
        timeout=client_timeout(limits),
        request_id=current_request_id(),
    )


# The tasks of the `sandbox` queue (runs and graded attempts) share one timing and retry policy:
# time limits a few seconds above what the client waits, so the client's own timeout
# (SandboxUnavailable) normally fires first and the row gets a message.
TASK_SOFT_TIME_LIMIT = int(client_timeout()) + 10
TASK_HARD_TIME_LIMIT = TASK_SOFT_TIME_LIMIT + 10
TASK_MAX_RETRIES = 4


def retry_countdown(retries: int) -> int:
    """1, 2, 4, 8 s: a restarting sandbox server is back in seconds, not minutes."""
    return min(2**retries, 8)


def retry_or_give_up(
    task: Task, exc: SandboxUnavailable, *, what: str, requeue: Callable[[], object], give_up: Callable[[], object]
) -> Retry | None:
    """The sandbox did not answer ``task`` (working on ``what``): put the row back with
    ``requeue`` and retry with back-off; once the retries are spent, or the retry cannot even
    be queued, ``give_up`` ends the row so no learner's page polls forever."""
    retries = task.request.retries
    if retries < TASK_MAX_RETRIES:
        logger.warning("sandbox unavailable for %s (try %s): %s", what, retries + 1, exc)
        requeue()
        try:
            # throw=False: eager mode (tests, the embedded site's e2e runs) only re-runs a
            # retry that is returned; a raised Retry escapes when eager errors propagate.
            return task.retry(exc=exc, countdown=retry_countdown(retries), throw=False)
        except Reject:
            give_up()
            raise
    logger.error("sandbox unavailable for %s, giving up: %s", what, exc)
    give_up()
    return None


def check() -> dict[str, object]:
    """Ping the server; raises SandboxUnavailable. A refusing server answers with mode=refusing."""
    return ping(socket_path=socket_path(), timeout=5.0)
