"""Reads of exercises and attempts. Views and the API call these, never bare .objects.get."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.http import Http404

from courseware.models import Course
from courseware.progress import Contribution
from courseware.selectors import can_author
from exercises.models import Attempt, Choice, Exercise, HintReveal


def get_exercise_for_reader(user: Any, exercise_id: int) -> Exercise:
    """An exercise on a page the caller may read (published, or previewed by its authors); else 404."""
    exercise = Exercise.objects.select_related("page", "course", "page__chapter").filter(pk=exercise_id).first()
    if exercise is None or exercise.page is None:
        raise Http404("No such exercise.")
    if not (exercise.course.published and exercise.page.published) and not can_author(user, exercise.course):
        raise Http404("No such exercise.")
    return exercise


def get_attempt_for_user(user: Any, attempt_id: int) -> Attempt:
    """The caller's own attempt; anybody else's is 404 (not 403: its existence is not theirs to know)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such attempt.")
    attempt = Attempt.objects.select_related("exercise").filter(pk=attempt_id, user=user).first()
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


def choices_for(user: Any, exercise: Exercise) -> list[Choice]:
    """The choices in the order this learner sees them: shuffled, but the same on every visit."""
    choices = list(exercise.choices.all())
    if exercise.shuffle:
        who = getattr(user, "pk", None) or "anonymous"

        def order(choice: Choice) -> str:
            return hashlib.sha256(f"{who}:{exercise.pk}:{choice.key}".encode()).hexdigest()

        choices.sort(key=order)
    return choices


@dataclass
class LearnerState:
    attempts: int = 0
    graded: int = 0
    passed: bool = False
    best_score: float = 0.0
    hints: list[dict[str, Any]] = field(default_factory=list)  # revealed: {index, text, html}
    last: Attempt | None = None

    @property
    def hints_used(self) -> int:
        return len(self.hints)


def learner_state(user: Any, exercise: Exercise, *, with_last: bool = False) -> LearnerState:
    """What the learner has done on ``exercise``: two queries (three with the last attempt)."""
    if not getattr(user, "is_authenticated", False):
        return LearnerState()
    mine = Attempt.objects.filter(user=user, exercise=exercise)
    summary = mine.aggregate(
        attempts=Count("id"),
        graded=Count("id", filter=Q(status=Attempt.Status.GRADED)),
        passed=Count("id", filter=Q(status=Attempt.Status.GRADED, correct=True)),
        best=Max("score", filter=Q(status=Attempt.Status.GRADED)),
    )
    indexes = HintReveal.objects.filter(user=user, exercise=exercise).order_by("index").values_list("index", flat=True)
    hints = [
        {"index": index, "text": exercise.hints[index]["markdown"], "html": exercise.hints[index]["html"]}
        for index in indexes
        if index < len(exercise.hints)
    ]
    return LearnerState(
        attempts=summary["attempts"],
        graded=summary["graded"],
        passed=summary["passed"] > 0,
        best_score=min(summary["best"] or 0.0, exercise.points),
        hints=hints,
        last=mine.order_by("-created_at", "-id").first() if with_last else None,
    )


def solution_access(user: Any, exercise: Exercise, state: LearnerState | None = None) -> tuple[bool, str]:
    """(may the caller see the solution?, why not). The course's authors always may."""
    if not getattr(user, "is_authenticated", False):
        return False, "Log in to see the solution."
    allowed, reason = _solution_rule(user, exercise, state)
    if allowed or can_author(user, exercise.course):
        return True, ""
    return False, reason


def _solution_rule(user: Any, exercise: Exercise, state: LearnerState | None) -> tuple[bool, str]:
    rule = exercise.solution_visible
    if rule == Exercise.SolutionVisibility.ALWAYS:
        return True, ""
    if rule == Exercise.SolutionVisibility.NEVER:
        return False, "The solution of this exercise is not shown."
    state = state or learner_state(user, exercise)
    if state.passed:
        return True, ""
    if rule == Exercise.SolutionVisibility.AFTER_ATTEMPTS:
        needed = exercise.solution_after_attempts or 1
        if state.graded >= needed:
            return True, ""
        return False, f"The solution is shown after {needed} graded attempts; you have made {state.graded}."
    return False, "The solution is shown once you have passed this exercise."


def course_contribution(user: Any, course: Course) -> Contribution:
    """Exercise points for progress: the best score of each exercise that is on a published page."""
    live = Exercise.objects.filter(course=course, page__isnull=False, page__published=True)
    totals = live.aggregate(points=Sum("points"), count=Count("id"))
    if not totals["count"]:
        return Contribution()
    if user is None:  # the course's totals only
        return Contribution(points_total=float(totals["points"] or 0), total=totals["count"])
    best = (
        Attempt.objects.filter(user=user, exercise__in=live, status=Attempt.Status.GRADED)
        .values("exercise_id", "exercise__points")
        .annotate(best=Max("score"), passed=Count("id", filter=Q(correct=True)))
    )
    # An exercise whose points were lowered since can not give more than it is now worth.
    points = sum(min(row["best"] or 0.0, row["exercise__points"]) for row in best)
    passed = sum(1 for row in best if row["passed"])
    return Contribution(points=points, points_total=float(totals["points"] or 0), passed=passed, total=totals["count"])
