"""Completing a course issues one certificate whose PDF and PNG carry a QR code to its verify page."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from certificates.models import Certificate
from certificates.tasks import render_certificate
from courseware.models import Page
from tests.certificates.helpers import SITE_URL, decode_qr, fetch, read_every_page, site_path

pytestmark = pytest.mark.django_db


def test_completing_a_course_issues_exactly_one_certificate(learner_api, tiny_course, complete):
    progress = complete(learner_api, tiny_course)
    assert progress["completed"] is True

    listing = learner_api.get("/api/v1/certificates/").json()
    assert listing["count"] == 1
    certificate = listing["results"][0]
    assert certificate["status"] == "valid"
    assert certificate["learner_name"] == "Lena Learner"
    assert certificate["course_title"] == "A Tiny Course"
    assert certificate["course"] == "tiny-course"
    assert certificate["score"] == 1.0  # no exercises: complete on reading alone
    assert certificate["verify_url"] == f"{SITE_URL}/verify/{certificate['code']}/"
    assert certificate["pdf_url"].endswith(".pdf") and certificate["png_url"].endswith(".png")
    assert certificate["render_status"] == "done" and certificate["name_pending"] is False

    # The reader side knows the code (progress payloads), and reading again issues nothing new.
    again = complete(learner_api, tiny_course)
    assert again["certificate"] == certificate["code"]
    assert learner_api.get("/api/v1/courses/tiny-course/progress/").json()["certificate"] == certificate["code"]
    assert Certificate.objects.count() == 1


def _read_all_but_the_last_page(api_client, course) -> Page:
    pages = list(Page.objects.filter(course=course, published=True).order_by("sequence"))
    for page in pages[:-1]:
        assert api_client.post(f"/api/v1/pages/{page.pk}/read/").status_code == 200
    return pages[-1]


def test_removing_the_last_unread_page_completes_the_course_for_its_learners(
    learner_api, learner_client, instructor, instructor_client, tiny_course, django_capture_on_commit_callbacks
):
    tiny_course.owner = instructor
    tiny_course.save()
    unread = _read_all_but_the_last_page(learner_api, tiny_course)
    assert "2/3 pages read" in learner_client.get("/courses/tiny-course/").content.decode()
    assert learner_api.get("/api/v1/certificates/").json()["count"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = instructor_client.post(
            reverse("authoring:page_delete", kwargs={"slug": "tiny-course", "page_id": unread.pk})
        )
    assert response.status_code == 302

    # Without reading anything more, the learner is complete and holds the certificate.
    overview = learner_client.get("/courses/tiny-course/").content.decode()
    assert "2/2 pages read" in overview and "<strong>completed</strong>" in overview
    assert learner_api.get("/api/v1/certificates/").json()["count"] == 1


def test_a_gentler_completion_rule_completes_learners_who_now_meet_it(
    learner_api, learner_client, instructor, instructor_client, tiny_course, django_capture_on_commit_callbacks
):
    tiny_course.owner = instructor
    tiny_course.save()
    _read_all_but_the_last_page(learner_api, tiny_course)

    with django_capture_on_commit_callbacks(execute=True):
        response = instructor_client.post(
            reverse("authoring:course_settings", kwargs={"slug": "tiny-course"}),
            {"title": tiny_course.title, "summary": "", "language": "en", "pass_mark": "80", "pages_read": "none"},
        )
    assert response.status_code == 302

    assert "<strong>completed</strong>" in learner_client.get("/courses/tiny-course/").content.decode()
    assert learner_api.get("/api/v1/certificates/").json()["count"] == 1


def test_an_edit_that_changes_no_totals_recomputes_nobody(learner_api, tiny_course):
    from courseware.progress import refresh_course_progress

    _read_all_but_the_last_page(learner_api, tiny_course)
    assert refresh_course_progress(tiny_course) == 0


def test_no_certificate_before_the_course_is_complete(learner_api, tiny_course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for slug in ("hello", "trees"):
            learner_api.post(f"/api/v1/pages/{Page.objects.get(slug=slug).pk}/read/")
    assert learner_api.get("/api/v1/certificates/").json()["count"] == 0
    assert learner_api.get("/api/v1/courses/tiny-course/progress/").json()["certificate"] is None


def test_the_png_qr_code_opens_the_verification_page(client, certificate):
    png = fetch(client, certificate["png_url"])
    assert png.startswith(b"\x89PNG")
    urls = decode_qr(png)
    assert urls == [certificate["verify_url"]]

    page = client.get(site_path(urls[0]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Valid certificate" in body and "Lena Learner" in body and "A Tiny Course" in body
    assert certificate["code"] in body


def test_the_png_is_a4_landscape_at_150_dpi(client, certificate):
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(fetch(client, certificate["png_url"])))
    assert image.size == (1754, 1240)
    assert round(image.info["dpi"][0]) == 150
    assert image.info["URL"] == certificate["verify_url"]


def test_the_pdf_is_one_a4_landscape_page_with_the_same_qr_code(client, certificate, tmp_path):
    pdf = fetch(client, certificate["pdf_url"])
    assert pdf.startswith(b"%PDF-")
    assert b"/Count 1" in pdf  # one page
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" in pdf
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils is not installed")
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", tmp_path / "c.pdf", tmp_path / "c"], check=True)
    assert decode_qr((tmp_path / "c.png").read_bytes()) == [certificate["verify_url"]]
    text = subprocess.run(["pdftotext", tmp_path / "c.pdf", "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("Certificate of Completion", "Lena Learner", "A Tiny Course", certificate["code"], "100%"):
        assert expected in text


def _certificate_files():
    root = settings.MEDIA_ROOT / "certificates"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_a_retried_render_task_leaves_one_pdf_and_one_png(certificate):
    files = _certificate_files()
    assert [name.rsplit(".", 1)[1] for name in files] == ["pdf", "png"]
    row = Certificate.objects.get(code=certificate["code"])
    before = (settings.MEDIA_ROOT / row.pdf.name).stat().st_mtime_ns

    render_certificate.apply(args=[row.pk]).get()  # a redelivered message: nothing to do
    assert _certificate_files() == files
    assert (settings.MEDIA_ROOT / row.pdf.name).stat().st_mtime_ns == before

    # A worker that died after writing the files but before recording it: the retry overwrites.
    Certificate.objects.filter(pk=row.pk).update(render_status="pending", rendered_revision=0, pdf=None, png=None)
    render_certificate.apply(args=[row.pk]).get()
    assert _certificate_files() == files
    row.refresh_from_db()
    assert row.render_status == "done" and row.pdf.name and row.png.name


def test_a_render_task_for_a_deleted_certificate_does_nothing(certificate):
    row = Certificate.objects.get(code=certificate["code"])
    row.delete()
    render_certificate.apply(args=[row.pk]).get()


def test_a_certificate_is_issued_even_when_the_broker_is_down(learner_api, tiny_course, complete, monkeypatch):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(render_certificate, "delay", broker_down)
        progress = complete(learner_api, tiny_course)
    assert progress["completed"] is True
    listed = learner_api.get("/api/v1/certificates/").json()["results"]
    assert len(listed) == 1 and listed[0]["render_status"] == "pending" and listed[0]["pdf_url"] is None

    # Once the broker is back, the repair command queues what was missed.
    Certificate.objects.update(issued_at="2000-01-01T00:00:00Z")
    call_command("reconcile_certificates", verbosity=0)
    assert learner_api.get("/api/v1/certificates/").json()["results"][0]["render_status"] == "done"


def test_reconcile_issues_a_certificate_whose_completion_was_missed(learner_api, tiny_course, monkeypatch):
    # A completed course whose certificate is missing, as when issuing failed at completion.
    read_every_page(learner_api, tiny_course)
    Certificate.objects.all().delete()
    assert learner_api.get("/api/v1/certificates/").json()["count"] == 0
    call_command("reconcile_certificates", verbosity=0)
    assert learner_api.get("/api/v1/certificates/").json()["count"] == 1
