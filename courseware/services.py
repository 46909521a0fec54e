"""Every write of the reader side: enrolment and reading."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from courseware.models import Course, CourseProgress, Enrollment, Page, PageRead
from courseware.progress import recompute_progress

if TYPE_CHECKING:
    from accounts.models import User


def enroll(*, user: User, course: Course) -> tuple[Enrollment, bool]:
    """Enrol ``user``; returns (enrollment, created). Safe under concurrent requests."""
    try:
        with transaction.atomic():
            return Enrollment.objects.get_or_create(user=user, course=course)
    except IntegrityError:
        return Enrollment.objects.get(user=user, course=course), False


def mark_page_read(*, user: User, page: Page) -> CourseProgress:
    """Record that ``user`` reached the end of ``page`` (idempotent) and update progress."""
    enroll(user=user, course=page.course)
    try:
        with transaction.atomic():
            PageRead.objects.get_or_create(user=user, page=page, defaults={"course_id": page.course_id})
    except IntegrityError:
        pass  # the same read arrived twice at once
    return recompute_progress(user=user, course=page.course)


def note_page_opened(*, user: User, page: Page) -> None:
    """Remember ``page`` as where ``user`` is in its course, for the home page's Continue.

    One UPDATE on the learner's progress row; the first page opened in a course creates the
    row (with the course's totals) and enrols the learner.
    """
    now = timezone.now()
    updated = CourseProgress.objects.filter(user=user, course_id=page.course_id).update(
        last_page=page, last_opened_at=now
    )
    if not updated:
        enroll(user=user, course=page.course)
        recompute_progress(user=user, course=page.course)
        CourseProgress.objects.filter(user=user, course_id=page.course_id).update(last_page=page, last_opened_at=now)
