"""One tree of the model as IF ... THEN rules (one per leaf) plus sklearn's text export."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from explainlab.engine import cost
from explainlab.engine.explanations._trees import TREE_INDEX, check_tree_index
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView

if TYPE_CHECKING:
    from explainlab.engine.explanations._trees import ChosenTree

MAX_RULES_DRAWN = 12
WRAP = 112


def _bounds_text(name: str, low: float | None, high: float | None) -> str:
    from explainlab.engine.explanations._common import fmt

    if low is not None and high is not None:
        return f"{fmt(low, 4)} < {name} ≤ {fmt(high, 4)}"
    if high is not None:
        return f"{name} ≤ {fmt(high, 4)}"
    return f"{name} > {fmt(low, 4)}"  # type: ignore[arg-type]


def leaf_rules(chosen: ChosenTree, feature_names: list[str]) -> list[dict[str, Any]]:
    """One rule per leaf with conditions merged per feature ("a < x ≤ b"), by coverage."""
    import numpy as np

    from explainlab.engine.explanations._common import fmt

    t = chosen.tree.tree_
    total = float(t.n_node_samples[0])
    rules: list[dict[str, Any]] = []
    stack: list[tuple[int, dict[int, list[float | None]]]] = [(0, {})]
    while stack:
        node, bounds = stack.pop()
        left, right = t.children_left[node], t.children_right[node]
        if left != -1:
            f, threshold = int(t.feature[node]), float(t.threshold[node])
            low, high = bounds.get(f, [None, None])
            left_bounds = {**bounds, f: [low, threshold if high is None else min(high, threshold)]}
            right_bounds = {**bounds, f: [threshold if low is None else max(low, threshold), high]}
            stack.append((int(right), right_bounds))
            stack.append((int(left), left_bounds))
            continue
        value = t.value[node].ravel()
        # Path order (dicts keep insertion order): the root's feature comes first.
        conditions = [_bounds_text(feature_names[f], lo, hi) for f, (lo, hi) in bounds.items()]
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
    rules = leaf_rules(chosen, ctx.feature_names)

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
        + ["", "Tree (scikit-learn export_text)", ""]
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
