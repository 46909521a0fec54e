"""Prometheus metrics at /metrics (prometheus-client).

- ``glassbook_http_request_duration_seconds`` (histogram; method, route, status class),
  measured in every web process; with PROMETHEUS_MULTIPROC_DIR set (the stack sets it) the
  gunicorn workers' figures are added up.
- Read from the broker and the database when scraped, so they hold for every worker on
  every host: ``glassbook_queue_depth`` (messages waiting per Celery queue),
  ``glassbook_work`` (runs, attempts and lab jobs by kind and status; sandbox runs by
  status are ``kind="runs.run"``) and ``glassbook_job_duration_seconds`` (quantiles of how
  long finished work took over the last hour).

/metrics answers loopback clients, or anyone sending ``Authorization: Bearer $METRICS_TOKEN``.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

REQUEST_LATENCY = Histogram(
    "glassbook_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
QUEUES = ("default", "sandbox", "explain")
QUANTILES = (0.5, 0.95, 0.99)
WINDOW = timedelta(hours=1)


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match else "unmatched"
        REQUEST_LATENCY.labels(request.method or "", route[:100], f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response


class StateCollector:
    """Figures read from the broker and the database at scrape time."""

    def describe(self) -> Iterator[Metric]:
        # Registering asks for the names; without this it would call collect() (and query the
        # database) when the URLs are loaded.
        yield GaugeMetricFamily("glassbook_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"])
        yield GaugeMetricFamily("glassbook_work", "Rows of queued work by kind and status.", labels=["kind", "status"])
        yield GaugeMetricFamily(
            "glassbook_job_duration_seconds", "Work duration quantiles.", labels=["kind", "quantile"]
        )

    def collect(self) -> Iterator[Metric]:
        from recovery import registry
        from recovery.services import queue_depth

        depth = GaugeMetricFamily("glassbook_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"])
        for queue, task in (
            ("default", "recovery.tasks.sweep"),
            ("sandbox", "runs.tasks.execute_run"),
            ("explain", "explainlab.tasks.run_job"),
        ):
            value = queue_depth(task)
            if value is not None:
                depth.add_metric([queue], value)
        yield depth

        work = GaugeMetricFamily("glassbook_work", "Rows of queued work by kind and status.", labels=["kind", "status"])
        durations = GaugeMetricFamily(
            "glassbook_job_duration_seconds",
            "Quantiles of how long work took, from acceptance to its result, over the last hour.",
            labels=["kind", "quantile"],
        )
        from django.db.models import Count
        from django.utils import timezone

        since = timezone.now() - WINDOW
        for kind in registry.kinds():
            manager = kind.model._default_manager
            for row in manager.values("status").annotate(n=Count("pk")).order_by():
                work.add_metric([kind.kind, str(row["status"])], row["n"])
            finished_field = _finished_field(kind.model)
            if finished_field:
                pairs = (
                    manager.filter(**{f"{finished_field}__gte": since, "created_at__isnull": False})
                    .order_by(f"-{finished_field}")
                    .values_list("created_at", finished_field)[:5000]
                )
                seconds = sorted((end - start).total_seconds() for start, end in pairs if end and start)
                for q in QUANTILES:
                    if seconds:
                        durations.add_metric([kind.kind, str(q)], seconds[min(len(seconds) - 1, int(q * len(seconds)))])
        yield work
        yield durations


def _finished_field(model: Any) -> str | None:
    names = {field.name for field in model._meta.get_fields()}
    return next((name for name in ("finished_at", "graded_at") if name in names), None)


_state = StateCollector()
REGISTRY.register(_state)  # type: ignore[arg-type]


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(_state)  # type: ignore[arg-type]
        return registry
    return REGISTRY


def _allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    sent = request.headers.get("Authorization", "")
    if token and secrets.compare_digest(sent, f"Bearer {token}"):
        return True
    return request.META.get("REMOTE_ADDR") in {"127.0.0.1", "::1"}


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse(
            "Forbidden: send Authorization: Bearer $METRICS_TOKEN.\n", status=403, content_type="text/plain"
        )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
