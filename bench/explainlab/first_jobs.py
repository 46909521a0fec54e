#!/usr/bin/env python
"""First-job time of each second-generation explanation kind, in a warm worker process.

"First job" = nothing cached: the model is trained and the explanation computed and rendered
for this job (library imports are paid once up front by ``preload``, as a worker does at
start-up). Prints wall time, process CPU time (on a busy machine wall time grows; CPU time is
what an idle 2-core worker would take) and the engine's cost estimate, which must stay under
the budget.

    .venv/bin/python bench/explainlab/first_jobs.py [--kinds counterfactual ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

SPECS: list[dict[str, object]] = [
    {"dataset": "loan", "model": "random_forest", "explanation": "counterfactual", "instance": 0},
    {"dataset": "loan", "model": "mlp", "explanation": "counterfactual", "instance": 0},
    {"dataset": "loan", "model": "random_forest", "explanation": "ale", "options": {"feature": "income"}},
    {"dataset": "breast_cancer", "model": "gradient_boosting", "explanation": "ale"},
    {"dataset": "loan", "model": "random_forest", "params": {"max_depth": 8}, "explanation": "interactions"},
    {"dataset": "breast_cancer", "model": "mlp", "explanation": "interactions"},
    {"dataset": "loan", "model": "random_forest", "explanation": "anchors", "instance": 0},
    {"dataset": "loan", "model": "random_forest", "explanation": "group_fairness"},
    {"dataset": "loan", "model": "mlp", "explanation": "group_fairness"},
    {"dataset": "digits", "model": "mlp", "explanation": "nn_attribution", "instance": 0},
    {"dataset": "digits", "model": "mlp", "explanation": "nn_units"},
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kinds", nargs="*", help="only these explanation keys")
    args = parser.parse_args()

    from explainlab.engine import clear_caches, preload, run_spec, validate_spec
    from explainlab.engine.cost import BUDGET_SECONDS

    print(f"preload (imports + data, once per worker): {preload():.2f} s")
    print(f"{'explanation · model · dataset':<52}{'wall':>9}{'cpu':>9}{'explain':>10}{'estimate':>10}")
    worst = 0.0
    for raw in SPECS:
        if args.kinds and raw["explanation"] not in args.kinds:
            continue
        spec = validate_spec(raw)
        clear_caches()
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_spec(spec)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        worst = max(worst, cpu)
        label = f"{raw['explanation']} · {raw['model']} · {raw['dataset']}"
        print(
            f"{label:<52}{wall:>8.2f}s{cpu:>8.2f}s{result.timings['explaining'] / 1000:>9.2f}s"
            f"{spec.estimated_seconds():>9.2f}s"
        )
    print(f"slowest first job: {worst:.2f} s CPU (budget {BUDGET_SECONDS:g} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
