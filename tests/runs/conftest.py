"""Fixtures of the runs tests: a private media folder, eager tasks, the runnable course."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "courses"


@pytest.fixture(autouse=True)
def _private_media(private_media):
    """Figures of these tests go to a throwaway folder (tests.plugins.browser.private_media)."""
    return private_media


@pytest.fixture
def eager_tasks(settings):
    """Tasks run in the process that sends them (after commit; see django_capture_on_commit_callbacks)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def sandbox_calls(monkeypatch):
    """Counts the runs sent to the sandbox server (they still really run)."""
    from runs import sandbox_gateway

    calls: list[str] = []
    real = sandbox_gateway.run

    def counting(code, **kwargs):
        calls.append(code)
        return real(code, **kwargs)

    monkeypatch.setattr(sandbox_gateway, "run", counting)
    return calls


@pytest.fixture
def sandbox_down(monkeypatch, tmp_path):
    """The sandbox socket points at a path where nothing listens."""
    monkeypatch.setenv("GLASSBOOK_SANDBOX_SOCKET", str(tmp_path / "nobody-listens.sock"))


@pytest.fixture
def runnable_course_dir(tmp_path) -> Path:
    target = tmp_path / "runnable-course"
    shutil.copytree(FIXTURES / "runnable-course", target)
    return target


@pytest.fixture
def runnable_course(db, sandbox_server, runnable_course_dir, import_dir):
    from courseware.models import Course

    import_dir(runnable_course_dir)
    return Course.objects.get(slug="runnable-course")
