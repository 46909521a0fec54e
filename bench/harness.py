"""What the end-to-end benches share: ports, processes, an API client, percentiles.

Each bench starts its own servers in a temporary folder, so it measures a whole request
path (HTTP → Django → broker → worker) without touching the developer's database.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Api:
    """One keep-alive connection, like an app polling its own work."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token = ""

    def request(self, method: str, path: str, body: dict[str, object] | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = json.dumps(body).encode() if body is not None else None
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise
        return response.status, json.loads(data or b"null")

    def login(self, username: str, password: str) -> None:
        status, body = self.request("POST", "/api/v1/auth/token/", {"username": username, "password": password})
        if status != 200:
            raise RuntimeError(f"token: {status} {body}")
        self.token = body["access"]


def wait_for_http(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/api/v1/courses/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer")


@contextlib.contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def rss_mib(pid: int) -> float:
    """Resident memory of one process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child_pids(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def bench_env(var_dir: Path, broker: str, **settings: str) -> dict[str, str]:
    """The environment of a bench's own site: its temporary folder and broker, the developer's
    database/cache/broker variables dropped, and no per-user rate getting in the way."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env.update(
        GLASSBOOK_VAR_DIR=str(var_dir),
        CELERY_BROKER_URL=broker,
        DEBUG="true",
        LOG_LEVEL="WARNING",
        THROTTLE_USER="1000000/min",
        THROTTLE_AUTH="1000/min",
    )
    env.update(settings)
    return env


def gunicorn_command(python: str, port: int) -> list[str]:
    return [
        str(Path(python).with_name("gunicorn")), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "2", "--threads", "4", "--log-level", "warning",
    ]  # fmt: skip


def worker_command(python: str, queues: str, name: str, concurrency: int = 2) -> list[str]:
    return [
        python, "-m", "celery", "-A", "config", "worker", "-Q", queues, "--pool", "prefork",
        "--concurrency", str(concurrency), "--loglevel", "WARNING", "-n", f"{name}-{os.getpid()}@%h",
        "--without-mingle", "--without-gossip",
    ]  # fmt: skip
