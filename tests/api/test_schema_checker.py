"""The schema checker used by every API test must itself catch a wrong response."""

import json

import pytest
from django.http import HttpResponse
from jsonschema import ValidationError

from tests.plugins.schema import check_response


def fake(status: int, body: object) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def test_a_wrong_success_body_fails():
    with pytest.raises(ValidationError):
        check_response("GET", "/api/v1/courses/", fake(200, {"count": "many", "results": "none"}))


def test_an_error_outside_the_error_shape_fails():
    with pytest.raises(ValidationError):
        check_response("GET", "/api/v1/courses/", fake(404, {"detail": "Not found."}))


def test_an_undocumented_path_fails():
    with pytest.raises(AssertionError):
        check_response("GET", "/api/v1/nowhere/", fake(200, {}))


def test_an_undocumented_error_status_fails():
    error = {"error": {"code": "conflict", "message": "No.", "fields": {}}}
    with pytest.raises(AssertionError):
        check_response("GET", "/api/v1/courses/", fake(409, error))
