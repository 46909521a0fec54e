"""ALE against a hand computation of Apley & Zhu's estimator, and against a linear model's slope."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from explainlab.engine import run_spec, validate_spec
from explainlab.engine.datasets import load
from explainlab.engine.explanations.ale import ROWS
from explainlab.engine.explanations.base import GLOBAL_SEED
from explainlab.engine.run import fitted_model


def _rows(X: np.ndarray) -> np.ndarray:
    if X.shape[0] <= ROWS:
        return X
    return X[np.sort(np.random.default_rng(GLOBAL_SEED).choice(X.shape[0], size=ROWS, replace=False))]


def _hand_ale(f: Any, X: np.ndarray, j: int, edges: list[float]) -> np.ndarray:
    """The estimator written out row by row: interval k holds z[k-1] < x <= z[k] (the
    lowest value in the first), effects averaged per interval, summed, centred."""
    K = len(edges) - 1
    sums, counts = [0.0] * K, [0] * K
    for row in X:
        k = next(i for i in range(1, K + 1) if row[j] <= edges[i])
        low, high = row.copy(), row.copy()
        low[j], high[j] = edges[k - 1], edges[k]
        sums[k - 1] += f(high) - f(low)
        counts[k - 1] += 1
    curve = [0.0]
    for k in range(K):
        curve.append(curve[-1] + (sums[k] / counts[k] if counts[k] else 0.0))
    centre = sum(counts[k] * (curve[k] + curve[k + 1]) / 2 for k in range(K)) / sum(counts)
    return np.array(curve) - centre


def test_ale_matches_the_hand_computation_on_a_tree(assert_valid: Any) -> None:
    raw = {"dataset": "loan", "model": "decision_tree", "params": {"max_depth": 5}, "explanation": "ale"}
    spec = validate_spec({**raw, "options": {"feature": "income"}})
    result = run_spec(spec)
    assert_valid(result, "ale")
    model, _ = fitted_model(spec)
    data = load("loan")
    X = _rows(np.array(data.X_train))
    j = data.feature_names.index("income")
    edges = result.data["edges"]
    assert edges == pytest.approx(np.unique(np.quantile(X[:, j], np.linspace(0, 1, 21))).tolist(), rel=1e-5)
    expected = _hand_ale(lambda row: model.estimator.predict_proba(row[None, :])[0, 1], X, j, edges)
    np.testing.assert_allclose(np.array(result.data["ale"])[:, 0], expected, atol=2e-6)
    # The partial dependence beside it, also by hand, centred by the mean prediction.
    proba = model.estimator.predict_proba
    mean = proba(X)[:, 1].mean()
    pd = [proba(np.column_stack([X[:, :j], np.full(len(X), z), X[:, j + 1 :]]))[:, 1].mean() - mean for z in edges]
    np.testing.assert_allclose(np.array(result.data["pdp"])[:, 0], pd, atol=2e-6)


def test_ale_of_a_linear_regression_has_the_coefficient_as_slope() -> None:
    spec = validate_spec(
        {"dataset": "diabetes", "model": "linear", "explanation": "ale", "options": {"feature": "bmi"}}
    )
    result = run_spec(spec)
    model, _ = fitted_model(spec)
    scaler, linear = model.estimator[0], model.estimator[-1]
    j = load("diabetes").feature_names.index("bmi")
    slope = linear.coef_[j] / scaler.scale_[j]
    edges, curve = np.array(result.data["edges"]), np.array(result.data["ale"])[:, 0]
    np.testing.assert_allclose(np.diff(curve), slope * np.diff(edges), rtol=1e-4, atol=1e-4)
    # No interactions: the PDP has the same shape (the centring differs: interval midpoints vs rows).
    np.testing.assert_allclose(np.diff(np.array(result.data["pdp"])[:, 0]), np.diff(curve), rtol=1e-4, atol=1e-4)


def test_correlated_features_part_the_curves() -> None:
    """Petal width and length correlate at r = 0.96: the PDP of a kNN leaves the data there."""
    result = run_spec(
        {"dataset": "iris", "model": "knn", "explanation": "ale", "options": {"feature": "petal width (cm)"}}
    )
    assert result.data["most_correlated"] == "petal length (cm)"
    assert result.data["correlations"]["petal length (cm)"] > 0.9
    assert max(result.data["max_gap"]) > 0.1
    assert len(result.data["outputs"]) == 3 and np.array(result.data["ale"]).shape[1] == 3
