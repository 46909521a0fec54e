"""The shape function of every feature of a GAM: the model is exactly their sum."""

from __future__ import annotations

import math
from typing import Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView

MAX_PANELS = 12


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._common import class_color, plural
    from explainlab.engine.models.gam import shape_functions

    model = ctx.model
    X_train = ctx.dataset.X_train
    functions, intercept = shape_functions(model.estimator, X_train, ctx.feature_names)
    ranked = sorted(functions, key=lambda f: -f.importance)
    shown = ranked[:MAX_PANELS]
    if model.task == "binary":
        outputs, unit = [model.class_names[1]], f"contribution to log-odds of {model.class_names[1]}"
    elif model.task == "multiclass":
        outputs, unit = model.class_names, "contribution to each class's logit"
    else:
        outputs, unit = (
            [ctx.dataset.info.target_names[0]],
            f"contribution to predicted {ctx.dataset.info.target_names[0]}",
        )

    cols = min(4, len(shown))
    rows = math.ceil(len(shown) / cols)
    fig = render.new_figure(2.9 * cols + 0.6, 2.3 * rows + 1.4)
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False).ravel())
    for ax, function in zip(axes, shown, strict=False):
        j = ctx.feature_names.index(function.feature)
        marker = "o" if function.grid.size <= 10 else None
        for k, name in enumerate(outputs):
            color = class_color(k) if len(outputs) > 1 else render.ACCENT
            ax.plot(function.grid, function.values[:, k], color=color, linewidth=2, marker=marker, label=name)
        ax.axhline(0, color=render.MUTED, linewidth=0.7, zorder=0)
        deciles = np.percentile(X_train[:, j], np.arange(10, 100, 10))
        ax.plot(
            deciles, np.zeros_like(deciles), "|", color=render.TEXT, markersize=7, transform=ax.get_xaxis_transform()
        )
        ax.set_title(function.feature, loc="left", fontsize=9.5, fontweight="bold", color=render.TEXT)
        ax.tick_params(labelsize=8)
        ax.grid(True)
        ax.set_axisbelow(True)
    for ax in axes[len(shown) :]:
        ax.set_visible(False)
    if len(outputs) > 1:
        # One legend for all panels, outside them: inside, it would hide a curve.
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside upper right", ncol=len(outputs), title="class", fontsize=8.5)
    fig.supylabel(unit, fontsize=9.5, color=render.TEXT)
    omitted = (
        f"; the {plural(len(functions) - len(shown), 'flattest feature')} omitted (all in data)"
        if len(functions) > len(shown)
        else ""
    )
    render.set_titles(
        fig,
        "GAM shape functions",
        f"the model's score is an intercept plus these curves (centred; shared y-axis), strongest first; "
        f"ticks = deciles{omitted}",
    )
    data: dict[str, Any] = {
        "outputs": outputs,
        "output_space": "log-odds" if model.is_classification else "prediction",
        "intercept": intercept,
        "shapes": [
            {"feature": f.feature, "importance": f.importance, "grid": f.grid, "values": f.values.T} for f in ranked
        ],
    }
    return Explanation(data=data, figures=[("gam_shapes", fig)])


def estimate(view: SpecView) -> float:
    return 0.1 + cost.RENDER_SECONDS * 2


EXPLANATION = ExplanationInfo(
    key="gam_shapes",
    title="GAM shape functions",
    description="Each feature's learned curve; the additive model's prediction is exactly their sum.",
    needs_instance=False,
    compute=compute,
    cost=estimate,
    models=("gam",),
)
