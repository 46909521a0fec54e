"""Model metadata, the fitted-model wrapper and test-split metrics."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from explainlab.engine.params import Param, Task

if TYPE_CHECKING:
    import numpy as np

    from explainlab.engine.datasets.base import Dataset

SEED = 0
# How SHAP treats the model: exact TreeSHAP, LinearSHAP, or a model-agnostic KernelSHAP.
ShapFamily = Literal["tree", "linear", "agnostic"]


@dataclass(frozen=True)
class ModelInfo:
    """Static description of a model kind; ``build`` imports sklearn lazily.

    ``build(task, params)`` returns an unfitted estimator with fixed seeds and ``n_jobs=1``
    (joblib workers would start new interpreters, each paying the import cost again).
    """

    key: str
    title: str
    description: str
    params: tuple[Param, ...]
    shap_family: ShapFamily
    build: Callable[[Task, Mapping[str, Any]], Any] = field(repr=False)
    standardised: bool = False

    def params_for(self, task: str) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.applies_to(task))

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "standardised_inputs": self.standardised,
            "params": [p.to_dict() for p in self.params],
        }


@dataclass(eq=False)
class FittedModel:
    """A trained estimator plus what explanations need to know about it.

    ``memo`` holds derived results that depend only on the fitted model (e.g. SHAP values of
    the test sample), so they share the model's cache slot and lifetime.
    """

    info: ModelInfo
    params: dict[str, Any]
    dataset: Dataset
    estimator: Any
    fit_ms: float
    metrics: dict[str, float]
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def task(self) -> Task:
        return self.dataset.task

    @property
    def is_classification(self) -> bool:
        return self.dataset.info.is_classification

    @property
    def class_names(self) -> list[str]:
        return list(self.dataset.info.target_names)

    def predict_output(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities ``(n, K)`` for classification, predictions ``(n,)`` otherwise."""
        if self.is_classification:
            return self.estimator.predict_proba(X)
        return self.estimator.predict(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.estimator.predict(X)


def compute_metrics(estimator: Any, dataset: Dataset) -> dict[str, float]:
    import numpy as np
    from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score, roc_auc_score

    X, y = dataset.X_test, dataset.y_test
    if dataset.info.is_classification:
        proba = estimator.predict_proba(X)
        if dataset.task == "binary":
            auc = roc_auc_score(y, proba[:, 1])
        else:
            auc = roc_auc_score(y, proba, multi_class="ovr", average="macro")
        return {
            "accuracy": float(accuracy_score(y, np.argmax(proba, axis=1))),
            "roc_auc": float(auc),
        }
    prediction = estimator.predict(X)
    return {"r2": float(r2_score(y, prediction)), "mae": float(mean_absolute_error(y, prediction))}


def fit(info: ModelInfo, dataset: Dataset, params: Mapping[str, Any]) -> FittedModel:
    from sklearn.exceptions import ConvergenceWarning

    estimator = info.build(dataset.task, params)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Small MLPs / logistic fits may stop at max_iter; the metrics show the quality anyway
        # and a warning per job would only flood the worker log.
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(dataset.X_train, dataset.y_train)
    fit_ms = (time.perf_counter() - start) * 1000
    return FittedModel(
        info=info,
        params=dict(params),
        dataset=dataset,
        estimator=estimator,
        fit_ms=fit_ms,
        metrics=compute_metrics(estimator, dataset),
    )
