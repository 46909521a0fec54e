"""Anchor (a scoped rule) for one prediction: IF these conditions hold, the model decides the same.

Anchors (Ribeiro et al., 2018) are rules around a row with high *precision* (rows that
satisfy the rule get the row's predicted class) and as much *coverage* (the share of rows the
rule applies to) as possible. Here both are measured on real rows rather than sampled
perturbations: precision is the share of training rows inside the rule that the model puts
in the row's class, coverage the share of training rows inside the rule; the test split
gives held-out values of both. Conditions are the quartile bin of each feature that contains
the row (features with at most four values: the value itself), as in LIME and the Anchor
paper's tabular discretisation.

Search: beam search (width 4) over conjunctions; the shortest rule that reaches the precision
threshold with at least 10 training rows wins, the one with the highest coverage among
equals. If no rule reaches it, the most precise one found is returned and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import CLASSIFICATION_TASKS, Param

if TYPE_CHECKING:
    import numpy as np

BEAM = 4
MIN_SUPPORT = 10  # training rows a rule must cover for its precision to mean anything


@dataclass(frozen=True)
class Condition:
    feature: str
    index: int
    lower: float | None  # exclusive
    upper: float | None  # inclusive
    text: str

    def holds(self, X: np.ndarray) -> np.ndarray:
        import numpy as np

        mask = np.ones(X.shape[0], dtype=bool)
        if self.lower is not None:
            mask &= X[:, self.index] > self.lower
        if self.upper is not None:
            mask &= X[:, self.index] <= self.upper
        return mask

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "lower": self.lower, "upper": self.upper, "text": self.text}


def condition_for(column: np.ndarray, value: float, name: str, index: int) -> Condition:
    """The quartile bin of ``column`` that holds ``value`` (lower < x <= upper)."""
    import numpy as np

    from explainlab.engine.explanations._common import feature_value

    def bound(v: float) -> str:
        return f"{v:.6g}"  # the exact cut: a rounded one would move rows across it

    distinct = np.unique(column)
    cuts = distinct[:-1] if len(distinct) <= 4 else np.unique(np.quantile(column, [0.25, 0.5, 0.75]))
    b = int(np.searchsorted(cuts, value, side="left"))
    lower = float(cuts[b - 1]) if b > 0 else None
    upper = float(cuts[b]) if b < len(cuts) else None
    if len(distinct) <= 4:
        text = f"{name} = {feature_value(value)}"
    elif lower is None:
        text = f"{name} <= {bound(upper)}"  # type: ignore[arg-type]
    elif upper is None:
        text = f"{name} > {bound(lower)}"
    else:
        text = f"{bound(lower)} < {name} <= {bound(upper)}"
    return Condition(name, index, lower, upper, text)


@dataclass
class Rule:
    conditions: tuple[int, ...]  # indices into the candidate list
    mask: np.ndarray
    precision: float
    coverage: float
    support: int


def _wilson_lower(successes: int, n: int, z: float = 1.96) -> float:
    import math

    if n == 0:
        return 0.0
    p = successes / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - margin) / (1 + z * z / n)


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._common import fmt

    model = ctx.model
    names = ctx.feature_names
    threshold = ctx.options["threshold"]
    row = ctx.instance_row()
    target = int(model.predict(row)[0])
    X_train, X_test = ctx.dataset.X_train, ctx.dataset.X_test
    if "train_predictions" not in model.memo:
        model.memo["train_predictions"] = model.predict(X_train)
    same_train = model.memo["train_predictions"] == target
    same_test = model.predict(X_test) == target
    candidates = [condition_for(X_train[:, j], float(row[0, j]), names[j], j) for j in range(len(names))]
    masks = [c.holds(X_train) for c in candidates]
    n = X_train.shape[0]

    def make(conditions: tuple[int, ...], mask: np.ndarray) -> Rule:
        support = int(mask.sum())
        precision = float(same_train[mask].mean()) if support else 0.0
        return Rule(conditions, mask, precision, support / n, support)

    empty = make((), np.ones(n, dtype=bool))
    path: list[Rule] = [empty]  # the chosen rule, one condition added at a time
    best: Rule | None = empty if empty.precision >= threshold else None
    beam = [empty]
    fallback = empty  # the most precise rule seen, shortest first, if none reaches the threshold
    while best is None and beam and len(beam[0].conditions) < len(candidates):
        grown: dict[tuple[int, ...], Rule] = {}
        for rule in beam:
            for j in range(len(candidates)):
                if j in rule.conditions:
                    continue
                key = tuple(sorted((*rule.conditions, j)))
                if key not in grown:
                    grown[key] = make(key, rule.mask & masks[j])
        usable = [r for r in grown.values() if r.support >= MIN_SUPPORT]
        if not usable:
            break
        fallback = max([fallback, *usable], key=lambda r: (r.precision, -len(r.conditions), r.coverage))
        valid = [r for r in usable if r.precision >= threshold]
        if valid:
            best = max(valid, key=lambda r: (r.coverage, r.precision, [-c for c in r.conditions]))
            break
        beam = sorted(usable, key=lambda r: (-r.precision, -r.coverage, r.conditions))[:BEAM]
    met = best is not None
    if best is None:
        best = fallback
    # Order the conditions by how much each adds, greedily, for the step chart.
    remaining, chosen = list(best.conditions), tuple[int, ...]()
    mask = np.ones(n, dtype=bool)
    while remaining:
        j = max(remaining, key=lambda c: (same_train[mask & masks[c]].mean() if (mask & masks[c]).any() else 0.0, -c))
        remaining.remove(j)
        chosen = (*chosen, j)
        mask = mask & masks[j]
        path.append(make(chosen, mask))
    rule_conditions = [candidates[j] for j in chosen]
    test_mask = np.ones(X_test.shape[0], dtype=bool)
    for c in rule_conditions:
        test_mask &= c.holds(X_test)
    test_support = int(test_mask.sum())
    class_name = model.class_names[target]
    rule_text = " AND ".join(c.text for c in rule_conditions) or "(any row)"
    data: dict[str, Any] = {
        "row": ctx.instance,
        "predicted_class": class_name,
        "threshold": threshold,
        "threshold_met": met,
        "rule": rule_text,
        "conditions": [c.to_dict() for c in rule_conditions],
        "precision": best.precision,
        "precision_lower_95": _wilson_lower(int(same_train[best.mask].sum()), best.support),
        "coverage": best.coverage,
        "support": best.support,
        "test_precision": float(same_test[test_mask].mean()) if test_support else None,
        "test_coverage": test_support / X_test.shape[0],
        "test_support": test_support,
        "steps": [{"conditions": len(r.conditions), "precision": r.precision, "coverage": r.coverage} for r in path],
    }

    fig = render.new_figure(8.8, 4.9)
    ax = fig.add_subplot()
    labels = ["(no condition)"] + ["+ " + c.text for c in rule_conditions]
    xs = np.arange(len(path))
    ax.bar(xs, [r.coverage for r in path], width=0.55, color="#cfe0ec", edgecolor=render.ACCENT, label="coverage")
    ax.plot(xs, [r.precision for r in path], color=render.POSITIVE, marker="o", linewidth=2.2, label="precision")
    ax.axhline(threshold, color=render.NEUTRAL, linestyle="--", linewidth=0.9, label=f"threshold {fmt(threshold)}")
    for x, r in zip(range(len(path)), path, strict=True):
        ax.text(
            x,
            r.precision + 0.035,
            fmt(r.precision),
            ha="center",
            fontsize=8.5,
            color=render.POSITIVE,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
            zorder=5,
        )
        ax.text(x, r.coverage / 2, f"{r.coverage:.0%}", ha="center", va="center", fontsize=8.5, color=render.TEXT)
    ax.set_xticks(xs, labels, rotation=12 if len(labels) > 3 else 0, ha="right" if len(labels) > 3 else "center")
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share of training rows")
    ax.yaxis.grid(True)
    ax.set_axisbelow(True)
    fig.legend(loc="outside lower center", ncols=3, frameon=False)
    status = "" if met else f" (no rule reached {fmt(threshold)}: the most precise one found)"
    subtitle = (
        f"IF {rule_text} THEN {class_name}{status}. Training rows: precision {fmt(best.precision)}, "
        f"coverage {best.coverage:.1%} ({best.support} rows); test rows: precision "
        f"{fmt(data['test_precision']) if test_support else 'n/a'}, coverage {data['test_coverage']:.1%}"
    )
    render.set_titles(fig, f"Anchor for test row {ctx.instance}: predicted {class_name}", subtitle, ax)
    return Explanation(data=data, figures=[("anchors", fig)])


def estimate(view: SpecView) -> float:
    p = len(view.dataset.features)
    n = view.dataset.n_train
    masks = BEAM * p * p * n * 2.0e-9 + p * n * 1.0e-8
    return (
        0.03
        + cost.predict_seconds(view, n)
        + cost.predict_seconds(view, view.dataset.n_test)
        + masks
        + cost.RENDER_SECONDS
    )


EXPLANATION = ExplanationInfo(
    key="anchors",
    title="Anchor: a scoped rule (one prediction)",
    description=(
        "A short IF-THEN rule around the row under which the model almost always makes the same decision, "
        "with its precision and coverage on real rows."
    ),
    needs_instance=True,
    compute=compute,
    cost=estimate,
    tasks=CLASSIFICATION_TASKS,
    options=(Param("threshold", "float", 0.95, "precision the rule must reach", min=0.5, max=1.0),),
)
