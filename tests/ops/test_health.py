from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_health_is_503_without_a_worker_and_names_what_is_down(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["workers"]["ok"] is False


@pytest.mark.slow
def test_health_is_200_with_database_broker_and_a_real_worker(client, celery_worker_process):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert any(celery_worker_process.name in name for name in body["checks"]["workers"]["workers"])


@pytest.mark.django_db
def test_health_is_503_when_the_broker_is_unreachable(client, settings):
    from config.celery import app

    original = app.conf.broker_url, app.conf.broker_write_url
    app.conf.broker_url = app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url, app.conf.broker_write_url = original
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_the_run_all_launcher_starts_from_any_folder():
    """`make run` calls bin/run-all as a script: its imports must find the project."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "bin" / "run-all"
    result = subprocess.run(
        [sys.executable, str(script), "--help"], cwd="/", capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "--port" in result.stdout
