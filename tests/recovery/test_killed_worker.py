"""A coding attempt or a run whose worker is SIGKILLed half-way is redone, not left `running`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from exercises.models import Attempt
from runs.models import Run
from tests.plugins.workers import WorkerProcess
from tests.recovery.conftest import SLOW_RUN, SLOW_SOLUTION, wait_for

pytestmark = pytest.mark.slow


def submit_slow_attempt(learner_api, exercise) -> int:
    response = learner_api.post(f"/api/v1/exercises/{exercise.pk}/attempts/", {"code": SLOW_SOLUTION}, format="json")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_an_attempt_cut_off_by_a_killed_worker_is_graded_once_the_worker_is_back(
    learner_api, coding_exercise, celery_worker_process
):
    attempt_id = submit_slow_attempt(learner_api, coding_exercise)
    wait_for(lambda: Attempt.objects.filter(pk=attempt_id, status="running").exists(), timeout=60, step=0.05)
    celery_worker_process.kill()
    assert Attempt.objects.get(pk=attempt_id).status == "running", "the attempt should have been cut off"

    celery_worker_process.start()  # same node name: it takes back what died with it
    done = wait_for(lambda: Attempt.objects.filter(pk=attempt_id, status__in=["graded", "error"]).first(), timeout=90)
    assert done.status == "graded", done.feedback
    assert done.correct is True
    body = learner_api.get(f"/api/v1/attempts/{attempt_id}/").json()
    assert body["status"] == "graded"


def test_a_run_cut_off_by_a_killed_worker_is_run_again(learner_api, sandbox_server, celery_worker_process):
    response = learner_api.post("/api/v1/runs/", {"code": SLOW_RUN}, format="json")
    assert response.status_code == 202
    run_id = response.json()["id"]
    wait_for(lambda: Run.objects.filter(pk=run_id, status="running").exists(), timeout=60, step=0.05)
    celery_worker_process.kill()
    assert Run.objects.get(pk=run_id).status == "running"

    celery_worker_process.start()
    done = wait_for(lambda: Run.objects.filter(pk=run_id).exclude(status__in=["queued", "running"]).first(), timeout=90)
    assert done.status == "succeeded", done.error
    assert learner_api.get(f"/api/v1/runs/{run_id}/").json()["stdout"] == "survived\n"


def test_work_of_a_worker_that_never_returns_is_taken_back_by_the_sweep(
    learner_api, coding_exercise, celery_worker_process, settings
):
    attempt_id = submit_slow_attempt(learner_api, coding_exercise)
    wait_for(lambda: Attempt.objects.filter(pk=attempt_id, status="running").exists(), timeout=60, step=0.05)
    celery_worker_process.kill()

    other = WorkerProcess("default,sandbox,explain", name=f"{celery_worker_process.name}-other")
    other.start()
    try:
        settings.RECOVERY_DEAD_WORKER_GRACE_SECONDS = 0
        out = StringIO()
        call_command("recover_work", stdout=out)  # what beat's periodic sweep runs
        assert "Took back 1" in out.getvalue()
        done = wait_for(
            lambda: Attempt.objects.filter(pk=attempt_id, status__in=["graded", "error"]).first(), timeout=90
        )
    finally:
        other.stop()
    assert done.status == "graded" and done.correct is True


def test_an_attempt_that_keeps_killing_its_worker_is_given_up(learner_api, coding_exercise, settings):
    """No worker at all here: each sweep finds the attempt's worker dead and takes it back."""
    from recovery.models import Claim

    settings.RECOVERY_DEAD_WORKER_GRACE_SECONDS = 0
    attempt_id = learner_api.post(
        f"/api/v1/exercises/{coding_exercise.pk}/attempts/", {"code": SLOW_SOLUTION}, format="json"
    ).json()["id"]
    for round_ in range(4):
        # As a worker would: claim the attempt, then die before finishing it.
        Attempt.objects.filter(pk=attempt_id).update(status="running")
        Claim.objects.update_or_create(
            kind="exercises.attempt",
            object_id=attempt_id,
            defaults={"worker": f"gone-{round_}@nowhere", "claimed_at": None},
        )
        call_command("recover_work", "--no-ping", stdout=StringIO())
    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.status == "error"
    assert "given up" in attempt.feedback[0]["message"]
    assert not Claim.objects.filter(object_id=attempt_id).exists()
