"""A small multi-layer perceptron on standardised inputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explainlab.engine.models.base import SEED, ModelInfo
from explainlab.engine.params import Param, Task

# Adam epochs at most. Most fits converge (tol) in 70-450 epochs; the cap bounds the worst
# case, and the cost estimate refuses networks too large for the data (see cost.py).
MAX_ITER = 500


def build(task: Task, params: Mapping[str, Any]) -> Any:
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    common = {
        "hidden_layer_sizes": tuple(params["hidden_layer_sizes"]),
        "alpha": params["alpha"],
        "max_iter": MAX_ITER,
        "random_state": SEED,
    }
    if task == "regression":
        # Targets like disease progression (25 to 346) make Adam crawl; learning a standardised
        # target and mapping back gives a fair MLP in the same number of iterations.
        return TransformedTargetRegressor(
            regressor=Pipeline([("scale", StandardScaler()), ("model", MLPRegressor(**common))]),
            transformer=StandardScaler(),
        )
    return Pipeline([("scale", StandardScaler()), ("model", MLPClassifier(**common))])


MODEL = ModelInfo(
    key="mlp",
    title="Neural network (MLP)",
    description="A fully connected neural network with ReLU units, trained with Adam.",
    params=(
        Param(
            "hidden_layer_sizes",
            "int_list",
            (32,),
            "units per hidden layer (1 to 3 layers)",
            min=1,
            max=256,
            min_items=1,
            max_items=3,
        ),
        Param("alpha", "float", 0.0001, "L2 penalty", min=0.0, max=10.0),
    ),
    shap_family="agnostic",
    build=build,
    standardised=True,
)
