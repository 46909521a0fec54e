"""Search across a course's pages: PostgreSQL full-text search, a simple fallback elsewhere."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils.html import escape

from courseware.models import Course, Page

MAX_RESULTS = 20
LANGUAGE_CONFIGS = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian", "nl": "dutch"}


@dataclass
class Hit:
    page: Page
    snippet: str  # safe HTML: escaped text with <mark> around matches


def _config(course: Course) -> str:
    return LANGUAGE_CONFIGS.get(course.language.split("-")[0].lower(), "simple")


def refresh_course(course: Course) -> None:
    """Recompute the stored search vectors of a course's pages (PostgreSQL only)."""
    if not settings.IS_POSTGRES:
        return
    from django.contrib.postgres.search import SearchVector

    config = _config(course)
    Page.objects.filter(course=course).update(
        search_vector=SearchVector("title", weight="A", config=config)
        + SearchVector("search_text", weight="B", config=config)
    )


def search_course(course: Course, query: str) -> list[Hit]:
    query = query.strip()[:200]
    if not query:
        return []
    pages = Page.objects.filter(course=course, published=True).select_related("chapter")
    if settings.IS_POSTGRES:
        return _postgres(course, pages, query)
    return _fallback(pages, query)


def _postgres(course: Course, pages: QuerySet[Page], query: str) -> list[Hit]:
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

    config = _config(course)
    search_query = SearchQuery(query, search_type="websearch", config=config)
    results = (
        pages.filter(search_vector=search_query)
        .annotate(
            rank=SearchRank(F("search_vector"), search_query),
            headline=SearchHeadline(
                "search_text",
                search_query,
                config=config,
                start_sel="\x02",
                stop_sel="\x03",
                max_words=30,
                min_words=12,
            ),
        )
        .order_by("-rank", "sequence")[:MAX_RESULTS]
    )
    # Highlight markers are control characters so the text can be escaped before marking.
    return [Hit(hit, escape(hit.headline).replace("\x02", "<mark>").replace("\x03", "</mark>")) for hit in results]


def _fallback(pages: QuerySet[Page], query: str) -> list[Hit]:
    terms = [t for t in re.findall(r"\w+", query.lower()) if len(t) > 1][:8]
    if not terms:
        return []
    scored = []
    for page in pages.only("id", "title", "slug", "sequence", "search_text", "chapter__slug", "chapter__title"):
        text = page.search_text.lower()
        title = page.title.lower()
        if not all(term in text or term in title for term in terms):
            continue
        score = sum(title.count(t) * 5 + text.count(t) for t in terms)
        scored.append((score, page))
    scored.sort(key=lambda item: (-item[0], item[1].sequence))
    return [Hit(page, _snippet(page.search_text, terms)) for _, page in scored[:MAX_RESULTS]]


def _snippet(text: str, terms: list[str], width: int = 160) -> str:
    lower = text.lower()
    positions = [lower.find(t) for t in terms if lower.find(t) >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    piece = str(escape(text[start : start + width]))
    for term in terms:
        piece = re.sub(f"({re.escape(term)})", r"<mark>\1</mark>", piece, flags=re.IGNORECASE)
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
