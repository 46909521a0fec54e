"""No body at all makes answering a real exercise fail: 2xx/4xx in the documented shapes, never 5xx."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=30)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
bodies = st.dictionaries(st.sampled_from(["choices", "code", "extra"]), values, max_size=3) | values


@pytest.fixture
def generous_throttle(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "attempts": "10000/min"},
    }


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(body=bodies, which=st.sampled_from(["why-trust-quiz", "agnostic-methods", "tree-top-feature"]))
def test_any_json_body(body, which, learner_api, exercises, generous_throttle):
    # Code that is accepted is only queued here: grading is not what this test is about.
    response = learner_api.post(
        f"/api/v1/exercises/{exercises[which].pk}/attempts/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code in {201, 202, 400, 413}, response.content


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    form=st.dictionaries(st.sampled_from(["choices", "code"]), st.lists(st.text(max_size=12), max_size=3), max_size=2),
    which=st.sampled_from(["why-trust-quiz", "agnostic-methods"]),
)
def test_any_form_body(form, which, learner_api, exercises, generous_throttle):
    response = learner_api.post(f"/api/v1/exercises/{exercises[which].pk}/attempts/", form, format="multipart")
    # JSON only (API.md): a form body is refused whole, never half-read.
    assert response.status_code == 415, response.content
