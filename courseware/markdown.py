"""Markdown → sanitized HTML, done once when a page is saved or imported.

The pipeline: markdown-it (CommonMark + tables, strikethrough, footnotes, admonitions,
dollar math, heading anchors) → Pygments for fenced code → MathML for math → nh3 with an
allowlist → directive HTML put back in place of placeholders. Directive markup is ours
and is inserted after sanitizing, so directives escape their own content.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from typing import Any

import nh3
import yaml
from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

DIRECTIVE_INFO = re.compile(r"^\{([a-z][a-z0-9_-]*)\}\s*(.*)$")
PLACEHOLDER = "GBDIRECTIVE{}X"
PLACEHOLDER_RE = re.compile(r"<p>\s*GBDIRECTIVE(\d+)X\s*</p>|GBDIRECTIVE(\d+)X")
WORDS_PER_MINUTE = 200

MATHML_TAGS = {
    "math", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac",
    "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded",
    "mphantom", "menclose", "semantics", "annotation",
}  # fmt: skip
HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol",
    "p", "pre", "s", "section", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul", "aside",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "ol": {"start"},
    "math": {"display", "xmlns"},
    "mo": {"stretchy", "fence", "separator", "lspace", "rspace", "accent"},
    "mover": {"accent"},
    "munder": {"accentunder"},
    "mspace": {"width"},
    "mstyle": {"displaystyle", "scriptlevel"},
    "mtd": {"columnalign"},
    "mtable": {"columnalign", "rowspacing", "columnspacing"},
    "annotation": {"encoding"},
}
URL_SCHEMES = {"http", "https", "mailto"}
ADMONITION_KINDS = {"note", "tip", "warning", "danger", "info", "important", "caution", "seealso"}


class FrontMatterError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class FoundDirective:
    name: str
    body: str
    line: int  # 1-based, relative to the start of the Markdown body
    argument: str = ""


@dataclass
class Rendered:
    html: str
    toc: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""
    word_count: int = 0
    reading_minutes: int = 1


def split_front_matter(source: str) -> tuple[dict[str, Any], str, int]:
    """Return (front matter, body, number of lines before the body)."""
    if not source.startswith("---"):
        return {}, source, 0
    lines = source.split("\n")
    if lines[0].strip() != "---":
        return {}, source, 0
    for end in range(1, len(lines)):
        if lines[end].strip() in {"---", "..."}:
            raw = "\n".join(lines[1:end])
            try:
                data = yaml.safe_load(raw) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = (mark.line + 2) if mark is not None else 1
                raise FrontMatterError(f"front matter is not valid YAML: {getattr(exc, 'problem', exc)}", line) from exc
            if not isinstance(data, dict):
                raise FrontMatterError("front matter must be a mapping (key: value lines)", 2)
            return data, "\n".join(lines[end + 1 :]), end + 1
    raise FrontMatterError("front matter opened with --- is never closed", 1)


def _highlight(code: str, lang: str, _attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(lang) if lang else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes and wraps it itself
    return highlight(code, lexer, HtmlFormatter(nowrap=True))


def _math_renderer(content: str, options: dict[str, Any]) -> str:
    # The plugin wraps display math in <div class="math block"> itself.
    return _mathml(content, display="block" if options.get("display_mode") else "inline")


def _mathml(latex: str, *, display: str) -> str:
    try:
        return str(latex_to_mathml(latex, display=display))
    except Exception:  # latex2mathml raises assorted errors on bad input; show the source
        return f'<code class="math-error">{html.escape(latex)}</code>'


def _build_parser() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"highlight": _highlight, "html": False, "linkify": False, "typographer": True})
        .enable(["table", "strikethrough", "replacements", "smartquotes"])
        .use(footnote_plugin)
        .use(admon_plugin)
        .use(dollarmath_plugin, allow_space=False, allow_digits=False, renderer=_math_renderer)
        .use(anchors_plugin, min_level=2, max_level=4, permalink=True, permalinkSymbol="#")
    )
    return md


_PARSER = _build_parser()


def find_directives(body: str) -> list[FoundDirective]:
    found = []
    for token in _PARSER.parse(body):
        if token.type == "fence":
            match = DIRECTIVE_INFO.match(token.info.strip())
            if match:
                line = (token.map[0] + 1) if token.map else 1
                found.append(FoundDirective(match.group(1), token.content, line, match.group(2)))
    return found


def render_markdown(body: str, directive_html: list[str] | None = None) -> Rendered:
    """Render a page body. ``directive_html[i]`` replaces the i-th directive block."""
    tokens = _PARSER.parse(body)
    counter = 0
    for token in tokens:
        if token.type == "fence" and DIRECTIVE_INFO.match(token.info.strip()):
            # Replaced by an inert placeholder paragraph, swapped back after sanitizing.
            token.type = "html_block"
            token.content = f"<p>{PLACEHOLDER.format(counter)}</p>\n"
            counter += 1
    # html_block tokens are rendered verbatim; with html off, only our placeholders are such.
    raw = _PARSER.renderer.render(tokens, _PARSER.options, {})
    clean = sanitize(raw)
    replacements = directive_html or []

    def swap(match: re.Match[str]) -> str:
        index = int(match.group(1) or match.group(2))
        return replacements[index] if index < len(replacements) else ""

    final = PLACEHOLDER_RE.sub(swap, clean)
    text = plain_text(tokens)
    words = count_words(text)
    return Rendered(
        html=final,
        toc=_toc(tokens),
        text=text,
        word_count=words,
        reading_minutes=max(1, math.ceil(words / WORDS_PER_MINUTE)),
    )


def sanitize(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=HTML_TAGS | MATHML_TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _toc(tokens: list[Token]) -> list[dict[str, Any]]:
    toc = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in {"h2", "h3"}:
            inline = tokens[i + 1]
            title = "".join(c.content for c in (inline.children or []) if c.type in {"text", "code_inline"})
            toc.append({"level": int(token.tag[1]), "id": token.attrs.get("id", ""), "title": title.strip()})
    return toc


def plain_text(tokens: list[Token]) -> str:
    """The prose of a page: what counts for reading time and search (no code, no directives)."""
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline":
            parts.extend(c.content for c in (token.children or []) if c.type in {"text", "code_inline"})
    return " ".join(p for p in parts if p.strip())


def count_words(text: str) -> int:
    return len(re.findall(r"[\w'\u2019-]+", text))


def validate_admonitions(body: str) -> list[tuple[int, str]]:
    """Admonition kinds outside the documented set are a typo worth reporting."""
    problems = []
    for number, line in enumerate(body.split("\n"), start=1):
        match = re.match(r"^(!!!|\?\?\?)\s+([A-Za-z-]+)", line)
        if match and match.group(2).lower() not in ADMONITION_KINDS:
            problems.append(
                (number, f"unknown admonition '{match.group(2)}' (use one of {', '.join(sorted(ADMONITION_KINDS))})")
            )
    return problems
