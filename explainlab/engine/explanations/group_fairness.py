"""Group fairness: per-group rates, demographic parity, equalised odds, and the proxy's SHAP.

On the test split, for each group of a sensitive feature (the loan data's ``group``):
base rate (actual positives), selection rate (predicted positives), true and false positive
rates, precision and accuracy. The usual summaries, as fairlearn defines them:

* demographic parity difference = largest minus smallest selection rate (ratio: smallest
  over largest; the "80 % rule" asks for a ratio >= 0.8);
* equalised odds difference = the larger of the TPR range and the FPR range;
* equal opportunity difference = the TPR range.

A model can treat groups differently without using the sensitive feature, through a proxy:
the feature most correlated with it (income, on the loan data). The SHAP values of the global
sample split the gap in mean model output between the groups into one term per feature
(mean SHAP value in one group minus in the other; the terms add up to the gap), so the
proxy's share is visible next to the sensitive feature's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import Param

if TYPE_CHECKING:
    import numpy as np

DEFAULT_FEATURE = "group"
MAX_GROUPS = 6  # a feature with more distinct values is split at its median


def groups_of(column: np.ndarray, train_column: np.ndarray, name: str) -> tuple[np.ndarray, list[str]]:
    """(group index per row, group labels)."""
    import numpy as np

    from explainlab.engine.explanations._common import feature_value

    values = np.unique(train_column)
    if len(values) <= MAX_GROUPS:
        index = np.searchsorted(values, column)
        return np.clip(index, 0, len(values) - 1), [f"{name} = {feature_value(v)}" for v in values]
    median = float(np.median(train_column))
    return (column > median).astype(int), [f"{name} <= {feature_value(median)}", f"{name} > {feature_value(median)}"]


def _rate(numerator: np.ndarray) -> float | None:
    return float(numerator.mean()) if numerator.size else None


def _spread(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) - min(present) if present else None


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._common import class_color, fmt, space_label, style_barh
    from explainlab.engine.explanations._shap import global_shap

    model = ctx.model
    names = ctx.feature_names
    feature = ctx.options["feature"] or DEFAULT_FEATURE
    s = names.index(feature)
    X, y = ctx.dataset.X_test, ctx.dataset.y_test
    predicted = model.predict(X)
    index, labels = groups_of(X[:, s], ctx.dataset.X_train[:, s], feature)
    per_group: list[dict[str, Any]] = []
    for g, label in enumerate(labels):
        inside = index == g
        yt, yp = y[inside], predicted[inside]
        per_group.append(
            {
                "group": label,
                "n": int(inside.sum()),
                "base_rate": _rate(yt),
                "selection_rate": _rate(yp),
                "true_positive_rate": _rate(yp[yt == 1]),
                "false_positive_rate": _rate(yp[yt == 0]),
                "precision": _rate(yt[yp == 1]),
                "accuracy": _rate(yp == yt),
            }
        )
    selection = [g["selection_rate"] for g in per_group]
    tpr = [g["true_positive_rate"] for g in per_group]
    fpr = [g["false_positive_rate"] for g in per_group]
    present = [v for v in selection if v is not None]
    dp_ratio = min(present) / max(present) if present and max(present) > 0 else None
    tpr_gap, fpr_gap = _spread(tpr), _spread(fpr)
    metrics = {
        "demographic_parity_difference": _spread(selection),
        "demographic_parity_ratio": dp_ratio,
        "equalized_odds_difference": max(v for v in (tpr_gap, fpr_gap) if v is not None)
        if tpr_gap is not None or fpr_gap is not None
        else None,
        "equal_opportunity_difference": tpr_gap,
    }

    X_train = ctx.dataset.X_train
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(X_train, rowvar=False)[s]
    corr = np.where(np.isfinite(corr), corr, 0.0)
    proxy = max((j for j in range(len(names)) if j != s), key=lambda j: (abs(corr[j]), -j))

    sv = global_shap(model)
    values, _ = sv.signed()
    sample_groups, _ = groups_of(sv.data[:, s], X_train[:, s], feature)
    # The two largest groups are compared: the gap in mean output, split per feature.
    sizes = np.bincount(sample_groups, minlength=len(labels))
    a, b = sorted(np.argsort(-sizes, kind="stable")[:2])
    mean_a, mean_b = values[sample_groups == a].mean(axis=0), values[sample_groups == b].mean(axis=0)
    contribution = mean_b - mean_a
    shap_by_group = {
        labels[g]: {
            "n": int((sample_groups == g).sum()),
            "proxy_mean_shap": float(values[sample_groups == g, proxy].mean()) if (sample_groups == g).any() else None,
            "feature_mean_shap": float(values[sample_groups == g, s].mean()) if (sample_groups == g).any() else None,
        }
        for g in range(len(labels))
    }
    data: dict[str, Any] = {
        "feature": feature,
        "positive_class": model.class_names[1],
        "groups": per_group,
        "metrics": metrics,
        "proxy": {
            "feature": names[proxy],
            "correlation": float(corr[proxy]),
            "shap_by_group": shap_by_group,
        },
        "gap": {
            "from": labels[a],
            "to": labels[b],
            "features": names,
            "contributions": contribution,
            "total": float(contribution.sum()),
            "output_space": sv.output_space,
            "rows": sv.rows,
        },
    }

    fig = render.new_figure(11.0, 4.9)
    grid = fig.add_gridspec(1, 2, width_ratios=(1.25, 1.0))
    ax = fig.add_subplot(grid[0])
    kinds = [
        ("selection_rate", "selection rate"),
        ("true_positive_rate", "true positive rate"),
        ("false_positive_rate", "false positive rate"),
    ]
    width = 0.8 / len(labels)
    for g, group in enumerate(per_group):
        xs = [k + (g - (len(labels) - 1) / 2) * width for k in range(len(kinds))]
        heights = [group[key] if group[key] is not None else 0.0 for key, _ in kinds]
        ax.bar(xs, heights, width=width * 0.92, color=class_color(g), label=f"{group['group']} (n = {group['n']})")
        for x, h in zip(xs, heights, strict=True):
            ax.text(x, h + 0.015, fmt(h, 2), ha="center", fontsize=8, color=render.TEXT)
    ax.set_xticks(range(len(kinds)), [k[1] for k in kinds])
    ax.set_ylim(0, 1.25)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel(f"share of test rows predicted {model.class_names[1]}")
    ax.yaxis.grid(True)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", fontsize=8.5, ncols=min(3, len(labels)))
    ax.set_title(
        f"demographic parity difference {fmt(metrics['demographic_parity_difference'] or 0.0)} "
        f"(ratio {fmt(dp_ratio or 0.0)}); equalised odds difference {fmt(metrics['equalized_odds_difference'] or 0.0)}",
        loc="left",
        fontsize=9,
        color=render.NEUTRAL,
    )

    bx = fig.add_subplot(grid[1])
    order = np.argsort(-np.abs(contribution), kind="stable")
    shown = order[:10]
    colors = []
    for j in shown:
        if j == proxy:
            colors.append(render.POSITIVE)
        elif j == s:
            colors.append(render.NEUTRAL)
        else:
            colors.append(render.MUTED)
    bx.barh(range(len(shown)), contribution[shown], color=colors, height=0.6)
    bx.axvline(0, color=render.NEUTRAL, linewidth=0.8)
    tags = {proxy: " (proxy)", s: " (sensitive)"}
    style_barh(bx, [names[j] + tags.get(int(j), "") for j in shown])
    bx.set_xlabel(f"mean SHAP, {labels[b]} minus {labels[a]} ({space_label(sv.output_space, model.class_names[1])})")
    bx.set_title(
        f"gap in mean output {fmt(float(contribution.sum()))}, split by feature ({len(sv.rows)} test rows)",
        loc="left",
        fontsize=9,
        color=render.NEUTRAL,
    )
    render.set_titles(
        fig,
        f"Group fairness by {feature}: per-group rates, and where the gap comes from",
        f"test split, positive class {model.class_names[1]}; {names[proxy]} is the feature most correlated "
        f"with {feature} (r = {fmt(float(corr[proxy]))}), the proxy through which a model can treat the groups "
        "differently without using the feature itself",
    )
    return Explanation(data=data, figures=[("group_fairness", fig)])


def check(view: SpecView) -> list[tuple[str, str]]:
    if view.options["feature"] is None and DEFAULT_FEATURE not in view.dataset.feature_names:
        return [
            (
                "options.feature",
                f"choose the sensitive feature: {view.dataset.key} has no {DEFAULT_FEATURE!r} column",
            )
        ]
    return []


def estimate(view: SpecView) -> float:
    return (
        0.05
        + cost.predict_seconds(view, view.dataset.n_test)
        + cost.shap_seconds(view, local=False)
        + cost.RENDER_SECONDS
        + 0.1
    )


EXPLANATION = ExplanationInfo(
    key="group_fairness",
    title="Group fairness (rates, parity, equalised odds, proxy)",
    description=(
        "Selection, true- and false-positive rates per group of a sensitive feature, demographic parity and "
        "equalised odds, and how much of the gap between groups SHAP attributes to a proxy feature."
    ),
    needs_instance=False,
    compute=compute,
    cost=estimate,
    tasks=frozenset({"binary"}),
    check=check,
    options=(
        Param(
            "feature",
            "feature",
            None,
            "sensitive feature (null = group); more than 6 values are split at the median",
            nullable=True,
        ),
    ),
)
