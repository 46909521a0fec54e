"""Anyone holding a code can check it: the public page, the public API, forgiving spelling, 404s."""

from __future__ import annotations

import collections
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization

from certificates import codes, signing
from tests.certificates.helpers import site_path

pytestmark = pytest.mark.django_db

CODE_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$")


def test_the_verification_page_needs_no_login_and_shows_the_facts(client, certificate):
    response = client.get(site_path(certificate["verify_url"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Valid certificate" in body and "genuine" in body
    for fact in ("Lena Learner", "A Tiny Course", certificate["code"], "100%"):
        assert fact in body
    assert site_path(certificate["pdf_url"]) in body and site_path(certificate["png_url"]) in body
    assert f"/verify/{certificate['code']}/credential.json" in body
    assert '<meta name="robots" content="noindex">' in body
    assert "Revoke this certificate" not in body  # anonymous visitors may not revoke


def test_the_public_api_shows_the_contract_fields(api, certificate):
    body = api.get(f"/api/v1/certificates/{certificate['code']}/").json()
    assert set(body) >= {
        "code", "status", "learner_name", "course_title", "issued_at", "score", "verify_url", "pdf_url", "png_url",
        "revoked_at", "revoke_reason", "credential_url",
    }  # fmt: skip
    assert body["status"] == "valid" and body["revoked_at"] is None and body["revoke_reason"] == ""
    assert body == certificate


@pytest.mark.parametrize("spelling", ["lower", "no-dashes", "spaces", "lookalikes"])
def test_lookups_forgive_case_dashes_and_lookalike_characters(client, api, certificate, spelling):
    code = certificate["code"]
    typed = {
        "lower": code.lower(),
        "no-dashes": code.replace("-", ""),
        "spaces": code.replace("-", " ").lower(),
        # Crockford: O reads as 0, I and L as 1 (the alphabet has neither, so no code changes meaning).
        "lookalikes": code.replace("0", "O").replace("1", "l"),
    }[spelling]
    assert api.get(f"/api/v1/certificates/{typed}/").json()["code"] == code
    response = client.get(f"/verify/{typed}/", follow=True)
    # A code may happen to have no 0 or 1, in which case its lookalike spelling is itself.
    landed = response.redirect_chain[-1][0] if response.redirect_chain else f"/verify/{typed}/"
    assert landed == f"/verify/{code}/"
    assert "Valid certificate" in response.content.decode()


@pytest.mark.parametrize("code", ["ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", "not-a-code", "ABCD", "U" * 20, "x" * 300])
def test_an_unknown_code_is_a_clear_404(client, api, certificate, code):
    page = client.get(f"/verify/{code}/")
    assert page.status_code == 404
    body = page.content.decode()
    assert "No such certificate" in body and "has never issued" in body
    response = api.get(f"/api/v1/certificates/{code}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client.get(f"/verify/{code}/credential.json").status_code == 404


def test_codes_are_unguessable_and_readable(certificate):
    assert CODE_SHAPE.match(certificate["code"])
    assert codes.BITS >= 80 and len(codes.ALPHABET) == 32 and not set("ILOU") & set(codes.ALPHABET)
    sample = [codes.new_code() for _ in range(4000)]
    assert len(set(sample)) == len(sample)
    assert all(CODE_SHAPE.match(code) for code in sample)
    # Every position uses the whole alphabet, about evenly: no fixed or guessable part.
    raw = [code.replace("-", "") for code in sample]
    for position in range(codes.LENGTH):
        counts = collections.Counter(code[position] for code in raw)
        assert len(counts) == 32
        assert max(counts.values()) < 3 * len(sample) / 32


def test_codes_come_from_the_operating_systems_random_source(monkeypatch):
    import secrets

    calls = []
    real_choice = secrets.choice
    monkeypatch.setattr(secrets, "choice", lambda seq: calls.append(1) or real_choice(seq))
    codes.new_code()
    assert len(calls) == codes.LENGTH


def test_the_verification_page_query_count_is_pinned(client, certificate, django_assert_max_num_queries):
    client.get(site_path(certificate["verify_url"]))
    with django_assert_max_num_queries(2):  # the certificate, and its course for the link
        client.get(site_path(certificate["verify_url"]))


def test_the_page_tells_how_to_check_with_standard_tools(client, certificate):
    did_document = client.get("/.well-known/did.json").json()
    multibase = did_document["verificationMethod"][0]["publicKeyMultibase"]
    body = client.get(site_path(certificate["verify_url"])).content.decode()
    # the fingerprint is SHA-256 of the raw key the DID document publishes, in groups of four
    raw = signing.public_key_from_multibase(multibase).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    digest = hashlib.sha256(raw).hexdigest().upper()
    assert ":".join(digest[i : i + 4] for i in range(0, 64, 4)) in body
    assert "did:web:glassbook.example" in body and "https://glassbook.example/.well-known/did.json" in body
    assert "eddsa-rdfc-2022" in body and "https://glassbook.example/credentials/status/0" in body
    assert "Download for a wallet" in body and "?format=vc" in body
    link = re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', body)
    assert link, "no add-to-LinkedIn link"
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["name"] == ["A Tiny Course"] and query["certId"] == [certificate["code"]]
    assert query["certUrl"] == [certificate["verify_url"]] and query["organizationName"] == ["Glassbook"]
