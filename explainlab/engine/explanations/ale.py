"""Accumulated local effects (ALE), drawn beside the partial dependence of the same feature.

ALE (Apley & Zhu, 2020) answers the PDP's question without asking the model about
impossible rows: the feature's range is cut at quantiles, each row is moved only across the
edges of its own interval, the model's differences are averaged per interval and summed
from the left. Where features are correlated (income and age on the loan data), the PDP
averages over combinations the data never has and the two curves part.

First-order ALE as in Apley & Zhu (and R's ALEPlot): rows in interval k are those with
z_{k-1} < x <= z_k (the lowest value belongs to the first interval); the accumulated effect
is centred so its mean over the rows is zero (each interval weighted by its rows, at the
mean of its two edges). The PDP is computed on the same edges and rows and centred by the
mean prediction, so both curves have mean zero over the data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import GLOBAL_SEED, ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import Param

if TYPE_CHECKING:
    import numpy as np

    from explainlab.engine.models.base import FittedModel

INTERVALS = 20  # quantile intervals (fewer when the feature has fewer distinct values)
ROWS = 1000  # training rows both curves are computed on


def outputs(model: FittedModel, X: np.ndarray) -> np.ndarray:
    """(rows, outputs): P(positive class), P(each class), or the prediction."""
    out = model.predict_output(X)
    if model.task == "binary":
        return out[:, 1:]
    if model.task == "multiclass":
        return out
    return out[:, None]


def edges_for(column: np.ndarray, intervals: int = INTERVALS) -> np.ndarray:
    import numpy as np

    return np.unique(np.quantile(column, np.linspace(0.0, 1.0, intervals + 1)))


def ale(model: FittedModel, X: np.ndarray, j: int, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centred ALE at each edge (edges, outputs) and the rows per interval (intervals,)."""
    import numpy as np

    k = np.clip(np.searchsorted(edges, X[:, j], side="left"), 1, len(edges) - 1)
    lower, upper = X.copy(), X.copy()
    lower[:, j], upper[:, j] = edges[k - 1], edges[k]
    both = outputs(model, np.vstack([lower, upper]))
    diff = both[X.shape[0] :] - both[: X.shape[0]]
    counts = np.bincount(k - 1, minlength=len(edges) - 1)
    effect = np.zeros((len(edges) - 1, diff.shape[1]))
    for interval in range(len(edges) - 1):
        if counts[interval]:
            effect[interval] = diff[k - 1 == interval].mean(axis=0)
    accumulated = np.vstack([np.zeros((1, diff.shape[1])), np.cumsum(effect, axis=0)])
    centre = (counts[:, None] * (accumulated[:-1] + accumulated[1:]) / 2).sum(axis=0) / counts.sum()
    return accumulated - centre, counts


def pdp(model: FittedModel, X: np.ndarray, j: int, grid: np.ndarray) -> np.ndarray:
    """Partial dependence at each grid value (grid, outputs), centred by the mean prediction."""
    import numpy as np

    stacked = np.repeat(X[None, :, :], len(grid), axis=0)
    stacked[:, :, j] = grid[:, None]
    values = outputs(model, stacked.reshape(-1, X.shape[1])).reshape(len(grid), X.shape[0], -1).mean(axis=1)
    return values - outputs(model, X).mean(axis=0)


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._common import class_color, fmt, ranking, sample_rows, space_label

    model = ctx.model
    names = ctx.feature_names
    feature = ctx.options["feature"] or ranking(model)[0]
    j = names.index(feature)
    X = np.array(ctx.dataset.X_train[sample_rows(ctx.dataset.X_train.shape[0], ROWS, GLOBAL_SEED)])
    edges = edges_for(X[:, j])
    accumulated, counts = ale(model, X, j, edges)
    dependence = pdp(model, X, j, edges)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(X, rowvar=False)[j]
    corr = np.where(np.isfinite(corr), corr, 0.0)
    others = [i for i in np.argsort(-np.abs(corr), kind="stable") if i != j]
    partner = others[0] if others else j
    if model.task == "binary":
        output_names = [model.class_names[1]]
    elif model.task == "multiclass":
        output_names = model.class_names
    else:
        output_names = [ctx.dataset.info.target_names[0]]
    space = "probability" if model.is_classification else "prediction"
    gap = np.abs(accumulated - dependence).max(axis=0)

    n_panels = len(output_names)
    fig = render.new_figure(max(7.5, 4.2 * n_panels), 4.8)
    axes = fig.subplots(1, n_panels, sharey=True, squeeze=False)[0]
    binary_feature = len(edges) <= 2
    for k, (ax, name) in enumerate(zip(axes, output_names, strict=True)):
        color = class_color(k) if n_panels > 1 else render.ACCENT
        style = {"marker": "o", "markersize": 4} if len(edges) <= 12 else {}
        if binary_feature:
            style = {"marker": "o", "markersize": 7, "linestyle": "none"}
        ax.plot(edges, accumulated[:, k], color=color, linewidth=2.4, label="ALE", zorder=3, **style)
        ax.plot(
            edges,
            dependence[:, k],
            color=render.NEUTRAL,
            linewidth=1.6,
            linestyle="--" if not binary_feature else "none",
            marker="s" if binary_feature else None,
            label="partial dependence (centred)",
            zorder=2,
        )
        ax.axhline(0, color=render.MUTED, linewidth=0.8, zorder=1)
        ax.plot(edges, np.zeros_like(edges), "|", color=render.TEXT, markersize=9, transform=ax.get_xaxis_transform())
        ax.set_xlabel(feature)
        ax.grid(True)
        ax.set_axisbelow(True)
        if n_panels > 1:
            ax.set_title(
                name if name.lower().startswith("class") else f"class {name}",
                loc="left",
                fontsize=10,
                color=color,
                fontweight="bold",
            )
    label = space_label(space, output_names[0]) if n_panels == 1 else "predicted probability"
    axes[0].set_ylabel(f"effect on {label} (centred)")
    fig.legend(
        *axes[0].get_legend_handles_labels(),
        loc="outside lower center" if n_panels == 1 else "outside upper right",
        ncols=2,
        frameon=False,
        fontsize=9,
    )
    subtitle = (
        f"{len(edges) - 1} quantile intervals of {feature} (ticks = edges), {X.shape[0]} training rows. "
        f"{feature} is most correlated with {names[partner]} (r = {fmt(float(corr[partner]))}); "
        f"largest gap between the curves {fmt(float(gap.max()))}"
    )
    render.set_titles(
        fig,
        f"Accumulated local effects beside partial dependence: {feature}",
        subtitle,
        axes[0] if n_panels == 1 else None,
    )
    data: dict[str, Any] = {
        "feature": feature,
        "edges": edges,
        "counts": counts,
        "outputs": output_names,
        "output_space": space,
        "ale": accumulated,
        "pdp": dependence,
        "max_gap": gap,
        "correlations": dict(zip(names, corr, strict=True)),
        "most_correlated": names[partner],
        "n_rows": X.shape[0],
    }
    return Explanation(data=data, figures=[("ale", fig)])


def estimate(view: SpecView) -> float:
    rows = min(ROWS, view.dataset.n_train)
    default_feature = cost.shap_seconds(view, local=False) if view.options["feature"] is None else 0.0
    return (
        0.05
        + cost.predict_seconds(view, 2 * rows)
        + cost.predict_seconds(view, (INTERVALS + 1) * rows)
        + cost.RENDER_SECONDS
        + default_feature
    )


EXPLANATION = ExplanationInfo(
    key="ale",
    title="Accumulated local effects (ALE) vs partial dependence",
    description=(
        "The effect of one feature from small moves inside its own quantile interval, so correlated "
        "features are not pushed into combinations the data never has; drawn beside the PDP."
    ),
    needs_instance=False,
    compute=compute,
    cost=estimate,
    options=(
        Param("feature", "feature", None, "feature to vary (null = the most important by mean |SHAP|)", nullable=True),
    ),
)
