"""Lab jobs are recoverable work: one whose worker died is computed again (see recovery.services)."""

from __future__ import annotations

from datetime import timedelta

from explainlab import services
from explainlab.models import Job
from explainlab.tasks import JOB_TIME_LIMIT
from recovery.registry import Recoverable, register

JOB = register(
    Recoverable(
        kind="explainlab.job",
        model=Job,
        task="explainlab.tasks.run_job",
        queued=Job.Status.QUEUED,
        running=Job.Status.RUNNING,
        give_up=lambda job_id, message: services.fail_job(job_id, message),
        stale_after=timedelta(seconds=JOB_TIME_LIMIT + 60),
        requeue_fields={"stage": "requeued"},
    )
)
