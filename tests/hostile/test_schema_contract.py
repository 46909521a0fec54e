"""The served schema says what the server does: JSON bodies only (uploads excepted) and the
errors each operation can answer, all with one Error schema."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.plugins.schema import openapi_schema

pytestmark = pytest.mark.django_db

UPLOADS = {("post", "/api/v1/authoring/courses/import/")}
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations():
    for path, operations in openapi_schema()["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield method, path, operation


def test_request_bodies_are_json_except_uploads():
    for method, path, operation in _operations():
        content = set((operation.get("requestBody") or {}).get("content", {}))
        if not content:
            continue
        expected = {"multipart/form-data"} if (method, path) in UPLOADS else {"application/json"}
        assert content == expected, (method, path, content)


def test_every_error_response_is_documented_with_the_error_schema():
    schema = openapi_schema()
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"error"}
    for method, path, operation in _operations():
        responses = operation["responses"]
        assert {"400", "401", "429"} <= set(responses), (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if operation.get("requestBody"):
            assert {"413", "415"} <= set(responses), (method, path)
        for status, response in responses.items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_served_schema_is_the_checked_one():
    served = Client().get("/api/schema/?format=json")
    assert served.status_code == 200
    assert served.json()["components"]["schemas"]["Error"] == openapi_schema()["components"]["schemas"]["Error"]


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_form_bodies_are_refused_whole_with_415(learner_api, content_type):
    response = learner_api.generic("POST", "/api/v1/runs/", b"code=print(1)", content_type=content_type)
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_lab_params_go_as_json(learner_api, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    spec = {"dataset": "iris", "model": "nope", "explanation": "x", "params": {"max_depth": 3}}
    response = learner_api.post("/api/v1/explainlab/jobs/", spec, format="json")
    assert response.status_code == 400 and "model" in response.json()["error"]["fields"]
