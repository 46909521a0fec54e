"""How learners do in a course, for its authors: aggregated in the database.

Every figure is one GROUP BY over the course's rows, so a report costs the same handful of
queries for ten learners or ten thousand (a test pins the number). The course's own authors
are left out: their previews and test answers are not learning.

Three statistics need what the ORM does not express portably — the n-th attempt of a learner
(a window function) and the elements of JSON lists (the chosen choices, the check results) —
so they are plain SQL, written for both SQLite and PostgreSQL, with table and column names
taken from the models.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from courseware.authoring.selectors import author_ids
from courseware.models import Chapter, Course, CourseProgress, Enrollment, Page, PageRead

TOP = 10


@dataclass
class FunnelRow:
    position: int
    title: str
    pages: int
    completed: int  # learners who read every published page of the chapter
    share: float  # of enrolled learners


@dataclass
class PageRow:
    chapter: str
    position: str  # "2.3"
    title: str
    published: bool
    reads: int
    share: float


@dataclass
class ExerciseRow:
    key: str
    title: str
    kind: str
    page: str
    attempts: int = 0
    learners: int = 0  # learners with at least one graded attempt
    passed: int = 0
    first_try: int = 0
    median_attempts_to_pass: float | None = None

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.learners if self.learners else None

    @property
    def first_try_rate(self) -> float | None:
        return self.first_try / self.learners if self.learners else None


@dataclass
class WrongChoiceRow:
    exercise: str
    choice: str
    times: int
    share: float  # of the graded attempts at that exercise


@dataclass
class FailingCheckRow:
    exercise: str
    check: str
    failures: int
    runs: int

    @property
    def failure_rate(self) -> float:
        return self.failures / self.runs if self.runs else 0.0


@dataclass
class Report:
    course: Course
    generated_at: datetime
    enrolled: int = 0
    active_7: int = 0
    active_30: int = 0
    completed: int = 0
    funnel: list[FunnelRow] = field(default_factory=list)
    pages: list[PageRow] = field(default_factory=list)
    exercises: list[ExerciseRow] = field(default_factory=list)
    wrong_choices: list[WrongChoiceRow] = field(default_factory=list)
    failing_checks: list[FailingCheckRow] = field(default_factory=list)


def _exercise_models() -> tuple[Any, Any, Any] | None:
    """Exercises are read-only here and optional: the report works without the app."""
    try:
        from exercises.models import Attempt, Choice, Exercise
    except ImportError:  # pragma: no cover - the app is part of the project
        return None
    return Exercise, Choice, Attempt


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


PARTS = ("learners", "funnel", "pages", "exercises", "wrong_choices", "failing_checks")


def course_report(course: Course, *, parts: tuple[str, ...] = PARTS, now: datetime | None = None) -> Report:
    """The report, or only ``parts`` of it (a chart needs one table, not all six)."""
    now = now or timezone.now()
    report = Report(course=course, generated_at=now)
    # Never empty: "NOT IN ()" is not SQL, and no user has id 0.
    excluded = author_ids(course) or [0]
    if "learners" in parts:
        _learners(report, course, excluded, now)
    if "funnel" in parts:
        _funnel(report, course, excluded)
    if "pages" in parts:
        _pages(report, course, excluded)
    if _exercise_models() is not None:
        if "exercises" in parts:
            _exercises(report, course, excluded)
        if "wrong_choices" in parts:
            _wrong_choices(report, course, excluded)
        if "failing_checks" in parts:
            _failing_checks(report, course, excluded)
    return report


# --- learners -------------------------------------------------------------------------------------


def _learners(report: Report, course: Course, excluded: list[int], now: datetime) -> None:
    def active_since(days: int) -> Q:
        since = now - timedelta(days=days)
        readers = PageRead.objects.filter(course=course, read_at__gte=since).values("user_id")
        condition = Q(user_id__in=readers)
        models = _exercise_models()
        if models is not None:
            attempt_model = models[2]
            attempters = attempt_model.objects.filter(exercise__course=course, created_at__gte=since).values("user_id")
            condition |= Q(user_id__in=attempters)
        return condition

    completed = CourseProgress.objects.filter(course=course, completed_at__isnull=False).values("user_id")
    totals = (
        Enrollment.objects.filter(course=course)
        .exclude(user_id__in=excluded)
        .aggregate(
            enrolled=Count("id"),
            active_7=Count("id", filter=active_since(7)),
            active_30=Count("id", filter=active_since(30)),
            completed=Count("id", filter=Q(user_id__in=completed)),
        )
    )
    report.enrolled = totals["enrolled"]
    report.active_7 = totals["active_7"]
    report.active_30 = totals["active_30"]
    report.completed = totals["completed"]


# --- reading --------------------------------------------------------------------------------------


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: Any, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _in_list(values: list[int]) -> tuple[str, list[int]]:
    return ", ".join(["%s"] * len(values)), list(values)


def _funnel(report: Report, course: Course, excluded: list[int]) -> None:
    chapters = list(
        Chapter.objects.filter(course=course)
        .order_by("position")
        .annotate(page_total=Count("pages", filter=Q(pages__published=True)))
    )
    placeholders, excluded_params = _in_list(excluded)
    read, page = _table(PageRead), _table(Page)
    r_user, r_page, r_course = _column(PageRead, "user"), _column(PageRead, "page"), _column(PageRead, "course")
    p_chapter, p_course, p_published = _column(Page, "chapter"), _column(Page, "course"), _column(Page, "published")
    # Per learner and chapter: pages read; joined to the chapter's page total; counted.
    sql = f"""
        SELECT per_learner.chapter_id, COUNT(*)
        FROM (
            SELECT r.{r_user} AS user_id, p.{p_chapter} AS chapter_id, COUNT(*) AS n
            FROM {read} r JOIN {page} p ON p.id = r.{r_page}
            WHERE r.{r_course} = %s AND p.{p_published} = %s AND r.{r_user} NOT IN ({placeholders})
            GROUP BY r.{r_user}, p.{p_chapter}
        ) per_learner
        JOIN (
            SELECT {p_chapter} AS chapter_id, COUNT(*) AS total
            FROM {page} WHERE {p_course} = %s AND {p_published} = %s
            GROUP BY {p_chapter}
        ) totals ON totals.chapter_id = per_learner.chapter_id AND per_learner.n = totals.total
        GROUP BY per_learner.chapter_id
    """  # noqa: S608 - identifiers come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [course.pk, True, *excluded_params, course.pk, True])
        completed = dict(cursor.fetchall())
    report.funnel = [
        FunnelRow(
            position=chapter.position,
            title=chapter.title,
            pages=chapter.page_total,
            completed=completed.get(chapter.pk, 0),
            share=_share(completed.get(chapter.pk, 0), report.enrolled),
        )
        for chapter in chapters
    ]


def _pages(report: Report, course: Course, excluded: list[int]) -> None:
    pages = (
        Page.objects.filter(course=course)
        .select_related("chapter")
        .order_by("sequence")
        .annotate(read_count=Count("reads", filter=~Q(reads__user_id__in=excluded)))
    )
    report.pages = [
        PageRow(
            chapter=page.chapter.title,
            position=f"{page.chapter.position}.{page.position}",
            title=page.title,
            published=page.published,
            reads=page.read_count,
            share=_share(page.read_count, report.enrolled),
        )
        for page in pages
    ]


# --- exercises ------------------------------------------------------------------------------------


def _median_from_histogram(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: how many}, without expanding them."""
    total = sum(histogram.values())
    if not total:
        return None
    ordered = sorted(histogram.items())

    def nth(n: int) -> int:  # 0-based
        seen = 0
        for value, count in ordered:
            seen += count
            if n < seen:
                return value
        return ordered[-1][0]

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def _exercises(report: Report, course: Course, excluded: list[int]) -> None:
    models = _exercise_models()
    assert models is not None
    exercise_model, _, attempt_model = models
    exercises = list(
        exercise_model.objects.filter(course=course, page__isnull=False)
        .select_related("page__chapter")
        .order_by("page__sequence", "position")
    )
    rows = {
        e.pk: ExerciseRow(key=e.key, title=e.title, kind=e.get_kind_display(), page=e.page.title) for e in exercises
    }
    placeholders, excluded_params = _in_list(excluded)
    attempt, exercise = _table(attempt_model), _table(exercise_model)
    a_user, a_ex = _column(attempt_model, "user"), _column(attempt_model, "exercise")
    a_correct, a_status, a_created = (
        _column(attempt_model, "correct"),
        _column(attempt_model, "status"),
        _column(attempt_model, "created_at"),
    )
    e_course, e_page = _column(exercise_model, "course"), _column(exercise_model, "page")
    # Number each learner's graded attempts at an exercise (1, 2, …); per learner keep the
    # attempt count, the number of the first correct one and whether the first was correct;
    # then count learners per (exercise, number of the first correct attempt).
    sql = f"""
        WITH numbered AS (
            SELECT a.{a_ex} AS exercise_id, a.{a_user} AS user_id,
                   CASE WHEN a.{a_correct} THEN 1 ELSE 0 END AS ok,
                   ROW_NUMBER() OVER (PARTITION BY a.{a_ex}, a.{a_user} ORDER BY a.{a_created}, a.id) AS n
            FROM {attempt} a JOIN {exercise} e ON e.id = a.{a_ex}
            WHERE e.{e_course} = %s AND e.{e_page} IS NOT NULL AND a.{a_status} = %s
              AND a.{a_user} NOT IN ({placeholders})
        ),
        per_learner AS (
            SELECT exercise_id, user_id, COUNT(*) AS attempts,
                   MIN(CASE WHEN ok = 1 THEN n END) AS first_pass,
                   MAX(CASE WHEN n = 1 AND ok = 1 THEN 1 ELSE 0 END) AS first_try
            FROM numbered GROUP BY exercise_id, user_id
        )
        SELECT exercise_id, first_pass, COUNT(*), SUM(attempts), SUM(first_try)
        FROM per_learner GROUP BY exercise_id, first_pass
    """  # noqa: S608 - identifiers come from the models, values are parameters
    histograms: dict[int, dict[int, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [course.pk, attempt_model.Status.GRADED, *excluded_params])
        for exercise_id, first_pass, learners, attempts, first_try in cursor.fetchall():
            row = rows.get(exercise_id)
            if row is None:
                continue
            row.learners += learners
            row.attempts += int(attempts or 0)
            row.first_try += int(first_try or 0)
            if first_pass is not None:
                row.passed += learners
                histograms.setdefault(exercise_id, {})[int(first_pass)] = learners
    for exercise_id, histogram in histograms.items():
        rows[exercise_id].median_attempts_to_pass = _median_from_histogram(histogram)
    report.exercises = list(rows.values())


def _json_elements(column: str) -> tuple[str, str]:
    """(FROM-clause fragment, expression of one element) for a JSON list column."""
    if connection.vendor == "postgresql":
        return f"CROSS JOIN LATERAL jsonb_array_elements(a.{column}) AS item(value)", "item.value"
    return f", json_each(a.{column}) AS item", "item.value"


def _json_get(element: str, key: str, *, as_bool: bool = False) -> str:
    if connection.vendor == "postgresql":
        text = f"({element} ->> '{key}')"
        return f"CAST({text} AS boolean)" if as_bool else text
    return f"json_extract({element}, '$.{key}')"


def _wrong_choices(report: Report, course: Course, excluded: list[int]) -> None:
    exercise_model, choice_model, attempt_model = _exercise_models()  # type: ignore[misc]
    placeholders, excluded_params = _in_list(excluded)
    attempt, exercise, choice = _table(attempt_model), _table(exercise_model), _table(choice_model)
    a_user, a_ex, a_status = (
        _column(attempt_model, "user"),
        _column(attempt_model, "exercise"),
        _column(attempt_model, "status"),
    )
    a_choices, a_correct = _column(attempt_model, "choice_ids"), _column(attempt_model, "correct")
    c_ex, c_correct, c_text = (
        _column(choice_model, "exercise"),
        _column(choice_model, "correct"),
        _column(choice_model, "text_markdown"),
    )
    e_course, e_page, e_title = (
        _column(exercise_model, "course"),
        _column(exercise_model, "page"),
        _column(exercise_model, "title"),
    )
    elements, element = _json_elements(a_choices)
    chosen = f"CAST({element} #>> '{{}}' AS bigint)" if connection.vendor == "postgresql" else element
    sql = f"""
        SELECT e.{e_title}, c.{c_text}, COUNT(*) AS times,
               (SELECT COUNT(*) FROM {attempt} a2 WHERE a2.{a_ex} = e.id AND a2.{a_status} = %s
                  AND a2.{a_user} NOT IN ({placeholders})) AS graded
        FROM {attempt} a {elements}
        JOIN {choice} c ON c.id = {chosen} AND c.{c_ex} = a.{a_ex}
        JOIN {exercise} e ON e.id = a.{a_ex}
        WHERE e.{e_course} = %s AND e.{e_page} IS NOT NULL AND a.{a_status} = %s AND c.{c_correct} = %s
          AND a.{a_correct} = %s AND a.{a_user} NOT IN ({placeholders})
        GROUP BY e.id, e.{e_title}, c.id, c.{c_text}
        ORDER BY times DESC, c.id
        LIMIT {TOP}
    """  # noqa: S608 - identifiers come from the models, values are parameters
    graded = attempt_model.Status.GRADED
    with connection.cursor() as cursor:
        # A correct attempt holds no wrong choice: only incorrect ones need unpacking.
        cursor.execute(sql, [graded, *excluded_params, course.pk, graded, False, False, *excluded_params])
        report.wrong_choices = [
            WrongChoiceRow(exercise=title, choice=text, times=times, share=_share(times, total))
            for title, text, times, total in cursor.fetchall()
        ]


def _failing_checks(report: Report, course: Course, excluded: list[int]) -> None:
    exercise_model, _, attempt_model = _exercise_models()  # type: ignore[misc]
    placeholders, excluded_params = _in_list(excluded)
    attempt, exercise = _table(attempt_model), _table(exercise_model)
    a_user, a_ex, a_status, a_checks = (
        _column(attempt_model, "user"),
        _column(attempt_model, "exercise"),
        _column(attempt_model, "status"),
        _column(attempt_model, "checks"),
    )
    e_course, e_page, e_title = (
        _column(exercise_model, "course"),
        _column(exercise_model, "page"),
        _column(exercise_model, "title"),
    )
    elements, element = _json_elements(a_checks)
    name = _json_get(element, "name")
    passed = _json_get(element, "passed", as_bool=True)
    sql = f"""
        SELECT e.{e_title}, {name} AS check_name, COUNT(*) AS runs,
               SUM(CASE WHEN {passed} THEN 0 ELSE 1 END) AS failures
        FROM {attempt} a {elements}
        JOIN {exercise} e ON e.id = a.{a_ex}
        WHERE e.{e_course} = %s AND e.{e_page} IS NOT NULL AND a.{a_status} = %s
          AND a.{a_user} NOT IN ({placeholders})
        GROUP BY e.id, e.{e_title}, {name}
        HAVING SUM(CASE WHEN {passed} THEN 0 ELSE 1 END) > 0
        ORDER BY failures DESC, runs DESC
        LIMIT {TOP}
    """  # noqa: S608 - identifiers come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [course.pk, attempt_model.Status.GRADED, *excluded_params])
        report.failing_checks = [
            FailingCheckRow(exercise=title, check=str(check or ""), failures=int(failures), runs=int(runs))
            for title, check, runs, failures in cursor.fetchall()
        ]


# --- CSV ------------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _exercise_cells(r: ExerciseRow) -> list[Any]:
    median = "" if r.median_attempts_to_pass is None else r.median_attempts_to_pass
    return [r.key, r.title, r.kind, r.page, r.attempts, r.learners, r.passed, _pct(r.pass_rate), r.first_try,
            _pct(r.first_try_rate), median]  # fmt: skip


def _table_rows(report: Report, table: str) -> tuple[list[str], list[list[Any]]]:
    if table == "summary":
        return ["measure", "value"], [
            ["enrolled", report.enrolled],
            ["active_7_days", report.active_7],
            ["active_30_days", report.active_30],
            ["completed", report.completed],
        ]
    if table == "funnel":
        return ["chapter", "title", "pages", "learners_completed", "share_of_enrolled"], [
            [r.position, r.title, r.pages, r.completed, _pct(r.share)] for r in report.funnel
        ]
    if table == "pages":
        return ["position", "chapter", "page", "published", "reads", "share_of_enrolled"], [
            [r.position, r.chapter, r.title, r.published, r.reads, _pct(r.share)] for r in report.pages
        ]
    if table == "exercises":
        header = [
            "id", "title", "kind", "page", "attempts", "learners", "passed", "pass_rate", "first_try",
            "first_try_rate", "median_attempts_to_pass",
        ]  # fmt: skip
        rows = [_exercise_cells(r) for r in report.exercises]
        return header, rows
    if table == "wrong-choices":
        return ["exercise", "choice", "times_chosen", "share_of_attempts"], [
            [r.exercise, r.choice, r.times, _pct(r.share)] for r in report.wrong_choices
        ]
    if table == "failing-checks":
        return ["exercise", "check", "failures", "runs", "failure_rate"], [
            [r.exercise, r.check, r.failures, r.runs, _pct(r.failure_rate)] for r in report.failing_checks
        ]
    raise KeyError(table)


TABLES = ("summary", "funnel", "pages", "exercises", "wrong-choices", "failing-checks")
# What each CSV needs computed (shares are of the enrolled learners).
TABLE_PARTS = {
    "summary": ("learners",),
    "funnel": ("learners", "funnel"),
    "pages": ("learners", "pages"),
    "exercises": ("exercises",),
    "wrong-choices": ("wrong_choices",),
    "failing-checks": ("failing_checks",),
}


def _safe_cell(value: Any) -> Any:
    # A cell starting with = + - @ is a formula to a spreadsheet: titles come from authors'
    # files and choice texts, so neutralise them.
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def table_csv(report: Report, table: str) -> str:
    header, rows = _table_rows(report, table)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_cell(v) for v in row])
    return out.getvalue()
