"""Runs are recoverable work: a run its worker died on is run again (see recovery.services)."""

from __future__ import annotations

from datetime import timedelta

from recovery.registry import Recoverable, register
from runs import services
from runs.models import Run, RunStatus
from runs.sandbox_gateway import TASK_HARD_TIME_LIMIT

RUN = register(
    Recoverable(
        kind="runs.run",
        model=Run,
        task="runs.tasks.execute_run",
        queued=RunStatus.QUEUED,
        running=RunStatus.RUNNING,
        give_up=lambda run_id, message: services.fail_run(run_id, message),
        stale_after=timedelta(seconds=TASK_HARD_TIME_LIMIT + 60),
    )
)
