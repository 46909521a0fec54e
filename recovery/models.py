"""Who is working on what: one row per piece of queued work a worker has picked up.

Rows of the apps (runs, coding attempts, lab jobs) keep their own status; a claim adds
what recovery needs and those rows do not all have: the worker that took the work, when,
and how many times it had to be taken back from a dead worker.
"""

from __future__ import annotations

from django.db import models


class Claim(models.Model):
    kind = models.CharField(max_length=40, help_text="The registered kind of work, e.g. runs.run.")
    object_id = models.BigIntegerField()
    # The Celery node name (celery@host) whose pool runs it; blank once that task has returned.
    worker = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When a message for it was last sent by recovery (a sweep or a take-back).
    requeued_at = models.DateTimeField(null=True, blank=True)
    recoveries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="one_claim_per_work")]
        indexes = [models.Index(fields=["worker"], name="claim_worker", condition=~models.Q(worker=""))]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} on {self.worker or 'no worker'}"
