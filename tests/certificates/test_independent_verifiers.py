"""Independent software accepts our certificates, as an employer's or a wallet's would.

Digital Bazaar's verifier (npm: @digitalbazaar/vc, data-integrity, eddsa-jcs-2022 and
eddsa-rdfc-2022 cryptosuites, vc-bitstring-status-list; contexts from npm packages only)
runs in Node against a live test server: it resolves our did:web and fetches the status list
there, with no glue beyond a document loader. Each run checks both proofs.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from certificates import signing

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is installed by make setup"),
]

VERIFIER = Path(__file__).parent / "verifier" / "verify.mjs"
SUITES = ("eddsa-jcs-2022", "eddsa-rdfc-2022")


def run_verifier(base: str, *documents: dict, tmp_path: Path) -> tuple[list[dict], float]:
    files = []
    for index, document in enumerate(documents):
        path = tmp_path / f"document-{index}-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        files.append(str(path))
    started = time.monotonic()
    completed = subprocess.run(
        ["node", str(VERIFIER), base, *files],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=django_settings.BASE_DIR,  # resolves the npm packages from node_modules
        check=False,
    )
    elapsed = time.monotonic() - started
    assert completed.returncode == 0, completed.stderr
    print(completed.stderr.strip())
    return [json.loads(line)["results"] for line in completed.stdout.splitlines()], elapsed


@pytest.fixture
def live_site(live_server, settings, monkeypatch):
    settings.SITE_URL = live_server.url
    monkeypatch.setenv("SITE_URL", live_server.url)
    return live_server.url


def test_digital_bazaars_verifier_accepts_ours_rejects_forgeries_and_sees_revocation(
    live_site, learner_api, instructor, instructor_api, tiny_course, complete, client, tmp_path, settings
):
    tiny_course.owner = instructor  # who may revoke
    tiny_course.save()
    complete(learner_api, tiny_course)
    certificate = learner_api.get("/api/v1/certificates/").json()["results"][0]
    assert certificate["verify_url"].startswith(live_site)
    credential = json.loads(
        client.get(certificate["verify_url"][len(live_site) :], HTTP_ACCEPT="application/vc").content
    )
    status_url = credential["credentialStatus"]["statusListCredential"]
    status_list = json.loads(client.get(status_url[len(live_site) :]).content)

    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["result"][0]["value"] = "99%"

    # signed by a key the site never published, under its own did:web method id
    key_file = settings.CERTIFICATE_SIGNING_KEY_FILE
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "foreign.pem"
    foreign = signing.add_proof(copy.deepcopy(credential), created="2026-01-01T00:00:00Z")
    from certificates.models import SigningKey

    SigningKey.objects.filter(public_key_multibase=signing.public_key_multibase()).delete()
    settings.CERTIFICATE_SIGNING_KEY_FILE = key_file

    (good, tampered, forged, status_result), elapsed = run_verifier(
        live_site, credential, changed, foreign, status_list, tmp_path=tmp_path
    )
    for suite in SUITES:
        assert good[suite] == {"verified": True, "status": False, "error": None}, suite
        assert status_result[suite]["verified"] is True, (suite, status_result[suite])
        assert tampered[suite]["verified"] is False, suite
        assert forged[suite]["verified"] is False, suite
    assert "Invalid signature" in tampered["eddsa-jcs-2022"]["error"]
    assert "not in the DID document" in forged["eddsa-jcs-2022"]["error"]
    print(f"Digital Bazaar's verifier: 4 documents x 2 cryptosuites in {elapsed:.1f} s")
    assert elapsed < 15, elapsed  # four documents, two suites each, node start-up included

    response = instructor_api.post(f"/api/v1/certificates/{certificate['code']}/revoke/", {"reason": "Copied work."})
    assert response.status_code == 200, response.content
    (after,), _ = run_verifier(live_site, credential, tmp_path=tmp_path)
    for suite in SUITES:
        # still genuinely ours, and now visibly revoked through the status list
        assert after[suite] == {"verified": True, "status": True, "error": None}, suite
