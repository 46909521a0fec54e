"""The exercises API (API.md, "Exercises"): thin views over selectors and services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from config.api import PayloadTooLarge
from exercises import selectors, services
from exercises.models import Exercise
from exercises.serializers import (
    AttemptQueuedSerializer,
    AttemptRequestSerializer,
    AttemptSerializer,
    ExerciseSerializer,
    HintSerializer,
    SolutionSerializer,
    attempt_url,
)
from exercises.throttling import AttemptsRateThrottle

# JSON escaping can make code several times longer on the wire; anything beyond this cannot be
# code within the limit, so it is refused before the body is read.
MAX_BODY_BYTES = 8 * settings.CODE_MAX_BYTES


def exercise_payload(request: Request, exercise: Exercise) -> dict[str, Any]:
    user = request.user
    context: dict[str, Any] = {"choices": selectors.choices_for(user, exercise), "request": request}
    if user.is_authenticated:
        state = selectors.learner_state(user, exercise)
        context["state"] = state
        context["solution_available"] = selectors.solution_access(user, exercise, state)[0]
    return ExerciseSerializer(exercise, context=context).data


class ExerciseDetailView(APIView):
    @extend_schema(responses=ExerciseSerializer, summary="An exercise as the learner sees it before answering")
    def get(self, request: Request, exercise_id: int) -> Response:
        exercise = selectors.get_exercise_for_reader(request.user, exercise_id)
        return Response(exercise_payload(request, exercise))


def _content_length(request: Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # the parser will say what is wrong with the body


class AttemptCreateView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, AttemptsRateThrottle]
    throttle_scope = "attempts"

    @extend_schema(
        request=AttemptRequestSerializer,
        responses={
            201: OpenApiResponse(AttemptSerializer, description="Multiple choice: graded at once."),
            202: OpenApiResponse(AttemptQueuedSerializer, description="Coding: queued; poll `url`."),
        },
        summary="Answer an exercise",
    )
    def post(self, request: Request, exercise_id: int) -> Response:
        if _content_length(request) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"Code is limited to {settings.CODE_MAX_BYTES // 1024} KB.")
        exercise = selectors.get_exercise_for_reader(request.user, exercise_id)
        attempt = services.submit_attempt(user=request.user, exercise=exercise, data=request.data)
        if exercise.kind_handler.queued:
            body = {"id": attempt.pk, "status": attempt.status, "url": attempt_url(request, attempt)}
            return Response(body, status=status.HTTP_202_ACCEPTED)
        return Response(AttemptSerializer(attempt, context={"request": request}).data, status=status.HTTP_201_CREATED)


class AttemptDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=AttemptSerializer, summary="One of the caller's attempts")
    def get(self, request: Request, attempt_id: int) -> Response:
        attempt = selectors.get_attempt_for_user(request.user, attempt_id)
        return Response(AttemptSerializer(attempt, context={"request": request}).data)


class HintView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: HintSerializer, 409: OpenApiResponse(description="The exercise has no hints.")},
        summary="Reveal the next hint",
    )
    def post(self, request: Request, exercise_id: int) -> Response:
        exercise = selectors.get_exercise_for_reader(request.user, exercise_id)
        hint = services.reveal_hint(user=request.user, exercise=exercise)
        return Response(HintSerializer(hint).data)


class SolutionView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: SolutionSerializer, 403: OpenApiResponse(description="Not available to the caller yet.")},
        summary="The reference solution, when the exercise allows it",
    )
    def get(self, request: Request, exercise_id: int) -> Response:
        exercise = selectors.get_exercise_for_reader(request.user, exercise_id)
        allowed, reason = selectors.solution_access(request.user, exercise)
        if not allowed:
            raise PermissionDenied(reason)
        body = {
            "exercise": exercise.pk,
            "kind": exercise.kind,
            "solution_code": "",
            "correct_choices": [],
            "expected_output": "",
            "explanation_html": exercise.explanation_html,
            **exercise.kind_handler.solution_payload(exercise),
        }
        return Response(SolutionSerializer(body).data)
