"""Sign-up and profile changes go through one service, from the browser and the API alike,
and registering never tells anyone which e-mail addresses have accounts."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-unusual-passphrase-7"


def _register(api, username: str, email: str):
    body = {"username": username, "email": email, "password": NEW_PASSWORD, "display_name": ""}
    return api.post("/api/v1/auth/register/", body, format="json")


def test_a_used_email_gets_the_same_answer_as_a_fresh_one(api, learner, django_capture_on_commit_callbacks):
    fresh = _register(api, "fresh", "fresh@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        used = _register(api, "copycat", learner.email.upper())
    assert fresh.status_code == used.status_code == 201
    assert set(fresh.json()) == set(used.json())
    # The owner of the address hears about it; the person registering learns nothing.
    assert [message.to for message in mail.outbox] == [[learner.email.upper().split("@")[0] + "@example.org"]]
    assert "copycat" in mail.outbox[0].body


def test_browser_and_api_sign_up_agree(learner):
    browser = Client()
    response = browser.post(
        "/accounts/signup/",
        {
            "username": "webby",
            "email": f"Someone@{learner.email.split('@')[1].upper()}",
            "display_name": "  Web By  ",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302, response.content[:500]
    user = get_user_model().objects.get(username="webby")
    # The service normalises exactly as for the API: domain lower-cased, name trimmed.
    assert user.email == "Someone@example.org" and user.display_name == "Web By"
    # An address that already has an account is accepted in the browser as in the API.
    again = Client().post(
        "/accounts/signup/",
        {"username": "webby2", "email": learner.email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert again.status_code == 302


def test_profile_changes_are_validated_and_normalised_the_same_way(learner, learner_api):
    response = learner_api.patch("/api/v1/me/", {"email": "Lena@EXAMPLE.ORG"}, format="json")
    assert response.status_code == 200 and response.json()["email"] == "Lena@example.org"
    browser = Client()
    browser.force_login(learner)
    assert browser.post("/accounts/profile/", {"display_name": "L", "email": "Lena@OTHER.ORG"}).status_code == 302
    learner.refresh_from_db()
    assert learner.email == "Lena@other.org" and learner.display_name == "L"
    bad = learner_api.patch("/api/v1/me/", {"display_name": "x" * 500}, format="json")
    assert bad.status_code == 400 and "display_name" in bad.json()["error"]["fields"]
