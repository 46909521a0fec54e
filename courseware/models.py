from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q


class Course(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    language = models.CharField(max_length=20, default="en")
    published = models.BooleanField(default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_courses"
    )
    coauthors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="coauthored_courses")
    # Completion rule (course.yaml `completion`): every page read and this share of points.
    pass_mark = models.FloatField(default=0.8)
    require_all_pages = models.BooleanField(default=True)
    # Denormalised counts, refreshed on import/edit, so the catalogue is one query.
    chapter_count = models.PositiveIntegerField(default=0)
    page_count = models.PositiveIntegerField(default=0)
    estimated_minutes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Chapter(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="chapters")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["course", "position"]
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="chapter_slug_unique_in_course")]

    def __str__(self) -> str:
        return self.title


class Page(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="pages")
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="pages")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(help_text="Position within the chapter.")
    # Position within the whole course: previous/next and progress follow it.
    sequence = models.PositiveIntegerField(default=0)
    published = models.BooleanField(default=True)
    markdown = models.TextField(help_text="The page body as written (without front matter).")
    html = models.TextField(help_text="Sanitized HTML rendered from the Markdown when saved.")
    toc = models.JSONField(default=list, blank=True)
    search_text = models.TextField(blank=True)
    search_vector = SearchVectorField(null=True, blank=True)
    word_count = models.PositiveIntegerField(default=0)
    reading_minutes = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course", "sequence"]
        constraints = [models.UniqueConstraint(fields=["chapter", "slug"], name="page_slug_unique_in_chapter")]
        indexes = [
            models.Index(fields=["course", "sequence"], name="page_course_sequence"),
            GinIndex(fields=["search_vector"], name="page_search_vector"),
        ]

    def __str__(self) -> str:
        return self.title


class Enrollment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="one_enrollment_per_course")]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"


class PageRead(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="page_reads")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="reads")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="page_reads")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="one_read_per_page")]
        indexes = [models.Index(fields=["user", "course"], name="pageread_user_course")]

    def __str__(self) -> str:
        return f"{self.user} read {self.page}"


class CourseProgress(models.Model):
    """The learner's standing in a course, recomputed by one service on every read/grade."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_progress")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="progress_rows")
    pages_read = models.PositiveIntegerField(default=0)
    page_total = models.PositiveIntegerField(default=0)
    exercises_passed = models.PositiveIntegerField(default=0)
    exercise_total = models.PositiveIntegerField(default=0)
    points = models.FloatField(default=0)
    points_total = models.FloatField(default=0)
    percent = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Where "Continue" takes the learner: the page they last opened, read or not.
    last_page = models.ForeignKey(Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="one_progress_per_course"),
            models.CheckConstraint(condition=Q(percent__lte=100), name="progress_percent_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}: {self.percent}%"

    @property
    def completed(self) -> bool:
        return self.completed_at is not None

    @property
    def score(self) -> float:
        """Share of exercise points earned (1.0 for a course without exercises)."""
        return self.points / self.points_total if self.points_total else 1.0
