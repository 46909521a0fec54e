"""What a user runs is safe by default: no debug pages, security headers, throttled log-ins,
and `check --deploy` clean with production settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.plugins.users import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _settings_in_subprocess(env: dict[str, str], expression: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SITE_URL", "DATABASE_URL", "SECRET_KEY"}}
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_the_embedded_default_runs_without_debug(tmp_path):
    env = {"GLASSBOOK_VAR_DIR": str(tmp_path)}
    assert _settings_in_subprocess(env, "settings.DEBUG") == "False"
    # Plain http on localhost: cookies must still work there.
    assert _settings_in_subprocess(env, "settings.SESSION_COOKIE_SECURE") == "False"
    assert _settings_in_subprocess({**env, "DEBUG": "true"}, "settings.DEBUG") == "True"


def test_behind_tls_cookies_are_secure_and_hsts_is_on(tmp_path):
    env = {"GLASSBOOK_VAR_DIR": str(tmp_path), "SITE_URL": "https://glassbook.example.org"}
    expression = "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS > 0"
    assert _settings_in_subprocess(env, f"({expression})") == "(True, True, True)"


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SITE_URL", "DATABASE_URL", "SECRET_KEY"}} | {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "SITE_URL": "https://glassbook.example.org",
        "ALLOWED_HOSTS": "glassbook.example.org",
        "STATIC_MANIFEST": "true",
        "GLASSBOOK_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_unknown_pages_get_the_sites_404_page_not_a_debug_page(tiny_course):
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "URLconf" not in html and "Glassbook" in html


def test_pages_carry_the_security_headers(tiny_course, settings):
    response = Client().get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    settings.SECURE_HSTS_SECONDS = 3600
    assert "max-age=3600" in Client().get("/", secure=True)["Strict-Transport-Security"]


def _token(client, username: str, password: str, address: str = "10.0.0.1", **extra):
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
        **extra,
    )


def test_api_log_in_is_throttled_per_account(api, learner, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 4
    for n in range(4):
        # Each from a new address: the account's own counter is what stops them.
        assert _token(api, "lena", "wrong", address=f"10.0.1.{n}").status_code == 401
    refused = _token(api, "LENA", PASSWORD, address="10.0.2.1")  # even the right password, any case
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"


def test_api_log_in_is_throttled_per_address_and_forwarded_for_does_not_dodge_it(api, learner, outsider, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        response = _token(api, f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        assert response.status_code == 401
    refused = _token(api, "otto", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert refused.status_code == 429
    # Another address is unaffected.
    assert _token(api, "otto", PASSWORD, address="10.9.9.9").status_code == 200


def test_browser_log_in_is_throttled_too(learner, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    browser = Client()
    for _ in range(3):
        assert browser.post("/accounts/login/", {"username": "lena", "password": "wrong"}).status_code == 200
    refused = browser.post("/accounts/login/", {"username": "lena", "password": PASSWORD})
    assert refused.status_code == 429 and "Too many failed log-ins" in refused.content.decode()
    assert "_auth_user_id" not in browser.session
