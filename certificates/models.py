from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Certificate(models.Model):
    """One learner's certificate for one course: snapshots of what was printed, plus its files.

    The name, title and score are copied at issue so that renaming a course or changing a
    pass mark never changes a certificate someone has already shared.
    """

    class RenderStatus(models.TextChoices):
        PENDING = "pending", "Being prepared"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    code = models.CharField(max_length=24, unique=True, help_text="XXXX-XXXX-XXXX-XXXX-XXXX, Crockford base32")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates")
    # SET_NULL: deleting a course must not make its certificates unverifiable; the snapshots remain.
    course = models.ForeignKey(
        "courseware.Course", null=True, blank=True, on_delete=models.SET_NULL, related_name="certificates"
    )
    learner_name = models.CharField(max_length=200)
    course_title = models.CharField(max_length=200)
    #: Share of the course's exercise points earned, 0-1 (1 for a course without exercises).
    score = models.FloatField()
    #: The course's estimated study time when issued (0: unknown), printed as hours.
    course_minutes = models.PositiveIntegerField(default=0)
    #: Who taught it: the course owner's printed name when issued (blank: none to show).
    instructor_name = models.CharField(max_length=200, blank=True)
    issued_at = models.DateTimeField()
    # Set when the printed name is the learner's chosen display name; until then they may set it.
    name_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Bumped whenever the printed content changes, so files of an older revision are never reused.
    revision = models.PositiveIntegerField(default=1)

    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.TextField(blank=True)

    #: The signed Open Badges 3.0 credential (a W3C Verifiable Credential with Data Integrity proofs).
    credential = models.JSONField()
    #: The certificate's bit in the revocation status lists (list = index // LIST_SIZE); drawn at
    #: random so neighbouring bits say nothing about who was certified when. Null: issued before
    #: status lists existed, so its credential has no credentialStatus.
    status_index = models.PositiveIntegerField(null=True, blank=True, unique=True)

    pdf = models.FileField(upload_to="certificates/", max_length=200, null=True, blank=True)
    png = models.FileField(upload_to="certificates/", max_length=200, null=True, blank=True)
    render_status = models.CharField(max_length=10, choices=RenderStatus.choices, default=RenderStatus.PENDING)
    rendered_revision = models.PositiveIntegerField(default=0)
    render_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="one_certificate_per_course"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="certificate_score_0_1"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""), name="certificate_revoked_with_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.learner_name} · {self.course_title}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def status(self) -> str:
        return "revoked" if self.is_revoked else "valid"

    @property
    def name_pending(self) -> bool:
        return self.name_confirmed_at is None and not self.is_revoked

    @property
    def is_rendered(self) -> bool:
        return (
            self.render_status == self.RenderStatus.DONE
            and self.rendered_revision == self.revision
            and bool(self.pdf)
            and bool(self.png)
        )

    @property
    def score_percent(self) -> int:
        return round(self.score * 100)


class SigningKey(models.Model):
    """Every public key that ever signed a credential here: the DID document lists them all,
    so rotating the key never orphans a credential signed with an older one."""

    public_key_multibase = models.CharField(max_length=64, unique=True)
    first_used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_used_at", "pk"]

    def __str__(self) -> str:
        return self.public_key_multibase
