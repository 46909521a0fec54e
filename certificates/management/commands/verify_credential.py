"""Check a certificate's signed credential offline, against a key file.

    manage.py verify_credential glassbook-credential-XXXX.json --key did.json

The key file is the site's DID document (``/.well-known/did.json``), or a bare Ed25519 JWK
(``/.well-known/glassbook-certificate-key.json``). Without --key, every key this site ever
signed with is used. Every proof (eddsa-rdfc-2022 and eddsa-jcs-2022) must be valid.
Exit status 0 when valid, 1 otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from certificates import credentials, signing


class Command(BaseCommand):
    help = "Verify a Glassbook certificate credential (JSON) against a public JWK, offline."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("credential", type=Path, help="the credential JSON file")
        parser.add_argument("--key", type=Path, help="a DID document or a JWK (default: this site's keys)")

    def handle(self, *args: Any, **options: Any) -> None:
        document = _read_json(options["credential"], "credential")
        keys = _keys(_read_json(options["key"], "key")) if options["key"] else None
        result = credentials.verify(document, keys)
        if not result.ok:
            raise CommandError(f"INVALID: {result.reason}", returncode=1)
        subject = document.get("credentialSubject", {})
        achievement = subject.get("achievement", {})
        self.stdout.write(
            self.style.SUCCESS(
                f"VALID: {subject.get('name')} — {achievement.get('name')} — {document.get('validFrom')}"
            )
        )
        status = document.get("credentialStatus") or {}
        self.stdout.write(
            f"{result.reason}. Revocation status: {status.get('statusListCredential') or document.get('id')}"
        )


def _keys(value: Any) -> signing.KeyLookup:
    if not isinstance(value, dict):
        raise CommandError("The key file must hold a DID document or a JWK object.")
    try:
        if "verificationMethod" in value:
            return signing.keys_from_did_document(value)
        return signing.keys_from_jwk(value)
    except ValueError as exc:
        raise CommandError(f"The key file holds no usable Ed25519 key: {exc}") from exc


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_bytes())
    except OSError as exc:
        raise CommandError(f"Cannot read the {what} file {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise CommandError(f"The {what} file {path} is not JSON: {exc}") from exc
