"""The learner's progress in a course: one service recomputes it after every read or grade.

Exercises (and anything else that earns points) contribute through ``register_contributor``
so this module needs no knowledge of them. When the course rule is newly met,
``course_completed`` is sent after the transaction commits (certificates listen to it).

When the course itself changes (a page deleted or unpublished, exercises added or removed, a
new completion rule), ``schedule_course_refresh`` has a worker bring the stored progress of
the learners it can affect up to date, so someone whose last unread page was removed is
complete (and gets their certificate) without having to read anything again.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone
from kombu.exceptions import KombuError

from courseware.models import Course, CourseProgress, PageRead

logger = logging.getLogger(__name__)

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


#: Called with a learner and a course; called with ``None`` for the learner, it must still give
#: the course's ``points_total`` (what every learner's points are out of).
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


def course_totals(course: Course) -> tuple[int, float]:
    """What every learner's progress in ``course`` is out of now: published pages, points."""
    page_total = course.pages.filter(published=True).count()
    points_total = sum(contributor(None, course).points_total for contributor in _contributors)
    return page_total, points_total


def refresh_course_progress(course: Course, *, chunk_size: int = 500) -> int:
    """Recompute the stored progress that a change of ``course`` itself can have made stale.

    Those are the rows counted out of other totals than the course's current ones, and the
    not-yet-complete rows whose stored numbers meet the (possibly new) rule. The rest stay
    as they are, so an edit that changes neither is two queries however many learners there
    are. Returns how many rows were recomputed.
    """
    page_total, points_total = course_totals(course)
    other_totals = ~Q(page_total=page_total) | ~Q(points_total=points_total)
    meets_rule = Q(completed_at__isnull=True, page_total__gt=0)
    if course.require_all_pages:
        meets_rule &= Q(pages_read__gte=F("page_total"))
    meets_rule &= Q(points_total=0) | Q(points__gte=F("points_total") * (course.pass_mark - 1e-9))
    user_ids = list(
        CourseProgress.objects.filter(course=course).filter(other_totals | meets_rule).values_list("user_id", flat=True)
    )
    users = get_user_model().objects
    for start in range(0, len(user_ids), chunk_size):
        for user in users.filter(pk__in=user_ids[start : start + chunk_size]):
            recompute_progress(user=user, course=course)
    return len(user_ids)


def schedule_course_refresh(course: Course) -> None:
    """After this transaction commits, have a worker run ``refresh_course_progress``."""
    course_id = course.pk

    def enqueue() -> None:
        from courseware.tasks import refresh_course_progress_task

        try:
            refresh_course_progress_task.delay(course_id)
        except (KombuError, OSError):
            # The broker is down: nothing is lost, each learner's next read recomputes theirs.
            logger.exception("Could not queue the progress refresh of course %s", course_id)

    transaction.on_commit(enqueue)
