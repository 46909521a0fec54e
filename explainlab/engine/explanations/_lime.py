"""LIME on tabular data with a seeded explainer per job (LIME draws its seed at construction)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explainlab.engine.explanations.base import GLOBAL_SEED

if TYPE_CHECKING:
    import numpy as np

    from explainlab.engine.models.base import FittedModel


@dataclass(frozen=True)
class LimeResult:
    label: int  # index of the explained class (0 for regression)
    label_name: str
    conditions: list[str]  # e.g. "mean radius <= 11.70"
    features: list[str]  # the underlying feature of each condition
    weights: list[float]  # local linear weight of each condition
    feature_weights: dict[str, float]  # weight per original feature (0 if not selected)
    intercept: float
    local_prediction: float  # the surrogate's prediction at the instance
    model_prediction: float  # the model's prediction/probability for the label
    score: float  # weighted R² of the local surrogate


def make_explainer(model: FittedModel, seed: int = GLOBAL_SEED) -> Any:
    from lime.lime_tabular import LimeTabularExplainer

    dataset = model.dataset
    return LimeTabularExplainer(
        training_data=dataset.X_train,
        mode="classification" if model.is_classification else "regression",
        feature_names=dataset.feature_names,
        class_names=model.class_names if model.is_classification else None,
        discretize_continuous=True,
        random_state=seed,
    )


def explained_label(model: FittedModel, row: np.ndarray) -> int:
    """Positive class for binary data, predicted class for multiclass, 0 for regression."""
    import numpy as np

    if model.task == "binary":
        return 1
    if model.task == "multiclass":
        return int(np.argmax(model.predict_output(row.reshape(1, -1))[0]))
    return 0


def explain(explainer: Any, model: FittedModel, row: np.ndarray, *, num_features: int, num_samples: int) -> LimeResult:
    import numpy as np

    label = explained_label(model, row)
    with warnings.catch_warnings():
        # LIME's internals trip numpy/sklearn deprecation warnings that are not ours to fix.
        warnings.simplefilter("ignore")
        if model.is_classification:
            exp = explainer.explain_instance(
                row, model.predict_output, labels=(label,), num_features=num_features, num_samples=num_samples
            )
            key = label
            model_prediction = float(exp.predict_proba[label])
            label_name = model.class_names[label]
        else:
            exp = explainer.explain_instance(row, model.predict, num_features=num_features, num_samples=num_samples)
            key = 1  # LIME stores regression weights under its dummy label 1
            model_prediction = float(exp.predicted_value)
            label_name = model.dataset.info.target_names[0]
    names = model.dataset.feature_names
    pairs = exp.local_exp[key]
    conditions = [condition for condition, _ in exp.as_list(label=key)]
    feature_weights = dict.fromkeys(names, 0.0)
    for index, weight in pairs:
        feature_weights[names[index]] = float(weight)
    local_prediction = np.ravel(exp.local_pred)[0] if exp.local_pred is not None else np.nan
    return LimeResult(
        label=label,
        label_name=label_name,
        conditions=conditions,
        features=[names[index] for index, _ in pairs],
        weights=[float(weight) for _, weight in pairs],
        feature_weights=feature_weights,
        intercept=float(exp.intercept[key]),
        local_prediction=float(local_prediction),
        model_prediction=model_prediction,
        score=float(exp.score) if not isinstance(exp.score, dict) else float(exp.score[key]),
    )
