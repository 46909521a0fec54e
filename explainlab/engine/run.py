"""Run a validated spec: load data, train (cached), explain, render.

Designed for a long-lived worker process: fitted models are cached per process in a small LRU
(results are deterministic, so reuse is safe), every figure is rendered to bytes and released,
and pyplot figures created by third-party plots are closed even on error.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from explainlab.engine.spec import Spec, validate_spec
from explainlab.engine.version import ENGINE_VERSION

if TYPE_CHECKING:
    from explainlab.engine.models.base import FittedModel

Progress = Callable[[int, str], None]
ArtifactFormat = Literal["png", "svg", "txt"]

MODEL_CACHE_SIZE = 8  # RF(300) on loan: ~30 MB + as much in its TreeExplainer; 8 slots stay < 1 GB
STAGES = (("loading data", 0), ("training", 10), ("explaining", 40), ("rendering", 85))

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml", "txt": "text/plain; charset=utf-8"}


class EngineError(RuntimeError):
    """A valid spec failed while running (a bug or a library failure, not the user's input)."""

    def __init__(self, stage: str, message: str) -> None:
        self.stage = stage
        super().__init__(f"{stage}: {message}")


@dataclass(frozen=True)
class Artifact:
    name: str  # e.g. "shap_bar"; the file name is f"{name}.{format}"
    format: ArtifactFormat
    content: bytes

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.format}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


@dataclass(frozen=True)
class Result:
    metrics: dict[str, float]  # accuracy + roc_auc, or r2 + mae, on the test split
    data: dict[str, Any]  # JSON-ready numbers behind the plot
    artifacts: list[Artifact]
    timings: dict[str, float]  # milliseconds per stage, plus "total"
    spec_hash: str = ""
    engine_version: str = ENGINE_VERSION
    model_cached: bool = False  # the fitted model came from this process's cache


class _ModelCache:
    """A small thread-safe LRU of fitted models keyed by the spec's model part."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, FittedModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> FittedModel | None:
        with self._lock:
            model = self._items.get(key)
            if model is not None:
                self._items.move_to_end(key)
            return model

    def put(self, key: str, model: FittedModel) -> None:
        with self._lock:
            self._items[key] = model
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def clear_memos(self) -> None:
        with self._lock:
            for model in self._items.values():
                model.memo.clear()

    def __len__(self) -> int:
        return len(self._items)


_MODELS = _ModelCache(MODEL_CACHE_SIZE)


def clear_caches(*, keep_models: bool = False) -> None:
    """Forget fitted models and their memoised SHAP values (datasets stay loaded).

    ``keep_models=True`` only drops the memoised values, e.g. to time a new explanation of an
    already trained model.
    """
    if keep_models:
        _MODELS.clear_memos()
    else:
        _MODELS.clear()


def preload(*, datasets: bool = True) -> float:
    """Import the heavy libraries (and load the datasets) now; returns the seconds spent.

    Call it once when a worker process starts, so its first job does not pay ~2 s of imports.
    It only imports and reads bundled data: no threads, no fitted models, so it is also safe
    in a parent process that forks workers afterwards.
    """
    import importlib

    start = time.perf_counter()
    for name in (
        "numpy",
        "scipy.stats",
        "sklearn.ensemble",
        "sklearn.inspection",
        "sklearn.linear_model",
        "sklearn.neighbors",
        "sklearn.neural_network",
        "sklearn.tree",
        "matplotlib.pyplot",
        "lime.lime_tabular",
        "threadpoolctl",
    ):
        importlib.import_module(name)
    from explainlab.engine.explanations._shap import shap_module

    shap_module()
    if datasets:
        from explainlab.engine import datasets as registry

        for key in registry.DATASETS:
            registry.load(key)
    return time.perf_counter() - start


def _single_threaded() -> Any:
    """Limit BLAS/OpenMP pools to one thread for the job.

    On a 2-core worker running several jobs, numpy/scikit-learn thread pools oversubscribe
    the cores: measured 5-10x slower KMeans/kNN/MLP steps. One thread per job is also what
    keeps forked workers safe.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _model_key(spec: Spec) -> str:
    return json.dumps([spec.dataset, spec.model, spec.params], sort_keys=True)


def fitted_model(spec: Spec) -> tuple[FittedModel, bool]:
    """The trained model for ``spec`` and whether it came from the cache."""
    from explainlab.engine import datasets, models

    key = _model_key(spec)
    cached = _MODELS.get(key)
    if cached is not None:
        return cached, True
    model = models.fit(models.get_info(spec.model), datasets.load(spec.dataset), spec.params)
    _MODELS.put(key, model)
    return model, False


def run_spec(spec: Spec | Mapping[str, Any], *, progress: Progress | None = None) -> Result:
    """Compute one explanation. ``spec`` may be a raw dict (validated here, SpecError if bad).

    ``progress(percent, stage)`` is called as each stage starts and with (100, "done").
    Not re-entrant across threads for drawing: a process-wide lock serialises the
    explain/render stages (pyplot and rcParams are global); prefork workers are unaffected.
    """
    from explainlab.engine import datasets, render
    from explainlab.engine.explanations import EXPLANATIONS, ExplainContext
    from explainlab.engine.util import jsonable

    if not isinstance(spec, Spec):
        spec = validate_spec(spec)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    current: list[Any] = []  # [stage name, start time]

    def stage(name: str) -> None:
        now = time.perf_counter()
        if current:
            timings[current[0]] = round((now - current[1]) * 1000, 1)
        current[:] = [name, now]
        if progress is not None:
            progress(dict(STAGES)[name], name)

    stage("loading data")
    dataset = datasets.load(spec.dataset)
    stage("training")
    try:
        with _single_threaded():
            model, cached = fitted_model(spec)
    except Exception as exc:  # reported with its stage to the job
        raise EngineError("training", f"{type(exc).__name__}: {exc}") from exc
    info = EXPLANATIONS[spec.explanation]
    ctx = ExplainContext(dataset=dataset, model=model, options=spec.options, instance=spec.instance)
    artifacts: list[Artifact] = []
    with render.RENDER_LOCK, render.house_style(), render.pyplot_figures(), _single_threaded():
        stage("explaining")
        try:
            explanation = info.compute(ctx)
            data = jsonable(explanation.data)
        except Exception as exc:
            raise EngineError("explaining", f"{type(exc).__name__}: {exc}") from exc
        stage("rendering")
        try:
            for name, figure in explanation.figures:
                try:
                    rendered = render.render_formats(figure, ("png", "svg"))
                    artifacts.append(Artifact(name, "png", rendered["png"]))
                    artifacts.append(Artifact(name, "svg", rendered["svg"]))
                finally:
                    render.release(figure)
        except Exception as exc:
            raise EngineError("rendering", f"{type(exc).__name__}: {exc}") from exc
        for name, text in explanation.texts:
            artifacts.append(Artifact(name, "txt", text.encode("utf-8")))
    end = time.perf_counter()
    timings["rendering"] = round((end - current[1]) * 1000, 1)
    timings["total"] = round((end - started) * 1000, 1)
    if progress is not None:
        progress(100, "done")
    return Result(
        metrics=dict(model.metrics),
        data=data,
        artifacts=artifacts,
        timings=timings,
        spec_hash=spec.hash(),
        model_cached=cached,
    )
