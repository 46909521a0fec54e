"""The reader in the browser's terms: pages over HTTP, progress, search, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courseware.models import Course, CourseProgress, Page, PageRead

pytestmark = pytest.mark.django_db


def page_url(slug_path: str) -> str:
    return f"/courses/tiny-course/{slug_path}/"


def test_catalogue_lists_published_courses_only(client, tiny_course):
    Course.objects.create(slug="draft-course", title="A Draft Course", published=False)
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "A Tiny Course" in body and "A Draft Course" not in body
    assert "3 pages" in body


def test_catalogue_query_count_is_pinned(client, tiny_course, django_assert_num_queries):
    for n in range(5):
        Course.objects.create(slug=f"c{n}", title=f"Course {n}", published=True)
    with django_assert_num_queries(1):
        client.get("/")


def test_course_overview_shows_chapters_pages_and_progress(learner_client, learner, tiny_course):
    page = Page.objects.get(slug="hello")
    PageRead.objects.create(user=learner, page=page, course=tiny_course)
    body = learner_client.get("/courses/tiny-course/").content.decode()
    assert "First steps" in body and "Second steps" in body
    assert "Trees grow rules" in body
    assert "1/2 read" in body
    assert "Continue reading" in body


def test_anonymous_visitor_reads_a_page_with_toc_and_next_link(client, tiny_course):
    response = client.get(page_url("first-steps/hello"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="page-title">Hello, models</h1>' in body
    assert 'aria-current="page"' in body
    assert "Next</span>Trees grow rules · 1 min" in body
    assert "Log in</a> to keep your progress" in body
    assert 'role="progressbar"' in body


def test_last_page_of_a_chapter_links_to_the_next_chapter(client, tiny_course):
    body = client.get(page_url("first-steps/trees")).content.decode()
    assert "Shapley values · 1 min" in body
    assert "Previous</span>Hello, models" in body


def test_page_view_query_count_is_pinned(learner_client, tiny_course, django_assert_max_num_queries):
    learner_client.get(page_url("first-steps/hello"))  # warm the session
    # session + user + page + where-I-am update + chapters + pages + reads + progress
    with django_assert_max_num_queries(8):
        learner_client.get(page_url("first-steps/hello"))


def test_course_view_query_count_does_not_grow_with_pages(learner_client, tiny_course):
    learner_client.get("/courses/tiny-course/")
    with CaptureQueriesContext(connection) as small:
        learner_client.get("/courses/tiny-course/")
    chapter = tiny_course.chapters.first()
    for n in range(10):
        Page.objects.create(
            course=tiny_course,
            chapter=chapter,
            slug=f"extra-{n}",
            title=f"Extra {n}",
            position=10 + n,
            sequence=10 + n,
            markdown="",
            html="",
        )
    with CaptureQueriesContext(connection) as large:
        learner_client.get("/courses/tiny-course/")
    assert len(large) == len(small)


def test_next_button_marks_read_and_moves_on(learner_client, learner, tiny_course):
    page = Page.objects.get(slug="hello")
    response = learner_client.post(f"/pages/{page.pk}/read/", {"next": page_url("first-steps/trees")})
    assert response.status_code == 302 and response["Location"] == page_url("first-steps/trees")
    progress = CourseProgress.objects.get(user=learner, course=tiny_course)
    assert progress.pages_read == 1 and progress.page_total == 3 and progress.percent == 33


def test_reaching_the_end_marks_read_via_htmx_and_returns_the_progress_bar(learner_client, tiny_course):
    page = Page.objects.get(slug="hello")
    response = learner_client.post(f"/pages/{page.pk}/read/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' in body and 'aria-valuenow="33"' in body
    # Reading twice changes nothing.
    body = learner_client.post(f"/pages/{page.pk}/read/", HTTP_HX_REQUEST="true").content.decode()
    assert 'aria-valuenow="33"' in body


def test_marking_read_needs_a_login_and_a_post(client, learner_client, tiny_course):
    page = Page.objects.get(slug="hello")
    assert client.post(f"/pages/{page.pk}/read/").status_code == 302  # to the log-in page
    assert learner_client.get(f"/pages/{page.pk}/read/").status_code == 405
    assert not PageRead.objects.exists()


def test_open_redirect_is_refused(learner_client, tiny_course):
    page = Page.objects.get(slug="hello")
    response = learner_client.post(f"/pages/{page.pk}/read/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_unpublished_course_is_hidden_from_outsiders_but_previewable_by_its_owner(
    client, outsider_client, instructor_client, instructor, tiny_course
):
    tiny_course.published = False
    tiny_course.owner = instructor
    tiny_course.save()
    assert client.get("/courses/tiny-course/").status_code == 404
    assert outsider_client.get(page_url("first-steps/hello")).status_code == 404
    assert instructor_client.get(page_url("first-steps/hello")).status_code == 200
    page = Page.objects.get(slug="hello")
    assert outsider_client.post(f"/pages/{page.pk}/read/").status_code == 404


def test_unknown_pages_are_404(client, tiny_course):
    assert client.get(page_url("first-steps/nope")).status_code == 404
    assert client.get("/courses/nope/").status_code == 404


def test_search_finds_pages_and_marks_the_words(client, tiny_course):
    body = client.get("/courses/tiny-course/search/", {"q": "shapley"}).content.decode()
    assert "1 result" in body and "Shapley values" in body and "<mark>" in body
    body = client.get("/courses/tiny-course/search/", {"q": "<script>xyzzy"}).content.decode()
    assert "Nothing matched" in body and "<script>xyzzy" not in body


def test_pages_are_accessible_landmarks(client, tiny_course):
    body = client.get(page_url("first-steps/hello")).content.decode()
    for landmark in (
        '<main id="main"',
        "<header",
        "<footer",
        'aria-label="Course contents"',
        'class="skip-link"',
        'lang="en"',
    ):
        assert landmark in body


def test_anonymous_pages_are_served_from_cache_until_content_changes(client, tiny_course, django_assert_num_queries):
    url = page_url("first-steps/hello")
    first = client.get(url)
    assert "X-Glassbook-Cache" not in first
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["X-Glassbook-Cache"] == "hit" and second.content == first.content
    page = Page.objects.get(slug="hello")
    page.title = "Hello again"
    page.save()
    third = client.get(url)
    assert "X-Glassbook-Cache" not in third and "Hello again" in third.content.decode()


def test_logged_in_readers_are_never_served_a_cached_page(client, learner_client, tiny_course):
    url = page_url("first-steps/hello")
    client.get(url)
    client.get(url)
    response = learner_client.get(url)
    assert "X-Glassbook-Cache" not in response and "Lena Learner" in response.content.decode()


def test_unpublishing_hides_a_cached_page_at_once(client, tiny_course):
    url = page_url("first-steps/hello")
    assert client.get(url).status_code == 200
    tiny_course.published = False
    tiny_course.save()
    assert client.get(url).status_code == 404
