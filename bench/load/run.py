"""Load against `make stack`: readers, learners submitting code, lab users, all at once.

    python bench/load/run.py --url http://127.0.0.1:8117 --database-url postgres://…/glassbook

For --seconds (60), on loopback only: --readers (100) logged-in readers alternate the
reader page (HTML, session cookie) and the page API (Bearer token); --coders (20) learners
submit a coding exercise's reference solution and an example run, each polled until done;
--lab (5) users request explanation jobs with varied parameters and poll them. Users and
their log-ins are made directly in the stack's database (the sign-up API is rate-limited
per address). Prints throughput, p50/p95/p99 per endpoint and errors, checks the goals
(no 5xx, every submission graded, page p95 ≤ 150 ms) and writes bench/out/load.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.harness import percentile  # noqa: E402

SETUP = r"""
import json, sys
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from rest_framework_simplejwt.tokens import AccessToken
from courseware.models import Page
from courseware.selectors import page_url
from exercises.models import Exercise
import os
n = int(os.environ["LOAD_USERS"])
User = get_user_model()
users = []
for i in range(n):
    user, _ = User.objects.get_or_create(username=f"load-{i}", defaults={"email": f"load-{i}@example.org"})
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    users.append({"token": str(AccessToken.for_user(user)), "session": session.session_key})
pages = [{"id": p.pk, "url": page_url(p)} for p in Page.objects.filter(course__published=True).select_related("course", "chapter")]
coding = [{"id": e.pk, "solution": e.solution_code} for e in Exercise.objects.filter(kind="coding", page__isnull=False)]
print("LOAD-SETUP " + json.dumps({"users": users, "pages": pages, "coding": coding}))
"""
RUN_CODE = "from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)\nprint(X.shape, y.mean())\n"
FINAL = {"graded", "error", "succeeded", "failed", "timeout", "killed"}


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.errors: list[str] = []
        self.outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def record(self, endpoint: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latency[endpoint].append(seconds * 1000)
            self.statuses[endpoint][status] += 1

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def outcome(self, kind: str, status: str) -> None:
        with self.lock:
            self.outcomes[kind][status] += 1


class Client:
    def __init__(self, host: str, port: int, stats: Stats, token: str = "", session: str = "") -> None:
        self.host, self.port, self.stats = host, port, stats
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if session:
            self.headers["Cookie"] = f"sessionid={session}"
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def call(self, endpoint: str, method: str, path: str, body: object = None) -> tuple[int, object]:
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.stats.record(endpoint, 0, time.perf_counter() - started)
            self.stats.error(f"{endpoint}: {type(exc).__name__}: {exc}")
            return 0, None
        self.stats.record(endpoint, response.status, time.perf_counter() - started)
        if response.status >= 500:
            self.stats.error(f"{endpoint}: {response.status}")
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, (json.loads(data) if is_json and data else None)


def poll(client: Client, endpoint: str, path: str, stop_at: float) -> str:
    while time.monotonic() < stop_at:
        status, body = client.call(endpoint, "GET", path)
        if status == 200 and isinstance(body, dict) and body.get("status") in FINAL:
            return str(body["status"])
        time.sleep(0.25)
    return "unfinished"


def reader(client: Client, pages: list[dict], until: float) -> None:
    while time.monotonic() < until:
        page = random.choice(pages)
        client.call("GET reader page (HTML)", "GET", page["url"])
        client.call("GET /api/v1/pages/{id}/", "GET", f"/api/v1/pages/{page['id']}/")
        time.sleep(random.uniform(0.2, 0.6))  # reading


def coder(client: Client, coding: list[dict], until: float, drain: float) -> None:
    while time.monotonic() < until:
        exercise = random.choice(coding)
        status, body = client.call(
            "POST attempts", "POST", f"/api/v1/exercises/{exercise['id']}/attempts/", {"code": exercise["solution"]}
        )
        if status == 202 and isinstance(body, dict):
            client.stats.outcome(
                "attempt", poll(client, "GET /api/v1/attempts/{id}/", f"/api/v1/attempts/{body['id']}/", drain)
            )
        elif status:
            client.stats.outcome("attempt", f"http {status}")
        status, body = client.call("POST runs", "POST", "/api/v1/runs/", {"code": RUN_CODE})
        if status == 202 and isinstance(body, dict):
            client.stats.outcome("run", poll(client, "GET /api/v1/runs/{id}/", f"/api/v1/runs/{body['id']}/", drain))
        elif status:
            client.stats.outcome("run", f"http {status}")
        time.sleep(random.uniform(1.0, 2.0))  # reading the feedback, editing


def lab_user(client: Client, until: float, drain: float) -> None:
    while time.monotonic() < until:
        spec = {
            "dataset": random.choice(["iris", "wine", "breast_cancer"]),
            "model": "random_forest",
            "params": {"n_estimators": random.randint(5, 60)},
            "explanation": "permutation_importance",
        }
        status, body = client.call("POST explainlab/jobs", "POST", "/api/v1/explainlab/jobs/", spec)
        if status in (200, 201, 202) and isinstance(body, dict):
            result = poll(client, "GET explainlab/jobs/{id}/", f"/api/v1/explainlab/jobs/{body['id']}/", drain)
            client.stats.outcome("lab job", result)
        elif status:
            client.stats.outcome("lab job", f"http {status}")
        time.sleep(random.uniform(1.0, 3.0))


def setup(database_url: str, users: int, stack_dir: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "LOG_LEVEL": "WARNING"}
    env["SECRET_KEY"] = (stack_dir / "secret_key").read_text().strip()
    env["LOAD_USERS"] = str(users)
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(line for line in out.stdout.splitlines() if line.startswith("LOAD-SETUP "))
    return json.loads(line.removeprefix("LOAD-SETUP "))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--database-url", default=os.environ.get("STACK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/glassbook")
    )
    parser.add_argument("--stack-dir", default=str(ROOT / "var" / "stack"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=100)
    parser.add_argument("--coders", type=int, default=20)
    parser.add_argument("--lab", type=int, default=5)
    parser.add_argument("--drain", type=float, default=120, help="seconds after the end to wait for results")
    args = parser.parse_args()
    target = urlparse(args.url)
    if target.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("the load bench runs against loopback only")
    port = target.port or 80
    data = setup(args.database_url, args.readers + args.coders + args.lab, Path(args.stack_dir))
    if not data["pages"] or not data["coding"]:
        raise SystemExit("the stack has no published course with coding exercises; import one first")
    stats = Stats()
    users = iter(data["users"])
    started = time.monotonic()
    until = started + args.seconds
    drain = until + args.drain
    threads = []
    for _ in range(args.readers):
        u = next(users)
        client = Client(target.hostname, port, stats, token=u["token"], session=u["session"])
        threads.append(threading.Thread(target=reader, args=(client, data["pages"], until)))
    for _ in range(args.coders):
        u = next(users)
        threads.append(
            threading.Thread(
                target=coder,
                args=(Client(target.hostname, port, stats, token=u["token"]), data["coding"], until, drain),
            )
        )
    for _ in range(args.lab):
        u = next(users)
        threads.append(
            threading.Thread(
                target=lab_user, args=(Client(target.hostname, port, stats, token=u["token"]), until, drain)
            )
        )
    for thread in threads:
        thread.start()
        time.sleep(0.01)  # ramp up over about a second
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return report(stats, args, elapsed)


def report(stats: Stats, args: argparse.Namespace, elapsed: float) -> int:
    total = sum(len(v) for v in stats.latency.values())
    print(f"load: {args.readers} readers, {args.coders} coders, {args.lab} lab users for {args.seconds:.0f} s "
          f"(+ drain), {total} requests in {elapsed:.1f} s, {total / elapsed:.1f} req/s")  # fmt: skip
    print(f"{'endpoint':34} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    rows = {}
    for endpoint in sorted(stats.latency):
        values = stats.latency[endpoint]
        p50, p95, p99 = (percentile(values, q) for q in (0.5, 0.95, 0.99))
        statuses = dict(sorted(stats.statuses[endpoint].items()))
        rows[endpoint] = {"n": len(values), "p50": p50, "p95": p95, "p99": p99, "statuses": statuses}
        print(f"{endpoint:34} {len(values):>6} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}  {statuses}")
    outcomes = {kind: dict(v) for kind, v in stats.outcomes.items()}
    print("outcomes:", json.dumps(outcomes))
    five_xx = sum(n for s in stats.statuses.values() for code, n in s.items() if code >= 500 or code == 0)
    attempts = outcomes.get("attempt", {})
    ungraded = sum(n for status, n in attempts.items() if status != "graded")
    page_p95 = max(rows[e]["p95"] for e in rows if e.startswith("GET reader page") or e.startswith("GET /api/v1/pages"))
    goals = {
        "no 5xx": five_xx == 0,
        "every submission graded": ungraded == 0 and bool(attempts),
        "page p95 <= 150 ms": page_p95 <= 150,
    }
    for goal, met in goals.items():
        print(f"  {'met ' if met else 'MISSED'}  {goal}")
    if stats.errors:
        print("first errors:", stats.errors[:5])
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(
        json.dumps({"rows": rows, "outcomes": outcomes, "goals": goals, "elapsed": elapsed}, indent=2)
    )
    return 0 if all(goals.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
