"""Feature interactions: SHAP interaction values (tree models) and Friedman's H-statistic.

* SHAP interaction values (Lundberg et al., 2020) split each row's SHAP value of feature j
  into a main effect (the diagonal) and one term per other feature k (half of the pair's
  interaction on each side); shap's ``TreeExplainer.shap_interaction_values`` computes them
  exactly for tree ensembles. Shown: mean |value| over a sample of test rows, per pair (both
  halves added).
* Friedman & Popescu's H-statistic for every pair of the most important features, for any
  model: the share of the variance of the pair's joint partial dependence that the two
  one-feature partial dependences do not explain,
  ``H²_jk = Σ_i [PD_jk(x_ij, x_ik) - PD_j(x_ij) - PD_k(x_ik)]² / Σ_i PD_jk(x_ij, x_ik)²``
  with every PD centred, evaluated at a sample of training rows. H = 0 means no interaction;
  H = 1 means the pair's effect is all interaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import GLOBAL_SEED, ExplainContext, Explanation, ExplanationInfo, SpecView

if TYPE_CHECKING:
    import numpy as np

    from explainlab.engine.models.base import FittedModel

TOP = 6  # most important features whose pairs are measured (15 pairs)
H_ROWS = 40  # training rows the partial dependences are evaluated at (H_ROWS² model rows per PD)
INTERACTION_SECONDS = 0.6  # TreeSHAP interaction values cost ~(p + 1) TreeSHAP runs per row
INTERACTION_ROWS = 100
INTERACTION_MIN_ROWS = 10
INTERACTION_FACTOR = 2.5  # measured (RF, loan, idle worker): ≈ 2.5·(p + 1) times a SHAP row


def _outputs(model: FittedModel, X: np.ndarray) -> np.ndarray:
    out = model.predict_output(X)
    if model.task == "binary":
        return out[:, 1:]
    return out if model.task == "multiclass" else out[:, None]


def h_statistic(model: FittedModel, X: np.ndarray, features: list[int]) -> np.ndarray:
    """Pairwise H (not squared) for ``features``, evaluated at the rows of ``X``."""
    import itertools

    import numpy as np

    n = X.shape[0]
    pairs = list(itertools.combinations(range(len(features)), 2))
    blocks = []
    for a in range(len(features)):
        j = features[a]
        block = np.repeat(X[None, :, :], n, axis=0)  # block[g, i] = row i with x_j := x_gj
        block[:, :, j] = X[:, j][:, None]
        blocks.append(block.reshape(-1, X.shape[1]))
    for a, b in pairs:
        j, k = features[a], features[b]
        block = np.repeat(X[None, :, :], n, axis=0)
        block[:, :, j] = X[:, j][:, None]
        block[:, :, k] = X[:, k][:, None]
        blocks.append(block.reshape(-1, X.shape[1]))
    predictions = _outputs(model, np.vstack(blocks)).reshape(len(blocks), n, n, -1)
    pd = predictions.mean(axis=2)  # (blocks, grid rows, outputs): average over the other rows
    pd = pd - pd.mean(axis=1, keepdims=True)
    H = np.zeros((len(features), len(features)))
    for p_index, (a, b) in enumerate(pairs):
        joint = pd[len(features) + p_index]
        residual = joint - pd[a] - pd[b]
        denominator = float((joint**2).sum())
        value = float((residual**2).sum()) / denominator if denominator > 1e-12 else 0.0
        H[a, b] = H[b, a] = np.sqrt(min(max(value, 0.0), 1.0))
    return H


def _tree_rows(model: FittedModel) -> np.ndarray:
    from explainlab.engine.explanations._shap import _trees, global_sample, tree_seconds_per_row

    trees = _trees(model)
    per_row = tree_seconds_per_row(len(trees), sum(t.get_n_leaves() * t.get_depth() for t in trees))
    per_row *= INTERACTION_FACTOR * (model.dataset.X_test.shape[1] + 1)
    limit = max(INTERACTION_MIN_ROWS, min(INTERACTION_ROWS, int(INTERACTION_SECONDS / per_row)))
    return global_sample(model.dataset.X_test.shape[0], limit)


def shap_interactions(model: FittedModel) -> tuple[np.ndarray, np.ndarray]:
    """(rows, features, features, outputs) SHAP interaction values of a test sample, and the rows."""
    import warnings

    import numpy as np

    from explainlab.engine.explanations._shap import _gb_multiclass_model, shap_module

    shap = shap_module()
    if model.task == "multiclass" and model.info.key == "gradient_boosting":
        explainer = shap.TreeExplainer(_gb_multiclass_model(model))
    else:
        explainer = shap.TreeExplainer(model.estimator)
    rows = _tree_rows(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = explainer.shap_interaction_values(model.dataset.X_test[rows])
    values = np.asarray(values, dtype=float)
    if values.ndim == 3:
        values = values[..., None]
    if model.task == "binary" and values.shape[3] == 2:
        values = values[..., 1:]
    return values, rows


def _heatmap(ax: Any, matrix: np.ndarray, labels: list[str], title: str, cmap: str, fmt_cell: Any) -> Any:
    import numpy as np

    from explainlab.engine import render

    masked = np.where(np.eye(len(labels), dtype=bool), np.nan, matrix)
    top = float(np.nanmax(masked)) if np.isfinite(masked).any() and np.nanmax(masked) > 0 else 1.0
    image = ax.imshow(masked, cmap=cmap, vmin=0, vmax=top)
    for a in range(len(labels)):
        for b in range(len(labels)):
            if a == b:
                continue
            value = matrix[a, b]
            ax.text(
                b,
                a,
                fmt_cell(value),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if value > 0.6 * top else render.TEXT,
            )
    ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_title(title, loc="left", fontsize=10, color=render.TEXT)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0)
    return image


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._common import fmt, ranking, sample_rows
    from explainlab.engine.explanations._shap import output_space

    model = ctx.model
    names = ctx.feature_names
    order = ranking(model)
    top = [names.index(n) for n in order[: min(TOP, len(names))]]
    labels = [names[j] for j in top]
    X = np.array(ctx.dataset.X_train[sample_rows(ctx.dataset.X_train.shape[0], H_ROWS, GLOBAL_SEED)])
    H = h_statistic(model, X, top)
    data: dict[str, Any] = {
        "features": labels,
        "h_statistic": H,
        "h_rows": X.shape[0],
        "shap_interaction": None,
    }
    strongest = max(((H[a, b], a, b) for a in range(len(top)) for b in range(a + 1, len(top))), default=(0.0, 0, 0))
    is_tree = model.info.shap_family == "tree"
    fig = render.new_figure(11.0 if is_tree else 6.4, 5.4)
    axes = fig.subplots(1, 2 if is_tree else 1, squeeze=False)[0]
    if is_tree:
        values, rows = shap_interactions(model)
        mean_abs = np.abs(values).mean(axis=(0, 3))  # (p, p), averaged over classes too
        pair = mean_abs + mean_abs.T  # both halves of the pair's interaction
        np.fill_diagonal(pair, np.diag(mean_abs))
        sub = pair[np.ix_(top, top)]
        first = values[0, :, :, 0]
        data["shap_interaction"] = {
            "features": labels,
            "mean_abs": sub,
            "main_effects": np.diag(mean_abs)[top],
            "rows": rows,
            "output_space": output_space(model),
            "first_row": {"row": int(rows[0]), "features": names, "values": first},
        }
        image = _heatmap(
            axes[0], sub, labels, f"mean |SHAP interaction| ({len(rows)} test rows)", "Purples", lambda v: fmt(v)
        )
        fig.colorbar(image, ax=axes[0], shrink=0.75)
    image = _heatmap(axes[-1], H, labels, f"Friedman's H ({X.shape[0]} training rows)", "Oranges", lambda v: f"{v:.2f}")
    fig.colorbar(image, ax=axes[-1], shrink=0.75)
    subtitle = (
        f"pairs of the {len(top)} most important features; strongest H: "
        f"{labels[strongest[1]]} and {labels[strongest[2]]} = {strongest[0]:.2f} "
        "(0 = the two effects add up, 1 = all interaction)"
    )
    render.set_titles(fig, "Feature interactions", subtitle)
    return Explanation(data=data, figures=[("interactions", fig)])


def estimate(view: SpecView) -> float:
    import math

    from explainlab.engine.explanations._shap import tree_seconds_per_row

    p = len(view.dataset.features)
    k = min(TOP, p)
    h_rows = min(H_ROWS, view.dataset.n_train)
    seconds = 0.05 + cost.shap_seconds(view, local=False) + cost.RENDER_SECONDS + 0.2
    seconds += cost.predict_seconds(view, (k + math.comb(k, 2)) * h_rows**2)
    if view.model.shap_family == "tree":
        leaves, depth = cost._tree_shape(view)
        trees = cost._n_trees(view)
        per_row = tree_seconds_per_row(trees, trees * leaves * depth) * INTERACTION_FACTOR * (p + 1)
        rows = max(INTERACTION_MIN_ROWS, min(INTERACTION_ROWS, int(INTERACTION_SECONDS / per_row)))
        seconds += 0.05 + min(rows, view.dataset.n_test) * per_row
    return seconds


EXPLANATION = ExplanationInfo(
    key="interactions",
    title="Feature interactions (SHAP interaction values, H-statistic)",
    description=(
        "How much pairs of features act together rather than add up: Friedman's H for any model, "
        "and exact SHAP interaction values for tree models."
    ),
    needs_instance=False,
    compute=compute,
    cost=estimate,
)
