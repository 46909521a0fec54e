"""validate_spec: one test per kind of bad input, each naming the field; normalisation; hashing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from explainlab.engine import SpecError, validate_spec

BASE = {"dataset": "breast_cancer", "model": "random_forest", "explanation": "shap_bar"}


def errors_of(raw: Any) -> dict[str, list[str]]:
    with pytest.raises(SpecError) as info:
        validate_spec(raw)
    error = info.value
    assert error.field in error.errors
    assert error.message == error.errors[error.field][0]
    return error.errors


def spec(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (spec(dataset="mnist"), "dataset"),
        (spec(model="svm"), "model"),
        (spec(explanation="astrology"), "explanation"),
        ({"model": "linear", "explanation": "shap_bar"}, "dataset"),
        (spec(dataset=3), "dataset"),
        (spec(colour="red"), "colour"),
    ],
)
def test_unknown_or_missing_keys_name_their_field(raw: dict[str, Any], field: str) -> None:
    assert field in errors_of(raw)


def test_spec_must_be_an_object() -> None:
    assert "spec" in errors_of(["breast_cancer"])


@pytest.mark.parametrize(
    ("model", "params", "field"),
    [
        ("decision_tree", {"max_depth": "3"}, "params.max_depth"),
        ("decision_tree", {"max_depth": 3.5}, "params.max_depth"),
        ("decision_tree", {"max_depth": True}, "params.max_depth"),
        ("decision_tree", {"max_depth": 0}, "params.max_depth"),
        ("decision_tree", {"max_depth": 13}, "params.max_depth"),
        ("decision_tree", {"min_samples_leaf": 101}, "params.min_samples_leaf"),
        ("random_forest", {"n_estimators": 301}, "params.n_estimators"),
        ("random_forest", {"n_estimators": 9}, "params.n_estimators"),
        ("gradient_boosting", {"learning_rate": 0}, "params.learning_rate"),
        ("gradient_boosting", {"learning_rate": "fast"}, "params.learning_rate"),
        ("gradient_boosting", {"max_depth": None}, "params.max_depth"),
        ("mlp", {"hidden_layer_sizes": []}, "params.hidden_layer_sizes"),
        ("mlp", {"hidden_layer_sizes": [8, 8, 8, 8]}, "params.hidden_layer_sizes"),
        ("mlp", {"hidden_layer_sizes": [0]}, "params.hidden_layer_sizes"),
        ("mlp", {"hidden_layer_sizes": [257]}, "params.hidden_layer_sizes"),
        ("mlp", {"hidden_layer_sizes": "32"}, "params.hidden_layer_sizes"),
        ("mlp", {"alpha": -1}, "params.alpha"),
        ("mlp", {"alpha": float("nan")}, "params.alpha"),
        ("knn", {"n_neighbors": 51}, "params.n_neighbors"),
        ("gam", {"n_knots": 2}, "params.n_knots"),
        ("gam", {"degree": 4}, "params.degree"),
        ("linear", {"C": 0}, "params.C"),
        ("linear", {"C": 1e6}, "params.C"),
    ],
)
def test_params_wrong_type_or_out_of_range(model: str, params: dict[str, Any], field: str) -> None:
    errors = errors_of(spec(model=model, params=params))
    assert list(errors) == [field]


def test_unknown_param_is_named() -> None:
    errors = errors_of(spec(params={"depth": 3}))
    assert "params.depth" in errors
    assert "n_estimators" in errors["params.depth"][0]  # lists what is allowed


def test_param_of_another_task_is_refused() -> None:
    errors = errors_of({"dataset": "diabetes", "model": "linear", "params": {"C": 1.0}, "explanation": "shap_bar"})
    assert "classification" in errors["params.C"][0]


def test_params_must_be_an_object() -> None:
    assert "params" in errors_of(spec(params=[1, 2]))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"explanation": "lime"}, "instance"),
        ({"explanation": "lime", "instance": 143}, "instance"),
        ({"explanation": "lime", "instance": -1}, "instance"),
        ({"explanation": "shap_waterfall", "instance": "3"}, "instance"),
        ({"explanation": "shap_force", "instance": True}, "instance"),
    ],
)
def test_instance_missing_or_out_of_range(changes: dict[str, Any], field: str) -> None:
    errors = errors_of(spec(**changes))
    assert field in errors


def test_instance_range_is_the_test_split() -> None:
    ok = validate_spec(spec(explanation="lime", instance=142))  # 143 test rows
    assert ok.instance == 142
    assert "0 and 142" in errors_of(spec(explanation="lime", instance=143))["instance"][0]


def test_instance_is_dropped_for_global_explanations() -> None:
    assert validate_spec(spec(instance=5)).instance is None
    assert validate_spec(spec(instance=10_000)).instance is None


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ({"dataset": "breast_cancer", "model": "mlp", "explanation": "tree_diagram"}, "decision_tree"),
        ({"dataset": "breast_cancer", "model": "knn", "explanation": "tree_rules"}, "decision_tree"),
        ({"dataset": "breast_cancer", "model": "random_forest", "explanation": "gam_shapes"}, "gam"),
        ({"dataset": "breast_cancer", "model": "decision_tree", "explanation": "surrogate_tree"}, "linear"),
        ({"dataset": "diabetes", "model": "linear", "explanation": "decision_boundary"}, "regression"),
    ],
)
def test_explanation_not_supported(raw: dict[str, Any], needle: str) -> None:
    errors = errors_of(raw)
    assert needle in errors["explanation"][0]


@pytest.mark.parametrize(
    ("explanation", "options", "field"),
    [
        ("shap_dependence", {"feature": "tumour size"}, "options.feature"),
        ("pdp_ice", {"feature": 3}, "options.feature"),
        ("pdp_ice", {"ice": "yes"}, "options.ice"),
        ("decision_boundary", {"features": ["mean radius"]}, "options.features"),
        ("decision_boundary", {"features": ["mean radius", "mean radius"]}, "options.features"),
        ("decision_boundary", {"features": ["mean radius", "radius"]}, "options.features"),
        ("permutation_importance", {"n_repeats": 1}, "options.n_repeats"),
        ("tree_diagram", {"max_depth": 7}, "options.max_depth"),
        ("surrogate_tree", {"max_depth": 0}, "options.max_depth"),
        ("shap_bar", {"feature": "mean radius"}, "options.feature"),
    ],
)
def test_invalid_options(explanation: str, options: dict[str, Any], field: str) -> None:
    errors = errors_of(spec(explanation=explanation, options=options))
    assert list(errors) == [field]


def test_lime_options() -> None:
    errors = errors_of(spec(explanation="lime", instance=0, options={"num_samples": 100, "num_features": 21}))
    assert set(errors) == {"options.num_samples", "options.num_features"}


def test_unknown_feature_suggests_a_close_name() -> None:
    errors = errors_of(spec(explanation="pdp_ice", options={"feature": "mean radus"}))
    assert "mean radius" in errors["options.feature"][0]


@pytest.mark.parametrize(
    ("model", "params", "index"),
    [
        ("decision_tree", {}, 1),
        ("random_forest", {"n_estimators": 10}, 10),
        ("gradient_boosting", {"n_estimators": 20}, 25),
    ],
)
def test_tree_index_must_exist(model: str, params: dict[str, Any], index: int) -> None:
    for explanation in ("tree_diagram", "tree_rules"):
        raw = spec(model=model, params=params, explanation=explanation, options={"tree_index": index})
        assert "options.tree_index" in errors_of(raw)


def test_tree_index_within_range_is_fine() -> None:
    ok = validate_spec(spec(params={"n_estimators": 10}, explanation="tree_rules", options={"tree_index": 9}))
    assert ok.options["tree_index"] == 9


def test_all_problems_are_reported_together() -> None:
    errors = errors_of(
        {"dataset": "wine", "model": "mlp", "params": {"alpha": -1, "depth": 2}, "explanation": "lime", "extra": 1}
    )
    assert set(errors) == {"params.alpha", "params.depth", "instance", "extra"}


def test_error_string_lists_every_problem() -> None:
    with pytest.raises(SpecError) as info:
        validate_spec({"dataset": "wine", "model": "mlp", "params": {"alpha": -1}, "explanation": "lime"})
    assert "params.alpha" in str(info.value) and "instance" in str(info.value)


# ---- cost budget ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            {
                "dataset": "loan",
                "model": "random_forest",
                "params": {"n_estimators": 300},
                "explanation": "consistency",
            },
            "params.n_estimators",
        ),
        (
            {
                "dataset": "loan",
                "model": "mlp",
                "params": {"hidden_layer_sizes": [256, 256, 256]},
                "explanation": "shap_bar",
            },
            "params.hidden_layer_sizes",
        ),
    ],
)
def test_too_expensive_specs_are_refused_naming_the_field(raw: dict[str, Any], field: str) -> None:
    errors = errors_of(raw)
    assert list(errors) == [field]
    assert "too expensive" in errors[field][0]


def test_expensive_options_name_a_cost_field() -> None:
    raw = {
        "dataset": "loan",
        "model": "random_forest",
        "params": {"n_estimators": 300},
        "explanation": "permutation_importance",
        "options": {"n_repeats": 30},
    }
    assert set(errors_of(raw)) <= {"params.n_estimators", "options.n_repeats"}
    raw["options"] = {"n_repeats": 5}  # the same model with fewer shuffles is fine
    validate_spec(raw)


def test_budget_is_a_parameter() -> None:
    raw = {"dataset": "loan", "model": "random_forest", "params": {"n_estimators": 300}, "explanation": "consistency"}
    assert validate_spec(raw, budget_seconds=1e6).model == "random_forest"
    with pytest.raises(SpecError):
        validate_spec(BASE, budget_seconds=0.01)


def test_defaults_are_affordable_or_refused_with_what_to_change() -> None:
    """Every explanation with default params and options either fits the budget or is refused
    with the field to change (D5: the estimate holds, or a 400 says why); and on every tabular
    data set each explanation has at least one model that is affordable as it comes."""
    from explainlab.engine import catalog

    cat = catalog()
    for dataset in cat["datasets"]:
        features = [f["name"] for f in dataset["features"]]
        for entry in cat["explanations"]:
            if dataset["task"] not in entry["tasks"]:
                continue
            if entry["datasets"] is not None and dataset["key"] not in entry["datasets"]:
                continue
            affordable = []
            for model in entry["models"]:
                raw: dict[str, Any] = {"dataset": dataset["key"], "model": model, "explanation": entry["key"]}
                if entry["needs_instance"]:
                    raw["instance"] = 0
                if entry["key"] == "group_fairness" and "group" not in features:
                    # Only the loan data has a sensitive column; elsewhere the learner names one,
                    # and is told so when they do not.
                    with pytest.raises(SpecError) as refused:
                        validate_spec(raw)
                    assert "options.feature" in refused.value.errors
                    raw["options"] = {"feature": features[0]}
                try:
                    validate_spec(raw)
                except SpecError as exc:
                    for field, messages in exc.errors.items():
                        assert field.startswith(("params.", "options.")) or field == "explanation", (raw, exc.errors)
                        assert all("too expensive" in m and "; " in m for m in messages), (raw, messages)
                else:
                    affordable.append(model)
            if dataset["key"] not in ("digits",):  # 64 pixels and 10 classes: the network views' data
                assert affordable, f"{entry['key']} on {dataset['key']}: no model is affordable by default"


# ---- normalisation and hashing ---------------------------------------------------------------


def test_defaults_are_filled_in() -> None:
    canonical = validate_spec(spec(explanation="lime", instance=2)).canonical()
    assert canonical == {
        "dataset": "breast_cancer",
        "model": "random_forest",
        "params": {"max_depth": None, "n_estimators": 100},
        "explanation": "lime",
        "instance": 2,
        "options": {"num_features": 8, "num_samples": 5000},
    }
    json.dumps(canonical)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (BASE, spec(params={"n_estimators": 100, "max_depth": None}, options={})),
        (BASE, spec(instance=7)),
        (
            {"dataset": "wine", "model": "linear", "explanation": "pdp_ice"},
            {
                "explanation": "pdp_ice",
                "model": "linear",
                "dataset": "wine",
                "params": {"C": 1},
                "options": {"ice": True, "feature": None},
            },
        ),
        (
            {"dataset": "iris", "model": "mlp", "params": {"hidden_layer_sizes": (16, 8)}, "explanation": "shap_bar"},
            {
                "dataset": "iris",
                "model": "mlp",
                "params": {"hidden_layer_sizes": [16, 8], "alpha": 0.0001},
                "explanation": "shap_bar",
            },
        ),
        (spec(explanation="lime", instance=3), spec(explanation="lime", instance=3, options={"num_samples": 5000})),
    ],
)
def test_equivalent_specs_hash_the_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert validate_spec(a).hash() == validate_spec(b).hash()
    assert validate_spec(a).canonical() == validate_spec(b).canonical()


@pytest.mark.parametrize(
    "other",
    [
        spec(params={"n_estimators": 101}),
        spec(dataset="loan"),
        spec(model="gradient_boosting"),
        spec(explanation="shap_beeswarm"),
        spec(params={"max_depth": 5}),
    ],
)
def test_different_specs_hash_differently(other: dict[str, Any]) -> None:
    assert validate_spec(BASE).hash() != validate_spec(other).hash()


def test_local_specs_differ_by_instance_and_options() -> None:
    hashes = {
        validate_spec(spec(explanation="lime", instance=1)).hash(),
        validate_spec(spec(explanation="lime", instance=2)).hash(),
        validate_spec(spec(explanation="lime", instance=2, options={"num_features": 5})).hash(),
    }
    assert len(hashes) == 3


def test_hash_includes_the_engine_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from explainlab.engine import spec as spec_module

    before = validate_spec(BASE).hash()
    monkeypatch.setattr(spec_module, "ENGINE_VERSION", "explainlab-engine/test")
    assert validate_spec(BASE).hash() != before


def test_hash_is_sha256_hex() -> None:
    digest = validate_spec(BASE).hash()
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_validation_does_not_import_heavy_libraries() -> None:
    """The web process validates specs and serves the catalog without sklearn/shap/matplotlib."""
    import subprocess
    import sys

    code = (
        "import sys, explainlab.engine as e; e.validate_spec({'dataset':'loan','model':'gam','explanation':'lime','instance':1});"
        "e.catalog(); print(sorted(m for m in ('sklearn','shap','lime','matplotlib','numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=".")
    assert out.stdout.strip() == "[]"
