"""GET /healthz: can this site reach its database, broker, workers and sandbox?"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse


def _check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def _check_broker() -> dict[str, Any]:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        transport = conn.transport_cls
    return {"ok": True, "transport": str(transport)}


def _check_workers() -> dict[str, Any]:
    from config.celery import app

    replies = app.control.ping(timeout=1.0) or []
    names = sorted(name for reply in replies for name in reply)
    return {"ok": bool(names), "workers": names, **({} if names else {"error": "no worker answered"})}


def _check_sandbox() -> dict[str, Any]:
    from sandbox.client import ping

    info = ping(socket_path=settings.SANDBOX_SOCKET)
    return {"ok": True, **(info if isinstance(info, dict) else {})}


CHECKS = {"database": _check_database, "broker": _check_broker, "workers": _check_workers, "sandbox": _check_sandbox}
# The sandbox is reported but does not fail health: reading and the lab work without it.
REQUIRED = ("database", "broker", "workers")


def healthz(request: HttpRequest) -> JsonResponse:
    report: dict[str, Any] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            result = check()
        except Exception as exc:  # any failure to reach a service is the answer, not a crash
            result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        report[name] = result
    healthy = all(report[name]["ok"] for name in REQUIRED)
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": report}, status=200 if healthy else 503
    )
