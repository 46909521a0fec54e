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


def certificate_code(*, user: Any, course: Any, completed: bool) -> str | None:
    code = selectors.code_for(user, course)
    if code is None and completed:
        # Two requests racing on the last page: the one that did not complete the course can
        # answer before the other's after-commit issuing has run. Issuing is idempotent, so a
        # completed course is never reported without its certificate.
        try:
            code = services.issue_certificate(user=user, course=course).code
        except Exception:
            logger.exception("Could not issue the certificate of user %s for course %s", user.pk, course.pk)
    return code
