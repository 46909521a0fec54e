"""Random forest: many decorrelated trees, averaged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explainlab.engine.models.base import SEED, ModelInfo
from explainlab.engine.params import Param, Task


def build(task: Task, params: Mapping[str, Any]) -> Any:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestRegressor if task == "regression" else RandomForestClassifier
    return cls(
        n_estimators=params["n_estimators"],
        max_depth=params["max_depth"],
        random_state=SEED,
        n_jobs=1,
    )


MODEL = ModelInfo(
    key="random_forest",
    title="Random forest",
    description="An average of decision trees, each grown on a bootstrap sample with random feature subsets.",
    params=(
        Param("n_estimators", "int", 100, "number of trees", min=10, max=300),
        Param(
            "max_depth",
            "int",
            None,
            "maximum depth of each tree (null = grow until leaves are pure)",
            min=1,
            max=12,
            nullable=True,
        ),
    ),
    shap_family="tree",
    build=build,
)
