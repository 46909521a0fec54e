"""What the network's hidden units respond to, drawn as pictures.

For each of the most active units of a hidden layer (largest variance of activation over
the test images): the mean of the test images that excite it most, and its input gradient
averaged over those images (for the first layer this is the unit's weight template in pixel
space: red pixels raise its activation, blue lower it), with the digit it fires for most.
The whole table (mean activation per unit and digit) is in ``data``.
"""

from __future__ import annotations

from typing import Any

from explainlab.engine import cost
from explainlab.engine.explanations._network import IMAGE_SHAPES, image_check
from explainlab.engine.explanations.base import ExplainContext, Explanation, ExplanationInfo, SpecView
from explainlab.engine.params import Param

UNITS = 12
TOP_IMAGES = 10


def compute(ctx: ExplainContext) -> Explanation:
    import numpy as np

    from explainlab.engine import render
    from explainlab.engine.explanations._network import IMAGE_SHAPES, Network

    shape = IMAGE_SHAPES[ctx.dataset.info.key]
    net = Network.of(ctx.model)
    layers = len(net.weights) - 1
    layer = min(ctx.options["layer"], layers) - 1
    X, y = ctx.dataset.X_test, ctx.dataset.y_test
    activations = net.hidden(X, layer)  # (rows, units)
    variance = activations.var(axis=0)
    units = [int(u) for u in np.argsort(-variance, kind="stable")[: min(UNITS, activations.shape[1])]]
    classes = ctx.model.class_names
    by_class = np.array([activations[y == k].mean(axis=0) for k in range(len(classes))])  # (classes, units)
    dead = int((activations.max(axis=0) <= 0).sum())
    described = []
    for u in units:
        top = np.argsort(-activations[:, u], kind="stable")[:TOP_IMAGES]
        # per standard deviation of each pixel, as the network sees them (see nn_attribution)
        gradient = net.gradient(X[top], u, layer=layer).mean(axis=0) * net.scale
        described.append(
            {
                "unit": u,
                "variance": float(variance[u]),
                "prefers": classes[int(np.argmax(by_class[:, u]))],
                "top_rows": top,
                "mean_top_image": X[top].mean(axis=0).reshape(shape),
                "gradient": gradient.reshape(shape),
            }
        )
    data: dict[str, Any] = {
        "layer": layer + 1,
        "layers": layers,
        "n_units": activations.shape[1],
        "dead_units": dead,
        "units": described,
        "mean_activation_by_class": {"classes": classes, "values": by_class},
    }
    columns = 4
    rows = (len(described) + columns - 1) // columns
    fig = render.new_figure(11.0, 1.4 * rows + 1.1)
    grid = fig.add_gridspec(rows, columns * 2, wspace=0.08, hspace=0.35)
    for i, unit in enumerate(described):
        r, c = divmod(i, columns)
        left = fig.add_subplot(grid[r, 2 * c])
        right = fig.add_subplot(grid[r, 2 * c + 1])
        left.imshow(unit["mean_top_image"], cmap="Greys", vmin=0, vmax=16)
        span = float(np.abs(unit["gradient"]).max()) or 1.0
        right.imshow(unit["gradient"], cmap="RdBu_r", vmin=-span, vmax=span)
        left.set_title(f"unit {unit['unit']}: likes {unit['prefers']}", loc="left", fontsize=9)
        for ax in (left, right):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(True)
                spine.set_color(render.GRID)
    render.set_titles(
        fig,
        f"What hidden layer {layer + 1} of {layers} responds to: the {len(described)} most active of "
        f"{activations.shape[1]} units",
        f"per unit: left, the mean of the {TOP_IMAGES} test images that excite it most; right, its input "
        "gradient over them, per pixel standard deviation (red pixels raise its activation, blue lower it); 'likes' = the digit with the "
        f"highest mean activation. {dead} units never fire on the test images.",
    )
    return Explanation(data=data, figures=[("nn_units", fig)])


def estimate(view: SpecView) -> float:
    p = len(view.dataset.features)
    hidden = sum(view.params["hidden_layer_sizes"])
    return 0.05 + view.dataset.n_test * p * hidden * 2.0e-8 + UNITS * 0.002 + cost.RENDER_SECONDS + 0.3


EXPLANATION = ExplanationInfo(
    key="nn_units",
    title="Neural network: what hidden units respond to",
    description=(
        "For the most active units of a hidden layer: the images that excite them most and the pixel "
        "pattern that raises their activation."
    ),
    needs_instance=False,
    compute=compute,
    cost=estimate,
    models=("mlp",),
    datasets=tuple(IMAGE_SHAPES),
    check=image_check,
    options=(
        Param("layer", "int", 1, "hidden layer to show (1 = the first; capped at the network's depth)", min=1, max=3),
    ),
)
