"""The exercise editor: a form that writes an ``{exercise}`` block into the page."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse

from courseware.authoring.exercise_blocks import exercise_blocks, exercise_markdown, replace_exercise
from courseware.models import Page

pytestmark = pytest.mark.django_db


def new_url(page: Page) -> str:
    return reverse("authoring:exercise_new", kwargs={"slug": page.course.slug, "page_id": page.pk})


def edit_url(page: Page, index: int) -> str:
    return reverse("authoring:exercise_edit", kwargs={"slug": page.course.slug, "page_id": page.pk, "index": index})


def management(prefix: str, total: int) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip


def mc_post(**overrides) -> dict:
    data = {
        "kind": "multiple_choice",
        "id": "trees-split",
        "title": "How trees split",
        "prompt": "What does a decision tree do at each node?\n\nPick **one**.",
        "points": "2",
        "explanation": "It picks the split that reduces impurity most.",
        "shuffle": "on",
        "solution_visible": "after_pass",
        **management("choices", 3),
        "choices-0-text": "It splits on one feature at a threshold.",
        "choices-0-correct": "on",
        "choices-0-feedback": "Right.",
        "choices-1-text": "It fits a line.",
        "choices-1-feedback": "That is linear regression.",
        "choices-2-text": "",
        **management("checks", 1),
        **management("hints", 2),
        "hints-0-text": "Think of a threshold.",
        "hints-1-text": "",
        "action": "save",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def coding_post(**overrides) -> dict:
    data = {
        "kind": "coding",
        "id": "sum-list",
        "title": "Add them up",
        "prompt": "Store the sum of `numbers` in `total`.",
        "points": "5",
        "starter": "numbers = [1, 2, 3]\ntotal = ...\n",
        "solution": "numbers = [1, 2, 3]\ntotal = sum(numbers)\n",
        "solution_visible": "after_pass",
        **management("choices", 0),
        **management("checks", 2),
        "checks-0-name": "total is the sum",
        "checks-0-observe": "total",
        "checks-0-message": "Not the sum.",
        "checks-1-name": "total is an int",
        "checks-1-observe": "type_name(total)",
        "checks-1-expect": "int",
        "checks-1-message": "Use sum().",
        "checks-1-hidden": "on",
        **management("hints", 1),
        "hints-0-text": "There is a built-in for this.",
        "action": "save",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_new_exercise_form_has_room_for_choices_checks_and_hints(instructor_client, quiz_course):
    page = Page.objects.get(slug="trees")
    body = instructor_client.get(new_url(page)).content.decode()
    assert 'name="choices-3-text"' in body and 'name="checks-1-observe"' in body and 'name="hints-1-text"' in body
    assert 'data-editor="python"' in body and "dist/editor.js" in body


def test_saving_a_multiple_choice_exercise_writes_the_block_and_the_rows(
    instructor_client, quiz_course, learner_client
):
    from exercises.models import Exercise

    page = Page.objects.get(slug="trees")
    response = instructor_client.post(new_url(page), mc_post())
    assert response.status_code == 302, response.content.decode()[:3000]
    page.refresh_from_db()
    assert page.markdown.startswith("Trees split the data.")
    block = exercise_blocks(page.markdown)[-1]
    assert block.data == {
        "id": "trees-split",
        "kind": "multiple_choice",
        "title": "How trees split",
        "points": 2,
        "prompt": "What does a decision tree do at each node?\n\nPick **one**.\n",
        "choices": [
            {"text": "It splits on one feature at a threshold.", "correct": True, "feedback": "Right."},
            {"text": "It fits a line.", "feedback": "That is linear regression."},
        ],
        "hints": ["Think of a threshold."],
        "explanation": "It picks the split that reduces impurity most.",
    }
    exercise = Exercise.objects.get(course=quiz_course, key="trees-split")
    assert exercise.page_id == page.pk and exercise.points == 2
    assert list(exercise.choices.order_by("position").values_list("correct", flat=True)) == [True, False]
    # The reader shows the widget.
    html = learner_client.get("/courses/quiz-course/deeper/trees/").content.decode()
    assert "How trees split" in html


def test_editing_an_exercise_replaces_only_its_block_and_keeps_attempts(
    instructor_client, quiz_course, learner, learner_api
):
    from exercises.models import Attempt, Exercise

    page = Page.objects.get(slug="models")
    exercise = Exercise.objects.get(key="what-is-a-model")
    wrong = exercise.choices.get(key="2")
    learner_api.post(f"/api/v1/exercises/{exercise.pk}/attempts/", {"choices": [wrong.pk]}, format="json")

    form = instructor_client.get(edit_url(page, 0)).content.decode()
    assert "It predicts an outcome from features." in form and 'value="what-is-a-model"' in form
    response = instructor_client.post(
        edit_url(page, 0),
        mc_post(
            id="what-is-a-model",
            title="What a model does",
            prompt="What does a trained model do?",
            **{"choices-2-text": "It explains itself.", "choices-1-feedback": "No: data comes first."},
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page.refresh_from_db()
    assert page.markdown.startswith(
        "A model maps features to a **prediction**.\n\n```{exercise}\nid: what-is-a-model\n"
    )
    assert page.markdown.count("{exercise}") == 1
    exercise.refresh_from_db()
    assert exercise.choices.get(key="2").feedback_html.startswith("<p>No: data comes first.")
    assert Attempt.objects.filter(user=learner, exercise=exercise).count() == 1
    assert Attempt.objects.get(user=learner).choice_ids == [wrong.pk]


def test_validate_checks_without_saving(instructor_client, quiz_course):
    page = Page.objects.get(slug="trees")
    before = page.markdown
    ok = instructor_client.post(new_url(page), mc_post(action="validate"))
    assert ok.status_code == 200 and "Valid." in ok.content.decode()
    assert "The block this writes" in ok.content.decode()
    bad = instructor_client.post(new_url(page), mc_post(action="validate", **{"choices-0-correct": None}))
    assert "at least one choice must have" in bad.content.decode()
    page.refresh_from_db()
    assert page.markdown == before


def test_an_invalid_exercise_is_not_saved(instructor_client, quiz_course):
    page = Page.objects.get(slug="trees")
    before = page.markdown
    response = instructor_client.post(new_url(page), mc_post(**{"choices-0-correct": None}))
    assert response.status_code == 400 and "Not saved." in response.content.decode()
    duplicate = instructor_client.post(new_url(page), mc_post(id="feature-kinds"))
    assert duplicate.status_code == 400 and "is also used at 01-basics/02-features.md" in duplicate.content.decode()
    bad_id = instructor_client.post(new_url(page), mc_post(id="Not An Id"))
    assert bad_id.status_code == 400 and "Lowercase letters" in bad_id.content.decode()
    page.refresh_from_db()
    assert page.markdown == before


def test_more_rows_keeps_what_was_typed(instructor_client, quiz_course):
    page = Page.objects.get(slug="trees")
    body = instructor_client.post(new_url(page), mc_post(action="more")).content.decode()
    assert "It fits a line." in body and 'name="choices-3-text"' in body
    assert Page.objects.get(pk=page.pk).markdown == page.markdown


def test_a_missing_block_is_404(instructor_client, quiz_course):
    page = Page.objects.get(slug="trees")
    assert instructor_client.get(edit_url(page, 0)).status_code == 404


def test_page_editor_buttons_lead_to_the_exercise_editor(instructor_client, quiz_course):
    from tests.authoring.test_editing import page_form

    page = Page.objects.get(slug="models")
    url = reverse("authoring:page", kwargs={"slug": "quiz-course", "page_id": page.pk})
    assert instructor_client.post(url, {**page_form(page), "then": "exercise-new"})["Location"] == new_url(page)
    page.refresh_from_db()
    assert instructor_client.post(url, {**page_form(page), "then": "exercise-0"})["Location"] == edit_url(page, 0)


# --- writing YAML -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"id": "a", "kind": "coding", "prompt": "Use `x`: it's \"quoted\" # not a comment\n",
         "starter": "s = '''\n```\n'''\nx = ...\n", "solution": "def f():\n\treturn 1\nx = f()  # tab above\n",
         "checks": [{"name": "x: is one", "observe": "x", "expect": 1, "close": {"rel": 0.001},
                     "judge": "expect(observed == 1, 'one')\n", "message": "{observed} is not one", "hidden": True}]},
        {"id": "b", "kind": "multiple_choice", "prompt": "yes", "choices": [{"text": "no", "correct": True},
                                                                             {"text": "- dash", "feedback": "@at"}]},
        {"id": "c", "kind": "multiple_choice", "prompt": "trailing spaces   \nhere  \n", "choices": []},
    ],
)  # fmt: skip
def test_generated_blocks_read_back_as_written(data):
    markdown = "Before.\n\n" + exercise_markdown(data) + "\n\nAfter.\n"
    [block] = exercise_blocks(markdown)
    assert block.data == data
    assert markdown.endswith("\n\nAfter.\n")
    replaced = replace_exercise(markdown, 0, {**data, "title": "New"})
    assert yaml.safe_load(exercise_blocks(replaced)[0].body)["title"] == "New"
    assert replaced.startswith("Before.\n\n") and replaced.endswith("\n\nAfter.\n")


# --- coding exercises: the sandbox --------------------------------------------------------------


def test_validate_runs_a_coding_exercise_in_the_sandbox(instructor_client, quiz_course, sandbox_server):
    page = Page.objects.get(slug="trees")
    ok = instructor_client.post(new_url(page), coding_post(action="validate"))
    text = ok.content.decode()
    assert "Valid." in text and "the solution passes every check and the starter fails at least one" in text
    wrong = instructor_client.post(
        new_url(page), coding_post(action="validate", solution="numbers = [1, 2, 3]\ntotal = 'six'\n")
    )
    text = wrong.content.decode()
    assert "Not valid" in text and "solution fails check &#x27;total is an int&#x27;" in text
    lazy = instructor_client.post(
        new_url(page), coding_post(action="validate", starter="numbers = [1, 2, 3]\ntotal = 6\n")
    )
    assert "the starter passes every check" in lazy.content.decode()


def test_saving_a_coding_exercise_verifies_it_first(instructor_client, quiz_course, sandbox_server):
    from exercises.models import Exercise

    page = Page.objects.get(slug="trees")
    broken = instructor_client.post(new_url(page), coding_post(solution="raise ValueError('nope')\n"))
    assert broken.status_code == 400 and "the solution raises" in broken.content.decode()
    assert not Exercise.objects.filter(key="sum-list").exists()
    saved = instructor_client.post(new_url(page), coding_post())
    assert saved.status_code == 302, saved.content.decode()[:3000]
    exercise = Exercise.objects.get(key="sum-list")
    assert exercise.kind == "coding" and exercise.checks[1] == {
        "name": "total is an int",
        "observe": "type_name(total)",
        "expect": {"value": "int"},
        "close": None,
        "judge": "",
        "message": "Use sum().",
        "hidden": True,
    }
    # The solution's observations were computed when it was saved, outside any learner's run.
    assert exercise.reference_observations == [6, "int"] and exercise.reference_key
    assert exercise.verified_hash
