"""Courses as files: read a course folder (or bundle), check all of it, then write it.

`docs/content-format.md` is the format. Reading never touches the database; every problem
is collected as `path:line: message` and nothing is written unless there are none.
Writing is idempotent: courses, chapters and pages are matched by slug and updated in
place, so learners' progress and attempts survive a re-import.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from courseware import directives as directive_registry
from courseware.directives import DirectiveBlock, DirectiveError, ParseContext
from courseware.markdown import (
    FrontMatterError,
    find_directives,
    render_markdown,
    split_front_matter,
    validate_admonitions,
)
from courseware.models import Chapter, Course, Page
from courseware.progress import schedule_course_refresh

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CHAPTER_DIR_RE = re.compile(r"^(\d{1,3})-([a-z0-9]+(?:-[a-z0-9]+)*)$")
PAGE_FILE_RE = re.compile(r"^(\d{1,3})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
COURSE_KEYS = {"slug", "title", "summary", "language", "published", "completion"}
COMPLETION_KEYS = {"pages_read", "pass_mark"}
CHAPTER_KEYS = {"title", "summary"}
PAGE_KEYS = {"title", "summary", "published"}
IGNORED_NAMES = {"README.md", ".DS_Store"}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.path, p.line))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class PageSource:
    path: str
    slug: str
    position: int
    title: str
    published: bool
    body: str
    blocks: list[DirectiveBlock] = field(default_factory=list)  # document order


@dataclass
class ChapterSource:
    path: str
    slug: str
    position: int
    title: str
    summary: str
    pages: list[PageSource] = field(default_factory=list)


@dataclass
class CourseSource:
    slug: str
    title: str
    summary: str
    language: str
    published: bool
    pass_mark: float
    require_all_pages: bool
    chapters: list[ChapterSource] = field(default_factory=list)

    def pages(self) -> list[PageSource]:
        return [page for chapter in self.chapters for page in chapter.pages]

    def blocks(self) -> list[DirectiveBlock]:
        return [block for page in self.pages() for block in page.blocks]


@dataclass
class ImportSummary:
    slug: str
    created: bool
    chapters: int
    pages: int
    exercises: int
    course_id: int


def _noop(stage: str, done: int, total: int) -> None:
    pass


# --- reading ------------------------------------------------------------------------------


def files_from_directory(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` keyed by its relative POSIX path."""
    root = Path(root)
    if not root.is_dir():
        raise ImportFailed([Problem(str(root), 1, "no such course folder")])
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts):
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def _key_lines(text: str) -> dict[str, int]:
    """Line (1-based) of each top-level key of a YAML mapping, for precise messages."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = key_node.start_mark.line + 1
    return lines


def _load_yaml(path: str, raw: bytes, problems: list[Problem]) -> tuple[dict[str, Any], dict[str, int]] | None:
    text = _decode(path, raw, problems)
    if text is None:
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(
            Problem(path, (mark.line + 1) if mark else 1, f"not valid YAML: {getattr(exc, 'problem', exc)}")
        )
        return None
    if not isinstance(data, dict):
        problems.append(Problem(path, 1, "must be a YAML mapping (key: value lines)"))
        return None
    return data, _key_lines(text)


def _decode(path: str, raw: bytes, problems: list[Problem]) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(path, line, "is not UTF-8 text"))
        return None
    return text.replace("\r\n", "\n").lstrip("\ufeff")


def _unknown_keys(
    path: str, data: dict[str, Any], allowed: set[str], lines: dict[str, int], problems: list[Problem]
) -> None:
    for key in data:
        if key not in allowed:
            problems.append(
                Problem(path, lines.get(str(key), 1), f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")
            )


def _text_field(
    path: str,
    data: dict[str, Any],
    key: str,
    lines: dict[str, int],
    problems: list[Problem],
    *,
    required: bool,
    max_length: int = 200,
) -> str:
    value = data.get(key)
    if value is None:
        if required:
            problems.append(Problem(path, 1, f"'{key}' is required"))
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(Problem(path, lines.get(key, 1), f"'{key}' must be non-empty text"))
        return ""
    if len(value) > max_length:
        problems.append(Problem(path, lines.get(key, 1), f"'{key}' is longer than {max_length} characters"))
    return value.strip()


def parse_course(files: dict[str, bytes]) -> CourseSource:
    """Read and check a whole course; raise ImportFailed listing every problem."""
    problems: list[Problem] = []
    course = _parse_course_yaml(files, problems)
    chapter_files: dict[str, dict[str, bytes]] = defaultdict(dict)
    for path, raw in files.items():
        parts = PurePosixPath(path).parts
        if path == "course.yaml" or parts[-1] in IGNORED_NAMES:
            continue
        if len(parts) != 2:
            problems.append(
                Problem(path, 1, "unexpected file: a course holds course.yaml and chapter folders of .md pages")
            )
            continue
        chapter_files[parts[0]][parts[1]] = raw

    seen_chapters: dict[str, str] = {}
    seen_positions: dict[int, str] = {}
    for folder in sorted(chapter_files):
        match = CHAPTER_DIR_RE.match(folder)
        if not match:
            problems.append(
                Problem(folder, 1, "chapter folders are named like '01-chapter-slug' (number, hyphen, lowercase slug)")
            )
            continue
        position, slug = int(match.group(1)), match.group(2)
        for seen, label, registry in ((slug, "slug", seen_chapters), (position, "number", seen_positions)):
            if seen in registry:
                problems.append(Problem(folder, 1, f"chapter {label} '{seen}' is also used by {registry[seen]}"))  # type: ignore[index]
            registry[seen] = folder  # type: ignore[index]
        chapter = _parse_chapter(folder, position, slug, chapter_files[folder], course.slug if course else "", problems)
        if chapter and course:
            course.chapters.append(chapter)
    if course and not course.chapters and not any(p.path != "course.yaml" for p in problems):
        problems.append(Problem("course.yaml", 1, "the course has no chapters"))
    if course:
        _check_unique_exercise_ids(course, problems)
    if problems or course is None:
        raise ImportFailed(problems)
    course.chapters.sort(key=lambda c: c.position)
    return course


def _parse_course_yaml(files: dict[str, bytes], problems: list[Problem]) -> CourseSource | None:
    if "course.yaml" not in files:
        problems.append(Problem("course.yaml", 1, "missing: every course starts with a course.yaml"))
        return None
    loaded = _load_yaml("course.yaml", files["course.yaml"], problems)
    if loaded is None:
        return None
    data, lines = loaded
    path = "course.yaml"
    _unknown_keys(path, data, COURSE_KEYS, lines, problems)
    slug = _text_field(path, data, "slug", lines, problems, required=True, max_length=80)
    if slug and not SLUG_RE.match(slug):
        problems.append(
            Problem(path, lines.get("slug", 1), "'slug' may hold lowercase letters, digits and single hyphens")
        )
    title = _text_field(path, data, "title", lines, problems, required=True)
    summary = _text_field(path, data, "summary", lines, problems, required=False, max_length=2000)
    language = _text_field(path, data, "language", lines, problems, required=False, max_length=20) or "en"
    if not re.match(r"^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$", language):
        problems.append(
            Problem(path, lines.get("language", 1), f"'language' must be a language tag such as 'en', not '{language}'")
        )
    published = data.get("published", True)
    if not isinstance(published, bool):
        problems.append(Problem(path, lines.get("published", 1), "'published' must be true or false"))
        published = False
    pass_mark, require_all = 0.8, True
    completion = data.get("completion", {}) or {}
    if not isinstance(completion, dict):
        problems.append(Problem(path, lines.get("completion", 1), "'completion' must be a mapping"))
    else:
        line = lines.get("completion", 1)
        for key in completion:
            if key not in COMPLETION_KEYS:
                problems.append(Problem(path, line, f"unknown key 'completion.{key}' (allowed: pages_read, pass_mark)"))
        raw_mark = completion.get("pass_mark", 0.8)
        if isinstance(raw_mark, bool) or not isinstance(raw_mark, (int, float)) or not 0 <= raw_mark <= 1:
            problems.append(Problem(path, line, "'completion.pass_mark' must be a number from 0 to 1"))
        else:
            pass_mark = float(raw_mark)
        pages_read = completion.get("pages_read", "all")
        if pages_read not in {"all", "none"}:
            problems.append(Problem(path, line, "'completion.pages_read' must be 'all' or 'none'"))
        require_all = pages_read != "none"
    return CourseSource(
        slug=slug,
        title=title,
        summary=summary,
        language=language,
        published=bool(published),
        pass_mark=pass_mark,
        require_all_pages=require_all,
    )


def _parse_chapter(
    folder: str, position: int, slug: str, files: dict[str, bytes], course_slug: str, problems: list[Problem]
) -> ChapterSource | None:
    meta_path = f"{folder}/chapter.yaml"
    title = summary = ""
    if "chapter.yaml" not in files:
        problems.append(Problem(meta_path, 1, "missing: every chapter folder has a chapter.yaml with its title"))
    else:
        loaded = _load_yaml(meta_path, files["chapter.yaml"], problems)
        if loaded:
            data, lines = loaded
            _unknown_keys(meta_path, data, CHAPTER_KEYS, lines, problems)
            title = _text_field(meta_path, data, "title", lines, problems, required=True)
            summary = _text_field(meta_path, data, "summary", lines, problems, required=False, max_length=2000)
    chapter = ChapterSource(path=folder, slug=slug, position=position, title=title, summary=summary)
    seen_slugs: dict[str, str] = {}
    seen_positions: dict[int, str] = {}
    for name in sorted(files):
        if name == "chapter.yaml":
            continue
        path = f"{folder}/{name}"
        match = PAGE_FILE_RE.match(name)
        if not match:
            problems.append(Problem(path, 1, "pages are named like '01-page-slug.md' (number, hyphen, lowercase slug)"))
            continue
        page_position, page_slug = int(match.group(1)), match.group(2)
        if page_slug in seen_slugs:
            problems.append(Problem(path, 1, f"page slug '{page_slug}' is also used by {seen_slugs[page_slug]}"))
        if page_position in seen_positions:
            problems.append(
                Problem(path, 1, f"page number {page_position} is also used by {seen_positions[page_position]}")
            )
        seen_slugs[page_slug] = seen_positions[page_position] = path
        page = _parse_page(path, page_position, page_slug, files[name], course_slug, f"{slug}/{page_slug}", problems)
        if page:
            chapter.pages.append(page)
    if not chapter.pages and not any(p.path.startswith(folder) for p in problems):
        problems.append(Problem(meta_path, 1, "the chapter has no pages"))
    chapter.pages.sort(key=lambda p: p.position)
    return chapter


def _parse_page(
    path: str, position: int, slug: str, raw: bytes, course_slug: str, page_key: str, problems: list[Problem]
) -> PageSource | None:
    text = _decode(path, raw, problems)
    if text is None:
        return None
    try:
        front, body, offset = split_front_matter(text)
    except FrontMatterError as exc:
        problems.append(Problem(path, exc.line, str(exc)))
        return None
    for key in front:
        if key not in PAGE_KEYS:
            problems.append(
                Problem(path, 2, f"unknown front matter key '{key}' (allowed: {', '.join(sorted(PAGE_KEYS))})")
            )
    title = front.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(path, 1, "front matter needs a 'title'"))
        title = ""
    published = front.get("published", True)
    if not isinstance(published, bool):
        problems.append(Problem(path, 2, "'published' must be true or false"))
        published = True
    page = PageSource(path=path, slug=slug, position=position, title=title.strip(), published=published, body=body)
    for line, message in validate_admonitions(body):
        problems.append(Problem(path, line + offset, message))
    counters: dict[str, int] = defaultdict(int)
    ctx = ParseContext(course_slug=course_slug, path=path)
    for found in find_directives(body):
        line = found.line + offset
        directive = directive_registry.get(found.name)
        if directive is None:
            known = ", ".join(f"{{{n}}}" for n in directive_registry.names()) or "none"
            problems.append(Problem(path, line, f"unknown directive '{{{found.name}}}' (known: {known})"))
            continue
        block = DirectiveBlock(
            name=found.name, body=found.body, path=path, line=line, index=counters[found.name], page_key=page_key
        )
        counters[found.name] += 1
        try:
            block.data = directive.parse(block, ctx)
        except DirectiveError as exc:
            problems.append(Problem(path, line + exc.line_offset, f"{{{found.name}}}: {exc.message}"))
            continue
        page.blocks.append(block)
    return page


def _check_unique_exercise_ids(course: CourseSource, problems: list[Problem]) -> None:
    """Directive data with an ``id`` (exercises) must be unique across the course."""
    seen: dict[tuple[str, str], DirectiveBlock] = {}
    for block in course.blocks():
        key = getattr(block.data, "id", None) or (block.data.get("id") if isinstance(block.data, dict) else None)
        if not key:
            continue
        if (block.name, key) in seen:
            first = seen[(block.name, key)]
            problems.append(
                Problem(block.path, block.line, f"{{{block.name}}} id '{key}' is also used at {first.location()}")
            )
        else:
            seen[(block.name, key)] = block


def verify_course(course: CourseSource, progress: Progress = _noop) -> None:
    """Run each directive's expensive checks (sandbox, lab); raise ImportFailed on problems."""
    problems: list[Problem] = []
    by_name: dict[str, list[DirectiveBlock]] = defaultdict(list)
    for block in course.blocks():
        by_name[block.name].append(block)

    def report(block: DirectiveBlock, message: str, offset: int = 0) -> None:
        problems.append(Problem(block.path, block.line + offset, f"{{{block.name}}}: {message}"))

    for name, blocks in by_name.items():
        directive = directive_registry.get(name)
        assert directive is not None  # parse_course only keeps known directives
        directive.verify(blocks, report, progress=_Counter(name, len(blocks), progress))
    if problems:
        raise ImportFailed(problems)


class _Counter:
    """Turns a directive's "one more done" calls into the importer's progress callback."""

    def __init__(self, name: str, total: int, progress: Progress) -> None:
        self.name, self.total, self.progress, self.done = name, total, progress, 0

    def __call__(self, label: str) -> None:
        self.done += 1
        self.progress(f"{{{self.name}}} {label}", min(self.done, self.total), self.total)


# --- writing ------------------------------------------------------------------------------


@transaction.atomic
def write_course(course: CourseSource, *, owner: Any = None, progress: Progress = _noop) -> ImportSummary:
    obj, created = Course.objects.select_for_update().get_or_create(
        slug=course.slug, defaults={"title": course.title, "owner": owner}
    )
    obj.title, obj.summary, obj.language = course.title, course.summary, course.language
    obj.published, obj.pass_mark, obj.require_all_pages = course.published, course.pass_mark, course.require_all_pages
    if owner is not None and obj.owner_id is None:
        obj.owner = owner
    obj.save()

    keep_chapters = []
    total_pages = len(course.pages())
    done = 0
    sequence = 0
    minutes = 0
    for chapter_src in course.chapters:
        chapter, _ = Chapter.objects.update_or_create(
            course=obj,
            slug=chapter_src.slug,
            defaults={"title": chapter_src.title, "summary": chapter_src.summary, "position": chapter_src.position},
        )
        keep_chapters.append(chapter.pk)
        keep_pages = []
        for page_src in chapter_src.pages:
            sequence += 1
            page = save_page(
                course=obj,
                chapter=chapter,
                slug=page_src.slug,
                title=page_src.title,
                position=page_src.position,
                sequence=sequence,
                published=page_src.published,
                body=page_src.body,
                blocks=page_src.blocks,
            )
            minutes += page.reading_minutes
            keep_pages.append(page.pk)
            done += 1
            progress("writing pages", done, total_pages)
        Page.objects.filter(chapter=chapter).exclude(pk__in=keep_pages).delete()
    Chapter.objects.filter(course=obj).exclude(pk__in=keep_chapters).delete()
    refresh_course_counts(obj)
    from courseware import search

    search.refresh_course(obj)
    exercises = sum(1 for block in course.blocks() if block.name == "exercise")
    return ImportSummary(
        slug=obj.slug,
        created=created,
        chapters=len(course.chapters),
        pages=total_pages,
        exercises=exercises,
        course_id=obj.pk,
    )


def save_page(
    *,
    course: Course,
    chapter: Chapter,
    slug: str,
    title: str,
    position: int,
    sequence: int,
    published: bool,
    body: str,
    blocks: list[DirectiveBlock],
) -> Page:
    """Create or update one page: its directive rows first, then its stored HTML."""
    page, _ = Page.objects.get_or_create(
        chapter=chapter,
        slug=slug,
        defaults={
            "course": course,
            "title": title,
            "position": position,
            "sequence": sequence,
            "markdown": body,
            "html": "",
        },
    )
    page.course, page.title, page.position, page.sequence = course, title, position, sequence
    page.published, page.markdown = published, body
    page.save()
    by_name: dict[str, list[DirectiveBlock]] = defaultdict(list)
    for block in blocks:
        by_name[block.name].append(block)
    for directive in directive_registry.all_directives():
        directive.sync(page, by_name.get(directive.name, []))
    pieces = []
    for block in blocks:
        renderer = directive_registry.get(block.name)
        assert renderer is not None  # parse_course keeps only known directives
        pieces.append(renderer.render(block, page))
    rendered = render_markdown(body, pieces)
    page.html, page.toc, page.search_text = rendered.html, rendered.toc, f"{title}\n{rendered.text}"
    page.word_count, page.reading_minutes = rendered.word_count, rendered.reading_minutes
    page.save(update_fields=["html", "toc", "search_text", "word_count", "reading_minutes", "updated_at"])
    return page


def refresh_course_counts(course: Course) -> None:
    """Store the course's counts after its structure changed; learners' stored progress, which
    is counted out of the same pages, is refreshed by a worker once this commits."""
    schedule_course_refresh(course)
    pages = Page.objects.filter(course=course, published=True)
    course.chapter_count = Chapter.objects.filter(course=course).count()
    course.page_count = pages.count()
    course.estimated_minutes = sum(pages.values_list("reading_minutes", flat=True))
    course.save(update_fields=["chapter_count", "page_count", "estimated_minutes", "updated_at"])


def import_course(
    files: dict[str, bytes], *, owner: Any = None, progress: Progress = _noop, verify: bool = True
) -> ImportSummary:
    """Check everything, then write; nothing is written when there is any problem."""
    course = parse_course(files)
    if verify and getattr(settings, "IMPORT_VERIFY", True):
        verify_course(course, progress)
    return write_course(course, owner=owner, progress=progress)
