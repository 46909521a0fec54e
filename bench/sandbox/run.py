#!/usr/bin/env python
"""Benchmark of running learner code: a fresh interpreter per run vs the sandbox server.

Both are measured in the same invocation on the same machine, and the table prints the
ratios next to the goals. Sections are independent functions returning rows, so more can be
appended to SECTIONS (e.g. an end-to-end part through the web API).

    .venv/bin/python bench/sandbox/run.py [--repeat N] [--fresh-repeat N] [--seconds S]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sandbox.client import ping, run  # noqa: E402
from sandbox.launcher import server_environment, start_server, stop_server  # noqa: E402

TRIVIAL = "print(1)"
IRIS = """\
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
X, y = load_iris(return_X_y=True)
model = LogisticRegression(max_iter=1000).fit(X, y)
print(f"{model.score(X, y):.3f}")
"""


@dataclass
class Row:
    section: str
    name: str
    value: float
    unit: str
    goal: str = ""
    met: bool | None = None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def time_fresh(code: str, repeat: int) -> list[float]:
    """Milliseconds per `python -c code`, with the same thread settings the server uses."""
    env = server_environment()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
        times.append((time.perf_counter() - started) * 1000)
    return times


def time_sandbox(code: str, repeat: int, socket_path: str) -> list[float]:
    for _ in range(3):  # warm-up
        run(code, socket_path=socket_path)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run(code, socket_path=socket_path)
        times.append((time.perf_counter() - started) * 1000)
        if result.status != "succeeded":
            raise RuntimeError(f"benchmark run failed: {result.status} {result.error or result.kill_message}")
    return times


def throughput(socket_path: str, clients: int, seconds: float) -> float:
    """Trivial runs completed per second with `clients` clients sending back to back."""
    done = [0] * clients
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        while time.monotonic() < deadline:
            run(TRIVIAL, socket_path=socket_path)
            done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def resident_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(child) for child in fh.read().split()]


def sandbox_section(args: argparse.Namespace) -> list[Row]:
    section = "sandbox"
    rows: list[Row] = []
    directory = tempfile.mkdtemp(prefix="glassbook-bench-")
    socket_path = os.path.join(directory, "sandbox.sock")
    started = time.perf_counter()
    with open(os.path.join(directory, "server.log"), "wb") as log:
        proc = start_server(socket_path, stderr=log)
    try:
        rows.append(Row(section, "server start (until it answers)", (time.perf_counter() - started) * 1000, "ms"))
        info = ping(socket_path=socket_path)
        if info["mode"] != "isolated":
            print(f"warning: the server is {info['mode']}: {info.get('reason')}", file=sys.stderr)

        fresh_trivial = time_fresh(TRIVIAL, args.fresh_repeat)
        fresh_iris = time_fresh(IRIS, args.fresh_repeat)
        box_trivial = time_sandbox(TRIVIAL, args.repeat, socket_path)
        box_iris = time_sandbox(IRIS, args.repeat, socket_path)
        for name, fresh, box in (
            ("print(1)", fresh_trivial, box_trivial),
            ("iris LogisticRegression", fresh_iris, box_iris),
        ):
            rows.append(Row(section, f"fresh python -c, {name}, p50", statistics.median(fresh), "ms"))
            rows.append(Row(section, f"fresh python -c, {name}, p95", percentile(fresh, 0.95), "ms"))
            p50, p95 = statistics.median(box), percentile(box, 0.95)
            iris = name.startswith("iris")
            rows.append(
                Row(
                    section, f"sandbox, {name}, p50", p50, "ms", "<= 60 ms" if iris else "", p50 <= 60 if iris else None
                )
            )
            rows.append(Row(section, f"sandbox, {name}, p95", p95, "ms"))
            ratio = statistics.median(fresh) / p50
            rows.append(
                Row(
                    section,
                    f"speed-up, {name} (fresh p50 / sandbox p50)",
                    ratio,
                    "x",
                    ">= 15x" if iris else "",
                    ratio >= 15 if iris else None,
                )
            )

        rate = throughput(socket_path, clients=2, seconds=args.seconds)
        rows.append(
            Row(
                section,
                f"throughput, print(1), 2 clients, {info['slots']} slots",
                rate,
                "runs/s",
                ">= 20/s",
                rate >= 20,
            )
        )

        front = resident_mib(proc.pid)
        zygote = sum(resident_mib(pid) for pid in children(proc.pid))
        rows.append(Row(section, "resident memory, server process (front)", front, "MiB"))
        rows.append(Row(section, "resident memory, its zygote (pre-imported libraries)", zygote, "MiB"))
        total = front + zygote
        rows.append(Row(section, "resident memory, server total", total, "MiB", "<= 400 MB", total * 1.048576 <= 400))
    finally:
        stop_server(proc)
        shutil.rmtree(directory, ignore_errors=True)
    return rows


SECTIONS: list[Callable[[argparse.Namespace], list[Row]]] = [sandbox_section]


def print_table(rows: list[Row]) -> None:
    width = max(len(row.name) for row in rows)
    current = None
    for row in rows:
        if row.section != current:
            current = row.section
            print(f"\n== {current}")
            print(f"{'measure':<{width}}  {'value':>10}  {'unit':<7} goal")
        verdict = "" if row.met is None else ("met" if row.met else "MISSED")
        goal = f"{row.goal} {verdict}".strip()
        print(f"{row.name:<{width}}  {row.value:>10.1f}  {row.unit:<7} {goal}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=50, help="sandbox runs per snippet")
    parser.add_argument("--fresh-repeat", type=int, default=10, help="fresh interpreters per snippet")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the throughput test")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {sys.executable}")
    rows = [row for section in SECTIONS for row in section(args)]
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
