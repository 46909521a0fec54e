"""Permutation importance: how much the test score drops when one feature is shuffled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import GLOBAL_SEED, ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import Param

if TYPE_CHECKING:
    import numpy as np

    from explainlab.engine.models.base import FittedModel


def permutation(model: FittedModel, n_repeats: int) -> tuple[np.ndarray, str]:
    """(features, repeats) drops of the test score when one column is shuffled.

    Same definition as ``sklearn.inspection.permutation_importance`` with the estimator's
    default score (accuracy / R²), but every shuffled copy of the test split is predicted in
    one batched call per feature: sklearn scores each copy separately, and a forest's
    per-call overhead then made this 10x slower.
    """
    import numpy as np
    from sklearn.metrics import accuracy_score, r2_score

    dataset = model.dataset
    X, y = dataset.X_test, dataset.y_test
    n = X.shape[0]
    rng = np.random.default_rng(GLOBAL_SEED)
    score = accuracy_score if model.is_classification else r2_score
    baseline = score(y, model.predict(X))
    drops = np.empty((X.shape[1], n_repeats))
    for j in range(X.shape[1]):
        shuffled = np.tile(X, (n_repeats, 1))
        for r in range(n_repeats):
            shuffled[r * n : (r + 1) * n, j] = X[rng.permutation(n), j]
        predictions = model.predict(shuffled)
        for r in range(n_repeats):
            drops[j, r] = baseline - score(y, predictions[r * n : (r + 1) * n])
    return drops, "accuracy" if model.is_classification else "R²"


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._common import MAX_BARS, fmt, plural, style_barh

    n_repeats = ctx.options["n_repeats"]
    importances, score = permutation(ctx.model, n_repeats)
    names = ctx.feature_names
    mean, std = importances.mean(axis=1), importances.std(axis=1)
    order = np.argsort(-mean, kind="stable")
    shown = order[:MAX_BARS]

    fig = render.new_figure(8.0, 0.4 * len(shown) + 1.7)
    ax = fig.add_subplot()
    positions = np.arange(len(shown))
    ax.boxplot(
        [importances[i] for i in shown],
        positions=positions,
        orientation="horizontal",
        widths=0.55,
        patch_artist=True,
        showfliers=True,
        boxprops={"facecolor": "#cfe0ec", "edgecolor": render.ACCENT},
        medianprops={"color": render.ACCENT, "linewidth": 1.6},
        whiskerprops={"color": render.ACCENT},
        capprops={"color": render.ACCENT},
        flierprops={"marker": "o", "markersize": 3, "markerfacecolor": render.ACCENT, "markeredgecolor": "none"},
    )
    ax.scatter(mean[shown], positions, marker="D", s=18, color=render.TEXT, zorder=3, label="mean")
    ax.axvline(0, color=render.NEUTRAL, linewidth=0.8, linestyle="--")
    style_barh(ax, [names[i] for i in shown])
    ax.set_xlabel(f"drop in test {score} when the feature is shuffled")
    ax.legend(loc="lower right")
    hidden = f"; {plural(len(order) - len(shown), 'weaker feature')} omitted" if len(order) > len(shown) else ""
    render.set_titles(
        fig,
        "Permutation importance",
        f"{n_repeats} shuffles per feature on {ctx.dataset.X_test.shape[0]} test rows "
        f"(baseline {score} {fmt(ctx.model.metrics['accuracy' if ctx.model.is_classification else 'r2'])}){hidden}",
        ax,
    )
    data: dict[str, Any] = {
        "features": [names[i] for i in order],
        "importances_mean": mean[order],
        "importances_std": std[order],
        "importances": importances[order],
        "score": score,
        "n_repeats": n_repeats,
    }
    return Explanation(data=data, figures=[("permutation_importance", fig)])


def estimate(view: SpecView) -> float:
    return cost.permutation_seconds(view, view.options["n_repeats"]) + cost.RENDER_SECONDS


EXPLANATION = ExplanationInfo(
    key="permutation_importance",
    title="Permutation importance",
    description="Shuffle one feature at a time on the test split and measure how much the score drops.",
    needs_instance=False,
    compute=compute,
    cost=estimate,
    options=(Param("n_repeats", "int", 10, "shuffles per feature", min=2, max=30),),
)
