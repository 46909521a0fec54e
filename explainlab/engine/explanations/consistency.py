"""Do SHAP, permutation importance and LIME agree on which features matter?

Each method ranks the features (SHAP: mean |value| on the global sample; permutation: mean
score drop; LIME: mean |weight| over a seeded sample of test rows). The plot shows each
feature's three ranks side by side, and the data holds Spearman/Kendall correlations per pair.
"""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING, Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import GLOBAL_SEED, ExplainContext, Explanation, ExplanationInfo, SpecView

if TYPE_CHECKING:
    import numpy as np

LIME_ROWS = 20
LIME_SAMPLES = 1000
PERMUTATION_REPEATS = 5
TOP = 10  # a feature is drawn if it is in the top TOP of at least one method
METHODS = (
    ("shap", "SHAP", "mean |SHAP value|"),
    ("permutation", "Permutation", "mean score drop"),
    ("lime", "LIME", f"mean |weight|, {LIME_ROWS} rows"),
)


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np
    from scipy.stats import kendalltau, rankdata, spearmanr

    from explainlab.engine import render
    from explainlab.engine.explanations._common import fmt, sample_rows
    from explainlab.engine.explanations._lime import explain, make_explainer
    from explainlab.engine.explanations._shap import global_shap
    from explainlab.engine.explanations.permutation_importance import permutation

    model, names = ctx.model, ctx.feature_names
    p = len(names)
    scores: dict[str, np.ndarray] = {"shap": global_shap(model).importance()}
    scores["permutation"] = permutation(model, PERMUTATION_REPEATS)[0].mean(axis=1)
    lime_rows = sample_rows(ctx.dataset.X_test.shape[0], LIME_ROWS, GLOBAL_SEED)
    explainer = make_explainer(model)  # one seeded explainer, rows in a fixed order: reproducible
    weights = np.zeros((len(lime_rows), p))
    for r, row in enumerate(lime_rows):
        result = explain(explainer, model, ctx.dataset.X_test[row], num_features=p, num_samples=LIME_SAMPLES)
        weights[r] = [abs(result.feature_weights[n]) for n in names]
    scores["lime"] = weights.mean(axis=0)

    # Scores equal up to floating-point noise are ties (e.g. two features whose shuffles drop
    # the accuracy by the same rows, summed in another order): snap them to a relative grid
    # first, then give ties their average rank.
    scores = {m: tie_scores(v) for m, v in scores.items()}
    ranks = {m: rankdata(-scores[m], method="average") for m, _, _ in METHODS}
    correlations: list[dict[str, Any]] = []
    for (m1, t1, _), (m2, t2, _) in combinations(METHODS, 2):
        rho = spearmanr(scores[m1], scores[m2]).statistic
        tau = kendalltau(scores[m1], scores[m2]).statistic
        correlations.append(
            {"methods": [m1, m2], "label": f"{t1} vs {t2}", "spearman": float(rho), "kendall": float(tau)}
        )

    # One row per feature that is in some method's top TOP, ordered by mean rank; a marker per
    # method at its rank. A long grey bar = the methods disagree about that feature.
    top = min(TOP, p)
    drawn = [j for j in range(p) if any(ranks[m][j] <= top for m, _, _ in METHODS)]
    drawn.sort(key=lambda j: (np.mean([ranks[m][j] for m, _, _ in METHODS]), j))
    fig = render.new_figure(8.6, 0.38 * len(drawn) + 2.2)
    ax = fig.add_subplot()
    offsets = np.linspace(-0.2, 0.2, len(METHODS))
    for y, j in enumerate(drawn):
        row = [ranks[m][j] for m, _, _ in METHODS]
        ax.plot([min(row), max(row)], [y, y], color="#d5dade", linewidth=6, solid_capstyle="round", zorder=1)
    markers = "o", "s", "D"
    for (m, title, what), offset, marker in zip(METHODS, offsets, markers, strict=True):
        ax.scatter(
            [ranks[m][j] for j in drawn],
            np.arange(len(drawn)) + offset,
            s=38,
            marker=marker,
            color=render.METHOD_COLORS[m],
            edgecolors="white",
            linewidths=0.6,
            zorder=3,
            label=f"{title} ({what})",
        )
    ax.set_yticks(range(len(drawn)), [names[j] for j in drawn])
    ax.set_ylim(len(drawn) - 0.4, -0.6)
    ax.set_xlim(0.3, p + 0.7)
    ticks = sorted({1, *range(5, p + 1, 5), p}) if p > 6 else list(range(1, p + 1))
    ax.set_xticks(ticks)
    ax.set_xlabel(f"rank (1 = most important, {p} = least)")
    ax.xaxis.grid(True)
    ax.set_axisbelow(True)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.14 if len(drawn) > 6 else -0.3), ncol=3, fontsize=8.5, frameon=False
    )
    summary = "; ".join(
        f"{c['label']} Spearman {fmt(c['spearman'], 2)}, Kendall {fmt(c['kendall'], 2)}" for c in correlations
    )
    shown = f"features in any method's top {top}" if len(drawn) < p else "all features"
    render.set_titles(
        fig,
        "Do SHAP, permutation importance and LIME agree?",
        f"rank of each feature by each method ({shown}); rank correlations over all {p} features: {summary}",
        ax,
    )
    data: dict[str, Any] = {
        "features": names,
        "scores": scores,
        "ranks": ranks,
        "correlations": correlations,
        "lime_rows": lime_rows,
        "lime_num_samples": LIME_SAMPLES,
        "permutation_repeats": PERMUTATION_REPEATS,
    }
    return Explanation(data=data, figures=[("consistency", fig)])


def tie_scores(values: np.ndarray, relative: float = 1e-9) -> np.ndarray:
    """``values`` rounded to ``relative`` times their largest magnitude, so noise-level
    differences (a few ulps) become exact ties; real differences are far larger."""
    import numpy as np

    scale = float(np.abs(values).max()) if values.size else 0.0
    if scale == 0.0:
        return np.zeros_like(values, dtype=float)
    step = scale * relative
    return np.round(np.asarray(values, dtype=float) / step) * step


def estimate(view: SpecView) -> float:
    rows = min(LIME_ROWS, view.dataset.n_test)
    return (
        cost.shap_seconds(view, local=False)
        + cost.permutation_seconds(view, PERMUTATION_REPEATS)
        + cost.lime_seconds(view, rows, LIME_SAMPLES)
        + cost.RENDER_SECONDS
    )


EXPLANATION = ExplanationInfo(
    key="consistency",
    title="Consistency of explanations",
    description="Ranks features by SHAP, permutation importance and LIME side by side, with rank correlations.",
    needs_instance=False,
    compute=compute,
    cost=estimate,
)
