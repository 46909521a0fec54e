"""Runs of learner code and the runnable examples of pages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMEOUT = "timeout"
    KILLED = "killed"
    ERROR = "error"


# Polling clients stop at these; the task never touches a run once it is in one of them.
FINAL_STATUSES = frozenset(
    {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.KILLED, RunStatus.ERROR}
)
IN_FLIGHT_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class Runnable(models.Model):
    """One ```{runnable} block of a page, with the output it had when the course was imported."""

    page = models.ForeignKey("courseware.Page", on_delete=models.CASCADE, related_name="runnables")
    index = models.PositiveIntegerField(help_text="Position among the page's runnable blocks (0-based).")
    code = models.TextField()
    code_sha256 = models.CharField(max_length=64)
    # {status, stdout, stderr, stdout_truncated, stderr_truncated, error, error_line, kill_message,
    #  figures: [url], figure_names: [storage name], duration_ms, ran_at}; {} when never verified.
    output = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["page", "index"]
        constraints = [models.UniqueConstraint(fields=["page", "index"], name="runnable_unique_index_in_page")]

    def __str__(self) -> str:
        return f"{self.page} #{self.index}"


class Run(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="runs"
    )
    page = models.ForeignKey("courseware.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    runnable = models.ForeignKey(Runnable, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    code = models.TextField()
    code_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    stdout = models.TextField(blank=True)
    stderr = models.TextField(blank=True)
    stdout_truncated = models.BooleanField(default=False)
    stderr_truncated = models.BooleanField(default=False)
    # The trimmed traceback (learner frames only), or why the run could not happen at all.
    error = models.TextField(blank=True)
    error_line = models.PositiveIntegerField(null=True, blank=True)
    kill_reason = models.CharField(max_length=20, blank=True)
    kill_message = models.TextField(blank=True)
    # Storage names (runs/<id>/figure-N.png); URLs are derived when serving.
    figures = models.JSONField(default=list, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    isolated = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The in-flight limit counts a user's queued/running runs on every request.
            models.Index(
                fields=["owner", "status"],
                name="run_owner_in_flight",
                condition=Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES
