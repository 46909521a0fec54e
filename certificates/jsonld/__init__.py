"""JSON-LD processing with the contexts from npm packages only (never the network).

``static/dist/jsonld/contexts.json`` is written at set-up (``npm run build``) from the context
packages listed in ``export-contexts.cjs``; the same files the independent verifiers load.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyld import jsonld

_lock = threading.Lock()


@cache
def contexts() -> dict[str, Any]:
    path = settings.BASE_DIR / "static" / "dist" / "jsonld" / "contexts.json"
    try:
        loaded: dict[str, Any] = json.loads(path.read_bytes())
    except OSError as exc:
        raise ImproperlyConfigured(
            f"The JSON-LD contexts are missing ({path}); `make setup` (npm ci && npm run build) writes them."
        ) from exc
    return loaded


class UnknownContext(ValueError):
    pass


def _loader(url: str, options: Any = None) -> dict[str, Any]:
    known = contexts()
    if url not in known:
        raise UnknownContext(f"unknown JSON-LD context {url!r}: only bundled contexts are loaded")
    return {"contextUrl": None, "documentUrl": url, "document": known[url]}


def canonical_nquads(document: dict[str, Any]) -> bytes:
    """RDF Dataset Canonicalization (RDFC-1.0, the algorithm pyld calls URDNA2015) as N-Quads.

    pyld has no "safe mode": a term no context defines is dropped, not signed. The credentials
    use defined terms only, and the tests run Digital Bazaar's verifier, which is strict, on them.
    """
    # pyld keeps per-call state in module globals for the context cache; one at a time is safe.
    with _lock:
        text = jsonld.normalize(
            document,
            {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _loader},
        )
    return str(text).encode("utf-8")
