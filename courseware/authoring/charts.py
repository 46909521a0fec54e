"""Analytics charts as PNG, drawn with matplotlib's object-oriented API.

Each chart is its own request (the page's tables render at once; the images follow in
parallel) and computes only the part of the report it draws. ``Figure`` objects are made
directly, never through pyplot, so no global figure registry grows in a long-running web
process; each figure is cleared once written.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from courseware.authoring.analytics import Report

ACCENT = "#2456c9"
OK = "#1f7a4d"
MUTED = "#9aa3af"
MAX_BARS = 40
DPI = 96


def _png(figure: Figure) -> bytes:
    try:
        FigureCanvasAgg(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    finally:
        figure.clear()
    return buffer.getvalue()


def _figure(rows: int, per_row: float) -> Figure:
    # Constrained layout makes room for long labels in one drawing pass.
    return Figure(figsize=(7.5, per_row * rows + 1.3), layout="constrained")


def _short(text: str, length: int = 38) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _style(axes: object, *, counts: bool = True) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)  # type: ignore[attr-defined]
    axes.tick_params(labelsize=9)  # type: ignore[attr-defined]
    if counts:  # learners are whole people: no 0.2 ticks
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # type: ignore[attr-defined]


def funnel_chart(report: Report) -> bytes | None:
    rows = report.funnel[:MAX_BARS]
    if not rows:
        return None
    figure = _figure(len(rows), 0.42)
    axes = figure.add_subplot()
    labels = [f"{r.position}. {_short(r.title)}" for r in rows]
    values = [r.completed for r in rows]
    bars = axes.barh(labels, values, color=ACCENT)
    axes.invert_yaxis()
    axes.set_xlabel(f"learners who read every page (of {report.enrolled} enrolled)")
    axes.set_xlim(0, max([report.enrolled, *values, 1]) * 1.08)
    axes.bar_label(bars, padding=3, fontsize=8)
    _style(axes)
    return _png(figure)


def reads_chart(report: Report) -> bytes | None:
    rows = [r for r in report.pages if r.published][:MAX_BARS]
    if not rows:
        return None
    figure = _figure(len(rows), 0.3)
    axes = figure.add_subplot()
    labels = [f"{r.position} {_short(r.title, 34)}" for r in rows]
    axes.barh(labels, [r.reads for r in rows], color=ACCENT)
    axes.invert_yaxis()
    axes.set_xlabel("learners who read the page")
    _style(axes)
    return _png(figure)


def exercise_chart(report: Report) -> bytes | None:
    rows = [r for r in report.exercises if r.learners][:MAX_BARS]
    if not rows:
        return None
    figure = _figure(len(rows), 0.5)
    axes = figure.add_subplot()
    positions = list(range(len(rows)))
    height = 0.38
    axes.barh([p - height / 2 for p in positions], [100 * (r.pass_rate or 0) for r in rows], height,
              label="passed", color=OK)  # fmt: skip
    axes.barh([p + height / 2 for p in positions], [100 * (r.first_try_rate or 0) for r in rows], height,
              label="passed at the first try", color=MUTED)  # fmt: skip
    axes.set_yticks(positions, [_short(r.title) for r in rows])
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of the learners who attempted it")
    # Above the bars, so it never covers one.
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize=8, frameon=False)
    _style(axes, counts=False)
    return _png(figure)


@dataclass(frozen=True)
class Chart:
    title: str
    parts: tuple[str, ...]  # what of the report it needs
    draw: Callable[[Report], bytes | None]


CHARTS: dict[str, Chart] = {
    "funnel": Chart("Learners who read every page of each chapter", ("learners", "funnel"), funnel_chart),
    "reads": Chart("Reads per page", ("pages",), reads_chart),
    "exercises": Chart("Pass rate and first-try success per exercise", ("exercises",), exercise_chart),
}
