"""SHAP waterfall: how each feature moves one prediction from the average output."""

from __future__ import annotations

import warnings

from explainlab.engine import cost
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView

MAX_DISPLAY = 12


def compute(ctx: ExplainContext) -> Explanation:
    from explainlab.engine import render
    from explainlab.engine.explanations._common import space_label
    from explainlab.engine.explanations._local import local_shap, subtitle
    from explainlab.engine.explanations._shap import shap_module

    shap = shap_module()

    local = local_shap(ctx)
    explanation = shap.Explanation(
        values=local.values,
        base_values=local.base,
        data=local.features,
        feature_names=ctx.feature_names,
    )
    # shap's waterfall draws on plt.gcf()/plt.gca(): give it a fresh pyplot figure that the
    # runner's pyplot scope closes after rendering.
    fig = render.pyplot_figure(8.5, 5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shap.plots.waterfall(explanation, max_display=MAX_DISPLAY, show=False)
    ax = fig.axes[0]
    ax.set_xlabel(space_label(local.output_space, local.output_name), fontsize=10)
    # No layout engine here: shap sized its value labels for this exact axes box, and
    # shrinking it afterwards would push labels off their bars. savefig's tight bounding box
    # keeps the titles above the plot in the output.
    # pad clears shap's "f(x) = ..." label, drawn just above the axes.
    ax.set_title(subtitle(local), loc="left", fontsize=9, color=render.NEUTRAL, pad=32)
    render.title_above(fig, f"SHAP waterfall: test row {local.row}")
    return Explanation(data=local.data(ctx.feature_names), figures=[("shap_waterfall", fig)])


def estimate(view: SpecView) -> float:
    return cost.shap_seconds(view, local=True) + cost.RENDER_SECONDS + 0.2


EXPLANATION = ExplanationInfo(
    key="shap_waterfall",
    title="SHAP waterfall (one prediction)",
    description="Starts at the average model output and adds each feature's SHAP value until it reaches this row's prediction.",
    needs_instance=True,
    compute=compute,
    cost=estimate,
)
