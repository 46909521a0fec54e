"""Defects found by an independent recomputation of the lab's explanations, each pinned by a
check against a reference library or a hand computation."""

from __future__ import annotations

import numpy as np
import pytest

from explainlab.engine import run_spec
from explainlab.engine.datasets import load


def _diabetes_linear_by_hand() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Least squares on standardised inputs, fitted here with numpy alone."""
    data = load("diabetes")
    X, y = data.X_train, data.y_train
    mean, scale = X.mean(axis=0), X.std(axis=0)
    design = np.column_stack([np.ones(len(X)), (X - mean) / scale])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    prediction = design @ coef
    return coef[1:] / scale, mean, data.X_test, float(prediction.mean())


def test_d1_linear_shap_uses_the_training_data_as_background() -> None:
    """Base value = mean training prediction; SHAP_j = β_j (x_j - mean_j over training)."""
    weights, mean, X_test, mean_prediction = _diabetes_linear_by_hand()
    bar = run_spec({"dataset": "diabetes", "model": "linear", "explanation": "shap_bar"})
    assert bar.data["base_values"][0] == pytest.approx(mean_prediction, rel=1e-5)
    waterfall = run_spec({"dataset": "diabetes", "model": "linear", "explanation": "shap_waterfall", "instance": 7})
    assert waterfall.data["base_value"] == pytest.approx(mean_prediction, rel=1e-5)
    by_name = dict(zip(waterfall.data["features"], waterfall.data["shap_values"], strict=True))
    names = load("diabetes").feature_names
    expected = weights * (X_test[7] - mean)
    for j, name in enumerate(names):
        assert by_name[name] == pytest.approx(expected[j], rel=1e-4, abs=1e-6), name
