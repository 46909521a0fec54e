"""Partial dependence (average effect) with individual conditional expectation curves."""

from __future__ import annotations

import warnings
from typing import Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import GLOBAL_SEED, ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import Param

GRID = 40
ROWS = 300  # training rows the curves are computed on
ICE_LINES = 50  # drawn; more turn into a grey blur


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np
    from sklearn.inspection import partial_dependence

    from explainlab.engine import render
    from explainlab.engine.explanations._common import (
        class_color,
        feature_value,
        ranking,
        sample_rows,
        space_label,
    )

    model = ctx.model
    names = ctx.feature_names
    feature = ctx.options["feature"] or ranking(model)[0]
    show_ice = ctx.options["ice"]
    j = names.index(feature)
    X = ctx.dataset.X_train[sample_rows(ctx.dataset.X_train.shape[0], ROWS, GLOBAL_SEED)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. integer-valued columns treated as numeric
        result = partial_dependence(
            model.estimator,
            X,
            [j],
            kind="both" if show_ice else "average",
            grid_resolution=GRID,
            method="brute",
        )
    grid = np.asarray(result["grid_values"][0], dtype=float)
    average = np.asarray(result["average"], dtype=float)  # (outputs, grid)
    individual = np.asarray(result["individual"], dtype=float) if show_ice else None  # (outputs, rows, grid)
    if model.task == "binary":
        outputs = [model.class_names[1]]
    elif model.task == "multiclass":
        outputs = model.class_names
    else:
        outputs = [ctx.dataset.info.target_names[0]]
    space = "probability" if model.is_classification else "prediction"

    # scikit-learn's grid: every distinct value when there are few, else GRID points from the
    # 5th to the 95th percentile of the rows (the tails are not computed, so say so).
    column = X[:, j]
    distinct = np.unique(column)
    binary = distinct.size <= 2
    spans_percentiles = distinct.size > GRID
    low, high = float(grid[0]), float(grid[-1])
    ice_rows = sample_rows(X.shape[0], ICE_LINES, GLOBAL_SEED + 1)
    n_panels = len(outputs)
    fig = render.new_figure(max(7.0, 4.2 * n_panels), 4.6)
    axes = fig.subplots(1, n_panels, sharey=True, squeeze=False)[0]
    for k, (ax, name) in enumerate(zip(axes, outputs, strict=True)):
        color = class_color(k) if n_panels > 1 else render.ACCENT
        if binary:
            # Two values: a line between them would suggest values in between. Each row's pair
            # of outputs is a faint dot at each value, joined only by a faint segment.
            if individual is not None:
                for r in ice_rows:
                    ax.plot(grid, individual[k, r], color=render.MUTED, linewidth=0.5, alpha=0.3, zorder=1)
                    ax.scatter(grid, individual[k, r], s=9, color=render.MUTED, alpha=0.5, zorder=2, linewidths=0)
            ax.scatter(grid, average[k], s=90, color=color, zorder=3, label="average (partial dependence)")
            ax.set_xticks(grid, [feature_value(v) for v in grid])
            ax.set_xlim(grid[0] - 0.5 * (grid[-1] - grid[0] or 1), grid[-1] + 0.5 * (grid[-1] - grid[0] or 1))
        else:
            if individual is not None:
                for r in ice_rows:
                    ax.plot(grid, individual[k, r], color=render.MUTED, linewidth=0.7, alpha=0.45, zorder=1)
            marker = "o" if grid.size <= 10 else None
            ax.plot(
                grid,
                average[k],
                color=color,
                linewidth=2.6,
                marker=marker,
                zorder=3,
                label="average (partial dependence)",
            )
        deciles = np.percentile(X[:, j], np.arange(10, 100, 10))
        ax.plot(
            deciles,
            np.zeros_like(deciles),
            "|",
            color=render.TEXT,
            markersize=10,
            transform=ax.get_xaxis_transform(),
            zorder=4,
        )
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
    axes[0].set_ylabel(space_label(space, outputs[0]) if n_panels == 1 else "predicted probability")
    if individual is not None:
        axes[0].plot([], [], color=render.MUTED, linewidth=1, label="one row (ICE)")
    # Below the plot, never on top of a curve.
    axes[0].legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), ncol=2, frameon=False)
    if spans_percentiles:
        range_text = (
            f"grid: {GRID} points from {feature_value(low)} to {feature_value(high)} "
            f"(5th to 95th percentile; the tails are not computed)"
        )
    else:
        range_text = f"grid: each of the {grid.size} distinct values, {feature_value(low)} to {feature_value(high)}"
    subtitle = (
        f"model output as {feature} varies, other features unchanged; {X.shape[0]} training rows"
        + (f", {len(ice_rows)} drawn as ICE {'points' if binary else 'lines'}" if individual is not None else "")
        + f"; {range_text}; ticks = deciles"
    )
    render.set_titles(
        fig,
        f"Partial dependence{' and ICE' if show_ice else ''}: {feature}",
        subtitle,
        axes[0] if n_panels == 1 else None,
    )
    data: dict[str, Any] = {
        "feature": feature,
        "grid": grid,
        "outputs": outputs,
        "output_space": space,
        "average": average,
        "n_rows": X.shape[0],
        "grid_range": {
            "low": low,
            "high": high,
            "kind": "percentiles 5-95" if spans_percentiles else "distinct values",
            "feature_min": float(column.min()),
            "feature_max": float(column.max()),
        },
        "drawn_as": "points" if binary else "curve",
    }
    if individual is not None:
        data["ice"] = individual[:, ice_rows, :]
    return Explanation(data=data, figures=[("pdp_ice", fig)])


def estimate(view: SpecView) -> float:
    rows = min(ROWS, view.dataset.n_train)
    default_feature = cost.shap_seconds(view, local=False) if view.options["feature"] is None else 0.0
    return 0.05 + GRID * cost.predict_seconds(view, rows) + cost.RENDER_SECONDS + 0.3 + default_feature


EXPLANATION = ExplanationInfo(
    key="pdp_ice",
    title="Partial dependence & ICE",
    description="Average model output as one feature varies (thick line) and the same curve for individual rows (ICE).",
    needs_instance=False,
    compute=compute,
    cost=estimate,
    options=(
        Param("feature", "feature", None, "feature to vary (null = the most important by mean |SHAP|)", nullable=True),
        Param("ice", "bool", True, "also draw individual (ICE) curves"),
    ),
)
