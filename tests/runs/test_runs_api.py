"""POST /api/v1/runs/ and GET /api/v1/runs/{id}/ through the schema-checked API client."""

from __future__ import annotations

import time

import pytest

from courseware.models import Course, Page
from runs.models import Run

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/runs/"


def path_of(url: str) -> str:
    """The API answers absolute URLs; the test client (and its schema check) wants the path."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def run_code(learner_api, eager_tasks, sandbox_server, django_capture_on_commit_callbacks):
    """POST code as the learner, let the (eager) task run after commit, return GET's body."""

    def run(code: str, **extra) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = learner_api.post(RUNS, {"code": code, **extra}, format="json")
        assert response.status_code == 202, response.content
        accepted = response.json()
        assert accepted["status"] == "queued" and accepted["url"].endswith(f"/api/v1/runs/{accepted['id']}/")
        detail = learner_api.get(path_of(accepted["url"]))
        assert detail.status_code == 200
        return detail.json()

    return run


def test_post_queues_and_get_shows_the_printed_output(run_code, learner):
    body = run_code('name = "world"\nprint(f"hello, {name}")\n')
    assert body["status"] == "succeeded" and body["final"] is True
    assert body["stdout"] == "hello, world\n"
    assert body["error"] == "" and body["figures"] == []
    assert body["duration_ms"] > 0
    run = Run.objects.get(pk=body["id"])
    assert run.owner == learner and run.finished_at is not None and run.isolated is True


def test_failing_code_shows_the_trimmed_traceback_and_its_line(run_code):
    body = run_code("x = 1\ny = 0\nprint(x / y)\n")
    assert body["status"] == "failed"
    assert body["error_line"] == 3
    assert "ZeroDivisionError: division by zero" in body["error"]
    assert 'File "main.py", line 3' in body["error"]
    # Trimmed to the learner's own frames: nothing of the sandbox's machinery.
    assert "sandbox" not in body["error"] and "site-packages" not in body["error"]


def test_a_figure_becomes_a_url_that_serves_a_png(run_code, learner_api):
    body = run_code(
        "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.bar(['a', 'b'], [3, 5])\nprint('drawn')\n"
    )
    assert body["status"] == "succeeded" and body["stdout"] == "drawn\n"
    assert len(body["figures"]) == 1
    url = body["figures"][0]
    assert url.startswith(f"http://testserver/runs/{body['id']}/files/") and url.endswith("/figure-0.png")
    response = learner_api.get(path_of(url))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG\r\n\x1a\n")


def test_code_over_64_kb_is_413_and_nothing_is_stored(learner_api):
    code = "# " + "x" * (64 * 1024) + "\n"
    response = learner_api.post(RUNS, {"code": code}, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert not Run.objects.exists()


def test_exactly_64_kb_is_accepted(learner_api):
    code = "#" * (64 * 1024 - 1) + "\n"
    assert learner_api.post(RUNS, {"code": code}, format="json").status_code == 202


@pytest.mark.parametrize("code", ["", "   \n", 123, None, ["print(1)"], {"a": 1}, True])
def test_code_that_is_empty_or_not_a_string_is_400_naming_the_field(learner_api, code):
    response = learner_api.post(RUNS, {"code": code}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["code"]
    assert not Run.objects.exists()


def test_missing_code_is_400_naming_the_field(learner_api):
    response = learner_api.post(RUNS, {}, format="json")
    assert response.status_code == 400 and "code" in response.json()["error"]["fields"]


def test_page_must_be_an_id(learner_api):
    response = learner_api.post(RUNS, {"code": "print(1)", "page": "first"}, format="json")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["page"]


def test_another_users_run_is_404_for_the_outsider(learner_api, outsider_api):
    run_id = learner_api.post(RUNS, {"code": "print(1)"}, format="json").json()["id"]
    assert learner_api.get(f"{RUNS}{run_id}/").status_code == 200
    response = outsider_api.get(f"{RUNS}{run_id}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert outsider_api.get(f"{RUNS}999999/").status_code == 404


def test_anonymous_cannot_run_code_or_read_runs(api, learner_api):
    response = api.post(RUNS, {"code": "print(1)"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    run_id = learner_api.post(RUNS, {"code": "print(1)"}, format="json").json()["id"]
    assert api.get(f"{RUNS}{run_id}/").status_code == 401
    assert Run.objects.count() == 1


def test_a_third_run_in_flight_is_409(learner_api, outsider_api):
    # Without a worker (and without running on_commit) the first two stay queued.
    for _ in range(2):
        assert learner_api.post(RUNS, {"code": "print(1)"}, format="json").status_code == 202
    response = learner_api.post(RUNS, {"code": "print(1)"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert "2 runs in progress" in response.json()["error"]["message"]
    assert Run.objects.count() == 2
    # The limit is per user.
    assert outsider_api.post(RUNS, {"code": "print(1)"}, format="json").status_code == 202


def test_a_run_queued_for_too_long_no_longer_counts(learner_api):
    from datetime import timedelta

    from django.utils import timezone

    for _ in range(2):
        learner_api.post(RUNS, {"code": "print(1)"}, format="json")
    Run.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    assert learner_api.post(RUNS, {"code": "print(1)"}, format="json").status_code == 202


def test_too_many_runs_are_throttled_with_retry_after(learner_api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "runs": "1/min"},
    }
    assert learner_api.post(RUNS, {"code": "print(1)"}, format="json").status_code == 202
    response = learner_api.post(RUNS, {"code": "print(2)"}, format="json")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["error"]["code"] == "throttled"
    # Polling is not a run: reading the result is not throttled by the runs budget.
    run_id = Run.objects.get().pk
    for _ in range(3):
        assert learner_api.get(f"{RUNS}{run_id}/").status_code == 200


def test_a_page_the_learner_cannot_read_is_404(learner_api, instructor_api, instructor, tiny_course):
    draft = Course.objects.create(slug="draft", title="Draft", published=False, owner=instructor)
    hidden = Page.objects.filter(course=tiny_course).first()
    hidden.course = draft
    hidden.save()
    response = learner_api.post(RUNS, {"code": "print(1)", "page": hidden.pk}, format="json")
    assert response.status_code == 404
    assert learner_api.post(RUNS, {"code": "print(1)", "page": 987654}, format="json").status_code == 404
    assert not Run.objects.exists()
    # Its author may preview it, and run code from it.
    assert instructor_api.post(RUNS, {"code": "print(1)", "page": hidden.pk}, format="json").status_code == 202
    visible = Page.objects.filter(course=tiny_course).first()
    response = learner_api.post(RUNS, {"code": "print(1)", "page": visible.pk}, format="json")
    assert response.status_code == 202
    assert Run.objects.get(pk=response.json()["id"]).page == visible


def test_sandbox_down_ends_the_run_in_error_and_the_api_still_answers(run_code, sandbox_down, learner_api):
    started = time.monotonic()
    body = run_code("print('never runs')")
    assert body["status"] == "error" and body["final"] is True
    assert "the code runner is unavailable" in body["error"]
    assert body["stdout"] == ""
    assert time.monotonic() - started < 10  # eager retries do not sleep
    # The API keeps answering, and new runs are accepted (they will be retried by workers).
    assert learner_api.get(f"{RUNS}{body['id']}/").status_code == 200
    assert learner_api.post(RUNS, {"code": "print(1)"}, format="json").status_code == 202


def test_a_refusing_sandbox_ends_the_run_with_its_reason(run_code, monkeypatch):
    from runs import sandbox_gateway

    def refuse(code, **kwargs):
        raise sandbox_gateway.SandboxRefused("isolation is not available on this machine")

    monkeypatch.setattr(sandbox_gateway, "run", refuse)
    body = run_code("print(1)")
    assert body["status"] == "error"
    assert "refuses to run code: isolation is not available" in body["error"]


def test_the_task_is_idempotent(run_code):
    from runs.tasks import execute_run

    body = run_code("print('once')")
    finished = Run.objects.get(pk=body["id"]).finished_at
    execute_run.apply(args=[body["id"]])  # a duplicate delivery
    run = Run.objects.get(pk=body["id"])
    assert run.finished_at == finished and run.stdout == "once\n"


def test_a_run_left_running_by_a_dead_worker_is_run_again(learner_api, eager_tasks, sandbox_server):
    from runs.tasks import execute_run

    run_id = learner_api.post(RUNS, {"code": "print('again')"}, format="json").json()["id"]
    Run.objects.filter(pk=run_id).update(status="running")
    execute_run.apply(args=[run_id])
    run = Run.objects.get(pk=run_id)
    assert run.status == "succeeded" and run.stdout == "again\n"


@pytest.mark.django_db(transaction=True)
def test_with_a_real_worker_the_run_finishes(sandbox_server, celery_worker_process, learner):
    from tests.plugins.users import _api_client_for

    client = _api_client_for(learner)
    response = client.post(RUNS, {"code": "print(sum(range(10)))"}, format="json")
    assert response.status_code == 202
    url = path_of(response.json()["url"])
    deadline = time.monotonic() + 60
    body = client.get(url).json()
    while body["status"] in {"queued", "running"} and time.monotonic() < deadline:
        time.sleep(0.1)
        body = client.get(url).json()
    assert body["status"] == "succeeded", body
    assert body["stdout"] == "45\n"
