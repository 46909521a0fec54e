"""The kinds of queued work that recovery watches, registered by the apps that own them.

An app declares its kind in its own ``recovery.py`` (discovered at start-up): the model and
the statuses of its rows, the Celery task that does the work (its first argument is the
row's id) and how to give up on a row that keeps killing its worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Recoverable:
    kind: str
    model: type[models.Model]
    task: str
    queued: str
    running: str
    give_up: Callable[[int, str], object]
    # Longer than the task's hard time limit: a claim this old is lost even if its worker answers.
    stale_after: timedelta
    # Written with the status when a row goes back to the queue (e.g. a progress stage).
    requeue_fields: dict[str, Any] = field(default_factory=dict)
    max_recoveries: int = 3


_KINDS: dict[str, Recoverable] = {}


def register(recoverable: Recoverable) -> Recoverable:
    _KINDS[recoverable.kind] = recoverable
    return recoverable


def kinds() -> list[Recoverable]:
    return list(_KINDS.values())


def get(kind: str) -> Recoverable:
    return _KINDS[kind]


def for_task(task_name: str) -> Recoverable | None:
    return next((kind for kind in _KINDS.values() if kind.task == task_name), None)
