from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def new_job_key() -> str:
    return secrets.token_urlsafe(16)


class Job(models.Model):
    """One explanation computed by the lab: a validated spec, its progress and its result.

    Results are deterministic, so a finished job is reused by every request with the same
    spec hash; `pinned` jobs back chapter embeds and are never pruned.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    FINAL = (Status.SUCCEEDED, Status.FAILED)

    # The job's address in links and the API: unguessable, so results are shared only by
    # handing the link on, never found by counting ids.
    key = models.CharField(max_length=32, unique=True, default=new_job_key, editable=False)
    spec = models.JSONField()
    spec_hash = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=40, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)
    artifacts = models.JSONField(default=list, blank=True, help_text="[{name, format, path}] in default storage")
    timings = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    pinned = models.BooleanField(default=False, help_text="Used by a chapter embed; never pruned.")
    attempts = models.PositiveSmallIntegerField(default=0)
    # Which worker process runs it: a restarted worker takes back what its dead self left.
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["spec_hash", "status"], name="job_hash_status")]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_max_100"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.spec.get('explanation')} of {self.spec.get('model')} on {self.spec.get('dataset')} ({self.status})"
        )

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


class Embed(models.Model):
    """An `{explainlab}` block of a page: a fixed spec shown with its precomputed job."""

    page = models.ForeignKey("courseware.Page", on_delete=models.CASCADE, related_name="explainlab_embeds")
    index = models.PositiveIntegerField()
    spec = models.JSONField()
    caption = models.TextField(blank=True)
    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="embeds")

    class Meta:
        ordering = ["page", "index"]
        constraints = [models.UniqueConstraint(fields=["page", "index"], name="one_embed_per_block")]

    def __str__(self) -> str:
        return f"{self.page} #{self.index}"
