"""Diabetes progression (bundled with scikit-learn), in original units rather than pre-scaled."""

from __future__ import annotations

from typing import Any

from explainlab.engine.datasets.base import DatasetInfo, Feature, load_bundled


def _load() -> tuple[Any, Any]:
    # scaled=False keeps ages in years and blood pressure in mm Hg: explanations then read in
    # units a learner recognises instead of mean-centred, norm-scaled numbers.
    return load_bundled("load_diabetes", DATASET, scaled=False)


DATASET = DatasetInfo(
    key="diabetes",
    title="Diabetes progression",
    task="regression",
    description=(
        "Baseline measurements of 442 diabetes patients; predict a quantitative measure of "
        "disease progression one year later."
    ),
    features=(
        Feature("age", "age in years"),
        Feature("sex", "sex (coded 1 or 2)"),
        Feature("bmi", "body mass index"),
        Feature("bp", "average blood pressure (mm Hg)"),
        Feature("s1", "tc: total serum cholesterol"),
        Feature("s2", "ldl: low-density lipoproteins"),
        Feature("s3", "hdl: high-density lipoproteins"),
        Feature("s4", "tch: total cholesterol / HDL"),
        Feature("s5", "ltg: log of serum triglycerides level"),
        Feature("s6", "glu: blood sugar level"),
    ),
    target_names=("progression",),
    n_rows=442,
    load_xy=_load,
    target_description="disease progression one year after baseline (25 to 346)",
)
