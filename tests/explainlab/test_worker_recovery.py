"""A job whose worker is SIGKILLed half-way completes once a worker of that name is back."""

from __future__ import annotations

import time

import pytest

from explainlab.models import Job

# Consistency runs SHAP, permutation importance and LIME: long enough to be caught running.
SLOW = {
    "dataset": "breast_cancer",
    "model": "random_forest",
    "params": {"n_estimators": 60},
    "explanation": "consistency",
}


def wait_for(predicate, timeout: float, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")


@pytest.mark.slow
def test_a_killed_worker_job_finishes_after_restart(learner_api, celery_worker_process, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = learner_api.post("/api/v1/explainlab/jobs/", SLOW, format="json")
    assert response.status_code == 202
    job_id = response.json()["id"]
    wait_for(lambda: Job.objects.filter(pk=job_id, status="running").exists(), timeout=60, step=0.05)
    celery_worker_process.kill()
    job = Job.objects.get(pk=job_id)
    assert job.status == "running", "the job should have been cut off mid-way"
    celery_worker_process.start()  # same node name: it takes back what died with it
    done = wait_for(
        lambda: Job.objects.filter(pk=job_id, status__in=["succeeded", "failed"]).first(), timeout=120, step=0.3
    )
    assert done.status == "succeeded", done.error
    assert done.attempts >= 2
    assert learner_api.get(f"/api/v1/explainlab/jobs/{job_id}/").json()["result"]["artifacts"]
