"""A reader edits an example in the CodeMirror editor, runs it, and sees output and a figure."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = "/courses/runnable-course/examples/printing/"
SCREENSHOT = "/tmp/glassbook-runnable-e2e.png"


@pytest.fixture
def course(sandbox_server, live_site, tmp_path):
    import shutil
    from pathlib import Path

    from django.core.management import call_command

    source = Path(__file__).resolve().parent.parent / "fixtures" / "courses" / "runnable-course"
    shutil.copytree(source, tmp_path / "course")
    call_command("import_course", str(tmp_path / "course"), verbosity=0)


def first_example(page):
    """The page's first example, once CodeMirror has replaced its textarea."""
    widget = page.locator(".widget.runnable").first
    try:
        widget.locator(".cm-content").wait_for(timeout=10_000)
    except Exception:
        pytest.fail(f"the code editor did not mount (static/dist/editor.js); browser errors: {page.console_errors}")
    return widget


def test_edit_run_and_see_output_and_figure(course, browser_page, browser_login, learner):
    from playwright.sync_api import expect

    page = browser_page
    browser_login(page, learner)
    page.goto(PAGE)
    widget = first_example(page)
    # Before running anything: the output stored at import.
    expect(widget.locator(".run-stdout")).to_contain_text("Hello from the sandbox")
    editor = widget.locator(".cm-content")
    expect(editor).to_be_visible()  # CodeMirror replaced the textarea

    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type("import matplotlib.pyplot as plt\n")
    page.keyboard.type("plt.plot([3, 1, 2])\n")
    page.keyboard.type('print("edited in the browser", 6 * 7)')
    expect(editor).to_contain_text('print("edited in the browser", 6 * 7)')

    widget.locator("[data-run-button]").click()
    panel = widget.locator('.run-panel[data-status="succeeded"]')
    expect(panel).to_be_visible(timeout=30_000)
    expect(panel.locator(".run-stdout")).to_have_text("edited in the browser 42\n")
    image = panel.locator(".run-figures img")
    expect(image).to_have_count(1)
    expect(image).to_have_attribute("src", re.compile(r"/runs/\d+/files/[0-9a-f]{32}/figure-0\.png$"))
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=SCREENSHOT, full_page=True)

    # Reset puts the original example back into the editor.
    widget.locator("[data-reset-editor]").click()
    expect(editor).to_contain_text('greeting = "Hello from the sandbox"')
    assert page.console_errors == []


def test_an_error_is_shown_with_its_line(course, browser_page, browser_login, learner):
    from playwright.sync_api import expect

    page = browser_page
    browser_login(page, learner)
    page.goto(PAGE)
    widget = first_example(page)
    editor = widget.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type("x = 1\nprint(x / 0)")
    widget.locator("[data-run-button]").click()
    panel = widget.locator('.run-panel[data-status="failed"]')
    expect(panel).to_be_visible(timeout=30_000)
    expect(panel.locator(".run-status")).to_have_text("The code raised an error on line 2")
    expect(panel.locator(".run-error-line")).to_contain_text("print(x / 0)")
    expect(panel.locator(".run-traceback")).to_contain_text("ZeroDivisionError")
    widget.screenshot(path=SCREENSHOT.replace(".png", "-error.png"))


def test_anonymous_readers_see_stored_output_and_are_asked_to_log_in(course, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(PAGE)
    widgets = page.locator(".widget.runnable")
    expect(widgets).to_have_count(2)
    expect(widgets.nth(1).locator(".run-figures img")).to_have_count(1)
    first = widgets.first
    expect(first.locator(".run-stdout")).to_contain_text("Hello from the sandbox")
    first.locator("[data-run-button]").click()
    prompt = first.locator(".run-notice-login")
    expect(prompt).to_contain_text("Log in to run code")
    expect(prompt).to_contain_text("The output below is what this example printed")
    # The published output is still there, below the prompt, after a second press too.
    first.locator("[data-run-button]").click()
    expect(prompt).to_have_count(1)
    expect(first.locator(".run-stdout")).to_contain_text("Hello from the sandbox")
    assert first.evaluate(
        "w => w.querySelector('.run-notice-login').compareDocumentPosition(w.querySelector('.run-stdout'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    expect(prompt.locator("a")).to_have_attribute(
        "href", "/accounts/login/?next=%2Fcourses%2Frunnable-course%2Fexamples%2Fprinting%2F"
    )


def test_a_second_run_of_an_edited_example_shows_its_own_output(course, browser_page, browser_login, learner):
    from playwright.sync_api import expect

    page = browser_page
    browser_login(page, learner)
    page.goto(PAGE)
    widget = first_example(page)
    editor = widget.locator(".cm-content")
    for n in (1, 2):
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.press("Delete")
        page.keyboard.type(f'print("run number", {n})')
        widget.locator("[data-run-button]").click()
        panel = widget.locator('.run-panel[data-status="succeeded"]')
        expect(panel.locator(".run-stdout")).to_have_text(f"run number {n}\n", timeout=30_000)
    expect(widget.locator(".runnable-output")).to_have_count(1)
    assert page.console_errors == []
