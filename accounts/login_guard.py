"""Log-in brute force: failed log-ins are counted per account and per address, in the cache.

Past the limit, every log-in for that account (or from that address) is refused for the rest
of the window, right or wrong password, before the password is even checked: the browser
form and the API's token endpoint ask the same question (``retry_after``).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver


def client_address(request: Any) -> str:
    """The caller's address: REMOTE_ADDR, or the proxy-added X-Forwarded-For entry when NUM_PROXIES says so.

    A client-supplied X-Forwarded-For is never trusted on its own: it would let anyone pick a
    new address for every attempt.
    """
    meta = getattr(request, "META", {}) or {}
    proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return str(meta.get("REMOTE_ADDR", "") or "unknown")


def _keys(username: str | None, address: str | None) -> list[tuple[str, int]]:
    keys = []
    if username:
        keys.append((f"login-failures:account:{username.strip().lower()}", settings.LOGIN_FAILURES_PER_ACCOUNT))
    if address:
        keys.append((f"login-failures:address:{address}", settings.LOGIN_FAILURES_PER_ADDRESS))
    return keys


def retry_after(*, username: str | None, address: str | None) -> int | None:
    """Seconds until a log-in may be tried again, or None when it may be tried now."""
    now = time.time()
    waits = []
    for key, limit in _keys(username, address):
        entry = cache.get(key)
        if entry and entry["count"] >= limit:
            waits.append(max(1, int(entry["since"] + settings.LOGIN_FAILURE_WINDOW - now)))
    return max(waits) if waits else None


def record_failure(*, username: str | None, address: str | None) -> None:
    now = time.time()
    window = settings.LOGIN_FAILURE_WINDOW
    for key, _ in _keys(username, address):
        entry = cache.get(key) or {"count": 0, "since": now}
        entry["count"] += 1
        remaining = max(1, int(entry["since"] + window - now))
        cache.set(key, entry, timeout=remaining)


@receiver(user_login_failed)
def _count_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = credentials.get("username")
    record_failure(
        username=username if isinstance(username, str) else None,
        address=client_address(request) if request is not None else None,
    )
