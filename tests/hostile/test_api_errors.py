"""Requests of any shape to /api/ get the JSON error shape, never HTML and never a 500."""

from __future__ import annotations

import json

import jsonschema
import pytest
from django.test import Client

from tests.plugins.schema import ERROR_SHAPE
from tests.plugins.users import PASSWORD

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    jsonschema.validate(body, ERROR_SHAPE)
    return body["error"]


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug_either_way(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_deeply_nested_json_is_a_400_not_a_crash(debug_either_way):
    client = Client()
    for body in ("[" * 1000, '{"a":' * 5000, "[" * 100_000 + "]" * 100_000):
        response = client.post("/api/v1/auth/token/", body, content_type="application/json")
        error = assert_error_shape(response, 400)
        assert "nest" in error["message"]


def test_nesting_is_counted_outside_strings_only(learner):
    client = Client()
    brackets_in_a_string = json.dumps({"username": "lena", "password": PASSWORD, "x": "[" * 5000})
    response = client.post("/api/v1/auth/token/", brackets_in_a_string, content_type="application/json")
    assert response.status_code == 200
    deep_but_allowed = json.dumps({"username": "lena", "password": PASSWORD, "x": [[[[[1]]]]]})
    assert client.post("/api/v1/auth/token/", deep_but_allowed, content_type="application/json").status_code == 200


def test_an_oversized_json_body_is_refused_before_parsing(settings):
    settings.API_JSON_MAX_BYTES = 1000
    body = json.dumps({"username": "x" * 2000, "password": "y"})
    error = assert_error_shape(Client().post("/api/v1/auth/token/", body, content_type="application/json"), 413)
    assert "1000 bytes" in error["message"]


def test_paths_without_the_trailing_slash_work_for_every_method(debug_either_way, learner):
    client = Client()
    body = json.dumps({"username": "lena", "password": PASSWORD})
    response = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access']}"}
    patched = client.patch(
        "/api/v1/me", json.dumps({"display_name": "Lena L."}), content_type="application/json", **auth
    )
    assert patched.status_code == 200 and patched.json()["display_name"] == "Lena L."
    assert client.get("/api/v1/me", **auth).json()["display_name"] == "Lena L."
    # A path that does not exist with the slash either is a plain 404.
    assert_error_shape(client.post("/api/v1/nowhere", "{}", content_type="application/json"), 404)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nowhere/", "/api/v1/runs/abc/", "/api/v1/explainlab/jobs/1.5/", "/api/v2/courses/", "/api/", "/api/v1/"],
)
def test_unknown_paths_and_non_integer_ids_are_json_404s(debug_either_way, path):
    response = Client().get(path)
    error = assert_error_shape(response, 404)
    # Nothing of the debug page (the URL patterns, a server path) leaks.
    assert "URLconf" not in response.content.decode() and "/work/" not in response.content.decode()
    assert error["code"] == "not_found"


def test_too_many_query_fields_is_a_json_400(debug_either_way):
    query = "&".join(f"f{n}=1" for n in range(1500))
    error = assert_error_shape(Client().get(f"/api/v1/courses/?{query}"), 400)
    assert error["message"]


def test_too_many_form_fields_is_a_json_error(debug_either_way):
    body = "&".join(f"f{n}=1" for n in range(1500))
    response = Client().post("/api/v1/auth/token/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in {400, 415}
    assert_error_shape(response, response.status_code)


def test_an_unexpected_exception_is_a_json_500(settings, monkeypatch):
    """The last resort: even a bug answers in the error shape, with nothing of the traceback."""
    from explainlab import api

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api, "catalog", broken)
    client = Client(raise_request_exception=False)
    for debug in (True, False):
        settings.DEBUG = debug
        response = client.get("/api/v1/explainlab/catalog/")
        assert_error_shape(response, 500)
        assert b"secret internals" not in response.content
