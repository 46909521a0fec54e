"""Gradient attribution and occlusion for one image, through the MLP's own weights.

Three answers to "which pixels made the network say this digit?", all for the logit (or,
for occlusion, the probability) of the predicted class:

* saliency: |d logit / d pixel| at the image (Simonyan et al., 2014), per standard deviation
  of the pixel (the network sees standardised pixels; per raw unit, the border pixels that
  are almost never inked would dominate through their tiny spread): where a small, typical
  change would move the score most; it says nothing about the pixel's own value;
* Integrated Gradients (Sundararajan et al., 2017): the gradient averaged along the straight
  path from a blank image (all 0, no ink) to this one, times the pixel's change. Its
  attributions add up to logit(image) - logit(blank) ("completeness"); the remaining gap of
  the Riemann sum is reported;
* occlusion (Zeiler & Fergus, 2014): the drop in the predicted class's probability when a
  2x2 square is blanked, averaged per pixel over the squares covering it.
"""

from __future__ import annotations

from typing import Any

from explainlab.engine import cost
from explainlab.engine.explanations._network import IMAGE_SHAPES, image_check
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import Param

PATCH = 2


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._common import fmt
    from explainlab.engine.explanations._network import (
        IMAGE_SHAPES,
        Network,
        integrated_gradients,
        occlusion,
    )

    shape = IMAGE_SHAPES[ctx.dataset.info.key]
    net = Network.of(ctx.model)
    x = ctx.instance_row()[0].astype(float)
    proba = net.proba(x[None, :])[0]
    predicted = int(np.argmax(proba))
    steps = ctx.options["steps"]
    baseline = np.zeros_like(x)
    saliency = np.abs(net.gradient(x[None, :], predicted)[0]) * net.scale
    ig, gap = integrated_gradients(net, x, baseline, predicted, steps)
    occluded = occlusion(net, x, shape, predicted, PATCH, 0.0)
    logit_x = float(net.logit(x[None, :], predicted)[0])
    logit_0 = float(net.logit(baseline[None, :], predicted)[0])
    classes = ctx.model.class_names
    data: dict[str, Any] = {
        "row": ctx.instance,
        "shape": list(shape),
        "predicted_class": classes[predicted],
        "probability": float(proba[predicted]),
        "true_class": classes[int(ctx.dataset.y_test[ctx.instance])],
        "image": x.reshape(shape),
        "saliency": saliency.reshape(shape),
        "integrated_gradients": ig.reshape(shape),
        "occlusion": occluded,
        "baseline": "blank image (all pixels 0)",
        "steps": steps,
        "logit": logit_x,
        "baseline_logit": logit_0,
        "completeness_gap": gap,
        "occlusion_patch": PATCH,
    }

    fig = render.new_figure(12.0, 3.9)
    axes = fig.subplots(1, 4)
    panels = [
        ("the image", x.reshape(shape), "Greys", False),
        ("saliency |∂logit/∂pixel| · pixel std", saliency.reshape(shape), "Purples", False),
        (f"Integrated Gradients ({steps} steps)", ig.reshape(shape), "RdBu_r", True),
        (f"occlusion ({PATCH}x{PATCH}): drop in P", occluded, "RdBu_r", True),
    ]
    for ax, (title, values, cmap, diverging) in zip(axes, panels, strict=True):
        if diverging:
            span = float(np.abs(values).max()) or 1.0
            image = ax.imshow(values, cmap=cmap, vmin=-span, vmax=span)
        else:
            image = ax.imshow(values, cmap=cmap, vmin=0)
        ax.set_title(title, loc="left", fontsize=9.5)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(image, ax=ax, shrink=0.78, pad=0.03)
    subtitle = (
        f"test row {ctx.instance} (a {data['true_class']}): predicted {classes[predicted]} with P = "
        f"{fmt(float(proba[predicted]))}. Red raises the score of {classes[predicted]}, blue lowers it. "
        f"IG sums to {fmt(float(ig.sum()))}; logit {fmt(logit_x)} minus blank-image logit {fmt(logit_0)} is "
        f"{fmt(logit_x - logit_0)} (completeness gap of the {steps}-step sum: {gap:.1e})"
    )
    render.set_titles(fig, f"Why {classes[predicted]}? Gradient and occlusion maps of the network", subtitle)
    return Explanation(data=data, figures=[("nn_attribution", fig)])


def estimate(view: SpecView) -> float:
    p = len(view.dataset.features)
    hidden = sum(view.params["hidden_layer_sizes"])
    return 0.05 + view.options["steps"] * p * hidden * 4.0e-8 + 0.02 + cost.RENDER_SECONDS + 0.2


EXPLANATION = ExplanationInfo(
    key="nn_attribution",
    title="Neural network: saliency, Integrated Gradients, occlusion (one image)",
    description=(
        "Which pixels drive the network's decision for one image: the gradient, Integrated Gradients "
        "from a blank image, and the effect of blanking small squares."
    ),
    needs_instance=True,
    compute=compute,
    cost=estimate,
    models=("mlp",),
    datasets=tuple(IMAGE_SHAPES),
    check=image_check,
    options=(Param("steps", "int", 64, "Integrated Gradients steps along the path", min=8, max=512),),
)
