"""One tree of the model drawn as a diagram (top levels)."""

from __future__ import annotations

from explainlab.engine import cost
from explainlab.engine.explanations._trees import TOP_DOWN_MAX_DEPTH, TREE_INDEX, check_tree_index
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import Param


def compute(ctx: ExplainContext) -> Explanation:
    from explainlab.engine import render
    from explainlab.engine.explanations._trees import choose, draw, nodes

    chosen = choose(ctx.model, ctx.options["tree_index"])
    shown = ctx.options["max_depth"]
    fig = draw(chosen.tree, ctx.feature_names, chosen.class_names, shown)
    depth = chosen.tree.get_depth()
    cut = f"; first {shown} of {depth} levels, (...) = subtree not drawn" if depth > shown else ""
    if min(shown, depth) > TOP_DOWN_MAX_DEPTH:
        cut += "; levels run left to right, the upper branch is yes (≤)"
    colour = "; colour = predicted class, stronger = purer" if chosen.class_names else ""
    render.set_titles(fig, f"Tree diagram: {chosen.description}", f"{chosen.value_note}{colour}{cut}", fig.axes[0])
    data = {
        "tree": chosen.description,
        "tree_index": ctx.options["tree_index"],
        "depth": depth,
        "n_leaves": int(chosen.tree.get_n_leaves()),
        "shown_depth": min(shown, depth),
        "class_names": chosen.class_names,
        "nodes": nodes(chosen.tree, ctx.feature_names, shown),
        "layout": "top-down" if min(shown, depth) <= TOP_DOWN_MAX_DEPTH else "sideways",
    }
    return Explanation(data=data, figures=[("tree_diagram", fig)])


def estimate(view: SpecView) -> float:
    return 0.1 + cost.RENDER_SECONDS + 0.05 * 2 ** view.options["max_depth"]


EXPLANATION = ExplanationInfo(
    key="tree_diagram",
    title="Tree diagram",
    description="The splits of one tree (the first levels): the rule a tree model actually applies.",
    needs_instance=False,
    compute=compute,
    cost=estimate,
    models=("decision_tree", "random_forest", "gradient_boosting"),
    options=(TREE_INDEX, Param("max_depth", "int", 3, "levels drawn", min=1, max=6)),
    check=check_tree_index,
)
