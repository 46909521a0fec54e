"""Models: seeds, metrics, and the GAM's additive decomposition."""

from __future__ import annotations

import numpy as np
import pytest

from explainlab.engine import datasets, models
from explainlab.engine.models.gam import shape_functions


def _defaults(model: str, task: str) -> dict:
    return {p.name: p.default_value() for p in models.get_info(model).params_for(task)}


@pytest.mark.parametrize("model", ["linear", "decision_tree", "random_forest", "gradient_boosting", "knn", "gam"])
def test_models_learn_something(model: str) -> None:
    data = datasets.load("breast_cancer")
    fitted = models.fit(models.get_info(model), data, _defaults(model, data.task))
    assert fitted.metrics["accuracy"] > 0.85 and fitted.metrics["roc_auc"] > 0.9


def test_estimators_are_single_threaded_and_seeded() -> None:
    for key in ("random_forest", "knn"):
        estimator = models.get_info(key).build("binary", _defaults(key, "binary"))
        params = estimator.get_params()
        assert all(v == 1 for k, v in params.items() if k.endswith("n_jobs"))
    for key in ("random_forest", "gradient_boosting", "decision_tree", "mlp"):
        params = models.get_info(key).build("binary", _defaults(key, "binary")).get_params()
        assert all(v == 0 for k, v in params.items() if k.endswith("random_state"))


@pytest.mark.parametrize("dataset", ["breast_cancer", "wine", "diabetes"])
def test_gam_shapes_sum_to_the_model_score(dataset: str) -> None:
    data = datasets.load(dataset)
    fitted = models.fit(models.get_info("gam"), data, _defaults("gam", data.task))
    functions, intercept = shape_functions(fitted.estimator, data.X_train, data.feature_names)
    # Re-evaluate every shape exactly at the test rows by putting each row on its own grid.
    X = data.X_test[:5]
    splines = fitted.estimator.named_steps["splines"]
    coef = np.atleast_2d(fitted.estimator.named_steps["model"].coef_)
    per = splines.n_features_out_ // X.shape[1]
    basis = splines.transform(X)
    centres = [f.values.mean() for f in functions]  # unused; centring is via the intercept
    assert len(centres) == X.shape[1]
    total = np.tile(intercept, (len(X), 1))
    train_basis = splines.transform(data.X_train)
    for j in range(X.shape[1]):
        cols = slice(j * per, (j + 1) * per)
        total += basis[:, cols] @ coef[:, cols].T - (train_basis[:, cols] @ coef[:, cols].T).mean(axis=0)
    score = fitted.estimator.decision_function(X) if data.info.is_classification else fitted.estimator.predict(X)
    np.testing.assert_allclose(total, np.asarray(score).reshape(len(X), -1), atol=1e-8)
    assert [f.feature for f in functions] == data.feature_names
