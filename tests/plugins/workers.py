"""A real Celery worker process on the configured broker, sharing the test database.

Most tests run tasks eagerly; the few that must prove the broker and worker path (health,
a killed worker's job finishing after a restart) use this. Data the worker must see has
to be committed, so those tests use ``django_db(transaction=True)``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def worker_env() -> dict[str, str]:
    from django.conf import settings
    from django.db import connection

    env = dict(os.environ)
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = (
            f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    env["GLASSBOOK_SANDBOX_SOCKET"] = os.environ.get("GLASSBOOK_SANDBOX_SOCKET", settings.SANDBOX_SOCKET)
    return env


class WorkerProcess:
    def __init__(self, queues: str, name: str) -> None:
        self.queues = queues
        self.name = name
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", self.queues, "--pool", "prefork",
            "--concurrency", "1", "--loglevel", "WARNING", "-n", f"{self.name}@%h", "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        self.proc = subprocess.Popen(command, cwd=ROOT, env=worker_env(), start_new_session=True)
        try:
            self.wait_ready()
        except BaseException:
            self.kill()  # never leave a half-started worker behind to answer later tests' pings
            raise

    def wait_ready(self, timeout: float = 60) -> None:
        from config.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=0.5) or []
            if any(self.name in name for reply in replies for name in reply):
                return
            assert self.proc is not None and self.proc.poll() is None, "the worker exited while starting"
        raise AssertionError("the Celery worker did not answer in time")

    def kill(self) -> None:
        """SIGKILL the whole worker (parent and pool children), as a crash would."""
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker_process(transactional_db) -> Iterator[WorkerProcess]:
    worker = WorkerProcess("default,sandbox,explain", name=f"test-{os.getpid()}-{time.monotonic_ns()}")
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
