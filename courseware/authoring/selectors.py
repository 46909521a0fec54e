"""Reads of the authoring area. Every course, chapter and page an author touches comes
through ``get_course_for_author`` so the permission rule lives in one place."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from courseware.models import Chapter, Course, Page


def is_author_user(user: object) -> bool:
    """Who may use the authoring area at all: instructors and staff."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_instructor", False) or getattr(user, "is_staff", False))


def may_author(user: object, course: Course) -> bool:
    """Owner, co-author or staff — and an instructor/staff account (a demoted co-author loses access)."""
    if not is_author_user(user):
        return False
    if getattr(user, "is_staff", False) or course.owner_id == user.pk:  # type: ignore[attr-defined]
        return True
    return course.coauthors.filter(pk=user.pk).exists()  # type: ignore[attr-defined]


def is_owner(user: object, course: Course) -> bool:
    """Owners (and staff) manage the author list; co-authors edit content only."""
    return is_author_user(user) and (getattr(user, "is_staff", False) or course.owner_id == user.pk)  # type: ignore[attr-defined]


def get_course_for_author(user: object, slug: str) -> Course:
    """The course ``slug`` if ``user`` may author it; 404 otherwise, so drafts stay unseen."""
    course = Course.objects.select_related("owner").filter(slug=slug).first()
    if course is None or not may_author(user, course):
        raise Http404("No such course.")
    return course


def get_chapter_in_course(course: Course, chapter_id: int) -> Chapter:
    chapter = Chapter.objects.filter(course=course, pk=chapter_id).first()
    if chapter is None:
        raise Http404("No such chapter.")
    return chapter


def get_page_in_course(course: Course, page_id: int) -> Page:
    page = Page.objects.select_related("chapter").filter(course=course, pk=page_id).first()
    if page is None:
        raise Http404("No such page.")
    page.course = course  # already checked and loaded; saves a query on every use
    return page


def courses_for_author(user: object) -> QuerySet[Course]:
    """Owned and co-authored courses; staff see every course."""
    courses = Course.objects.select_related("owner").order_by("title")
    if getattr(user, "is_staff", False):
        return courses
    return courses.filter(Q(owner=user) | Q(coauthors=user)).distinct()


def author_ids(course: Course) -> list[int]:
    """Owner and co-authors: left out of learner analytics (their previews are not learning)."""
    ids = list(course.coauthors.values_list("pk", flat=True))
    if course.owner_id:
        ids.append(course.owner_id)
    return ids


@dataclass
class AuthorOutline:
    course: Course
    chapters: list[Chapter]  # each with .pages prefetched, drafts included, in order


def author_outline(course: Course) -> AuthorOutline:
    pages = Page.objects.only(
        "id", "slug", "title", "position", "sequence", "published", "chapter_id", "course_id", "reading_minutes",
        "updated_at",
    ).order_by("position")  # fmt: skip
    chapters = list(
        Chapter.objects.filter(course=course).order_by("position").prefetch_related(Prefetch("pages", queryset=pages))
    )
    return AuthorOutline(course=course, chapters=chapters)
