"""Counterfactuals: they flip the decision, hold immutable features, and are the nearest.

For a logistic regression the nearest change in L1 distance (each feature in units of its
median absolute deviation) is computable by hand: only the feature with the largest
|weight| · MAD moves, by exactly the amount that brings the logit to zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from explainlab.engine import SpecError, run_spec, validate_spec
from explainlab.engine.datasets import load
from explainlab.engine.run import fitted_model

LOAN_LINEAR = {"dataset": "loan", "model": "linear", "explanation": "counterfactual"}


def _mad(X: np.ndarray) -> np.ndarray:
    """Median absolute deviation; a 0/1 column (group) has none, so its std stands in."""
    mad = np.median(np.abs(X - np.median(X, axis=0)), axis=0)
    return np.where(mad > 0, mad, X.std(axis=0))


@pytest.mark.parametrize("instance", [0, 3, 11])
def test_linear_counterfactual_is_the_hand_computed_nearest(instance: int, assert_valid: Any) -> None:
    spec = validate_spec({**LOAN_LINEAR, "instance": instance})
    result = run_spec(spec)
    assert_valid(result, "counterfactual")
    model, _ = fitted_model(spec)
    data = load("loan")
    names = data.feature_names
    x0 = data.X_test[instance]
    scaler, logistic = model.estimator[0], model.estimator[1]
    weights = logistic.coef_[0] / scaler.scale_  # per raw unit
    logit = float(model.estimator.decision_function(x0[None, :])[0])
    mad = _mad(data.X_train)
    mutable = [j for j, n in enumerate(names) if n not in ("age", "group")]
    costs = {j: abs(logit) / (abs(weights[j]) * mad[j]) for j in mutable}
    in_range = {
        j: c
        for j, c in costs.items()
        if data.X_train[:, j].min() <= x0[j] - logit / weights[j] <= data.X_train[:, j].max()
    }
    best = min(in_range, key=in_range.__getitem__)
    found = result.data["counterfactual"]
    assert [c["feature"] for c in found["changes"]] == [names[best]]
    step = 0.001 if names[best] == "debt_ratio" else 0.1
    assert in_range[best] - 1e-6 <= found["distance"] <= in_range[best] + step / mad[best] + 1e-6
    expected_value = x0[best] - logit / weights[best]
    assert found["changes"][0]["to"] == pytest.approx(expected_value, abs=step + 1e-9)


@pytest.mark.parametrize("model", ["random_forest", "mlp", "gradient_boosting"])
def test_counterfactuals_flip_the_decision_and_hold_age_and_group(model: str) -> None:
    params = {"n_estimators": 30} if model != "mlp" else {"hidden_layer_sizes": [16]}
    spec = validate_spec(
        {"dataset": "loan", "model": model, "params": params, "explanation": "counterfactual", "instance": 2}
    )
    result = run_spec(spec)
    fitted, _ = fitted_model(spec)
    data = load("loan")
    names = data.feature_names
    original = fitted.predict(data.X_test[2:3])[0]
    assert result.data["held_fixed"] == ["age", "group"]
    for item in [result.data["counterfactual"], *result.data["alternatives"]]:
        z = np.array([item["values"][n] for n in names])
        assert fitted.predict(z[None, :])[0] != original, "the decision flips"
        assert item["predicted_class"] == fitted.class_names[1 - original]
        for held in ("age", "group"):
            assert z[names.index(held)] == data.X_test[2, names.index(held)]
        assert np.all(z >= data.X_train.min(axis=0)) and np.all(z <= data.X_train.max(axis=0))
        changed = {c["feature"] for c in item["changes"]}
        assert changed == {n for n, a, b in zip(names, z, data.X_test[2], strict=True) if a != b}
        recomputed = float(np.sum(np.abs(z - data.X_test[2]) / _mad(data.X_train)))
        assert item["distance"] == pytest.approx(recomputed, rel=1e-5)
    distances = [i["distance"] for i in [result.data["counterfactual"], *result.data["alternatives"]]]
    assert distances == sorted(distances)


def test_without_holding_fixed_nothing_is_held() -> None:
    result = run_spec({**LOAN_LINEAR, "instance": 0, "options": {"hold_fixed": False}})
    assert result.data["held_fixed"] == []


def test_multiclass_counterfactual_changes_the_predicted_class() -> None:
    spec = validate_spec({"dataset": "iris", "model": "decision_tree", "explanation": "counterfactual", "instance": 5})
    result = run_spec(spec)
    fitted, _ = fitted_model(spec)
    z = np.array([result.data["counterfactual"]["values"][n] for n in load("iris").feature_names])
    assert fitted.predict(z[None, :])[0] != fitted.predict(load("iris").X_test[5:6])[0]


def test_regression_has_no_decision_to_flip() -> None:
    with pytest.raises(SpecError) as info:
        validate_spec({"dataset": "diabetes", "model": "linear", "explanation": "counterfactual", "instance": 0})
    assert info.value.field == "explanation"
