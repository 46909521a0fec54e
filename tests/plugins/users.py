"""The three named users every permission test uses, and clients logged in as them."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.plugins.schema import SchemaCheckedAPIClient as APIClient

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user(
        username="lena", email="lena@example.org", password=PASSWORD, display_name="Lena Learner"
    )


@pytest.fixture
def instructor(django_user_model):
    return django_user_model.objects.create_user(
        username="ines", email="ines@example.org", password=PASSWORD, display_name="Ines Instructor", is_instructor=True
    )


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user(
        username="otto", email="otto@example.org", password=PASSWORD, display_name="Otto Outsider"
    )


def _api_client_for(user) -> APIClient:
    """An API client that authenticates like the mobile app: a Bearer access token."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def learner_api(learner):
    return _api_client_for(learner)


@pytest.fixture
def instructor_api(instructor):
    return _api_client_for(instructor)


@pytest.fixture
def outsider_api(outsider):
    return _api_client_for(outsider)


@pytest.fixture
def learner_client(learner) -> Client:
    client = Client()
    client.force_login(learner)
    return client


@pytest.fixture
def instructor_client(instructor) -> Client:
    client = Client()
    client.force_login(instructor)
    return client


@pytest.fixture
def outsider_client(outsider) -> Client:
    client = Client()
    client.force_login(outsider)
    return client


@pytest.fixture(autouse=True)
def _isolated_cache(settings, tmp_path):
    """Throttle counters live in the cache: give each test its own."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    from django.core.cache import cache

    from courseware import page_cache

    cache.clear()
    page_cache.clear()
