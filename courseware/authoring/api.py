"""Authoring over the API: course bundles in and out (API.md, "Authoring (instructors)").

Callers who are not instructors (or staff) get 404, as in the browser: the area does not
admit it exists. Errors use the one error shape of ``config.api``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import InvalidInput, PayloadTooLarge
from config.errors import invalid as validation_error
from courseware.authoring import selectors, services
from courseware.authoring.bundles import BundleRejected, declared_too_large, export_course, max_upload_bytes
from courseware.importer import ImportFailed


class ImportResultSerializer(serializers.Serializer):
    slug = serializers.CharField()
    pages = serializers.IntegerField()
    exercises = serializers.IntegerField()
    chapters = serializers.IntegerField()
    created = serializers.BooleanField(help_text="False when the bundle updated an existing course in place.")


BUNDLE_REQUEST = {
    "multipart/form-data": {
        "type": "object",
        "properties": {"bundle": {"type": "string", "format": "binary", "description": "the course bundle (zip)"}},
        "required": ["bundle"],
    }
}


def _require_author(request: Request) -> None:
    if not request.user or not request.user.is_authenticated:
        raise exceptions.NotAuthenticated()
    if not selectors.is_author_user(request.user):
        raise exceptions.NotFound()


class BundleImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="authoring_course_import",
        request=BUNDLE_REQUEST,
        responses={
            201: ImportResultSerializer,
            200: ImportResultSerializer,
            400: OpenApiResponse(description="Not a safe zip, or course problems as 'path:line: message'"),
            403: OpenApiResponse(description="The slug belongs to a published course the caller does not author"),
            404: OpenApiResponse(description="Not an instructor, or the slug is another author's unpublished course"),
            413: OpenApiResponse(description="The upload exceeds the size limit"),
        },
    )
    def post(self, request: Request) -> Response:
        _require_author(request)
        limit = max_upload_bytes()
        if declared_too_large(request.META):  # before the body is parsed
            raise PayloadTooLarge(f"The upload is larger than {limit} bytes.")
        upload = request.FILES.get("bundle")
        if upload is None:
            raise validation_error({"bundle": ["Upload a course bundle (a zip) in the field 'bundle'."]})
        if upload.size and upload.size > limit:
            raise PayloadTooLarge(f"The upload is larger than {limit} bytes.")
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge(f"The upload is larger than {limit} bytes.")
        try:
            summary = services.import_bundle(user=request.user, data=data)
        except BundleRejected as exc:
            raise _bundle_error(exc.problems, "The upload is not a course bundle we can open.") from exc
        except ImportFailed as exc:
            raise _bundle_error(
                [str(p) for p in exc.problems], f"{len(exc.problems)} problem(s); nothing was changed."
            ) from exc
        except services.CourseTaken as exc:
            if exc.visible:
                raise exceptions.PermissionDenied(
                    f"The course '{exc.slug}' exists and you are not one of its authors; "
                    "ask its owner to add you, or choose another slug in course.yaml."
                ) from exc
            raise exceptions.NotFound(
                f"No course '{exc.slug}' that you may author; choose another slug in course.yaml."
            ) from exc
        body: dict[str, Any] = {
            "slug": summary.slug,
            "pages": summary.pages,
            "exercises": summary.exercises,
            "chapters": summary.chapters,
            "created": summary.created,
        }
        return Response(body, status=status.HTTP_201_CREATED if summary.created else status.HTTP_200_OK)


def _bundle_error(problems: list[str], message: str) -> InvalidInput:
    return validation_error({"bundle": problems}, message=message)


class BundleExportView(APIView):
    @extend_schema(
        operation_id="authoring_course_export",
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="the course bundle"),
            404: OpenApiResponse(description="No course the caller may author"),
        },
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        _require_author(request)
        course = selectors.get_course_for_author(request.user, slug)
        response = HttpResponse(export_course(course), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{course.slug}.zip"'
        return response
