"""The exercises API of API.md: every endpoint, every bad input, permissions with the outsider."""

from __future__ import annotations

import json

import pytest

from courseware.models import Page
from exercises.models import Attempt, HintReveal

pytestmark = pytest.mark.django_db

RIGHT_FEEDBACK = "husky and wolf classifier was caught"
HIDDEN_CHECK_CODE = "str(ref.top_feature)"


def url(exercise, suffix: str = "") -> str:
    return f"/api/v1/exercises/{exercise.pk}/{suffix}"


def answer(client, exercise, choices):
    return client.post(url(exercise, "attempts/"), {"choices": choices}, format="json")


def ids(exercise, *, correct: bool) -> list[int]:
    return [c.pk for c in exercise.choices.all() if c.correct == correct]


# --- reading ------------------------------------------------------------------------------------
def test_get_exercise_has_no_answers(learner_api, exercises):
    quiz = exercises["why-trust-quiz"]
    response = learner_api.get(url(quiz))
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "multiple_choice" and body["title"] == "Check your understanding"
    assert body["multiple"] is False and body["hint_count"] == 1 and body["points"] == 1
    assert sorted(c["id"] for c in body["choices"]) == sorted(c.pk for c in quiz.choices.all())
    assert {"id", "text", "text_html"} == set(body["choices"][0])
    assert body["state"] == {
        "attempts": 0,
        "passed": False,
        "best_score": 0.0,
        "hints": [],
        "solution_available": False,
    }
    raw = json.dumps(body).lower()
    assert "correct" not in raw and RIGHT_FEEDBACK not in raw and "debugging tool" not in raw


def test_get_coding_exercise_has_starter_and_check_names_but_no_check_code(learner_api, exercises):
    body = learner_api.get(url(exercises["tree-top-feature"])).json()
    assert body["kind"] == "coding" and body["choices"] == []
    assert body["starter_code"].startswith("from sklearn.datasets import load_iris")
    assert body["check_names"] == [
        "tree is a fitted decision tree",
        "the tree is depth-limited",
        "the most important feature",
    ]
    raw = json.dumps(body)
    assert HIDDEN_CHECK_CODE not in raw and "expect_fitted" not in raw and "feature_importances_.argmax" not in raw


def test_choices_are_shuffled_the_same_way_on_every_visit(learner_api, outsider_api, instructor_api, exercises):
    agnostic = exercises["agnostic-methods"]
    authored = [c.pk for c in agnostic.choices.order_by("position")]
    orders = []
    for client in (learner_api, outsider_api, instructor_api):
        first = [c["id"] for c in client.get(url(agnostic)).json()["choices"]]
        assert first == [c["id"] for c in client.get(url(agnostic)).json()["choices"]]
        assert sorted(first) == sorted(authored)
        orders.append(first)
    assert any(order != authored for order in orders) or len({tuple(o) for o in orders}) > 1


def test_anonymous_reader_may_read_an_exercise_but_not_answer(api, exercises):
    quiz = exercises["why-trust-quiz"]
    body = api.get(url(quiz)).json()
    assert body["state"] is None
    for response in (
        answer(api, quiz, ids(quiz, correct=True)),
        api.post(url(quiz, "hints/")),
        api.get(url(quiz, "solution/")),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
    assert not Attempt.objects.exists()


def test_get_exercise_query_count_is_pinned(learner_api, exercises, django_assert_num_queries):
    quiz = exercises["why-trust-quiz"]
    learner_api.get(url(quiz))
    # user (token) + exercise with page and course + choices + attempts summary + hints + co-authors
    with django_assert_num_queries(6):
        learner_api.get(url(quiz))


def test_unpublished_or_unknown_exercise_is_404(learner_api, instructor_api, exercises):
    quiz = exercises["why-trust-quiz"]
    Page.objects.filter(pk=quiz.page_id).update(published=False)
    for response in (
        learner_api.get(url(quiz)),
        answer(learner_api, quiz, ids(quiz, correct=True)),
        learner_api.post(url(quiz, "hints/")),
        learner_api.get(url(quiz, "solution/")),
        learner_api.get("/api/v1/exercises/999999/"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    # The course's author previews drafts.
    assert instructor_api.get(url(quiz)).status_code == 200
    assert not Attempt.objects.exists()


def test_page_api_lists_exercise_ids_and_its_html_holds_no_answers(learner_api, exercises):
    quiz = exercises["why-trust-quiz"]
    body = learner_api.get(f"/api/v1/pages/{quiz.page_id}/").json()
    assert body["exercises"] == [quiz.pk, exercises["agnostic-methods"].pk]
    raw = json.dumps(body).lower()
    assert "correct" not in raw and RIGHT_FEEDBACK not in raw
    coding = learner_api.get(f"/api/v1/pages/{exercises['tree-top-feature'].page_id}/").json()
    assert HIDDEN_CHECK_CODE not in json.dumps(coding)


# --- multiple choice ----------------------------------------------------------------------------
def test_right_answer_is_graded_at_once_with_feedback_and_explanation(learner_api, exercises):
    quiz = exercises["why-trust-quiz"]
    response = answer(learner_api, quiz, ids(quiz, correct=True))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "graded" and body["correct"] is True and body["score"] == 1
    assert len(body["feedback"]) == 1 and RIGHT_FEEDBACK in body["feedback"][0]["message"]
    assert "debugging tool" in body["explanation_html"]
    attempt = Attempt.objects.get()
    assert attempt.correct and attempt.choice_ids == ids(quiz, correct=True)
    again = learner_api.get(body["url"]).json()
    assert again["id"] == attempt.pk and again["correct"] is True


def test_wrong_answer_gets_its_feedback_but_no_explanation(learner_api, exercises):
    quiz = exercises["why-trust-quiz"]
    wrong = ids(quiz, correct=False)[0]
    body = answer(learner_api, quiz, [wrong]).json()
    assert body["correct"] is False and body["score"] == 0 and body["explanation_html"] is None
    assert [f["choice"] for f in body["feedback"]] == [wrong]
    assert RIGHT_FEEDBACK not in json.dumps(body)


def test_several_answers_must_match_the_correct_set_exactly(learner_api, exercises):
    agnostic = exercises["agnostic-methods"]
    right = ids(agnostic, correct=True)
    assert answer(learner_api, agnostic, right[:1]).json()["correct"] is False
    assert answer(learner_api, agnostic, right + ids(agnostic, correct=False)[:1]).json()["correct"] is False
    body = answer(learner_api, agnostic, list(reversed(right))).json()
    assert body["correct"] is True and body["score"] == 2 and len(body["feedback"]) == 2


@pytest.mark.parametrize(
    "payload",
    [
        {"choices": []},
        {},
        {"choices": "2"},
        {"choices": [True]},
        {"choices": ["one"]},
        {"choices": [999999]},
        {"choices": "OTHER"},
        {"choices": "BOTH"},
        {"code": "x = 1"},
    ],
    ids=["empty", "missing", "not-a-list", "bool", "text", "unknown", "other-exercise", "two-for-single", "code"],
)
def test_bad_answers_are_400_naming_the_field_and_store_nothing(payload, learner_api, exercises):
    quiz, other = exercises["why-trust-quiz"], exercises["agnostic-methods"]
    if payload.get("choices") == "OTHER":
        payload = {"choices": [other.choices.first().pk]}
    elif payload.get("choices") == "BOTH":
        payload = {"choices": [c.pk for c in quiz.choices.all()[:2]]}
    response = learner_api.post(url(quiz, "attempts/"), payload, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"choices"} or (payload == {"code": "x = 1"} and "choices" in error["fields"])
    assert not Attempt.objects.exists()


def test_hints_come_one_at_a_time_and_the_last_one_repeats(learner_api, exercises):
    coding = exercises["tree-top-feature"]
    first = learner_api.post(url(coding, "hints/"))
    assert first.status_code == 200
    assert first.json() == {
        "index": 0,
        "text": coding.hints[0]["markdown"],
        "html": coding.hints[0]["html"],
        "remaining": 1,
        "cost": 1.0,
    }
    second = learner_api.post(url(coding, "hints/")).json()
    assert (second["index"], second["remaining"]) == (1, 0)
    third = learner_api.post(url(coding, "hints/")).json()
    assert (third["index"], third["remaining"]) == (1, 0)
    assert HintReveal.objects.count() == 2
    state = learner_api.get(url(coding)).json()["state"]
    assert [h["index"] for h in state["hints"]] == [0, 1]


def test_exercise_without_hints_is_a_conflict(learner_api, exercises):
    response = learner_api.post(url(exercises["agnostic-methods"], "hints/"))
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"


def test_hint_reveals_are_per_learner(learner_api, outsider_api, exercises):
    quiz = exercises["why-trust-quiz"]
    learner_api.post(url(quiz, "hints/"))
    assert outsider_api.get(url(quiz)).json()["state"]["hints"] == []


def test_attempts_are_the_owners_only(learner_api, outsider_api, api, exercises):
    quiz = exercises["why-trust-quiz"]
    attempt_url = answer(learner_api, quiz, ids(quiz, correct=True)).json()["url"]
    assert learner_api.get(attempt_url).status_code == 200
    response = outsider_api.get(attempt_url)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api.get(attempt_url).status_code == 401
    assert learner_api.get("/api/v1/attempts/999999/").status_code == 404


def test_flooding_is_throttled_with_retry_after(learner_api, exercises, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "attempts": "3/min"},
    }
    quiz = exercises["why-trust-quiz"]
    statuses = [answer(learner_api, quiz, ids(quiz, correct=False)[:1]).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    response = answer(learner_api, quiz, ids(quiz, correct=True))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"
    assert Attempt.objects.count() == 3


def test_solution_of_a_question_after_answering_it_right(learner_api, outsider_api, exercises):
    quiz = exercises["why-trust-quiz"]
    refused = learner_api.get(url(quiz, "solution/"))
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "The solution is shown once you have passed this exercise."
    answer(learner_api, quiz, ids(quiz, correct=True))
    body = learner_api.get(url(quiz, "solution/")).json()
    assert body["correct_choices"] == ids(quiz, correct=True) and "debugging tool" in body["explanation_html"]
    assert outsider_api.get(url(quiz, "solution/")).status_code == 403


def test_the_courses_author_always_sees_the_solution(instructor_api, exercises):
    body = instructor_api.get(url(exercises["tree-top-feature"], "solution/")).json()
    assert "feature_importances_.argmax()" in body["solution_code"]


# --- coding: input checks (no sandbox needed: nothing is queued) -----------------------------------
def test_code_over_64_kb_is_413_and_stores_nothing(learner_api, exercises):
    coding = exercises["tree-top-feature"]
    response = learner_api.post(url(coding, "attempts/"), {"code": "x = 1\n" + "#" * (64 * 1024)}, format="json")
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    huge = learner_api.post(url(coding, "attempts/"), {"code": "#" * (600 * 1024)}, format="json")
    assert huge.status_code == 413
    assert not Attempt.objects.exists()


@pytest.mark.parametrize("payload", [{"code": ""}, {"code": "   \n"}, {}, {"code": 42}, {"choices": [1]}])
def test_bad_code_is_400_naming_code(payload, learner_api, exercises):
    response = learner_api.post(url(exercises["tree-top-feature"], "attempts/"), payload, format="json")
    assert response.status_code == 400
    assert "code" in response.json()["error"]["fields"]
    assert not Attempt.objects.exists()


def test_anonymous_cannot_submit_code(api, exercises):
    response = api.post(url(exercises["tree-top-feature"], "attempts/"), {"code": "x = 1"}, format="json")
    assert response.status_code == 401
    assert not Attempt.objects.exists()
