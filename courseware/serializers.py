from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courseware import directives
from courseware.models import Chapter, Course, CourseProgress, Page


class CourseListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ("slug", "title", "summary", "language", "chapter_count", "page_count", "estimated_minutes")


class PageRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Page
        fields = ("id", "slug", "title", "position", "reading_minutes")


class ChapterSerializer(serializers.ModelSerializer):
    pages = PageRefSerializer(many=True, read_only=True)

    class Meta:
        model = Chapter
        fields = ("slug", "title", "position", "pages")


class CourseDetailSerializer(serializers.ModelSerializer):
    chapters = ChapterSerializer(many=True, read_only=True)

    class Meta:
        model = Course
        fields = (
            "slug", "title", "summary", "language", "chapter_count", "page_count", "estimated_minutes",
            "pass_mark", "chapters",
        )  # fmt: skip


class NeighbourSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    reading_minutes = serializers.IntegerField()


class RunnableRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()


class PageDetailSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    chapter = serializers.SerializerMethodField()
    previous = serializers.SerializerMethodField()
    next = serializers.SerializerMethodField()
    exercises = serializers.SerializerMethodField()
    runnables = serializers.SerializerMethodField()
    explainlab = serializers.SerializerMethodField()

    class Meta:
        model = Page
        fields = (
            "id", "course", "chapter", "slug", "title", "html", "toc", "reading_minutes", "previous", "next",
            "exercises", "runnables", "explainlab",
        )  # fmt: skip

    @extend_schema_field({"type": "object", "properties": {"slug": {"type": "string"}, "title": {"type": "string"}}})
    def get_chapter(self, page: Page) -> dict[str, Any]:
        return {"slug": page.chapter.slug, "title": page.chapter.title}

    def _neighbour(self, page: Page | None) -> dict[str, Any] | None:
        if page is None:
            return None
        return {"id": page.pk, "title": page.title, "reading_minutes": page.reading_minutes}

    @extend_schema_field(NeighbourSerializer(allow_null=True))
    def get_previous(self, page: Page) -> dict[str, Any] | None:
        return self._neighbour(self.context.get("previous"))

    @extend_schema_field(NeighbourSerializer(allow_null=True))
    def get_next(self, page: Page) -> dict[str, Any] | None:
        return self._neighbour(self.context.get("next"))

    def _directive_field(self, page: Page, name: str) -> list[Any]:
        values: list[Any] = []
        for directive in directives.all_directives():
            if directive.api_field == name:
                values.extend(directive.api_value(page))
        return values

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_exercises(self, page: Page) -> list[Any]:
        return self._directive_field(page, "exercises")

    @extend_schema_field(RunnableRefSerializer(many=True))
    def get_runnables(self, page: Page) -> list[Any]:
        return self._directive_field(page, "runnables")

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_explainlab(self, page: Page) -> list[Any]:
        return self._directive_field(page, "explainlab")


class ProgressSerializer(serializers.ModelSerializer):
    completed = serializers.BooleanField(read_only=True)
    score = serializers.FloatField(read_only=True)
    certificate = serializers.SerializerMethodField()

    class Meta:
        model = CourseProgress
        fields = (
            "pages_read", "page_total", "exercises_passed", "exercise_total", "points", "points_total", "percent",
            "score", "completed", "completed_at", "certificate",
        )  # fmt: skip

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_certificate(self, row: CourseProgress) -> str | None:
        return self.context.get("certificate_code")


class ReadResultSerializer(serializers.Serializer):
    progress = ProgressSerializer()


class EnrollmentSerializer(serializers.Serializer):
    course = serializers.CharField()
    enrolled_at = serializers.DateTimeField()
