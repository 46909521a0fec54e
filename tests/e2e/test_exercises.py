"""A learner in headless Chromium answers a question wrongly, then rightly, then passes a coding
exercise by typing into the editor; and the question works on a phone with the keyboard."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

COURSE = Path(__file__).resolve().parents[1] / "fixtures" / "courses" / "exercise-course"
QUESTIONS = "/courses/exercise-course/basics/questions/"
CODING = "/courses/exercise-course/basics/coding/"
SOLUTION_LINES = [
    "from sklearn.datasets import load_iris",
    "from sklearn.tree import DecisionTreeClassifier",
    "data = load_iris()",
    "tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(data.data, data.target)",
    "top_feature = data.feature_names[tree.feature_importances_.argmax()]",
]


@pytest.fixture
def course(sandbox_server, live_site, tmp_path):
    from django.core.management import call_command

    folder = tmp_path / "exercise-course"
    shutil.copytree(COURSE, folder)
    call_command("import_course", str(folder), verbosity=0)
    return folder


def test_answer_wrong_then_right_then_pass_a_coding_exercise(browser_page, browser_login, learner, course):
    page = browser_page
    browser_login(page, learner)
    page.goto(QUESTIONS)
    quiz = page.locator("section.exercise", has_text="Check your understanding")
    quiz.locator(".exercise-status").wait_for()  # the learner's panel arrived

    quiz.get_by_label("Interpretable models are always less accurate.").check()
    quiz.get_by_role("button", name="Check answer").click()
    verdict = quiz.locator(".exercise-verdict")
    verdict.wait_for()
    assert "Not quite, try again." in verdict.inner_text()
    assert "often just as good" in quiz.locator(".exercise-feedback").inner_text()

    quiz.get_by_label("An explanation can reveal that a model relies on a spurious feature.").check()
    quiz.get_by_role("button", name="Check answer").click()
    quiz.locator(".exercise-verdict.is-right").wait_for()
    assert "You are right" in quiz.locator(".exercise-verdict").inner_text()
    assert "debugging tool" in quiz.locator(".exercise-explanation").inner_text()
    quiz.screenshot(path="/tmp/glassbook-exercises-question.png")

    quiz.get_by_role("link", name="next page →").click()
    page.wait_for_url(f"**{CODING}")
    coding = page.locator("section.exercise", has_text="The most important feature of a shallow tree")
    editor = coding.locator(".cm-content")
    editor.wait_for()
    coding.locator(".exercise-status").wait_for()
    # The starter as it is: it runs, but the checks fail.
    coding.get_by_role("button", name="Submit").click()
    coding.locator(".exercise-verdict.is-wrong").wait_for(timeout=30_000)
    assert coding.locator("table.exercise-checks tr.is-fail").count() == 3
    assert "replace the `...` with your code" in coding.locator("table.exercise-checks").inner_text()
    if coding.get_by_role("button", name="Run").count():
        coding.get_by_role("button", name="Run").click()
        coding.locator(".exercise-output .run-panel.run-succeeded").wait_for(timeout=30_000)
    coding.screenshot(path="/tmp/glassbook-exercises-coding-failed.png")

    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    for line in SOLUTION_LINES:
        page.keyboard.type(line)
        page.keyboard.press("Escape")  # close the editor's completion list, or Enter would pick from it
        page.keyboard.press("Enter")
        page.keyboard.press("Home")  # no auto-indent carried into the next line
    typed = page.evaluate("document.getElementById(document.querySelector('.exercise-coding textarea').id).value")
    assert typed.strip() == "\n".join(SOLUTION_LINES), typed
    coding.get_by_role("button", name="Submit").click()
    coding.locator(".exercise-verdict.is-right").wait_for(timeout=30_000)
    table = coding.locator("table.exercise-checks")
    assert table.locator("tr.is-pass").count() == 3
    assert "hidden" in table.inner_text()
    assert "✓ Passed" in coding.locator(".exercise-status").inner_text()

    coding.get_by_role("button", name="Show the solution").click()
    assert "feature_importances_.argmax()" in coding.locator(".exercise-solution-code").inner_text()
    coding.screenshot(path="/tmp/glassbook-exercises-coding.png")
    assert page.console_errors == []


def test_a_question_on_a_phone_with_the_keyboard_only(browser, live_site, course, learner, browser_login):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_site.url, is_mobile=True)
    page = context.new_page()
    try:
        browser_login(page, learner)
        page.goto(QUESTIONS)
        quiz = page.locator("section.exercise", has_text="Model-agnostic methods")
        quiz.locator(".exercise-status").wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways ({width}px)"
        first = quiz.locator("input[name=choices]").first
        first.focus()
        options = quiz.locator("input[name=choices]")
        # Tick LIME and Kernel SHAP with the space bar, moving with Tab.
        labels = [options.nth(i).evaluate("e => e.closest('label').innerText.trim()") for i in range(4)]
        for index, label in enumerate(labels):
            if label in {"LIME", "Kernel SHAP"}:
                options.nth(index).focus()
                page.keyboard.press("Space")
        quiz.get_by_role("button", name="Check answer").focus()
        page.keyboard.press("Enter")
        quiz.locator(".exercise-verdict.is-right").wait_for()
        page.screenshot(path="/tmp/glassbook-exercises-phone.png", full_page=True)
    finally:
        context.close()
