"""How fast is the explanation engine in a warm worker?

For each explanation on a dataset and a few models, prints the stage timings (ms) of:

* cold  - nothing cached: the model is trained and the SHAP values computed for this job;
* model - the trained model is cached but nothing derived from it (a new explanation of a
          model the worker already trained: the common case);
* warm  - the same spec again (model and memoised SHAP values cached).

Library imports are paid once up front (``preload``) and reported separately: a worker does
that at start-up, not per job. The last column is the engine's cost estimate (seconds, cold)
used to refuse expensive specs. ``cpu`` is the process CPU time of the cold / model / warm runs:
on a busy machine wall time grows, CPU time shows what an idle 2-core worker would take.

Usage::

    .venv/bin/python bench/explainlab/engine_probe.py [--dataset breast_cancer]
        [--models random_forest mlp] [--explanations shap_bar lime ...] [--instance 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from itertools import pairwise
from pathlib import Path

# Single-threaded BLAS/OpenMP, as in the worker (fork safety, predictable timings).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

STAGES = ("loading data", "training", "explaining", "rendering")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="breast_cancer")
    parser.add_argument("--models", nargs="+", default=["random_forest", "mlp"])
    parser.add_argument("--explanations", nargs="*", default=None)
    parser.add_argument("--instance", type=int, default=0)
    args = parser.parse_args()

    start = time.perf_counter()
    import explainlab.engine as engine

    import_s = time.perf_counter() - start
    preload_s = engine.preload()
    print(
        f"import explainlab.engine: {import_s * 1000:.0f} ms; preload (libraries + datasets): {preload_s * 1000:.0f} ms"
    )
    # One throw-away job so lazy first-use costs (font cache, shap's numba-free paths) are paid.
    engine.run_spec({"dataset": "iris", "model": "decision_tree", "explanation": "shap_bar"})

    catalog = engine.catalog()
    header = (
        f"{'model':<18} {'explanation':<23} {'cold':>6} {'train':>6} {'expl':>6} {'rend':>6} │"
        f" {'model':>6} {'expl':>6} {'rend':>6} │ {'warm':>6} {'expl':>6} {'rend':>6} │"
        f" {'cpu cold/model/warm':>19} │ {'est s':>5}"
    )
    print(header)
    print("─" * len(header))
    for model in args.models:
        for entry in catalog["explanations"]:
            key = entry["key"]
            if args.explanations and key not in args.explanations:
                continue
            if model not in entry["models"]:
                continue
            raw = {"dataset": args.dataset, "model": model, "explanation": key}
            if entry["needs_instance"]:
                raw["instance"] = args.instance
            try:
                spec = engine.validate_spec(raw)
            except engine.SpecError as exc:
                print(f"{model:<18} {key:<23} skipped: {exc}")
                continue
            engine.clear_caches()
            cpu = [time.process_time()]
            cold = engine.run_spec(spec).timings
            cpu.append(time.process_time())
            engine.clear_caches(keep_models=True)
            again = engine.run_spec(spec).timings
            cpu.append(time.process_time())
            warm = engine.run_spec(spec).timings
            cpu.append(time.process_time())
            cpu_ms = "/".join(f"{(b - a) * 1000:.0f}" for a, b in pairwise(cpu))
            print(
                f"{model:<18} {key:<23} {cold['total']:6.0f} {cold['training']:6.0f} {cold['explaining']:6.0f}"
                f" {cold['rendering']:6.0f} │ {again['total']:6.0f} {again['explaining']:6.0f} {again['rendering']:6.0f}"
                f" │ {warm['total']:6.0f} {warm['explaining']:6.0f} {warm['rendering']:6.0f} │ {cpu_ms:>19}"
                f" │ {spec.estimated_seconds():5.1f}"
            )


if __name__ == "__main__":
    main()
