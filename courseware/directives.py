"""Directives: fenced blocks such as ```{runnable} that other apps give meaning to.

Each app registers its directive in its AppConfig.ready(). The importer calls, in order:

1. ``parse`` on every block of every page: syntax and values only, no database, no I/O.
   Raise ``DirectiveError`` (with a line offset into the body) to report a problem.
2. ``verify`` once per import with every block of that directive in the course: the
   expensive checks (running code in the sandbox, computing an explanation). Report
   problems with ``report(block, message)``; results may be kept on ``block.result``.
3. ``sync`` per page inside the write transaction: create, update or delete the rows
   that back the page's blocks (keyed by something stable, so learners' data survives).
4. ``render`` per block: the HTML stored in the page. It is our own markup, not passed
   through the Markdown sanitizer, so it must escape everything that came from the file.

Nothing is written unless steps 1 and 2 found no problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from courseware.models import Page


class DirectiveError(Exception):
    def __init__(self, message: str, line_offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        # 0 = the fence line itself; 1 = the first line of the body.
        self.line_offset = line_offset


@dataclass
class DirectiveBlock:
    name: str
    body: str
    path: str  # the page's file, relative to the course folder
    line: int  # 1-based line of the opening fence in that file
    index: int  # position among the page's blocks of this directive (0-based)
    data: Any = None  # what parse() returned
    result: Any = None  # what verify() computed, for sync/render
    page_key: str = ""  # "chapter-slug/page-slug", for cross-page checks

    def location(self, offset: int = 0) -> str:
        return f"{self.path}:{self.line + offset}"


Reporter = Callable[[DirectiveBlock, str], None]


@dataclass
class ParseContext:
    course_slug: str
    path: str
    extra: dict[str, Any] = field(default_factory=dict)


class Directive:
    """Base class: a directive that only renders needs just ``parse`` and ``render``."""

    name: ClassVar[str]
    #: The field of ``GET /api/v1/pages/{id}/`` this directive fills, if any.
    api_field: ClassVar[str | None] = None

    def parse(self, block: DirectiveBlock, ctx: ParseContext) -> Any:
        raise NotImplementedError

    def verify(self, blocks: list[DirectiveBlock], report: Reporter, *, progress: Callable[[str], None]) -> None:
        """Expensive, course-wide checks. Default: none."""

    def sync(self, page: Page, blocks: list[DirectiveBlock]) -> None:
        """Create/update/delete this directive's rows for ``page``. Default: no rows."""

    def render(self, block: DirectiveBlock, page: Page) -> str:
        raise NotImplementedError

    def api_value(self, page: Page) -> list[Any]:
        """The value of ``api_field`` for a page."""
        return []


_registry: dict[str, Directive] = {}


def register(directive: Directive) -> Directive:
    _registry[directive.name] = directive
    return directive


def get(name: str) -> Directive | None:
    return _registry.get(name)


def all_directives() -> Iterable[Directive]:
    return _registry.values()


def names() -> list[str]:
    return sorted(_registry)
