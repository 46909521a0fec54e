from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = "Recovery of lost work"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun, worker_ready
        from django.utils.module_loading import autodiscover_modules

        # Each app declares its kinds of work in its own recovery.py.
        autodiscover_modules("recovery")
        task_prerun.connect(on_task_start, dispatch_uid="recovery-claim", weak=False)
        task_postrun.connect(on_task_end, dispatch_uid="recovery-release", weak=False)
        worker_ready.connect(on_worker_ready, dispatch_uid="recovery-take-back", weak=False)


def _work_of(task: Any, args: Any) -> tuple[str, int] | None:
    from recovery import registry

    recoverable = registry.for_task(getattr(task, "name", ""))
    if recoverable is None or not args or getattr(task.request, "is_eager", False):
        return None
    try:
        return recoverable.kind, int(args[0])
    except (TypeError, ValueError):
        return None


def on_task_start(sender: Any = None, task: Any = None, args: Any = None, **_: Any) -> None:
    work = _work_of(task, args)
    if work is not None:
        from recovery.services import record_claim

        record_claim(kind=work[0], object_id=work[1], worker=task.request.hostname or "")


def on_task_end(sender: Any = None, task: Any = None, args: Any = None, **_: Any) -> None:
    work = _work_of(task, args)
    if work is not None:
        from recovery.services import release_claim

        release_claim(kind=work[0], object_id=work[1])


def on_worker_ready(sender: Any = None, **_: Any) -> None:
    """A worker starting under the name of one that died takes back what it held, and sends
    again the work accepted while no broker could take it."""
    from django.db import connections

    from recovery import registry
    from recovery.services import resend_queued, take_back

    hostname = getattr(sender, "hostname", None)
    try:
        if hostname:
            take_back(worker=hostname)
        for recoverable in registry.kinds():
            resend_queued(recoverable)
    finally:
        # The pool forks from this process later: it must not share a database connection.
        connections.close_all()
