#!/usr/bin/env python
"""The analytics page of a course with 10,000 learners: time and number of queries.

Seeds a fresh database (SQLite in a temporary folder; also PostgreSQL when DATABASE_URL is
set, in a throw-away test database) with learners who enrol, read a prefix of the course and
attempt its exercises — bulk_create, so seeding takes seconds — then renders the analytics
page as the course's owner and prints the median time and the query count. The count must
not depend on the number of learners; the time should stay well under a second. Last, it
deletes the course's last page and times the refresh of every learner's stored progress.

Usage: .venv/bin/python bench/analytics/run.py [--learners 10000] [--repeat 5] [--course DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_COURSE = ROOT / "content/interpretable-ml"
FALLBACK_COURSE = ROOT / "tests/authoring/fixtures/quiz-course"
BATCH = 5000


def seed(course_dir: Path, learners: int, rng: random.Random) -> tuple[object, object, dict[str, int]]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from courseware.importer import files_from_directory, import_course
    from courseware.models import Course, CourseProgress, Enrollment, Page, PageRead
    from exercises.models import Attempt, Exercise

    user_model = get_user_model()
    owner = user_model.objects.create_user(username="bench-owner", password="!", is_instructor=True)
    import_course(files_from_directory(course_dir), owner=owner, verify=False)
    course = Course.objects.get(owner=owner)
    pages = list(Page.objects.filter(course=course, published=True).order_by("sequence"))
    exercises_by_page: dict[int, list] = {}
    for exercise in Exercise.objects.filter(course=course, page__isnull=False).prefetch_related("choices"):
        exercises_by_page.setdefault(exercise.page_id, []).append(exercise)

    users = user_model.objects.bulk_create(
        [user_model(username=f"learner{i:05d}", password="!") for i in range(learners)], batch_size=BATCH
    )
    now = timezone.now()
    # Seeded history needs its own timestamps; auto_now_add would stamp every row "now".
    for model, name in ((PageRead, "read_at"), (Attempt, "created_at"), (Enrollment, "enrolled_at")):
        model._meta.get_field(name).auto_now_add = False

    enrollments, reads, attempts, progress = [], [], [], []
    counts = {"reads": 0, "attempts": 0}

    def flush(force: bool = False) -> None:
        for rows, model in (
            (enrollments, Enrollment),
            (reads, PageRead),
            (attempts, Attempt),
            (progress, CourseProgress),
        ):
            if rows and (force or len(rows) >= BATCH):
                model.objects.bulk_create(rows, batch_size=BATCH)
                rows.clear()

    for user in users:
        started = now - timedelta(days=rng.uniform(0, 90))
        enrollments.append(Enrollment(user=user, course=course, enrolled_at=started))
        # A funnel: most read the first pages, fewer reach the end.
        depth = min(len(pages), int(rng.expovariate(1 / max(len(pages) / 3, 1))) + 1)
        for step, page in enumerate(pages[:depth]):
            when = min(now, started + timedelta(hours=step * rng.uniform(1, 30)))
            reads.append(PageRead(user=user, page=page, course=course, read_at=when))
            counts["reads"] += 1
            for exercise in exercises_by_page.get(page.pk, []):
                if rng.random() > 0.7:
                    continue
                skill = rng.random()
                for n in range(1, 6):
                    correct = rng.random() < 0.35 + 0.5 * skill + 0.1 * n
                    attempt = Attempt(user=user, exercise=exercise, status="graded", correct=correct,
                                      created_at=when + timedelta(minutes=n))  # fmt: skip
                    if exercise.is_coding:
                        attempt.checks = [
                            {
                                "name": check["name"],
                                "passed": correct or rng.random() < 0.5,
                                "message": "",
                                "hidden": False,
                            }
                            for check in exercise.checks
                        ]
                    else:
                        choices = list(exercise.choices.all())
                        pick = [c for c in choices if c.correct] if correct else [rng.choice(choices)]
                        attempt.choice_ids = [c.pk for c in pick]
                    attempts.append(attempt)
                    counts["attempts"] += 1
                    if correct:
                        break
        # Every learner who read has a progress row; some who reached the end completed.
        completed = now if depth == len(pages) and rng.random() < 0.6 else None
        progress.append(CourseProgress(user=user, course=course, completed_at=completed, pages_read=depth,
                                       page_total=len(pages)))  # fmt: skip
        flush()
    flush(force=True)
    return course, owner, counts


def measure(course: object, owner: object, repeat: int) -> tuple[float, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(owner)
    url = reverse("authoring:analytics", kwargs={"slug": course.slug})  # type: ignore[attr-defined]
    assert client.get(url).status_code == 200  # warm: templates, matplotlib fonts
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200
        queries = len(captured.captured_queries)
    return statistics.median(times), queries


def report_only(course: object, repeat: int) -> float:
    from courseware.authoring.analytics import course_report

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        course_report(course)  # type: ignore[arg-type]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure_refresh(course: object) -> tuple[float, int]:
    """Delete the course's last page as its author would; the progress refresh it queues runs
    eagerly here, so the time is that of the deletion plus every affected learner's recompute."""
    from courseware.authoring.services import delete_page
    from courseware.models import CourseProgress, Page

    last = Page.objects.filter(course=course, published=True).order_by("-sequence").first()
    assert last is not None
    started = time.perf_counter()
    delete_page(page=last)
    elapsed = time.perf_counter() - started
    page_total = Page.objects.filter(course=course, published=True).count()
    refreshed = CourseProgress.objects.filter(course=course, page_total=page_total).count()
    return elapsed, refreshed


def child(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "postgresql":
        # Never the suite's test database, which may be in use on the same server.
        connection.settings_dict["TEST"]["NAME"] = f"glassbook_bench_analytics_{os.getpid()}"
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        rng = random.Random(42)
        started = time.perf_counter()
        course, owner, counts = seed(Path(args.course), args.learners, rng)
        seeded = time.perf_counter() - started
        page_time, queries = measure(course, owner, args.repeat)
        queries_only = report_only(course, args.repeat)
        refresh_time, refreshed = measure_refresh(course)
        vendor = connection.vendor
        print(
            f"{vendor:<10} learners={args.learners} reads={counts['reads']} attempts={counts['attempts']} "
            f"(seeded in {seeded:.1f} s)\n"
            f"{'':<10} analytics page: {page_time * 1000:.0f} ms median of {args.repeat}, {queries} queries; "
            f"report queries alone: {queries_only * 1000:.0f} ms\n"
            f"{'':<10} deleting the last page, with the progress refresh: {refresh_time:.1f} s "
            f"({refreshed} learners' progress recomputed, {refresh_time / max(refreshed, 1) * 1000:.2f} ms each)"
        )
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--course", default=str(DEFAULT_COURSE if DEFAULT_COURSE.exists() else FALLBACK_COURSE))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        return child(args)

    var = tempfile.mkdtemp(prefix="glassbook-bench-analytics-")
    # Eager tasks: the progress refresh a deletion queues runs in the bench, not on a broker.
    base = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings", GLASSBOOK_VAR_DIR=var, LOG_LEVEL="WARNING",
                PYTHONPATH=str(ROOT), CELERY_TASK_ALWAYS_EAGER="true")  # fmt: skip
    backends = [("sqlite", {k: v for k, v in base.items() if k != "DATABASE_URL"})]
    if os.environ.get("DATABASE_URL"):
        backends.append(("postgresql", base))
    command = [sys.executable, __file__, "--child", "--learners", str(args.learners), "--repeat", str(args.repeat),
               "--course", args.course]  # fmt: skip
    for _, env in backends:
        subprocess.run(command, cwd=ROOT, env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
