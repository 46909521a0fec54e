"""Celery tasks of courseware (queue `default`). Thin: take ids, call a service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from courseware import progress
from courseware.models import Course


@shared_task(
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    max_retries=5,
)
def refresh_course_progress_task(course_id: int) -> int:
    """Bring learners' stored progress up to date after the course changed; running it twice is harmless."""
    course = Course.objects.filter(pk=course_id).first()
    if course is None:  # deleted since
        return 0
    return progress.refresh_course_progress(course)
