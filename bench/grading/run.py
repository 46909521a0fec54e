#!/usr/bin/env python
"""Grading: multiple-choice answers at the server, and coding submissions end to end.

Starts everything itself in a temporary folder: a SQLite database (migrated, the exercise
course of tests/fixtures imported and verified), the sandbox server, gunicorn and a Celery
worker of the `sandbox` queue. Then, as a learner:

* multiple choice: POST /api/v1/exercises/{id}/attempts/ (graded in the request), N times,
  through Django's test client in this process (the server's own time: middleware, auth,
  grading, progress; no network) and through gunicorn over HTTP. Baseline, same run:
  GET /api/v1/exercises/{id}/, the read the app makes before answering.
  Goal: p50 <= 20 ms at the server.
* coding: POST the right solution, then poll GET /api/v1/attempts/{id}/ until graded; the
  end-to-end time beside the `duration_ms` the sandbox reported for the learner's run. Grading
  is one learner run (code, then the observer), the reference observations from the cache and
  the judge in the worker. Goal: end to end p50 <= 150 ms. Measured again on a copy of the
  exercise with an author predicate, whose judge runs in a sandbox child of its own.
* phases, in this process: the learner's observe run, the reference (cached in the database,
  and cold: the solution run alone), the judge in process and the judge child.

Broker and cache are Redis when one answers on 127.0.0.1:6379 (the full stack), else the
embedded file broker and file cache; --broker and --cache pick (e.g. --broker filesystem://,
which polls once a second, or --cache "" for the file cache the throttles then write to).

    .venv/bin/python bench/grading/run.py [-n 200] [--coding-runs 50] [--poll-ms 10] [--broker URL]

Exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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

COURSE = ROOT / "tests" / "fixtures" / "courses" / "exercise-course"
USERNAME, PASSWORD = "bench-learner", "bench-password-5d1e7c3b"
MC_GOAL_MS = 20.0
CODING_GOAL_MS = 150.0
SOLUTION = """\
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
data = load_iris()
tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(data.data, data.target)
top_feature = data.feature_names[tree.feature_importances_.argmax()]
"""


# The same exercise with one more check, judged by an author predicate in a judge child.
JUDGED_EXERCISE = """
```{exercise}
id: tree-top-feature-judged
kind: coding
title: The most important feature, with a predicate
points: 10
prompt: Like the exercise above.
starter: |
  tree = ...
solution: |
%(solution)s
checks:
  - name: tree is a fitted decision tree
    observe: estimator(tree)
    expect: {type: DecisionTreeClassifier, fitted: true}
  - name: the most important feature
    hidden: true
    observe: str(top_feature)
  - name: the importances sum to one
    observe: "[float(v) for v in tree.feature_importances_]"
    judge: |
      expect(abs(sum(observed) - 1) < 1e-9, "The importances should sum to one.")
      expect_close(observed, reference, rel=1e-9)
```
"""


def prepare_database(env: dict[str, str], var_dir: Path) -> dict[str, int]:
    """Migrate, create the learner, import the course (verified in the sandbox); exercise ids by key."""
    course = var_dir / "exercise-course"
    shutil.copytree(COURSE, course)
    page = course / "01-basics" / "02-coding.md"
    indented = "\n".join("  " + line for line in SOLUTION.splitlines())
    page.write_text(page.read_text() + JUDGED_EXERCISE % {"solution": indented})
    script = f"""
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("import_course", {str(course)!r}, verbosity=0)
from accounts.models import User
User.objects.create_user(username={USERNAME!r}, password={PASSWORD!r}, display_name="Bench Learner")
from exercises.models import Exercise
print(json.dumps({{e.key: e.pk for e in Exercise.objects.all()}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", **env},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def timed(call: Callable[[], None], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def mc_in_process(
    env: dict[str, str], exercise_id: int, right: list[int], wrong: list[int], n: int
) -> tuple[list[float], list[float]]:
    """(POST answers, GET exercise) times through Django's test client in this process."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User

    client = APIClient()
    token = RefreshToken.for_user(User.objects.get(username=USERNAME)).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/exercises/{exercise_id}/"
    answers = [right, wrong]
    counter = iter(range(10**9))

    def post() -> None:
        response = client.post(f"{url}attempts/", {"choices": answers[next(counter) % 2]}, format="json")
        assert response.status_code == 201, response.content

    def get() -> None:
        assert client.get(url).status_code == 200

    timed(post, 10)
    timed(get, 10)
    return timed(post, n), timed(get, n)


def phases_in_process(env: dict[str, str], exercise_ids: list[int], n: int) -> dict[str, list[float]]:
    """Each phase of grading on its own (Django is set up by mc_in_process)."""
    from exercises import grading, services
    from exercises.models import Exercise

    out: dict[str, list[float]] = {}

    def clock(name: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        value = call(*args, **kwargs)
        out.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return value

    for _ in range(n):
        for exercise_id in exercise_ids:
            exercise = Exercise.objects.get(pk=exercise_id)
            checks = list(exercise.checks)
            judged = any(c.get("judge") for c in checks)
            suffix = ", with predicate" if judged else ""
            result = clock(f"learner observe run{suffix}", grading.observe_program, SOLUTION, checks)
            clock(f"reference, cached{suffix}", services.reference_for, exercise=exercise)
            reference = clock(f"reference, cold{suffix}", grading.compute_reference, SOLUTION, checks)
            assert isinstance(result, grading.RunResult) and isinstance(reference, list)
            # In process only: a predicate is left out here and timed as the judge child below.
            plain = [c for c in checks if not c.get("judge")]
            kept = [reference[i] for i, c in enumerate(checks) if not c.get("judge")]
            observed = grading._observations(result, len(checks)) or []
            trimmed = dataclasses.replace(
                result,
                harness_output={
                    "observations": [o for o, c in zip(observed, checks, strict=True) if not c.get("judge")]
                },
            )
            outcome = clock(f"judge in process{suffix}", grading.judge, trimmed, plain, kept)
            assert isinstance(outcome, grading.Outcome) and outcome.correct, outcome
            if judged:
                items = [
                    {"code": c["judge"], "observed": o["value"], "reference": r}
                    for c, o, r in zip(checks, observed, reference, strict=True)
                    if c.get("judge")
                ]
                verdicts = clock("judge child (predicate)", grading.run_predicates, items)
                assert verdicts and all(v["passed"] for v in verdicts), verdicts
    return out


def coding_once(api: Api, exercise_id: int, poll_s: float) -> tuple[float, float, str]:
    started = time.perf_counter()
    status, body = api.request("POST", f"/api/v1/exercises/{exercise_id}/attempts/", {"code": SOLUTION})
    if status != 202:
        raise RuntimeError(f"POST answered {status}: {body}")
    path = "/" + body["url"].split("://", 1)[1].split("/", 1)[1]
    while True:
        status, body = api.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET answered {status}: {body}")
        if body["status"] in {"graded", "error"}:
            break
        if time.perf_counter() - started > 60:
            raise RuntimeError(f"attempt {body['id']} not graded after 60 s")
        time.sleep(poll_s)
    outcome = "correct" if body["correct"] else body["status"]
    return (time.perf_counter() - started) * 1000, float(body["duration_ms"] or 0), outcome


def row(name: str, values: list[float], baseline: list[float] | None = None, base_name: str = "") -> str:
    p50 = statistics.median(values)
    text = f"{name:<34} {len(values):>4} │ p50 {p50:>7.1f} ms  p95 {percentile(values, 0.95):>7.1f} ms"
    if baseline:
        b50 = statistics.median(baseline)
        text += f" │ {base_name} p50 {b50:>6.1f} ms → ratio {p50 / max(b50, 0.001):.2f}x"
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="multiple-choice answers per measurement")
    parser.add_argument("--coding-runs", type=int, default=50, help="coding submissions (after 5 warm-up ones)")
    parser.add_argument("--phase-runs", type=int, default=20, help="runs of each grading phase on its own")
    parser.add_argument("--poll-ms", type=float, default=10.0, help="pause between two GETs of the same attempt")
    parser.add_argument("--broker", default=None, help="Celery broker URL (default: local Redis db 7, else files)")
    parser.add_argument("--cache", default=None, help="CACHE_URL (default: local Redis db 8, else the file cache)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) afterwards")
    args = parser.parse_args()

    redis = redis_answers()
    broker = args.broker or ("redis://127.0.0.1:6379/7" if redis else "filesystem://")
    # Throttling counts every answer in the cache: Redis on the full stack, files otherwise.
    cache = args.cache if args.cache is not None else ("redis://127.0.0.1:6379/8" if redis else "")
    var_dir = Path(tempfile.mkdtemp(prefix="gb-grading-bench-"))
    socket_path = str(var_dir / "sandbox.sock")
    port = free_port()
    # Answers go back to back; the learner's budgets would throttle the bench, not the grading.
    env = bench_env(
        var_dir, broker, GLASSBOOK_SANDBOX_SOCKET=socket_path, CACHE_URL=cache, THROTTLE_ATTEMPTS="1000000/min"
    )
    print(f"temporary folder {var_dir}; broker {broker}; cache {cache or 'files'}")
    sandbox = start_server(socket_path, stderr=open(var_dir / "sandbox.log", "wb"))  # noqa: SIM115
    try:
        ids = prepare_database(env, var_dir)
        gunicorn = gunicorn_command(sys.executable, port)
        worker = worker_command(sys.executable, "sandbox", "grading-bench", concurrency=2)
        with process(gunicorn, env, var_dir / "gunicorn.log"), process(worker, env, var_dir / "worker.log"):
            wait_for_http(port, time.monotonic() + 60)
            api = Api(port)
            status, body = api.request("POST", "/api/v1/auth/token/", {"username": USERNAME, "password": PASSWORD})
            if status != 200:
                raise RuntimeError(f"token: {status} {body}")
            api.token = body["access"]

            quiz = ids["why-trust-quiz"]
            _, detail = api.request("GET", f"/api/v1/exercises/{quiz}/")
            choice_ids = [c["id"] for c in detail["choices"]]
            # Which one is right is not in the API before answering; answering tells.
            right = next(
                [c]
                for c in choice_ids
                if api.request("POST", f"/api/v1/exercises/{quiz}/attempts/", {"choices": [c]})[1]["correct"]
            )
            wrong = [next(c for c in choice_ids if [c] != right)]

            def http_post() -> None:
                assert api.request("POST", f"/api/v1/exercises/{quiz}/attempts/", {"choices": right})[0] == 201

            def http_get() -> None:
                assert api.request("GET", f"/api/v1/exercises/{quiz}/")[0] == 200

            timed(http_post, 10)
            mc_http, get_http = timed(http_post, args.n), timed(http_get, args.n)

            coding = ids["tree-top-feature"]
            for _ in range(5):  # worker start-up, connections, the sandbox's slots
                coding_once(api, coding, args.poll_ms / 1000)
            samples = [coding_once(api, coding, args.poll_ms / 1000) for _ in range(args.coding_runs)]
            judged = ids["tree-top-feature-judged"]
            for _ in range(3):
                coding_once(api, judged, args.poll_ms / 1000)
            judged_samples = [coding_once(api, judged, args.poll_ms / 1000) for _ in range(args.coding_runs)]
            mc_server, get_server = mc_in_process(env, quiz, right, wrong, args.n)
            phases = phases_in_process(env, [coding, judged], args.phase_runs)
    finally:
        stop_server(sandbox)
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)

    e2e = [s[0] for s in samples]
    box = [s[1] for s in samples]
    outcomes = {o for _, _, o in samples} | {o for _, _, o in judged_samples}
    judged_e2e = [s[0] for s in judged_samples]
    print()
    print("multiple choice (graded in the request)")
    print(row("  POST answer, Django test client", mc_server, get_server, "GET exercise"))
    print(row("  POST answer, gunicorn over HTTP", mc_http, get_http, "GET exercise"))
    print()
    print(f"coding, end to end (POST → worker → sandbox → poll every {args.poll_ms:g} ms)")
    print(row("  right solution, API end to end", e2e, box, "sandbox duration_ms"))
    print(
        f"  overhead p50 (end to end minus sandbox): {statistics.median([a - b for a, b in zip(e2e, box, strict=True)]):.0f} ms"
    )
    print(row("  with a predicate (judge child)", judged_e2e, [s[1] for s in judged_samples], "sandbox duration_ms"))
    print()
    print("phases (in process, one at a time)")
    for name, values in phases.items():
        print(row("  " + name, values))
    if outcomes != {"correct"}:
        print(f"  outcomes other than correct: {sorted(outcomes - {'correct'})}")
    mc_ok = statistics.median(mc_server) <= MC_GOAL_MS
    coding_ok = (
        statistics.median(e2e) <= CODING_GOAL_MS
        and statistics.median(judged_e2e) <= CODING_GOAL_MS
        and outcomes == {"correct"}
    )
    print()
    print(f"goal: multiple choice p50 <= {MC_GOAL_MS:.0f} ms at the server: {'met' if mc_ok else 'NOT met'}")
    print(f"goal: coding end to end p50 <= {CODING_GOAL_MS:.0f} ms (both): {'met' if coding_ok else 'NOT met'}")
    return 0 if mc_ok and coding_ok else 1


if __name__ == "__main__":
    sys.exit(main())
