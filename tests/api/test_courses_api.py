from __future__ import annotations

import pytest

from courseware.models import Course, Page

pytestmark = pytest.mark.django_db


def test_course_list_is_paginated_and_published_only(api, tiny_course, django_assert_max_num_queries):
    Course.objects.create(slug="hidden", title="Hidden", published=False)
    with django_assert_max_num_queries(2):  # count + page
        body = api.get("/api/v1/courses/").json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    assert body["results"] == [
        {
            "slug": "tiny-course",
            "title": "A Tiny Course",
            "summary": "Two chapters, three pages, used by the tests.",
            "language": "en",
            "chapter_count": 2,
            "page_count": 3,
            "estimated_minutes": tiny_course.estimated_minutes,
        }
    ]


def test_course_detail_has_chapters_and_pages(api, tiny_course):
    body = api.get("/api/v1/courses/tiny-course/").json()
    assert [c["slug"] for c in body["chapters"]] == ["first-steps", "second-steps"]
    first = body["chapters"][0]
    assert set(first) >= {"slug", "title", "position", "pages"}
    assert [p["slug"] for p in first["pages"]] == ["hello", "trees"]
    assert set(first["pages"][0]) >= {"id", "slug", "title", "position", "reading_minutes"}


def test_page_detail_has_html_and_neighbours(api, tiny_course):
    page = Page.objects.get(slug="trees")
    body = api.get(f"/api/v1/pages/{page.pk}/").json()
    assert body["id"] == page.pk and body["course"] == "tiny-course" and body["title"] == "Trees grow rules"
    assert "<table>" in body["html"]
    assert body["previous"]["title"] == "Hello, models"
    assert body["next"]["title"] == "Shapley values"
    assert body["exercises"] == [] and body["runnables"] == [] and body["explainlab"] == []


def test_reading_enrolling_and_progress(learner_api, tiny_course):
    assert learner_api.post("/api/v1/courses/tiny-course/enroll/").status_code == 201
    assert learner_api.post("/api/v1/courses/tiny-course/enroll/").status_code == 200
    for slug in ("hello", "trees", "shapley"):
        page = Page.objects.get(slug=slug)
        result = learner_api.post(f"/api/v1/pages/{page.pk}/read/").json()
    assert result["progress"]["pages_read"] == 3 and result["progress"]["percent"] == 100
    progress = learner_api.get("/api/v1/courses/tiny-course/progress/").json()
    assert progress["completed"] is True and progress["page_total"] == 3
    assert progress["certificate"] is None or isinstance(progress["certificate"], str)


def test_progress_and_reading_need_credentials(api, tiny_course):
    page = Page.objects.get(slug="hello")
    assert api.post(f"/api/v1/pages/{page.pk}/read/").status_code == 401
    assert api.get("/api/v1/courses/tiny-course/progress/").status_code == 401


def test_unpublished_and_unknown_are_404_for_outsiders(outsider_api, instructor_api, instructor, tiny_course):
    tiny_course.published = False
    tiny_course.owner = instructor
    tiny_course.save()
    page = Page.objects.get(slug="hello")
    for path in (
        "/api/v1/courses/tiny-course/",
        f"/api/v1/pages/{page.pk}/",
        "/api/v1/courses/nope/",
        "/api/v1/pages/999999/",
    ):
        response = outsider_api.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert outsider_api.post(f"/api/v1/pages/{page.pk}/read/").status_code == 404
    assert instructor_api.get(f"/api/v1/pages/{page.pk}/").status_code == 200


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/courses/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    # The UI's assets come from this site, not a CDN.
    assert b"cdn.jsdelivr" not in docs.content and b"unpkg" not in docs.content
