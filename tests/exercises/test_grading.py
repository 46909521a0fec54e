"""Coding exercises graded end to end: API → on_commit → Celery task (eager) → sandbox → attempt.

Also progress: exercise points count toward the course and complete it at the pass mark.
"""

from __future__ import annotations

import json

import pytest

from courseware.models import Page
from exercises.models import Attempt

pytestmark = pytest.mark.django_db

SOLUTION = """\
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
data = load_iris()
tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(data.data, data.target)
top_feature = data.feature_names[tree.feature_importances_.argmax()]
"""


def graded(learner_api, response) -> dict:
    assert response.status_code == 202, response.content
    queued = response.json()
    assert queued["status"] == "queued" and queued["url"].endswith(f"/api/v1/attempts/{queued['id']}/")
    body = learner_api.get(queued["url"]).json()
    assert body["status"] in {"graded", "error"}, body
    return body


def test_right_code_passes_every_check(learner_api, exercises, submit_code):
    body = graded(learner_api, submit_code(exercises["tree-top-feature"], SOLUTION))
    assert body["status"] == "graded" and body["correct"] is True and body["score"] == 10
    assert [(c["name"], c["passed"]) for c in body["checks"]] == [
        ("tree is a fitted decision tree", True),
        ("the tree is depth-limited", True),
        ("the most important feature", True),
    ]
    assert body["checks"][2]["hidden"] is True
    assert body["duration_ms"] > 0


def test_wrong_code_fails_with_messages_for_visible_checks_only(learner_api, exercises, submit_code):
    code = SOLUTION.replace("max_depth=2", "max_depth=1").replace(
        "top_feature = data.feature_names[tree.feature_importances_.argmax()]", "top_feature = 'sepal length (cm)'"
    )
    body = graded(learner_api, submit_code(exercises["tree-top-feature"], code))
    assert body["status"] == "graded" and body["correct"] is False and body["score"] == 0
    fitted, depth, hidden = body["checks"]
    assert fitted == {"name": "tree is a fitted decision tree", "passed": True, "message": "", "hidden": False}
    assert depth["passed"] is False and depth["message"] == "`max_depth`: expected 2, got 1."
    # A hidden check says only what its author wrote, never the expected value.
    assert hidden == {
        "name": "the most important feature",
        "passed": False,
        "message": "That is not the feature with the largest importance.",
        "hidden": True,
    }
    coding = Attempt.objects.get(pk=body["id"]).exercise
    expected = coding.reference_observations[2]
    assert isinstance(expected, str) and expected != "sepal length (cm)"
    assert expected not in json.dumps(body)


def test_failing_hidden_check_means_not_correct(learner_api, exercises, submit_code):
    code = SOLUTION.replace(
        "top_feature = data.feature_names[tree.feature_importances_.argmax()]", "top_feature = data.feature_names[0]"
    )
    body = graded(learner_api, submit_code(exercises["tree-top-feature"], code))
    assert [c["passed"] for c in body["checks"]] == [True, True, False]
    assert body["correct"] is False and body["score"] == 0


def test_printing_fake_check_results_does_not_pass(learner_api, exercises, submit_code):
    fake = json.dumps(
        {"checks": [{"name": n, "passed": True, "message": "", "hidden": False} for n in ("a", "b", "c")]}
    )
    code = f"import sys\nprint({fake!r})\nsys.stderr.write({fake!r})\nemit = print\n"
    body = graded(learner_api, submit_code(exercises["tree-top-feature"], code))
    assert body["correct"] is False and not any(c["passed"] for c in body["checks"])
    assert '"passed": true' in body["stdout"]


def test_code_that_raises_fails_every_check_and_shows_the_error(learner_api, exercises, submit_code):
    code = "from sklearn.tree import DecisionTreeClassifier\ntree = DecisionTreeClassifier()\n1 / 0\n"
    body = graded(learner_api, submit_code(exercises["tree-top-feature"], code))
    assert body["status"] == "graded" and body["correct"] is False
    assert "ZeroDivisionError" in body["error"]
    visible = [c for c in body["checks"] if not c["hidden"]]
    assert all("ZeroDivisionError" in c["message"] and "line 3" in c["message"] for c in visible)


def test_the_solutions_output_never_reaches_the_learner(
    learner_api, exercises, submit_code, exercise_course_dir, import_dir
):
    # The reference solution runs in a sandbox child of its own and what it prints is never kept;
    # it must not reach the learner's attempt by any path.
    path = exercise_course_dir / "01-basics" / "02-coding.md"
    path.write_text(
        path.read_text().replace("argmax()]\nchecks:", "argmax()]\n  print('ANSWER', top_feature)\nchecks:")
    )
    import_dir(exercise_course_dir)
    coding = exercises["tree-top-feature"]
    coding.refresh_from_db()
    assert "print('ANSWER'" in coding.solution_code
    body = graded(learner_api, submit_code(coding, "print('mine')\n"))
    assert body["stdout"] == "mine\n" and "ANSWER" not in json.dumps(body)


def test_code_that_runs_too_long_ends_in_error_not_a_pass(learner_api, exercises, submit_code):
    body = graded(learner_api, submit_code(exercises["tree-top-feature"], "while True:\n    pass\n"))
    assert body["status"] == "error" and body["correct"] is False and body["score"] == 0
    assert "CPU time" in body["feedback"][0]["message"] or "ran for more than" in body["feedback"][0]["message"]


def test_unreachable_sandbox_ends_in_error_after_retries(learner_api, exercises, submit_code, monkeypatch, tmp_path):
    monkeypatch.setenv("GLASSBOOK_SANDBOX_SOCKET", str(tmp_path / "gone.sock"))
    monkeypatch.setattr("runs.sandbox_gateway.retry_countdown", lambda retries: 0)
    body = graded(learner_api, submit_code(exercises["tree-top-feature"], SOLUTION))
    assert body["status"] == "error" and body["correct"] is False
    assert "grader is unavailable" in body["feedback"][0]["message"]


def test_hints_cost_points_and_the_solution_opens_after_passing(learner_api, exercises, submit_code):
    coding = exercises["tree-top-feature"]
    refused = learner_api.get(f"/api/v1/exercises/{coding.pk}/solution/")
    assert refused.status_code == 403
    learner_api.post(f"/api/v1/exercises/{coding.pk}/hints/")
    body = graded(learner_api, submit_code(coding, SOLUTION))
    assert body["correct"] is True and body["score"] == 9 and body["hints_used"] == 1
    solution = learner_api.get(f"/api/v1/exercises/{coding.pk}/solution/").json()
    assert solution["solution_code"] == coding.solution_code
    state = learner_api.get(f"/api/v1/exercises/{coding.pk}/").json()["state"]
    assert state == {**state, "attempts": 1, "passed": True, "best_score": 9.0, "solution_available": True}


def test_regrading_a_final_attempt_changes_nothing(learner_api, exercises, submit_code):
    from exercises.tasks import grade_attempt

    body = graded(learner_api, submit_code(exercises["tree-top-feature"], SOLUTION))
    before = Attempt.objects.get(pk=body["id"])
    grade_attempt.delay(body["id"])  # a duplicate delivery
    after = Attempt.objects.get(pk=body["id"])
    assert (after.status, after.score, after.graded_at) == (before.status, before.score, before.graded_at)


def test_progress_counts_best_exercise_scores_and_completes_at_the_pass_mark(
    learner_api, exercise_course, exercises, submit_code
):
    def progress():
        return learner_api.get("/api/v1/courses/exercise-course/progress/").json()

    start = progress()
    assert (start["exercises_passed"], start["exercise_total"], start["points_total"]) == (0, 3, 13)
    for page in Page.objects.filter(course=exercise_course):
        learner_api.post(f"/api/v1/pages/{page.pk}/read/")
    quiz, agnostic = exercises["why-trust-quiz"], exercises["agnostic-methods"]
    right = [c.pk for c in quiz.choices.all() if c.correct]
    learner_api.post(f"/api/v1/exercises/{quiz.pk}/attempts/", {"choices": right}, format="json")
    learner_api.post(
        f"/api/v1/exercises/{agnostic.pk}/attempts/", {"choices": [agnostic.choices.first().pk]}, format="json"
    )
    middle = progress()
    assert (middle["exercises_passed"], middle["points"], middle["completed"]) == (1, 1, False)
    # A later wrong answer does not lower the best score.
    wrong = [c.pk for c in quiz.choices.all() if not c.correct][:1]
    learner_api.post(f"/api/v1/exercises/{quiz.pk}/attempts/", {"choices": wrong}, format="json")
    assert progress()["points"] == 1
    graded(learner_api, submit_code(exercises["tree-top-feature"], SOLUTION))
    done = progress()
    assert (done["exercises_passed"], done["points"]) == (2, 11)  # 11 / 13 ≥ 0.8
    assert done["completed"] is True and done["percent"] == 92
