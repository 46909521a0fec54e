"""Every write of the reader side: enrolment and reading."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

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
