"""The one-row SHAP explanation shared by the waterfall and force views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from explainlab.engine.explanations.base import ExplainContext


@dataclass(frozen=True)
class LocalShap:
    row: int
    values: np.ndarray  # (features,)
    base: float
    prediction: float  # base + sum(values): the model output being explained
    features: np.ndarray  # raw feature values
    output_name: str
    output_space: str
    method: str
    probability: float | None  # for log-odds outputs of classifiers: the matching probability
    errors: np.ndarray | None = None  # standard error of each value (sampling explainers)

    def data(self, names: list[str]) -> dict[str, Any]:
        return {
            "row": self.row,
            "features": names,
            "feature_values": self.features,
            "shap_values": self.values,
            "base_value": self.base,
            "output_value": self.prediction,
            "explained_output": self.output_name,
            "output_space": self.output_space,
            "probability": self.probability,
            "method": self.method,
            "shap_errors": self.errors,
        }


def local_shap(ctx: ExplainContext) -> LocalShap:
    import numpy as np

    from explainlab.engine.explanations._shap import local_shap as compute_local

    assert ctx.instance is not None
    sv = compute_local(ctx.model, ctx.instance)
    output = int(sv.predicted[0]) if sv.multiclass else 0
    values = sv.values[0, :, output]
    base = float(sv.base_values[output])
    prediction = base + float(values.sum())
    probability = None
    if sv.output_space in ("log-odds", "logit"):
        proba = ctx.model.predict_output(ctx.instance_row())[0]
        probability = float(proba[1] if ctx.model.task == "binary" else proba[output])
    return LocalShap(
        row=ctx.instance,
        values=values,
        base=base,
        prediction=prediction,
        features=np.asarray(sv.data[0]),
        output_name=sv.output_label(output),
        output_space=sv.output_space,
        method=sv.method,
        probability=probability,
        errors=None if sv.uncertainty is None else sv.uncertainty[0, :, output],
    )


def subtitle(local: LocalShap) -> str:
    from explainlab.engine.explanations._common import fmt, space_label

    text = (
        f"test row {local.row}: {space_label(local.output_space, local.output_name)} = {fmt(local.prediction)}"
        f" (average {fmt(local.base)})"
    )
    if local.probability is not None:
        text += f", i.e. P = {fmt(local.probability)}"
    text = f"{text}; {local.method}"
    if local.errors is not None:
        text += f"; sampling error up to ±{fmt(float(2 * local.errors.max()))} (2 standard errors)"
    return text
