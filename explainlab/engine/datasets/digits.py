"""Handwritten digits, 8 x 8 grey-level images (bundled with scikit-learn).

The lab's image data set: small enough that an MLP trains in about a second, and each
feature is a pixel, so attributions can be drawn as pictures. Pixel values run from 0
(background) to 16 (ink).
"""

from __future__ import annotations

from typing import Any

from explainlab.engine.datasets.base import DatasetInfo, Feature, load_bundled

SIDE = 8


def _load() -> tuple[Any, Any]:
    return load_bundled("load_digits", DATASET)


DATASET = DatasetInfo(
    key="digits",
    title="Handwritten digits (8x8 images)",
    task="multiclass",
    description="1,797 handwritten digits scanned as 8x8 images of ink intensity 0-16; predict the digit.",
    features=tuple(
        Feature(f"pixel_{r}_{c}", f"ink in row {r}, column {c} (0-16)") for r in range(SIDE) for c in range(SIDE)
    ),
    target_names=tuple(str(d) for d in range(10)),
    n_rows=1797,
    load_xy=_load,
    target_description="digit (ten classes)",
)
