"""Fixtures of the authoring tests: a second instructor and staff, courses owned by the
instructor, and helpers that build bundles as zips."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from tests.plugins.users import PASSWORD, _api_client_for

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def other_instructor(django_user_model):
    """An instructor who is not an author of the test courses: a course-level outsider."""
    return django_user_model.objects.create_user(
        username="ivan", email="ivan@example.org", password=PASSWORD, display_name="Ivan Other", is_instructor=True
    )


@pytest.fixture
def other_instructor_client(other_instructor) -> Client:
    client = Client()
    client.force_login(other_instructor)
    return client


@pytest.fixture
def other_instructor_api(other_instructor):
    return _api_client_for(other_instructor)


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user(
        username="sam", email="sam@example.org", password=PASSWORD, display_name="Sam Staff", is_staff=True
    )


@pytest.fixture
def staff_client(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def quiz_course_dir(tmp_path) -> Path:
    target = tmp_path / "quiz-course"
    shutil.copytree(FIXTURES / "quiz-course", target)
    return target


@pytest.fixture
def owned_tiny(tiny_course, instructor):
    """The tiny course, owned by the instructor."""
    tiny_course.owner = instructor
    tiny_course.save()
    return tiny_course


@pytest.fixture
def quiz_course(db, quiz_course_dir, import_dir, instructor):
    from courseware.models import Course

    import_dir(quiz_course_dir, "--owner", instructor.username)
    return Course.objects.get(slug="quiz-course")


def zip_folder(folder: Path, *, top: str | None = None) -> bytes:
    """A course folder as a bundle, optionally inside one top-level folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                archive.write(path, f"{top}/{name}" if top else name)
    return buffer.getvalue()


def zip_files(files: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
