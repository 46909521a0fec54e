"""Listens to the reader side: a completed course gets its certificate."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from certificates import selectors, services
from courseware.progress import course_completed

logger = logging.getLogger(__name__)


@receiver(course_completed, dispatch_uid="certificates.issue_on_completion")
def issue_on_completion(sender: Any, *, user: Any, course: Any, **kwargs: Any) -> None:
    try:
        services.issue_certificate(user=user, course=course)
    except Exception:
        # The signal runs inside the learner's page-read request; a failure here must not turn
        # their read into an error. reconcile_certificates issues what was missed.
        logger.exception("Could not issue the certificate of user %s for course %s", user.pk, course.pk)


def certificate_code(*, user: Any, course: Any) -> str | None:
    return selectors.code_for(user, course)
