"""House style and figure output for a headless worker.

Everything here uses matplotlib's object-oriented API (``Figure`` objects that pyplot does
not track), so a long-lived worker accumulates no global figure state. The few third-party
plots that insist on pyplot (shap's waterfall/beeswarm/bar) run inside
:func:`pyplot_figures`, which closes every figure created in its block.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import matplotlib

# Headless: never try to open a window, whatever MPLBACKEND or a display says. The engine is
# meant for workers; a notebook that imports it keeps working (Agg figures still render inline).
matplotlib.use("Agg")

from cycler import cycler  # matplotlib's own dependency
from matplotlib.figure import Figure  # after the backend choice

DPI = 110
MAX_INCHES = 40.0  # a depth-6 tree gets wide; cap so a PNG stays below ~4,400 px

# shap's own red/blue, so our plots and shap's read the same: red raises the output.
POSITIVE = "#ff0051"
NEGATIVE = "#008bfb"
NEUTRAL = "#5b6770"
ACCENT = "#2a6f97"
MUTED = "#9aa5ad"
GRID = "#e6e9ec"
TEXT = "#1f2a33"
CLASS_COLORS = ("#2a6f97", "#e07a1f", "#3a9a5b", "#b23a48", "#7b5ea7", "#8c6d46")
METHOD_COLORS = {"shap": "#7b5ea7", "permutation": "#2a6f97", "lime": "#3a9a5b"}

STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "axes.labelcolor": TEXT,
    "axes.edgecolor": "#b8c0c6",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.prop_cycle": cycler(color=list(CLASS_COLORS)),
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": True,
    "legend.framealpha": 0.85,
    "legend.facecolor": "white",
    "legend.edgecolor": "none",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    # Stable ids in SVG output so identical results give identical bytes.
    "svg.hashsalt": "explainlab",
    # Keep text as text in SVG: much smaller files, selectable and accessible labels.
    "svg.fonttype": "none",
}

# Pyplot (used only by the wrapped shap plots) and rcParams are process-global; one lock keeps
# two threads of the same process from drawing into each other's figures.
RENDER_LOCK = threading.RLock()


@contextmanager
def house_style() -> Iterator[None]:
    with matplotlib.rc_context(cast(Any, STYLE)):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A figure pyplot knows nothing about: garbage-collected once the job drops it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    width, height = min(width, MAX_INCHES), min(height, MAX_INCHES)
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # a real canvas: text extents (plot_tree) need a renderer
    return fig


@contextmanager
def pyplot_figures() -> Iterator[None]:
    """Close every pyplot figure created inside the block (also on error)."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    try:
        yield
    finally:
        for number in set(plt.get_fignums()) - before:
            plt.close(number)


def pyplot_figure(width: float, height: float) -> Figure:
    """A pyplot-managed figure made current, for plots that draw on ``plt.gca()``.

    Call only inside :func:`pyplot_figures`, which owns its closing.
    """
    import matplotlib.pyplot as plt

    return plt.figure(figsize=(min(width, MAX_INCHES), min(height, MAX_INCHES)), dpi=DPI)


def set_titles(fig: Figure, title: str, subtitle: str | None = None, ax: Any = None) -> None:
    """Bold left-aligned title; the one-line explanation goes under it (as the title of ``ax``)
    or, for multi-panel figures, as a grey footnote. Both are layout-aware in matplotlib, so
    nothing overlaps or gets clipped."""
    import textwrap

    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold", color=TEXT)
    if not subtitle:
        return
    # Wrap to the figure width (≈ 14 characters per inch at 9 pt) instead of widening it.
    subtitle = "\n".join(textwrap.wrap(subtitle, int(fig.get_figwidth() * 14.5)))
    if ax is not None:
        ax.set_title(subtitle, loc="left", fontsize=9, color=NEUTRAL, pad=8)
    else:
        fig.supxlabel(subtitle, x=0.01, ha="left", fontsize=9, color=NEUTRAL)


def _renderer(fig: Figure) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
    return canvas.get_renderer()


def title_above(fig: Figure, title: str) -> None:
    """Title for figures drawn by third-party code without a layout engine (shap): placed
    flush-left above everything already drawn, found from the figure's tight bounding box."""
    box = fig.get_tightbbox(_renderer(fig))
    width, height = fig.get_size_inches()
    fig.suptitle(
        title,
        x=box.x0 / width,
        y=(box.y1 + 0.12) / height,
        ha="left",
        va="bottom",
        fontsize=12,
        fontweight="bold",
        color=TEXT,
    )


def render_formats(fig: Figure, formats: tuple[str, ...] = ("png", "svg")) -> dict[str, bytes]:
    """Lay the figure out once, then write each format with the same tight bounding box.

    ``bbox_inches="tight"`` would draw every format twice; drawing once, fixing the layout and
    passing the box explicitly saves about a third of the rendering time.
    """
    from matplotlib.transforms import Bbox

    fig.canvas.draw()  # runs the layout engine (constrained) once
    box = fig.get_tightbbox(_renderer(fig))
    box = Bbox.from_extents(box.x0 - 0.15, box.y0 - 0.15, box.x1 + 0.15, box.y1 + 0.15)
    fig.set_layout_engine("none")  # positions are final: do not recompute them per format
    out: dict[str, bytes] = {}
    for fmt in formats:
        buffer = io.BytesIO()
        metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {}
        fig.savefig(buffer, format=fmt, dpi=DPI, bbox_inches=box, metadata=metadata)
        out[fmt] = buffer.getvalue()
    return out


def release(fig: Figure) -> None:
    """Drop a rendered figure: close it in pyplot if pyplot tracks it, and clear its artists."""
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close(fig)
    fig.clear()
