"""One tree of the model as IF ... THEN rules (one per leaf) plus sklearn's text export."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from explainlab.engine import cost
from explainlab.engine.explanations._trees import TREE_INDEX, check_tree_index
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView

if TYPE_CHECKING:
    import numpy as np

    from explainlab.engine.explanations._trees import ChosenTree

MAX_RULES_DRAWN = 12
WRAP = 112


def separating_threshold(threshold: float, column: np.ndarray) -> tuple[float, str]:
    """The shortest decimal ``d`` that sends every training row the way the tree does.

    scikit-learn compares the float32 value of a feature with the split threshold. A rounded
    threshold can land on the wrong side of a training value (0.0132 for a split at 0.01324),
    so a printed rule would misclassify that row. ``d`` is chosen between the largest training
    value that goes left and the smallest that goes right: ``x ≤ d`` holds exactly for the
    rows that go left.
    """
    import numpy as np

    goes_left = column.astype(np.float32) <= threshold
    lo = float(column[goes_left].max()) if goes_left.any() else -np.inf
    hi = float(column[~goes_left].min()) if (~goes_left).any() else np.inf
    for digits in range(1, 18):
        for candidate in (float(f"{threshold:.{digits}g}"), float(f"{lo:.{digits}g}")):
            if lo <= candidate < hi:
                return candidate, f"{candidate:.{digits}g}"
    return threshold, repr(threshold)


def _bounds_text(name: str, low: str | None, high: str | None) -> str:
    if low is not None and high is not None:
        return f"{low} < {name} ≤ {high}"
    if high is not None:
        return f"{name} ≤ {high}"
    return f"{name} > {low}"


def leaf_rules(chosen: ChosenTree, feature_names: list[str], X_train: np.ndarray) -> list[dict[str, Any]]:
    """One rule per leaf with conditions merged per feature ("a < x ≤ b"), by coverage.

    ``bounds`` holds each condition as numbers: ``low < x ≤ high`` with the printed
    (separating) thresholds, and ``model_low``/``model_high`` with the tree's own thresholds.
    """
    import numpy as np

    from explainlab.engine.explanations._common import fmt

    t = chosen.tree.tree_
    total = float(t.n_node_samples[0])
    rules: list[dict[str, Any]] = []
    # Per feature: [low, high] as (model threshold, printed value, printed text) or None.
    Bound = tuple[float, float, str] | None
    stack: list[tuple[int, dict[int, list[Bound]]]] = [(0, {})]
    while stack:
        node, bounds = stack.pop()
        left, right = t.children_left[node], t.children_right[node]
        if left != -1:
            f, threshold = int(t.feature[node]), float(t.threshold[node])
            shown, text = separating_threshold(threshold, X_train[:, f])
            split: Bound = (threshold, shown, text)
            low, high = bounds.get(f, [None, None])
            new_high = split if high is None or threshold < high[0] else high
            new_low = split if low is None or threshold > low[0] else low
            stack.append((int(right), {**bounds, f: [new_low, high]}))
            stack.append((int(left), {**bounds, f: [low, new_high]}))
            continue
        value = t.value[node].ravel()
        # Path order (dicts keep insertion order): the root's feature comes first.
        conditions = [
            _bounds_text(feature_names[f], lo[2] if lo else None, hi[2] if hi else None)
            for f, (lo, hi) in bounds.items()
        ]
        numeric = [
            {
                "feature": feature_names[f],
                "low": lo[1] if lo else None,
                "high": hi[1] if hi else None,
                "model_low": lo[0] if lo else None,
                "model_high": hi[0] if hi else None,
            }
            for f, (lo, hi) in bounds.items()
        ]
        if chosen.class_names is not None:
            share = value / value.sum() if value.sum() > 0 else value
            k = int(np.argmax(share))
            outcome = f"{chosen.class_names[k]} ({share[k]:.0%})"
            prediction: Any = chosen.class_names[k]
        else:
            outcome = f"value = {fmt(float(value[0]), 4)}"
            prediction = float(value[0])
        samples = int(t.n_node_samples[node])
        rules.append(
            {
                "leaf": int(node),
                "conditions": conditions,
                "bounds": numeric,
                "prediction": prediction,
                "outcome": outcome,
                "value": value.tolist(),
                "samples": samples,
                "coverage": samples / total,
            }
        )
    rules.sort(key=lambda r: (-r["samples"], r["leaf"]))
    return rules


def rule_text(rule: dict[str, Any]) -> str:
    condition = " AND ".join(rule["conditions"]) or "always"
    return f"IF {condition} THEN {rule['outcome']}"


def compute(ctx: ExplainContext) -> Explanation:
    from sklearn.tree import export_text

    from explainlab.engine import render
    from explainlab.engine.explanations._common import plural
    from explainlab.engine.explanations._trees import choose

    chosen = choose(ctx.model, ctx.options["tree_index"])
    rules = leaf_rules(chosen, ctx.feature_names, ctx.dataset.X_train)

    drawn = rules[:MAX_RULES_DRAWN]
    blocks = [textwrap.wrap(rule_text(r), WRAP, subsequent_indent="     ") for r in drawn]
    n_lines = sum(len(b) for b in blocks)
    fig = render.new_figure(11.0, 0.8 + 0.25 * n_lines + 0.12 * len(blocks))
    ax = fig.add_subplot()
    ax.set_axis_off()
    y = 1.0
    step = 1.0 / max(n_lines + 0.5 * len(blocks), 1)
    for rule, lines in zip(drawn, blocks, strict=True):
        share = f"{rule['coverage']:.0%}" if rule["coverage"] >= 0.095 else f"{rule['coverage']:.1%}"
        ax.text(
            0.0,
            y,
            f"{share:>5}",
            transform=ax.transAxes,
            va="top",
            fontsize=9,
            color=render.ACCENT,
            fontweight="bold",
            family="DejaVu Sans Mono",
        )
        for line in lines:
            ax.text(
                0.07,
                y,
                line,
                transform=ax.transAxes,
                va="top",
                fontsize=9,
                color=render.TEXT,
                family="DejaVu Sans Mono",
            )
            y -= step
        y -= step * 0.5
    more = (
        f"; {plural(len(rules) - len(drawn), 'smaller rule')} in the text artifact" if len(rules) > len(drawn) else ""
    )
    render.set_titles(
        fig,
        f"Tree rules: {chosen.description}",
        f"one rule per leaf, largest first; left: share of the tree's training rows{more}",
        ax,
    )

    text = "\n".join(
        [f"Rules of {chosen.description} ({len(rules)} leaves, largest first)", ""]
        + [f"[{r['samples']} rows, {r['coverage']:.1%}] {rule_text(r)}" for r in rules]
        + ["", "Tree (scikit-learn export_text; its thresholds are rounded to 3 decimals)", ""]
        + [
            export_text(
                chosen.tree, feature_names=ctx.feature_names, class_names=chosen.class_names, decimals=3, max_depth=50
            )
        ]
    )
    data = {
        "tree": chosen.description,
        "tree_index": ctx.options["tree_index"],
        "depth": int(chosen.tree.get_depth()),
        "n_leaves": int(chosen.tree.get_n_leaves()),
        "rules": rules,
    }
    return Explanation(data=data, figures=[("tree_rules", fig)], texts=[("tree_rules", text)])


def estimate(view: SpecView) -> float:
    return 0.1 + cost.RENDER_SECONDS


EXPLANATION = ExplanationInfo(
    key="tree_rules",
    title="Tree as rules",
    description="One tree of the model rewritten as IF ... THEN rules, one per leaf, plus the full text export.",
    needs_instance=False,
    compute=compute,
    cost=estimate,
    models=("decision_tree", "random_forest", "gradient_boosting"),
    options=(TREE_INDEX,),
    check=check_tree_index,
)
