"""The exercise course of tests/fixtures, imported through the real importer and sandbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.plugins.courses import FIXTURES

COURSE_SLUG = "exercise-course"


@pytest.fixture(autouse=True)
def _eager_tasks(settings):
    """Grading runs in the test's process once the transaction commits (no worker needed)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def exercise_course_dir(tmp_path) -> Path:
    """A writable copy of the exercise course, to edit before importing."""
    target = tmp_path / COURSE_SLUG
    shutil.copytree(FIXTURES / COURSE_SLUG, target)
    return target


@pytest.fixture
def exercise_course(db, sandbox_server, exercise_course_dir, instructor, import_dir):
    """Imported with verification (the sandbox runs solution and starter), owned by the instructor."""
    from courseware.models import Course

    import_dir(exercise_course_dir, "--owner", instructor.username)
    return Course.objects.get(slug=COURSE_SLUG)


@pytest.fixture
def exercises(exercise_course):
    """The course's exercises by their id in the files."""
    from exercises.models import Exercise

    return {exercise.key: exercise for exercise in Exercise.objects.filter(course=exercise_course)}


@pytest.fixture
def submit_code(learner_api, django_capture_on_commit_callbacks):
    """POST code as the learner and run what happens after commit (the eager grading task)."""

    def submit(exercise, code: str, client=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = (client or learner_api).post(f"/api/v1/exercises/{exercise.pk}/attempts/", {"code": code})
        return response

    return submit
