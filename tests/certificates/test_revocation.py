"""Revocation: only the course's authors and staff; a reason is required; everyone then sees it."""

from __future__ import annotations

import pytest

from tests.certificates.helpers import site_path
from tests.plugins.users import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def authored(tiny_course, instructor):
    tiny_course.owner = instructor
    tiny_course.save()
    return tiny_course


def revoke_url(certificate):
    return f"/api/v1/certificates/{certificate['code']}/revoke/"


def test_the_course_owner_revokes_through_the_api_and_everyone_sees_it(
    authored, certificate, instructor_api, api, client
):
    response = instructor_api.post(revoke_url(certificate), {"reason": "Plagiarised exercise answers."})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "revoked" and body["revoke_reason"] == "Plagiarised exercise answers."
    assert body["revoked_at"]

    public = api.get(f"/api/v1/certificates/{certificate['code']}/").json()
    assert public["status"] == "revoked" and public["revoked_at"] == body["revoked_at"]

    page = client.get(site_path(certificate["verify_url"])).content.decode()
    assert "Revoked certificate" in page and "Valid certificate" not in page
    assert "Plagiarised exercise answers." in page and "revoked on" in page
    assert ">PDF</a>" not in page  # a revoked certificate is no longer offered for download


def test_a_coauthor_revokes_with_the_form_on_the_verify_page(tiny_course, certificate, outsider, client):
    tiny_course.coauthors.add(outsider)  # an author of this course, not its owner
    client.login(username="otto", password=PASSWORD)
    path = site_path(certificate["verify_url"])
    page = client.get(path).content.decode()
    assert "Revoke this certificate" in page and 'name="csrfmiddlewaretoken"' in page

    response = client.post(f"{path}revoke/", {"reason": "Issued by mistake."}, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == path
    assert "The certificate is revoked." in body and "Issued by mistake." in body
    assert "Revoke this certificate" not in body  # nothing left to revoke


def test_staff_may_revoke(certificate, outsider):
    from tests.plugins.users import _api_client_for

    outsider.is_staff = True
    outsider.save()
    assert _api_client_for(outsider).post(revoke_url(certificate), {"reason": "Fraud."}).status_code == 200


def test_the_outsider_and_the_learner_cannot_revoke(authored, certificate, outsider_api, learner_api, outsider_client):
    for caller in (outsider_api, learner_api):
        response = caller.post(revoke_url(certificate), {"reason": "Because."})
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    path = site_path(certificate["verify_url"])
    assert "Revoke this certificate" not in outsider_client.get(path).content.decode()
    assert outsider_client.post(f"{path}revoke/", {"reason": "Because."}).status_code == 403
    assert outsider_api.get(f"/api/v1/certificates/{certificate['code']}/").json()["status"] == "valid"


def test_anonymous_callers_must_log_in(authored, certificate, api, client):
    response = api.post(revoke_url(certificate), {"reason": "Because."})
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    page = client.post(f"{site_path(certificate['verify_url'])}revoke/", {"reason": "Because."})
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    assert api.get(f"/api/v1/certificates/{certificate['code']}/").json()["status"] == "valid"


def test_a_reason_is_required(authored, certificate, instructor_api, instructor_client):
    for reason in ("", "   "):
        response = instructor_api.post(revoke_url(certificate), {"reason": reason})
        assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]
    response = instructor_client.post(f"{site_path(certificate['verify_url'])}revoke/", {"reason": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert instructor_api.get(f"/api/v1/certificates/{certificate['code']}/").json()["status"] == "valid"


def test_revoking_twice_is_a_conflict(authored, certificate, instructor_api):
    assert instructor_api.post(revoke_url(certificate), {"reason": "First."}).status_code == 200
    response = instructor_api.post(revoke_url(certificate), {"reason": "Second."})
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    assert instructor_api.get(f"/api/v1/certificates/{certificate['code']}/").json()["revoke_reason"] == "First."


def test_revoking_an_unknown_code_is_404(authored, instructor_api):
    assert (
        instructor_api.post("/api/v1/certificates/ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ/revoke/", {"reason": "x"}).status_code == 404
    )


def test_the_learner_sees_the_revocation_on_my_certificates(authored, certificate, instructor_api, learner_client):
    instructor_api.post(revoke_url(certificate), {"reason": "Issued by mistake."})
    body = learner_client.get("/certificates/").content.decode()
    assert "Revoked on" in body and "Issued by mistake." in body
    assert "Download PDF" not in body
