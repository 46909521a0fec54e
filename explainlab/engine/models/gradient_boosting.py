"""Gradient boosting: shallow trees added one after another, each fixing the previous errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explainlab.engine.models.base import SEED, ModelInfo
from explainlab.engine.params import Param, Task


def build(task: Task, params: Mapping[str, Any]) -> Any:
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

    cls = GradientBoostingRegressor if task == "regression" else GradientBoostingClassifier
    return cls(
        n_estimators=params["n_estimators"],
        learning_rate=params["learning_rate"],
        max_depth=params["max_depth"],
        random_state=SEED,
    )


MODEL = ModelInfo(
    key="gradient_boosting",
    title="Gradient boosting",
    description="A sum of shallow regression trees fitted stage by stage to the remaining error.",
    params=(
        Param("n_estimators", "int", 100, "number of boosting stages", min=10, max=300),
        Param("learning_rate", "float", 0.1, "shrinkage applied to each tree", min=0.01, max=1.0),
        Param("max_depth", "int", 3, "depth of each tree", min=1, max=6),
    ),
    shap_family="tree",
    build=build,
)
