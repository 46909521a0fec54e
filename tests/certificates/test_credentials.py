"""The signed credential: Open Badges 3.0 shape, an eddsa-jcs-2022 proof, offline verification."""

from __future__ import annotations

import base64
import copy
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management import CommandError, call_command

from certificates import credentials
from tests.certificates.helpers import SITE_URL, site_path, write_json

pytestmark = pytest.mark.django_db

KEY_PATH = "/.well-known/glassbook-certificate-key.json"


@pytest.fixture
def credential(client, certificate):
    response = client.get(site_path(certificate["credential_url"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="glassbook-credential-{certificate["code"]}.json"'
    return json.loads(response.content)


@pytest.fixture
def jwk(client):
    response = client.get(KEY_PATH)
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def test_the_credential_is_an_open_badge_3_verifiable_credential(credential, certificate):
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == certificate["verify_url"]
    assert credential["issuer"]["id"] == SITE_URL and credential["issuer"]["name"] == "Glassbook"
    assert credential["validFrom"].endswith("Z") and credential["validFrom"][:10] == certificate["issued_at"][:10]
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["name"] == "Lena Learner"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["name"] == "A Tiny Course"
    assert achievement["id"] == f"{SITE_URL}/courses/tiny-course/"
    assert achievement["criteria"]["narrative"] == "Read every page of the course."
    assert subject["result"] == [{"type": ["Result"], "value": "100%"}]
    proof = credential["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod" and proof["proofValue"].startswith("z")


def test_the_published_key_is_an_ed25519_jwk_named_by_its_thumbprint(jwk, credential):
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA" and "d" not in jwk
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": jwk["x"]}, separators=(",", ":"))
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()
    assert jwk["kid"] == thumbprint
    assert credential["proof"]["verificationMethod"] == f"{SITE_URL}{KEY_PATH}#{thumbprint}"


def test_the_published_key_verifies_a_real_credential(jwk, credential):
    result = credentials.verify(credential, jwk)
    assert result.ok, result.reason


def test_the_proof_follows_the_documented_algorithm(jwk, credential):
    """Re-derive the signature input from docs/certificates.md alone, without the app's code."""

    def canonical(value):  # JCS, for documents with string keys and no fractional numbers
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    proof = dict(credential["proof"])
    proof_value = proof.pop("proofValue")
    document = {key: value for key, value in credential.items() if key != "proof"}
    config = {**proof, "@context": credential["@context"]}
    data = hashlib.sha256(canonical(config)).digest() + hashlib.sha256(canonical(document)).digest()

    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number = 0
    for char in proof_value[1:]:
        number = number * 58 + alphabet.index(char)
    signature = number.to_bytes(64, "big")
    key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=="))
    key.verify(signature, data)  # raises InvalidSignature if the docs and the code disagree


@pytest.mark.parametrize(
    "tamper",
    [
        "change the name",
        "change the course",
        "change the date",
        "add a field",
        "change one byte of the signature",
        "drop the proof",
        "change the proof date",
    ],
)
def test_a_tampered_credential_fails_verification(jwk, credential, tamper):
    forged = copy.deepcopy(credential)
    if tamper == "change the name":
        forged["credentialSubject"]["name"] = "Mallory Mallet"
    elif tamper == "change the course":
        forged["credentialSubject"]["achievement"]["name"] = "Advanced Everything"
    elif tamper == "change the date":
        forged["validFrom"] = "2019-01-01T00:00:00Z"
    elif tamper == "add a field":
        forged["credentialSubject"]["honours"] = True
    elif tamper == "change one byte of the signature":
        value = forged["proof"]["proofValue"]
        forged["proof"]["proofValue"] = value[:10] + ("2" if value[10] != "2" else "3") + value[11:]
    elif tamper == "drop the proof":
        del forged["proof"]
    elif tamper == "change the proof date":
        forged["proof"]["created"] = "2019-01-01T00:00:00Z"
    assert credentials.verify(credential, jwk).ok
    assert not credentials.verify(forged, jwk).ok


def test_another_key_does_not_verify_it(credential):
    from certificates import signing

    other = signing.public_jwk(Ed25519PrivateKey.generate().public_key())
    assert not credentials.verify(credential, other).ok
    unnamed = {key: value for key, value in other.items() if key != "kid"}
    assert credentials.verify(credential, unnamed).reason == "the signature does not match the content"


def test_the_command_verifies_offline_with_a_key_file(jwk, credential, tmp_path, capsys):
    key_file = write_json(tmp_path / "key.json", jwk)
    call_command("verify_credential", str(write_json(tmp_path / "good.json", credential)), "--key", str(key_file))
    out = capsys.readouterr().out
    assert "VALID: Lena Learner — A Tiny Course" in out

    forged = copy.deepcopy(credential)
    forged["credentialSubject"]["name"] = "Mallory Mallet"
    with pytest.raises(CommandError, match="INVALID: the signature does not match") as failure:
        call_command("verify_credential", str(write_json(tmp_path / "bad.json", forged)), "--key", str(key_file))
    assert failure.value.returncode == 1


def test_the_command_reports_unreadable_input(tmp_path):
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(CommandError, match="is not JSON"):
        call_command("verify_credential", str(tmp_path / "junk.json"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("verify_credential", str(tmp_path / "missing.json"))


def test_the_signing_key_file_is_private_and_reused(settings, client):
    first = client.get(KEY_PATH).json()
    key_file = settings.CERTIFICATE_SIGNING_KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert client.get(KEY_PATH).json() == first


def test_a_key_from_the_environment_wins(settings, client, monkeypatch):
    from cryptography.hazmat.primitives import serialization

    del settings.CERTIFICATE_SIGNING_KEY
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    monkeypatch.setenv("CERTIFICATE_SIGNING_KEY", pem.decode())
    from certificates import signing

    expected = signing.public_jwk(serialization.load_pem_private_key(pem, None).public_key())
    assert client.get(KEY_PATH).json() == expected
    assert not settings.CERTIFICATE_SIGNING_KEY_FILE.exists()
