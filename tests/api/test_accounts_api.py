from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_register_then_get_a_token_and_read_me(api):
    response = api.post(
        "/api/v1/auth/register/",
        {
            "username": "mo",
            "email": "mo@example.org",
            "password": "a-long-unusual-passphrase-1",
            "display_name": "Mo Bile",
        },
        format="json",
    )
    assert response.status_code == 201
    assert set(response.json()) >= {"id", "username", "display_name"}
    tokens = api.post(
        "/api/v1/auth/token/", {"username": "mo", "password": "a-long-unusual-passphrase-1"}, format="json"
    ).json()
    assert {"access", "refresh"} <= set(tokens)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = api.get("/api/v1/me/").json()
    assert me == {
        "id": me["id"],
        "username": "mo",
        "display_name": "Mo Bile",
        "email": "mo@example.org",
        "is_instructor": False,
    }
    refreshed = api.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200 and "access" in refreshed.json()


def test_register_errors_name_the_fields(api, learner):
    response = api.post(
        "/api/v1/auth/register/", {"username": "lena", "email": "not-an-email", "password": "1"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "email" in error["fields"]
    response = api.post(
        "/api/v1/auth/register/", {"username": "lena", "email": "x@example.org", "password": "1"}, format="json"
    )
    fields = response.json()["error"]["fields"]
    assert "username" in fields and "password" in fields


def test_wrong_password_and_tampered_token_are_401(api, learner):
    assert api.post("/api/v1/auth/token/", {"username": "lena", "password": "nope"}, format="json").status_code == 401
    from rest_framework_simplejwt.tokens import RefreshToken

    token = str(RefreshToken.for_user(learner).access_token)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tampered}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_me_needs_credentials(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 401


def test_malformed_json_is_a_400_in_the_error_shape(api):
    response = api.generic("POST", "/api/v1/auth/register/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"


def test_login_endpoint_is_throttled(api, settings, learner):
    from rest_framework.settings import api_settings

    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], auth="3/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    api_settings.reload()
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [
            api.post("/api/v1/auth/token/", {"username": "lena", "password": "x"}, format="json").status_code
            for _ in range(4)
        ]
        assert codes[:3] == [401, 401, 401] and codes[3] == 429
        last = api.post("/api/v1/auth/token/", {"username": "lena", "password": "x"}, format="json")
        assert "Retry-After" in last and last.json()["error"]["code"] == "throttled"
    finally:
        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
