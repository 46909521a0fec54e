"""Importing exercises: every bad input at its file:line, the sandbox proving solution and starter,
nothing changed on failure, learners' attempts kept across re-imports."""

from __future__ import annotations

import re

import pytest

from courseware.models import Page
from exercises.models import Attempt, Choice, Exercise
from tests.plugins.courses import failing_import, run_import

pytestmark = pytest.mark.django_db

PAGE = "01-basics/01-questions.md"
CODING_PAGE = "01-basics/02-coding.md"
HEADER = "---\ntitle: A page\n---\nSome text.\n\n"  # the fence opens on line 6, the body on line 7


def exercise_block(body: str) -> str:
    return HEADER + "```{exercise}\n" + body.strip("\n") + "\n```\n"


MC_OK = """\
id: q
kind: multiple_choice
prompt: Pick one.
choices:
  - text: A
    correct: true
  - text: B
"""

CODING_OK = """\
id: c
kind: coding
prompt: Set x to 2.
starter: |
  x = ...
solution: |
  x = 2
checks:
  - name: x is two
    observe: x
"""


# (body, line of the problem in the page file, message fragment)
BAD_BLOCKS = {
    "yaml syntax": ("id: q\nkind: multiple_choice\nprompt: [unclosed\nchoices: []\n", 10, "not valid YAML"),
    "not a mapping": ("- just\n- a list\n", 7, "must be a YAML mapping"),
    "unknown key": (MC_OK + "colour: blue\n", 14, "unknown key 'colour'"),
    "key of the other kind": (MC_OK + "starter: x = 1\n", 14, "'starter' is only for coding exercises"),
    "duplicate key": (MC_OK + "prompt: again\n", 14, "duplicate key 'prompt'"),
    "missing kind": (
        "id: q\nprompt: Pick.\n",
        7,
        "'kind' must be one of multiple_choice, multi_select, coding, predict_output",
    ),
    "unknown kind": ("id: q\nkind: essay\nprompt: Write.\n", 8, "'kind' must be one of"),
    "missing id": (
        "kind: multiple_choice\nprompt: P\nchoices:\n  - text: A\n    correct: true\n  - text: B\n",
        7,
        "'id' is required",
    ),
    "bad id": (MC_OK.replace("id: q", "id: Not An Id"), 7, "'id' may hold lowercase"),
    "missing prompt": (MC_OK.replace("prompt: Pick one.\n", ""), 7, "'prompt' is required"),
    "points not positive": (MC_OK + "points: 0\n", 14, "'points' must be a number greater than 0"),
    "points not a number": (MC_OK + "points: many\n", 14, "'points' must be a number greater than 0"),
    "one choice": (
        "id: q\nkind: multiple_choice\nprompt: P\nchoices:\n  - text: A\n    correct: true\n",
        11,
        "at least 2 choices",
    ),
    "no correct choice": (
        MC_OK.replace("    correct: true\n", ""),
        11,
        "at least one choice must have 'correct: true'",
    ),
    "two correct, single answer": (
        MC_OK + "  - text: C\n    correct: true\n",
        11,
        "2 choices are correct but a single-answer question",
    ),
    "choice without text": (
        MC_OK.replace("  - text: B\n", "  - feedback: no text\n"),
        13,
        "choice 2: 'text' is required",
    ),
    "unknown choice key": (
        MC_OK.replace("  - text: B\n", "  - text: B\n    correctt: true\n"),
        14,
        "choice 2: unknown key 'correctt'",
    ),
    "multiple not a bool": (MC_OK + "multiple: sometimes\n", 14, "'multiple' must be true or false"),
    "hints not strings": (MC_OK + "hints:\n  - fine\n  - [not, text]\n", 16, "every hint must be non-empty text"),
    "hints not a list": (MC_OK + "hints: just one\n", 14, "'hints' must be a list"),
    "missing starter": (CODING_OK.replace("starter: |\n  x = ...\n", ""), 7, "'starter' is required"),
    "solution does not compile": (
        CODING_OK.replace("  x = 2\n", "  x = 2\n  y = (\n"),
        14,
        "solution is not valid Python",
    ),
    "no checks": (CODING_OK.split("checks:")[0] + "checks: []\n", 14, "at least one check"),
    "check without name": (
        CODING_OK.replace("  - name: x is two\n    observe: x", "  - observe: x"),
        15,
        "check 1: 'name' is required",
    ),
    "check without observe": (
        CODING_OK.replace("    observe: x\n", ""),
        15,
        "check 1: 'observe' is required",
    ),
    "observe is a statement": (
        CODING_OK.replace("    observe: x\n", "    observe: y = x\n"),
        16,
        "'observe' must be one Python expression",
    ),
    "old check code": (
        CODING_OK.replace("    observe: x\n", "    code: |\n      expect_equal(x, 2)\n"),
        16,
        "check 1: 'code' checks ran inside the learner's program",
    ),
    "judge does not compile": (
        CODING_OK + "    judge: |\n      expect(observed == 2\n",
        18,
        "check 'x is two' judge is not valid Python",
    ),
    "expect and judge": (
        CODING_OK + "    expect: 2\n    judge: expect(observed == 2, 'no')\n",
        18,
        "use either 'expect' or 'judge'",
    ),
    "close not a tolerance": (CODING_OK + "    close: 1e-3\n", 17, "'close' must be true or a mapping"),
    "hidden message shows the expected value": (
        CODING_OK + "    hidden: true\n    message: 'It should be {expected}.'\n",
        18,
        "a hidden check's message must not show {expected}",
    ),
    "hidden not a bool": (CODING_OK + "    hidden: perhaps\n", 17, "'hidden' must be true or false"),
    "bad solution_visible": (CODING_OK + "solution_visible: tomorrow\n", 17, "'solution_visible' must be one of"),
    "after_attempts without a count": (
        CODING_OK + "solution_visible: after_attempts\n",
        17,
        "'solution_after_attempts' must be a whole number",
    ),
    "count without after_attempts": (
        CODING_OK + "solution_after_attempts: 3\n",
        17,
        "only applies with solution_visible: after_attempts",
    ),
    "hint_cost negative": (CODING_OK + "hint_cost: -1\n", 17, "'hint_cost' must be a number, 0 or more"),
}


@pytest.mark.parametrize("case", sorted(BAD_BLOCKS))
def test_bad_exercise_is_reported_at_its_file_and_line(case, tiny_course_dir):
    body, line, fragment = BAD_BLOCKS[case]
    (tiny_course_dir / "01-first-steps" / "02-trees.md").write_text(exercise_block(body))
    errors = failing_import(tiny_course_dir)
    expected = f"01-first-steps/02-trees.md:{line}: {{exercise}}: "
    matching = [ln for ln in errors.splitlines() if ln.startswith(expected)]
    assert matching and fragment in matching[0], f"wanted {expected}…{fragment!r}, got:\n{errors}"


def test_exercise_ids_are_unique_within_the_course(tiny_course_dir):
    (tiny_course_dir / "01-first-steps" / "02-trees.md").write_text(exercise_block(MC_OK))
    (tiny_course_dir / "02-second-steps" / "01-shapley.md").write_text(exercise_block(MC_OK))
    errors = failing_import(tiny_course_dir)
    assert "02-second-steps/01-shapley.md:6: {exercise} id 'q' is also used at 01-first-steps/02-trees.md:6" in errors


def test_import_creates_exercises_with_choices_and_verifies_coding(exercise_course):
    exercises = {e.key: e for e in Exercise.objects.filter(course=exercise_course)}
    assert sorted(exercises) == ["agnostic-methods", "tree-top-feature", "why-trust-quiz"]
    quiz = exercises["why-trust-quiz"]
    assert quiz.kind == "multiple_choice" and not quiz.multiple and quiz.points == 1
    assert "<strong>true</strong>" in quiz.prompt_html
    assert list(quiz.choices.values_list("key", "correct")) == [("1", False), ("2", True), ("3", False)]
    assert exercises["agnostic-methods"].multiple and exercises["agnostic-methods"].points == 2
    coding = exercises["tree-top-feature"]
    assert coding.kind == "coding" and coding.points == 10 and coding.hint_cost == 1
    assert [c["hidden"] for c in coding.checks] == [False, False, True]
    assert len(coding.hints) == 2 and "<code>tree.feature_importances_</code>" in coding.hints[0]["html"]
    assert coding.verified_hash, "a verified exercise records what was verified"
    questions = Page.objects.get(course=exercise_course, slug="questions")
    assert [e.page_id for e in (quiz, exercises["agnostic-methods"])] == [questions.pk, questions.pk]
    assert (quiz.position, exercises["agnostic-methods"].position) == (0, 1)


def test_solution_failing_a_check_fails_the_import_and_changes_nothing(exercise_course, exercise_course_dir):
    path = exercise_course_dir / CODING_PAGE
    before = Exercise.objects.get(key="tree-top-feature").solution_code
    path.write_text(path.read_text().replace("max_depth=2, random_state=0)", "max_depth=4, random_state=0)"))
    errors = failing_import(exercise_course_dir)
    assert (
        f"{CODING_PAGE}:6: {{exercise}}: solution fails check 'the tree is depth-limited': `max_depth`: expected 2, got 4."
        in errors
    )
    assert Exercise.objects.get(key="tree-top-feature").solution_code == before


def test_failing_hidden_check_is_reported_to_the_author_with_its_message(exercise_course_dir, sandbox_server):
    path = exercise_course_dir / CODING_PAGE
    path.write_text(
        path.read_text().replace(
            "observe: str(top_feature)\n", "observe: str(top_feature)\n    expect: sepal width (cm)\n"
        )
    )
    errors = failing_import(exercise_course_dir)
    assert (
        f"{CODING_PAGE}:6: {{exercise}}: solution fails check 'the most important feature': "
        "That is not the feature with the largest importance." in errors
    )
    assert not Exercise.objects.exists()


def test_solution_that_raises_fails_the_import(exercise_course_dir, sandbox_server):
    path = exercise_course_dir / CODING_PAGE
    text = path.read_text().replace("  top_feature = data.feature_names[", "  top_feature = data.feature_namez[")
    path.write_text(text)
    errors = failing_import(exercise_course_dir)
    assert re.search(r"02-coding\.md:6: \{exercise\}: the solution raises AttributeError.*feature_namez", errors), (
        errors
    )


def test_starter_that_passes_every_check_fails_the_import(exercise_course_dir, sandbox_server):
    path = exercise_course_dir / CODING_PAGE
    text = path.read_text()
    solution = text.split("solution: |\n")[1].split("checks:")[0]
    starter = text.split("starter: |\n")[1].split("solution: |")[0]
    path.write_text(text.replace("starter: |\n" + starter, "starter: |\n" + solution))
    errors = failing_import(exercise_course_dir)
    assert f"{CODING_PAGE}:6: {{exercise}}: the starter passes every check" in errors
    assert not Exercise.objects.exists()


def test_unreachable_sandbox_is_a_clear_problem(exercise_course_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("GLASSBOOK_SANDBOX_SOCKET", str(tmp_path / "nobody-listens.sock"))
    errors = failing_import(exercise_course_dir)
    assert f"{CODING_PAGE}:6: {{exercise}}: cannot verify the exercise: the sandbox server is not reachable" in errors
    assert "--no-verify" in errors


def test_unchanged_exercise_is_not_run_again_but_a_changed_one_is(
    exercise_course, exercise_course_dir, monkeypatch, tmp_path
):
    # Without a sandbox: the stored verification of the same code is enough.
    monkeypatch.setenv("GLASSBOOK_SANDBOX_SOCKET", str(tmp_path / "nobody-listens.sock"))
    assert "Updated 'exercise-course'" in run_import(exercise_course_dir)
    path = exercise_course_dir / CODING_PAGE
    path.write_text(path.read_text().replace('params(tree, "max_depth")', 'params(tree, "max_depth", "random_state")'))
    errors = failing_import(exercise_course_dir)
    assert "the sandbox server is not reachable" in errors


def test_reimport_keeps_attempts_choice_ids_and_fixes_typos(exercise_course, exercise_course_dir, learner):
    quiz = Exercise.objects.get(key="why-trust-quiz")
    right = quiz.choices.get(correct=True)
    attempt = Attempt.objects.create(
        user=learner, exercise=quiz, choice_ids=[right.pk], status="graded", correct=True, score=1
    )
    path = exercise_course_dir / "01-basics" / "01-questions.md"
    path.write_text(
        path.read_text().replace("relies on a spurious feature", "relies on a spurious feature (typo fixed)")
    )
    run_import(exercise_course_dir)
    quiz.refresh_from_db()
    assert Choice.objects.get(pk=right.pk).text_markdown.endswith("(typo fixed).")
    assert Attempt.objects.filter(pk=attempt.pk, exercise=quiz).exists()
    assert quiz.choices.count() == 3


def test_removed_exercise_is_hidden_and_comes_back_with_its_attempts(
    exercise_course, exercise_course_dir, learner, learner_api
):
    quiz = Exercise.objects.get(key="why-trust-quiz")
    Attempt.objects.create(user=learner, exercise=quiz, choice_ids=[], status="graded", correct=False)
    path = exercise_course_dir / "01-basics" / "01-questions.md"
    original = path.read_text()
    quiz_block = original.split("```{exercise}\nid: why-trust-quiz")[1].split("```\n", 1)[0]
    path.write_text(original.replace("```{exercise}\nid: why-trust-quiz" + quiz_block + "```\n", ""))
    run_import(exercise_course_dir)
    assert learner_api.get(f"/api/v1/exercises/{quiz.pk}/").status_code == 404
    page = Page.objects.get(slug="questions")
    assert learner_api.get(f"/api/v1/pages/{page.pk}/").json()["exercises"] == [
        Exercise.objects.get(key="agnostic-methods").pk
    ]
    # Back in the file, on another page: the same row, with its attempt.
    summary = exercise_course_dir / "02-wrap-up" / "01-summary.md"
    summary.write_text(summary.read_text() + "\n```{exercise}\nid: why-trust-quiz" + quiz_block + "```\n")
    run_import(exercise_course_dir)
    quiz.refresh_from_db()
    assert quiz.page.slug == "summary" and quiz.attempts.count() == 1
    assert learner_api.get(f"/api/v1/exercises/{quiz.pk}/").status_code == 200


def test_stored_page_html_holds_no_answers(exercise_course):
    for page in Page.objects.filter(course=exercise_course):
        html = page.html
        assert "correct" not in html.lower()
        assert "husky and wolf classifier was caught" not in html  # the right choice's feedback
        assert "debugging tool" not in html  # the explanation
        assert "feature_importances_.argmax()" not in html  # the solution
        assert 'params(tree, "max_depth")' not in html and "largest importance" not in html  # the checks
    coding = Page.objects.get(slug="coding").html
    assert 'data-editor="python"' in coding and "tree = ..." in coding
    assert 'hx-trigger="load"' in coding and "/static/dist/editor.js" in coding
