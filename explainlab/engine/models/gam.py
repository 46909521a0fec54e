"""A generalised additive model: one spline basis per feature, then a (logistic) linear model.

Because ``SplineTransformer`` expands every feature on its own, the linear model's score is a
sum of one function per feature, ``f(x) = intercept + g_1(x_1) + ... + g_p(x_p)``, and each
``g_j`` (a "shape function") can be read off the coefficients of feature j's spline columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explainlab.engine.models.base import SEED, ModelInfo
from explainlab.engine.params import Param, Task

if TYPE_CHECKING:
    import numpy as np


def build(task: Task, params: Mapping[str, Any]) -> Any:
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import SplineTransformer

    # Uniform knots (not quantiles): binary columns such as `group` or `sex` would produce
    # duplicate quantile knots. Linear extrapolation keeps shapes sensible beyond the data.
    splines = SplineTransformer(
        n_knots=params["n_knots"], degree=params["degree"], knots="uniform", extrapolation="linear"
    )
    if task == "regression":
        model: Any = Ridge(alpha=params["alpha"])
    else:
        # One smoothing knob for both tasks: `alpha` is a penalty, LogisticRegression wants 1/C.
        model = LogisticRegression(C=1.0 / params["alpha"], max_iter=5000, random_state=SEED)
    return Pipeline([("splines", splines), ("model", model)])


@dataclass(frozen=True)
class ShapeFunction:
    """``values[i, k]``: contribution of the feature at ``grid[i]`` to output k (centred)."""

    feature: str
    grid: np.ndarray
    values: np.ndarray
    importance: float  # std of the contribution over the training rows


def shape_functions(
    pipeline: Any, X_train: np.ndarray, feature_names: list[str], n_grid: int = 100
) -> tuple[list[ShapeFunction], np.ndarray]:
    """Extract every feature's shape function and the matching intercept(s).

    Outputs are log-odds per class for classification (one column for binary: the positive
    class) and the prediction for regression. Each function is centred on its training mean,
    and the intercept absorbs the means, so ``intercept + Σ g_j(x_j)`` equals the model score.
    """
    import numpy as np

    splines, model = pipeline.named_steps["splines"], pipeline.named_steps["model"]
    n_features = X_train.shape[1]
    per_feature = splines.n_features_out_ // n_features
    coef = np.atleast_2d(model.coef_)  # (n_outputs, n_features * per_feature)
    intercept = np.atleast_1d(np.asarray(model.intercept_, dtype=float)).copy()
    basis_train = splines.transform(X_train)
    functions: list[ShapeFunction] = []
    for j, name in enumerate(feature_names):
        cols = slice(j * per_feature, (j + 1) * per_feature)
        lo, hi = float(X_train[:, j].min()), float(X_train[:, j].max())
        unique = np.unique(X_train[:, j])
        grid = unique if unique.size <= 10 else np.linspace(lo, hi, n_grid)
        X_grid = np.tile(np.median(X_train, axis=0), (grid.size, 1))
        X_grid[:, j] = grid
        contrib_grid = splines.transform(X_grid)[:, cols] @ coef[:, cols].T
        contrib_train = basis_train[:, cols] @ coef[:, cols].T
        centre = contrib_train.mean(axis=0)
        intercept += centre
        functions.append(
            ShapeFunction(
                feature=name,
                grid=grid,
                values=contrib_grid - centre,
                importance=float(contrib_train.std(axis=0).mean()),
            )
        )
    return functions, intercept


MODEL = ModelInfo(
    key="gam",
    title="Generalised additive model (splines)",
    description="B-spline basis per feature + logistic/ridge regression: additive, with a plottable shape per feature.",
    params=(
        Param("n_knots", "int", 5, "knots per feature spline", min=3, max=12),
        Param("degree", "int", 3, "spline degree (1 = piecewise linear)", min=1, max=3),
        Param("alpha", "float", 1.0, "smoothing penalty (larger = flatter shapes)", min=0.001, max=1000.0),
    ),
    shap_family="agnostic",
    build=build,
)
