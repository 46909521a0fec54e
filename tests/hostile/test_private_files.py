"""Files that belong to a learner reach only that learner; public-by-design media stays public."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from runs import services
from sandbox.result import RunResult

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"figure bytes"


@pytest.fixture(autouse=True)
def _media(private_media):
    return private_media


@pytest.fixture
def finished_run(learner_api, django_capture_on_commit_callbacks):
    """A run of the learner's with one figure, finished as the sandbox task would finish it."""
    with django_capture_on_commit_callbacks(execute=False):
        accepted = learner_api.post("/api/v1/runs/", {"code": "print(1)"}, format="json").json()
    assert services.finish_run(accepted["id"], RunResult(status="succeeded", stdout="1\n", figures=[PNG]))
    body = learner_api.get(f"/api/v1/runs/{accepted['id']}/").json()
    return body


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1] if "://" in url else url


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_run_figure_is_served_to_its_owner_only(finished_run, learner_api, outsider_api, api, learner):
    [url] = finished_run["figures"]
    path = _path(url)
    assert f"/runs/{finished_run['id']}/" in path and not path.startswith(settings.MEDIA_URL)
    owner = learner_api.get(path)
    assert owner.status_code == 200 and _content(owner) == PNG
    assert owner["Content-Type"] == "image/png" and "private" in owner["Cache-Control"]
    # A browser session works too (the reader's output panel shows the figure).
    browser = Client()
    browser.force_login(learner)
    assert browser.get(path).status_code == 200
    assert outsider_api.get(path).status_code == 404
    assert api.get(path).status_code in {401, 403}
    # The folder name is part of the check: the right run with a guessed folder is 404.
    guessed = path.replace(path.split("/")[-2], "0" * 32)
    assert learner_api.get(guessed).status_code == 404


def test_run_figures_are_not_in_public_media_and_ids_do_not_find_them(finished_run, private_media):
    run_id = finished_run["id"]
    # Where they used to be, sequential and public: nothing, under any media prefix.
    for guess in (f"runs/{run_id}/figure-0.png", f"{private_media.name}/runs/{run_id}/figure-0.png"):
        assert Client().get(f"{settings.MEDIA_URL}{guess}").status_code == 404
    assert not list(Path(settings.MEDIA_ROOT).rglob("figure-0.png"))
    folder = _path(finished_run["figures"][0]).split("/")[-2]
    assert len(folder) >= 32 and str(run_id) != folder


def test_published_example_output_stays_public(tiny_course):
    from courseware.models import Page

    page = Page.objects.filter(chapter__course=tiny_course).first()
    output = services.example_output(page_id=page.pk, index=0, result=RunResult(status="succeeded", figures=[PNG]))
    [url] = output["figures"]
    assert url.startswith(settings.MEDIA_URL)
    response = Client().get(url)
    assert response.status_code == 200 and _content(response) == PNG


def test_lab_jobs_are_found_by_their_link_not_by_counting(api, learner_api, outsider_api, learner):
    from explainlab.models import Job

    job = Job.objects.create(
        spec={"dataset": "iris", "model": "tree", "explanation": "importance"}, spec_hash="h" * 64, created_by=learner
    )
    other = Job.objects.create(spec={"dataset": "iris"}, spec_hash="i" * 64)
    assert len(job.key) >= 20 and job.key != other.key
    for client in (api, outsider_api):
        assert client.get(f"/api/v1/explainlab/jobs/{job.pk}/").status_code == 404
        assert Client().get(f"/lab/jobs/{job.pk}/").status_code == 404
    shared = api.get(f"/api/v1/explainlab/jobs/{job.key}/")
    assert shared.status_code == 200
    body = shared.json()
    assert body["key"] == job.key and body["url"].endswith(f"/explainlab/jobs/{job.key}/")
    assert Client().get(f"/lab/jobs/{job.key}/").status_code == 200
    # A client that kept the integer id of its own job still reads it.
    assert learner_api.get(f"/api/v1/explainlab/jobs/{job.pk}/").status_code == 200
