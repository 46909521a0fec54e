from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from courseware import certificate_hooks, selectors, services
from courseware.models import Chapter, Page
from courseware.progress import recompute_progress
from courseware.serializers import (
    CourseDetailSerializer,
    CourseListSerializer,
    EnrollmentSerializer,
    PageDetailSerializer,
    ProgressSerializer,
    ReadResultSerializer,
)


class CourseListView(generics.ListAPIView):
    serializer_class = CourseListSerializer

    def get_queryset(self):  # type: ignore[override]
        return selectors.published_courses()


class CourseDetailView(APIView):
    @extend_schema(responses=CourseDetailSerializer)
    def get(self, request: Request, slug: str) -> Response:
        course = selectors.get_course_for_reader(request.user, slug)
        pages = Page.objects.filter(published=True).order_by("position")
        chapters = (
            Chapter.objects.filter(course=course)
            .order_by("position")
            .prefetch_related(Prefetch("pages", queryset=pages))
        )
        course._prefetched_objects_cache = {"chapters": chapters}  # type: ignore[attr-defined]
        return Response(CourseDetailSerializer(course).data)


class PageDetailView(APIView):
    @extend_schema(responses=PageDetailSerializer)
    def get(self, request: Request, page_id: int) -> Response:
        page = selectors.get_page_for_reader(request.user, page_id)
        outline = selectors.course_outline(request.user, page.course)
        previous, following = selectors.neighbours(outline, page)
        data = PageDetailSerializer(page, context={"previous": previous, "next": following, "request": request}).data
        return Response(data)


def _progress_payload(user: Any, row: Any) -> dict[str, Any]:
    code = certificate_hooks.certificate_code(user=user, course=row.course, completed=row.completed_at is not None)
    return ProgressSerializer(row, context={"certificate_code": code}).data


class PageReadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=ReadResultSerializer)
    def post(self, request: Request, page_id: int) -> Response:
        page = selectors.get_page_for_reader(request.user, page_id)
        row = services.mark_page_read(user=request.user, page=page)
        return Response({"progress": _progress_payload(request.user, row)})


class EnrollView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: EnrollmentSerializer, 201: EnrollmentSerializer})
    def post(self, request: Request, slug: str) -> Response:
        course = selectors.get_course_for_reader(request.user, slug)
        enrollment, created = services.enroll(user=request.user, course=course)
        return Response(
            {"course": course.slug, "enrolled_at": enrollment.enrolled_at},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ProgressView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ProgressSerializer)
    def get(self, request: Request, slug: str) -> Response:
        course = selectors.get_course_for_reader(request.user, slug)
        row = recompute_progress(user=request.user, course=course)
        return Response(_progress_payload(request.user, row))
