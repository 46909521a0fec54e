from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_sign_up_logs_in_and_keeps_display_name(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "email": "newbie@example.org",
            "display_name": "Nova Newbie",
            "password1": "a-long-unusual-passphrase-1",
            "password2": "a-long-unusual-passphrase-1",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.display_name == "Nova Newbie" and not user.is_instructor
    assert "Nova Newbie" in client.get("/").content.decode()


def test_sign_up_with_a_weak_password_explains_why(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "weak", "email": "w@example.org", "password1": "123", "password2": "123"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_log_in_and_out(client, learner):
    from tests.plugins.users import PASSWORD

    response = client.post("/accounts/login/", {"username": "lena", "password": PASSWORD})
    assert response.status_code == 302
    assert "Lena Learner" in client.get("/").content.decode()
    client.post("/accounts/logout/")
    assert "Log in" in client.get("/").content.decode()


def test_password_reset_sends_an_email(client, learner):
    response = client.post("/accounts/password/reset/", {"email": "lena@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body


def test_profile_updates_display_name(learner_client, learner):
    learner_client.post("/accounts/profile/", {"display_name": "Lena L.", "email": "lena@example.org"})
    learner.refresh_from_db()
    assert learner.display_name == "Lena L."


def test_admin_is_for_staff_only(learner_client):
    assert learner_client.get("/admin/").status_code == 302
