"""Checking a page edited in the browser exactly as the importer checks a course file.

The edited page is written out as the file it would be in a bundle and read back through
``importer.parse_course`` — no second parser to drift from the import rules. Problems come
back as lines of the Markdown the author sees (the front matter is generated from the form,
so its lines are subtracted). Nothing here writes to the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from courseware.authoring.bundles import chapter_dir, course_files, dump_yaml, page_filename, page_source
from courseware.authoring.exercise_blocks import closing_fence_line
from courseware.directives import DirectiveBlock
from courseware.importer import CourseSource, ImportFailed, PageSource, Problem, parse_course, verify_course
from courseware.markdown import find_directives, render_markdown
from courseware.models import Chapter, Course, Page


@dataclass(frozen=True)
class EditorProblem:
    line: int | None  # a line of the Markdown body; None: the page's settings (title, slug)
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.message}" if self.line else self.message


@dataclass
class PageCheck:
    problems: list[EditorProblem] = field(default_factory=list)
    source: PageSource | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.source is not None


@dataclass(frozen=True)
class PageDraft:
    """A page as the editor form holds it."""

    course: Course
    chapter: Chapter
    slug: str
    position: int
    title: str
    published: bool
    body: str

    @property
    def path(self) -> str:
        return f"{chapter_dir(self.chapter)}/{page_filename(self.position, self.slug)}"

    def file(self) -> tuple[str, int]:
        return page_source(title=self.title, published=self.published, body=self.body)


def _to_editor(problem: Problem, draft: PageDraft, offset: int) -> EditorProblem:
    if problem.path != draft.path:
        # A course-wide problem reported at another page that names this one
        # ("… is also used at <this page>:<line>"): point at our line, name theirs.
        match = re.search(re.escape(draft.path) + r":(\d+)", problem.message)
        if match:
            line = int(match.group(1))
            message = problem.message.replace(match.group(0), f"{problem.path}:{problem.line}")
            return EditorProblem(line - offset if line > offset else None, message)
        return EditorProblem(None, str(problem))
    if problem.line <= offset:
        return EditorProblem(None, problem.message)
    return EditorProblem(problem.line - offset, problem.message)


def _concerns(problem: Problem, draft: PageDraft) -> bool:
    return problem.path == draft.path or f"{draft.path}:" in problem.message


def _single_page_files(draft: PageDraft, text: str) -> dict[str, bytes]:
    # The smallest course that holds the page: its own course slug (directives may use it)
    # and its real path, so messages name the file an export would contain.
    return {
        "course.yaml": dump_yaml({"slug": draft.course.slug, "title": draft.course.title or "Course"}).encode(),
        f"{chapter_dir(draft.chapter)}/chapter.yaml": dump_yaml({"title": draft.chapter.title or "Chapter"}).encode(),
        draft.path: text.encode(),
    }


def check_page(draft: PageDraft, *, verify: bool, course_wide: bool, page: Page | None = None) -> PageCheck:
    """Parse the page (and, with ``verify``, run its directives' expensive checks).

    ``course_wide`` also reads the rest of the course with this page in place, for rules that
    span pages (an exercise id used twice). Problems elsewhere in the course are not this
    edit's business and do not block it.
    """
    text, offset = draft.file()
    try:
        parsed: CourseSource = parse_course(_single_page_files(draft, text))
    except ImportFailed as exc:
        return PageCheck(problems=[_to_editor(p, draft, offset) for p in exc.problems])
    source = parsed.chapters[0].pages[0]

    if course_wide and page is not None:
        try:
            parse_course(course_files(draft.course, replace={page.pk: (draft.path, text)}))
        except ImportFailed as exc:
            mine = [_to_editor(p, draft, offset) for p in exc.problems if _concerns(p, draft)]
            if mine:
                return PageCheck(problems=mine)

    if verify and source.blocks and getattr(settings, "IMPORT_VERIFY", True):
        try:
            verify_course(parsed)
        except ImportFailed as exc:
            return PageCheck(problems=[_to_editor(p, draft, offset) for p in exc.problems])
    return PageCheck(source=source)


# --- the live preview -----------------------------------------------------------------------------


@dataclass
class Preview:
    html: SafeString
    problems: list[EditorProblem]


def _attr(data: Any, name: str, default: Any = "") -> Any:
    if isinstance(data, dict):
        return data.get(name, default)
    return getattr(data, name, default)


def _placeholder(name: str, body: str, line: int, data: Any, problem: str | None, exercise_index: int | None) -> str:
    """What stands in for a directive in the preview: the live widget needs saved rows."""
    head = format_html(
        '<div class="widget-head"><span class="widget-title">{{{}}} {}</span><span>line {}</span></div>',
        name,
        _attr(data, "title", "") if data is not None else "",
        line,
    )
    parts: list[str] = []
    if problem:
        parts.append(format_html('<p class="directive-problem" role="alert">{}</p>', problem))
    if name == "exercise" and data is not None:
        kind = data.kind_handler.meta_label(data) if hasattr(data, "kind_handler") else "exercise"
        parts.append(format_html('<p class="meta">{} · {} point(s)</p>', kind, _attr(data, "points", 1)))
        # prompt_html and text_html were rendered and sanitized by the Markdown pipeline.
        parts.append(mark_safe(str(_attr(data, "prompt_html", ""))))  # noqa: S308
        choices = _attr(data, "choices", []) or []
        if choices:
            items = "".join(
                format_html(
                    "<li>{}{}</li>",
                    mark_safe(str(_attr(c, "text_html", ""))),  # noqa: S308
                    " ✓" if _attr(c, "correct", False) else "",
                )
                for c in choices
            )
            parts.append(f'<ul class="choice-preview">{items}</ul>')
        checks = _attr(data, "checks", []) or []
        if checks:
            parts.append(format_html('<p class="meta">{} check(s): {}</p>', len(checks), ", ".join(
                str(_attr(c, "name", "")) for c in checks
            )))  # fmt: skip
    else:
        parts.append(format_html('<pre class="directive-source"><code>{}</code></pre>', body))
    if exercise_index is not None:
        parts.append(
            format_html(
                '<p><button type="submit" form="page-form" name="then" value="exercise-{}" '
                'class="button button-quiet button-small-quiet">Save and edit this exercise</button></p>',
                exercise_index,
            )
        )
    classes = "widget directive-preview" + (" has-problem" if problem else "")
    return format_html('<div class="{}" data-directive="{}">{}<div class="widget-body">{}</div></div>',
                       classes, name, head, mark_safe("".join(str(p) for p in parts)))  # noqa: S308  # fmt: skip


def render_preview(draft: PageDraft) -> Preview:
    """The page as the reader pipeline renders it, with directive placeholders and problems."""
    check = check_page(draft, verify=False, course_wide=False)
    by_line: dict[int, DirectiveBlock] = {}
    if check.source is not None:
        _, offset = draft.file()
        by_line = {block.line - offset: block for block in check.source.blocks}
    problem_at: dict[int, str] = {}
    for problem in check.problems:
        if problem.line is not None:
            problem_at.setdefault(problem.line, problem.message)
    pieces = []
    exercise_index = 0
    lines = draft.body.split("\n")
    for found in find_directives(draft.body):
        block = by_line.get(found.line)
        # A problem inside a block's body belongs to that block.
        end = closing_fence_line(lines, found.line)
        block_problem = next((msg for ln, msg in sorted(problem_at.items()) if found.line <= ln <= end), None)
        index = None
        if found.name == "exercise":
            index = exercise_index
            exercise_index += 1
        pieces.append(
            _placeholder(found.name, found.body, found.line, block.data if block else None, block_problem, index)
        )
    rendered = render_markdown(draft.body, pieces)
    return Preview(html=mark_safe(rendered.html), problems=check.problems)  # noqa: S308
