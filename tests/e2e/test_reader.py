"""A learner in headless Chromium: catalogue → course → read a page → next → progress moves."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TINY = Path(__file__).resolve().parents[1] / "fixtures" / "courses" / "tiny"


def wait_for_progress(page, percent: int) -> None:
    # A function, not an expression: Playwright evaluates a bare expression with eval(), which
    # the site's Content-Security-Policy refuses.
    page.wait_for_function(
        f"() => document.querySelector('#course-progress [role=progressbar]').getAttribute('aria-valuenow') === '{percent}'"
    )


def test_reading_a_page_and_moving_on_moves_the_progress_bar(browser_page, browser_login, learner, tmp_path):
    call_command("import_course", str(TINY), verbosity=0)
    page = browser_page
    browser_login(page, learner)
    page.goto("/")
    page.get_by_role("link", name="A Tiny Course").click()
    page.get_by_role("link", name="Start reading").click()
    assert page.locator("h1#page-title").inner_text() == "Hello, models"
    # The whole page fits the window, so its end is reached at once: it counts as read.
    wait_for_progress(page, 33)
    page.screenshot(path=str(tmp_path / "reader-page.png"), full_page=True)
    page.get_by_role("button", name="Next Trees grow rules · 1 min").click()
    page.wait_for_url("**/first-steps/trees/")
    assert page.locator("h1#page-title").inner_text() == "Trees grow rules"
    wait_for_progress(page, 66)
    page.get_by_role("button", name="Next Shapley values · 1 min").click()
    page.wait_for_url("**/second-steps/shapley/")
    wait_for_progress(page, 100)
    toc = page.get_by_role("navigation", name="Chapters")
    assert toc.get_by_role("link", name="Hello, models (read)").is_visible()
    assert page.console_errors == []


def test_the_reader_works_on_a_phone(browser, live_site, tmp_path):
    call_command("import_course", str(TINY), verbosity=0)
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_site.url, is_mobile=True)
    page = context.new_page()
    try:
        page.goto("/courses/tiny-course/first-steps/hello/")
        # The course contents fold away on a phone, so the text comes first.
        assert page.locator(".toc-details").get_attribute("open") is None
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways ({width}px)"
        page.screenshot(path=str(tmp_path / "reader-phone.png"), full_page=True)
    finally:
        context.close()
