"""Simultaneous completions and retried tasks still give exactly one certificate and one set of files.

These commit for real (other threads and processes must see the rows), so they run on the
configured database: SQLite by default, PostgreSQL in CI.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from certificates import credentials
from certificates.models import Certificate
from courseware.models import Page
from courseware.progress import course_completed
from tests.certificates.helpers import read_every_page

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count, target):
    """Start ``count`` threads on ``target(index)`` at once; re-raise the first failure."""
    barrier = threading.Barrier(count)
    errors, results = [], [None] * count

    def worker(index):
        try:
            barrier.wait(timeout=10)
            results[index] = target(index)
        except Exception as exc:  # collected for the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def test_two_simultaneous_final_reads_issue_one_certificate(learner_api, tiny_course, monkeypatch):
    pages = list(Page.objects.filter(course=tiny_course).order_by("sequence"))
    for page in pages[:-1]:
        learner_api.post(f"/api/v1/pages/{page.pk}/read/")
    last = pages[-1]

    # Slow issuing down, so the request that did not complete the course answers while the
    # other is still issuing: both must still report the one certificate.
    real_sign = credentials.sign

    def slow_sign(document, *, created):
        time.sleep(0.3)
        return real_sign(document, created=created)

    monkeypatch.setattr(credentials, "sign", slow_sign)
    responses = run_together(2, lambda _: learner_api.post(f"/api/v1/pages/{last.pk}/read/"))
    assert [response.status_code for response in responses] == [200, 200]
    assert Certificate.objects.count() == 1
    code = Certificate.objects.get().code
    assert [response.json()["progress"]["certificate"] for response in responses] == [code, code]
    assert learner_api.get("/api/v1/courses/tiny-course/progress/").json()["certificate"] == code


def test_simultaneous_completion_signals_issue_one_certificate(learner, tiny_course, learner_api, monkeypatch, caplog):
    read_every_page(learner_api, tiny_course)  # completes (and issues) for real
    Certificate.objects.all().delete()  # now race two issues of the same completion

    # Hold both issuers after their "does it exist?" check, so both really try to insert.
    gate = threading.Barrier(2)
    real_sign = credentials.sign

    def slow_sign(document, *, created):
        signed = real_sign(document, created=created)
        gate.wait(timeout=10)
        return signed

    monkeypatch.setattr(credentials, "sign", slow_sign)
    run_together(2, lambda _: course_completed.send(sender=type(tiny_course), user=learner, course=tiny_course))
    assert Certificate.objects.filter(user=learner, course=tiny_course).count() == 1
    assert "Could not issue" not in caplog.text


def test_a_render_task_run_twice_at_once_leaves_one_set_of_files(learner_api, tiny_course, settings):
    from certificates.tasks import render_certificate

    read_every_page(learner_api, tiny_course)
    certificate = Certificate.objects.get()
    deadline = time.monotonic() + 30
    while certificate.render_status != "done" and time.monotonic() < deadline:
        certificate.refresh_from_db()
        time.sleep(0.05)
    Certificate.objects.filter(pk=certificate.pk).update(render_status="pending", rendered_revision=0)

    run_together(2, lambda _: render_certificate.apply(args=[certificate.pk]).get())
    files = sorted(p.name for p in (settings.MEDIA_ROOT / "certificates").rglob("*") if p.is_file())
    assert files == [f"glassbook-certificate-{certificate.code}.pdf", f"glassbook-certificate-{certificate.code}.png"]
    certificate.refresh_from_db()
    assert certificate.render_status == "done"


@pytest.mark.slow
def test_a_real_worker_renders_the_files_from_the_default_queue(
    settings, learner_api, tiny_course, celery_worker_process
):
    from django.test import Client

    from tests.certificates.helpers import decode_qr, fetch

    settings.CELERY_TASK_ALWAYS_EAGER = False
    read_every_page(learner_api, tiny_course)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        certificate = learner_api.get("/api/v1/certificates/").json()["results"][0]
        if certificate["render_status"] != "pending":
            break
        time.sleep(0.2)
    assert certificate["render_status"] == "done", certificate
    assert decode_qr(fetch(Client(), certificate["png_url"])) == [certificate["verify_url"]]
