"""The catalog in the API's shape: what can be asked for, with every param and option schema.

Built from the registries only (no data loading, no heavy imports), so a web process can
serve it cheaply.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from explainlab.engine import cost
from explainlab.engine.datasets import DATASETS
from explainlab.engine.explanations import EXPLANATIONS
from explainlab.engine.models import MODELS
from explainlab.engine.version import ENGINE_VERSION


@lru_cache(maxsize=1)
def _catalog() -> dict[str, Any]:
    model_keys = list(MODELS)
    return {
        "engine_version": ENGINE_VERSION,
        "budget_seconds": cost.BUDGET_SECONDS,
        "datasets": [d.to_dict() for d in DATASETS.values()],
        "models": [m.to_dict() for m in MODELS.values()],
        "explanations": [e.to_dict(model_keys) for e in EXPLANATIONS.values()],
    }


def catalog() -> dict[str, Any]:
    """A fresh deep copy each call, so callers may mutate it freely."""
    import copy

    return copy.deepcopy(_catalog())
