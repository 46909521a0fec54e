"""Shared pieces of the tree views: picking one tree, drawing it, turning it into rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explainlab.engine.explanations.base import SpecView
from explainlab.engine.params import Param

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from explainlab.engine.models.base import FittedModel

TREE_INDEX = Param("tree_index", "int", 0, "which tree of an ensemble (0 for a single tree)", min=0, max=299)


def check_tree_index(view: SpecView) -> list[tuple[str, str]]:
    """The index must exist: n_estimators trees in an ensemble, exactly one otherwise."""
    index = view.options.get("tree_index", 0)
    n_trees = view.params.get("n_estimators", 1) if view.model.key != "decision_tree" else 1
    if index >= n_trees:
        return [
            ("options.tree_index", f"must be below {n_trees}: the model has {n_trees} tree{'s' if n_trees > 1 else ''}")
        ]
    return []


@dataclass(frozen=True)
class ChosenTree:
    tree: Any  # a fitted sklearn DecisionTree* estimator
    description: str
    class_names: list[str] | None  # None when leaves hold numbers (regression, boosting)
    value_note: str


def choose(model: FittedModel, index: int) -> ChosenTree:
    key = model.info.key
    names = model.class_names if model.is_classification else None
    if key == "decision_tree":
        return ChosenTree(model.estimator, "the decision tree", names, _value_note(model, boosted=False))
    if key == "random_forest":
        n = len(model.estimator.estimators_)
        return ChosenTree(
            model.estimator.estimators_[index],
            f"tree {index} of {n} in the forest",
            names,
            _value_note(model, boosted=False),
        )
    stages = model.estimator.estimators_
    if model.task == "multiclass":
        # One regression tree per class and stage; the class-0 tree of the stage is shown.
        description = f"stage {index} of {stages.shape[0]}, tree for class {model.class_names[0]!r}"
    else:
        description = f"stage {index} of {stages.shape[0]}"
    return ChosenTree(stages[index, 0], description, None, _value_note(model, boosted=True))


def _value_note(model: FittedModel, *, boosted: bool) -> str:
    if boosted:
        rate = model.estimator.learning_rate
        unit = "log-odds" if model.is_classification else "target units"
        return f"leaf values are corrections in {unit}, multiplied by the learning rate {rate:g} when added"
    if model.is_classification:
        return "each box shows the majority class of its training rows"
    return "leaves show the mean target of their training rows"


def nodes(tree: Any, feature_names: list[str], max_depth: int | None = None) -> list[dict[str, Any]]:
    """The tree as a JSON-ready node list (pre-order), truncated below ``max_depth``."""
    t = tree.tree_
    out: list[dict[str, Any]] = []
    stack = [(0, 0)]
    while stack:
        node, depth = stack.pop()
        leaf = t.children_left[node] == -1
        shown_as_leaf = leaf or (max_depth is not None and depth >= max_depth)
        value = t.value[node].ravel()
        out.append(
            {
                "id": int(node),
                "depth": depth,
                "feature": None if leaf else feature_names[t.feature[node]],
                "threshold": None if leaf else float(t.threshold[node]),
                "left": None if shown_as_leaf else int(t.children_left[node]),
                "right": None if shown_as_leaf else int(t.children_right[node]),
                "truncated": bool(shown_as_leaf and not leaf),
                "samples": int(t.n_node_samples[node]),
                "value": value.tolist(),
            }
        )
        if not shown_as_leaf:
            stack.append((int(t.children_right[node]), depth + 1))
            stack.append((int(t.children_left[node]), depth + 1))
    return out


# Up to this many levels the classic top-down diagram is readable; deeper ones are drawn
# sideways (levels left to right, one line per leaf), so 64 leaves never overlap.
TOP_DOWN_MAX_DEPTH = 2


def draw(tree: Any, feature_names: list[str], class_names: list[str] | None, max_depth: int) -> Figure:
    """plot_tree on an object-oriented figure sized to the number of boxes shown (sideways
    layout beyond :data:`TOP_DOWN_MAX_DEPTH` levels)."""
    from sklearn.tree import plot_tree

    from explainlab.engine import render

    depth = min(max_depth, tree.get_depth())
    if depth > TOP_DOWN_MAX_DEPTH:
        return draw_sideways(tree, feature_names, class_names, depth)
    leaves_shown = min(2**depth, tree.get_n_leaves()) + (1 if tree.get_depth() > depth else 0)
    width = max(7.0, 1.75 * leaves_shown)
    height = max(3.2, 1.55 * (depth + 1) + 0.9)
    fig = render.new_figure(width, height)
    ax = fig.add_subplot()
    plot_tree(
        tree,
        ax=ax,
        max_depth=max_depth,
        feature_names=feature_names,
        class_names=class_names,
        filled=True,
        rounded=True,
        impurity=False,
        precision=2,
        fontsize=9,
    )
    ax.set_axis_off()
    return fig


def draw_sideways(tree: Any, feature_names: list[str], class_names: list[str] | None, max_depth: int) -> Figure:
    """Levels from left to right, each drawn leaf on its own line: readable at any depth.

    The upper branch of a split is "yes" (feature ≤ threshold), as in the top-down diagram.
    """
    from matplotlib.colors import to_rgb

    from explainlab.engine import render
    from explainlab.engine.explanations._common import class_color, fmt

    shown = nodes(tree, feature_names, max_depth)
    by_id = {n["id"]: n for n in shown}
    # Leaves (drawn) get consecutive lines in pre-order; a parent sits midway between its children.
    line: dict[int, float] = {}
    next_line = [0]

    def place(node_id: int) -> float:
        node = by_id[node_id]
        if node["left"] is None:
            line[node_id] = float(next_line[0])
            next_line[0] += 1
        else:
            line[node_id] = (place(node["left"]) + place(node["right"])) / 2
        return line[node_id]

    place(0)
    n_lines = next_line[0]
    column = 2.25  # inches per level
    fig = render.new_figure(max(8.0, column * (max_depth + 1) + 0.6), max(4.0, 0.42 * n_lines + 1.4))
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(-0.55, max_depth + 0.65)
    ax.set_ylim(n_lines - 0.4, -0.6)
    total = by_id[0]["samples"]
    for node in shown:
        x, y = node["depth"], line[node["id"]]
        value = node["value"]
        if node["left"] is not None:
            for child, answer in ((node["left"], "yes"), (node["right"], "no")):
                cx, cy = by_id[child]["depth"], line[child]
                ax.plot([x + 0.42, x + 0.5, x + 0.5, cx - 0.42], [y, y, cy, cy], color=render.MUTED, lw=0.8, zorder=1)
                ax.text(x + 0.53, cy, answer, fontsize=6.5, color=render.MUTED, va="bottom", ha="left")
        if class_names is not None:
            share = [v / sum(value) for v in value] if sum(value) > 0 else value
            k = max(range(len(share)), key=lambda i: share[i])
            purity = (share[k] - 1 / len(share)) / (1 - 1 / len(share))
            face = (*to_rgb(class_color(k)), 0.15 + 0.55 * purity)
            outcome = f"{class_names[k]} {share[k]:.0%}"
        else:
            face = (*to_rgb(render.ACCENT), 0.12)
            outcome = f"value {fmt(float(value[0]), 3)}"
        if node["feature"] is not None and node["left"] is not None:
            label = f"{node['feature']} ≤ {fmt(node['threshold'], 4)}\n{node['samples']} rows · {outcome}"
        else:
            more = " (…)" if node["truncated"] else ""
            coverage = node["samples"] / total
            label = (
                f"{outcome}{more}\n{node['samples']} rows ({coverage:.0%})"
                if coverage >= 0.095
                else f"{outcome}{more}\n{node['samples']} rows ({coverage:.1%})"
            )
        ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=7,
            color=render.TEXT,
            zorder=3,
            bbox={"boxstyle": "round,pad=0.3", "facecolor": face, "edgecolor": render.MUTED, "linewidth": 0.6},
        )
    return fig
