"""Counterfactual (what-if): the smallest plausible change to one row that flips the decision.

Distance is the L1 distance in units of each feature's median absolute deviation on the
training split (Wachter et al.'s choice: a change counts as much as it is unusual, and few
changed features are cheap). Plausible means every changed value lies inside the range seen
in training, with the training data's precision (whole years stay whole). Features that a
person cannot change (the loan data's ``age`` and ``group``) are held fixed.

The search is deterministic and model-agnostic (it only calls ``predict_proba``):

1. every single-feature change to a training quantile (41 per feature);
2. every pair of the five most promising features on a 21 by 21 quantile grid;
3. a greedy path that keeps adding the change with the best gain per unit of distance;

then each decision-flipping candidate is pulled back towards the row by bisection along the
straight line to the nearest point that still flips, rounded to the data's precision and
checked again. The nearest is the answer; up to three others with different features are
alternatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import CLASSIFICATION_TASKS, Param

if TYPE_CHECKING:
    import numpy as np

    from explainlab.engine.models.base import FittedModel

# Features that describe who someone is, not what they can change.
IMMUTABLE: dict[str, tuple[str, ...]] = {"loan": ("age", "group")}
SINGLE_GRID = 41
PAIR_GRID = 21
PAIR_FEATURES = 5
BISECTIONS = 16
ALTERNATIVES = 3
SHOWN_FEATURES = 12


@dataclass
class _Search:
    model: FittedModel
    x0: np.ndarray
    original: int  # predicted class of the row
    scale: np.ndarray  # MAD per feature
    step: np.ndarray  # precision per feature (0.1 = one decimal)
    lo: np.ndarray
    hi: np.ndarray
    evaluations: int = 0

    def proba(self, Z: np.ndarray) -> np.ndarray:
        self.evaluations += Z.shape[0]
        return self.model.predict_output(Z)

    def flipped(self, P: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.argmax(P, axis=1) != self.original

    def distance(self, Z: np.ndarray) -> np.ndarray:
        import numpy as np

        return (np.abs(Z - self.x0) / self.scale).sum(axis=-1)

    def round_away(self, Z: np.ndarray) -> np.ndarray:
        """Snap changed values to the data's precision, away from the row (a change never
        shrinks below the boundary the bisection found), inside the training range."""
        import numpy as np

        delta = (Z - self.x0) / self.step
        snapped = self.x0 + np.sign(delta) * np.ceil(np.abs(delta) - 1e-9) * self.step
        snapped = np.where(np.abs(delta) < 1e-12, self.x0, snapped)
        return np.clip(snapped, self.lo, self.hi)


def _precision(column: np.ndarray) -> float:
    """The step of the recorded values: 1 for whole numbers, 0.1 for one decimal, ..."""
    import numpy as np

    for decimals in range(7):
        scaled = column * 10**decimals
        if np.allclose(scaled, np.round(scaled), atol=1e-6):
            return float(10.0**-decimals)
    return 0.0  # continuous: no snapping


def _scales(X: np.ndarray) -> np.ndarray:
    import numpy as np

    mad = np.median(np.abs(X - np.median(X, axis=0)), axis=0)
    std = X.std(axis=0)
    return np.where(mad > 0, mad, np.where(std > 0, std, 1.0))


def _quantile_grid(column: np.ndarray, size: int, step: float) -> np.ndarray:
    import numpy as np

    grid = np.quantile(column, np.linspace(0.0, 1.0, size))
    if step > 0:
        grid = np.round(grid / step) * step
    return np.unique(grid)


def search(model: FittedModel, row: np.ndarray, mutable: list[int]) -> tuple[list[np.ndarray], _Search]:
    """Counterfactual rows, nearest first (each flips the model's decision)."""
    import itertools

    import numpy as np

    X = model.dataset.X_train
    steps = np.array([_precision(X[:, j]) for j in range(X.shape[1])])
    s = _Search(
        model=model,
        x0=row.astype(float),
        original=int(np.argmax(model.predict_output(row[None, :])[0])),
        scale=_scales(X),
        step=np.where(steps > 0, steps, 1e-12),
        lo=X.min(axis=0),
        hi=X.max(axis=0),
    )
    p0 = s.proba(s.x0[None, :])[0, s.original]
    candidates: list[np.ndarray] = []

    # 1. One feature at a time.
    grids = {j: _quantile_grid(X[:, j], SINGLE_GRID, steps[j]) for j in mutable}
    singles, owners = [], []
    for j in mutable:
        Z = np.repeat(s.x0[None, :], len(grids[j]), axis=0)
        Z[:, j] = grids[j]
        singles.append(Z)
        owners += [j] * len(grids[j])
    if singles:
        Z = np.vstack(singles)
        P = s.proba(Z)
        flips = s.flipped(P)
        owner = np.array(owners)
        gain = {j: float(p0 - P[owner == j, s.original].min()) for j in mutable}
        for j in mutable:
            hits = np.flatnonzero(flips & (owner == j))
            if hits.size:
                candidates.append(Z[hits[np.argmin(s.distance(Z[hits]))]])

        # 2. Pairs of the most promising features.
        best = sorted(mutable, key=lambda j: -gain[j])[:PAIR_FEATURES]
        blocks = []
        for a, b in itertools.combinations(best, 2):
            ga = _quantile_grid(X[:, a], PAIR_GRID, steps[a])
            gb = _quantile_grid(X[:, b], PAIR_GRID, steps[b])
            Z = np.repeat(s.x0[None, :], len(ga) * len(gb), axis=0)
            Z[:, a] = np.repeat(ga, len(gb))
            Z[:, b] = np.tile(gb, len(ga))
            blocks.append(Z)
        if blocks:
            Zp = np.vstack(blocks)
            sizes = np.cumsum([0] + [len(b) for b in blocks])
            flips = s.flipped(s.proba(Zp))
            for start, end in itertools.pairwise(sizes):
                hits = start + np.flatnonzero(flips[start:end])
                if hits.size:
                    candidates.append(Zp[hits[np.argmin(s.distance(Zp[hits]))]])

        # 3. Greedy: best gain per unit of distance until the decision flips.
        z, used = s.x0.copy(), set[int]()
        for _ in range(len(mutable)):
            options, meta = [], []
            for j in mutable:
                if j in used:
                    continue
                Z = np.repeat(z[None, :], len(grids[j]), axis=0)
                Z[:, j] = grids[j]
                options.append(Z)
                meta += [j] * len(grids[j])
            if not options:
                break
            Z = np.vstack(options)
            P = s.proba(Z)
            if s.flipped(P).any():
                hits = np.flatnonzero(s.flipped(P))
                candidates.append(Z[hits[np.argmin(s.distance(Z[hits]))]])
                break
            current = s.proba(z[None, :])[0, s.original]
            moved = s.distance(Z) - s.distance(z[None, :])[0]
            ratio = (current - P[:, s.original]) / np.maximum(moved, 1e-9)
            k = int(np.argmax(ratio))
            if ratio[k] <= 0:
                break
            z, used = Z[k], used | {meta[k]}

    if not candidates:
        return [], s
    # Pull each candidate back to the boundary along the line from the row.
    C = np.array(candidates)
    lo_t, hi_t = np.zeros(len(C)), np.ones(len(C))
    for _ in range(BISECTIONS):
        mid = (lo_t + hi_t) / 2
        flips = s.flipped(s.proba(s.x0 + mid[:, None] * (C - s.x0)))
        hi_t = np.where(flips, mid, hi_t)
        lo_t = np.where(flips, lo_t, mid)
    near = s.round_away(s.x0 + hi_t[:, None] * (C - s.x0))
    still = s.flipped(s.proba(near))
    final = np.where(still[:, None], near, C)
    order = np.argsort(s.distance(final), kind="stable")
    return [final[i] for i in order], s


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._common import feature_value, fmt

    model = ctx.model
    names = ctx.feature_names
    row = ctx.instance_row()[0]
    held = [n for n in IMMUTABLE.get(ctx.dataset.info.key, ()) if ctx.options["hold_fixed"]]
    mutable = [j for j, n in enumerate(names) if n not in held]
    found, s = search(model, row, mutable)
    classes = model.class_names
    before = model.predict_output(row[None, :])[0]

    def describe(z: np.ndarray) -> dict[str, Any]:
        after = model.predict_output(z[None, :])[0]
        changed = [j for j in range(len(names)) if not np.isclose(z[j], row[j], rtol=0, atol=1e-9)]
        return {
            "changes": [{"feature": names[j], "from": row[j], "to": z[j]} for j in changed],
            "values": dict(zip(names, z, strict=True)),
            "distance": float(s.distance(z[None, :])[0]),
            "predicted_class": classes[int(np.argmax(after))],
            "probabilities": dict(zip(classes, after, strict=True)),
        }

    results: list[dict[str, Any]] = []
    seen: list[frozenset[str]] = []
    for z in found:
        item = describe(z)
        key = frozenset(c["feature"] for c in item["changes"])
        if key in seen:
            continue
        seen.append(key)
        results.append(item)
        if len(results) > ALTERNATIVES:
            break
    data: dict[str, Any] = {
        "row": ctx.instance,
        "original_class": classes[s.original],
        "original_probabilities": dict(zip(classes, before, strict=True)),
        "held_fixed": held,
        "distance": "sum over features of |change| / median absolute deviation (training split)",
        "scales": dict(zip(names, s.scale, strict=True)),
        "counterfactual": results[0] if results else None,
        "alternatives": results[1:],
        "evaluations": s.evaluations,
    }

    fig = render.new_figure(10.0, 5.2)
    grid = fig.add_gridspec(1, 2, width_ratios=(3.2, 1.0))
    ax = fig.add_subplot(grid[0])
    X = ctx.dataset.X_train
    best = results[0] if results else None
    changed = [names.index(c["feature"]) for c in best["changes"]] if best else []
    others = [j for j in range(len(names)) if j not in changed]
    shown = (changed + others)[: max(SHOWN_FEATURES, len(changed))]

    def percentile(j: int, value: float) -> float:
        return float((X[:, j] < value).mean() * 100 + (X[:, j] == value).mean() * 50)

    labels = []
    for y, j in enumerate(shown):
        start = percentile(j, row[j])
        name = names[j] + (" (held fixed)" if names[j] in held else "")
        labels.append(name)
        ax.axhline(y, color=render.GRID, linewidth=0.8, zorder=0)
        if best and j in changed:
            end = percentile(j, best["values"][names[j]])
            ax.annotate(
                "",
                xy=(end, y),
                xytext=(start, y),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": render.POSITIVE,
                    "linewidth": 2.0,
                    "shrinkA": 4,
                    "shrinkB": 2,
                },
                zorder=3,
            )
            ax.scatter([end], [y], s=46, color=render.POSITIVE, zorder=4)
            text = f"{feature_value(row[j])} → {feature_value(best['values'][names[j]])}"
            ax.text(
                max(start, end) + 2 if max(start, end) < 75 else min(start, end) - 2,
                y - 0.28,
                text,
                ha="left" if max(start, end) < 75 else "right",
                fontsize=8.5,
                color=render.TEXT,
            )
        else:
            ax.text(
                start + 2 if start < 80 else start - 2,
                y - 0.28,
                feature_value(row[j]),
                ha="left" if start < 80 else "right",
                fontsize=8,
                color=render.NEUTRAL,
            )
        color = render.MUTED if names[j] in held else render.NEUTRAL
        ax.scatter([start], [y], s=40, facecolor="white", edgecolor=color, linewidth=1.6, zorder=4)
    ax.set_yticks(range(len(shown)), labels)
    ax.set_ylim(len(shown) - 0.4, -0.7)
    ax.set_xlim(-3, 103)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("percentile in the training data (○ the row, ● the counterfactual)")
    hidden = len(names) - len(shown)
    if hidden > 0:
        ax.text(0, len(shown) - 0.45, f"{hidden} more unchanged features not shown", fontsize=8, color=render.NEUTRAL)

    bx = fig.add_subplot(grid[1])
    original = classes[s.original]
    target = best["predicted_class"] if best else None
    bars = [("row", before)] + ([("counterfactual", model.predict_output(found[0][None, :])[0])] if best else [])
    for k, (_label, proba) in enumerate(bars):
        bx.bar(k, proba[s.original], color=render.ACCENT if k == 0 else render.POSITIVE, width=0.6)
        bx.text(k, proba[s.original] + 0.02, fmt(float(proba[s.original])), ha="center", fontsize=9)
    bx.set_xticks(range(len(bars)), [b[0] for b in bars])
    bx.set_ylim(0, 1.1)
    bx.axhline(0.5 if model.task == "binary" else 0, color=render.NEUTRAL, linewidth=0.8, linestyle="--")
    bx.set_ylabel(f"P({original})")
    bx.yaxis.grid(True)
    bx.set_axisbelow(True)

    if best:
        what = ", ".join(
            f"{c['feature']} {feature_value(c['from'])} → {feature_value(c['to'])}" for c in best["changes"]
        )
        subtitle = (
            f"test row {ctx.instance} is predicted {original} (P = {fmt(float(before[s.original]))}); "
            f"it would be {target} if {what} (distance {fmt(best['distance'])} MADs)"
            + (f"; held fixed: {', '.join(held)}" if held else "")
        )
    else:
        subtitle = (
            f"test row {ctx.instance} is predicted {original}: no change inside the training range of the "
            "mutable features flips it" + (f" (held fixed: {', '.join(held)})" if held else "")
        )
    render.set_titles(fig, f"Counterfactual: what would change the decision for test row {ctx.instance}", subtitle)
    return Explanation(data=data, figures=[("counterfactual", fig)])


def estimate(view: SpecView) -> float:
    p = len(view.dataset.features)
    singles = p * SINGLE_GRID
    pairs = PAIR_GRID**2 * PAIR_FEATURES * (PAIR_FEATURES - 1) // 2
    calls = 1 + 1 + p + BISECTIONS + 2
    return (
        0.05
        + (p + 2) * cost.predict_seconds(view, singles)
        + cost.predict_seconds(view, pairs)
        + (BISECTIONS + 4) * cost.predict_seconds(view, 8)
        + calls * 0.0005
        + cost.RENDER_SECONDS
    )


EXPLANATION = ExplanationInfo(
    key="counterfactual",
    title="Counterfactual / what-if (one prediction)",
    description=(
        "The smallest plausible change to the row that flips the model's decision, "
        "holding fixed what a person cannot change (age, group)."
    ),
    needs_instance=True,
    compute=compute,
    cost=estimate,
    tasks=CLASSIFICATION_TASKS,
    options=(Param("hold_fixed", "bool", True, "keep immutable features (the loan data's age and group) unchanged"),),
)
