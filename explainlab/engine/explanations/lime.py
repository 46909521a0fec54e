"""LIME: a sparse linear model fitted to the black box around one row."""

from __future__ import annotations

from explainlab.engine import cost
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import Param


def compute(ctx: ExplainContext) -> Explanation:
    from explainlab.engine import render
    from explainlab.engine.explanations._common import fmt, fmt_signed, style_barh
    from explainlab.engine.explanations._lime import explain, make_explainer

    row = ctx.instance_row()[0]
    num_features = min(ctx.options["num_features"], len(ctx.feature_names))
    result = explain(
        make_explainer(ctx.model),
        ctx.model,
        row,
        num_features=num_features,
        num_samples=ctx.options["num_samples"],
    )
    order = sorted(range(len(result.weights)), key=lambda i: -abs(result.weights[i]))
    labels = [result.conditions[i] for i in order]
    weights = [result.weights[i] for i in order]

    fig = render.new_figure(8.0, 0.42 * len(labels) + 1.8)
    ax = fig.add_subplot()
    colors = [render.POSITIVE if w > 0 else render.NEGATIVE for w in weights]
    ax.barh(range(len(labels)), weights, color=colors, height=0.65)
    ax.axvline(0, color=render.NEUTRAL, linewidth=0.8)
    span = max(abs(w) for w in weights) if weights else 1.0
    for y, w in enumerate(weights):
        ax.text(
            w + (0.02 if w >= 0 else -0.02) * span,
            y,
            fmt_signed(w),
            va="center",
            ha="left" if w >= 0 else "right",
            fontsize=8.5,
            color=render.TEXT,
        )
    ax.set_xlim(-span * 1.3, span * 1.3)
    style_barh(ax, labels)
    what = f"P({result.label_name})" if ctx.model.is_classification else f"predicted {result.label_name}"
    ax.set_xlabel(f"weight in the local linear model (effect on {what})")
    subtitle = (
        f"test row {ctx.instance}: model {what} = {fmt(result.model_prediction)}, "
        f"local model {fmt(result.local_prediction)} (R² {fmt(result.score)}); "
        f"{ctx.options['num_samples']} perturbed samples"
    )
    render.set_titles(fig, f"LIME: test row {ctx.instance}", subtitle, ax)
    data = {
        "row": ctx.instance,
        "explained_output": result.label_name,
        "conditions": labels,
        "features": [result.features[i] for i in order],
        "weights": weights,
        "intercept": result.intercept,
        "local_prediction": result.local_prediction,
        "model_prediction": result.model_prediction,
        "score": result.score,
        "num_samples": ctx.options["num_samples"],
    }
    return Explanation(data=data, figures=[("lime", fig)])


def estimate(view: SpecView) -> float:
    return cost.lime_seconds(view, 1, view.options["num_samples"]) + cost.RENDER_SECONDS


EXPLANATION = ExplanationInfo(
    key="lime",
    title="LIME (one prediction)",
    description="Perturbs the row, queries the model and fits a weighted sparse linear model that mimics it nearby.",
    needs_instance=True,
    compute=compute,
    cost=estimate,
    options=(
        Param("num_features", "int", 8, "conditions shown (features in the local model)", min=1, max=20),
        Param("num_samples", "int", 5000, "perturbed samples (fewer = faster but less stable)", min=500, max=10000),
    ),
)
