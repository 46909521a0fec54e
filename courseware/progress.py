"""The learner's progress in a course: one service recomputes it after every read or grade.

Exercises (and anything else that earns points) contribute through ``register_contributor``
so this module needs no knowledge of them. When the course rule is newly met,
``course_completed`` is sent after the transaction commits (certificates listen to it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from courseware.models import Course, CourseProgress, PageRead

#: Sent with ``user`` and ``course`` once, when a learner first meets the completion rule.
course_completed = Signal()

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class Contribution:
    points: float = 0.0
    points_total: float = 0.0
    passed: int = 0
    total: int = 0


Contributor = Callable[[object, Course], Contribution]
_contributors: list[Contributor] = []


def register_contributor(contributor: Contributor) -> None:
    if contributor not in _contributors:
        _contributors.append(contributor)


def recompute_progress(*, user: User, course: Course) -> CourseProgress:
    """Recompute and store ``user``'s progress in ``course``; fire completion once."""
    with transaction.atomic():
        row, _ = CourseProgress.objects.select_for_update().get_or_create(user=user, course=course)
        page_total = course.pages.filter(published=True).count()
        pages_read = PageRead.objects.filter(user=user, course=course, page__published=True).count()
        points = points_total = 0.0
        passed = total = 0
        for contributor in _contributors:
            part = contributor(user, course)
            points += part.points
            points_total += part.points_total
            passed += part.passed
            total += part.total
        row.page_total, row.pages_read = page_total, pages_read
        row.points, row.points_total = points, points_total
        row.exercises_passed, row.exercise_total = passed, total
        row.percent = _percent(pages_read, page_total, points, points_total)
        just_completed = row.completed_at is None and _meets_rule(course, row)
        if just_completed:
            row.completed_at = timezone.now()
        row.save()
        if just_completed:
            transaction.on_commit(lambda: course_completed.send(sender=Course, user=user, course=course))
    return row


def _percent(pages_read: int, page_total: int, points: float, points_total: float) -> int:
    """Reading and exercises weigh equally; a course without exercises is all reading."""
    parts = []
    if page_total:
        parts.append(pages_read / page_total)
    if points_total:
        parts.append(points / points_total)
    if not parts:
        return 0
    return min(100, math.floor(100 * sum(parts) / len(parts)))


def _meets_rule(course: Course, row: CourseProgress) -> bool:
    if row.page_total == 0:
        return False
    if course.require_all_pages and row.pages_read < row.page_total:
        return False
    # A course without exercises is complete on reading alone.
    return not row.points_total or row.points / row.points_total + 1e-9 >= course.pass_mark
