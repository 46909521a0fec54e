"""The certificate as an Open Badges 3.0 credential (a W3C Verifiable Credential, data model 2.0).

Everything a verifier needs without asking us is inside and signed: who (the printed name),
what (the course), when, the score, who signed (the issuer's did:web, whose DID document lists
the key) and where to check revocation (``credentialStatus``: a bit in a signed status list).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from certificates import signing, status

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def timestamp(moment: datetime) -> str:
    """XML Schema dateTimeStamp in UTC with whole seconds, as the VC data model expects."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def image(url: str, caption: str) -> dict[str, Any]:
    return {"id": url, "type": "Image", "caption": caption}


def seal_url() -> str:
    return settings.SITE_URL + reverse("certificates:seal")


def issuer_profile() -> dict[str, Any]:
    """The Open Badges Profile of the issuer, as embedded in every credential and served at its URL."""
    return {
        "id": signing.did(),
        "type": ["Profile"],
        "name": settings.SITE_NAME,
        "url": settings.SITE_URL,
        "description": f"{settings.SITE_NAME} issues certificates for completing its courses.",
        "image": image(seal_url(), f"The {settings.SITE_NAME} seal"),
    }


def hours_text(minutes: int) -> str:
    """``about 6 hours`` / ``about 1.5 hours`` / ``about 45 minutes``, or '' when unknown."""
    if minutes <= 0:
        return ""
    if minutes < 60:
        return f"about {minutes} minutes"
    hours = round(minutes / 30) / 2  # to the half hour
    shown = f"{hours:g}"
    return f"about {shown} hour{'' if hours == 1 else 's'}"


def build(
    *,
    verify_url: str,
    learner_name: str,
    course_title: str,
    course_url: str,
    criteria: str,
    score: float,
    issued_at: datetime,
    course_minutes: int = 0,
    status_index: int | None = None,
) -> dict[str, Any]:
    """The unsigned credential; ``sign`` adds the proofs."""
    percent = round(score * 100)
    study = hours_text(course_minutes)
    description = f"Completion of the {settings.SITE_NAME} course “{course_title}”" + (
        f", {study} of study." if study else "."
    )
    badge = image(seal_url(), f"{settings.SITE_NAME} certificate: {course_title}")
    document: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Certificate of Completion: {course_title}",
        "image": badge,
        "issuer": issuer_profile(),
        "validFrom": timestamp(issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": learner_name,
            # Open Badges' own way to name a recipient who has no identifier URI of their own.
            "identifier": [
                {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": learner_name}
            ],
            "achievement": {
                "id": course_url,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": course_title,
                "description": description,
                "criteria": {"narrative": criteria},
                "image": badge,
            },
            "result": [{"type": ["Result"], "value": f"{percent}%"}],
        },
    }
    if status_index is not None:
        document["credentialStatus"] = status.entry(status_index)
    return document


def sign(document: dict[str, Any], *, created: datetime) -> dict[str, Any]:
    return signing.add_proof(document, created=timestamp(created))


def status_list(*, number: int, revoked: set[int], valid_from: datetime) -> dict[str, Any]:
    """The signed BitstringStatusListCredential of list ``number`` (``revoked``: bit positions)."""
    url = status.list_url(number)
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": signing.did(),
        "validFrom": timestamp(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status.PURPOSE,
            "encodedList": status.encode(revoked),
            "ttl": status.TTL_MS,
        },
    }
    return sign(document, created=valid_from)


def did_document() -> dict[str, Any]:
    """The site's DID document (did:web): every key that ever signed, current one first.

    Old keys stay listed under ``assertionMethod`` after a rotation, so what they signed still
    verifies; to withdraw a compromised key, delete its SigningKey row and revoke what it signed.
    """
    from certificates.models import SigningKey

    identifier = signing.did()
    current = signing.public_key_multibase()
    keys = [
        current,
        *(key for key in SigningKey.objects.values_list("public_key_multibase", flat=True) if key != current),
    ]
    methods = [
        {"id": f"{identifier}#{key}", "type": "Multikey", "controller": identifier, "publicKeyMultibase": key}
        for key in keys
    ]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": identifier,
        "alsoKnownAs": [settings.SITE_URL + reverse("certificates:issuer")],
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def verify(document: Any, keys: signing.KeyLookup | None = None) -> signing.Verification:
    """Check a credential's proofs against ``keys`` (default: every key this site ever signed with)."""
    return signing.verify_proof(document, keys or signing.site_keys())
