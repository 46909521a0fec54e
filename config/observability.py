"""What an operator sees: one request id across web, worker and sandbox, and logs as JSON.

A request gets the id its proxy sent (X-Request-ID, when it looks like one) or a new one;
the id is in every log line written while the request is served, in the response header,
in the headers of every Celery task the request queues (so the worker's log lines carry it),
and in the run request sent to the sandbox server (its log names it).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_request_id: ContextVar[str] = ContextVar("request_id", default="")
_task_id: ContextVar[str] = ContextVar("task_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def valid_request_id(value: object) -> str:
    return value if isinstance(value, str) and _VALID.match(value) else ""


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = valid_request_id(request.headers.get(HEADER)) or uuid.uuid4().hex
        token = _request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[HEADER] = rid
        return response


class ContextFilter(logging.Filter):
    """Puts the request and task ids on every record, for either formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", "") or _request_id.get()
        record.task_id = getattr(record, "task_id", "") or _task_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for key in ("request_id", "task_id"):
            if getattr(record, key, ""):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# --- Celery: the id travels in the task's headers ------------------------------------------------
def connect_celery_signals() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(_stamp_task, dispatch_uid="observability-stamp", weak=False)
    task_prerun.connect(_enter_task, dispatch_uid="observability-enter", weak=False)
    task_postrun.connect(_leave_task, dispatch_uid="observability-leave", weak=False)


def _stamp_task(headers: dict[str, Any] | None = None, **_: Any) -> None:
    rid = _request_id.get()
    if headers is not None and rid:
        headers.setdefault("request_id", rid)


def _in_worker(task: Any) -> bool:
    # An eager task runs inside the request that sent it and keeps that request's id.
    return task is not None and not getattr(task.request, "is_eager", False)


def _enter_task(task_id: str = "", task: Any = None, **_: Any) -> None:
    if _in_worker(task):
        _request_id.set(valid_request_id(getattr(task.request, "request_id", None)))
        _task_id.set(task_id or "")


def _leave_task(task: Any = None, **_: Any) -> None:
    if _in_worker(task):
        _request_id.set("")
        _task_id.set("")
