"""Logistic / linear regression on standardised inputs (coefficients comparable across features)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explainlab.engine.models.base import SEED, ModelInfo
from explainlab.engine.params import CLASSIFICATION_TASKS, Param, Task


def build(task: Task, params: Mapping[str, Any]) -> Any:
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if task == "regression":
        model: Any = LinearRegression()
    else:
        # LogisticRegression has no n_jobs any more (it warns if given); lbfgs is single-threaded.
        model = LogisticRegression(C=params["C"], max_iter=5000, random_state=SEED)
    return Pipeline([("scale", StandardScaler()), ("model", model)])


MODEL = ModelInfo(
    key="linear",
    title="Linear model",
    description="Logistic regression (classification) or least squares (regression) on standardised inputs.",
    params=(
        Param(
            "C",
            "float",
            1.0,
            "inverse regularisation strength (smaller = simpler model)",
            min=0.001,
            max=1000.0,
            tasks=CLASSIFICATION_TASKS,
        ),
    ),
    shap_family="linear",
    build=build,
    standardised=True,
)
