"""Every write of certificates: issuing, rendering, naming, revoking."""

from __future__ import annotations

import copy
import logging
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import KombuError

from accounts.services import update_profile
from certificates import codes, credentials, rendering, selectors, signing, status
from certificates.models import Certificate
from config.errors import Conflict, InvalidInput, NotAllowed
from courseware.models import Course, CourseProgress

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 120  # the length of accounts.User.display_name, which the name is saved to
REASON_MAX_LENGTH = 1000


class CertificateError(Conflict):
    """A request that conflicts with the certificate's state (the API answers 409)."""


def verify_url(code: str) -> str:
    return settings.SITE_URL + reverse("certificates:verify", args=[code])


def _course_url(course: Course) -> str:
    return settings.SITE_URL + reverse("courseware:course", args=[course.slug])


def _criteria(course: Course, progress: CourseProgress) -> str:
    reading = "Read every page of the course" if course.require_all_pages else "Complete the course"
    if not progress.points_total:
        return reading + "."
    return f"{reading} and earn at least {round(course.pass_mark * 100)}% of the exercise points."


def _printed_name(user: Any) -> tuple[str, bool]:
    """The name to print, and whether the learner chose it (a display name) or we guessed it."""
    chosen = (user.display_name or "").strip()
    if chosen:
        return chosen, True
    return (user.get_full_name() or user.username).strip(), False


def issue_certificate(*, user: Any, course: Course) -> Certificate:
    """The learner's one certificate for ``course``, issuing it if needed (idempotent).

    Safe under concurrent calls: the (user, course) unique constraint decides, and the
    loser returns the winner's row. The files are rendered by a task after commit.
    """
    existing = Certificate.objects.filter(user=user, course=course).first()
    if existing is not None:
        return existing
    progress = CourseProgress.objects.filter(user=user, course=course, completed_at__isnull=False).first()
    if progress is None:
        raise CertificateError("The course is not completed.")
    name, chosen = _printed_name(user)
    instructor = _printed_name(course.owner)[0] if course.owner is not None else ""
    for _attempt in range(3):
        code = codes.new_code()
        now = timezone.now()
        url = verify_url(code)
        index = _free_status_index()
        document = credentials.build(
            verify_url=url,
            learner_name=name,
            course_title=course.title,
            course_url=_course_url(course),
            criteria=_criteria(course, progress),
            score=_clamp(progress.score),
            issued_at=now,
            course_minutes=course.estimated_minutes,
            status_index=index,
        )
        defaults = {
            "code": code,
            "learner_name": name,
            "course_title": course.title,
            "score": _clamp(progress.score),
            "course_minutes": course.estimated_minutes,
            "instructor_name": instructor,
            "issued_at": now,
            "name_confirmed_at": now if chosen else None,
            "status_index": index,
            "credential": credentials.sign(document, created=now),
        }
        try:
            with transaction.atomic():
                certificate, created = Certificate.objects.get_or_create(user=user, course=course, defaults=defaults)
        except IntegrityError:
            # get_or_create re-reads after losing a (user, course) race, so this is a code or
            # status index collision or a race whose winner is not visible yet: look, then retry.
            found = Certificate.objects.filter(user=user, course=course).first()
            if found is not None:
                return found
            continue
        if created:
            transaction.on_commit(partial(enqueue_render, certificate.pk))
        return certificate
    raise CertificateError("Could not allocate a certificate code.")


def _free_status_index() -> int:
    """A random unassigned bit in the status lists (lists stay at most half full)."""
    assigned = Certificate.objects.filter(status_index__isnull=False).count()
    while True:
        index = status.random_index(assigned)
        if not Certificate.objects.filter(status_index=index).exists():
            return index


def _clamp(score: float) -> float:
    return min(1.0, max(0.0, float(score)))


def enqueue_render(certificate_id: int) -> None:
    """Queue the render task; a broker outage must not fail the learner's request."""
    from certificates.tasks import render_certificate

    try:
        render_certificate.delay(certificate_id)
    except (KombuError, OSError):
        # The row stays `pending`; `manage.py reconcile_certificates` (or its task) queues it again.
        logger.exception("Could not queue rendering of certificate %s", certificate_id)


def certificate_data(certificate: Certificate) -> rendering.CertificateData:
    return rendering.CertificateData(
        learner_name=certificate.learner_name,
        course_title=certificate.course_title,
        issued_on=timezone.localdate(certificate.issued_at),
        score=certificate.score,
        code=certificate.code,
        verify_url=verify_url(certificate.code),
        site_name=settings.SITE_NAME,
        hours=credentials.hours_text(certificate.course_minutes),
        instructor_name=certificate.instructor_name,
    )


def file_names(certificate: Certificate) -> tuple[str, str]:
    """Fixed names per revision: a retried task overwrites instead of adding files."""
    stem = f"certificates/{certificate.code}/r{certificate.revision}/glassbook-certificate-{certificate.code}"
    return f"{stem}.pdf", f"{stem}.png"


def _store(storage: Storage, name: str, content: bytes) -> None:
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(content))
    if saved != name:  # the storage chose another name: someone wrote in between; keep ours exact
        storage.delete(saved)
        raise OSError(f"could not store {name}")


def render_certificate_files(*, certificate_id: int) -> Certificate | None:
    """Render the PDF and PNG of the certificate's current revision into storage (idempotent).

    Drawing happens outside any lock; the row lock is held only to store the files, and the
    result is dropped if the certificate changed meanwhile (a newer task renders that).
    """
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None or _rendered(certificate):
        return certificate
    revision = certificate.revision
    try:
        data = certificate_data(certificate)
        pdf, png = rendering.render_pdf(data), rendering.render_png(data)
    except Exception as exc:
        Certificate.objects.filter(pk=certificate_id, revision=revision).update(
            render_status=Certificate.RenderStatus.FAILED, render_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().filter(pk=certificate_id).first()
        if certificate is None or certificate.revision != revision or _rendered(certificate):
            return certificate
        old = {name for name in (certificate.pdf.name, certificate.png.name) if name}
        pdf_name, png_name = file_names(certificate)
        storage = certificate.pdf.storage
        _store(storage, pdf_name, pdf)
        _store(storage, png_name, png)
        certificate.pdf.name, certificate.png.name = pdf_name, png_name
        certificate.render_status = Certificate.RenderStatus.DONE
        certificate.rendered_revision = revision
        certificate.render_error = ""
        certificate.save(update_fields=["pdf", "png", "render_status", "rendered_revision", "render_error"])
        stale = old - {pdf_name, png_name}
        if stale:
            transaction.on_commit(lambda: _delete_files(storage, stale))
    return certificate


def _rendered(certificate: Certificate) -> bool:
    if not certificate.is_rendered:
        return False
    storage = certificate.pdf.storage
    # A row that says "done" but lost its files (e.g. a restored database) is rendered again.
    return storage.exists(certificate.pdf.name or "") and storage.exists(certificate.png.name or "")


def _delete_files(storage: Storage, names: set[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete the old certificate file %s", name)


def set_printed_name(*, user: Any, name: str) -> list[Certificate]:
    """Set the learner's display name and print it on their certificates still waiting for one.

    The rule: a certificate issued while the learner had no display name shows a guessed
    name (full name or username) until they choose one, once. After that the name is fixed.
    """
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput(fields={"name": ["Enter the name to print on your certificate."]})
    if len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidInput(fields={"name": [f"At most {NAME_MAX_LENGTH} characters."]})
    if not cleaned.isprintable():
        raise InvalidInput(fields={"name": ["The name contains characters that cannot be printed."]})
    with transaction.atomic():
        pending = list(
            Certificate.objects.select_for_update()
            .filter(user=user, name_confirmed_at__isnull=True, revoked_at__isnull=True)
            .order_by("pk")
        )
        if not pending:
            raise CertificateError("Your certificates already show the name you chose.")
        update_profile(user=user, display_name=cleaned, email=user.email)
        now = timezone.now()
        for certificate in pending:
            certificate.learner_name = cleaned
            certificate.name_confirmed_at = now
            certificate.revision += 1
            certificate.render_status = Certificate.RenderStatus.PENDING
            certificate.credential = _renamed_credential(certificate.credential, cleaned, now)
            certificate.save(
                update_fields=["learner_name", "name_confirmed_at", "revision", "render_status", "credential"]
            )
            transaction.on_commit(partial(enqueue_render, certificate.pk))
    return pending


def _renamed_credential(signed: dict[str, Any], name: str, now: Any) -> dict[str, Any]:
    document = copy.deepcopy({key: value for key, value in signed.items() if key != "proof"})
    subject = document["credentialSubject"]
    subject["name"] = name
    for identity in subject.get("identifier", []):
        if identity.get("identityType") == "name":
            identity["identityHash"] = name
    return credentials.sign(document, created=now)


def revoke_certificate(*, certificate: Certificate, by: Any, reason: str) -> Certificate:
    """Revoke for good, with a reason shown to everyone who verifies it."""
    if not selectors.can_revoke(by, certificate):
        raise NotAllowed("Only the course's authors and staff may revoke its certificates.")
    cleaned = reason.strip()
    if not cleaned:
        raise InvalidInput(
            fields={"reason": ["Give the reason; it is shown to everyone who verifies the certificate."]}
        )
    if len(cleaned) > REASON_MAX_LENGTH:
        raise InvalidInput(fields={"reason": [f"At most {REASON_MAX_LENGTH} characters."]})
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise CertificateError("The certificate is already revoked.")
        locked.revoked_at = timezone.now()
        locked.revoked_by = by
        locked.revoke_reason = cleaned
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    logger.info("Certificate %s revoked by user %s", locked.code, getattr(by, "pk", None))
    return locked


def reconcile_certificates(*, stale_after: timedelta = timedelta(minutes=10)) -> tuple[int, int]:
    """Repair what an outage may have left: completions without a certificate, unrendered files.

    Returns (issued, queued). Safe to run at any time, from beat, cron or by hand.
    """
    has_certificate = Certificate.objects.filter(user=OuterRef("user"), course=OuterRef("course"))
    missing = CourseProgress.objects.filter(completed_at__isnull=False).filter(~Exists(has_certificate))
    issued = 0
    for progress in missing.select_related("user", "course").iterator():
        issue_certificate(user=progress.user, course=progress.course)
        issued += 1
    unrendered = Certificate.objects.filter(
        ~Q(render_status=Certificate.RenderStatus.DONE) | Q(rendered_revision__lt=F("revision")),
        issued_at__lt=timezone.now() - stale_after,  # leave fresh ones to the task already queued
    )
    queued = 0
    for certificate_id in unrendered.values_list("pk", flat=True):
        enqueue_render(certificate_id)
        queued += 1
    return issued, queued


def status_list_credential(*, number: int) -> dict[str, Any] | None:
    """The signed status list ``number`` as it stands now (None: no such list).

    Signed again only when it changed: revocation is final, so the count of revoked bits and
    the last revocation time name a state; the signing key is part of the name too.
    """
    state = selectors.status_list_state(number)
    if state is None:
        return None
    revoked, changed = state
    key = f"certificates:status-list:{number}:{len(revoked)}:{changed.isoformat()}:{signing.public_key_multibase()}"
    document = cache.get(key)
    if document is None:
        document = credentials.status_list(number=number, revoked=revoked, valid_from=changed)
        cache.set(key, document, timeout=None)
    return document


def verification_details(certificate: Certificate) -> dict[str, Any]:
    """What the verify page tells someone checking the certificate with their own tools."""
    served = signing.served(certificate.credential)
    proofs = served.get("proof") or []
    method = next((proof.get("verificationMethod", "") for proof in proofs if isinstance(proof, dict)), "")
    fragment = method.rpartition("#")[2]
    try:
        key = signing.public_key_from_multibase(fragment)
    except ValueError:
        key = None  # issued before did:web: the key was named by its JWK thumbprint
    status_entry = served.get("credentialStatus") or {}
    issued = timezone.localtime(certificate.issued_at)
    linkedin = "https://www.linkedin.com/profile/add?" + urlencode(
        {
            "startTask": "CERTIFICATION_NAME",
            "name": f"{certificate.course_title}",
            "organizationName": settings.SITE_NAME,
            "issueYear": issued.year,
            "issueMonth": issued.month,
            "certUrl": verify_url(certificate.code),
            "certId": certificate.code,
        }
    )
    return {
        "did": signing.did(),
        "did_document_url": signing.did_document_url(),
        "verification_method": method,
        "fingerprint": signing.fingerprint(key) if key is not None else "",
        "cryptosuites": [proof.get("cryptosuite") for proof in proofs if isinstance(proof, dict)],
        "status_list_url": status_entry.get("statusListCredential", ""),
        "status_index": status_entry.get("statusListIndex", ""),
        "linkedin_url": linkedin,
        "hours": credentials.hours_text(certificate.course_minutes),
    }
