#!/usr/bin/env python
"""The explanation lab: in-process vs through the API, a repeated spec, worker memory.

In one run, in a temporary folder (SQLite, a warm Celery worker of the `explain` queue,
gunicorn):
1. the same sequence of specs computed in this process with `run_spec` (train + explain +
   render) and as jobs through the API (POST, poll GET until final) — goal: API <= 1.3x;
2. a spec that was computed before, asked again through the API — goal: p50 <= 50 ms;
3. the worker's resident memory after 20 and after 200 jobs — goal: within 10%.

    .venv/bin/python bench/explainlab/run.py [--broker URL] [--memory-jobs 200]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    Api,
    bench_env,
    child_pids,
    free_port,
    gunicorn_command,
    percentile,
    process,
    redis_answers,
    rss_mib,
    wait_for_http,
    worker_command,
)

USERNAME, PASSWORD = "bench-lab", "bench-password-5d2a9c"
RF = {"dataset": "breast_cancer", "model": "random_forest", "params": {"n_estimators": 100, "max_depth": 6}}
TREE = {"dataset": "breast_cancer", "model": "decision_tree", "params": {"max_depth": 4}}
SPECS = [
    {**RF, "explanation": "shap_bar"},
    {**RF, "explanation": "shap_beeswarm"},
    {**RF, "explanation": "shap_waterfall", "instance": 1},
    {**RF, "explanation": "lime", "instance": 2},
    {**RF, "explanation": "permutation_importance"},
    {**RF, "explanation": "pdp_ice"},
    {**RF, "explanation": "surrogate_tree"},
    {**TREE, "explanation": "tree_diagram"},
    {**TREE, "explanation": "shap_force", "instance": 3},
    {"dataset": "diabetes", "model": "gam", "explanation": "gam_shapes"},
]


def memory_spec(i: int) -> dict[str, object]:
    """Distinct cheap jobs (each draws a figure), so none is answered from the job cache."""
    kinds = ["shap_waterfall", "shap_force", "lime"]
    spec: dict[str, object] = {
        "dataset": "loan", "model": "decision_tree", "params": {"max_depth": 3},
        "explanation": kinds[i % 3], "instance": i,
    }  # fmt: skip
    if kinds[i % 3] == "lime":
        spec["options"] = {"num_samples": 500}
    return spec


def in_process(specs: list[dict[str, object]]) -> list[float]:
    from explainlab.engine import preload
    from explainlab.engine.run import run_spec

    preload()  # a warm worker has done this before its first job
    times = []
    for spec in specs:
        started = time.perf_counter()
        run_spec(spec)
        times.append((time.perf_counter() - started) * 1000)
    return times


def through_api(api: Api, spec: dict[str, object], poll_s: float = 0.01) -> tuple[float, bool]:
    started = time.perf_counter()
    status, body = api.request("POST", "/api/v1/explainlab/jobs/", spec)
    if status not in (200, 202):
        raise RuntimeError(f"POST answered {status}: {body}")
    while body["status"] not in ("succeeded", "failed"):
        time.sleep(poll_s)
        status, body = api.request("GET", body["url"])
    if body["status"] != "succeeded":
        raise RuntimeError(f"job {body['id']} failed: {body['error']}")
    return (time.perf_counter() - started) * 1000, bool(body["cached"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--broker", default=None, help="Celery broker URL (default: local Redis db 8, else files)")
    parser.add_argument("--memory-jobs", type=int, default=200)
    args = parser.parse_args()
    broker = args.broker or ("redis://127.0.0.1:6379/8" if redis_answers() else "filesystem://")
    var_dir = Path(tempfile.mkdtemp(prefix="gb-lab-bench-"))
    port = free_port()
    env = bench_env(var_dir, broker, THROTTLE_EXPLAIN="1000000/min", DJANGO_SETTINGS_MODULE="config.settings")
    print(f"temporary folder {var_dir}; broker {broker}")
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.core.management import call_command; "
         "call_command('migrate', verbosity=0); from accounts.models import User; "
         f"User.objects.create_user(username={USERNAME!r}, password={PASSWORD!r})"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    print("in process: train + explain + render, one spec after another ...", flush=True)
    local = in_process(SPECS)
    gunicorn = gunicorn_command(sys.executable, port)
    worker = worker_command(sys.executable, "explain", "lab-bench", concurrency=1)
    try:
        with process(gunicorn, env, var_dir / "gunicorn.log"), process(worker, env, var_dir / "worker.log") as w:
            wait_for_http(port, time.monotonic() + 60)
            api = Api(port)
            api.login(USERNAME, PASSWORD)
            through_api(api, {**TREE, "explanation": "tree_rules"})  # the worker's first job waits for its start
            print("through the API: the same specs as jobs ...", flush=True)
            remote = [through_api(api, spec)[0] for spec in SPECS]
            repeated = []
            for _ in range(30):
                ms, cached = through_api(api, SPECS[0])
                assert cached, "a repeated spec must be answered from the finished job"
                repeated.append(ms)
            print(f"worker memory: {args.memory_jobs} distinct jobs ...", flush=True)
            memory = {}
            for i in range(args.memory_jobs):
                through_api(api, memory_spec(i))
                if i + 1 in (20, args.memory_jobs):
                    pool = child_pids(w.pid)
                    memory[i + 1] = sum(rss_mib(pid) for pid in pool)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)

    print(f"\n{'spec':<48}{'in-process':>12}{'API e2e':>10}{'ratio':>8}")
    for spec, a, b in zip(SPECS, local, remote, strict=True):
        label = f"{spec['explanation']} · {spec['model']} · {spec['dataset']}"
        print(f"{label:<48}{a:>9.0f} ms{b:>7.0f} ms{b / a:>7.2f}x")
    ratio = sum(remote) / sum(local)
    p50 = statistics.median(repeated)
    growth = memory[args.memory_jobs] / memory[20] - 1
    print(f"\ntotal: in-process {sum(local):.0f} ms, through the API {sum(remote):.0f} ms")
    print(f"API / in-process: {ratio:.2f}x  (goal <= 1.3x: {'met' if ratio <= 1.3 else 'NOT met'})")
    print(f"repeated spec through the API: p50 {p50:.1f} ms, p95 {percentile(repeated, 0.95):.1f} ms  "
          f"(goal p50 <= 50 ms: {'met' if p50 <= 50 else 'NOT met'})")  # fmt: skip
    print(f"worker memory: {memory[20]:.0f} MiB after 20 jobs, {memory[args.memory_jobs]:.0f} MiB after "
          f"{args.memory_jobs}: {growth:+.1%}  (goal within 10%: {'met' if abs(growth) <= 0.10 else 'NOT met'})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
