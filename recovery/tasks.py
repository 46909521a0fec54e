from __future__ import annotations

from celery import shared_task

from recovery import services


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, ignore_result=True)
def sweep() -> dict[str, object]:
    """Take back work of dead workers and send again rows the broker never got (see services)."""
    return services.sweep().as_dict()
