"""Every write of the lab: requesting, running and pruning jobs."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.errors import invalid as validation_error
from explainlab import storage
from explainlab.engine.spec import Spec, SpecError, validate_spec
from explainlab.models import Job

log = logging.getLogger(__name__)
PROGRESS_WRITE_INTERVAL = 0.15  # seconds between progress writes: enough for a smooth bar


def parse_spec(raw: Any) -> Spec:
    """Validate a spec from a request; a 400 naming each bad field otherwise."""
    if not isinstance(raw, dict):
        raise validation_error(
            {"non_field_errors": ["Send a JSON object with dataset, model, params and explanation."]}
        )
    try:
        return validate_spec(raw)
    except SpecError as exc:
        raise validation_error(exc.errors) from exc


def request_job(*, user: Any, spec: Spec) -> tuple[Job, bool]:
    """Return (job, reused). A finished or in-flight job with the same spec is shared."""
    spec_hash = spec.hash()
    with transaction.atomic():
        existing = (
            Job.objects.select_for_update()
            .filter(spec_hash=spec_hash, status__in=[Job.Status.SUCCEEDED, Job.Status.QUEUED, Job.Status.RUNNING])
            .order_by("-status")  # succeeded sorts after running/queued: prefer the finished one
            .first()
        )
        if existing is not None:
            if existing.status == Job.Status.SUCCEEDED:
                Job.objects.filter(pk=existing.pk).update(last_used_at=timezone.now())
                return existing, True
            return existing, False
        job = Job.objects.create(
            spec=spec.canonical(),
            spec_hash=spec_hash,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job, False


def _enqueue(job_id: int) -> None:
    from explainlab.tasks import run_job

    run_job.delay(job_id)


def run_job(*, job_id: int, worker: str = "") -> Job | None:
    """Compute a job (in a worker). Idempotent: a finished job is left alone."""
    from explainlab.engine.run import run_spec

    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_final:
            return job
        job.status, job.started_at, job.attempts = Job.Status.RUNNING, timezone.now(), job.attempts + 1
        job.progress, job.stage, job.error, job.worker = 0, "starting", "", worker
        job.save(update_fields=["status", "started_at", "attempts", "progress", "stage", "error", "worker"])

    last_write = [0.0]

    def report(percent: int, stage: str) -> None:
        now = time.monotonic()
        if percent < 100 and now - last_write[0] < PROGRESS_WRITE_INTERVAL:
            return
        last_write[0] = now
        Job.objects.filter(pk=job_id).update(progress=min(99, max(0, int(percent))), stage=stage[:40])

    try:
        result = run_spec(job.spec, progress=report)
    except SpecError as exc:
        # The catalog changed since the job was queued: the spec is no longer valid.
        return _fail(job_id, f"The spec is no longer valid: {exc}")
    except Exception as exc:
        log.exception("explainlab job %s failed", job_id)
        return _fail(job_id, f"The explanation could not be computed ({type(exc).__name__}: {exc})"[:1000])
    entries = storage.save_artifacts(job.spec_hash, result.artifacts)
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.SUCCEEDED,
        progress=100,
        stage="done",
        metrics=result.metrics,
        data=result.data,
        artifacts=entries,
        timings=result.timings,
        finished_at=timezone.now(),
    )
    return Job.objects.get(pk=job_id)


def _fail(job_id: int, message: str) -> Job:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.FAILED, stage="failed", error=message, finished_at=timezone.now()
    )
    return Job.objects.get(pk=job_id)


def compute_now(spec: Spec) -> Job:
    """Compute a spec in this process (course import), reusing a finished job when there is one."""
    job, _ = request_job_without_queue(spec=spec)
    if not job.is_final:
        job = run_job(job_id=job.pk) or job
    return job


def request_job_without_queue(*, spec: Spec) -> tuple[Job, bool]:
    spec_hash = spec.hash()
    done = Job.objects.filter(spec_hash=spec_hash, status=Job.Status.SUCCEEDED).first()
    if done is not None:
        return done, True
    return Job.objects.create(spec=spec.canonical(), spec_hash=spec_hash), False


MAX_ATTEMPTS = 3
STALE_AFTER = timedelta(minutes=10)


def requeue_orphaned_jobs(*, worker: str | None = None) -> list[int]:
    """Send back to the queue the jobs a dead worker left `running`.

    Called when a worker starts (with its own name: whatever its previous incarnation was
    running died with it) and periodically without a name (jobs silent for too long).
    A job that keeps killing its worker fails after MAX_ATTEMPTS instead of looping.
    """
    running = Job.objects.filter(status=Job.Status.RUNNING)
    running = running.filter(worker=worker) if worker else running.filter(started_at__lt=timezone.now() - STALE_AFTER)
    requeued = []
    for job in running:
        if job.attempts >= MAX_ATTEMPTS:
            _fail(job.pk, "The job stopped its worker several times and was given up.")
            continue
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(status=Job.Status.QUEUED, stage="requeued")
        transaction.on_commit(partial(_enqueue, job.pk))
        requeued.append(job.pk)
    return requeued


def prune_artifacts(*, older_than: timedelta | None = None) -> int:
    """Delete unpinned jobs (and their files) nobody has used for a while."""
    age = older_than or timedelta(days=getattr(settings, "EXPLAINLAB_KEEP_DAYS", 7))
    cutoff = timezone.now() - age
    stale = Job.objects.filter(pinned=False, last_used_at__lt=cutoff, embeds__isnull=True)
    count = 0
    for job in stale.iterator():
        storage.delete_artifacts(job.artifacts)
        job.delete()
        count += 1
    requeue_orphaned_jobs()
    return count
