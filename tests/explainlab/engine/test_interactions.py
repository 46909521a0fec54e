"""Interactions: SHAP interaction values agree with shap's TreeExplainer; H with a hand computation."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from explainlab.engine import run_spec, validate_spec
from explainlab.engine.datasets import load
from explainlab.engine.explanations.base import GLOBAL_SEED
from explainlab.engine.explanations.interactions import H_ROWS
from explainlab.engine.run import fitted_model


def _h_rows(X: np.ndarray) -> np.ndarray:
    return X[np.sort(np.random.default_rng(GLOBAL_SEED).choice(X.shape[0], size=H_ROWS, replace=False))]


def test_shap_interaction_values_agree_with_tree_explainer(assert_valid: Any) -> None:
    import shap

    spec = validate_spec(
        {
            "dataset": "loan",
            "model": "random_forest",
            "params": {"n_estimators": 20, "max_depth": 6},
            "explanation": "interactions",
        }
    )
    result = run_spec(spec)
    assert_valid(result, "interactions")
    model, _ = fitted_model(spec)
    names = load("loan").feature_names
    got = result.data["shap_interaction"]
    rows = got["rows"]
    X = load("loan").X_test[rows]
    explainer = shap.TreeExplainer(model.estimator)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = np.asarray(explainer.shap_interaction_values(X))[..., 1]  # approved
        shap_values = np.asarray(explainer.shap_values(X))[..., 1]
    mean_abs = np.abs(reference).mean(axis=0)
    pair = mean_abs + mean_abs.T
    np.fill_diagonal(pair, np.diag(mean_abs))
    order = [names.index(f) for f in got["features"]]
    np.testing.assert_allclose(got["mean_abs"], pair[np.ix_(order, order)], rtol=1e-4, atol=1e-7)
    first = np.array(got["first_row"]["values"])
    np.testing.assert_allclose(first, reference[0], rtol=1e-4, atol=1e-7)
    # Main effect plus every interaction term of a feature is its SHAP value.
    np.testing.assert_allclose(first.sum(axis=1), shap_values[0], atol=1e-5)


def _hand_h(f: Any, X: np.ndarray, j: int, k: int) -> float:
    """Friedman & Popescu's H for one pair, with explicit loops over the sample rows."""

    def pd(columns: list[int], values: list[float]) -> float:
        Z = X.copy()
        for c, v in zip(columns, values, strict=True):
            Z[:, c] = v
        return float(np.mean(f(Z)))

    joint = np.array([pd([j, k], [x[j], x[k]]) for x in X])
    one = np.array([pd([j], [x[j]]) for x in X])
    two = np.array([pd([k], [x[k]]) for x in X])
    joint, one, two = joint - joint.mean(), one - one.mean(), two - two.mean()
    return float(np.sqrt(np.sum((joint - one - two) ** 2) / np.sum(joint**2)))


def test_h_statistic_matches_the_hand_computation() -> None:
    spec = validate_spec(
        {"dataset": "loan", "model": "decision_tree", "params": {"max_depth": 6}, "explanation": "interactions"}
    )
    result = run_spec(spec)
    model, _ = fitted_model(spec)
    data = load("loan")
    X = _h_rows(np.array(data.X_train))
    features = result.data["features"]
    H = np.array(result.data["h_statistic"])
    f = lambda Z: model.estimator.predict_proba(Z)[:, 1]  # noqa: E731
    for a, b in [(0, 1), (1, 2), (0, 4)]:
        j, k = data.feature_names.index(features[a]), data.feature_names.index(features[b])
        assert H[a, b] == pytest.approx(_hand_h(f, X, j, k), abs=1e-5)
        assert H[a, b] == H[b, a]
    assert np.all(np.diag(H) == 0) and np.all((H >= 0) & (H <= 1))


@pytest.mark.parametrize("model", ["linear", "gam"])
def test_an_additive_regression_has_no_interactions(model: str) -> None:
    result = run_spec({"dataset": "diabetes", "model": model, "explanation": "interactions"})
    assert np.max(result.data["h_statistic"]) < 1e-5
    assert result.data["shap_interaction"] is None  # not a tree model: H only


def test_multiclass_gradient_boosting_gets_interaction_values() -> None:
    result = run_spec(
        {"dataset": "iris", "model": "gradient_boosting", "params": {"n_estimators": 20}, "explanation": "interactions"}
    )
    got = result.data["shap_interaction"]
    assert got is not None and np.array(got["first_row"]["values"]).shape == (4, 4)


def test_interaction_values_of_a_big_forest_are_refused_as_too_expensive() -> None:
    """100 unpruned trees on the loan data took 8 s for this view on an idle worker: refused."""
    from explainlab.engine import SpecError

    with pytest.raises(SpecError) as info:
        validate_spec({"dataset": "loan", "model": "random_forest", "explanation": "interactions"})
    assert "too expensive" in info.value.message and info.value.field.startswith("params.")
