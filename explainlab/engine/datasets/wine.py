"""Wine recognition: chemical analysis of wines from three cultivars (bundled with scikit-learn)."""

from __future__ import annotations

from typing import Any

from explainlab.engine.datasets.base import DatasetInfo, Feature, load_bundled


def _load() -> tuple[Any, Any]:
    return load_bundled("load_wine", DATASET)


DATASET = DatasetInfo(
    key="wine",
    title="Wine cultivars",
    task="multiclass",
    description="Chemical analysis of wines grown in one region of Italy; predict the cultivar.",
    features=(
        Feature("alcohol", "alcohol content (% vol)"),
        Feature("malic_acid", "malic acid (g/l)"),
        Feature("ash", "ash (g/l)"),
        Feature("alcalinity_of_ash", "alkalinity of ash"),
        Feature("magnesium", "magnesium (mg/l)"),
        Feature("total_phenols", "total phenols"),
        Feature("flavanoids", "flavanoid phenols"),
        Feature("nonflavanoid_phenols", "non-flavanoid phenols"),
        Feature("proanthocyanins", "proanthocyanins"),
        Feature("color_intensity", "colour intensity"),
        Feature("hue", "hue"),
        Feature("od280/od315_of_diluted_wines", "OD280/OD315 absorbance ratio of diluted wines (protein content)"),
        Feature("proline", "proline (an amino acid, mg/l)"),
    ),
    target_names=("class_0", "class_1", "class_2"),
    n_rows=178,
    load_xy=_load,
    target_description="cultivar (three classes)",
)
