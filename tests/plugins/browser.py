"""Headless Chromium (Debian's package, driven by Playwright) against a live test server.

Browser tests are marked ``browser``. They need transactional database access (the live
server thread does not see a test's open transaction) and run Celery tasks eagerly inside the
server's request thread, so a run finishes without a worker process.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (make setup installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django's guard against
    # ORM calls from async code would then refuse the test's own (synchronous) queries.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def private_media(settings) -> Iterator[Path]:
    """Files saved to default storage go to a folder of their own below MEDIA_ROOT, removed after.

    Below MEDIA_ROOT (not a tmp dir) because the /media/ route serves MEDIA_ROOT as it was
    when the URLs were loaded, and tests fetch what they stored through it.
    """
    folder = f"test-{uuid.uuid4().hex[:12]}"
    location = Path(settings.MEDIA_ROOT) / folder
    private = Path(tempfile.mkdtemp(prefix="glassbook-private-"))  # never below MEDIA_ROOT
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": f"{settings.MEDIA_URL}{folder}/"},
        },
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(private)}},
    }
    try:
        yield location
    finally:
        shutil.rmtree(location, ignore_errors=True)
        shutil.rmtree(private, ignore_errors=True)


@pytest.fixture
def live_site(live_server, transactional_db, settings, private_media) -> Any:
    """The live server, with tasks run eagerly in its request thread."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return live_server


@pytest.fixture
def browser_page(browser, live_site) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page; console errors fail the test."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=live_site.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and not _favicon(msg) else None)
    page.console_errors = errors  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()


def _favicon(message: Any) -> bool:
    """The site has no favicon; the browser's request for one is not the page's error."""
    return "favicon.ico" in (message.location or {}).get("url", "")


@pytest.fixture
def browser_login(live_site) -> Callable[[Any, Any], None]:
    """Log ``user`` in to a page's browser context with a session made by the test client."""
    from django.conf import settings as django_settings
    from django.test import Client

    def login(page: Any, user: Any) -> None:
        client = Client()
        client.force_login(user)
        session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_site.url}]
        )

    return login
