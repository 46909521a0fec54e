"""SHAP beeswarm: every test row's SHAP value per feature, coloured by the feature value."""

from __future__ import annotations

import warnings

from explainlab.engine import cost
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView

MAX_DISPLAY = 12


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._shap import global_shap, output_note, shap_module

    shap = shap_module()

    sv = global_shap(ctx.model)
    names = ctx.feature_names
    values, base = sv.signed()
    order = np.argsort(-sv.importance(), kind="stable")
    explanation = shap.Explanation(values=values, base_values=base, data=sv.data, feature_names=names)

    shown = min(MAX_DISPLAY, len(names))
    # shap's beeswarm draws through pyplot (colour bar, ticks); the runner's pyplot scope
    # closes this figure after rendering.
    fig = render.pyplot_figure(8.5, 0.42 * shown + 1.9)
    ax = fig.add_subplot()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shap's colormap helpers warn on newer matplotlib
        shap.plots.beeswarm(
            explanation,
            max_display=MAX_DISPLAY,
            order=order,
            show=False,
            ax=ax,
            plot_size=None,
            color_bar_label="feature value (red = high)",
        )
    ax.set_xlabel(f"SHAP value: impact on {output_note(sv)}", fontsize=10)
    ax.tick_params(axis="y", labelsize=9.5)
    subtitle = f"{sv.method}; one dot per test row ({len(sv.rows)})"
    if sv.multiclass:
        subtitle += ", each for its predicted class"
    ax.set_title(subtitle, loc="left", fontsize=9, color=render.NEUTRAL, pad=10)
    render.title_above(fig, "SHAP summary (beeswarm)")
    data = {
        "features": names,
        "order": [names[i] for i in order],
        "rows": sv.rows,
        "shap_values": values,
        "feature_values": sv.data,
        "base_values": base,
        "explained_output": [
            sv.output_label(int(k)) for k in (sv.predicted if sv.multiclass else np.zeros(len(sv.rows), dtype=int))
        ],
        "output_space": sv.output_space,
        "method": sv.method,
    }
    return Explanation(data=data, figures=[("shap_beeswarm", fig)])


def estimate(view: SpecView) -> float:
    return cost.shap_seconds(view, local=False) + cost.RENDER_SECONDS + 0.2


EXPLANATION = ExplanationInfo(
    key="shap_beeswarm",
    title="SHAP summary (beeswarm)",
    description="One dot per test row and feature: direction and size of each feature's effect, coloured by its value.",
    needs_instance=False,
    compute=compute,
    cost=estimate,
)
