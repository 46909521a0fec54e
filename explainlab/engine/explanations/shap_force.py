"""SHAP force plot for one prediction, drawn as a clean horizontal force bar.

shap's own matplotlib force plot uses a fixed 20 x 3 inch canvas with overlapping rotated labels;
this one draws the same encoding (red arrows push the output up, blue ones down, meeting at
the prediction) with labels placed on non-overlapping rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from explainlab.engine import cost
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MAX_LABELS = 14
LABEL_LEVELS = 4
ROW_STEP = 0.62  # vertical distance between label rows (two text lines)
BAR_HEIGHT = 0.34
FIG_WIDTH = 11.0
CHAR_INCHES = 0.066  # average glyph width at 8.5 pt, used to keep labels from colliding


def _arrow(ax: Axes, start: float, end: float, tip: float, color: str) -> None:
    """A chevron from start to end, pointing towards end."""
    from matplotlib.patches import Polygon

    h = BAR_HEIGHT / 2
    direction = 1.0 if end >= start else -1.0
    tip = min(tip, abs(end - start) * 0.6)
    points = [
        (start, -h),
        (end - direction * tip, -h),
        (end, 0.0),
        (end - direction * tip, h),
        (start, h),
        (start + direction * tip, 0.0),
    ]
    ax.add_patch(Polygon(points, closed=True, facecolor=color, edgecolor="white", linewidth=0.8))


def _place_labels(
    candidates: list[tuple[int, float, float]], lo: float, hi: float, units_per_inch: float
) -> list[tuple[int, float, float, int]]:
    """Greedy, collision-free label rows below the bar.

    Each candidate is (feature, anchor x, half width). A label goes on the first row where it
    overlaps no other label, no earlier leader line passes through it, and its own leader
    line (straight down from the anchor) crosses no label on the rows above.
    Returns (feature, anchor, label x, row).
    """
    placed: list[tuple[int, float, float, int]] = []
    boxes: list[tuple[float, float, int]] = []  # (left, right, row)
    leaders: list[tuple[float, int]] = []  # (x, row it ends on)
    gap = 0.08 * units_per_inch
    for feature, anchor, half in candidates:
        # Slide the label sideways (keeping the anchor under it) before giving up on a row.
        shifts = [0.0, -0.5, 0.5, -0.85, 0.85]
        done = False
        for row in range(LABEL_LEVELS):
            crossing = any(r < row and a - gap <= anchor <= b + gap for a, b, r in boxes)
            if crossing:
                break  # deeper rows are no better: the leader would cut through that label
            for shift in shifts:
                x = min(max(anchor + shift * half, lo + half), hi - half)
                left, right = x - half - gap, x + half + gap
                clashes = any(r == row and not (right < a or left > b) for a, b, r in boxes)
                crossed = any(r > row and left <= lx <= right for lx, r in leaders)
                if not (clashes or crossed):
                    boxes.append((x - half, x + half, row))
                    leaders.append((anchor, row))
                    placed.append((feature, anchor, x, row))
                    done = True
                    break
            if done:
                break
    return placed


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._common import feature_value, fmt, fmt_signed, plural, space_label
    from explainlab.engine.explanations._local import local_shap, subtitle

    local = local_shap(ctx)
    names = ctx.feature_names
    values = local.values
    fx = local.prediction
    push_up, push_down = float(values[values > 0].sum()), float(-values[values < 0].sum())
    lo = min(fx - push_up, local.base)
    hi = max(fx + push_down, local.base)
    span = max(hi - lo, 1e-9)
    lo, hi = lo - 0.04 * span, hi + 0.04 * span
    # Contributions under 1.5% of the bar merge into one grey-tinted block per side: dozens of
    # slivers are unreadable and would hide the arrows that matter.
    tiny = 0.015 * span

    # Red pieces end at f(x) coming from the left (largest nearest), blue ones start at f(x).
    segments: list[tuple[int, float, float]] = []  # (feature or -1 for merged, start, end)
    for sign in (1.0, -1.0):
        order = [i for i in np.argsort(-sign * values, kind="stable") if sign * values[i] > 0]
        cursor, rest = fx, 0.0
        for i in order:
            if abs(values[i]) < tiny:
                rest += values[i]
                continue
            segments.append((int(i), cursor - values[i], cursor))
            cursor -= values[i]
        if rest:
            segments.append((-1, cursor - rest, cursor))

    fig = render.new_figure(FIG_WIDTH, 3.9)
    ax = fig.add_subplot()
    tip = 0.01 * (hi - lo)
    for i, start, end in segments:
        up = end > start
        color = render.POSITIVE if up else render.NEGATIVE
        if i < 0:
            color = "#f59ab5" if up else "#8fc7f5"
        _arrow(ax, start, end, tip, color)

    top = BAR_HEIGHT / 2
    ax.plot([fx, fx], [-top, top + 0.16], color=render.TEXT, linewidth=1.4)
    ax.text(
        fx, top + 0.2, f"f(x) = {fmt(fx)}", ha="center", va="bottom", fontsize=10, fontweight="bold", color=render.TEXT
    )
    close = abs(local.base - fx) < 0.16 * (hi - lo)
    base_y = top + (0.56 if close else 0.2)
    ax.plot([local.base, local.base], [-top, base_y - 0.04], color=render.NEUTRAL, linewidth=1, linestyle=(0, (2, 2)))
    ax.text(
        local.base,
        base_y,
        f"base value = {fmt(local.base)}",
        ha="center",
        va="bottom",
        fontsize=9,
        color=render.NEUTRAL,
    )

    units_per_inch = (hi - lo) / (FIG_WIDTH * 0.94)
    candidates = []
    texts: dict[int, str] = {}
    for i, start, end in sorted(segments, key=lambda s: -abs(s[2] - s[1])):
        if i < 0:
            continue
        # Two short lines instead of one long one: labels stay about as wide as the arrows.
        texts[i] = f"{names[i]}\n= {feature_value(local.features[i])} ({fmt_signed(float(values[i]))})"
        half = max(len(line) for line in texts[i].split("\n")) * CHAR_INCHES * units_per_inch / 2
        candidates.append((i, (start + end) / 2, half))
    placed = _place_labels(candidates[:MAX_LABELS], lo, hi, units_per_inch)
    for i, anchor, x, row in placed:
        y = -top - 0.42 - ROW_STEP * row
        color = render.POSITIVE if values[i] > 0 else render.NEGATIVE
        ax.plot([anchor, anchor], [-top, y + 0.2], color=color, linewidth=0.8, alpha=0.8)
        ax.text(x, y, texts[i], ha="center", va="center", fontsize=8.5, color=render.TEXT)
    rows_used = 1 + max((row for *_, row in placed), default=0)
    unlabelled = int((np.abs(values) > 0).sum()) - len(placed)
    footer = f"red = pushes {space_label(local.output_space, local.output_name)} higher, blue = lower"
    if unlabelled:
        footer += f"; {plural(unlabelled, 'smaller contribution')} not labelled (all in data)"
    ax.text(lo, -top - 0.42 - ROW_STEP * rows_used, footer, ha="left", va="center", fontsize=8.5, color=render.NEUTRAL)

    ax.set_xlim(lo, hi)
    ax.set_ylim(-top - 0.75 - ROW_STEP * rows_used, top + 0.95)
    fig.set_size_inches(FIG_WIDTH, 2.5 + 0.5 * rows_used)  # no empty label rows
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", labelsize=8, colors=render.NEUTRAL)
    ax.set_xlabel(space_label(local.output_space, local.output_name), fontsize=9, color=render.NEUTRAL)
    render.set_titles(fig, f"SHAP force plot: test row {local.row}", subtitle(local), ax)

    data = local.data(names)
    data["push_up"] = push_up
    data["push_down"] = push_down
    data["labelled_features"] = [names[i] for i, _, _, _ in placed]
    return Explanation(data=data, figures=[("shap_force", fig)])


def estimate(view: SpecView) -> float:
    return cost.shap_seconds(view, local=True) + cost.RENDER_SECONDS


EXPLANATION = ExplanationInfo(
    key="shap_force",
    title="SHAP force plot (one prediction)",
    description="Features pushing this prediction up (red) or down (blue) from the average output, as one bar.",
    needs_instance=True,
    compute=compute,
    cost=estimate,
)
