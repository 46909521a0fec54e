"""k-nearest neighbours on standardised inputs (distances need comparable scales)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explainlab.engine.models.base import ModelInfo
from explainlab.engine.params import Param, Task


def build(task: Task, params: Mapping[str, Any]) -> Any:
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    cls = KNeighborsRegressor if task == "regression" else KNeighborsClassifier
    return Pipeline([("scale", StandardScaler()), ("model", cls(n_neighbors=params["n_neighbors"], n_jobs=1))])


MODEL = ModelInfo(
    key="knn",
    title="k-nearest neighbours",
    description="Predicts from the k most similar training rows (Euclidean distance on standardised inputs).",
    params=(Param("n_neighbors", "int", 5, "number of neighbours", min=1, max=50),),
    shap_family="agnostic",
    build=build,
    standardised=True,
)
