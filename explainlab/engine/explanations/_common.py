"""Helpers shared by several explanation modules (imported lazily, from compute functions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes

    from explainlab.engine.models.base import FittedModel

MAX_BARS = 15  # beyond this a bar chart stops being readable; the rest is summed or listed in data


def ranking(model: FittedModel) -> list[str]:
    """Feature names, most important first, by mean |SHAP| (class-averaged).

    Used for the "default: the most important" options, so every view agrees on what the most
    important feature is; the SHAP values are memoised with the model and reused.
    """
    import numpy as np

    from explainlab.engine.explanations._shap import global_shap

    importance = global_shap(model).importance()
    names = model.dataset.feature_names
    return [names[i] for i in np.argsort(-importance, kind="stable")]


def fmt(value: float, digits: int = 3) -> str:
    """Compact number for labels: 3 significant digits, no scientific notation for common sizes."""
    if value == 0 or (1e-3 <= abs(value) < 1e5):
        return f"{value:.{digits}g}" if abs(value) >= 1 else f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return f"{value:.{digits - 1}e}"


def plural(count: int, noun: str) -> str:
    """ "1 other feature", "3 other features" """
    return f"{count} {noun}{'' if count == 1 else 's'}"


def fmt_signed(value: float) -> str:
    text = fmt(value)
    return text if text.startswith("-") else f"+{text}"


def feature_value(value: float) -> str:
    """A feature value as shown next to its name (integers without decimals)."""
    return str(int(value)) if float(value).is_integer() else fmt(float(value), 4)


def space_label(output_space: str, output_name: str) -> str:
    if output_space == "probability":
        return f"P({output_name})"
    if output_space == "log-odds":
        return f"log-odds of {output_name}"
    if output_space == "logit":
        return f"logit of {output_name}"
    return f"predicted {output_name}"


def style_barh(ax: Axes, labels: list[str]) -> None:
    """Horizontal bars, first label on top, light vertical grid, no left spine."""
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.4, -0.6)
    ax.xaxis.grid(True)
    ax.set_axisbelow(True)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)


def sample_rows(n_rows: int, limit: int, seed: int = 0) -> np.ndarray:
    import numpy as np

    if n_rows <= limit:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=limit, replace=False))


def class_color(index: int) -> str:
    from explainlab.engine.render import CLASS_COLORS

    return CLASS_COLORS[index % len(CLASS_COLORS)]
