"""Dataset registry.

Adding a dataset: copy a sibling module (it defines ``DATASET``), then list it in ``_MODULES``.
The order of ``_MODULES`` is the order of the catalog.
"""

from __future__ import annotations

from functools import cache

from explainlab.engine.datasets import breast_cancer, diabetes, digits, iris, loan, wine
from explainlab.engine.datasets.base import Dataset, DatasetInfo, Feature, split

_MODULES = (breast_cancer, wine, iris, diabetes, loan, digits)

DATASETS: dict[str, DatasetInfo] = {m.DATASET.key: m.DATASET for m in _MODULES}


def get_info(key: str) -> DatasetInfo:
    return DATASETS[key]


@cache
def load(key: str) -> Dataset:
    """The split dataset, loaded once per process (the registry is small and fixed)."""
    return split(DATASETS[key])


__all__ = ["DATASETS", "Dataset", "DatasetInfo", "Feature", "get_info", "load"]
