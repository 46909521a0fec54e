"""Explanation lab engine: datasets, models, explanations, spec validation and the runner.

Pure Python (no Django). Importing this package is cheap: scikit-learn, shap, lime and
matplotlib are imported only when a job runs, so a web process can validate specs and serve
the catalog without paying for them.

Public interface::

    catalog() -> dict
    validate_spec(raw: Mapping) -> Spec          # raises SpecError(errors={field: [msg]})
    run_spec(spec | raw, *, progress=None) -> Result(metrics, data, artifacts, timings, ...)
"""

from explainlab.engine.catalog import catalog
from explainlab.engine.run import Artifact, EngineError, Result, clear_caches, preload, run_spec
from explainlab.engine.spec import Spec, SpecError, validate_spec
from explainlab.engine.version import ENGINE_VERSION

__all__ = [
    "ENGINE_VERSION",
    "Artifact",
    "EngineError",
    "Result",
    "Spec",
    "SpecError",
    "catalog",
    "clear_caches",
    "preload",
    "run_spec",
    "validate_spec",
]
