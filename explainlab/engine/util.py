"""Small helpers shared by the engine: JSON-safe numbers and seeded global RNG blocks."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

SIGNIFICANT_DIGITS = 6


def _round(value: float, digits: int) -> float | None:
    if not math.isfinite(value):
        return None  # JSON has no NaN/inf; null is what a client can handle
    if value == 0.0:
        return 0.0
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def jsonable(obj: Any, digits: int = SIGNIFICANT_DIGITS) -> Any:
    """Convert numpy scalars/arrays, tuples and nested containers into plain JSON types.

    Floats keep ``digits`` significant digits: the numbers feed plots and tables, and shorter
    JSON is cheaper to store for every cached job.
    """
    import numpy as np

    if isinstance(obj, bool | str) or obj is None:
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return _round(float(obj), digits)
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist(), digits)
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v, digits) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v, digits) for v in obj]
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


@contextmanager
def seeded_global_numpy(seed: int) -> Iterator[None]:
    """Seed numpy's *global* RNG for libraries that use it (shap's KernelExplainer), and
    restore the previous state afterwards so the rest of the process is unaffected."""
    import numpy as np

    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)
