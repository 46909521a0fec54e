"""run_spec: stages and progress, determinism, closed figures, memory in a long-lived worker."""

from __future__ import annotations

import gc
import json
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest

from explainlab.engine import EngineError, Result, SpecError, clear_caches, run_spec, validate_spec
from explainlab.engine.run import fitted_model

IRIS_TREE = {"dataset": "iris", "model": "decision_tree", "params": {"max_depth": 3}}


def test_progress_reports_every_stage_in_order() -> None:
    calls: list[tuple[int, str]] = []
    result = run_spec({**IRIS_TREE, "explanation": "shap_bar"}, progress=lambda pct, stage: calls.append((pct, stage)))
    assert [stage for _, stage in calls] == ["loading data", "training", "explaining", "rendering", "done"]
    percents = [pct for pct, _ in calls]
    assert percents == sorted(percents) and percents[0] == 0 and percents[-1] == 100
    assert all(result.timings[s] >= 0 for s in ("loading data", "training", "explaining", "rendering"))
    assert result.timings["total"] >= result.timings["explaining"]


def test_result_fields() -> None:
    spec = validate_spec({**IRIS_TREE, "explanation": "tree_rules"})
    result = run_spec(spec)
    assert isinstance(result, Result)
    assert result.spec_hash == spec.hash()
    assert {a.filename for a in result.artifacts} == {"tree_rules.png", "tree_rules.svg", "tree_rules.txt"}
    media = {a.format: a.media_type for a in result.artifacts}
    assert media == {"png": "image/png", "svg": "image/svg+xml", "txt": "text/plain; charset=utf-8"}
    assert "IF " in next(a for a in result.artifacts if a.format == "txt").content.decode()


def test_raw_dicts_are_validated() -> None:
    with pytest.raises(SpecError):
        run_spec({"dataset": "iris", "model": "decision_tree", "explanation": "lime"})


def test_model_is_cached_between_jobs() -> None:
    clear_caches()
    first = run_spec({**IRIS_TREE, "explanation": "shap_bar"})
    second = run_spec({**IRIS_TREE, "explanation": "tree_rules"})
    assert not first.model_cached and second.model_cached


def _strip_timings(result: Result) -> dict[str, Any]:
    return {"metrics": result.metrics, "data": result.data}


@pytest.mark.parametrize(
    "raw",
    [
        {"dataset": "breast_cancer", "model": "mlp", "params": {"hidden_layer_sizes": [8]}, "explanation": "shap_bar"},
        {"dataset": "wine", "model": "knn", "explanation": "lime", "instance": 4, "options": {"num_samples": 500}},
        {"dataset": "iris", "model": "gam", "explanation": "consistency"},
        {
            "dataset": "loan",
            "model": "random_forest",
            "params": {"n_estimators": 10},
            "explanation": "permutation_importance",
            "options": {"n_repeats": 3},
        },
        {"dataset": "diabetes", "model": "gradient_boosting", "params": {"n_estimators": 10}, "explanation": "pdp_ice"},
    ],
)
def test_same_spec_gives_the_same_numbers(raw: dict[str, Any]) -> None:
    """Deterministic even after the cache is dropped and the model retrained."""
    clear_caches()
    first = run_spec(raw)
    clear_caches()
    second = run_spec(raw)
    assert json.dumps(_strip_timings(first), sort_keys=True) == json.dumps(_strip_timings(second), sort_keys=True)
    assert [a.content for a in first.artifacts] == [a.content for a in second.artifacts]  # PNG and SVG bytes


@pytest.mark.parametrize("explanation", ["shap_beeswarm", "shap_waterfall", "shap_force", "lime", "tree_diagram"])
def test_no_pyplot_figures_left_open(explanation: str) -> None:
    before = plt.get_fignums()
    raw: dict[str, Any] = {**IRIS_TREE, "explanation": explanation}
    if explanation in ("shap_waterfall", "shap_force", "lime"):
        raw["instance"] = 0
    if explanation == "lime":
        raw["options"] = {"num_samples": 500}
    run_spec(raw)
    assert plt.get_fignums() == before == []


def test_figures_are_closed_when_rendering_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from explainlab.engine import render

    def broken(*args: Any, **kwargs: Any) -> dict[str, bytes]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(render, "render_formats", broken)
    with pytest.raises(EngineError) as info:
        run_spec({**IRIS_TREE, "explanation": "shap_waterfall", "instance": 0})
    assert info.value.stage == "rendering"
    assert plt.get_fignums() == []


def test_global_state_is_left_alone() -> None:
    """Seeded libraries must not leak their seeds, and rcParams go back to what they were."""
    import matplotlib

    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    font_size = matplotlib.rcParams["font.size"]
    run_spec({"dataset": "iris", "model": "knn", "explanation": "shap_bar"})
    assert np.random.random() == expected
    assert matplotlib.rcParams["font.size"] == font_size


def test_shap_values_add_up_to_the_model_output() -> None:
    """Efficiency: base value + Σ SHAP = the explained output, for every explainer family."""
    from explainlab.engine.explanations._shap import global_shap

    cases = [
        ("wine", "gradient_boosting", {"n_estimators": 20}, "decision_function"),  # per-class trees
        ("breast_cancer", "gradient_boosting", {"n_estimators": 20}, "decision_function"),
        ("breast_cancer", "random_forest", {"n_estimators": 10}, "proba"),
        ("wine", "linear", {}, "decision_function"),
        ("diabetes", "linear", {}, "predict"),
        ("iris", "knn", {}, "proba"),
    ]
    for dataset, model, params, output in cases:
        spec = validate_spec({"dataset": dataset, "model": model, "params": params, "explanation": "shap_bar"})
        fitted, _ = fitted_model(spec)
        sv = global_shap(fitted)
        X = fitted.dataset.X_test[sv.rows]
        if output == "proba":
            target = fitted.predict_output(X)
            target = target[:, 1:] if target.shape[1] == 2 else target
        elif output == "decision_function":
            target = fitted.estimator.decision_function(X)
        else:
            target = fitted.estimator.predict(X)
        target = target.reshape(len(sv.rows), -1)
        np.testing.assert_allclose(
            sv.values.sum(axis=1) + sv.base_values, target, atol=1e-6, err_msg=f"{dataset}/{model}"
        )


def test_local_explanation_is_for_the_predicted_class() -> None:
    result = run_spec({"dataset": "iris", "model": "linear", "explanation": "shap_waterfall", "instance": 0})
    spec = validate_spec({"dataset": "iris", "model": "linear", "explanation": "shap_waterfall", "instance": 0})
    fitted, _ = fitted_model(spec)
    predicted = fitted.class_names[int(np.argmax(fitted.predict_output(fitted.dataset.X_test[:1])[0]))]
    assert result.data["explained_output"] == predicted


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.slow
def test_two_hundred_runs_do_not_leak(assert_valid: Any) -> None:
    """A long-lived worker: figures closed every time, memory flat after warm-up."""
    specs = [
        {**IRIS_TREE, "explanation": "shap_waterfall", "instance": 2},  # shap draws through pyplot
        {**IRIS_TREE, "explanation": "shap_beeswarm"},  # pyplot + colour bar
        {**IRIS_TREE, "explanation": "tree_rules"},  # object-oriented figure + text
        {**IRIS_TREE, "explanation": "shap_force", "instance": 5},
    ]
    for raw in specs * 3:  # warm-up: caches, fonts, lazy imports
        run_spec(raw)
    gc.collect()
    start = _rss_mb()
    for i in range(200):
        result = run_spec(specs[i % len(specs)])
        assert_valid(result, specs[i % len(specs)]["explanation"])
        assert plt.get_fignums() == []
    gc.collect()
    growth = _rss_mb() - start
    assert growth < 40, f"resident memory grew by {growth:.1f} MB over 200 runs"
