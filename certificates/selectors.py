"""Reads of certificates. Views, the API and the template tag call these, never bare .objects.get."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Max, Min, QuerySet
from django.http import Http404

from certificates import codes
from certificates.models import Certificate
from courseware.models import Course
from courseware.selectors import can_author


def get_certificate(code: str) -> Certificate:
    """The certificate with ``code`` in any spelling (case, dashes, look-alikes); 404 otherwise.

    Certificates are public by design: whoever holds the code may see it.
    """
    canonical = codes.normalise(code)
    certificate = Certificate.objects.filter(code=canonical).first() if canonical else None
    if certificate is None:
        raise Http404("No such certificate.")
    return certificate


def can_revoke(user: Any, certificate: Certificate) -> bool:
    """Staff, and the owner and co-authors of the certificate's course."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_staff", False):
        return True
    return certificate.course is not None and can_author(user, certificate.course)


def get_certificate_for_revoke(user: Any, code: str) -> Certificate:
    """The permission helper for revocation: 404 unknown, 403 for anyone not allowed.

    403 rather than 404 for the not-allowed, because the certificate itself is public.
    """
    certificate = get_certificate(code)
    if not can_revoke(user, certificate):
        raise PermissionDenied("Only the course's authors and staff may revoke its certificates.")
    return certificate


def get_certificate_for_owner(user: Any, code: str) -> Certificate:
    """The permission helper for the learner's own actions (naming): 404 unknown, 403 someone else's."""
    certificate = get_certificate(code)
    if certificate.user_id != getattr(user, "pk", None):
        raise PermissionDenied("This is someone else's certificate.")
    return certificate


def certificates_of(user: Any) -> QuerySet[Certificate]:
    return Certificate.objects.filter(user=user).select_related("course").order_by("-issued_at", "-pk")


def certificate_for_course(user: Any, course: Course) -> Certificate | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Certificate.objects.filter(user=user, course=course).first()


def code_for(user: Any, course: Course) -> str | None:
    """The code of ``user``'s certificate in ``course`` (progress payloads carry it)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Certificate.objects.filter(user=user, course=course).values_list("code", flat=True).first()


def needs_name(user: Any) -> bool:
    return Certificate.objects.filter(user=user, name_confirmed_at__isnull=True, revoked_at__isnull=True).exists()


def status_list_state(number: int) -> tuple[set[int], datetime] | None:
    """The revoked bit positions of status list ``number`` and the moment it last changed.

    ``None`` when no certificate has a bit in that list (there is no such list).
    """
    from certificates import status

    low, high = number * status.LIST_SIZE, (number + 1) * status.LIST_SIZE
    in_list = Certificate.objects.filter(status_index__gte=low, status_index__lt=high)
    first = in_list.aggregate(first=Min("issued_at"), changed=Max("revoked_at"))
    if first["first"] is None:
        return None
    indexes = in_list.filter(revoked_at__isnull=False).values_list("status_index", flat=True)
    revoked = {index - low for index in indexes if index is not None}
    return revoked, first["changed"] or first["first"]
