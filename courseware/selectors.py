"""Reads of the reader side. Views and the API call these, never bare .objects.get."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

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
