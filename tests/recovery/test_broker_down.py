"""Redis (broker and cache) stopped: work is still accepted and stored, reading goes on,
/healthz names the broker, and everything accepted is done once Redis is back."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command

from courseware.selectors import page_url
from exercises.models import Attempt
from runs.models import Run
from tests.plugins.workers import WorkerProcess
from tests.recovery.conftest import SOLUTION, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_cache(settings, private_redis):
    """The full stack's cache: the same Redis as the broker (another db)."""
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.TolerantRedisCache", "LOCATION": private_redis.url[:-1] + "1"}
    }


def test_work_accepted_while_redis_is_down_is_done_once_it_is_back(
    private_redis, redis_cache, coding_exercise, learner_api, learner_client, settings
):
    worker = WorkerProcess("default,sandbox,explain", name=f"down-{time.monotonic_ns()}")
    worker.start()
    try:
        private_redis.stop()

        started = time.monotonic()
        response = learner_api.post(
            f"/api/v1/exercises/{coding_exercise.pk}/attempts/", {"code": SOLUTION}, format="json"
        )
        assert response.status_code == 202, response.content
        attempt_id = response.json()["id"]
        response = learner_api.post("/api/v1/runs/", {"code": "print(6 * 7)"}, format="json")
        assert response.status_code == 202, response.content
        run_id = response.json()["id"]
        assert time.monotonic() - started < 10, "accepting work must not hang on a broker that is down"
        # Stored before anything was queued, and still there to be done.
        assert Attempt.objects.get(pk=attempt_id).status == "queued"
        assert Run.objects.get(pk=run_id).status == "queued"

        # Reading keeps working: the reader page, the API, the learner's own attempt.
        assert learner_client.get(page_url(coding_exercise.page)).status_code == 200
        assert learner_api.get(f"/api/v1/exercises/{coding_exercise.pk}/").status_code == 200
        assert learner_api.get(f"/api/v1/attempts/{attempt_id}/").json()["status"] == "queued"

        health = learner_client.get("/healthz")
        assert health.status_code == 503
        checks = health.json()["checks"]
        assert checks["database"]["ok"] is True
        assert checks["broker"]["ok"] is False
        assert checks["broker"]["error"]

        private_redis.start()
        settings.RECOVERY_QUEUED_AFTER_SECONDS = 0
        out = StringIO()
        call_command("recover_work", stdout=out)  # what beat's periodic sweep runs
        assert "sent again 2" in out.getvalue()

        attempt = wait_for(
            lambda: Attempt.objects.filter(pk=attempt_id, status__in=["graded", "error"]).first(), timeout=120
        )
        run = wait_for(lambda: Run.objects.filter(pk=run_id).exclude(status__in=["queued", "running"]).first(), 60)
    finally:
        worker.stop()
    assert attempt.status == "graded" and attempt.correct is True
    assert run.status == "succeeded" and run.stdout == "42\n"
    assert learner_client.get("/healthz").json()["checks"]["broker"]["ok"] is True
