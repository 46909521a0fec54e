"""Fisher's iris flowers (bundled with scikit-learn)."""

from __future__ import annotations

from typing import Any

from explainlab.engine.datasets.base import DatasetInfo, Feature, load_bundled


def _load() -> tuple[Any, Any]:
    return load_bundled("load_iris", DATASET)


DATASET = DatasetInfo(
    key="iris",
    title="Iris species",
    task="multiclass",
    description="Sepal and petal measurements of 150 iris flowers; predict the species.",
    features=(
        Feature("sepal length (cm)", "length of the sepal"),
        Feature("sepal width (cm)", "width of the sepal"),
        Feature("petal length (cm)", "length of the petal"),
        Feature("petal width (cm)", "width of the petal"),
    ),
    target_names=("setosa", "versicolor", "virginica"),
    n_rows=150,
    load_xy=_load,
    target_description="species (three classes)",
)
