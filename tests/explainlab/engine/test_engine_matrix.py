"""Every explanation x every compatible model renders a valid PNG, SVG and JSON data.

Each model runs on a dataset of a different task (so binary, multiclass and regression paths
are all exercised) with the smallest viable params; extra cases cover the remaining
task/model branches of the SHAP, GAM and tree views.
"""

from __future__ import annotations

from typing import Any

import pytest

from explainlab.engine import SpecError, catalog, run_spec, validate_spec

# model -> (dataset, small params)
MODEL_SETUPS: dict[str, tuple[str, dict[str, Any]]] = {
    "linear": ("wine", {}),
    "decision_tree": ("diabetes", {"max_depth": 3}),
    "random_forest": ("breast_cancer", {"n_estimators": 10, "max_depth": 4}),
    "gradient_boosting": ("iris", {"n_estimators": 10, "max_depth": 2}),
    "mlp": ("diabetes", {"hidden_layer_sizes": [8]}),
    "knn": ("iris", {"n_neighbors": 5}),
    "gam": ("loan", {"n_knots": 4}),
}
# Cheapest options that still exercise the code path.
SMALL_OPTIONS: dict[str, dict[str, Any]] = {
    "lime": {"num_samples": 500, "num_features": 5},
    "permutation_importance": {"n_repeats": 2},
    "pdp_ice": {"ice": True},
}
EXTRA_CASES = [
    ("breast_cancer", "gradient_boosting", {"n_estimators": 10}, "shap_waterfall"),
    ("diabetes", "gradient_boosting", {"n_estimators": 10}, "shap_bar"),
    ("wine", "gradient_boosting", {"n_estimators": 10}, "tree_rules"),
    ("wine", "random_forest", {"n_estimators": 10}, "shap_dependence"),
    ("diabetes", "random_forest", {"n_estimators": 10}, "tree_diagram"),
    ("breast_cancer", "linear", {}, "shap_force"),
    ("diabetes", "linear", {}, "shap_beeswarm"),
    ("wine", "gam", {}, "gam_shapes"),
    ("diabetes", "gam", {}, "gam_shapes"),
    ("wine", "mlp", {"hidden_layer_sizes": [8]}, "shap_waterfall"),
    ("breast_cancer", "knn", {}, "lime"),
    ("loan", "decision_tree", {}, "decision_boundary"),
    ("iris", "linear", {}, "pdp_ice"),
    ("breast_cancer", "decision_tree", {"max_depth": 6}, "tree_rules"),
    ("loan", "mlp", {"hidden_layer_sizes": [8]}, "counterfactual"),
    ("wine", "random_forest", {"n_estimators": 10}, "anchors"),
    ("loan", "knn", {}, "group_fairness"),
    ("loan", "gradient_boosting", {"n_estimators": 10}, "group_fairness"),
    ("diabetes", "gradient_boosting", {"n_estimators": 10}, "interactions"),
    ("digits", "mlp", {"hidden_layer_sizes": [8]}, "nn_attribution"),
    ("digits", "mlp", {"hidden_layer_sizes": [8]}, "nn_units"),
]


# Views that need particular data: (the field a refusal names, the data sets they accept).
DATA_BOUND: dict[str, tuple[str, set[str]]] = {
    "group_fairness": ("options.feature", {"loan"}),  # the default sensitive feature is `group`
    "nn_attribution": ("dataset", {"digits"}),
    "nn_units": ("dataset", {"digits"}),
}


def _matrix() -> list[Any]:
    cases = []
    for entry in catalog()["explanations"]:
        for model in entry["models"]:
            dataset, params = MODEL_SETUPS[model]
            cases.append(pytest.param(dataset, model, params, entry["key"], id=f"{entry['key']}-{model}-{dataset}"))
    for dataset, model, params, explanation in EXTRA_CASES:
        cases.append(pytest.param(dataset, model, params, explanation, id=f"{explanation}-{model}-{dataset}"))
    return cases


def _raw(dataset: str, model: str, params: dict[str, Any], explanation: str) -> dict[str, Any]:
    entry = next(e for e in catalog()["explanations"] if e["key"] == explanation)
    raw: dict[str, Any] = {
        "dataset": dataset,
        "model": model,
        "params": params,
        "explanation": explanation,
        "options": SMALL_OPTIONS.get(explanation, {}),
    }
    if entry["needs_instance"]:
        raw["instance"] = 1
    return raw


@pytest.mark.matrix
@pytest.mark.parametrize(("dataset", "model", "params", "explanation"), _matrix())
def test_explanation_renders(
    dataset: str, model: str, params: dict[str, Any], explanation: str, assert_valid: Any
) -> None:
    raw = _raw(dataset, model, params, explanation)
    task = next(d["task"] for d in catalog()["datasets"] if d["key"] == dataset)
    entry = next(e for e in catalog()["explanations"] if e["key"] == explanation)
    if task not in entry["tasks"]:
        with pytest.raises(SpecError) as info:
            validate_spec(raw)
        assert info.value.field == "explanation"
        return
    if explanation in DATA_BOUND and dataset not in DATA_BOUND[explanation][1]:
        with pytest.raises(SpecError) as info:
            validate_spec(raw)
        assert info.value.field == DATA_BOUND[explanation][0]
        return
    result = run_spec(validate_spec(raw))
    assert_valid(result, explanation)
    if task == "regression":
        assert set(result.metrics) == {"r2", "mae"}
    else:
        assert set(result.metrics) == {"accuracy", "roc_auc"}
        assert 0.5 <= result.metrics["roc_auc"] <= 1.0
