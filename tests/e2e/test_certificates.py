"""A learner finishes the tiny course in Chromium, finds the certificate and opens its verify page."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.certificates.helpers import decode_qr

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TINY = Path(__file__).resolve().parents[1] / "fixtures" / "courses" / "tiny"


@pytest.fixture
def certificate_site(live_site, settings, tmp_path):
    # The QR code and links must point at the server the browser talks to.
    settings.SITE_URL = live_site.url
    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "certificate_signing_key.pem"
    return live_site


def image_loaded(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


def test_finishing_a_course_gives_a_certificate_anyone_can_verify(
    browser, browser_page, browser_login, certificate_site, learner, tmp_path
):
    call_command("import_course", str(TINY), verbosity=0)
    page = browser_page
    browser_login(page, learner)

    page.goto("/courses/tiny-course/")
    page.get_by_role("link", name="Start reading").click()
    page.get_by_role("button", name="Next Trees grow rules · 1 min").click()
    page.wait_for_url("**/first-steps/trees/")
    page.get_by_role("button", name="Next Shapley values · 1 min").click()
    page.wait_for_url("**/second-steps/shapley/")
    page.get_by_role("button", name="Finished Back to the course").click()
    page.wait_for_url("**/courses/tiny-course/")

    page.get_by_role("link", name="My certificates").click()
    page.wait_for_url("**/certificates/")
    card = page.locator(".cert-card")
    assert card.count() == 1
    assert "A Tiny Course" in card.inner_text() and "Awarded to Lena Learner" in card.inner_text()
    assert image_loaded(page, ".cert-card img")
    pdf_href = page.get_by_role("link", name="Download PDF").get_attribute("href")
    with urllib.request.urlopen(certificate_site.url + pdf_href) as response:
        assert response.read(5) == b"%PDF-"
    page.screenshot(path=str(tmp_path / "my-certificates.png"), full_page=True)

    page.get_by_role("link", name="Verification page").click()
    page.wait_for_url("**/verify/*/")
    verify_url = page.url
    png_href = page.locator(".verify-preview img").get_attribute("src")
    with urllib.request.urlopen(certificate_site.url + png_href) as response:
        assert decode_qr(response.read()) == [verify_url]
    page.screenshot(path=str(tmp_path / "verify-learner.png"), full_page=True)

    # Someone else scans the QR code: no log-in, same verdict.
    stranger = browser.new_context(base_url=certificate_site.url, viewport={"width": 1200, "height": 900})
    try:
        other = stranger.new_page()
        other.goto(verify_url)
        assert other.get_by_role("heading", name="Valid certificate").is_visible()
        assert "Lena Learner" in other.locator(".verify-facts").inner_text()
        assert image_loaded(other, ".verify-preview img")
        other.screenshot(path=str(tmp_path / "verify-stranger.png"), full_page=True)
    finally:
        stranger.close()
    assert page.console_errors == []
    print(f"screenshots in {tmp_path}")
