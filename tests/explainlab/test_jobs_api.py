"""The lab through its API: catalog, jobs, reuse, and every kind of bad input."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

TREE = {"dataset": "iris", "model": "decision_tree", "params": {"max_depth": 2}, "explanation": "tree_diagram"}
SHAP_LOCAL = {
    "dataset": "breast_cancer",
    "model": "decision_tree",
    "params": {"max_depth": 3},
    "explanation": "shap_waterfall",
    "instance": 3,
}


def post_job(client, spec, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/api/v1/explainlab/jobs/", spec, format="json")


def test_catalog_lists_datasets_models_and_explanations(api):
    body = api.get("/api/v1/explainlab/catalog/").json()
    assert {d["key"] for d in body["datasets"]} == {"breast_cancer", "wine", "iris", "diabetes", "loan", "digits"}
    assert {"linear", "decision_tree", "random_forest", "gradient_boosting", "mlp", "knn", "gam"} <= {
        m["key"] for m in body["models"]
    }
    tree = next(e for e in body["explanations"] if e["key"] == "tree_diagram")
    assert tree["needs_instance"] is False and "mlp" not in tree["models"]
    loan = next(d for d in body["datasets"] if d["key"] == "loan")
    assert loan["n_rows"] == 5000 and any(f["name"] == "group" for f in loan["features"])


def test_a_job_runs_and_a_repeated_spec_is_reused(
    learner_api, eager_celery, media, client, django_capture_on_commit_callbacks
):
    first = post_job(learner_api, SHAP_LOCAL, django_capture_on_commit_callbacks)
    assert first.status_code == 202 and set(first.json()) >= {"id", "status", "progress", "url"}
    job = learner_api.get(first.json()["url"]).json()
    assert job["status"] == "succeeded" and job["progress"] == 100 and job["cached"] is False
    assert set(job["result"]["metrics"]) == {"accuracy", "roc_auc"}
    formats = {a["format"] for a in job["result"]["artifacts"]}
    assert {"png", "svg"} <= formats
    png = next(a for a in job["result"]["artifacts"] if a["format"] == "png")
    served = client.get(png["url"])
    assert served.status_code == 200 and b"".join(served.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    assert job["result"]["data"], "the numbers behind the plot are returned"
    again = post_job(
        learner_api,
        {**SHAP_LOCAL, "params": {"max_depth": 3, "min_samples_leaf": 1}},
        django_capture_on_commit_callbacks,
    )
    assert again.status_code == 200 and again.json()["cached"] is True and again.json()["id"] == first.json()["id"]


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({**TREE, "dataset": "titanic"}, "dataset"),
        ({**TREE, "model": "deep_forest"}, "model"),
        ({**TREE, "explanation": "saliency"}, "explanation"),
        ({**TREE, "params": {"max_depth": "deep"}}, "params.max_depth"),
        ({**TREE, "params": {"max_depth": 99}}, "params.max_depth"),
        ({**TREE, "params": {"depth": 2}}, "params.depth"),
        ({**SHAP_LOCAL, "instance": 10_000}, "instance"),
        ({**SHAP_LOCAL, "instance": None}, "instance"),
        ({**TREE, "model": "mlp", "params": {}}, "explanation"),
        ({**TREE, "dataset": "diabetes", "explanation": "decision_boundary"}, "explanation"),
        ({**TREE, "explanation": "pdp_ice", "options": {"feature": "wingspan"}}, "options.feature"),
    ],
)
def test_bad_specs_are_400_naming_the_field(learner_api, spec, field):
    response = learner_api.post("/api/v1/explainlab/jobs/", spec, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"], response.json()


def test_a_spec_too_expensive_is_refused(learner_api):
    spec = {
        "dataset": "loan",
        "model": "mlp",
        "params": {"hidden_layer_sizes": [256, 256, 256]},
        "explanation": "consistency",
    }
    response = learner_api.post("/api/v1/explainlab/jobs/", spec, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "too expensive" in error["message"] and "params.hidden_layer_sizes" in error["fields"]


def test_a_body_that_is_not_an_object_is_a_clear_400(learner_api):
    response = learner_api.post("/api/v1/explainlab/jobs/", ["iris"], format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"


def test_running_the_lab_needs_an_account(api):
    assert api.post("/api/v1/explainlab/jobs/", TREE, format="json").status_code == 401


def test_unknown_job_is_404(api):
    assert api.get("/api/v1/explainlab/jobs/999999/").status_code == 404


def test_a_failing_computation_is_reported_not_raised(
    learner_api, eager_celery, media, monkeypatch, django_capture_on_commit_callbacks
):
    import explainlab.engine.run as engine_run

    def broken(*args, **kwargs):
        raise RuntimeError("the library fell over")

    monkeypatch.setattr(engine_run, "run_spec", broken)
    first = post_job(learner_api, TREE, django_capture_on_commit_callbacks)
    job = learner_api.get(first.json()["url"]).json()
    assert job["status"] == "failed" and "the library fell over" in job["error"]
    # A failed job is not reused: asking again computes again.
    monkeypatch.undo()
    second = post_job(learner_api, TREE, django_capture_on_commit_callbacks)
    assert second.json()["id"] != first.json()["id"]
    assert learner_api.get(second.json()["url"]).json()["status"] == "succeeded"
