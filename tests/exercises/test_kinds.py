"""The exercise kinds of the registry beyond multiple choice and coding, end to end.

Predict the output (graded at once, outside any sandbox, against what the snippet printed when
the course was imported) and multi-select with partial credit, through the importer, the API
and the page's htmx views.
"""

from __future__ import annotations

import json

import pytest
from django.template.loader import get_template

from exercises import kinds
from exercises.models import Exercise
from tests.plugins.courses import failing_import

pytestmark = pytest.mark.django_db

KINDS_PAGE = """---
title: More kinds
---
Two more ways to practise.

```{exercise}
id: argsort-output
kind: predict_output
title: What does argsort print?
points: 2
prompt: What does this print?
snippet: |
  import numpy as np
  x = np.array([3, 1, 2])
  print(x.argsort())
  print(round(float(x.mean()), 2))
```

```{exercise}
id: true-about-shap
kind: multi_select
points: 4
prompt: Which statements about permutation importance are true?
shuffle: false
choices:
  - text: It is model-agnostic.
    correct: true
  - text: It can be computed on held-out data.
    correct: true
  - text: It needs the model's gradients.
  - text: It is always positive.
    feedback: A feature can look harmful on held-out data.
```
"""
EXPECTED_OUTPUT = "[1 2 0]\n2.0"


@pytest.fixture
def kinds_course(exercise_course_dir, sandbox_server, instructor, import_dir):
    (exercise_course_dir / "02-wrap-up" / "02-kinds.md").write_text(KINDS_PAGE)
    import_dir(exercise_course_dir, "--owner", instructor.username)
    return {e.key: e for e in Exercise.objects.filter(course__slug="exercise-course")}


def answer(learner_api, exercise, body):
    return learner_api.post(f"/api/v1/exercises/{exercise.pk}/attempts/", body, format="json")


def test_every_kind_has_a_module_a_widget_and_an_editor():
    assert set(kinds.KINDS) == set(Exercise.Kind.values)
    for kind in kinds.KINDS.values():
        get_template(kind.widget_template)
        assert kind.answer_field and kind.label and kind.default_title


def test_predict_output_computes_the_answer_at_import_and_never_shows_it_early(kinds_course, learner_api):
    exercise = kinds_course["argsort-output"]
    assert exercise.kind == "predict_output" and exercise.expected_output == EXPECTED_OUTPUT
    shown = learner_api.get(f"/api/v1/exercises/{exercise.pk}/").json()
    assert shown["snippet"].startswith("import numpy as np") and shown["starter_code"] == ""
    assert "[1 2 0]" not in json.dumps(shown) and "[1 2 0]" not in exercise.page.html
    assert learner_api.get(f"/api/v1/exercises/{exercise.pk}/solution/").status_code == 403


def test_predict_output_is_graded_exactly_but_forgives_line_endings_and_trailing_spaces(kinds_course, learner_api):
    exercise = kinds_course["argsort-output"]
    wrong = answer(learner_api, exercise, {"answer": "[0 1 2]\n2.0"})
    assert wrong.status_code == 201 and wrong.json()["correct"] is False and wrong.json()["score"] == 0
    also_wrong = answer(learner_api, exercise, {"answer": "[1, 2, 0]\n2.0"})  # a list is not an array
    assert also_wrong.json()["correct"] is False
    right = answer(learner_api, exercise, {"answer": "[1 2 0]   \r\n2.0\n\n"})
    assert right.status_code == 201 and right.json()["correct"] is True and right.json()["score"] == 2
    solution = learner_api.get(f"/api/v1/exercises/{exercise.pk}/solution/").json()
    assert solution["expected_output"] == EXPECTED_OUTPUT and solution["solution_code"] == ""


def test_predict_output_rejects_malformed_answers_naming_the_field(kinds_course, learner_api):
    # One import for every case: each answer is its own request.
    for body in ({}, {"answer": ""}, {"answer": 42}, {"answer": "x" * 10_001}):
        response = answer(learner_api, kinds_course["argsort-output"], body)
        assert response.status_code == 400 and "answer" in json.dumps(response.json()), body


def test_an_answer_that_does_not_match_the_snippet_fails_the_import(exercise_course_dir, sandbox_server):
    page = KINDS_PAGE.replace("snippet: |\n", "answer: '[1 2 0]\\n2'\nsnippet: |\n")
    (exercise_course_dir / "02-wrap-up" / "02-kinds.md").write_text(page)
    errors = failing_import(exercise_course_dir)
    assert "02-kinds.md:6: {exercise}: the snippet prints '[1 2 0]\\n2.0', not the answer given" in errors


def test_a_snippet_that_raises_fails_the_import(exercise_course_dir, sandbox_server):
    page = KINDS_PAGE.replace("print(x.argsort())", "print(x.argsortt())")
    (exercise_course_dir / "02-wrap-up" / "02-kinds.md").write_text(page)
    assert "the snippet does not run cleanly: AttributeError" in failing_import(exercise_course_dir)


PARTIAL_CREDIT = [
    ([0, 1], True, 4.0),  # exactly the true statements
    ([0], False, 2.0),  # half of what is true
    ([0, 2], False, 0.0),  # one right (+1/2) and one wrong (-1/2)
    ([0, 1, 3], False, 2.0),  # both right (+1) and one wrong (-1/2)
    ([0, 1, 2, 3], False, 0.0),  # choosing everything earns nothing
]


def test_multi_select_gives_partial_credit(kinds_course, learner_api):
    exercise = kinds_course["true-about-shap"]
    ids = list(exercise.choices.order_by("position").values_list("pk", flat=True))
    for picked, correct, score in PARTIAL_CREDIT:
        body = answer(learner_api, exercise, {"choices": [ids[i] for i in picked]}).json()
        assert (body["correct"], body["score"]) == (correct, score), picked
    # The best attempt counts toward progress.
    state = learner_api.get(f"/api/v1/exercises/{exercise.pk}/").json()["state"]
    assert state["best_score"] == 4.0 and state["passed"] is True


def test_multi_select_in_the_page_says_partly_right(kinds_course, learner_client):
    exercise = kinds_course["true-about-shap"]
    first = exercise.choices.order_by("position").first()
    html = learner_client.post(f"/exercises/{exercise.pk}/submit/", {"choices": [str(first.pk)]}).content.decode()
    assert "Partly right: 2 of 4 points." in html
    page = exercise.page.html
    assert 'type="checkbox"' in page and "correct" not in page.lower()


def test_predict_output_in_the_page(kinds_course, learner_client, client):
    exercise = kinds_course["argsort-output"]
    assert 'name="answer"' in exercise.page.html and "argsort" in exercise.page.html
    html = learner_client.post(f"/exercises/{exercise.pk}/submit/", {"answer": EXPECTED_OUTPUT}).content.decode()
    assert "You are right" in html
    anonymous = client.get(f"/exercises/{exercise.pk}/panel/").content.decode()
    assert "data-login-required" in anonymous
