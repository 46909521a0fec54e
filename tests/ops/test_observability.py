"""The operator's view: one request id from web to worker to sandbox, JSON logs, /metrics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_a_proxys_id_is_kept(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]
    assert client.get("/healthz", HTTP_X_REQUEST_ID="edge-1234abcd")["X-Request-ID"] == "edge-1234abcd"
    # Anything that could forge a log line is replaced, not echoed.
    forged = client.get("/healthz", HTTP_X_REQUEST_ID='x"\n{"level": "CRITICAL"}')["X-Request-ID"]
    assert "\n" not in forged and len(forged) == 32


def test_logs_are_json_lines_when_asked():
    code = "import logging; logging.getLogger('glassbook.test').warning('disk %s', 'low')"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**os.environ, "LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    entry = next(line for line in lines if line["logger"] == "glassbook.test")
    assert entry["level"] == "WARNING" and entry["message"] == "disk low"
    assert entry["time"].endswith("+00:00")


@pytest.mark.slow
def test_the_request_id_follows_a_run_through_the_worker_to_the_sandbox(
    learner_api, sandbox_server, celery_worker_process
):
    from runs.models import Run

    response = learner_api.post(
        "/api/v1/runs/", {"code": "print(1)"}, format="json", HTTP_X_REQUEST_ID="trace-run-0001"
    )
    assert response.status_code == 202
    assert response["X-Request-ID"] == "trace-run-0001"
    run_id = response.json()["id"]
    deadline = time.monotonic() + 60
    while Run.objects.get(pk=run_id).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Run.objects.get(pk=run_id).status == "succeeded"
    server_log = Path(sandbox_server).parent / "server.log"
    deadline = time.monotonic() + 5
    while "[request trace-run-0001]" not in server_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "[request trace-run-0001]" in server_log.read_text()


@pytest.mark.django_db
def test_metrics_show_latency_queue_depth_and_work_by_status(client, learner):
    from runs.models import Run

    Run.objects.create(owner=learner, code="x", code_sha256="0", status="succeeded")
    Run.objects.create(owner=learner, code="x", code_sha256="0", status="timeout")
    status = client.get("/healthz").status_code  # 503 here: no worker runs
    body = client.get("/metrics").content.decode()
    line = f'glassbook_http_request_duration_seconds_count{{method="GET",route="healthz",status="{status // 100}xx"}}'
    assert line in body
    assert 'glassbook_work{kind="runs.run",status="succeeded"} 1.0' in body
    assert 'glassbook_work{kind="runs.run",status="timeout"} 1.0' in body
    assert 'glassbook_queue_depth{queue="sandbox"}' in body
    assert "glassbook_job_duration_seconds" in body


@pytest.mark.django_db
def test_metrics_are_for_loopback_or_the_operators_token(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200 and b"glassbook_work" in ok.content
