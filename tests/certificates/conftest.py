from __future__ import annotations

import pytest

from tests.certificates.helpers import SITE_URL, read_every_page


@pytest.fixture(autouse=True)
def certificate_site(settings, tmp_path, monkeypatch):
    """Files and the signing key in tmp_path; a public address unlike the test server's."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # A real worker, if a test starts one, must write where the test reads and print the same URLs.
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    monkeypatch.setenv("SITE_URL", SITE_URL)
    settings.ROOT_URLCONF = "tests.certificates.media_urls"
    settings.SITE_URL = SITE_URL
    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "certificate_signing_key.pem"
    return settings


@pytest.fixture(autouse=True)
def eager_celery(settings):
    """Tasks run in the caller's thread. Celery reads Django's settings live, so setting them
    (restored after the test) is enough — unless an earlier test pinned a value on app.conf."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    pinned = app.conf.changes.pop("task_always_eager") if "task_always_eager" in app.conf.changes else None
    yield
    if pinned is not None:
        app.conf.changes["task_always_eager"] = pinned


@pytest.fixture
def complete(django_capture_on_commit_callbacks):
    """Complete a course through the API; after-commit work (issuing, rendering) runs too."""

    def run(api_client, course):
        with django_capture_on_commit_callbacks(execute=True):
            return read_every_page(api_client, course)

    return run


@pytest.fixture
def certificate(learner_api, tiny_course, complete):
    """The learner's certificate for the tiny course, as the API shows it (rendered)."""
    complete(learner_api, tiny_course)
    body = learner_api.get("/api/v1/certificates/").json()
    assert body["count"] == 1
    return body["results"][0]
