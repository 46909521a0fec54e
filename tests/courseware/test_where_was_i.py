"""Where was I: the home page lists my courses with progress and Continue to the page I last
opened; the course page and /certificates/ say what the certificate needs and what is left."""

from __future__ import annotations

import re

import pytest

from courseware.models import CourseProgress, Page, PageRead

pytestmark = pytest.mark.django_db


def continue_link(body: str) -> str:
    match = re.search(r'<a class="button continue-link" href="([^"]+)">', body)
    assert match, "no Continue link"
    return match.group(1)


def test_home_page_continues_at_the_page_last_opened_not_the_first_unread(learner_client, learner, tiny_course):
    assert "My courses" not in learner_client.get("/").content.decode()
    # Opened the second page, then the third: neither is read, the first is unread too.
    learner_client.get("/courses/tiny-course/first-steps/trees/")
    learner_client.get("/courses/tiny-course/second-steps/shapley/")
    body = learner_client.get("/").content.decode()
    assert "My courses" in body
    assert continue_link(body) == "/courses/tiny-course/second-steps/shapley/"
    assert "0% · 0/3 pages read" in body
    assert "Left:" in body and "3 pages to read" in body

    # Going back to an earlier page moves Continue there.
    learner_client.get("/courses/tiny-course/first-steps/hello/")
    assert continue_link(learner_client.get("/").content.decode()) == "/courses/tiny-course/first-steps/hello/"


def test_home_page_shows_only_the_learners_own_courses(learner_client, outsider_client, tiny_course):
    learner_client.get("/courses/tiny-course/first-steps/trees/")
    assert "My courses" not in outsider_client.get("/").content.decode()


def test_anonymous_home_page_has_no_my_courses(client, tiny_course):
    client.get("/courses/tiny-course/first-steps/trees/")
    assert "My courses" not in client.get("/").content.decode()


def test_a_page_later_unpublished_falls_back_to_the_course(learner_client, tiny_course):
    learner_client.get("/courses/tiny-course/first-steps/trees/")
    Page.objects.filter(slug="trees").update(published=False)
    assert continue_link(learner_client.get("/").content.decode()) == "/courses/tiny-course/"


def test_course_page_shows_the_certificate_rule_and_what_is_left(learner_client, learner, tiny_course):
    PageRead.objects.create(user=learner, page=Page.objects.get(slug="hello"), course=tiny_course)
    learner_client.get("/courses/tiny-course/first-steps/trees/")
    body = learner_client.get("/courses/tiny-course/").content.decode()
    assert "<strong>Certificate:</strong>" in body
    assert "read every page" in body
    assert "Left:" in body and "2 pages to read" in body
    # Continue reading goes to the page last opened.
    assert re.search(r'<a class="button" href="/courses/tiny-course/first-steps/trees/">Continue reading</a>', body)


def test_certificates_page_shows_courses_on_the_way(learner_client, learner, tiny_course):
    learner_client.get("/courses/tiny-course/first-steps/hello/")
    body = learner_client.get("/certificates/").content.decode()
    assert "On the way" in body and "A Tiny Course" in body
    assert "3 pages to read" in body
    row = CourseProgress.objects.get(user=learner, course=tiny_course)
    assert row.last_page.slug == "hello"


def test_home_page_query_count_does_not_grow_with_courses(learner_client, learner, tiny_course):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from courseware.models import Course

    learner_client.get("/courses/tiny-course/first-steps/hello/")
    with CaptureQueriesContext(connection) as one:
        learner_client.get("/")
    for n in range(4):
        course = Course.objects.create(slug=f"c{n}", title=f"Course {n}", published=True)
        CourseProgress.objects.create(user=learner, course=course)
    with CaptureQueriesContext(connection) as five:
        learner_client.get("/")
    assert len(five) == len(one)
