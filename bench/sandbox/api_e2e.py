#!/usr/bin/env python
"""Running code through the web API, end to end, next to the sandbox's own run time.

Starts everything itself in a temporary folder: a SQLite database (migrated), the sandbox
server, gunicorn and a Celery worker of the `sandbox` queue. Then, as a learner with a JWT,
for each snippet: POST /api/v1/runs/ and poll GET /api/v1/runs/{id}/ until the run is final.
Prints p50/p95 of that end-to-end time beside the `duration_ms` the sandbox reported for the
same runs, and their ratio.

Goal: API end to end p50 <= 250 ms for the trivial snippet.

The broker is Redis when one answers on 127.0.0.1:6379 (the full stack), else the embedded
file broker; --broker picks one explicitly (e.g. --broker filesystem://).

    .venv/bin/python bench/sandbox/api_e2e.py [--runs 50] [--poll-ms 10] [--broker URL]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    Api,
    bench_env,
    free_port,
    gunicorn_command,
    percentile,
    process,
    redis_answers,
    wait_for_http,
    worker_command,
)
from sandbox.launcher import start_server, stop_server  # noqa: E402

TRIVIAL = "print(1)"
IRIS = """\
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
X, y = load_iris(return_X_y=True)
model = LogisticRegression(max_iter=1000).fit(X, y)
print(f"{model.score(X, y):.3f}")
"""
SNIPPETS = {"trivial": TRIVIAL, "iris LogisticRegression": IRIS}
GOAL_P50_MS = 250.0
USERNAME, PASSWORD = "bench-learner", "bench-password-8c1f2e9a"
FINAL = {"succeeded", "failed", "timeout", "killed", "error"}


@dataclass
class Sample:
    e2e_ms: float
    sandbox_ms: float
    status: str


def run_once(api: Api, code: str, poll_s: float) -> Sample:
    started = time.perf_counter()
    status, body = api.request("POST", "/api/v1/runs/", {"code": code})
    if status != 202:
        raise RuntimeError(f"POST answered {status}: {body}")
    path = "/" + body["url"].split("://", 1)[1].split("/", 1)[1]
    while True:
        status, body = api.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET answered {status}: {body}")
        if body["status"] in FINAL:
            break
        if time.perf_counter() - started > 60:
            raise RuntimeError(f"run {body['id']} not final after 60 s")
        time.sleep(poll_s)
    return Sample((time.perf_counter() - started) * 1000, float(body["duration_ms"] or 0), body["status"])


def prepare_database(env: dict[str, str]) -> None:
    script = (
        "from django.core.management import call_command;"
        "call_command('migrate', verbosity=0);"
        "from accounts.models import User;"
        f"User.objects.filter(username={USERNAME!r}).exists() or "
        f"User.objects.create_user(username={USERNAME!r}, password={PASSWORD!r}, display_name='Bench Learner')"
    )
    subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", **env},
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50, help="runs per snippet (after 5 warm-up runs)")
    parser.add_argument("--poll-ms", type=float, default=10.0, help="pause between two GETs of the same run")
    parser.add_argument("--broker", default=None, help="Celery broker URL (default: local Redis db 7, else files)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) afterwards")
    args = parser.parse_args()

    broker = args.broker or ("redis://127.0.0.1:6379/7" if redis_answers() else "filesystem://")
    var_dir = Path(tempfile.mkdtemp(prefix="gb-api-bench-"))
    socket_path = str(var_dir / "sandbox.sock")
    port = free_port()
    # The bench sends runs back to back; the per-user run budget would throttle it.
    env = bench_env(var_dir, broker, GLASSBOOK_SANDBOX_SOCKET=socket_path, THROTTLE_RUNS="1000000/min")
    print(f"temporary folder {var_dir}; broker {broker}; {args.runs} runs per snippet; poll every {args.poll_ms:g} ms")
    prepare_database(env)
    sandbox = start_server(socket_path, stderr=open(var_dir / "sandbox.log", "wb"))  # noqa: SIM115
    try:
        gunicorn = gunicorn_command(sys.executable, port)
        worker = worker_command(sys.executable, "sandbox", "api-bench", concurrency=2)
        with (
            process(gunicorn, env, var_dir / "gunicorn.log"),
            process(worker, env, var_dir / "worker.log"),
        ):
            wait_for_http(port, time.monotonic() + 60)
            api = Api(port)
            status, body = api.request("POST", "/api/v1/auth/token/", {"username": USERNAME, "password": PASSWORD})
            if status != 200:
                raise RuntimeError(f"token: {status} {body}")
            api.token = body["access"]
            # Warm up: worker start (the first task waits for it), connections, the sandbox's slots.
            for code in (TRIVIAL, IRIS, TRIVIAL, IRIS, TRIVIAL):
                sample = run_once(api, code, args.poll_ms / 1000)
                if sample.status != "succeeded":
                    raise RuntimeError(f"warm-up run ended {sample.status}; see {var_dir}")
            results = {
                name: [run_once(api, code, args.poll_ms / 1000) for _ in range(args.runs)]
                for name, code in SNIPPETS.items()
            }
    finally:
        stop_server(sandbox)
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)

    header = (
        f"{'snippet':<25} {'n':>3} │ {'API e2e p50':>11} {'p95':>7} │ {'sandbox p50':>11} {'p95':>7} │"
        f" {'ratio p50':>9} {'overhead p50':>12}"
    )
    print(header)
    print("─" * len(header))
    goal_met = None
    for name, samples in results.items():
        bad = [s.status for s in samples if s.status != "succeeded"]
        e2e = [s.e2e_ms for s in samples]
        box = [s.sandbox_ms for s in samples]
        overhead = [s.e2e_ms - s.sandbox_ms for s in samples]
        p50, box50 = statistics.median(e2e), statistics.median(box)
        print(
            f"{name:<25} {len(samples):>3} │ {p50:>8.0f} ms {percentile(e2e, 0.95):>4.0f} ms │"
            f" {box50:>8.0f} ms {percentile(box, 0.95):>4.0f} ms │ {p50 / max(box50, 1):>8.1f}x"
            f" {statistics.median(overhead):>9.0f} ms" + (f"  (not succeeded: {bad})" if bad else "")
        )
        if name == "trivial":
            goal_met = p50 <= GOAL_P50_MS
    print(f"goal: API end to end p50 <= {GOAL_P50_MS:.0f} ms (trivial): {'met' if goal_met else 'NOT met'}")
    return 0 if goal_met else 1


if __name__ == "__main__":
    sys.exit(main())
