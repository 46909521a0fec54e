from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from courseware import search, selectors, services
from courseware.models import Page
from courseware.page_cache import anonymous_page_cache

if TYPE_CHECKING:
    from accounts.models import User


def _page_link(course_slug: str, page: Page) -> str:
    return reverse(
        "courseware:page",
        kwargs={"course_slug": course_slug, "chapter_slug": page.chapter.slug, "page_slug": page.slug},
    )


@anonymous_page_cache
def catalogue(request: HttpRequest) -> HttpResponse:
    courses = list(selectors.published_courses())
    mine = selectors.my_courses(request.user)
    return render(request, "courseware/catalogue.html", {"courses": courses, "my_courses": mine})


@anonymous_page_cache
def course_overview(request: HttpRequest, course_slug: str) -> HttpResponse:
    course = selectors.get_course_for_reader(request.user, course_slug)
    outline = selectors.course_outline(request.user, course)
    chapters = []
    for chapter in outline.chapters:
        read, total = outline.chapter_progress(chapter)
        pages = [
            {"page": p, "url": _page_link(course.slug, p), "read": p.pk in outline.read_ids}
            for p in chapter.pages.all()
        ]
        chapters.append({"chapter": chapter, "pages": pages, "read": read, "total": total})
    first_unread = next((p for p in outline.pages if p.pk not in outline.read_ids), None)
    start = first_unread or (outline.pages[0] if outline.pages else None)
    last_id = outline.progress.last_page_id if outline.progress else None
    last_opened = next((p for p in outline.pages if p.pk == last_id), None)
    start = last_opened or start
    return render(
        request,
        "courseware/course.html",
        {
            "course": course,
            "chapters": chapters,
            "progress": outline.progress,
            "start_url": _page_link(course.slug, start) if start else None,
            "resuming": last_opened is not None or (bool(outline.read_ids) and first_unread is not None),
            "goal": selectors.certificate_goal(course, outline.progress) if request.user.is_authenticated else None,
        },
    )


@anonymous_page_cache
def page_view(request: HttpRequest, course_slug: str, chapter_slug: str, page_slug: str) -> HttpResponse:
    page = selectors.get_page_by_slugs(request.user, course_slug, chapter_slug, page_slug)
    if request.user.is_authenticated:
        services.note_page_opened(user=cast("User", request.user), page=page)
    outline = selectors.course_outline(request.user, page.course)
    context = reader_page_context(page, outline, link=lambda p: _page_link(course_slug, p))
    return render(request, "courseware/page.html", context)


def reader_page_context(page: Page, outline: selectors.Outline, *, link: Callable[[Page], str]) -> dict[str, Any]:
    """What ``courseware/page.html`` shows around ``page``: the table of contents, neighbours
    and progress. ``link`` gives each page's address (the authoring preview links its own)."""
    previous, following = selectors.neighbours(outline, page)
    toc = [
        {
            "chapter": chapter,
            "current": chapter.pk == page.chapter_id,
            "pages": [
                {"page": p, "url": link(p), "read": p.pk in outline.read_ids, "current": p.pk == page.pk}
                for p in chapter.pages.all()
            ],
        }
        for chapter in outline.chapters
    ]
    position = outline.pages.index(page) + 1 if page in outline.pages else 0
    return {
        "course": page.course,
        "page": page,
        "toc": toc,
        "previous": previous,
        "previous_url": link(previous) if previous else None,
        "next": following,
        "next_url": link(following) if following else None,
        "progress": outline.progress,
        "position": position,
        "page_total": len(outline.pages),
        "is_read": page.pk in outline.read_ids,
    }


@require_POST
@login_required
def mark_read(request: HttpRequest, page_id: int) -> HttpResponse:
    """Mark a page read; used by the end-of-page sentinel (htmx) and the Next button."""
    user = cast("User", request.user)  # login_required
    page = selectors.get_page_for_reader(user, page_id)
    progress = services.mark_page_read(user=user, page=page)
    next_url = request.POST.get("next", "")
    if request.headers.get("HX-Request"):
        return render(request, "courseware/_progress.html", {"progress": progress, "course": page.course, "oob": True})
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        return redirect(next_url)
    return redirect(_page_link(page.course.slug, page))


def search_view(request: HttpRequest, course_slug: str) -> HttpResponse:
    course = selectors.get_course_for_reader(request.user, course_slug)
    query = request.GET.get("q", "")
    hits = search.search_course(course, query)
    links = [{"hit": hit, "url": _page_link(course.slug, hit.page)} for hit in hits]
    return render(request, "courseware/search.html", {"course": course, "query": query, "results": links})
