"""Wisconsin diagnostic breast cancer (bundled with scikit-learn)."""

from __future__ import annotations

from typing import Any

from explainlab.engine.datasets.base import DatasetInfo, Feature, load_bundled

_MEASURES = {
    "radius": "mean distance from the centre to points on the nucleus perimeter",
    "texture": "standard deviation of grey-scale values",
    "perimeter": "nucleus perimeter",
    "area": "nucleus area",
    "smoothness": "local variation in radius lengths",
    "compactness": "perimeter^2 / area - 1.0",
    "concavity": "severity of concave portions of the contour",
    "concave points": "number of concave portions of the contour",
    "symmetry": "symmetry of the nucleus",
    "fractal dimension": "'coastline approximation' - 1",
}
_AGGREGATES = (
    ("mean {m}", "mean over the cell nuclei of the image: {d}"),
    ("{m} error", "standard error over the cell nuclei: {d}"),
    ("worst {m}", "mean of the three largest values over the cell nuclei: {d}"),
)


def _load() -> tuple[Any, Any]:
    return load_bundled("load_breast_cancer", DATASET)


DATASET = DatasetInfo(
    key="breast_cancer",
    title="Breast cancer (Wisconsin diagnostic)",
    task="binary",
    description=(
        "Features computed from a digitised image of a fine-needle aspirate of a breast mass; "
        "predict whether the mass is malignant or benign."
    ),
    features=tuple(
        Feature(name.format(m=m), text.format(d=d)) for name, text in _AGGREGATES for m, d in _MEASURES.items()
    ),
    target_names=("malignant", "benign"),
    n_rows=569,
    load_xy=_load,
    target_description="diagnosis (0 = malignant, 1 = benign)",
)
