"""Anchors: the reported precision and coverage are recomputed from the rule's own bounds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.stats import binomtest

from explainlab.engine import SpecError, run_spec, validate_spec
from explainlab.engine.datasets import load
from explainlab.engine.run import fitted_model


def _inside(X: np.ndarray, names: list[str], conditions: list[dict[str, Any]]) -> np.ndarray:
    mask = np.ones(X.shape[0], dtype=bool)
    for c in conditions:
        column = X[:, names.index(c["feature"])]
        if c["lower"] is not None:
            mask &= column > c["lower"]
        if c["upper"] is not None:
            mask &= column <= c["upper"]
    return mask


@pytest.mark.parametrize(
    ("dataset", "model", "params", "instance"),
    [
        ("loan", "random_forest", {"n_estimators": 30}, 0),
        ("loan", "gradient_boosting", {"n_estimators": 30}, 9),
        ("breast_cancer", "linear", {}, 5),
        ("wine", "knn", {}, 3),
    ],
)
def test_precision_and_coverage_are_what_the_rule_says(
    dataset: str, model: str, params: dict[str, Any], instance: int, assert_valid: Any
) -> None:
    spec = validate_spec(
        {"dataset": dataset, "model": model, "params": params, "explanation": "anchors", "instance": instance}
    )
    result = run_spec(spec)
    assert_valid(result, "anchors")
    fitted, _ = fitted_model(spec)
    data = load(dataset)
    names = data.feature_names
    got = result.data
    target = fitted.predict(data.X_test[instance : instance + 1])[0]
    assert got["predicted_class"] == fitted.class_names[target]
    assert _inside(data.X_test[instance : instance + 1], names, got["conditions"])[0], "the row satisfies its rule"
    inside = _inside(data.X_train, names, got["conditions"])
    agree = fitted.predict(data.X_train)[inside] == target
    assert got["support"] == inside.sum() >= 10
    assert got["coverage"] == pytest.approx(inside.mean(), rel=1e-5)
    assert got["precision"] == pytest.approx(agree.mean(), rel=1e-5)
    wilson = binomtest(int(agree.sum()), int(inside.sum())).proportion_ci(method="wilson").low
    assert got["precision_lower_95"] == pytest.approx(wilson, rel=1e-4)
    held_out = _inside(data.X_test, names, got["conditions"])
    assert got["test_support"] == held_out.sum()
    assert got["test_coverage"] == pytest.approx(held_out.mean(), rel=1e-5)
    if held_out.any():
        assert got["test_precision"] == pytest.approx(
            (fitted.predict(data.X_test)[held_out] == target).mean(), rel=1e-5
        )
    if got["threshold_met"]:
        assert got["precision"] >= got["threshold"]
    steps = got["steps"]
    assert [s["conditions"] for s in steps] == list(range(len(got["conditions"]) + 1))
    assert steps[0]["coverage"] == 1.0 and steps[-1]["precision"] == got["precision"]
    assert " AND ".join(c["text"] for c in got["conditions"]) == got["rule"]


def test_a_longer_rule_means_no_single_condition_was_enough() -> None:
    """Every one-condition rule is tried, so a rule of two or more conditions proves none was."""
    spec = validate_spec(
        {
            "dataset": "loan",
            "model": "decision_tree",
            "params": {"max_depth": 6},
            "explanation": "anchors",
            "instance": 0,
        }
    )
    result = run_spec(spec)
    fitted, _ = fitted_model(spec)
    data = load("loan")
    assert len(result.data["conditions"]) >= 2 and result.data["threshold_met"]
    target = fitted.predict(data.X_test[:1])[0]
    train_pred = fitted.predict(data.X_train)
    for j in range(len(data.feature_names)):
        column = data.X_train[:, j]
        cuts = (
            np.unique(column)[:-1] if len(np.unique(column)) <= 4 else np.unique(np.quantile(column, [0.25, 0.5, 0.75]))
        )
        b = np.searchsorted(cuts, data.X_test[0, j], side="left")
        mask = np.ones(len(column), dtype=bool)
        if b > 0:
            mask &= column > cuts[b - 1]
        if b < len(cuts):
            mask &= column <= cuts[b]
        assert (train_pred[mask] == target).mean() < result.data["threshold"]


def test_a_lower_threshold_gives_a_rule_at_least_as_broad() -> None:
    base = {"dataset": "loan", "model": "decision_tree", "explanation": "anchors", "instance": 0}
    strict = run_spec({**base, "options": {"threshold": 0.99}}).data
    loose = run_spec({**base, "options": {"threshold": 0.8}}).data
    assert loose["coverage"] >= strict["coverage"] and loose["precision"] >= 0.8


def test_anchors_need_a_classification_dataset() -> None:
    with pytest.raises(SpecError) as info:
        validate_spec({"dataset": "diabetes", "model": "linear", "explanation": "anchors", "instance": 0})
    assert info.value.field == "explanation"
