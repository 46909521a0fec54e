"""Group fairness: every rate and summary by hand, and the SHAP split of the gap between groups."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from explainlab.engine import SpecError, run_spec, validate_spec
from explainlab.engine.datasets import load
from explainlab.engine.run import fitted_model

RF = {"dataset": "loan", "model": "random_forest", "params": {"n_estimators": 20, "max_depth": 8}}


def test_rates_and_summaries_match_a_hand_count(assert_valid: Any) -> None:
    spec = validate_spec({**RF, "explanation": "group_fairness"})
    result = run_spec(spec)
    assert_valid(result, "group_fairness")
    model, _ = fitted_model(spec)
    data = load("loan")
    X, y = data.X_test, data.y_test
    pred = model.estimator.predict(X)
    group = X[:, data.feature_names.index("group")]
    expected = []
    for g in (0.0, 1.0):
        m = group == g
        expected.append(
            {
                "n": m.sum(),
                "base_rate": y[m].mean(),
                "selection_rate": pred[m].mean(),
                "true_positive_rate": pred[m & (y == 1)].mean(),
                "false_positive_rate": pred[m & (y == 0)].mean(),
                "precision": y[m & (pred == 1)].mean(),
                "accuracy": (pred[m] == y[m]).mean(),
            }
        )
    got = result.data["groups"]
    assert [g["group"] for g in got] == ["group = 0", "group = 1"]
    for mine, hand in zip(got, expected, strict=True):
        for key, value in hand.items():
            assert mine[key] == pytest.approx(value, rel=1e-5), key
    sel = [e["selection_rate"] for e in expected]
    tpr = [e["true_positive_rate"] for e in expected]
    fpr = [e["false_positive_rate"] for e in expected]
    metrics = result.data["metrics"]
    assert metrics["demographic_parity_difference"] == pytest.approx(abs(sel[0] - sel[1]), rel=1e-5)
    assert metrics["demographic_parity_ratio"] == pytest.approx(min(sel) / max(sel), rel=1e-5)
    assert metrics["equalized_odds_difference"] == pytest.approx(
        max(abs(tpr[0] - tpr[1]), abs(fpr[0] - fpr[1])), rel=1e-5
    )
    assert metrics["equal_opportunity_difference"] == pytest.approx(abs(tpr[0] - tpr[1]), rel=1e-5)


def test_income_is_the_proxy_and_its_shap_explains_part_of_the_gap() -> None:
    import shap

    spec = validate_spec({**RF, "explanation": "group_fairness"})
    result = run_spec(spec)
    model, _ = fitted_model(spec)
    data = load("loan")
    names = data.feature_names
    proxy = result.data["proxy"]
    assert proxy["feature"] == "income" and proxy["correlation"] < -0.2
    gap = result.data["gap"]
    X = data.X_test[gap["rows"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = np.asarray(shap.TreeExplainer(model.estimator).shap_values(X))[..., 1]
    group = X[:, names.index("group")]
    income = names.index("income")
    by_group = proxy["shap_by_group"]
    assert by_group["group = 0"]["proxy_mean_shap"] == pytest.approx(values[group == 0, income].mean(), rel=1e-4)
    assert by_group["group = 1"]["proxy_mean_shap"] == pytest.approx(values[group == 1, income].mean(), rel=1e-4)
    assert by_group["group = 1"]["proxy_mean_shap"] < by_group["group = 0"]["proxy_mean_shap"]
    np.testing.assert_allclose(
        gap["contributions"], values[group == 1].mean(axis=0) - values[group == 0].mean(axis=0), rtol=1e-4, atol=1e-7
    )
    # SHAP values add up to the output: the terms sum to the gap in mean predicted probability.
    proba = model.estimator.predict_proba(X)[:, 1]
    assert gap["total"] == pytest.approx(proba[group == 1].mean() - proba[group == 0].mean(), abs=1e-5)


def test_a_many_valued_feature_is_split_at_its_median() -> None:
    result = run_spec(
        {"dataset": "loan", "model": "linear", "explanation": "group_fairness", "options": {"feature": "age"}}
    )
    labels = [g["group"] for g in result.data["groups"]]
    median = np.median(load("loan").X_train[:, load("loan").feature_names.index("age")])
    assert labels == [f"age <= {median:g}", f"age > {median:g}"]
    assert sum(g["n"] for g in result.data["groups"]) == load("loan").X_test.shape[0]


def test_without_a_group_column_the_feature_must_be_chosen() -> None:
    with pytest.raises(SpecError) as info:
        validate_spec({"dataset": "breast_cancer", "model": "linear", "explanation": "group_fairness"})
    assert info.value.field == "options.feature" and "no 'group' column" in info.value.message
    with pytest.raises(SpecError) as info:
        validate_spec({"dataset": "wine", "model": "linear", "explanation": "group_fairness"})
    assert info.value.field == "explanation"
