#!/usr/bin/env python
"""Reader throughput and latency under concurrent load, against a trivial view, same server.

Starts gunicorn (the production server) on a fresh SQLite database in a temporary folder,
imports a course, then drives 32 keep-alive connections at a page view and at a trivial
Django view in turn. Prints requests/s, p50 and p99 for both and the ratio.

Goals: page view >= 50% of the trivial view's throughput; p99 < 100 ms at 32 connections.
Usage: .venv/bin/python bench/reader/run.py [--seconds 10] [--connections 32] [--course DIR]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load(port: int, path: str, connections: int, seconds: float, cookie: str = "") -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    return len(latencies) / elapsed, latencies, errors[0]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--course", default=str(ROOT / "tests/fixtures/courses/tiny"))
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    var = tempfile.mkdtemp(prefix="glassbook-bench-")
    env = dict(os.environ, GLASSBOOK_VAR_DIR=var, DJANGO_SETTINGS_MODULE="bench.reader.settings", DEBUG="false",
               SECRET_KEY="bench-only-not-secret", ALLOWED_HOSTS="127.0.0.1,localhost", LOG_LEVEL="WARNING")  # fmt: skip
    env.pop("DATABASE_URL", None) if "--keep-db" not in sys.argv else None
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([py, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [py, "manage.py", "import_course", args.course, "--no-verify", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    page_path = subprocess.run(
        [py, "-c", "import django; django.setup(); from courseware.models import Page; from courseware.selectors import page_url; "
         "print(page_url(Page.objects.select_related('course','chapter').order_by('sequence')[1]))"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    session = subprocess.run(
        [py, "-c", "import django; django.setup(); from django.test import Client; from accounts.models import User; "
         "u = User.objects.create_user('bench', password='x', display_name='Bench'); c = Client(); c.force_login(u); "
         "print(c.cookies['sessionid'].value)"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    server = subprocess.Popen(
        [py, "-m", "gunicorn", "bench.reader.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
         "--log-level", "warning", "--keep-alive", "30"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=1)
                conn.request("GET", "/bench/trivial")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        results = {}
        cookie = f"sessionid={session}"
        runs = (("trivial view", "/bench/trivial", ""), ("page view", page_path, ""), ("logged in", page_path, cookie))
        for label, path, with_cookie in runs:
            load(args.port, path, 4, 1.0, with_cookie)  # warm-up: imports, templates, connections
            results[label] = load(args.port, path, args.connections, args.seconds, with_cookie)
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(
        f"\nReader bench: gunicorn {args.workers} workers x {args.threads} threads, {args.connections} connections, {args.seconds:.0f} s each"
    )
    print(f"page: {page_path}\n")
    print(f"{'':<14}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for label, (rate, latencies, errors) in results.items():
        print(
            f"{label:<14}{rate:>10.0f}{statistics.median(latencies) * 1000:>10.1f}{percentile(latencies, 0.99):>10.1f}{errors:>8}"
        )
    ratio = results["page view"][0] / results["trivial view"][0]
    p99 = percentile(results["page view"][1], 0.99)
    print("(page view: an anonymous reader, served from the per-process page cache after the first render;")
    print(" logged in: rendered every time with the learner's progress, never cached)")
    print(f"\npage/trivial throughput ratio: {ratio:.2f}  (goal >= 0.50: {'met' if ratio >= 0.5 else 'NOT met'})")
    print(f"page p99: {p99:.1f} ms  (goal < 100 ms: {'met' if p99 < 100 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
