"""Writing a course in the browser: courses, chapters, pages, the page editor and its preview."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courseware.models import Chapter, Course, CourseProgress, Page, PageRead

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs) -> str:
    return reverse(f"authoring:{name}", kwargs=kwargs)


def page_form(page: Page, **changes) -> dict:
    from courseware.authoring.services import page_version

    data = {
        "title": page.title,
        "slug": page.slug,
        "markdown": page.markdown,
        "version": page_version(page),
    }
    if page.published:
        data["published"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- courses ------------------------------------------------------------------------------------


def test_create_course_makes_an_unpublished_course_owned_by_the_creator(instructor_client, instructor):
    response = instructor_client.post(
        url("course_create"), {"title": "Explaining Models", "summary": "Short.", "language": "en", "slug": ""}
    )
    course = Course.objects.get(slug="explaining-models")
    assert response.status_code == 302 and response["Location"] == url("course", slug=course.slug)
    assert course.owner == instructor and not course.published
    dashboard = instructor_client.get(url("dashboard")).content.decode()
    assert "Explaining Models" in dashboard and "Draft" in dashboard


def test_create_course_refuses_a_taken_or_malformed_slug(instructor_client, owned_tiny):
    taken = instructor_client.post(url("course_create"), {"title": "X", "slug": "tiny-course", "language": "en"})
    assert taken.status_code == 200 and "This slug is taken" in taken.content.decode()
    bad = instructor_client.post(url("course_create"), {"title": "X", "slug": "Not A Slug", "language": "en"})
    assert "lowercase letters" in bad.content.decode()
    language = instructor_client.post(url("course_create"), {"title": "X", "language": "english!"})
    assert "language tag" in language.content.decode()
    assert Course.objects.count() == 1


def test_settings_change_the_completion_rule(instructor_client, owned_tiny):
    response = instructor_client.post(
        url("course_settings", slug="tiny-course"),
        {"title": "Tiny, renamed", "summary": "New.", "language": "de", "pass_mark": "65", "pages_read": "none"},
    )
    assert response.status_code == 302
    owned_tiny.refresh_from_db()
    assert owned_tiny.title == "Tiny, renamed" and owned_tiny.language == "de"
    assert owned_tiny.pass_mark == pytest.approx(0.65) and owned_tiny.require_all_pages is False
    bad = instructor_client.post(
        url("course_settings", slug="tiny-course"),
        {"title": "T", "language": "en", "pass_mark": "150", "pages_read": "all"},
    )
    assert bad.status_code == 200 and "less than or equal to 100" in bad.content.decode()


def test_publishing_needs_a_published_page(instructor_client, instructor):
    course = Course.objects.create(slug="empty", title="Empty", owner=instructor)
    response = instructor_client.post(url("course_publish", slug="empty"), {"published": "1"}, follow=True)
    assert "at least one page" in response.content.decode()
    course.refresh_from_db()
    assert not course.published


# --- chapters and pages -------------------------------------------------------------------------


@pytest.fixture
def draft_course(instructor_client, instructor) -> Course:
    instructor_client.post(url("course_create"), {"title": "Draft Course", "language": "en"})
    course = Course.objects.get(slug="draft-course")
    for title in ("First", "Second"):
        instructor_client.post(url("chapter_add", slug=course.slug), {"chapter-title": title, "chapter-slug": ""})
    first, second = course.chapters.order_by("position")
    for chapter, titles in ((first, ("One", "Two", "Three")), (second, ("Four",))):
        for title in titles:
            instructor_client.post(
                url("page_add", slug=course.slug, chapter_id=chapter.pk), {f"page-{chapter.pk}-title": title}
            )
    return course


def ordered(course: Course) -> list[tuple[str, int, int]]:
    return list(Page.objects.filter(course=course).order_by("sequence").values_list("slug", "position", "sequence"))


def test_chapters_and_pages_are_added_in_order(draft_course):
    assert list(draft_course.chapters.order_by("position").values_list("slug", "position")) == [
        ("first", 1),
        ("second", 2),
    ]
    assert ordered(draft_course) == [("one", 1, 1), ("two", 2, 2), ("three", 3, 3), ("four", 1, 4)]
    # In a draft course new pages go live with the course.
    assert Page.objects.filter(course=draft_course, published=True).count() == 4
    draft_course.refresh_from_db()
    assert draft_course.chapter_count == 2 and draft_course.page_count == 4


def test_adding_a_page_redirects_to_its_editor_and_duplicate_slugs_are_refused(instructor_client, draft_course):
    chapter = draft_course.chapters.get(slug="first")
    response = instructor_client.post(
        url("page_add", slug=draft_course.slug, chapter_id=chapter.pk), {f"page-{chapter.pk}-title": "Five"}
    )
    page = Page.objects.get(slug="five")
    assert response["Location"] == url("page", slug=draft_course.slug, page_id=page.pk)
    again = instructor_client.post(
        url("page_add", slug=draft_course.slug, chapter_id=chapter.pk), {f"page-{chapter.pk}-title": "Five"}
    )
    assert again.status_code == 400 and "already has a page" in again.content.decode()


def test_a_page_added_to_a_published_course_starts_as_a_draft(instructor_client, draft_course):
    draft_course.published = True
    draft_course.save()
    chapter = draft_course.chapters.get(slug="second")
    instructor_client.post(
        url("page_add", slug=draft_course.slug, chapter_id=chapter.pk), {f"page-{chapter.pk}-title": "Late"}
    )
    assert Page.objects.get(slug="late").published is False


def test_move_pages_and_chapters_up_and_down(instructor_client, draft_course):
    three = Page.objects.get(slug="three")
    instructor_client.post(url("page_move", slug=draft_course.slug, page_id=three.pk), {"direction": "up"})
    assert ordered(draft_course) == [("one", 1, 1), ("three", 2, 2), ("two", 3, 3), ("four", 1, 4)]
    one = Page.objects.get(slug="one")
    instructor_client.post(
        url("page_move", slug=draft_course.slug, page_id=one.pk), {"direction": "up"}
    )  # already first
    assert ordered(draft_course)[0] == ("one", 1, 1)
    second = draft_course.chapters.get(slug="second")
    response = instructor_client.post(
        url("chapter_move", slug=draft_course.slug, chapter_id=second.pk), {"direction": "up"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="outline"' in body and "<html" not in body
    assert f'data-moved="chapter-{second.pk}"' in body
    assert ordered(draft_course) == [("four", 1, 1), ("one", 1, 2), ("three", 2, 3), ("two", 3, 4)]
    assert list(draft_course.chapters.order_by("position").values_list("slug", flat=True)) == ["second", "first"]


def test_move_buttons_are_labelled_for_screen_readers(instructor_client, draft_course):
    body = instructor_client.get(url("course", slug=draft_course.slug)).content.decode()
    assert 'aria-label="Move page Two up"' in body and 'aria-label="Move chapter First down"' in body


def test_delete_page_and_chapter(instructor_client, draft_course):
    two = Page.objects.get(slug="two")
    confirm = instructor_client.get(url("page_delete", slug=draft_course.slug, page_id=two.pk))
    assert "Delete the page" in confirm.content.decode()
    instructor_client.post(url("page_delete", slug=draft_course.slug, page_id=two.pk))
    assert ordered(draft_course) == [("one", 1, 1), ("three", 2, 2), ("four", 1, 3)]
    first = draft_course.chapters.get(slug="first")
    instructor_client.post(url("chapter_delete", slug=draft_course.slug, chapter_id=first.pk))
    assert ordered(draft_course) == [("four", 1, 1)]
    assert list(Chapter.objects.filter(course=draft_course).values_list("slug", "position")) == [("second", 1)]


def test_edit_chapter_title_and_slug(instructor_client, draft_course):
    chapter = draft_course.chapters.get(slug="first")
    instructor_client.post(
        url("chapter", slug=draft_course.slug, chapter_id=chapter.pk),
        {"title": "The very first", "slug": "very-first", "summary": "Hi"},
    )
    chapter.refresh_from_db()
    assert (chapter.title, chapter.slug, chapter.summary) == ("The very first", "very-first", "Hi")
    clash = instructor_client.post(
        url("chapter", slug=draft_course.slug, chapter_id=chapter.pk), {"title": "X", "slug": "second"}
    )
    assert "already has a chapter" in clash.content.decode()


# --- the page editor ----------------------------------------------------------------------------


def test_saving_a_page_renders_it_with_the_reader_pipeline(instructor_client, owned_tiny):
    page = Page.objects.get(slug="trees")
    body = 'Trees **split**.\n\n## Depth\n\nMath $x^2$.\n\n!!! tip "Hint"\n    Keep it shallow.\n'
    response = instructor_client.post(url("page", slug="tiny-course", page_id=page.pk), page_form(page, markdown=body))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.markdown == body
    assert "<strong>split</strong>" in page.html and "<math" in page.html and 'class="admonition tip"' in page.html
    assert page.toc == [{"level": 2, "id": "depth", "title": "Depth"}]


def test_a_page_with_problems_is_not_saved_and_problems_name_the_line(instructor_client, owned_tiny):
    page = Page.objects.get(slug="trees")
    before = (page.markdown, page.html)
    body = "Fine line.\n\n!!! notee\n    typo\n\n```{mystery}\nwhat\n```\n"
    response = instructor_client.post(
        url("page", slug="tiny-course", page_id=page.pk), page_form(page, markdown=body, title="New title")
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "Not saved." in text
    assert 'data-goto-line="3"' in text and "unknown admonition" in text
    assert 'data-goto-line="6"' in text and "unknown directive" in text
    page.refresh_from_db()
    assert (page.markdown, page.html) == before and page.title == "Trees grow rules"


def test_an_exercise_with_bad_yaml_reports_the_line_in_the_page(instructor_client, owned_tiny):
    page = Page.objects.get(slug="trees")
    body = "Intro.\n\n```{exercise}\nid: q1\nkind: multiple_choice\nprompt: Which?\nchoices:\n  - text: A\n  - text: B\n```\n"
    response = instructor_client.post(url("page", slug="tiny-course", page_id=page.pk), page_form(page, markdown=body))
    text = response.content.decode()
    assert response.status_code == 400 and "at least one choice must have" in text
    assert 'data-goto-line="8"' in text  # the choices' first line in the page text, as an import reports it


def test_page_slug_can_change_and_the_row_is_kept(instructor_client, owned_tiny, learner):
    page = Page.objects.get(slug="trees")
    PageRead.objects.create(user=learner, page=page, course=owned_tiny)
    instructor_client.post(url("page", slug="tiny-course", page_id=page.pk), page_form(page, slug="forests"))
    assert Page.objects.filter(pk=page.pk, slug="forests").exists()
    assert Page.objects.count() == 3 and PageRead.objects.filter(page_id=page.pk).exists()
    clash = instructor_client.post(
        url("page", slug="tiny-course", page_id=page.pk), page_form(Page.objects.get(pk=page.pk), slug="hello")
    )
    assert clash.status_code == 400 and "already has a page" in clash.content.decode()


def test_a_stale_editor_does_not_overwrite_a_newer_save(instructor_client, owned_tiny):
    page = Page.objects.get(slug="trees")
    stale = page_form(page, markdown="Mine.\n")
    instructor_client.post(url("page", slug="tiny-course", page_id=page.pk), page_form(page, markdown="Theirs.\n"))
    response = instructor_client.post(url("page", slug="tiny-course", page_id=page.pk), stale)
    assert response.status_code == 400 and "Someone saved this page" in response.content.decode()
    page.refresh_from_db()
    assert page.markdown == "Theirs.\n"


def test_editing_a_published_page_keeps_reads_progress_and_attempts(
    instructor_client, quiz_course, learner, learner_api
):
    from exercises.models import Attempt, Exercise

    page = Page.objects.get(slug="models")
    learner_api.post(f"/api/v1/pages/{page.pk}/read/")
    exercise = Exercise.objects.get(key="what-is-a-model")
    right = exercise.choices.get(correct=True)
    answered = learner_api.post(f"/api/v1/exercises/{exercise.pk}/attempts/", {"choices": [right.pk]}, format="json")
    assert answered.status_code == 201 and answered.json()["correct"] is True
    before = CourseProgress.objects.get(user=learner, course=quiz_course)

    new_body = page.markdown.replace("A model maps", "A trained model maps").replace(
        "What does a trained model do?", "What does a model do, once trained?"
    )
    response = instructor_client.post(
        url("page", slug=quiz_course.slug, page_id=page.pk), page_form(page, markdown=new_body, title="Models predict!")
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    page.refresh_from_db()
    assert "A trained model maps" in page.html and page.title == "Models predict!"
    assert PageRead.objects.filter(user=learner, page=page).exists()
    exercise.refresh_from_db()
    assert exercise.page_id == page.pk and "once trained" in exercise.prompt_markdown
    assert Attempt.objects.filter(user=learner, exercise=exercise, correct=True).count() == 1
    progress = learner_api.get(f"/api/v1/courses/{quiz_course.slug}/progress/").json()
    assert progress["pages_read"] == before.pages_read and progress["exercises_passed"] == before.exercises_passed


def test_an_exercise_id_used_on_another_page_is_reported_with_both_places(instructor_client, quiz_course):
    page = Page.objects.get(slug="trees")
    body = (
        "Trees.\n\n```{exercise}\nid: what-is-a-model\nkind: multiple_choice\nprompt: Again?\n"
        "choices:\n  - text: Sure\n    correct: true\n  - text: Nope\n```\n"
    )
    response = instructor_client.post(
        url("page", slug=quiz_course.slug, page_id=page.pk), page_form(page, markdown=body)
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "id &#x27;what-is-a-model&#x27; is also used at 01-basics/01-models.md" in text
    assert 'data-goto-line="3"' in text


def test_unpublishing_a_page_hides_it_from_learners(instructor_client, client, owned_tiny):
    page = Page.objects.get(slug="trees")
    instructor_client.post(url("page", slug="tiny-course", page_id=page.pk), page_form(page, published=None))
    page.refresh_from_db()
    assert page.published is False
    assert client.get("/courses/tiny-course/first-steps/trees/").status_code == 404
    owned_tiny.refresh_from_db()
    assert owned_tiny.page_count == 2


# --- preview ------------------------------------------------------------------------------------


def test_preview_renders_markdown_and_placeholders_without_saving(instructor_client, quiz_course):
    page = Page.objects.get(slug="trees")
    before = page.markdown
    body = (
        "Hello *world*.\n\n```{exercise}\nid: new-one\nkind: multiple_choice\ntitle: Fresh question\n"
        "prompt: Pick **one**\nchoices:\n  - text: A\n    correct: true\n  - text: B\n```\n"
    )
    response = instructor_client.post(
        url("page_preview", slug=quiz_course.slug, page_id=page.pk),
        {"title": "Trees", "markdown": body},
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    assert "<em>world</em>" in text and "No problems found" in text
    assert 'data-directive="exercise"' in text and "Fresh question" in text and "<strong>one</strong>" in text
    page.refresh_from_db()
    assert page.markdown == before


def test_preview_shows_problems_with_lines_and_escapes_the_source(instructor_client, owned_tiny):
    page = Page.objects.get(slug="trees")
    body = "Text.\n\n```{nope}\n<script>alert(1)</script>\n```\n"
    text = instructor_client.post(
        url("page_preview", slug="tiny-course", page_id=page.pk), {"title": "T", "markdown": body}
    ).content.decode()
    assert 'data-goto-line="3"' in text and "unknown directive" in text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text


def test_editor_page_shows_preview_and_markdown_editor(instructor_client, quiz_course):
    page = Page.objects.get(slug="models")
    text = instructor_client.get(url("page", slug=quiz_course.slug, page_id=page.pk)).content.decode()
    assert 'data-editor="markdown"' in text and 'hx-post="' in text and "What a model does" in text
    assert "dist/authoring.js" in text


def test_learner_view_shows_a_draft_page_in_the_reader(instructor_client, quiz_course, client):
    draft = Page.objects.get(slug="draft")
    response = instructor_client.get(url("page_learner", slug=quiz_course.slug, page_id=draft.pk))
    text = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="page-title">A draft page</h1>' in text
    assert "Preview as a learner" in text and "Learners cannot see this page" in text
    assert "page 4 of 4" in text  # in its place among the pages, drafts included
    assert client.get("/courses/quiz-course/deeper/draft/").status_code == 404


def test_dashboard_query_count_does_not_grow_with_courses(instructor_client, instructor, django_assert_max_num_queries):
    Course.objects.create(slug="c0", title="C0", owner=instructor)
    instructor_client.get(url("dashboard"))
    with django_assert_max_num_queries(4) as small:
        instructor_client.get(url("dashboard"))
    for n in range(1, 8):
        Course.objects.create(slug=f"c{n}", title=f"C{n}", owner=instructor)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = instructor_client.get(url("dashboard")).content.decode()
    assert "C7" in body


# --- runnable examples: saved like an import, through the sandbox -------------------------------


def test_saving_a_page_runs_its_examples_and_stores_their_output(instructor_client, owned_tiny, sandbox_server):
    from runs.models import Runnable

    page = Page.objects.get(slug="trees")
    good = "Run this:\n\n```{runnable}\nprint('leaves', 2 ** 3)\n```\n"
    response = instructor_client.post(url("page", slug="tiny-course", page_id=page.pk), page_form(page, markdown=good))
    assert response.status_code == 302, response.content.decode()[:2000]
    runnable = Runnable.objects.get(page=page)
    assert "leaves 8" in runnable.output.get("stdout", "")

    broken = "Run this:\n\n```{runnable}\nx = 1\nraise ValueError('no leaves')\n```\n"
    page.refresh_from_db()
    response = instructor_client.post(
        url("page", slug="tiny-course", page_id=page.pk), page_form(page, markdown=broken)
    )
    text = response.content.decode()
    assert response.status_code == 400 and "no leaves" in text
    assert 'data-goto-line="' in text
    page.refresh_from_db()
    assert page.markdown == good
