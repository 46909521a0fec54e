"""The signed credential: Open Badges 3.0 shape, did:web key, a proof set, offline verification.

A verifier written here from the W3C "Data Integrity EdDSA Cryptosuites v1.0" text, with the
``rfc8785`` package for JCS and ``cryptography`` for Ed25519, checks the eddsa-jcs-2022 proof
without any of the site's code; ``test_independent_verifiers.py`` runs Digital Bazaar's.
"""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management import CommandError, call_command

from certificates.models import Certificate
from tests.certificates.helpers import SITE_URL, site_path, write_json

pytestmark = pytest.mark.django_db

KEY_PATH = "/.well-known/glassbook-certificate-key.json"
DID = "did:web:glassbook.example"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@pytest.fixture
def credential(client, certificate):
    response = client.get(site_path(certificate["credential_url"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="glassbook-credential-{certificate["code"]}.json"'
    return json.loads(response.content)


@pytest.fixture
def did_document(client):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "application/did+ld+json"
    return response.json()


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def resolve(did_document: dict, method_id: str) -> Ed25519PublicKey:
    """Per DID Core: the method must be listed under assertionMethod and be a Multikey of the controller."""
    assert method_id in did_document["assertionMethod"], method_id
    method = next(item for item in did_document["verificationMethod"] if item["id"] == method_id)
    assert method["type"] == "Multikey" and method["controller"] == did_document["id"]
    raw = b58decode(method["publicKeyMultibase"][1:])
    assert raw[:2] == b"\xed\x01"  # the multicodec of an Ed25519 public key
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def spec_verify(document: dict, did_document: dict) -> bool:
    """eddsa-jcs-2022 "Verify Proof", written from the spec, for the document's jcs proof."""
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    proof = next(item for item in proofs if item.get("cryptosuite") == "eddsa-jcs-2022")
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in options:
        if unsecured["@context"][: len(options["@context"])] != options["@context"]:
            return False
        unsecured["@context"] = options["@context"]
    if options["type"] != "DataIntegrityProof" or options["proofPurpose"] != "assertionMethod":
        return False
    issuer = document["issuer"] if isinstance(document["issuer"], str) else document["issuer"]["id"]
    if issuer != did_document["id"]:  # the key's controller must be the issuer
        return False
    data = hashlib.sha256(rfc8785.dumps(options)).digest() + hashlib.sha256(rfc8785.dumps(unsecured)).digest()
    try:
        resolve(did_document, options["verificationMethod"]).verify(b58decode(proof["proofValue"][1:]), data)
    except (InvalidSignature, AssertionError, StopIteration):
        return False
    return True


def test_the_credential_is_an_open_badge_3_verifiable_credential(credential, certificate):
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == certificate["verify_url"]
    assert credential["issuer"]["id"] == DID and credential["issuer"]["name"] == "Glassbook"
    assert credential["issuer"]["url"] == SITE_URL
    assert credential["image"] == credential["credentialSubject"]["achievement"]["image"]
    assert credential["image"]["type"] == "Image" and credential["image"]["id"] == f"{SITE_URL}/credentials/seal.png"
    subject = credential["credentialSubject"]
    assert subject["name"] == "Lena Learner"
    assert subject["achievement"]["name"] == "A Tiny Course"
    assert subject["result"] == [{"type": ["Result"], "value": "100%"}]
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == f"{SITE_URL}/credentials/status/0"
    assert status["id"] == f"{status['statusListCredential']}#{status['statusListIndex']}"
    assert [proof["cryptosuite"] for proof in credential["proof"]] == ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
    for proof in credential["proof"]:
        assert proof["type"] == "DataIntegrityProof" and proof["proofPurpose"] == "assertionMethod"
        assert proof["@context"] == credential["@context"]
        assert proof["verificationMethod"].startswith(DID + "#z6Mk")
        assert proof["proofValue"].startswith("z")


def test_the_did_document_lists_the_key_for_assertions(did_document, credential):
    assert did_document["id"] == DID
    assert did_document["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    method = credential["proof"][0]["verificationMethod"]
    key = resolve(did_document, method)
    assert method == f"{DID}#{did_document['verificationMethod'][0]['publicKeyMultibase']}"
    assert isinstance(key, Ed25519PublicKey)


def test_a_spec_written_verifier_accepts_the_jcs_proof(did_document, credential):
    assert spec_verify(credential, did_document)


@pytest.mark.parametrize(
    "tamper",
    [
        "change the name",
        "change the score",
        "add a field",
        "flip a signature character",
        "change the proof date",
        "drop the proof context",
        "point at another status bit",
    ],
)
def test_a_tampered_credential_fails_verification(did_document, credential, tamper, capsys, tmp_path):
    forged = copy.deepcopy(credential)
    jcs = forged["proof"][1]
    if tamper == "change the name":
        forged["credentialSubject"]["name"] = "Lena Learnerr"
    elif tamper == "change the score":
        forged["credentialSubject"]["result"][0]["value"] = "99%"
    elif tamper == "add a field":
        forged["credentialSubject"]["achievement"]["creditsAvailable"] = 5
    elif tamper == "flip a signature character":
        for proof in forged["proof"]:
            value = proof["proofValue"]
            proof["proofValue"] = value[:10] + ("2" if value[10] != "2" else "3") + value[11:]
    elif tamper == "change the proof date":
        jcs["created"] = "2019-01-01T00:00:00Z"
    elif tamper == "drop the proof context":
        del jcs["@context"]
    elif tamper == "point at another status bit":
        forged["credentialStatus"]["statusListIndex"] = str(int(forged["credentialStatus"]["statusListIndex"]) + 1)
    assert spec_verify(credential, did_document)
    assert not spec_verify(forged, did_document)
    # the site's own command agrees, for both proofs
    key_file = write_json(tmp_path / "did.json", did_document)
    call_command("verify_credential", str(write_json(tmp_path / "good.json", credential)), "--key", str(key_file))
    assert "VALID: Lena Learner — A Tiny Course" in capsys.readouterr().out
    with pytest.raises(CommandError, match="INVALID") as failure:
        call_command("verify_credential", str(write_json(tmp_path / "bad.json", forged)), "--key", str(key_file))
    assert failure.value.returncode == 1


def test_a_credential_signed_by_another_key_fails(did_document, credential, settings, tmp_path):
    from certificates import signing

    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "another.pem"
    forged = signing.add_proof(copy.deepcopy(credential), created="2026-01-01T00:00:00Z")
    assert forged["proof"][1]["verificationMethod"] != credential["proof"][1]["verificationMethod"]
    assert not spec_verify(forged, did_document)
    # claiming the site's key id does not help: the signature is checked against the real key
    for proof in forged["proof"]:
        proof["verificationMethod"] = credential["proof"][0]["verificationMethod"]
    assert not spec_verify(forged, did_document)
    with pytest.raises(CommandError, match="INVALID: the signature does not match"):
        call_command("verify_credential", str(write_json(tmp_path / "forged.json", forged)), "--key",
                     str(write_json(tmp_path / "did.json", did_document)))  # fmt: skip


def test_old_keys_stay_listed_after_a_rotation(client, credential, settings, tmp_path, learner_api, tiny_course):
    old_method = credential["proof"][0]["verificationMethod"]
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "rotated.pem"
    rotated = client.get("/.well-known/did.json").json()
    ids = [method["id"] for method in rotated["verificationMethod"]]
    assert len(ids) == 2 and ids[1] == old_method and ids[0] != old_method  # current key first
    assert rotated["assertionMethod"] == ids
    assert spec_verify(credential, rotated)


def test_credentials_issued_before_the_proof_set_are_served_fixed(client, certificate, did_document):
    """Early credentials: one proof object whose @context was signed but not emitted."""
    from certificates import signing

    row = Certificate.objects.get(code=certificate["code"])
    unsecured = {key: value for key, value in row.credential.items() if key != "proof"}
    proof = signing.make_proof(unsecured, cryptosuite="eddsa-jcs-2022", created="2025-11-21T10:00:00Z")
    stored_signature = proof["proofValue"]
    del proof["@context"]
    Certificate.objects.filter(pk=row.pk).update(credential={**unsecured, "proof": proof})

    served = client.get(site_path(certificate["credential_url"])).json()
    assert isinstance(served["proof"], list) and len(served["proof"]) == 1
    assert served["proof"][0]["@context"] == unsecured["@context"]
    assert served["proof"][0]["proofValue"] == stored_signature  # not signed again
    assert spec_verify(served, did_document)


def test_the_credential_is_served_as_application_vc(client, certificate):
    path = site_path(certificate["verify_url"])
    as_vc = client.get(path, HTTP_ACCEPT="application/vc")
    assert as_vc.status_code == 200 and as_vc["Content-Type"] == "application/vc"
    assert as_vc["Vary"] == "Accept"
    assert json.loads(as_vc.content)["id"] == certificate["verify_url"]
    as_json = client.get(path, HTTP_ACCEPT="application/json;q=0.9, application/vc;q=0.5")
    assert as_json["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(as_json.content) == json.loads(as_vc.content)
    assert client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")["Content-Type"].startswith(
        "text/html"
    )
    download = client.get(site_path(certificate["credential_url"]) + "?format=vc")
    assert download["Content-Type"] == "application/vc"


def test_the_issuer_profile_and_image_are_served(client, credential):
    profile = client.get("/issuer/", HTTP_ACCEPT="application/ld+json")
    assert profile.status_code == 200 and profile["Content-Type"] == "application/ld+json"
    body = profile.json()
    assert body["id"] == credential["issuer"]["id"] and body["type"] == ["Profile"]
    assert body["@context"] == credential["@context"]
    seal = client.get(site_path(credential["image"]["id"]))
    assert seal.status_code == 200 and seal["Content-Type"] == "image/png"
    assert seal.content.startswith(b"\x89PNG")


def test_the_command_verifies_with_a_legacy_jwk_file(client, credential, tmp_path, capsys):
    jwk = client.get(KEY_PATH).json()
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    call_command("verify_credential", str(write_json(tmp_path / "c.json", credential)), "--key",
                 str(write_json(tmp_path / "k.json", jwk)))  # fmt: skip
    assert "VALID: Lena Learner" in capsys.readouterr().out
    call_command("verify_credential", str(tmp_path / "c.json"))  # default: the site's own keys
    assert "VALID" in capsys.readouterr().out


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
