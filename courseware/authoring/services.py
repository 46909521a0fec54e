"""Every write of the authoring area: keyword-only, typed, transactional.

Pages are written through ``importer.save_page`` — the same code an import uses — so a page
edited in the browser syncs its directive rows (exercises, runnable examples) and stores its
HTML exactly as an imported one. Rows keep their ids across edits: a learner's reads and
attempts stay attached to the page and exercise they were made on.

Expensive checks (the sandbox) run before the write transaction opens, so a slow run never
holds database locks.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.text import slugify

from config.errors import InvalidInput
from courseware import importer, search
from courseware.authoring import selectors
from courseware.authoring.bundles import read_bundle
from courseware.authoring.exercise_blocks import append_exercise, replace_exercise
from courseware.authoring.validation import EditorProblem, PageCheck, PageDraft, check_page
from courseware.importer import SLUG_RE, ImportSummary
from courseware.models import Chapter, Course, Page
from courseware.progress import schedule_course_refresh

MAX_POSITION = 999  # file names carry at most three digits (01-…, 999-…)
LANGUAGE_HELP = "a language tag such as 'en' or 'de-CH'"


class AuthoringError(InvalidInput):
    """Invalid input, naming the field(s) it concerns."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__(fields=fields)


class CourseTaken(Exception):
    """A bundle's slug belongs to a course the caller may not author. ``visible``: the caller
    can see that course (it is published), so saying so reveals nothing."""

    def __init__(self, slug: str, *, visible: bool) -> None:
        self.slug = slug
        self.visible = visible
        super().__init__(slug)


# --- helpers --------------------------------------------------------------------------------------


def _clean_slug(value: str, *, fallback: str, field: str) -> str:
    slug = (value or "").strip() or slugify(fallback)[:80].strip("-")
    if not slug or not SLUG_RE.match(slug) or len(slug) > 80:
        raise AuthoringError({field: ["Use lowercase letters, digits and single hyphens (e.g. 'shapley-values')."]})
    return slug


def _clean_title(value: str, *, field: str = "title") -> str:
    title = " ".join((value or "").split())
    if not title:
        raise AuthoringError({field: ["A title is required."]})
    if len(title) > 200:
        raise AuthoringError({field: ["At most 200 characters."]})
    return title


def _clean_language(value: str) -> str:
    language = (value or "en").strip()
    if not re.match(r"^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$", language) or len(language) > 20:
        raise AuthoringError({"language": [f"Use {LANGUAGE_HELP}."]})
    return language


def resequence(course: Course) -> None:
    """Positions 1..n in every chapter and course, and the reading order (sequence) across
    chapters; then the denormalised counts. Called after any structural change."""
    chapters = list(Chapter.objects.filter(course=course).order_by("position", "pk"))
    pages = list(Page.objects.filter(course=course).order_by("position", "pk"))
    by_chapter: dict[int, list[Page]] = {}
    for page in pages:
        by_chapter.setdefault(page.chapter_id, []).append(page)
    changed_chapters, changed_pages = [], []
    sequence = 0
    for chapter_position, chapter in enumerate(chapters, start=1):
        if chapter.position != chapter_position:
            chapter.position = chapter_position
            changed_chapters.append(chapter)
        for page_position, page in enumerate(by_chapter.get(chapter.pk, []), start=1):
            sequence += 1
            if page.position != page_position or page.sequence != sequence:
                page.position, page.sequence = page_position, sequence
                changed_pages.append(page)
    if changed_chapters:
        Chapter.objects.bulk_update(changed_chapters, ["position"])
    if changed_pages:
        Page.objects.bulk_update(changed_pages, ["position", "sequence"])
    importer.refresh_course_counts(course)


# --- courses --------------------------------------------------------------------------------------


@transaction.atomic
def create_course(*, owner: Any, title: str, slug: str = "", summary: str = "", language: str = "en") -> Course:
    """A new, unpublished course owned by ``owner``."""
    title = _clean_title(title)
    slug = _clean_slug(slug, fallback=title, field="slug")
    language = _clean_language(language)
    if Course.objects.filter(slug=slug).exists():
        raise AuthoringError({"slug": ["This slug is taken; choose another."]})
    return Course.objects.create(
        slug=slug, title=title, summary=summary.strip(), language=language, owner=owner, published=False
    )


@transaction.atomic
def update_course(
    *, course: Course, title: str, summary: str, language: str, pass_mark: float, require_all_pages: bool
) -> Course:
    if not 0 <= pass_mark <= 1:
        raise AuthoringError({"pass_mark": ["A share from 0 to 1 (0.8 = 80 % of the exercise points)."]})
    course.title = _clean_title(title)
    course.summary = summary.strip()
    course.language = _clean_language(language)
    course.pass_mark = float(pass_mark)
    course.require_all_pages = require_all_pages
    course.save(update_fields=["title", "summary", "language", "pass_mark", "require_all_pages", "updated_at"])
    search.refresh_course(course)  # the language picks the stemming
    schedule_course_refresh(course)  # a lower pass mark can complete learners
    return course


@transaction.atomic
def set_course_published(*, course: Course, published: bool) -> Course:
    if published and not Page.objects.filter(course=course, published=True).exists():
        raise AuthoringError({"published": ["Add (and publish) at least one page before publishing the course."]})
    course.published = published
    course.save(update_fields=["published", "updated_at"])
    return course


# --- chapters -------------------------------------------------------------------------------------


def _next_position(queryset: Any) -> int:
    position = (queryset.aggregate(top=Max("position"))["top"] or 0) + 1
    if position > MAX_POSITION:
        raise AuthoringError({"title": [f"At most {MAX_POSITION} entries here."]})
    return position


@transaction.atomic
def add_chapter(*, course: Course, title: str, slug: str = "", summary: str = "") -> Chapter:
    title = _clean_title(title)
    slug = _clean_slug(slug, fallback=title, field="slug")
    if Chapter.objects.filter(course=course, slug=slug).exists():
        raise AuthoringError({"slug": [f"The course already has a chapter '{slug}'."]})
    chapter = Chapter.objects.create(
        course=course,
        slug=slug,
        title=title,
        summary=summary.strip(),
        position=_next_position(Chapter.objects.filter(course=course)),
    )
    resequence(course)
    return chapter


@transaction.atomic
def update_chapter(*, chapter: Chapter, title: str, slug: str, summary: str) -> Chapter:
    title = _clean_title(title)
    slug = _clean_slug(slug, fallback=title, field="slug")
    if Chapter.objects.filter(course_id=chapter.course_id, slug=slug).exclude(pk=chapter.pk).exists():
        raise AuthoringError({"slug": [f"The course already has a chapter '{slug}'."]})
    chapter.title, chapter.slug, chapter.summary = title, slug, summary.strip()
    chapter.save(update_fields=["title", "slug", "summary"])
    return chapter


def _move_among(siblings: QuerySet[Any], item: Any, direction: Literal[-1, 1]) -> bool:
    """Swap ``item`` with its neighbour among ``siblings`` and number them 1..n again.

    Returns False when it is already first or last (nothing changes)."""
    items = list(siblings.select_for_update().order_by("position", "pk"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = index + direction
    if not 0 <= target < len(items):
        return False
    items[index], items[target] = items[target], items[index]
    for position, sibling in enumerate(items, start=1):
        sibling.position = position
    siblings.model.objects.bulk_update(items, ["position"])
    return True


@transaction.atomic
def move_chapter(*, chapter: Chapter, direction: Literal[-1, 1]) -> None:
    if _move_among(Chapter.objects.filter(course_id=chapter.course_id), chapter, direction):
        resequence(chapter.course)


@transaction.atomic
def delete_chapter(*, chapter: Chapter) -> None:
    """Deletes the chapter and its pages (learners' reads of them go too; exercise attempts
    stay, detached, as for an exercise removed from a page)."""
    course = chapter.course
    chapter.delete()
    resequence(course)
    if not Page.objects.filter(course=course, published=True).exists() and course.published:
        course.published = False
        course.save(update_fields=["published", "updated_at"])


# --- pages ----------------------------------------------------------------------------------------


@transaction.atomic
def add_page(*, chapter: Chapter, title: str, slug: str = "") -> Page:
    """An empty page at the end of ``chapter``. In a published course it starts as a draft, so
    learners never see a page before it has content; in a draft course it goes live with it."""
    course = chapter.course
    title = _clean_title(title)
    slug = _clean_slug(slug, fallback=title, field="slug")
    if Page.objects.filter(chapter=chapter, slug=slug).exists():
        raise AuthoringError({"slug": [f"The chapter already has a page '{slug}'."]})
    position = _next_position(Page.objects.filter(chapter=chapter))
    page = importer.save_page(
        course=course,
        chapter=chapter,
        slug=slug,
        title=title,
        position=position,
        sequence=0,
        published=not course.published,
        body="",
        blocks=[],
    )
    resequence(course)
    page.refresh_from_db()
    return page


def page_version(page: Page) -> str:
    """What the editor sends back so a save can tell that someone else saved in between."""
    return page.updated_at.isoformat() if page.updated_at else ""


def save_page_source(
    *,
    page: Page,
    title: str,
    slug: str,
    published: bool,
    markdown: str,
    expected_version: str | None = None,
    verify: bool = True,
) -> PageCheck:
    """Check the page as an import would (parse, then the directives' expensive checks), and
    only when nothing is wrong, write it. Returns the check; nothing is saved unless ``ok``."""
    course = page.course
    markdown = markdown.replace("\r\n", "\n")
    problems: list[EditorProblem] = []
    try:
        title = _clean_title(title)
        slug = _clean_slug(slug, fallback=title, field="slug")
    except AuthoringError as exc:
        return PageCheck(problems=[EditorProblem(None, f"{name}: {msgs[0]}") for name, msgs in exc.fields.items()])
    if Page.objects.filter(chapter_id=page.chapter_id, slug=slug).exclude(pk=page.pk).exists():
        problems.append(EditorProblem(None, f"slug: the chapter already has a page '{slug}'"))
    if expected_version and expected_version != page_version(page):
        problems.append(
            EditorProblem(
                None,
                "Someone saved this page after you opened it. Copy your text, reload the page and merge your changes.",
            )
        )
    if problems:
        return PageCheck(problems=problems)
    draft = PageDraft(
        course=course,
        chapter=page.chapter,
        slug=slug,
        position=page.position,
        title=title,
        published=published,
        body=markdown,
    )
    check = check_page(draft, verify=verify, course_wide=True, page=page)
    if not check.ok:
        return check
    assert check.source is not None
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        if expected_version and expected_version != page_version(locked):
            return PageCheck(problems=[EditorProblem(None, "Someone saved this page a moment ago; reload and merge.")])
        if locked.slug != slug:
            # Renamed in place: save_page finds the row by its new slug, keeping its id.
            locked.slug = slug
            locked.save(update_fields=["slug", "updated_at"])
        importer.save_page(
            course=course,
            chapter=page.chapter,
            slug=slug,
            title=title,
            position=locked.position,
            sequence=locked.sequence,
            published=published,
            body=markdown,
            blocks=check.source.blocks,
        )
        importer.refresh_course_counts(course)
        search.refresh_course(course)
    page.refresh_from_db()
    page.course = course
    return check


def save_exercise(
    *, page: Page, index: int | None, data: dict[str, Any], expected_version: str | None = None
) -> PageCheck:
    """Write an exercise block into the page (replacing block ``index``, or appended) and save
    the page through the same checks as any edit."""
    try:
        if index is None:
            markdown = append_exercise(page.markdown, data)
        else:
            markdown = replace_exercise(page.markdown, index, data)
    except IndexError:
        return PageCheck(problems=[EditorProblem(None, "That exercise is no longer on the page; reload.")])
    return save_page_source(
        page=page,
        title=page.title,
        slug=page.slug,
        published=page.published,
        markdown=markdown,
        expected_version=expected_version,
    )


@transaction.atomic
def move_page(*, page: Page, direction: Literal[-1, 1]) -> None:
    if _move_among(Page.objects.filter(chapter_id=page.chapter_id), page, direction):
        resequence(page.course)


@transaction.atomic
def delete_page(*, page: Page) -> None:
    """Deletes the page and learners' reads of it; exercise rows are detached by their foreign
    key (SET_NULL), so attempts stay, as for an exercise removed from a page's text."""
    course = page.course
    page.delete()
    resequence(course)
    if course.published and not Page.objects.filter(course=course, published=True).exists():
        course.published = False
        course.save(update_fields=["published", "updated_at"])


# --- co-authors -----------------------------------------------------------------------------------


@transaction.atomic
def add_coauthor(*, course: Course, actor: Any, username: str) -> Any:
    """Owners (and staff) add co-authors; a co-author must be an instructor."""
    if not selectors.is_owner(actor, course):
        raise PermissionDenied("Only the course's owner adds co-authors.")
    user = get_user_model().objects.filter(username__iexact=(username or "").strip()).first()
    if user is None:
        raise AuthoringError({"username": ["No user with that username."]})
    if not selectors.is_author_user(user):
        raise AuthoringError(
            {"username": [f"{user.username} is not an instructor; an administrator can make them one."]}
        )
    if user.pk == course.owner_id:
        raise AuthoringError({"username": [f"{user.username} owns this course."]})
    course.coauthors.add(user)
    return user


@transaction.atomic
def remove_coauthor(*, course: Course, actor: Any, user: Any) -> None:
    """The owner (or staff) removes any co-author; a co-author may only remove themselves."""
    if not (selectors.is_owner(actor, course) or actor.pk == user.pk):
        raise PermissionDenied("Only the course's owner removes other co-authors.")
    course.coauthors.remove(user)


# --- bundles --------------------------------------------------------------------------------------


def import_bundle(*, user: Any, data: bytes, verify: bool = True) -> ImportSummary:
    """Read, check, verify and write a bundle. Raises ``BundleRejected`` (not a safe zip),
    ``ImportFailed`` (course problems, by file and line) or ``CourseTaken``."""
    files = read_bundle(data)
    source = importer.parse_course(files)
    _ensure_may_import(user, source.slug)  # before the expensive part
    if verify:
        from django.conf import settings

        if getattr(settings, "IMPORT_VERIFY", True):
            importer.verify_course(source)
    with transaction.atomic():
        _ensure_may_import(user, source.slug, lock=True)
        summary = importer.write_course(source, owner=user)
    return summary


def _ensure_may_import(user: Any, slug: str, *, lock: bool = False) -> None:
    queryset = Course.objects.select_for_update() if lock else Course.objects
    existing = queryset.filter(slug=slug).first()
    if existing is not None and not selectors.may_author(user, existing):
        raise CourseTaken(slug, visible=existing.published)
