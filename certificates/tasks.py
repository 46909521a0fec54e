"""Celery tasks of certificates (queue `default`). Thin: take ids, call a service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError as DatabaseOperationalError

from certificates import services

# Transient: the database or the media storage hiccupped. Anything else is a bug to look at,
# so it is recorded on the row (render_status "failed") and not retried.
TRANSIENT = (DatabaseOperationalError, OSError)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def render_certificate(certificate_id: int) -> None:
    """Render the PDF and PNG; running it again, or twice at once, leaves one set of files."""
    services.render_certificate_files(certificate_id=certificate_id)


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def reconcile_certificates() -> tuple[int, int]:
    """Issue certificates whose completion was missed and re-queue stuck renders."""
    return services.reconcile_certificates()
