"""Model registry.

Adding a model: copy a sibling module (it defines ``MODEL`` with its param schema and a
``build`` function), then list it in ``_MODULES``. The order is the catalog order.
"""

from __future__ import annotations

from explainlab.engine.models import (
    decision_tree,
    gam,
    gradient_boosting,
    knn,
    linear,
    mlp,
    random_forest,
)
from explainlab.engine.models.base import FittedModel, ModelInfo, fit

_MODULES = (linear, decision_tree, random_forest, gradient_boosting, mlp, knn, gam)

MODELS: dict[str, ModelInfo] = {m.MODEL.key: m.MODEL for m in _MODULES}


def get_info(key: str) -> ModelInfo:
    return MODELS[key]


__all__ = ["MODELS", "FittedModel", "ModelInfo", "fit", "get_info"]
