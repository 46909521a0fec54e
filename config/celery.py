"""The Celery app. Queues: `sandbox` (learner code) and `explain` (the lab)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("glassbook")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id of the web request that queued a task follows it into the worker's logs.
from config.observability import connect_celery_signals  # noqa: E402

connect_celery_signals()
