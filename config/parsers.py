"""The API's one request parser: JSON, with its size and nesting capped before it is parsed.

Python's json module recurses once per nesting level, so a 2 KB body of `[` would exhaust
the stack; the body is measured and its bracket depth counted first, without recursion.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from config.errors import PayloadTooLarge

# A JSON string (escapes included) and anything that is not a bracket.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")
_OPENERS = frozenset(b"[{")


def nesting_depth_exceeds(raw: bytes, limit: int) -> bool:
    """True when arrays/objects in ``raw`` nest deeper than ``limit`` (brackets in strings ignored)."""
    skeleton = _NOT_BRACKET.sub(b"", _STRING.sub(b"", raw))
    depth = 0
    for byte in skeleton:
        if byte in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _declared_length(parser_context: dict[str, Any] | None) -> int:
    request = (parser_context or {}).get("request")
    meta = getattr(request, "META", {}) if request is not None else {}
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        limit = settings.API_JSON_MAX_BYTES
        too_large = PayloadTooLarge(f"A JSON body can be at most {limit} bytes.")
        if _declared_length(parser_context) > limit:
            raise too_large  # refused unread; the server closes the connection (config.wsgi)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise too_large
        max_depth = settings.API_JSON_MAX_DEPTH
        if nesting_depth_exceeds(raw, max_depth):
            raise ParseError(f"JSON parse error - arrays and objects may nest at most {max_depth} levels deep.")
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as exc:  # belt and braces: the depth check should make this unreachable
            raise ParseError("JSON parse error - nested too deeply.") from exc
