"""A single CART decision tree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explainlab.engine.models.base import SEED, ModelInfo
from explainlab.engine.params import Param, Task


def build(task: Task, params: Mapping[str, Any]) -> Any:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    cls = DecisionTreeRegressor if task == "regression" else DecisionTreeClassifier
    return cls(
        max_depth=params["max_depth"],
        min_samples_leaf=params["min_samples_leaf"],
        random_state=SEED,
    )


MODEL = ModelInfo(
    key="decision_tree",
    title="Decision tree",
    description="One CART tree: a sequence of if/else splits on single features.",
    params=(
        Param("max_depth", "int", 3, "maximum depth of the tree", min=1, max=12),
        Param("min_samples_leaf", "int", 1, "minimum training rows in a leaf", min=1, max=100),
    ),
    shap_family="tree",
    build=build,
)
