"""Decision regions of the model in the plane of two features (a slice through the model)."""

from __future__ import annotations

from typing import Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import GLOBAL_SEED, ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import CLASSIFICATION_TASKS, Param

RESOLUTION = 50  # grid points per axis (drawn with bilinear smoothing)
BACKGROUND_ROWS = 30  # training rows the other features are averaged over


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np
    from matplotlib.colors import LinearSegmentedColormap, to_rgb
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from explainlab.engine import render
    from explainlab.engine.explanations._common import class_color, ranking, sample_rows

    model, dataset = ctx.model, ctx.dataset
    names = ctx.feature_names
    pair = ctx.options["features"] or ranking(model)[:2]
    a, b = names.index(pair[0]), names.index(pair[1])

    # The model needs every feature. Holding the others at one point (e.g. medians) shows a
    # slice that can disagree with every real row; instead average the prediction over the
    # other features of a sample of training rows: a two-way partial dependence, i.e. the
    # model's typical answer at each (a, b).
    X_train = dataset.X_train
    background = X_train[sample_rows(X_train.shape[0], BACKGROUND_ROWS, GLOBAL_SEED)]

    def axis_grid(j: int) -> np.ndarray:
        lo, hi = float(X_train[:, j].min()), float(X_train[:, j].max())
        pad = 0.05 * (hi - lo or 1.0)
        return np.linspace(lo - pad, hi + pad, RESOLUTION)

    gx, gy = axis_grid(a), axis_grid(b)
    xx, yy = np.meshgrid(gx, gy)
    stacked = np.repeat(background[None, :, :], xx.size, axis=0)  # (cells, rows, features)
    stacked[:, :, a] = xx.ravel()[:, None]
    stacked[:, :, b] = yy.ravel()[:, None]
    proba = model.predict_output(stacked.reshape(-1, X_train.shape[1]))
    proba = proba.reshape(xx.size, background.shape[0], -1).mean(axis=1)  # (cells, classes)
    n_classes = proba.shape[1]
    predicted = proba.argmax(axis=1).reshape(xx.shape)
    confidence = proba.max(axis=1).reshape(xx.shape)

    fig = render.new_figure(8.0, 6.2)
    ax = fig.add_subplot()
    extent = (gx[0], gx[-1], gy[0], gy[-1])
    if n_classes == 2:
        cmap = LinearSegmentedColormap.from_list("pair", [class_color(0), "#f7f7f7", class_color(1)])
        image = ax.imshow(
            proba[:, 1].reshape(xx.shape),
            origin="lower",
            extent=extent,
            aspect="auto",
            cmap=cmap,
            vmin=0,
            vmax=1,
            alpha=0.85,
            interpolation="bilinear",
        )
        ax.contour(xx, yy, proba[:, 1].reshape(xx.shape), levels=[0.5], colors=render.TEXT, linewidths=1.4)
        bar = fig.colorbar(image, ax=ax, aspect=30, pad=0.01)
        bar.set_label(f"P({model.class_names[1]})")
        bar.outline.set_visible(False)
    else:
        # Class colour, faded where the model is unsure (max probability near 1/K).
        rgb = np.array([to_rgb(class_color(k)) for k in range(n_classes)])[predicted]
        strength = (confidence - 1 / n_classes) / (1 - 1 / n_classes)
        rgba = np.dstack([rgb, 0.15 + 0.55 * strength])
        ax.imshow(rgba, origin="lower", extent=extent, aspect="auto", interpolation="bilinear")
        ax.contour(xx, yy, predicted, levels=np.arange(n_classes) + 0.5, colors=render.TEXT, linewidths=1.0)
    # Points take the colour of the model's own prediction for that row (shape = true class),
    # so a point whose colour differs from the region under it shows where the averaged
    # picture and the model disagree; the agreement rate is reported.
    X_test = dataset.X_test
    points_predicted = np.argmax(model.predict_output(X_test), axis=1)
    at_points = np.repeat(background[None, :, :], X_test.shape[0], axis=0)
    at_points[:, :, a] = X_test[:, a][:, None]
    at_points[:, :, b] = X_test[:, b][:, None]
    region_proba = model.predict_output(at_points.reshape(-1, X_train.shape[1]))
    region = region_proba.reshape(X_test.shape[0], background.shape[0], -1).mean(axis=1).argmax(axis=1)
    agreement = float(np.mean(region == points_predicted))
    markers = "osD^vP"
    y_test = dataset.y_test
    for k in range(n_classes):
        mask = y_test == k
        ax.scatter(
            X_test[mask, a],
            X_test[mask, b],
            s=28,
            marker=markers[k % len(markers)],
            c=[class_color(int(c)) for c in points_predicted[mask]],
            edgecolors="white",
            linewidths=0.7,
            zorder=3,
        )
    handles: list[Any] = [
        Patch(facecolor=class_color(k), edgecolor="none", label=f"predicted {model.class_names[k]}")
        for k in range(n_classes)
    ]
    handles += [
        Line2D(
            [],
            [],
            marker=markers[k % len(markers)],
            linestyle="",
            color=render.MUTED,
            markeredgecolor="white",
            markersize=7,
            label=f"truly {model.class_names[k]}",
        )
        for k in range(n_classes)
    ]
    # Legend columns fill top to bottom: one column per class, its colour above its shape.
    paired = [h for k in range(n_classes) for h in (handles[k], handles[n_classes + k])]
    ax.legend(handles=paired, loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=n_classes, frameon=False)
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    ax.set_xlabel(pair[0])
    ax.set_ylabel(pair[1])
    render.set_titles(
        fig,
        f"Decision boundary: {pair[0]} vs {pair[1]}",
        f"regions: average prediction over the other features of {background.shape[0]} training rows "
        f"(two-way partial dependence); points: test rows coloured by the model's prediction, "
        f"shaped by their true class; the region under a point matches the model's prediction "
        f"for {agreement:.0%} of {X_test.shape[0]} test rows",
        ax,
    )
    step = 2  # every 2nd grid point: the plot's shape at a quarter of the size
    data: dict[str, Any] = {
        "features": list(pair),
        "background_rows": background.shape[0],
        "grid_x": gx[::step],
        "grid_y": gy[::step],
        "predicted_class": predicted[::step, ::step],
        "probability": (proba[:, 1].reshape(xx.shape) if n_classes == 2 else confidence)[::step, ::step],
        "probability_of": model.class_names[1] if n_classes == 2 else "predicted class",
        "class_names": model.class_names,
        "agreement": agreement,
        "points": {
            "rows": X_test.shape[0],
            "x": X_test[:, a],
            "y": X_test[:, b],
            "true_class": y_test,
            "predicted_class": points_predicted,
            "region_class": region,
        },
    }
    return Explanation(data=data, figures=[("decision_boundary", fig)])


def estimate(view: SpecView) -> float:
    default_pair = cost.shap_seconds(view, local=False) if view.options["features"] is None else 0.0
    rows = RESOLUTION**2 * min(BACKGROUND_ROWS, view.dataset.n_train)
    at_points = view.dataset.n_test * min(BACKGROUND_ROWS, view.dataset.n_train)
    return (
        0.05
        + cost.predict_seconds(view, rows)
        + cost.predict_seconds(view, at_points)
        + cost.RENDER_SECONDS
        + 0.3
        + default_pair
    )


EXPLANATION = ExplanationInfo(
    key="decision_boundary",
    title="Decision boundary (2 features)",
    description="Predicted class over a grid of two features (averaged over the others), with the test rows on top.",
    needs_instance=False,
    compute=compute,
    cost=estimate,
    tasks=CLASSIFICATION_TASKS,
    options=(
        Param(
            "features",
            "feature_pair",
            None,
            "the two features on the axes [x, y] (null = the two most important by mean |SHAP|)",
            nullable=True,
        ),
    ),
)
