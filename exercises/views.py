"""The exercise widget's htmx fragments: the learner's panel, answering, hints, the solution.

The widget in the stored page HTML is the same for everyone; everything per learner comes
from here. htmx swaps only 2xx answers, so problems come back as a fragment with a message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from config.errors import DomainError
from courseware import selectors as course_selectors
from courseware.models import CourseProgress
from exercises import selectors, services
from exercises.models import Attempt, Exercise
from exercises.throttling import AttemptsRateThrottle, AttemptsScope


def _login_url(exercise: Exercise) -> str:
    assert exercise.page is not None
    next_url = course_selectors.page_url(exercise.page) + f"#ex-{exercise.pk}"
    return f"{reverse('login')}?{urlencode({'next': next_url})}"


def _next_page_url(user: Any, exercise: Exercise) -> tuple[str, str]:
    """(url, label) of where a learner goes after getting it right."""
    assert exercise.page is not None
    outline = course_selectors.course_outline(user, exercise.course)
    _, following = course_selectors.neighbours(outline, exercise.page)
    if following is not None:
        return course_selectors.page_url(following), "next page"
    return reverse("courseware:course", kwargs={"course_slug": exercise.course.slug}), "back to the course"


def _panel(
    request: HttpRequest,
    exercise: Exercise,
    *,
    result: Attempt | None = None,
    message: str = "",
    status: int = 200,
    update_progress: bool = False,
) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"exercise": exercise, "ex": f"ex-{exercise.pk}", "message": message}
    if not user.is_authenticated:
        context["login_url"] = _login_url(exercise)
        return render(request, "exercises/_panel.html", context, status=status)
    # A coding exercise shows its latest attempt on every visit; an answer to a question only
    # right after answering (the form starts blank again).
    state = selectors.learner_state(user, exercise, with_last=exercise.kind_handler.queued and result is None)
    result = result or state.last
    allowed, reason = selectors.solution_access(user, exercise, state)
    context.update(
        state=state,
        result=result,
        hints=_hints_context(exercise, state),
        solution_allowed=allowed,
        solution_reason=reason if exercise.solution_visible != Exercise.SolutionVisibility.NEVER else "",
        best=f"{state.best_score:g}",
        points=f"{exercise.points:g}",
    )
    if result is not None:
        context["result_ctx"] = _result_context(user, exercise, result)
        if result.status == Attempt.Status.GRADED and update_progress:
            # The page's progress bar moves with the grade (htmx out-of-band swap).
            context["progress_oob"] = CourseProgress.objects.filter(user=user, course=exercise.course).first()
    return render(request, "exercises/_panel.html", context, status=status)


def _hints_context(exercise: Exercise, state: selectors.LearnerState) -> dict[str, Any]:
    total = len(exercise.hints)
    return {
        "total": total,
        "revealed": state.hints,
        "remaining": total - len(state.hints),
        "cost": f"{exercise.hint_cost:g}" if exercise.hint_cost else "",
        "ex": f"ex-{exercise.pk}",
        "exercise": exercise,
    }


def _result_context(user: Any, exercise: Exercise, attempt: Attempt) -> dict[str, Any]:
    ctx: dict[str, Any] = {"attempt": attempt, "pending": not attempt.is_final}
    if attempt.status == Attempt.Status.GRADED and attempt.correct:
        ctx["next_url"], ctx["next_label"] = _next_page_url(user, exercise)
    if exercise.kind_handler.answer_field == "choices":
        texts = {c.pk: c.text_html for c in exercise.choices.all()}
        ctx["feedback"] = [
            {"choice_html": texts.get(item.get("choice")), "message": item.get("message", "")}
            for item in attempt.feedback
        ]
    else:
        ctx["messages"] = [item.get("message", "") for item in attempt.feedback if item.get("message")]
    ctx["score"] = f"{attempt.score:g}"
    ctx["points"] = f"{exercise.points:g}"
    ctx["verdict_right"] = exercise.kind_handler.verdict_right
    ctx["verdict_wrong"] = exercise.kind_handler.verdict_wrong
    ctx["partial"] = attempt.status == Attempt.Status.GRADED and not attempt.correct and attempt.score > 0
    ctx["deducted"] = attempt.correct and attempt.score < exercise.points
    return ctx


@require_GET
def panel(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """GET: the learner's state under the widget, loaded by htmx with the page."""
    exercise = selectors.get_exercise_for_reader(request.user, exercise_id)
    return _panel(request, exercise)


@require_POST
def submit(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """POST choices (or code): grade, then show the verdict (or the grading panel)."""
    exercise = selectors.get_exercise_for_reader(request.user, exercise_id)
    if not request.user.is_authenticated:
        return _panel(request, exercise, message="Log in to check your answer.")
    throttle = AttemptsRateThrottle()
    if not throttle.allow_request(request, AttemptsScope()):  # type: ignore[arg-type]
        wait = int(throttle.wait() or 1)
        response = _panel(request, exercise, message=f"You are answering very quickly; try again in {wait} s.")
        response["Retry-After"] = str(wait)
        return response
    kind = exercise.kind_handler
    if kind.read_answer(request.POST) is None:
        return _panel(
            request,
            exercise,
            message="Choose an answer first." if kind.answer_field == "choices" else "Type your answer first.",
        )
    try:
        attempt = services.submit_attempt(user=request.user, exercise=exercise, data=request.POST)
    except DomainError as exc:
        return _panel(request, exercise, message=exc.text)
    attempt.refresh_from_db()  # eager grading (tests, embedded runs) may have finished it already
    return _panel(request, exercise, result=attempt, update_progress=True)


@require_GET
def attempt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """GET: the panel with one of the caller's attempts; polled by htmx while it is graded."""
    found = selectors.get_attempt_for_user(request.user, attempt_id)
    exercise = selectors.get_exercise_for_reader(request.user, found.exercise_id)
    return _panel(request, exercise, result=found, update_progress=True)


@require_POST
def hint(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """POST: reveal the next hint; answers with the hints block only."""
    exercise = selectors.get_exercise_for_reader(request.user, exercise_id)
    if not request.user.is_authenticated:
        return _panel(request, exercise, message="Log in to see hints.")
    try:
        services.reveal_hint(user=request.user, exercise=exercise)
    except DomainError as exc:
        return render(request, "exercises/_message.html", {"message": exc.text})
    state = selectors.learner_state(request.user, exercise)
    return render(request, "exercises/_hints.html", {"hints": _hints_context(exercise, state)})


@require_GET
def solution(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """GET: the reference solution, when the exercise allows it for this learner."""
    exercise = selectors.get_exercise_for_reader(request.user, exercise_id)
    allowed, reason = selectors.solution_access(request.user, exercise)
    context = {"exercise": exercise, "ex": f"ex-{exercise.pk}", "allowed": allowed, "reason": reason}
    if allowed:
        context.update(exercise.kind_handler.solution_context(exercise))
    # 200 even when refused: htmx shows the reason in place of the button.
    return render(request, "exercises/_solution.html", context)
