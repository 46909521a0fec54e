"""Co-authors: the owner adds and removes them by username; they edit, but manage no one."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def authors_url(slug: str = "quiz-course") -> str:
    return reverse("authoring:authors", kwargs={"slug": slug})


def remove_url(user_id: int, slug: str = "quiz-course") -> str:
    return reverse("authoring:coauthor_remove", kwargs={"slug": slug, "user_id": user_id})


def test_owner_adds_a_coauthor_who_can_then_edit(
    instructor_client, other_instructor_client, other_instructor, quiz_course
):
    course_url = reverse("authoring:course", kwargs={"slug": "quiz-course"})
    assert other_instructor_client.get(course_url).status_code == 404
    response = instructor_client.post(authors_url(), {"username": "IVAN"})  # usernames match case-insensitively
    assert response.status_code == 302
    assert list(quiz_course.coauthors.all()) == [other_instructor]
    assert other_instructor_client.get(course_url).status_code == 200
    assert "A Quiz Course" in other_instructor_client.get("/authoring/").content.decode()
    settings = other_instructor_client.post(
        reverse("authoring:course_settings", kwargs={"slug": "quiz-course"}),
        {"title": "Quiz, co-written", "language": "en", "pass_mark": "50", "pages_read": "all"},
    )
    assert settings.status_code == 302


@pytest.mark.parametrize(
    ("username", "message"),
    [("nobody", "No user with that username."), ("lena", "is not an instructor"), ("ines", "owns this course")],
)
def test_only_existing_instructors_other_than_the_owner_can_be_added(instructor_client, learner, quiz_course,
                                                                      username, message):  # fmt: skip
    response = instructor_client.post(authors_url(), {"username": username})
    assert response.status_code == 400 and message in response.content.decode()
    assert not quiz_course.coauthors.exists()


def test_a_coauthor_cannot_add_or_remove_others_but_may_leave(
    other_instructor_client, other_instructor, django_user_model, quiz_course
):
    third = django_user_model.objects.create_user(username="tess", password="x", is_instructor=True)
    quiz_course.coauthors.add(other_instructor, third)
    page = other_instructor_client.get(authors_url()).content.decode()
    assert "Add co-author" not in page and "Leave the course" in page
    assert other_instructor_client.post(authors_url(), {"username": "lena"}).status_code == 403
    assert other_instructor_client.post(remove_url(third.pk)).status_code == 403
    assert set(quiz_course.coauthors.all()) == {other_instructor, third}
    # The owner is not a co-author, so there is nothing to remove.
    assert other_instructor_client.post(remove_url(quiz_course.owner_id)).status_code == 404
    left = other_instructor_client.post(remove_url(other_instructor.pk))
    assert left.status_code == 302 and left["Location"] == "/authoring/"
    assert list(quiz_course.coauthors.all()) == [third]


def test_owner_removes_a_coauthor_who_then_loses_access(
    instructor_client, other_instructor_client, other_instructor, quiz_course
):
    quiz_course.coauthors.add(other_instructor)
    assert instructor_client.post(remove_url(other_instructor.pk)).status_code == 302
    assert not quiz_course.coauthors.exists()
    assert other_instructor_client.get(reverse("authoring:course", kwargs={"slug": "quiz-course"})).status_code == 404


def test_staff_manage_authors_of_any_course(staff_client, other_instructor, quiz_course):
    assert staff_client.post(authors_url(), {"username": "ivan"}).status_code == 302
    assert staff_client.post(remove_url(other_instructor.pk)).status_code == 302
    assert not quiz_course.coauthors.exists()
