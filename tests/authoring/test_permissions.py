"""Who may author: every authoring URL, walked as each kind of user."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from courseware.authoring import urls as authoring_urls
from courseware.models import Course, Page

pytestmark = pytest.mark.django_db


def every_authoring_url(course: Course, coauthor_id: int) -> list[str]:
    """Each pattern of the authoring URLconf, filled in for ``course`` — a new URL is walked
    without anyone adding it here."""
    chapter = course.chapters.order_by("position").first()
    page = Page.objects.filter(course=course).order_by("sequence").first()
    values = {
        "slug": course.slug,
        "chapter_id": chapter.pk,
        "page_id": page.pk,
        "user_id": coauthor_id,
        "index": 0,
        "table": "summary",
        "chart": "funnel",
    }
    urls = []
    for pattern in authoring_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        wanted = pattern.pattern.converters.keys()
        urls.append(reverse(f"authoring:{pattern.name}", kwargs={key: values[key] for key in wanted}))
    return urls


@pytest.fixture
def walked(quiz_course, other_instructor):
    quiz_course.coauthors.add(other_instructor)
    urls = every_authoring_url(quiz_course, other_instructor.pk)
    quiz_course.coauthors.remove(other_instructor)
    return urls


def api_urls(course: Course) -> list[str]:
    return [reverse("api-authoring-import"), reverse("api-authoring-export", kwargs={"slug": course.slug})]


@pytest.mark.parametrize("who", ["learner_client", "outsider_client"])
def test_learners_and_outsiders_get_404_on_every_authoring_url(request, who, walked, quiz_course):
    client = request.getfixturevalue(who)
    assert len(walked) >= 20
    for url in walked:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 404, f"{method.upper()} {url} as {who}: {response.status_code}"
    assert Course.objects.get(pk=quiz_course.pk).title == "A Quiz Course"


def test_an_instructor_who_is_not_an_author_gets_404_on_every_course_url(other_instructor_client, walked, quiz_course):
    before = Page.objects.filter(course=quiz_course).count()
    course_urls = [u for u in walked if f"/courses/{quiz_course.slug}/" in u]
    assert course_urls
    for url in course_urls:
        for method in ("get", "post"):
            response = getattr(other_instructor_client, method)(url)
            assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
    assert Page.objects.filter(course=quiz_course).count() == before
    # …and the dashboard does not list it.
    body = other_instructor_client.get("/authoring/").content.decode()
    assert "A Quiz Course" not in body


def test_anonymous_visitors_are_sent_to_log_in(client, walked):
    for url in walked:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


@pytest.mark.parametrize("who", ["learner_api", "outsider_api"])
def test_api_answers_404_to_learners_and_outsiders(request, who, quiz_course):
    api = request.getfixturevalue(who)
    export = api.get(api_urls(quiz_course)[1])
    assert export.status_code == 404
    assert export.json()["error"]["code"] == "not_found"
    imported = api.post(api_urls(quiz_course)[0], {}, format="multipart")
    assert imported.status_code == 404


def test_api_asks_anonymous_callers_to_authenticate(api, quiz_course):
    assert api.get(api_urls(quiz_course)[1]).status_code == 401
    assert api.post(api_urls(quiz_course)[0], {}, format="multipart").status_code == 401


def test_other_instructor_cannot_export_over_the_api(other_instructor_api, quiz_course):
    assert other_instructor_api.get(api_urls(quiz_course)[1]).status_code == 404


def test_owner_coauthor_and_staff_may_open_the_course(instructor_client, other_instructor_client, staff_client,
                                                       other_instructor, quiz_course):  # fmt: skip
    url = reverse("authoring:course", kwargs={"slug": quiz_course.slug})
    assert instructor_client.get(url).status_code == 200
    assert staff_client.get(url).status_code == 200
    assert other_instructor_client.get(url).status_code == 404
    quiz_course.coauthors.add(other_instructor)
    assert other_instructor_client.get(url).status_code == 200


def test_a_coauthor_who_stops_being_an_instructor_loses_access(other_instructor, other_instructor_client, quiz_course):
    quiz_course.coauthors.add(other_instructor)
    other_instructor.is_instructor = False
    other_instructor.save()
    assert (
        other_instructor_client.get(reverse("authoring:course", kwargs={"slug": quiz_course.slug})).status_code == 404
    )


def test_teach_link_shows_for_instructors_only(instructor_client, learner_client):
    assert 'href="/authoring/"' in instructor_client.get("/").content.decode()
    assert 'href="/authoring/"' not in learner_client.get("/").content.decode()
