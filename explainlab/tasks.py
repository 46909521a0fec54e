from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from explainlab import services

JOB_TIME_LIMIT = 150


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=JOB_TIME_LIMIT,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def run_job(self, job_id: int) -> None:  # type: ignore[no-untyped-def]
    """Compute one lab job. Idempotent: a finished job is skipped, a half-run one redone."""
    services.run_job(job_id=job_id, worker=self.request.hostname or "")


@shared_task(acks_late=True, time_limit=600)
def prune_artifacts() -> int:
    return services.prune_artifacts()
