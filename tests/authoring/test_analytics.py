"""Learner analytics: the numbers, the charts, the CSVs, and a query count that does not grow."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courseware.models import Course, Enrollment, Page, PageRead

pytestmark = pytest.mark.django_db

TEN_DAYS = 10 * 24 * 60  # minutes

CODING_PAGE = """---
title: Code it
---
Sum some numbers.

```{exercise}
id: sum-list
kind: coding
title: Add them up
prompt: Store the sum of `numbers` in `total`.
starter: |
  numbers = [1, 2, 3]
  total = ...
solution: |
  numbers = [1, 2, 3]
  total = sum(numbers)
checks:
  - name: total is the sum
    observe: total
  - name: total is an int
    observe: type_name(total)
    expect: int
```
"""


@pytest.fixture
def course(quiz_course_dir, import_dir, instructor) -> Course:
    (quiz_course_dir / "02-deeper/03-code.md").write_text(CODING_PAGE)
    import_dir(quiz_course_dir, "--no-verify", "--owner", instructor.username)
    return Course.objects.get(slug="quiz-course")


def make_learners(django_user_model, prefix: str, n: int) -> list:
    # No password hashing: these users never log in, and hashing is slow by design.
    return django_user_model.objects.bulk_create(
        [django_user_model(username=f"{prefix}{i}", password="!") for i in range(n)]
    )


def attempt(user, exercise, *, correct: bool, minutes_ago: int, choices=(), checks=()):
    from exercises.models import Attempt

    row = Attempt.objects.create(
        user=user,
        exercise=exercise,
        status="graded",
        correct=correct,
        choice_ids=list(choices),
        checks=[{"name": name, "passed": passed, "message": "", "hidden": False} for name, passed in checks],
    )
    Attempt.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return row


def read(user, slug: str, *, days_ago: float = 0):
    page = Page.objects.get(slug=slug)
    row = PageRead.objects.create(user=user, page=page, course=page.course)
    PageRead.objects.filter(pk=row.pk).update(read_at=timezone.now() - timedelta(days=days_ago))


@pytest.fixture
def activity(course, django_user_model, instructor):
    """Three learners and the author (who must not count)."""
    from exercises.models import Exercise

    a, b, c = make_learners(django_user_model, "learner", 3)
    for user in (a, b, c, instructor):
        Enrollment.objects.create(user=user, course=course)
    mc1 = Exercise.objects.get(key="what-is-a-model")
    mc2 = Exercise.objects.get(key="feature-kinds")
    code = Exercise.objects.get(key="sum-list")
    right1, wrong1 = mc1.choices.get(correct=True), mc1.choices.get(key="2")
    right2 = list(mc2.choices.filter(correct=True).values_list("pk", flat=True))

    read(a, "models")
    read(a, "features", days_ago=3)
    read(b, "models", days_ago=10)
    read(c, "models", days_ago=60)
    read(instructor, "models")
    read(instructor, "features")

    attempt(a, mc1, correct=False, minutes_ago=30, choices=[wrong1.pk])
    attempt(a, mc1, correct=True, minutes_ago=20, choices=[right1.pk])
    attempt(b, mc1, correct=True, minutes_ago=TEN_DAYS, choices=[right1.pk])
    attempt(a, mc2, correct=True, minutes_ago=10, choices=right2)
    attempt(a, code, correct=False, minutes_ago=9, checks=[("total is the sum", True), ("total is an int", False)])
    attempt(a, code, correct=True, minutes_ago=8, checks=[("total is the sum", True), ("total is an int", True)])
    attempt(
        b,
        code,
        correct=False,
        minutes_ago=TEN_DAYS - 1,
        checks=[("total is the sum", False), ("total is an int", False)],
    )
    attempt(instructor, mc1, correct=False, minutes_ago=5, choices=[wrong1.pk])  # the author: not counted
    return {"a": a, "b": b, "c": c}


def test_report_numbers(course, activity):
    from courseware.authoring.analytics import course_report

    report = course_report(course)
    assert (report.enrolled, report.active_7, report.active_30, report.completed) == (3, 1, 2, 0)
    assert [(r.title, r.pages, r.completed) for r in report.funnel] == [("Basics", 2, 1), ("Deeper", 2, 0)]
    reads = {r.title: r.reads for r in report.pages}
    assert reads == {"Models predict": 3, "Features": 1, "Trees": 0, "A draft page": 0, "Code it": 0}
    by_key = {r.key: r for r in report.exercises}
    mc1 = by_key["what-is-a-model"]
    assert (mc1.attempts, mc1.learners, mc1.passed, mc1.first_try) == (3, 2, 2, 1)
    assert mc1.pass_rate == 1.0 and mc1.first_try_rate == 0.5 and mc1.median_attempts_to_pass == 1.5
    mc2 = by_key["feature-kinds"]
    assert (mc2.attempts, mc2.learners, mc2.passed, mc2.first_try, mc2.median_attempts_to_pass) == (1, 1, 1, 1, 1.0)
    code = by_key["sum-list"]
    assert (code.attempts, code.learners, code.passed, code.first_try) == (3, 2, 1, 0)
    assert code.pass_rate == 0.5 and code.median_attempts_to_pass == 2.0
    assert [(w.exercise, w.choice, w.times) for w in report.wrong_choices] == [
        ("What a model does", "It collects the data.", 1)
    ]
    assert report.wrong_choices[0].share == pytest.approx(1 / 3)
    assert [(f.check, f.failures, f.runs) for f in report.failing_checks] == [
        ("total is an int", 2, 3),
        ("total is the sum", 1, 3),
    ]


def test_the_page_shows_tables_and_charts_and_closes_its_figures(instructor_client, course, activity):
    import matplotlib.pyplot as plt

    response = instructor_client.get(reverse("authoring:analytics", kwargs={"slug": course.slug}))
    body = response.content.decode()
    assert response.status_code == 200
    assert "It collects the data." in body and "total is an int" in body and "1.5" in body
    for chart in ("funnel", "reads", "exercises"):
        src = reverse("authoring:analytics_chart", kwargs={"slug": course.slug, "chart": chart})
        assert f'src="{src}"' in body
        image = instructor_client.get(src)
        assert image.status_code == 200 and image["Content-Type"] == "image/png"
        assert image.content.startswith(b"\x89PNG\r\n")
    assert plt.get_fignums() == []
    missing = reverse("authoring:analytics_chart", kwargs={"slug": course.slug, "chart": "nope"})
    assert instructor_client.get(missing).status_code == 404


def test_csv_export_of_every_table(instructor_client, course, activity):
    from courseware.authoring.analytics import TABLES

    for table in TABLES:
        response = instructor_client.get(
            reverse("authoring:analytics_csv", kwargs={"slug": course.slug, "table": table})
        )
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"] == f'attachment; filename="quiz-course-{table}.csv"'
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert len(rows) >= 2, table
    exercises = list(csv.DictReader(io.StringIO(instructor_client.get(
        reverse("authoring:analytics_csv", kwargs={"slug": course.slug, "table": "exercises"})).content.decode())))  # fmt: skip
    assert exercises[0]["id"] == "what-is-a-model" and exercises[0]["median_attempts_to_pass"] == "1.5"
    missing = instructor_client.get(reverse("authoring:analytics_csv", kwargs={"slug": course.slug, "table": "nope"}))
    assert missing.status_code == 404


def test_csv_cells_cannot_become_spreadsheet_formulas(instructor_client, course, activity):
    course.chapters.filter(slug="basics").update(title='=HYPERLINK("http://evil")')
    text = instructor_client.get(
        reverse("authoring:analytics_csv", kwargs={"slug": course.slug, "table": "funnel"})
    ).content.decode()
    assert "'=HYPERLINK" in text


def test_query_count_does_not_grow_with_learners(instructor_client, course, activity, django_user_model,
                                                 django_assert_max_num_queries):  # fmt: skip
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exercises.models import Exercise

    url = reverse("authoring:analytics", kwargs={"slug": course.slug})
    instructor_client.get(url)
    with CaptureQueriesContext(connection) as few:
        instructor_client.get(url)

    mc1 = Exercise.objects.get(key="what-is-a-model")
    code = Exercise.objects.get(key="sum-list")
    wrong = mc1.choices.get(key="3")
    for user in make_learners(django_user_model, "more", 40):
        Enrollment.objects.create(user=user, course=course)
        read(user, "models")
        read(user, "features")
        attempt(user, mc1, correct=False, minutes_ago=3, choices=[wrong.pk])
        attempt(user, code, correct=False, minutes_ago=2, checks=[("total is the sum", False)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = instructor_client.get(url).content.decode()
    assert "It explains itself." in body
    # session, user, course, co-authors, the report's own queries — pinned, whatever the learners.
    assert len(few.captured_queries) <= 12


def test_an_empty_course_has_an_empty_report(instructor_client, instructor):
    course = Course.objects.create(slug="empty", title="Empty", owner=instructor)
    response = instructor_client.get(reverse("authoring:analytics", kwargs={"slug": course.slug}))
    assert response.status_code == 200 and "No chapters yet." in response.content.decode()
