"""The lab page, its htmx result panel, and `{explainlab}` embeds imported into a chapter."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from courseware.models import Page
from explainlab.models import Embed, Job

pytestmark = pytest.mark.django_db
LAB_COURSE = Path(__file__).resolve().parents[1] / "fixtures" / "courses" / "lab-course"


def test_lab_page_offers_the_catalog_and_prefills_a_spec(client):
    spec = {"dataset": "wine", "model": "knn", "params": {"n_neighbors": 7}, "explanation": "lime", "instance": 4}
    body = client.get("/lab/", {"spec": json.dumps(spec)}).content.decode()
    assert '<option value="wine" selected>' in body and '<option value="knn" selected>' in body
    assert 'name="params.n_neighbors"' in body and "Log in to run the lab" in body
    assert "lab-initial" in body and '"n_neighbors": 7' in body


def test_submitting_the_form_shows_the_result_panel(
    learner_client, eager_celery, media, django_capture_on_commit_callbacks
):
    form = {
        "dataset": "iris",
        "model": "decision_tree",
        "params.max_depth": "2",
        "params.min_samples_leaf": "",
        "explanation": "tree_rules",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = learner_client.post("/lab/jobs/", form, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    job = Job.objects.get()
    # Eager tasks run after the panel was rendered: the next poll shows the result.
    panel = learner_client.get(f"/lab/jobs/{job.pk}/panel/").content.decode()
    assert "<img" in panel and "accuracy" in panel and "tree_rules.txt" in panel
    assert "lab-job" in body


def test_bad_form_input_is_shown_next_to_the_form(learner_client):
    form = {"dataset": "iris", "model": "decision_tree", "params.max_depth": "forty", "explanation": "tree_rules"}
    response = learner_client.post("/lab/jobs/", form, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "params.max_depth" in response.content.decode()
    response = learner_client.post("/lab/jobs/", form)
    assert response.status_code == 400 and "Please fix" in response.content.decode()
    assert not Job.objects.exists()


def test_without_javascript_the_form_redirects_to_a_result_page(
    learner_client, eager_celery, media, django_capture_on_commit_callbacks
):
    form = {"dataset": "iris", "model": "decision_tree", "params.max_depth": "2", "explanation": "tree_diagram"}
    with django_capture_on_commit_callbacks(execute=True):
        response = learner_client.post("/lab/jobs/", form)
    assert response.status_code == 302
    assert "<img" in learner_client.get(response["Location"]).content.decode()


def test_an_embed_is_computed_at_import_and_shows_at_once(client, api, media, tmp_path):
    folder = tmp_path / "lab-course"
    shutil.copytree(LAB_COURSE, folder)
    call_command("import_course", str(folder), verbosity=0)
    page = Page.objects.get(slug="tree")
    assert "explainlab-embed" in page.html and "Try it yourself" in page.html and "<img" in page.html
    embed = Embed.objects.get()
    assert embed.job.status == "succeeded" and embed.job.pinned
    body = client.get("/courses/lab-course/lab/tree/").content.decode()
    assert "A depth-2 tree on the iris flowers." in body
    data = api.get(f"/api/v1/pages/{page.pk}/").json()
    assert data["explainlab"][0]["dataset"] == "iris" and data["explainlab"][0]["job"]["status"] == "succeeded"
    # Re-importing reuses the finished job instead of computing again.
    call_command("import_course", str(folder), verbosity=0)
    assert Job.objects.count() == 1


def test_an_invalid_embed_fails_the_import_with_its_line(tmp_path):
    folder = tmp_path / "lab-course"
    shutil.copytree(LAB_COURSE, folder)
    page = folder / "01-lab" / "01-tree.md"
    page.write_text(page.read_text().replace("model: decision_tree", "model: mlp"))
    with pytest.raises(CommandError):
        call_command("import_course", str(folder), verbosity=0)
    assert not Page.objects.exists()


def test_prune_keeps_embedded_jobs_and_removes_old_unused_ones(
    learner_api, eager_celery, media, tmp_path, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from explainlab.services import prune_artifacts

    folder = tmp_path / "lab-course"
    shutil.copytree(LAB_COURSE, folder)
    call_command("import_course", str(folder), verbosity=0)
    spec = {"dataset": "iris", "model": "knn", "explanation": "permutation_importance", "options": {"n_repeats": 2}}
    with django_capture_on_commit_callbacks(execute=True):
        learner_api.post("/api/v1/explainlab/jobs/", spec, format="json")
    lonely = Job.objects.get(spec__model="knn")
    files = [a["path"] for a in lonely.artifacts]
    Job.objects.update(last_used_at=timezone.now() - timedelta(days=30))
    assert prune_artifacts() == 1
    assert Job.objects.filter(pinned=True).count() == 1 and not Job.objects.filter(pk=lonely.pk).exists()
    assert not any((media / f).exists() for f in files)
