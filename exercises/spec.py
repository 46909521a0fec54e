"""Reading an ``{exercise}`` block: YAML body → ``ExerciseSpec``, or the first problem at its line.

Pure (no database, no I/O): the importer calls it for every block before anything else.
Line offsets follow ``DirectiveError``: 1 is the first line of the body.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from courseware.directives import DirectiveError
from courseware.markdown import render_markdown
from exercises import judging, observation

ID_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
SOLUTION_VISIBILITY = ("after_pass", "after_attempts", "always", "never")
COMMON_KEYS = {"id", "kind", "title", "prompt", "points", "hints", "hint_cost", "explanation"}
CHECK_KEYS = {"name", "observe", "expect", "close", "judge", "message", "hidden"}
MAX_CODE_BYTES = 64 * 1024
MAX_TEXT = 20_000


@dataclass
class ChoiceSpec:
    key: str
    text: str
    text_html: str
    correct: bool
    feedback_html: str


@dataclass
class CheckSpec:
    """One check: what to observe in the learner's program, and how to judge it.

    Judged against the reference solution's observation (the default), against ``expect`` (a
    value stated in the check), or by ``judge`` (the author's predicate over both observations).
    ``expect``, ``judge`` and ``message`` never enter the learner's process.
    """

    name: str
    observe: str
    hidden: bool = False
    expect: dict[str, Any] | None = None  # {"value": observation-form JSON}, or None
    close: dict[str, float] | None = None  # {"rel", "abs"} for numbers, or None (exact)
    judge: str = ""
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "observe": self.observe,
            "hidden": self.hidden,
            "expect": self.expect,
            "close": self.close,
            "judge": self.judge,
            "message": self.message,
        }


@dataclass
class ExerciseSpec:
    id: str
    kind: str
    title: str
    prompt: str
    prompt_html: str
    points: float
    course_slug: str
    explanation_html: str = ""
    hints: list[dict[str, str]] = field(default_factory=list)
    hint_cost: float = 0.0
    # multiple choice
    multiple: bool = False
    shuffle: bool = True
    choices: list[ChoiceSpec] = field(default_factory=list)
    # coding
    starter: str = ""
    solution: str = ""
    checks: list[CheckSpec] = field(default_factory=list)
    solution_visible: str = "after_pass"
    solution_after_attempts: int | None = None
    code_hash: str = ""
    # predict the output
    snippet: str = ""
    snippet_html: str = ""
    expected_output: str = ""
    # Filled by verify: the reference solution's observations, cached on the row.
    reference: list[Any] | None = None
    reference_key: str = ""
    # Filled by sync, for render.
    exercise_id: int | None = None
    choice_ids: list[int] = field(default_factory=list)
    include_editor: bool = False  # the page's first coding exercise loads the editor script

    @property
    def is_coding(self) -> bool:
        return self.kind == "coding"

    @property
    def kind_handler(self) -> Any:
        from exercises import kinds

        return kinds.get(self.kind)


def code_hash(starter: str, solution: str, checks: list[CheckSpec]) -> str:
    """What verification depends on: the code, the checks and the check library itself."""
    payload = json.dumps(
        {
            "starter": starter,
            "solution": solution,
            "checks": [c.as_dict() for c in checks],
            "library": f"{observation.library_fingerprint()}-{judging.library_fingerprint()}",
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# --- YAML with line numbers -------------------------------------------------------------------------
def _offset(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _content_offset(node: yaml.Node) -> int:
    """Offset of a scalar's first content line: a block scalar (| or >) starts on the next line."""
    return node.start_mark.line + (2 if getattr(node, "style", None) in ("|", ">") else 1)


def _mapping(node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise DirectiveError(f"{what} must be a mapping (key: value lines)", _offset(node))
    found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in found:
            raise DirectiveError(f"{what}: duplicate key '{key}'", _offset(key_node))
        found[key] = (key_node, value_node)
    return found


class _Reader:
    """Typed access to one mapping's values, raising at the value's line."""

    def __init__(self, node: yaml.Node, data: dict[str, Any], what: str, fallback: int) -> None:
        self.nodes = _mapping(node, what)
        self.data = data
        self.what = what
        self.fallback = fallback

    def line(self, key: str) -> int:
        if key in self.nodes:
            return _offset(self.nodes[key][1])
        return self.fallback

    def key_line(self, key: str) -> int:
        return _offset(self.nodes[key][0]) if key in self.nodes else self.fallback

    def unknown(self, allowed: set[str], kind_note: dict[str, str] | None = None) -> None:
        for key in self.nodes:
            if key not in allowed:
                note = (kind_note or {}).get(key)
                message = note or f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})"
                raise DirectiveError(f"{self.what}: {message}", self.key_line(key))

    def text(self, key: str, *, required: bool, default: str = "", limit: int = MAX_TEXT) -> str:
        if key not in self.data or self.data[key] is None:
            if required:
                raise DirectiveError(f"{self.what}: '{key}' is required", self.fallback)
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise DirectiveError(f"{self.what}: '{key}' must be text", self.line(key))
        value = str(value)
        if required and not value.strip():
            raise DirectiveError(f"{self.what}: '{key}' must not be empty", self.line(key))
        if len(value.encode("utf-8")) > limit:
            raise DirectiveError(f"{self.what}: '{key}' is longer than {limit // 1024} KB", self.line(key))
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise DirectiveError(f"{self.what}: '{key}' must be true or false", self.line(key))
        return value

    def number(self, key: str, default: float, *, positive: bool) -> float:
        value = self.data.get(key, default)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or (positive and value <= 0) or (not positive and value < 0):
            rule = "a number greater than 0" if positive else "a number, 0 or more"
            raise DirectiveError(f"{self.what}: '{key}' must be {rule}", self.line(key))
        return float(value)

    def sequence(self, key: str) -> tuple[list[Any], list[yaml.Node]]:
        value = self.data.get(key)
        node = self.nodes[key][1]
        if not isinstance(value, list) or not isinstance(node, yaml.SequenceNode):
            raise DirectiveError(f"{self.what}: '{key}' must be a list (lines starting with '- ')", self.line(key))
        return value, list(node.value)


def _html(markdown: str) -> str:
    return render_markdown(markdown).html


def _inline_html(markdown: str) -> str:
    """A choice's text sits in a label: one paragraph loses its <p> wrapper."""
    html = _html(markdown).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def _compile(code: str, label: str, node: yaml.Node) -> None:
    try:
        compile(code, label, "exec", dont_inherit=True)
    except SyntaxError as exc:
        line = _content_offset(node) + max((exc.lineno or 1) - 1, 0)
        raise DirectiveError(f"{label} is not valid Python: {exc.msg}", line) from exc
    except ValueError as exc:  # a NUL character
        raise DirectiveError(f"{label} is not valid Python: {exc}", _content_offset(node)) from exc


# --- the block ----------------------------------------------------------------------------------------
def parse_exercise(body: str, course_slug: str) -> ExerciseSpec:
    """Check an ``{exercise}`` body against docs/content-format.md; raise at the first problem."""
    try:
        root = yaml.compose(body, Loader=yaml.SafeLoader)
        data = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise DirectiveError(f"not valid YAML: {problem}", (mark.line + 1) if mark else 1) from exc
    if root is None or not isinstance(data, dict):
        raise DirectiveError("the body must be a YAML mapping with at least 'id', 'kind' and 'prompt'", 1)
    top = _Reader(root, data, "exercise", 1)

    from exercises import kinds

    kind = data.get("kind")
    if kind not in kinds.KINDS:
        where = top.line("kind") if "kind" in data else 1
        raise DirectiveError(
            f"'kind' must be one of {', '.join(kinds.KINDS)}" + ("" if kind else " (it is missing)"), where
        )
    handler = kinds.get(kind)
    notes = {}
    for other in kinds.KINDS.values():
        for other_key in other.yaml_keys - handler.yaml_keys:
            owners = [k.key for k in kinds.KINDS.values() if other_key in k.yaml_keys]
            notes[other_key] = f"'{other_key}' is only for {' and '.join(owners)} exercises"
    top.unknown(COMMON_KEYS | handler.yaml_keys, notes)

    key = top.text("id", required=True, limit=100)
    if not ID_RE.match(key):
        raise DirectiveError("'id' may hold lowercase letters, digits, single hyphens or underscores", top.line("id"))
    title = top.text("title", required=False, default=handler.default_title, limit=200).strip()
    if not title:
        raise DirectiveError("'title' must not be empty", top.line("title"))
    prompt = top.text("prompt", required=True)
    spec = ExerciseSpec(
        id=key,
        kind=kind,
        title=title,
        prompt=prompt,
        prompt_html=_html(prompt),
        points=top.number("points", 1, positive=True),
        course_slug=course_slug,
        explanation_html=_html(top.text("explanation", required=False)),
        hint_cost=top.number("hint_cost", 0, positive=False),
    )
    if "hints" in data:
        hints, nodes = top.sequence("hints")
        for hint, node in zip(hints, nodes, strict=True):
            if not isinstance(hint, str) or not hint.strip():
                raise DirectiveError("exercise: every hint must be non-empty text", _offset(node))
            spec.hints.append({"markdown": hint, "html": _html(hint)})
    handler.parse(top, spec)
    return spec


def parse_solution_visibility(top: _Reader, spec: ExerciseSpec) -> None:
    """``solution_visible`` and ``solution_after_attempts``, for the kinds that have a solution."""
    visible = top.data.get("solution_visible", "after_pass")
    if visible not in SOLUTION_VISIBILITY:
        raise DirectiveError(
            f"exercise: 'solution_visible' must be one of {', '.join(SOLUTION_VISIBILITY)}",
            top.line("solution_visible"),
        )
    spec.solution_visible = visible
    if visible == "after_attempts":
        after = top.data.get("solution_after_attempts")
        if isinstance(after, bool) or not isinstance(after, int) or after < 1:
            raise DirectiveError(
                "exercise: 'solution_after_attempts' must be a whole number of at least 1 with "
                "solution_visible: after_attempts",
                top.line("solution_after_attempts")
                if "solution_after_attempts" in top.data
                else top.line("solution_visible"),
            )
        spec.solution_after_attempts = after
    elif "solution_after_attempts" in top.data:
        raise DirectiveError(
            "exercise: 'solution_after_attempts' only applies with solution_visible: after_attempts",
            top.key_line("solution_after_attempts"),
        )


OLD_CHECK_NOTE = (
    "'code' checks ran inside the learner's program, where its code could read and forge them; "
    "write 'observe' (an expression evaluated in the learner's program) and judge it with 'expect', "
    "'close' or 'judge' (see docs/content-format.md)"
)


def _parse_check(check: _Reader, names: dict[str, int], position: int) -> CheckSpec:
    """One check of a coding exercise (docs/content-format.md, "Checks")."""
    what = check.what
    check.unknown(CHECK_KEYS, {"code": OLD_CHECK_NOTE})
    name = " ".join(check.text("name", required=True, limit=200).split())
    if name in names:
        raise DirectiveError(f"{what}: the name '{name}' is also used by check {names[name]}", check.line("name"))
    names[name] = position
    observe = check.text("observe", required=True, limit=4_000).strip()
    node = check.nodes["observe"][1]
    try:
        compile(observe, f"check '{name}'", "eval", dont_inherit=True)
    except SyntaxError as exc:
        raise DirectiveError(
            f"check '{name}': 'observe' must be one Python expression: {exc.msg}", _content_offset(node)
        ) from exc
    except ValueError as exc:
        raise DirectiveError(f"check '{name}': 'observe' is not valid Python: {exc}", _content_offset(node)) from exc
    result = CheckSpec(name=name, observe=observe, hidden=check.boolean("hidden", False))
    result.message = check.text("message", required=False, limit=500).strip()
    if result.hidden and "{expected}" in result.message:
        raise DirectiveError(
            f"check '{name}': a hidden check's message must not show {{expected}}", check.line("message")
        )
    if "expect" in check.data and "judge" in check.data:
        raise DirectiveError(f"check '{name}': use either 'expect' or 'judge', not both", check.key_line("judge"))
    if "expect" in check.data:
        try:
            result.expect = {"value": observation.encode(check.data["expect"])}
        except (observation.ObservationError, RecursionError) as exc:
            raise DirectiveError(f"check '{name}': 'expect' cannot be compared: {exc}", check.line("expect")) from exc
        if _has_tag(result.expect["value"], observation.OPAQUE):
            raise DirectiveError(
                f"check '{name}': 'expect' must be numbers, text, true/false, null, lists or mappings",
                check.line("expect"),
            )
    if "close" in check.data:
        if "judge" in check.data:
            raise DirectiveError(f"check '{name}': 'close' does not apply to a 'judge'", check.key_line("close"))
        result.close = _parse_close(check, name)
    if "judge" in check.data:
        result.judge = check.text("judge", required=True, limit=MAX_CODE_BYTES)
        _compile(result.judge, f"check '{name}' judge", check.nodes["judge"][1])
    return result


def _parse_close(check: _Reader, name: str) -> dict[str, float]:
    value = check.data["close"]
    if value is True:
        return {"rel": judging.DEFAULT_REL, "abs": judging.DEFAULT_ABS}
    problem = f"check '{name}': 'close' must be true or a mapping with 'rel' and/or 'abs' (numbers, 0 or more)"
    if not isinstance(value, dict) or not value or set(value) - {"rel", "abs"}:
        raise DirectiveError(problem, check.line("close"))
    tolerances = {"rel": 0.0 if "abs" in value and "rel" not in value else judging.DEFAULT_REL, "abs": 0.0}
    for key, number in value.items():
        if isinstance(number, bool) or not isinstance(number, (int, float)) or number < 0 or number != number:
            raise DirectiveError(problem, check.line("close"))
        tolerances[key] = float(number)
    return tolerances


def _has_tag(value: Any, tag: str) -> bool:
    if isinstance(value, dict):
        return tag in value or any(_has_tag(item, tag) for item in value.values())
    if isinstance(value, list):
        return any(_has_tag(item, tag) for item in value)
    return False
