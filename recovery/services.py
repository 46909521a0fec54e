"""Nothing lost: queued work that a dead worker or a lost message left behind is redone.

Three ways work gets stuck, one mechanism for every registered kind (runs, coding attempts,
lab jobs):

- a worker killed mid-task (SIGKILL, out of memory, a container replaced): the embedded
  file broker loses its message and Redis only gives it back after the visibility timeout.
  Each task records its claim (kind, id, worker) when it starts; a worker that starts under
  the name of a dead one takes back what that one held, and the periodic sweep takes back
  what workers that are gone for good held.
- a row accepted while the broker was down: it is stored `queued` but no message exists.
  The sweep sends it again once it has waited long enough and its queue is empty.
- a row that keeps killing its worker: given up after ``max_recoveries`` take-backs.

Every task is idempotent (a final row is never touched again), so sending work twice is safe.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import KombuError

from recovery import registry
from recovery.models import Claim
from recovery.registry import Recoverable

logger = logging.getLogger(__name__)

GAVE_UP_MESSAGE = "This stopped the worker running it several times, so it was given up."


def publish(kind: str, object_id: int) -> bool:
    """Send the task of one row; False (logged) when the broker cannot take it.

    A row that could not be sent stays `queued` and the sweep sends it once the broker is
    back, so a request never fails because of the broker. Eager mode (tests) raises instead.
    """
    task = import_string(registry.get(kind).task)
    try:
        task.delay(object_id)
    except (KombuError, OSError):
        if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
            raise
        logger.warning("could not queue %s %s; the sweep will send it again", kind, object_id, exc_info=True)
        return False
    return True


# --- the worker side (Celery signals, see recovery.apps) -------------------------------------
def record_claim(*, kind: str, object_id: int, worker: str) -> None:
    now = timezone.now()
    updated = Claim.objects.filter(kind=kind, object_id=object_id).update(worker=worker, claimed_at=now)
    if not updated:
        try:
            Claim.objects.create(kind=kind, object_id=object_id, worker=worker, claimed_at=now)
        except IntegrityError:  # a duplicate delivery created it meanwhile
            Claim.objects.filter(kind=kind, object_id=object_id).update(worker=worker, claimed_at=now)


def release_claim(*, kind: str, object_id: int) -> None:
    """The task returned: forget the claim of a finished row, keep the count of an open one."""
    recoverable = registry.get(kind)
    in_flight = recoverable.model._default_manager.filter(
        pk=object_id, status__in=[recoverable.queued, recoverable.running]
    ).exists()
    claims = Claim.objects.filter(kind=kind, object_id=object_id)
    if in_flight:
        claims.update(worker="")
    else:
        claims.delete()


def take_back(*, worker: str) -> list[tuple[str, int]]:
    """A worker starting under ``worker``'s name: whatever it held before died with it."""
    taken = []
    for claim in Claim.objects.filter(worker=worker):
        if _recover(claim.pk, reason=f"its worker {worker} restarted"):
            taken.append((claim.kind, claim.object_id))
    return taken


def _recover(claim_id: int, *, reason: str) -> bool:
    """Put a claimed row back in the queue, or give it up; True when it was sent again."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
        if claim is None:
            return False
        recoverable = registry.get(claim.kind)
        rows = recoverable.model._default_manager.filter(pk=claim.object_id)
        if not rows.filter(status__in=[recoverable.queued, recoverable.running]).exists():
            claim.delete()
            return False
        if claim.recoveries >= recoverable.max_recoveries:
            logger.error("giving up %s %s after %s recoveries", claim.kind, claim.object_id, claim.recoveries)
            recoverable.give_up(claim.object_id, GAVE_UP_MESSAGE)
            claim.delete()
            return False
        rows.update(status=recoverable.queued, **recoverable.requeue_fields)
        claim.recoveries += 1
        claim.worker, claim.requeued_at = "", timezone.now()
        claim.save(update_fields=["recoveries", "worker", "requeued_at"])
        logger.warning("re-queueing %s %s: %s", claim.kind, claim.object_id, reason)
        transaction.on_commit(partial(publish, claim.kind, claim.object_id))
    return True


# --- the sweep (periodic, and when a worker starts) ------------------------------------------
@dataclass
class SweepReport:
    taken_back: list[tuple[str, int]] = field(default_factory=list)
    resent: list[tuple[str, int]] = field(default_factory=list)
    forgotten: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"taken_back": len(self.taken_back), "resent": len(self.resent), "forgotten": self.forgotten}


def queued_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "RECOVERY_QUEUED_AFTER_SECONDS", 30)))


def sweep(*, check_workers: bool = True, now: datetime | None = None) -> SweepReport:
    """Take back work of dead or silent workers, send again queued rows with no message."""
    now = now or timezone.now()
    report = SweepReport()
    alive = live_workers() if check_workers else None
    grace = timedelta(seconds=float(getattr(settings, "RECOVERY_DEAD_WORKER_GRACE_SECONDS", 30)))
    for recoverable in registry.kinds():
        report.forgotten += _forget_finished(recoverable)
        claims = Claim.objects.filter(kind=recoverable.kind).exclude(worker="")
        for claim in claims:
            stale = claim.claimed_at is None or claim.claimed_at < now - recoverable.stale_after
            dead = (
                not stale
                and alive is not None
                and claim.worker not in alive
                and claim.claimed_at is not None
                and claim.claimed_at < now - grace
            )
            if (stale or dead) and _recover(claim.pk, reason="its worker is gone" if dead else "it ran too long"):
                report.taken_back.append((recoverable.kind, claim.object_id))
        report.taken_back += _unclaimed_running(recoverable, now)
        report.resent += resend_queued(recoverable, now=now)
    if report.taken_back or report.resent:
        logger.warning("recovery sweep: %s", report.as_dict())
    return report


def _forget_finished(recoverable: Recoverable) -> int:
    open_ids = recoverable.model._default_manager.filter(status__in=[recoverable.queued, recoverable.running]).values(
        "pk"
    )
    deleted, _ = Claim.objects.filter(kind=recoverable.kind).exclude(object_id__in=open_ids).delete()
    return deleted


def _unclaimed_running(recoverable: Recoverable, now: datetime) -> list[tuple[str, int]]:
    """`running` rows nobody holds a claim on (their claim was never written): take them back
    once they are older than any task could run."""
    held = Claim.objects.filter(kind=recoverable.kind).exclude(worker="").values("object_id")
    orphans = (
        recoverable.model._default_manager.filter(
            status=recoverable.running, created_at__lt=now - recoverable.stale_after
        )
        .exclude(pk__in=held)
        .values_list("pk", flat=True)
    )
    taken = []
    for object_id in orphans:
        claim, _ = Claim.objects.get_or_create(kind=recoverable.kind, object_id=object_id)
        if _recover(claim.pk, reason="it was left running"):
            taken.append((recoverable.kind, object_id))
    return taken


def resend_queued(recoverable: Recoverable, *, now: datetime | None = None) -> list[tuple[str, int]]:
    """Send again the rows `queued` for a while with no message in their queue.

    While the queue still holds messages, a queued row may simply be waiting its turn, so it
    is left alone unless it has waited ten times as long (the queue never drains).
    """
    now = now or timezone.now()
    wait = queued_after()
    depth = queue_depth(recoverable.task)
    cutoff = now - (wait if not depth else wait * 10)
    recently_sent = Claim.objects.filter(kind=recoverable.kind, requeued_at__gte=cutoff).values("object_id")
    stuck = (
        recoverable.model._default_manager.filter(status=recoverable.queued, created_at__lt=cutoff)
        .exclude(pk__in=recently_sent)
        .exclude(pk__in=Claim.objects.filter(kind=recoverable.kind).exclude(worker="").values("object_id"))
        .values_list("pk", flat=True)
    )
    resent = []
    for object_id in list(stuck):
        Claim.objects.update_or_create(kind=recoverable.kind, object_id=object_id, defaults={"requeued_at": now})
        if publish(recoverable.kind, object_id):
            resent.append((recoverable.kind, object_id))
        else:
            break  # the broker is still down: the next sweep tries again
    return resent


def queue_depth(task_name: str) -> int | None:
    """Messages waiting in the broker queue of ``task_name``; None when it cannot be asked."""
    from celery import current_app

    queue = current_app.amqp.router.route({}, task_name, args=(), kwargs={})["queue"].name
    try:
        with current_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return int(conn.default_channel.queue_declare(queue=queue, passive=True).message_count)
    except Exception as exc:
        if type(exc).__name__ == "ChannelError":  # Redis: a queue nothing was ever sent to
            return 0
        logger.debug("could not read the depth of queue %s: %s", queue, exc)
        return None


def live_workers() -> set[str] | None:
    """Names of the workers that answer a ping; None when the broker cannot be asked."""
    from celery import current_app

    try:
        replies = current_app.control.ping(timeout=1.0) or []
    except Exception as exc:
        logger.warning("could not ping the workers: %s", exc)
        return None
    return {name for reply in replies for name in reply}
