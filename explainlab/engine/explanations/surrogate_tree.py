"""Global surrogate: a shallow tree trained to imitate the model's predictions."""

from __future__ import annotations

from typing import Any

from explainlab.engine import cost
from explainlab.engine.explanations.base import GLOBAL_SEED, ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import Param


def compute(ctx: ExplainContext) -> Explanation:
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    from explainlab.engine import render
    from explainlab.engine.explanations._trees import draw, nodes

    model, dataset = ctx.model, ctx.dataset
    depth = ctx.options["max_depth"]
    # The surrogate learns the model's answers, not the true labels: its accuracy against
    # the model (fidelity) says how far the simple picture can be trusted.
    target = model.predict(dataset.X_train)
    if model.is_classification:
        surrogate: Any = DecisionTreeClassifier(max_depth=depth, random_state=GLOBAL_SEED)
    else:
        surrogate = DecisionTreeRegressor(max_depth=depth, random_state=GLOBAL_SEED)
    surrogate.fit(dataset.X_train, target)
    on_test = model.predict(dataset.X_test)
    if model.is_classification:
        fidelity, fidelity_name = float(accuracy_score(on_test, surrogate.predict(dataset.X_test))), "agreement"
        fidelity_text = f"{fidelity:.0%} agreement"
    else:
        fidelity, fidelity_name = float(r2_score(on_test, surrogate.predict(dataset.X_test))), "R²"
        fidelity_text = f"R² {fidelity:.2f}"
    class_names = model.class_names if model.is_classification else None
    fig = draw(surrogate, ctx.feature_names, class_names, depth)
    render.set_titles(
        fig,
        f"Surrogate tree (depth {depth}) imitating the {model.info.title.lower()}",
        f"fidelity on the test split: {fidelity_text} with the model's predictions",
        fig.axes[0],
    )
    data = {
        "max_depth": depth,
        "fidelity": fidelity,
        "fidelity_metric": fidelity_name,
        "class_names": class_names,
        "nodes": nodes(surrogate, ctx.feature_names),
    }
    return Explanation(data=data, figures=[("surrogate_tree", fig)])


def estimate(view: SpecView) -> float:
    return (
        0.1
        + cost.predict_seconds(view, view.dataset.n_train + view.dataset.n_test)
        + cost.RENDER_SECONDS
        + 0.05 * 2 ** view.options["max_depth"]
    )


EXPLANATION = ExplanationInfo(
    key="surrogate_tree",
    title="Global surrogate tree",
    description="A shallow decision tree trained on the model's predictions, with its fidelity to the model.",
    needs_instance=False,
    compute=compute,
    cost=estimate,
    excluded_models=("decision_tree",),
    options=(Param("max_depth", "int", 3, "depth of the surrogate tree", min=1, max=6),),
)
