"""Rendered reader pages for anonymous visitors, kept in each web process.

Every anonymous reader of a page gets the same HTML, so it is rendered once per process
and content version. The version lives in the shared cache and changes whenever a course,
chapter or page is written (signals, after commit), so every process drops stale pages
at once. Logged-in readers always get a fresh render (their progress is on the page).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from threading import Lock
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

VERSION_KEY = "courseware:content-version"
MAX_ENTRIES = 1024

_entries: OrderedDict[tuple[str, int], tuple[bytes, str]] = OrderedDict()
_lock = Lock()


def content_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return int(version)


def bump_content_version(**_: Any) -> None:
    # Now, so this process stops serving the old page at once, and again after commit, so a
    # page rendered from the old rows in between is dropped too.
    cache.set(VERSION_KEY, time.time_ns(), None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, time.time_ns(), None))


def _cacheable(request: HttpRequest) -> bool:
    if request.method != "GET" or request.user.is_authenticated or request.GET:
        return False
    # A pending flash message belongs to this visitor only (messages live in the session
    # or a cookie; an anonymous visitor without either has none).
    return not (request.COOKIES.get("messages") or request.COOKIES.get("sessionid"))


def anonymous_page_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = (request.path, content_version())
        with _lock:
            hit = _entries.get(key)
            if hit is not None:
                _entries.move_to_end(key)
        if hit is not None:
            response = HttpResponse(hit[0], content_type=hit[1])
            response["X-Glassbook-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not response.streaming:
            if hasattr(response, "render"):
                response.render()
            with _lock:
                _entries[key] = (response.content, response["Content-Type"])
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)
        return response

    return wrapper


def clear() -> None:
    with _lock:
        _entries.clear()
