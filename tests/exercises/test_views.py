"""The exercise widget in the reader: stored markup, the learner's panel, answering over htmx."""

from __future__ import annotations

import re

import pytest

from courseware.models import Page
from exercises.models import Attempt

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SOLUTION = """\
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
data = load_iris()
tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(data.data, data.target)
top_feature = data.feature_names[tree.feature_importances_.argmax()]
"""


def page_url(page: Page) -> str:
    return f"/courses/exercise-course/{page.chapter.slug}/{page.slug}/"


def test_question_widget_is_an_accessible_form_without_answers(client, exercises):
    quiz, agnostic = exercises["why-trust-quiz"], exercises["agnostic-methods"]
    body = client.get(page_url(quiz.page)).content.decode()
    assert f'id="ex-{quiz.pk}"' in body and "<fieldset" in body and "<legend" in body
    assert body.count('type="radio" name="choices"') == 3 and body.count('type="checkbox" name="choices"') == 4
    for choice in quiz.choices.all():
        assert f'<label class="exercise-choice" for="ex-{quiz.pk}-choice-{choice.pk}">' in body
    assert f'hx-get="/exercises/{quiz.pk}/panel/" hx-trigger="load"' in body
    assert f'hx-post="/exercises/{agnostic.pk}/submit/"' in body
    assert "correct" not in body.lower() and "husky and wolf classifier was caught" not in body


def test_anonymous_panel_asks_to_log_in(client, exercises):
    quiz = exercises["why-trust-quiz"]
    body = client.get(f"/exercises/{quiz.pk}/panel/").content.decode()
    assert "Log in</a> to check your answers" in body
    assert "/accounts/login/?next=/courses/exercise-course/basics/questions/" in body.replace("%2F", "/")
    answered = client.post(f"/exercises/{quiz.pk}/submit/", {"choices": [quiz.choices.first().pk]}, **HTMX)
    assert "Log in to check your answer." in answered.content.decode()
    assert not Attempt.objects.exists()


def test_wrong_then_right_answer(learner_client, exercises):
    quiz = exercises["why-trust-quiz"]
    wrong = quiz.choices.get(key="1")
    body = learner_client.post(f"/exercises/{quiz.pk}/submit/", {"choices": [wrong.pk]}, **HTMX).content.decode()
    assert "Not quite, try again." in body
    assert "On tabular data a small model is often just as good." in body  # the chosen choice's feedback
    assert "husky and wolf classifier was caught" not in body and "debugging tool" not in body
    right = quiz.choices.get(correct=True)
    body = learner_client.post(f"/exercises/{quiz.pk}/submit/", {"choices": [right.pk]}, **HTMX).content.decode()
    assert "You are right" in body
    assert 'href="/courses/exercise-course/basics/coding/">next page →</a>' in body
    assert "debugging tool" in body and "✓ Passed" in body and "2 attempts" in body


def test_last_page_links_back_to_the_course(learner_client, exercises, exercise_course_dir, import_dir):
    quiz = exercises["why-trust-quiz"]
    Page.objects.filter(slug__in=["coding", "summary"]).update(published=False)
    right = quiz.choices.get(correct=True)
    body = learner_client.post(f"/exercises/{quiz.pk}/submit/", {"choices": [right.pk]}, **HTMX).content.decode()
    assert 'href="/courses/exercise-course/">back to the course →</a>' in body


def test_submitting_nothing_says_so_and_stores_nothing(learner_client, exercises):
    quiz = exercises["why-trust-quiz"]
    body = learner_client.post(f"/exercises/{quiz.pk}/submit/", {}, **HTMX).content.decode()
    assert "Choose an answer first." in body
    other = exercises["agnostic-methods"].choices.first()
    body = learner_client.post(f"/exercises/{quiz.pk}/submit/", {"choices": [other.pk]}, **HTMX).content.decode()
    assert "Not a choice of this exercise" in body
    assert not Attempt.objects.exists()


def test_hints_in_the_widget(learner_client, exercises):
    coding = exercises["tree-top-feature"]
    panel = learner_client.get(f"/exercises/{coding.pk}/panel/").content.decode()
    assert "Show a hint (2 left; each costs 1 point)" in panel
    body = learner_client.post(f"/exercises/{coding.pk}/hints/", **HTMX).content.decode()
    assert "<code>tree.feature_importances_</code>" in body and "Another hint (1 left" in body
    body = learner_client.post(f"/exercises/{coding.pk}/hints/", **HTMX).content.decode()
    assert "<code>data.feature_names[i]</code>" in body and "hint (" not in body


def test_coding_submission_shows_the_checks_table(learner_client, exercises, django_capture_on_commit_callbacks):
    coding = exercises["tree-top-feature"]
    wrong = SOLUTION.replace("max_depth=2", "max_depth=1").replace(
        "top_feature = data.feature_names[tree.feature_importances_.argmax()]", "top_feature = 'x'"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = learner_client.post(f"/exercises/{coding.pk}/submit/", {"code": wrong}, **HTMX)
    attempt = Attempt.objects.get()
    body = learner_client.get(f"/exercises/attempts/{attempt.pk}/", **HTMX).content.decode()
    assert response.status_code == 200 and "Not quite, try again." in body
    rows = [
        (c, n.strip()) for c, n in re.findall(r"<tr class=\"(is-pass|is-fail)\">\s*<th scope=\"row\">([^<]+)", body)
    ]
    assert rows == [
        ("is-pass", "tree is a fitted decision tree"),
        ("is-fail", "the tree is depth-limited"),
        ("is-fail", "the most important feature"),
    ]
    assert "`max_depth`: expected 2, got 1." in body
    assert "largest importance" not in body and "ref.top_feature" not in body
    assert "The solution is shown once you have passed this exercise." in body


def test_pending_attempt_polls_until_graded(learner_client, learner, exercises):
    coding = exercises["tree-top-feature"]
    # Not committed callbacks: the task never runs, so the attempt stays queued.
    learner_client.post(f"/exercises/{coding.pk}/submit/", {"code": SOLUTION}, **HTMX)
    attempt = Attempt.objects.get(user=learner)
    body = learner_client.get(f"/exercises/attempts/{attempt.pk}/", **HTMX).content.decode()
    assert "Checking your code…" in body
    assert f'hx-get="/exercises/attempts/{attempt.pk}/" hx-trigger="load delay:600ms"' in body


def test_right_code_opens_the_solution(learner_client, exercises, django_capture_on_commit_callbacks):
    coding = exercises["tree-top-feature"]
    assert "The solution is shown once" in learner_client.get(f"/exercises/{coding.pk}/solution/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        learner_client.post(f"/exercises/{coding.pk}/submit/", {"code": SOLUTION}, **HTMX)
    panel = learner_client.get(f"/exercises/{coding.pk}/panel/", **HTMX).content.decode()
    assert "All checks passed. You are right" in panel and "Show the solution" in panel
    solution = learner_client.get(f"/exercises/{coding.pk}/solution/", **HTMX).content.decode()
    assert "feature_importances_.argmax()" in solution and "Copy into the editor" in solution


def test_another_learners_attempt_is_404(learner_client, outsider_client, exercises):
    quiz = exercises["why-trust-quiz"]
    learner_client.post(f"/exercises/{quiz.pk}/submit/", {"choices": [quiz.choices.first().pk]}, **HTMX)
    attempt = Attempt.objects.get()
    assert outsider_client.get(f"/exercises/attempts/{attempt.pk}/").status_code == 404
    assert learner_client.get(f"/exercises/attempts/{attempt.pk}/").status_code == 200


def test_html_answers_share_the_api_throttle(learner_client, exercises, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "attempts": "2/min"},
    }
    quiz = exercises["why-trust-quiz"]
    choice = quiz.choices.first().pk
    for _ in range(2):
        learner_client.post(f"/exercises/{quiz.pk}/submit/", {"choices": [choice]}, **HTMX)
    response = learner_client.post(f"/exercises/{quiz.pk}/submit/", {"choices": [choice]}, **HTMX)
    assert "You are answering very quickly" in response.content.decode() and int(response["Retry-After"]) > 0
    assert Attempt.objects.count() == 2


def test_unpublished_exercise_fragments_are_404(learner_client, exercises):
    quiz = exercises["why-trust-quiz"]
    Page.objects.filter(pk=quiz.page_id).update(published=False)
    assert learner_client.get(f"/exercises/{quiz.pk}/panel/").status_code == 404
    assert learner_client.post(f"/exercises/{quiz.pk}/submit/", {"choices": [1]}).status_code == 404
