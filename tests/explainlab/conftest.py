import pytest


@pytest.fixture
def eager_celery(settings):
    # Celery reads Django's settings at each lookup, so the settings fixture is enough
    # (and is undone after the test).
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
