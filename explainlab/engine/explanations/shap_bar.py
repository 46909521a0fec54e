"""Global SHAP importance: mean |SHAP value| per feature over a sample of test rows."""

from __future__ import annotations

from typing import Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._common import MAX_BARS, fmt, plural, style_barh
    from explainlab.engine.explanations._shap import global_shap, output_note

    sv = global_shap(ctx.model)
    names = ctx.feature_names
    importance = sv.importance()
    order = np.argsort(-importance, kind="stable")
    # Per-class share of the class-averaged importance: stacked bars sum to the average.
    per_output = np.abs(sv.values).mean(axis=0) / sv.values.shape[2]  # (features, outputs)

    shown = order[:MAX_BARS]
    rest = order[MAX_BARS:]
    labels = [names[i] for i in shown]
    stacks = per_output[shown]
    if rest.size:
        labels.append(f"sum of {plural(int(rest.size), 'other feature')}")
        stacks = np.vstack([stacks, per_output[rest].sum(axis=0)])

    fig = render.new_figure(8.0, 0.36 * len(labels) + 1.6)
    ax = fig.add_subplot()
    left = np.zeros(len(labels))
    for k in range(stacks.shape[1]):
        color = render.CLASS_COLORS[k % len(render.CLASS_COLORS)] if sv.multiclass else render.POSITIVE
        ax.barh(
            range(len(labels)),
            stacks[:, k],
            left=left,
            color=color,
            height=0.7,
            label=sv.output_label(k) if sv.multiclass else None,
        )
        left += stacks[:, k]
    errors = sv.importance_error()
    bar_errors = None
    if errors is not None:
        # Errors of the shown bars; the "sum of others" bar adds independent errors.
        bar_errors = list(errors[shown])
        if rest.size:
            bar_errors.append(float(np.sqrt((errors[rest] ** 2).sum())))
        ax.errorbar(
            left,
            range(len(labels)),
            xerr=2 * np.asarray(bar_errors),
            fmt="none",
            ecolor=render.TEXT,
            elinewidth=1.0,
            capsize=3,
            zorder=4,
        )
    for y, total in enumerate(left):
        pad = 2 * bar_errors[y] if bar_errors is not None else 0.0
        ax.text(total + pad, y, f"  {fmt(float(total))}", va="center", fontsize=8.5, color=render.TEXT)
    ax.set_xlim(0, left.max() * 1.15 if left.max() > 0 else 1)
    style_barh(ax, labels)
    averaged = " (averaged over classes)" if sv.multiclass else ""
    ax.set_xlabel(f"mean |SHAP value|{averaged}: average impact on {output_note(sv)}")
    if sv.multiclass:
        ax.legend(title="class", loc="lower right")
    render.set_titles(
        fig,
        "SHAP feature importance",
        f"{sv.method} on {len(sv.rows)} test rows; longer bar = larger average effect on the output"
        + ("; whiskers: ±2 standard errors of the sampling" if errors is not None else ""),
        ax,
    )
    data: dict[str, Any] = {
        "features": [names[i] for i in order],
        "mean_abs_shap": importance[order],
        "output_space": sv.output_space,
        "outputs": sv.output_names,
        "per_output": {
            sv.output_label(k): per_output[order, k] * sv.values.shape[2] for k in range(sv.values.shape[2])
        },
        "base_values": sv.base_values,
        "n_rows": len(sv.rows),
        "method": sv.method,
        # Standard error of each mean |SHAP| from the sampling (null: computed exactly).
        "uncertainty": errors[order] if errors is not None else None,
    }
    return Explanation(data=data, figures=[("shap_bar", fig)])


def estimate(view: SpecView) -> float:
    return cost.shap_seconds(view, local=False) + cost.RENDER_SECONDS


EXPLANATION = ExplanationInfo(
    key="shap_bar",
    title="SHAP importance (bar)",
    description="Mean absolute SHAP value per feature over test rows: which features move predictions most.",
    needs_instance=False,
    compute=compute,
    cost=estimate,
)
