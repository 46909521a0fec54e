"""``{exercise}`` blocks as the exercise editor sees them: found in, written into and
replaced in a page's Markdown, and validated through the directive registry.

The editor never interprets an exercise itself: the YAML it writes is checked by the
registered ``{exercise}`` directive's ``parse`` and, on request, its ``verify`` (which runs
the solution and starter in the sandbox), exactly as an import would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from courseware import directives as directive_registry
from courseware.authoring.bundles import dump_yaml
from courseware.directives import DirectiveBlock, DirectiveError, ParseContext
from courseware.markdown import find_directives
from courseware.models import Course

OPEN_FENCE_RE = re.compile(r"^( {0,3})(`{3,}|~{3,})")
CLOSE_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*$")
# The order keys are written in: what a reader of the file expects first comes first.
KEY_ORDER = (
    "id", "kind", "title", "points", "prompt", "multiple", "shuffle", "choices", "starter", "solution",
    "checks", "hints", "hint_cost", "explanation", "solution_visible", "solution_after_attempts",
)  # fmt: skip


def closing_fence_line(lines: list[str], fence_line: int) -> int:
    """Last line (1-based) of the fenced block that opens at ``fence_line`` (CommonMark rules)."""
    match = OPEN_FENCE_RE.match(lines[fence_line - 1]) if 0 < fence_line <= len(lines) else None
    if not match:
        return fence_line
    char, length = match.group(2)[0], len(match.group(2))
    for index in range(fence_line, len(lines)):
        close = CLOSE_FENCE_RE.match(lines[index])
        if close and close.group(1)[0] == char and len(close.group(1)) >= length:
            return index + 1
    return len(lines)  # an unclosed fence runs to the end of the document


@dataclass
class ExerciseBlockRef:
    index: int  # among the page's {exercise} blocks, 0-based
    start: int  # 1-based line of the opening fence
    end: int  # 1-based line of the closing fence
    body: str
    data: dict[str, Any] = field(default_factory=dict)  # the YAML as written ({} when unreadable)
    editable: bool = True  # False when the block sits inside a list or quote


def exercise_blocks(markdown: str) -> list[ExerciseBlockRef]:
    lines = markdown.split("\n")
    found = []
    for index, block in enumerate(b for b in find_directives(markdown) if b.name == "exercise"):
        try:
            data = yaml.safe_load(block.body)
        except yaml.YAMLError:
            data = None
        editable = bool(OPEN_FENCE_RE.match(lines[block.line - 1]))
        found.append(
            ExerciseBlockRef(
                index=index,
                start=block.line,
                end=closing_fence_line(lines, block.line),
                body=block.body,
                data=data if isinstance(data, dict) else {},
                editable=editable,
            )
        )
    return found


def ordered(data: dict[str, Any]) -> dict[str, Any]:
    known = {key: data[key] for key in KEY_ORDER if key in data}
    extra = {key: value for key, value in data.items() if key not in known}
    return {**known, **extra}


def exercise_yaml(data: dict[str, Any]) -> str:
    return dump_yaml(ordered(data))


def exercise_markdown(data: dict[str, Any]) -> str:
    """The fenced block. The fence is longer than any backtick run inside, so code that
    contains ``` cannot close it early."""
    text = exercise_yaml(data)
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{{exercise}}\n{text}{fence}"


def replace_exercise(markdown: str, index: int, data: dict[str, Any]) -> str:
    blocks = exercise_blocks(markdown)
    if not 0 <= index < len(blocks):
        raise IndexError(index)
    block = blocks[index]
    lines = markdown.split("\n")
    new = exercise_markdown(data).split("\n")
    return "\n".join(lines[: block.start - 1] + new + lines[block.end :])


def append_exercise(markdown: str, data: dict[str, Any]) -> str:
    head = markdown.rstrip("\n")
    return (head + "\n\n" if head else "") + exercise_markdown(data) + "\n"


# --- validation through the registry --------------------------------------------------------------


@dataclass
class ExerciseValidation:
    ok: bool
    messages: list[str]
    ran: bool = False  # the expensive checks (sandbox) were asked for and ran without problems


def validate_exercise(*, course: Course, data: dict[str, Any], run: bool) -> ExerciseValidation:
    directive = directive_registry.get("exercise")
    if directive is None:
        return ExerciseValidation(False, ["exercises are not available on this server ({exercise} is not installed)"])
    body = exercise_yaml(data)
    block = DirectiveBlock(name="exercise", body=body, path="exercise", line=1, index=0, page_key="")
    try:
        block.data = directive.parse(block, ParseContext(course_slug=course.slug, path="exercise"))
    except DirectiveError as exc:
        return ExerciseValidation(False, [exc.message])
    if not run:
        return ExerciseValidation(True, [])
    messages: list[str] = []

    def report(_block: DirectiveBlock, message: str, *_: Any) -> None:
        messages.append(message)

    directive.verify([block], report, progress=lambda _label: None)
    return ExerciseValidation(not messages, messages, ran=not messages)
