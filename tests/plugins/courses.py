"""Courses for tests: import a folder (or an edited copy of one) through the real importer."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "courses"


def run_import(folder) -> str:
    """Import ``folder`` with the management command; returns what it printed."""
    out = StringIO()
    call_command("import_course", str(folder), stdout=out, stderr=out)
    return out.getvalue()


def failing_import(folder) -> str:
    """Import ``folder``, which must fail without changing anything; returns the problems printed."""
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_course", str(folder), stdout=StringIO(), stderr=err)
    assert "nothing was changed" in str(info.value)
    return err.getvalue()


@pytest.fixture
def tiny_course_dir(tmp_path) -> Path:
    """A writable copy of the tiny course, to edit before importing."""
    target = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", target)
    return target


@pytest.fixture
def import_dir(db):
    def run(folder: Path, *args: str) -> None:
        call_command("import_course", str(folder), *args, verbosity=0)

    return run


@pytest.fixture
def tiny_course(db, tiny_course_dir, import_dir):
    from courseware.models import Course

    import_dir(tiny_course_dir)
    return Course.objects.get(slug="tiny-course")
