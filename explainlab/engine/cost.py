"""A rough, deterministic estimate of how long a spec takes on the reference worker.

The estimate only has to separate "about a second" from "would hog a worker for a minute",
so it is a few calibrated formulas (fit time, predict time per call and per row), measured on
a 2-core worker with bench/explainlab/engine_probe.py. It errs on the expensive side.
Every function takes a :class:`SpecView` and returns seconds.
"""

from __future__ import annotations

import math
from itertools import pairwise

from explainlab.engine.explanations.base import SpecView

# The most a single job may cost, cold (training included), in CPU seconds on the reference
# worker. Specs above it are refused with a message naming the field to change. Every default
# spec estimates under 3 s; refused are e.g. 300 unpruned trees on the 5,000-row loan data with
# consistency/PDP/decision boundary, or MLPs with 256-unit layers on loan.
BUDGET_SECONDS = 4.0
RENDER_SECONDS = 0.4  # one PNG + one SVG of a typical figure
MLP_EPOCHS = 350  # typical worst case; the cap is 500


def _n_classes(view: SpecView) -> int:
    return len(view.dataset.target_names) if view.dataset.is_classification else 1


def _tree_shape(view: SpecView) -> tuple[float, float]:
    """Expected (leaves, depth) of one tree. Unlimited depth is the worst case: on noisy
    data (loan) a forest's trees reach ~0.18·n leaves and depth ~2.5·log2(leaves)."""
    params, n = view.params, view.dataset.n_train
    depth_limit = params.get("max_depth")
    if view.model.key == "gradient_boosting":
        return float(2 ** params["max_depth"]), float(params["max_depth"])
    cap = n / max(1, params.get("min_samples_leaf", 1))
    if view.model.key == "random_forest":
        cap = 0.2 * n
    leaves = float(min(cap, 2**depth_limit if depth_limit is not None else cap))
    depth = 2.5 * math.log2(leaves + 1)
    return leaves, float(min(depth, depth_limit)) if depth_limit is not None else depth


def _n_trees(view: SpecView) -> int:
    key = view.model.key
    if key == "random_forest":
        return int(view.params["n_estimators"])
    if key == "gradient_boosting":
        classes = _n_classes(view)
        return int(view.params["n_estimators"]) * (classes if classes > 2 else 1)
    return 1


def fit_seconds(view: SpecView) -> float:
    key, params, info = view.model.key, view.params, view.dataset
    n, p = info.n_train, len(info.features)
    if key == "random_forest":
        return 0.01 + params["n_estimators"] * n * math.sqrt(p) * math.log2(n + 1) * 3.0e-8
    if key == "gradient_boosting":
        return 0.02 + _n_trees(view) * n * p * params["max_depth"] * 4.8e-8
    if key == "mlp":
        # Per Adam epoch: a fixed cost per 200-row minibatch, plus terms in the layer widths
        # and in the weights; fits stop after 70-500 epochs (tolerance or the cap).
        hidden = params["hidden_layer_sizes"]
        sizes = [p, *hidden, _n_classes(view) if _n_classes(view) > 2 else 1]
        weights = sum(a * b for a, b in pairwise(sizes))
        # The weight term is ~6 flops per weight and row (forward + backward) at ~10 Gflop/s:
        # at 1e-10 an MLP [64, 64] on loan was estimated at 2.6 s and took 5-6.5 s.
        epoch = math.ceil(n / 200) * 1.0e-4 + n * sum(hidden) * 8.0e-9 + n * weights * 6.0e-10
        return 0.05 + MLP_EPOCHS * epoch
    if key == "gam":
        return 0.01 + n * p * (params["n_knots"] + params["degree"]) * 2.0e-7
    return 0.01 + n * p * 2.0e-7


def predict_seconds(view: SpecView, rows: float) -> float:
    """One prediction call on ``rows`` rows."""
    key, params, info = view.model.key, view.params, view.dataset
    p = len(info.features)
    if key == "random_forest":
        depth = _tree_shape(view)[1]
        return 0.001 + params["n_estimators"] * (5.0e-5 + rows * depth * 1.6e-9)
    if key == "gradient_boosting":
        return 0.0005 + _n_trees(view) * rows * params["max_depth"] * 2.0e-9
    if key == "knn":
        return 0.001 + rows * (1.0e-6 + info.n_train * p * 1.5e-10 + params["n_neighbors"] * 2.5e-7)
    if key == "mlp":
        sizes = [p, *params["hidden_layer_sizes"], max(2, _n_classes(view))]
        weights = sum(a * b for a, b in pairwise(sizes))
        return 0.0003 + rows * (1.0e-6 + weights * 1.5e-10)
    if key == "gam":
        return 0.001 + rows * p * (params["n_knots"] + params["degree"]) * 1.2e-8
    return 0.0002 + rows * p * 1.0e-8


def shap_seconds(view: SpecView, *, local: bool, permutations: int | None = None) -> float:
    """SHAP values of one row (local) or of the global sample (mirrors ``_shap.global_rows``)."""
    from explainlab.engine.explanations._shap import (
        GLOBAL_ROWS,
        KERNEL_BACKGROUND,
        PERMUTATIONS_GLOBAL,
        PERMUTATIONS_LOCAL,
        TREE_GLOBAL_SECONDS,
        TREE_MIN_ROWS,
        agnostic_evaluations,
        tree_seconds_per_row,
    )

    family = view.model.shap_family
    rows = 1 if local else min(view.dataset.n_test, GLOBAL_ROWS[family])
    p = len(view.dataset.features)
    if family == "tree":
        leaves, depth = _tree_shape(view)
        n_trees = _n_trees(view)
        per_row = tree_seconds_per_row(n_trees, n_trees * leaves * depth)
        if not local:
            rows = min(rows, max(TREE_MIN_ROWS, int(TREE_GLOBAL_SECONDS / per_row)))
        return 0.02 + rows * per_row
    if family == "linear":
        return 0.02 + rows * p * 1.0e-5
    if permutations is None:
        permutations = PERMUTATIONS_LOCAL if local else PERMUTATIONS_GLOBAL
    evaluations = agnostic_evaluations(p, permutations) * KERNEL_BACKGROUND
    # Masked inputs are built in numpy (~p floats each) and predicted in large batches.
    return 0.05 + rows * (predict_seconds(view, evaluations) + evaluations * p * 3.0e-8 + 0.002)


def lime_seconds(view: SpecView, rows: int, num_samples: int) -> float:
    p = len(view.dataset.features)
    per_row = predict_seconds(view, num_samples) + num_samples * p * 5.0e-7 + 0.01
    return 0.03 + rows * per_row


def permutation_seconds(view: SpecView, n_repeats: int) -> float:
    """One batched prediction per feature over n_repeats shuffled copies of the test split."""
    p = len(view.dataset.features)
    rows = n_repeats * view.dataset.n_test
    return 0.01 + p * (predict_seconds(view, rows) + rows * p * 2.0e-8 + n_repeats * 0.0003)
