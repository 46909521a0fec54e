"""The certificate as an Open Badges 3.0 credential (a W3C Verifiable Credential, data model 2.0).

Everything a verifier needs without asking us is inside and signed: who (the printed name),
what (the course), when, the score, and where to check revocation (the verify URL, which is
also the credential's id). Revocation is not in the signed document — it can happen later —
so a verifier that wants the current status opens the id (the verify page) or asks the API.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from certificates import signing

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def timestamp(moment: datetime) -> str:
    """XML Schema dateTimeStamp in UTC with whole seconds, as the VC data model expects."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(
    *,
    verify_url: str,
    learner_name: str,
    course_title: str,
    course_url: str,
    criteria: str,
    score: float,
    issued_at: datetime,
) -> dict[str, Any]:
    """The unsigned credential; ``sign`` adds the proof."""
    site = settings.SITE_URL
    percent = round(score * 100)
    return {
        "@context": list(CONTEXT),
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Certificate of Completion: {course_title}",
        "issuer": {"id": site, "type": ["Profile"], "name": settings.SITE_NAME, "url": site},
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
                "description": f"Completion of the {settings.SITE_NAME} course “{course_title}”.",
                "criteria": {"narrative": criteria},
            },
            "result": [{"type": ["Result"], "value": f"{percent}%"}],
        },
    }


def sign(document: dict[str, Any], *, created: datetime) -> dict[str, Any]:
    return signing.add_proof(document, created=timestamp(created))


def verify(document: Any, jwk: dict[str, Any]) -> signing.Verification:
    """Offline check of a credential against a public JWK (the file at the key URL)."""
    return signing.verify_proof(document, jwk)
