"""SHAP dependence: a feature's value against its SHAP value, one dot per test row."""

from __future__ import annotations

from typing import Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import Param


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._common import class_color, ranking
    from explainlab.engine.explanations._shap import global_shap, output_note, shap_module

    shap = shap_module()

    sv = global_shap(ctx.model)
    names = ctx.feature_names
    feature = ctx.options["feature"] or ranking(ctx.model)[0]
    j = names.index(feature)
    values, _ = sv.signed()
    x, y = sv.data[:, j], values[:, j]

    fig = render.new_figure(8.0, 5.0)
    ax = fig.add_subplot()
    ax.axhline(0, color=render.MUTED, linewidth=0.8, zorder=1)
    data: dict[str, Any] = {"feature": feature, "rows": sv.rows, "feature_values": x, "shap_values": y}
    if sv.multiclass:
        # Dots are per predicted class; colouring by that class keeps the groups readable.
        for k, name in enumerate(sv.output_names):
            mask = sv.predicted == k
            if mask.any():
                ax.scatter(
                    x[mask],
                    y[mask],
                    s=22,
                    color=class_color(k),
                    alpha=0.8,
                    label=f"predicted {name}",
                    edgecolors="white",
                    linewidths=0.4,
                    zorder=2,
                )
        ax.legend(loc="best")
        data["color_by"] = "predicted class"
        data["predicted_class"] = [sv.output_names[int(k)] for k in sv.predicted]
    else:
        # Colour by the feature that interacts most with this one (shap's heuristic), so
        # vertical spread at a given x has a visible explanation.
        other = int(shap.utils.approximate_interactions(j, values, sv.data)[0]) if len(names) > 1 else j
        colors = sv.data[:, other]
        points = ax.scatter(
            x, y, c=colors, cmap="coolwarm", s=22, alpha=0.85, edgecolors="white", linewidths=0.4, zorder=2
        )
        bar = fig.colorbar(points, ax=ax, aspect=30, pad=0.01)
        bar.set_label(names[other])
        bar.outline.set_visible(False)
        data["color_by"] = names[other]
        data["color_values"] = colors
    ax.set_xlabel(feature)
    ax.set_ylabel(f"SHAP value of {feature}\n(impact on {output_note(sv)})")
    ax.grid(True)
    ax.set_axisbelow(True)
    subtitle = f"{sv.method}; one dot per test row ({len(sv.rows)})"
    if sv.multiclass:
        subtitle += ", SHAP value for its predicted class"
    render.set_titles(fig, f"SHAP dependence: {feature}", subtitle, ax)
    data.update(
        {
            "output_space": sv.output_space,
            "method": sv.method,
            "importance_rank": int(np.argsort(-sv.importance(), kind="stable").tolist().index(j)) + 1,
        }
    )
    return Explanation(data=data, figures=[("shap_dependence", fig)])


def estimate(view: SpecView) -> float:
    return cost.shap_seconds(view, local=False) + cost.RENDER_SECONDS


EXPLANATION = ExplanationInfo(
    key="shap_dependence",
    title="SHAP dependence",
    description="How one feature's value relates to its SHAP value across test rows; colour shows the strongest interaction.",
    needs_instance=False,
    compute=compute,
    cost=estimate,
    options=(
        Param("feature", "feature", None, "feature to plot (null = the most important by mean |SHAP|)", nullable=True),
    ),
)
