"""Fixtures of the recovery tests: the exercise course, imported through the real sandbox."""

from __future__ import annotations

import time

import pytest

from tests.plugins.courses import FIXTURES

SOLUTION = """\
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
data = load_iris()
tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(data.data, data.target)
top_feature = data.feature_names[tree.feature_importances_.argmax()]
"""
# Long enough for the test to catch the worker in the middle of it, well within the wall limit.
SLOW_SOLUTION = "import time\ntime.sleep(4)\n" + SOLUTION
SLOW_RUN = "import time\ntime.sleep(4)\nprint('survived')\n"


def wait_for(predicate, timeout: float, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")


@pytest.fixture(autouse=True)
def _private_media(private_media):
    return private_media


@pytest.fixture
def coding_exercise(transactional_db, sandbox_server, instructor, import_dir):
    from exercises.models import Exercise

    import_dir(FIXTURES / "exercise-course", "--owner", instructor.username)
    return Exercise.objects.get(key="tree-top-feature")
