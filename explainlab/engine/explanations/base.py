"""What an explanation module declares, receives and returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from explainlab.engine.params import ALL_TASKS, Param

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure

    from explainlab.engine.datasets.base import Dataset, DatasetInfo
    from explainlab.engine.models.base import FittedModel, ModelInfo

GLOBAL_SEED = 0


@dataclass(frozen=True)
class SpecView:
    """A validated spec's parts, resolved to registry objects (for checks and cost estimates)."""

    dataset: DatasetInfo
    model: ModelInfo
    params: Mapping[str, Any]
    options: Mapping[str, Any]
    instance: int | None


# A cross-field check returns (field, message) problems; e.g. tree_index vs n_estimators.
Check = Callable[[SpecView], list[tuple[str, str]]]
# A cost estimate in seconds of the explain step on the reference worker (2 cores).
CostFn = Callable[[SpecView], float]


@dataclass
class ExplainContext:
    dataset: Dataset
    model: FittedModel
    options: Mapping[str, Any]
    instance: int | None

    @property
    def feature_names(self) -> list[str]:
        return self.dataset.feature_names

    def instance_row(self) -> np.ndarray:
        if self.instance is None:
            raise ValueError("this explanation needs an instance")
        return self.dataset.X_test[self.instance : self.instance + 1]


@dataclass
class Explanation:
    """``data``: the numbers behind the plot (JSON-ready); ``figures``: (name, Figure) pairs
    still open, rendered and released by the runner; ``texts``: (name, text) artifacts."""

    data: dict[str, Any]
    figures: list[tuple[str, Figure]] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ExplanationInfo:
    key: str
    title: str
    description: str
    needs_instance: bool
    compute: Callable[[ExplainContext], Explanation] = field(repr=False)
    cost: CostFn = field(repr=False)
    options: tuple[Param, ...] = ()
    models: tuple[str, ...] | None = None  # None = every model in the registry
    excluded_models: tuple[str, ...] = ()
    tasks: frozenset[str] = ALL_TASKS
    datasets: tuple[str, ...] | None = None  # None = any data set of a supported task
    check: Check | None = field(default=None, repr=False)

    def model_keys(self, all_models: list[str]) -> list[str]:
        keys = all_models if self.models is None else [k for k in all_models if k in self.models]
        return [k for k in keys if k not in self.excluded_models]

    def supports_model(self, key: str) -> bool:
        return (self.models is None or key in self.models) and key not in self.excluded_models

    def to_dict(self, all_models: list[str]) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "needs_instance": self.needs_instance,
            "scope": "local" if self.needs_instance else "global",
            "models": self.model_keys(all_models),
            "tasks": sorted(self.tasks),
            "datasets": list(self.datasets) if self.datasets is not None else None,
            "options": [p.to_dict() for p in self.options],
        }
