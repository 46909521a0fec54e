"""The second-generation explanation kinds run from the API and from the lab page's form."""

from __future__ import annotations

import pytest

from explainlab.models import Job

pytestmark = pytest.mark.django_db

# One cheap, representative job per new kind: (spec, a data key that must be in the result).
NEW_KINDS = {
    "counterfactual": (
        {"dataset": "loan", "model": "decision_tree", "explanation": "counterfactual", "instance": 4},
        "counterfactual",
    ),
    "ale": ({"dataset": "wine", "model": "knn", "explanation": "ale", "options": {"feature": "alcohol"}}, "ale"),
    "interactions": (
        {"dataset": "iris", "model": "decision_tree", "explanation": "interactions"},
        "h_statistic",
    ),
    "anchors": (
        {"dataset": "loan", "model": "linear", "explanation": "anchors", "instance": 1, "options": {"threshold": 0.9}},
        "rule",
    ),
    "group_fairness": ({"dataset": "loan", "model": "decision_tree", "explanation": "group_fairness"}, "metrics"),
    "nn_attribution": (
        {"dataset": "digits", "model": "mlp", "explanation": "nn_attribution", "instance": 0, "options": {"steps": 32}},
        "integrated_gradients",
    ),
    "nn_units": ({"dataset": "digits", "model": "mlp", "explanation": "nn_units"}, "units"),
}


def post_job(client, spec, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/api/v1/explainlab/jobs/", spec, format="json")


@pytest.mark.parametrize("kind", list(NEW_KINDS))
def test_a_new_kind_runs_through_the_api(
    kind, learner_api, client, eager_celery, media, django_capture_on_commit_callbacks
):
    spec, key = NEW_KINDS[kind]
    created = post_job(learner_api, spec, django_capture_on_commit_callbacks)
    assert created.status_code == 202, created.json()
    job = learner_api.get(created.json()["url"]).json()
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["data"][key] is not None
    files = {a["format"]: a["url"] for a in job["result"]["artifacts"]}
    assert set(files) >= {"png", "svg"}
    png = client.get(files["png"])
    assert b"".join(png.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    catalog = learner_api.get("/api/v1/explainlab/catalog/").json()
    assert kind in {e["key"] for e in catalog["explanations"]}


@pytest.mark.parametrize("kind", list(NEW_KINDS))
def test_a_new_kind_is_offered_and_runs_from_the_lab_page(
    kind, client, learner_client, eager_celery, media, django_capture_on_commit_callbacks
):
    spec, _ = NEW_KINDS[kind]
    assert f'<option value="{kind}"' in client.get("/lab/").content.decode()
    form = {"dataset": spec["dataset"], "model": spec["model"], "explanation": kind}
    if "instance" in spec:
        form["instance"] = str(spec["instance"])
    for name, value in spec.get("options", {}).items():
        form[f"options.{name}"] = value if isinstance(value, str) else str(value).lower()
    with django_capture_on_commit_callbacks(execute=True):
        response = learner_client.post("/lab/jobs/", form, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content.decode()[:2000]
    job = Job.objects.get()
    assert job.status == "succeeded", job.error
    panel = learner_client.get(f"/lab/jobs/{job.pk}/panel/").content.decode()
    assert "<img" in panel and f"{kind}.png" in panel


def test_a_counterfactual_for_a_regression_dataset_is_a_clear_400(learner_api):
    spec = {"dataset": "diabetes", "model": "linear", "explanation": "counterfactual", "instance": 0}
    response = learner_api.post("/api/v1/explainlab/jobs/", spec, format="json")
    assert response.status_code == 400
    assert "explanation" in response.json()["error"]["fields"]
