"""Dataset metadata and the deterministic train/test split every explanation works on."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from explainlab.engine.params import CLASSIFICATION_TASKS, Task

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

TEST_SIZE = 0.25
SPLIT_SEED = 0


@dataclass(frozen=True)
class Feature:
    name: str
    description: str


@dataclass(frozen=True)
class DatasetInfo:
    """Static description of a dataset; cheap to import (no numpy/sklearn needed).

    ``load_xy`` returns the full ``(X, y)``; it imports what it needs itself so that the
    catalog and spec validation stay fast in a web process.
    """

    key: str
    title: str
    task: Task
    description: str
    features: tuple[Feature, ...]
    target_names: tuple[str, ...]
    n_rows: int
    load_xy: Callable[[], tuple[npt.NDArray[Any], npt.NDArray[Any]]] = field(repr=False)
    target_description: str = ""
    source: str = "scikit-learn"

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    @property
    def is_classification(self) -> bool:
        return self.task in CLASSIFICATION_TASKS

    @property
    def n_test(self) -> int:
        # Same rule as sklearn's train_test_split for a float test_size (ceil).
        return math.ceil(TEST_SIZE * self.n_rows)

    @property
    def n_train(self) -> int:
        return self.n_rows - self.n_test

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "task": self.task,
            "description": self.description,
            "source": self.source,
            "n_rows": self.n_rows,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "features": [{"name": f.name, "description": f.description} for f in self.features],
            "target_names": list(self.target_names),
            "target_description": self.target_description,
        }


def load_bundled(loader: str, info: DatasetInfo, **options: Any) -> tuple[Any, Any]:
    """``(X, y)`` of a set bundled with scikit-learn (``sklearn.datasets.<loader>``).

    Specs and explanations name features, so a scikit-learn release that renamed them is
    refused here rather than producing plots with the wrong labels.
    """
    from sklearn import datasets

    bunch = getattr(datasets, loader)(**options)
    if list(bunch.feature_names) != list(info.feature_names):
        raise RuntimeError(f"{info.key}: scikit-learn feature names changed")
    return bunch.data, bunch.target


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded, split dataset. Arrays are read-only because they are shared via a cache."""

    info: DatasetInfo
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray

    @property
    def feature_names(self) -> list[str]:
        return list(self.info.feature_names)

    @property
    def task(self) -> Task:
        return self.info.task

    def feature_index(self, name: str) -> int:
        return self.info.feature_names.index(name)


def split(info: DatasetInfo) -> Dataset:
    """Load ``info`` and split it 75/25 with ``random_state=0`` (stratified for classification)."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    X, y = info.load_xy()
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64 if info.is_classification else np.float64)
    if X.shape != (info.n_rows, len(info.features)):
        raise RuntimeError(f"dataset {info.key}: expected shape {(info.n_rows, len(info.features))}, got {X.shape}")
    X_train, X_test, y_train, y_test = train_test_split(
        X,
        y,
        test_size=TEST_SIZE,
        random_state=SPLIT_SEED,
        stratify=y if info.is_classification else None,
    )
    arrays = [np.ascontiguousarray(a) for a in (X_train, X_test, y_train, y_test)]
    for array in arrays:
        array.setflags(write=False)
    return Dataset(info, *arrays)
