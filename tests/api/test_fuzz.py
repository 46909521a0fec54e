"""Property-based fuzzing of the whole API from its own OpenAPI schema.

Schemathesis generates requests for every operation, sent once with a learner's token and
once with none; whatever it sends, the API must never answer 5xx, every answer must be JSON,
and its status must be one the operation documents, with a body that matches the schema (or
the Error schema). A course is in place so ids can hit real rows.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import schemathesis
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from hypothesis import HealthCheck, settings
from schemathesis.core import NOT_SET

from tests.plugins.schema import openapi_schema

schema = schemathesis.openapi.from_dict(openapi_schema())


@pytest.fixture(params=["token", "anonymous"])
def caller(request, learner_api, api):
    return learner_api if request.param == "token" else api


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_makes_the_api_fail(case, caller, tiny_course):
    from courseware import page_cache

    page_cache.clear()
    query = urlencode(case.query or {}, doseq=True)
    path = case.formatted_path + (f"?{query}" if query else "")
    body, content_type = b"", "application/json"
    if case.body is not NOT_SET and case.body is not None:
        media = case.media_type or "application/json"
        if isinstance(case.body, (bytes, bytearray)):
            body, content_type = bytes(case.body), media
        elif "multipart" in media and isinstance(case.body, dict):
            fields = {
                k: "" if v is None else json.dumps(v) if isinstance(v, (dict, list)) else v
                for k, v in case.body.items()
            }
            body, content_type = encode_multipart(BOUNDARY, fields), MULTIPART_CONTENT
        elif "json" in media:
            body = json.dumps(case.body).encode()
        else:
            body, content_type = str(case.body).encode(), media
    # The client checks every answer against the operation's documented statuses and bodies
    # (tests.plugins.schema); here the extra rules: never a failure, never anything but JSON.
    response = caller.generic(case.method, path, body, content_type=content_type)
    assert response.status_code < 500, (case.method, path, body[:300], response.content[:500])
    if case.method != "GET" or "export" not in path or response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), (case.method, path, response.status_code)
