"""A new instructor writes a course in the browser, a learner takes it, the instructor sees
how it went.

The instructor creates a two-chapter course with a multiple-choice and a coding exercise
using only the authoring pages (the Markdown editor with its live preview, the exercise
form and its sandbox validation), publishes it; a learner reads it and answers both
exercises; the analytics page then shows the learner's attempts. Screenshots of the
dashboard, the page editor and the analytics page are kept for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/glassbook-authoring-e2e")


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top of a full-page shot
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def type_into_editor(page, container, lines: list[str]) -> None:
    """Type into a CodeMirror editor as a person would: one line at a time."""
    editor = container.locator(".cm-content").first
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    for number, line in enumerate(lines):
        if number:
            page.keyboard.press("Enter")
            # No auto-indent surprises: start each line at column 0.
            page.keyboard.press("Home")
            page.keyboard.press("Shift+Home")
            page.keyboard.press("Delete")
        page.keyboard.type(line)


def add_chapter(page, title: str) -> None:
    page.get_by_label("Chapter title").fill(title)
    page.get_by_role("button", name="Add chapter").click()
    page.wait_for_load_state()


def add_page(page, chapter: str, title: str) -> None:
    page.get_by_label(f"New page title in chapter {chapter}").fill(title)
    page.locator(f"#outline li.outline-chapter:has-text('{chapter}')").get_by_role("button", name="Add page").click()
    page.wait_for_url(re.compile(r"/pages/\d+/$"))


def test_instructor_writes_publishes_and_sees_a_learner(
    sandbox_server, browser_page, browser_login, instructor, learner, live_site
):
    from playwright.sync_api import expect

    page = browser_page
    browser_login(page, instructor)

    # --- the dashboard: nothing yet -----------------------------------------------------------
    page.goto("/")
    page.get_by_role("link", name="Teach").click()
    expect(page.get_by_role("heading", name="My courses")).to_be_visible()
    page.get_by_role("link", name="New course").click()
    page.get_by_label("Title").fill("Explaining Models")
    page.get_by_label("Summary").fill("How to read what a model learned.")
    page.get_by_role("button", name="Create course").click()
    expect(page.get_by_role("heading", name="Explaining Models")).to_be_visible()
    expect(page.get_by_text("Draft").first).to_be_visible()

    # --- chapter 1, a page written in the Markdown editor, with a live preview -----------------
    add_chapter(page, "Basics")
    add_page(page, "Basics", "What a model is")
    editor_pane = page.locator(".editor-pane")
    expect(editor_pane.locator(".cm-content")).to_be_visible()  # CodeMirror replaced the textarea
    type_into_editor(
        page,
        editor_pane,
        [
            "A model maps **features** to a prediction.",
            "",
            "## A tiny table",
            "",
            "| feature | weight |",
            "|---|---|",
            "| age | 0.3 |",
            "",
            "The linear model predicts $\\hat{y} = \\beta_0 + \\beta_1 x$.",
            "",
            "```{mystery}",
            "oops",
            "```",
        ],
    )
    # The editor highlights Markdown as it is typed: the heading's text is set in bold.
    heading = editor_pane.locator(".cm-line", has_text="## A tiny table").locator("span").first
    assert heading.evaluate("node => getComputedStyle(node).fontWeight") == "700"
    preview = page.locator("#preview")
    expect(preview.locator("strong", has_text="features")).to_be_visible()
    expect(preview.locator("math").first).to_be_attached()
    expect(preview).to_contain_text("line 11: unknown directive '{mystery}'")
    # A problem's line link takes the author to that line.
    preview.get_by_role("button", name="line 11").click()
    # Fix it: remove the last three lines.
    for _ in range(3):
        page.keyboard.press("Control+End")
        page.keyboard.press("Shift+Home")
        page.keyboard.press("Delete")
        page.keyboard.press("Backspace")
    expect(preview).to_contain_text("No problems found")
    shot(page, "page-editor")

    page.get_by_role("button", name="Save and add an exercise").click()
    expect(page.get_by_role("heading", name="Add an exercise")).to_be_visible()

    # --- the multiple-choice exercise ----------------------------------------------------------
    page.get_by_label("Id", exact=True).fill("what-a-model-does")
    page.get_by_label("Title", exact=True).fill("What a model does")
    page.get_by_label("Prompt").fill("What does a trained model do?")
    page.get_by_label("Choice 1", exact=True).fill("It predicts an outcome from features.")
    page.locator("#id_choices-0-correct").check()
    page.get_by_label("Feedback for choice 1").fill("Yes: that is all it does.")
    page.get_by_label("Choice 2", exact=True).fill("It collects the data.")
    page.get_by_label("Feedback for choice 2").fill("No, that happens before training.")
    page.get_by_label("Choice 3", exact=True).fill("It explains itself.")
    expect(page.locator("fieldset[data-kind='coding']")).to_be_hidden()
    page.get_by_role("button", name="Validate").click()
    expect(page.locator(".validation-ok")).to_contain_text("Valid.")
    page.get_by_role("button", name="Save to the page").click()
    expect(page.locator(".message-success")).to_contain_text("Saved the exercise")
    expect(page.locator("#preview .directive-preview")).to_contain_text("What a model does")
    # The exercise is now YAML in the page's Markdown, highlighted as YAML: its keys are coloured.
    key_line = page.locator(".editor-pane .cm-line", has_text="id: what-a-model-does")
    colours = key_line.locator("span").evaluate_all("nodes => nodes.map(node => getComputedStyle(node).color)")
    text_colour = key_line.evaluate("node => getComputedStyle(node).color")
    assert any(colour != text_colour for colour in colours), (colours, text_colour)
    shot(page, "page-editor-exercise")

    # --- chapter 2 with a coding exercise, validated in the sandbox ---------------------------
    page.get_by_role("link", name="Back to the course").click()
    add_chapter(page, "Practice")
    add_page(page, "Practice", "Adding up")
    type_into_editor(page, page.locator(".editor-pane"), ["Python adds numbers with `sum`."])
    expect(page.locator("#preview")).to_contain_text("Python adds numbers")
    page.get_by_role("button", name="Save and add an exercise").click()
    page.get_by_label("Kind").select_option("coding")
    expect(page.locator("fieldset[data-kind='multiple_choice']")).to_be_hidden()
    page.get_by_label("Id", exact=True).fill("sum-list")
    page.get_by_label("Title", exact=True).fill("Add them up")
    page.get_by_label("Prompt").fill("Store the sum of `numbers` in `total`.")
    coding = page.locator("fieldset[data-kind='coding']")
    fields = coding.locator(".field")
    type_into_editor(page, fields.nth(0), ["numbers = [1, 2, 3]", "total = ..."])
    type_into_editor(page, fields.nth(1), ["numbers = [1, 2, 3]", "total = sum(numbers)"])
    page.get_by_label("Check 1: name").fill("total is the sum")
    type_into_editor(page, coding.locator(".row-card").nth(0), ["total"])
    page.get_by_label("Check 1: message").fill("Not the sum yet.")
    page.get_by_label("Hint 1").fill("There is a built-in for this.")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator(".validation-ok")).to_contain_text(
        "the solution passes every check and the starter fails at least one", timeout=60_000
    )
    shot(page, "exercise-form")
    page.get_by_role("button", name="Save to the page").click()
    expect(page.locator(".message-success")).to_contain_text("Saved the exercise", timeout=60_000)

    # --- publish -------------------------------------------------------------------------------
    page.get_by_role("link", name="Back to the course").click()
    shot(page, "course-outline")
    page.get_by_role("button", name="Publish course").click()
    expect(page.locator(".message-success")).to_contain_text("The course is published.")
    page.goto("/authoring/")
    expect(page.locator(".badge-live")).to_be_visible()
    shot(page, "dashboard")

    # --- a learner takes the course -------------------------------------------------------------
    learner_page = page.context.browser.new_context(
        base_url=live_site.url, viewport={"width": 1200, "height": 900}
    ).new_page()
    learner_page.set_default_timeout(20_000)
    errors: list[str] = []
    learner_page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(learner_page, learner)
    learner_page.goto("/")
    learner_page.get_by_role("link", name="Explaining Models").click()
    learner_page.get_by_role("link", name="Start reading").click()
    exercise = learner_page.locator(".widget.exercise").first
    expect(exercise).to_contain_text("What a model does")
    exercise.get_by_label("It collects the data.").check()
    exercise.get_by_role("button", name="Check answer").click()
    expect(exercise.locator(".exercise-panel")).to_contain_text("No, that happens before training.")
    exercise.get_by_label("It predicts an outcome from features.").check()
    exercise.get_by_role("button", name="Check answer").click()
    expect(exercise.locator(".exercise-panel")).to_contain_text("Yes: that is all it does.")
    learner_page.locator(".pager-next").click()
    code = learner_page.locator(".widget.exercise").first
    expect(code).to_contain_text("Add them up")
    type_into_editor(learner_page, code, ["numbers = [1, 2, 3]", "total = sum(numbers)"])
    code.get_by_role("button", name="Submit").click()
    expect(code.locator(".exercise-panel")).to_contain_text("total is the sum", timeout=60_000)
    learner_page.locator(".pager-next").click()  # "Finished": marks the last page read
    expect(learner_page.get_by_role("heading", name="Explaining Models")).to_be_visible()
    assert not errors, errors

    # --- the instructor sees the learner's attempts ---------------------------------------------
    page.goto("/authoring/")
    page.get_by_role("link", name="Analytics").click()
    cards = page.locator(".stat-cards")
    expect(cards.locator(".stat-card").nth(0)).to_contain_text("1")
    exercises = page.locator("section:has(h2:text('Exercises')) table")
    expect(exercises.locator("tr", has_text="What a model does")).to_contain_text("2")  # two attempts
    expect(exercises.locator("tr", has_text="Add them up")).to_contain_text("100 %")
    wrong = page.locator("section:has(h2:text('Most chosen wrong answers')) table")
    expect(wrong).to_contain_text("It collects the data.")
    for image in page.locator("img.chart").all():
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 100
    shot(page, "analytics")
    assert not page.console_errors, page.console_errors


def test_reordering_works_from_the_keyboard(browser_page, browser_login, instructor, quiz_course_for_browser):
    from playwright.sync_api import expect

    from courseware.models import Page

    def order() -> list[str]:
        return list(Page.objects.filter(chapter__slug="basics").order_by("position").values_list("slug", flat=True))

    page = browser_page
    browser_login(page, instructor)
    page.goto("/authoring/courses/quiz-course/")
    page.get_by_role("button", name="Move page Features up").focus()
    page.keyboard.press("Enter")
    # The outline is replaced in place and the focus stays on the moved page: now first, its
    # "up" is disabled, so "down" has the focus.
    expect(page.locator(".outline-chapter").first.locator(".outline-page").first).to_contain_text("Features")
    expect(page.get_by_role("button", name="Move page Features down")).to_be_focused()
    expect(page.locator("#outline-status")).to_have_text("Moved Features up.")
    assert order() == ["features", "models"]
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Move page Features up")).to_be_focused()
    expect(page.locator("#outline-status")).to_have_text("Moved Features down.")
    assert order() == ["models", "features"]
    assert not page.console_errors, page.console_errors


@pytest.fixture
def quiz_course_for_browser(live_site, instructor, tmp_path):
    import shutil

    from django.core.management import call_command

    from tests.authoring.conftest import FIXTURES

    shutil.copytree(FIXTURES / "quiz-course", tmp_path / "quiz-course")
    call_command("import_course", str(tmp_path / "quiz-course"), "--owner", instructor.username, verbosity=0)


def test_leaving_the_page_editor_with_unsaved_edits_asks_first(
    browser_page, browser_login, instructor, quiz_course_for_browser
):
    from playwright.sync_api import expect

    from courseware.models import Page

    target = Page.objects.get(slug="features")
    page = browser_page
    browser_login(page, instructor)
    editor_url = f"/authoring/courses/quiz-course/pages/{target.pk}/"
    page.goto(editor_url)
    page.locator(".cm-content").first.wait_for()
    # Untouched: leaving asks nothing.
    page.get_by_role("link", name="Back to the course").click()
    page.wait_for_url("**/authoring/courses/quiz-course/")

    page.goto(editor_url)
    editor = page.locator(".cm-content").first
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nA sentence not saved yet.")
    asked: list[str] = []

    def dismiss(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.get_by_role("link", name="Back to the course").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(page).to_have_url(re.compile(re.escape(editor_url) + "$"))
    expect(editor).to_contain_text("A sentence not saved yet.")

    # Saving is not leaving.
    page.remove_listener("dialog", dismiss)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert asked == ["beforeunload"]
    assert "A sentence not saved yet." in Page.objects.get(pk=target.pk).markdown
    assert not page.console_errors, page.console_errors
