"""Reads of the reader side. Views and the API call these, never bare .objects.get."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from courseware.models import Chapter, Course, CourseProgress, Page, PageRead

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    # Anyone who may read: anonymous visitors too.
    Reader = User | AnonymousUser


def can_author(user: Reader, course: Course) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff or course.owner_id == user.pk:
        return True
    return course.coauthors.filter(pk=user.pk).exists()


def published_courses() -> QuerySet[Course]:
    return Course.objects.filter(published=True).order_by("title")


def get_course_for_reader(user: Reader, slug: str) -> Course:
    """A published course, or an unpublished one its authors may preview; else 404."""
    course = Course.objects.filter(slug=slug).first()
    if course is None or not (course.published or can_author(user, course)):
        raise Http404("No such course.")
    return course


def get_page_for_reader(user: Reader, page_id: int) -> Page:
    page = Page.objects.select_related("course", "chapter").filter(pk=page_id).first()
    if page is None or not _page_visible(user, page):
        raise Http404("No such page.")
    return page


def get_page_by_slugs(user: Reader, course_slug: str, chapter_slug: str, page_slug: str) -> Page:
    page = (
        Page.objects.select_related("course", "chapter")
        .filter(course__slug=course_slug, chapter__slug=chapter_slug, slug=page_slug)
        .first()
    )
    if page is None or not _page_visible(user, page):
        raise Http404("No such page.")
    return page


def _page_visible(user: Reader, page: Page) -> bool:
    if page.course.published and page.published:
        return True
    return can_author(user, page.course)


@dataclass
class Outline:
    course: Course
    chapters: list[Chapter]
    pages: list[Page]  # in reading order
    read_ids: set[int]
    progress: CourseProgress | None

    def chapter_progress(self, chapter: Chapter) -> tuple[int, int]:
        pages = [p for p in chapter.pages.all()]
        return sum(1 for p in pages if p.pk in self.read_ids), len(pages)


def course_outline(user: Reader, course: Course, *, include_drafts: bool = False) -> Outline:
    page_filter = Q() if include_drafts else Q(published=True)
    pages_qs = (
        Page.objects.filter(page_filter)
        .only("id", "slug", "title", "position", "sequence", "reading_minutes", "chapter_id", "course_id", "published")
        .order_by("position")
    )
    chapters = list(
        Chapter.objects.filter(course=course)
        .order_by("position")
        .prefetch_related(Prefetch("pages", queryset=pages_qs))
    )
    pages = [page for chapter in chapters for page in chapter.pages.all()]
    read_ids: set[int] = set()
    progress = None
    if user.is_authenticated:
        read_ids = set(PageRead.objects.filter(user=user, course=course).values_list("page_id", flat=True))
        progress = CourseProgress.objects.filter(user=user, course=course).first()
    return Outline(course=course, chapters=chapters, pages=pages, read_ids=read_ids, progress=progress)


def neighbours(outline: Outline, page: Page) -> tuple[Page | None, Page | None]:
    ids = [p.pk for p in outline.pages]
    if page.pk not in ids:
        return None, None
    i = ids.index(page.pk)
    return (outline.pages[i - 1] if i > 0 else None, outline.pages[i + 1] if i + 1 < len(ids) else None)


def page_url(page: Page) -> str:
    from django.urls import reverse

    return reverse(
        "courseware:page",
        kwargs={"course_slug": page.course.slug, "chapter_slug": page.chapter.slug, "page_slug": page.slug},
    )


@dataclass(frozen=True)
class CertificateGoal:
    """How far a learner is from a course's certificate, in the course's own terms."""

    pass_percent: int
    points: float
    points_total: float
    points_needed: float  # more points to reach the pass mark (0 when reached)
    pages_left: int  # pages still to read when the course requires all of them
    require_all_pages: bool
    completed: bool


def certificate_goal(course: Course, progress: CourseProgress | None) -> CertificateGoal:
    points = progress.points if progress else 0.0
    points_total = progress.points_total if progress else 0.0
    page_total = progress.page_total if progress else course.page_count
    pages_read = progress.pages_read if progress else 0
    needed = max(0.0, math.ceil((course.pass_mark * points_total - points) * 10 - 1e-6) / 10)
    return CertificateGoal(
        pass_percent=round(course.pass_mark * 100),
        points=points,
        points_total=points_total,
        points_needed=needed,
        pages_left=max(0, page_total - pages_read) if course.require_all_pages else 0,
        require_all_pages=course.require_all_pages,
        completed=bool(progress and progress.completed),
    )


@dataclass(frozen=True)
class MyCourse:
    course: Course
    progress: CourseProgress
    continue_url: str
    continue_title: str
    goal: CertificateGoal


def my_courses(user: Reader) -> list[MyCourse]:
    """The courses ``user`` has started, the most recently opened first, with where to continue."""
    if not user.is_authenticated:
        return []
    rows = (
        CourseProgress.objects.filter(user=user, course__published=True)
        .select_related("course", "last_page__chapter", "last_page__course")
        .order_by(F("last_opened_at").desc(nulls_last=True), "-updated_at")
    )
    result = []
    for row in rows:
        page = row.last_page
        if page is not None and page.published:
            url, title = page_url(page), page.title
        else:
            url, title = reverse("courseware:course", args=[row.course.slug]), row.course.title
        result.append(MyCourse(row.course, row, url, title, certificate_goal(row.course, row)))
    return result
