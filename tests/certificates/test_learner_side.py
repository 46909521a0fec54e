"""The learner's side: My certificates, the once-only name prompt, the course-page callout, the list API."""

from __future__ import annotations

import json

import pytest
from django.template import engines
from django.test import Client

from certificates import credentials, signing
from certificates.models import Certificate
from courseware.models import Course
from tests.certificates.helpers import decode_qr, fetch, site_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def nameless(django_user_model):
    return django_user_model.objects.create_user(username="nn42", email="nn@example.org", password="x" * 20)


@pytest.fixture
def nameless_api(nameless):
    from tests.plugins.users import _api_client_for

    return _api_client_for(nameless)


@pytest.fixture
def nameless_client(nameless):
    client = Client()
    client.force_login(nameless)
    return client


def test_my_certificates_lists_downloads_and_the_verify_link(learner_client, certificate):
    response = learner_client.get("/certificates/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "A Tiny Course" in body and certificate["code"] in body
    assert site_path(certificate["pdf_url"]) in body and site_path(certificate["png_url"]) in body
    assert f'href="/verify/{certificate["code"]}/"' in body
    assert "How should your name appear?" not in body  # Lena chose her name at sign-up


def test_my_certificates_needs_a_login_and_shows_only_ones_own(client, outsider_client, certificate):
    assert client.get("/certificates/")["Location"].startswith("/accounts/login/")
    body = outsider_client.get("/certificates/").content.decode()
    assert certificate["code"] not in body and "No certificates yet" in body


def test_my_certificates_query_count_is_pinned(learner, learner_client, certificate, django_assert_max_num_queries):
    for n in range(3):
        course = Course.objects.create(slug=f"c{n}", title=f"Course {n}", published=True)
        Certificate.objects.create(
            code=f"AAAA-AAAA-AAAA-AAAA-AAA{n}", user=learner, course=course, learner_name="Lena Learner",
            course_title=course.title, score=1, issued_at="2025-01-01T00:00:00Z", credential={},
            name_confirmed_at="2025-01-01T00:00:00Z",
        )  # fmt: skip
    learner_client.get("/certificates/")
    with django_assert_max_num_queries(4):  # session, user, certificates with their courses, courses on the way
        body = learner_client.get("/certificates/").content.decode()
    assert body.count('class="cert-card"') == 4


def test_a_learner_without_a_display_name_is_asked_once_for_it(
    nameless, nameless_api, nameless_client, tiny_course, complete, client, django_capture_on_commit_callbacks
):
    complete(nameless_api, tiny_course)
    issued = nameless_api.get("/api/v1/certificates/").json()["results"][0]
    assert issued["learner_name"] == "nn42" and issued["name_pending"] is True
    old_png = issued["png_url"]

    page = nameless_client.get("/certificates/").content.decode()
    assert "How should your name appear?" in page and "<strong>nn42</strong>" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = nameless_client.post("/certificates/name/", {"name": "  Nora   Nameless "}, follow=True)
    assert "Your name is now on your certificate" in response.content.decode()
    assert "How should your name appear?" not in response.content.decode()

    renamed = nameless_api.get(f"/api/v1/certificates/{issued['code']}/").json()
    assert renamed["learner_name"] == "Nora Nameless" and renamed["name_pending"] is False
    assert renamed["code"] == issued["code"] and renamed["png_url"] != old_png
    nameless.refresh_from_db()
    assert nameless.display_name == "Nora Nameless"
    # New files, re-signed credential, and the old files are gone.
    assert decode_qr(fetch(client, renamed["png_url"])) == [issued["verify_url"]]
    assert client.get(site_path(old_png)).status_code == 404
    credential = json.loads(client.get(site_path(renamed["credential_url"])).content)
    keys = signing.keys_from_did_document(client.get("/.well-known/did.json").json())
    assert credential["credentialSubject"]["name"] == "Nora Nameless" and credentials.verify(credential, keys).ok
    assert "Nora Nameless" in client.get(site_path(issued["verify_url"])).content.decode()

    # Once chosen, the name is fixed.
    again = nameless_client.post("/certificates/name/", {"name": "Someone Else"}, follow=True)
    assert "already show the name you chose" in again.content.decode()
    response = nameless_api.post(f"/api/v1/certificates/{issued['code']}/name/", {"name": "Someone Else"})
    assert response.status_code == 409
    assert nameless_api.get("/api/v1/certificates/").json()["results"][0]["learner_name"] == "Nora Nameless"


def test_the_name_can_be_chosen_through_the_api(
    nameless_api, tiny_course, complete, django_capture_on_commit_callbacks
):
    complete(nameless_api, tiny_course)
    code = nameless_api.get("/api/v1/certificates/").json()["results"][0]["code"]
    bad = nameless_api.post(f"/api/v1/certificates/{code}/name/", {"name": ""})
    assert bad.status_code == 400 and "name" in bad.json()["error"]["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        response = nameless_api.post(f"/api/v1/certificates/{code}/name/", {"name": "Nora Nameless"})
    assert response.status_code == 200
    assert response.json()["learner_name"] == "Nora Nameless" and response.json()["name_pending"] is False


def test_only_the_owner_may_choose_the_name(nameless_api, outsider_api, api, tiny_course, complete):
    complete(nameless_api, tiny_course)
    code = nameless_api.get("/api/v1/certificates/").json()["results"][0]["code"]
    assert outsider_api.post(f"/api/v1/certificates/{code}/name/", {"name": "Otto"}).status_code == 403
    assert api.post(f"/api/v1/certificates/{code}/name/", {"name": "Otto"}).status_code == 401


def test_an_invalid_name_is_refused_with_the_reason(nameless_client, nameless_api, tiny_course, complete):
    complete(nameless_api, tiny_course)
    response = nameless_client.post("/certificates/name/", {"name": "x" * 121})
    assert response.status_code == 400 and "How should your name appear?" in response.content.decode()
    response = nameless_client.post("/certificates/name/", {"name": "Bad\x07Name"})
    assert response.status_code == 400 and "cannot be printed" in response.content.decode()


def _course_callout(user, course, path="/courses/tiny-course/"):
    """The include the course page carries in its ``course_extra`` block."""
    from django.test import RequestFactory

    request = RequestFactory().get(path)
    request.user = user
    template = engines["django"].from_string(
        '{% include "certificates/_course_certificate.html" with course=course user=user %}'
    )
    return template.render({"course": course, "user": user}, request)


def test_the_course_page_callout_links_the_certificate(learner, tiny_course, certificate, django_assert_num_queries):
    with django_assert_num_queries(1):
        html = _course_callout(learner, tiny_course)
    assert "You earned a certificate" in html and certificate["code"] in html
    assert f'href="/verify/{certificate["code"]}/"' in html and site_path(certificate["pdf_url"]) in html
    assert "How should your name appear?" not in html


def test_the_course_page_callout_asks_for_the_name_and_is_empty_for_others(
    nameless, nameless_api, outsider, tiny_course, complete
):
    from django.contrib.auth.models import AnonymousUser

    complete(nameless_api, tiny_course)
    html = _course_callout(nameless, tiny_course)
    assert "How should your name appear?" in html and 'name="next" value="/courses/tiny-course/"' in html
    assert _course_callout(outsider, tiny_course).strip() == ""
    assert _course_callout(AnonymousUser(), tiny_course).strip() == ""


def test_the_list_api_needs_credentials_is_paginated_and_pinned(
    api, learner, learner_api, outsider_api, certificate, django_assert_max_num_queries
):
    assert api.get("/api/v1/certificates/").status_code == 401
    assert outsider_api.get("/api/v1/certificates/").json()["count"] == 0
    for n in range(4):
        course = Course.objects.create(slug=f"c{n}", title=f"Course {n}", published=True)
        Certificate.objects.create(
            code=f"BBBB-BBBB-BBBB-BBBB-BBB{n}", user=learner, course=course, learner_name="Lena Learner",
            course_title=course.title, score=0.9, issued_at="2025-01-01T00:00:00Z", credential={},
        )  # fmt: skip
    with django_assert_max_num_queries(3):  # the user (token), count, page with courses
        body = learner_api.get("/api/v1/certificates/?page_size=2").json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["next"] and body["previous"] is None
    assert body["results"][0]["code"] == certificate["code"]  # newest first
