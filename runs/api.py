"""POST /api/v1/runs/ and GET /api/v1/runs/{id}/ (API.md, "Running code")."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from runs import selectors, services
from runs.serializers import RunAcceptedSerializer, RunRequestSerializer, RunSerializer
from runs.throttling import RunsRateThrottle


class RunCreateView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_scope = "runs"
    throttle_classes = [RunsRateThrottle]

    @extend_schema(
        request=RunRequestSerializer,
        responses={
            202: RunAcceptedSerializer,
            400: OpenApiResponse(description="`code` is not a non-empty string, or `page` is not an id."),
            401: OpenApiResponse(description="Log in to run code."),
            404: OpenApiResponse(description="No such page (or one the caller may not read)."),
            409: OpenApiResponse(description="The caller already has 2 runs queued or running."),
            413: OpenApiResponse(description="`code` is larger than 64 KB."),
            429: OpenApiResponse(description="Too many runs; see Retry-After."),
        },
        description="Queue code for the sandbox. Poll `url` until `status` is final.",
    )
    def post(self, request: Request) -> Response:
        data = request.data if hasattr(request.data, "get") else {}
        run = services.request_run(
            user=request.user, code=data.get("code"), page=data.get("page"), runnable=data.get("runnable")
        )
        url = request.build_absolute_uri(reverse("api-run-detail", args=[run.pk]))
        return Response({"id": run.pk, "status": run.status, "url": url}, status=status.HTTP_202_ACCEPTED)


class RunFileView(APIView):
    """A figure of the caller's own run, behind the run's unguessable folder name.

    Session or Bearer token, like the API; anyone else (or a wrong folder) gets 404.
    """

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(exclude=True)
    def get(self, request: Request, run_id: int, key: str, filename: str) -> FileResponse:
        _, name = selectors.get_run_file(request.user, run_id, key, filename)
        try:
            handle = services.private_storage().open(name, "rb")
        except FileNotFoundError as exc:
            raise Http404("No such file.") from exc
        response = FileResponse(handle, content_type="image/png")
        response["Cache-Control"] = "private, max-age=3600"
        return response


class RunDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: RunSerializer, 401: OpenApiResponse(description="Log in."), 404: OpenApiResponse()},
        description="The caller's own run; anyone else's is 404.",
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = selectors.get_run_for_user(request.user, run_id)
        return Response(RunSerializer(run, context={"request": request}).data)
