"""The browser side over HTTP: htmx fragments, polling, the login prompt, the no-JS pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from runs.models import Run

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def post_run(learner_client, eager_tasks, sandbox_server, django_capture_on_commit_callbacks):
    def post(code: str, *, htmx: bool = True, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return learner_client.post("/runs/", {"code": code, **fields}, **(HTMX if htmx else {}))

    return post


def test_htmx_post_answers_a_panel_that_polls_until_final(learner_client, django_capture_on_commit_callbacks):
    response = learner_client.post("/runs/", {"code": "print('hi')"}, **HTMX)
    assert response.status_code == 201
    run = Run.objects.get()
    body = response.content.decode()
    assert f'hx-get="/runs/{run.pk}/panel/"' in body and 'hx-trigger="load delay:500ms"' in body
    assert "Queued" in body
    # Still queued (no worker): polling answers the same polling panel.
    polled = learner_client.get(f"/runs/{run.pk}/panel/", **HTMX).content.decode()
    assert f'hx-get="/runs/{run.pk}/panel/"' in polled


def test_the_final_panel_shows_escaped_output_and_stops_polling(post_run, learner_client):
    post_run("print('<script>alert(1)</script> & done')")
    run = Run.objects.get()
    assert run.status == "succeeded"
    body = learner_client.get(f"/runs/{run.pk}/panel/", **HTMX).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; done" in body
    assert "<script>alert" not in body
    assert "hx-get" not in body
    assert 'data-status="succeeded"' in body


def test_an_error_panel_marks_the_line_and_shows_the_traceback(post_run, learner_client):
    post_run("a = 1\nb = [a]\nprint(b[5])\nprint('after')\n")
    run = Run.objects.get()
    body = learner_client.get(f"/runs/{run.pk}/panel/").content.decode()
    assert "The code raised an error on line 3" in body
    assert re.search(
        r'<span class="run-line run-error-line"><span class="run-lineno">3</span>print\(b\[5\]\)</span>', body
    )
    assert "IndexError: list index out of range" in body


def test_figures_are_shown_as_images(post_run, learner_client, client):
    post_run("import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\n")
    run = Run.objects.get()
    body = learner_client.get(f"/runs/{run.pk}/panel/").content.decode()
    src = re.search(r'<img src="([^"]+)" alt="Figure 1', body).group(1)
    png = learner_client.get(src)
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert client.get(src).status_code in (401, 403, 404), "a learner's figure is theirs alone"


def test_truncated_output_is_marked(post_run, learner_client):
    post_run("import sys\nsys.stdout.write('x' * (2 * 1024 * 1024))\n")
    run = Run.objects.get()
    assert run.stdout_truncated
    body = learner_client.get(f"/runs/{run.pk}/panel/").content.decode()
    assert "Printed output cut at 1 MiB." in body


def test_without_htmx_a_post_redirects_to_a_result_page(post_run, learner_client):
    response = post_run("print(6 * 7)", htmx=False)
    run = Run.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/runs/{run.pk}/"
    page = learner_client.get(response["Location"]).content.decode()
    assert "<h1>Your run</h1>" in page and "42" in page
    assert 'name="csrfmiddlewaretoken"' in page  # edit and run again, without JavaScript


def test_the_result_page_refreshes_itself_while_queued(learner_client):
    learner_client.post("/runs/", {"code": "print(1)"})
    run = Run.objects.get()
    page = learner_client.get(f"/runs/{run.pk}/").content.decode()
    assert '<noscript><meta http-equiv="refresh" content="1"></noscript>' in page


def test_the_no_javascript_entry_page_has_a_csrf_protected_form(learner_client, client):
    page = learner_client.get("/runs/new/", {"code": "print('from the page')", "page": "1"}).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page and "print(&#x27;from the page&#x27;)" in page
    anonymous = client.get("/runs/new/", {"code": "print(1)"}).content.decode()
    assert "Log in</a> to run code" in anonymous and "csrfmiddlewaretoken" not in anonymous


def test_anonymous_run_asks_to_log_in_and_comes_back_to_the_page(client, tiny_course):
    from courseware.models import Page

    page = Page.objects.get(slug="hello")
    response = client.post("/runs/", {"code": "print(1)", "page": page.pk}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        'href="/accounts/login/?next=%2Fcourses%2Ftiny-course%2Ffirst-steps%2Fhello%2F">Log in</a> to run code' in body
    )
    response = client.post("/runs/", {"code": "print(1)", "page": page.pk})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/courses/tiny-course/first-steps/hello/"
    assert not Run.objects.exists()


def test_csrf_is_enforced_for_logged_in_readers(learner):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(learner)
    assert csrf_client.post("/runs/", {"code": "print(1)"}, **HTMX).status_code == 403
    assert csrf_client.post("/runs/", {"code": "print(1)"}).status_code == 403
    assert not Run.objects.exists()


def test_anonymous_readers_get_the_login_prompt_without_a_csrf_token(tiny_course):
    # Cached anonymous pages carry no token; the prompt changes nothing, so none is needed.
    body = Client(enforce_csrf_checks=True).post("/runs/", {"code": "print(1)"}, **HTMX).content.decode()
    assert "Log in</a> to run code" in body
    assert not Run.objects.exists()


def test_problems_come_back_as_messages(learner_client, settings):
    assert "This field may not be blank" in learner_client.post("/runs/", {"code": " "}, **HTMX).content.decode()
    response = learner_client.post("/runs/", {"code": "#" * 70000})
    assert response.status_code == 413 and "at most 65536 bytes" in response.content.decode()
    for _ in range(2):
        learner_client.post("/runs/", {"code": "print(1)"}, **HTMX)
    body = learner_client.post("/runs/", {"code": "print(1)"}, **HTMX).content.decode()
    assert "2 runs in progress" in body
    assert learner_client.post("/runs/", {"code": "print(1)"}).status_code == 409


def test_the_html_view_shares_the_api_throttle(learner_client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "runs": "1/min"},
    }
    assert learner_client.post("/runs/", {"code": "print(1)"}).status_code == 302
    response = learner_client.post("/runs/", {"code": "print(1)"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_someone_elses_run_is_404(learner_client, outsider_client, client):
    learner_client.post("/runs/", {"code": "print(1)"})
    run = Run.objects.get()
    assert outsider_client.get(f"/runs/{run.pk}/panel/").status_code == 404
    assert outsider_client.get(f"/runs/{run.pk}/").status_code == 404
    assert client.get(f"/runs/{run.pk}/panel/").status_code == 404
    assert client.get(f"/runs/{run.pk}/").status_code == 302
