"""Check a certificate's signed credential offline, against a public key file.

    manage.py verify_credential glassbook-credential-XXXX.json --key glassbook-certificate-key.json

The key file is what `/.well-known/glassbook-certificate-key.json` serves (a JWK). Without
--key, this site's own current key is used. Exit status 0 when valid, 1 otherwise.
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
        parser.add_argument("--key", type=Path, help="the public JWK file (default: this site's key)")

    def handle(self, *args: Any, **options: Any) -> None:
        document = _read_json(options["credential"], "credential")
        jwk = _read_json(options["key"], "key") if options["key"] else signing.public_jwk()
        if not isinstance(jwk, dict):
            raise CommandError("The key file must hold a JWK object.")
        result = credentials.verify(document, jwk)
        if not result.ok:
            raise CommandError(f"INVALID: {result.reason}", returncode=1)
        subject = document.get("credentialSubject", {})
        achievement = subject.get("achievement", {})
        self.stdout.write(
            self.style.SUCCESS(
                f"VALID: {subject.get('name')} — {achievement.get('name')} — {document.get('validFrom')}"
            )
        )
        self.stdout.write(f"Signed with key {jwk.get('kid')}. Revocation status: {document.get('id')}")


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_bytes())
    except OSError as exc:
        raise CommandError(f"Cannot read the {what} file {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise CommandError(f"The {what} file {path} is not JSON: {exc}") from exc
