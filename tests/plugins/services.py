"""Real services a fault test may break: a Redis server of the test's own, on a free port.

The machine's shared Redis is never stopped; `private_redis` starts a throw-away
redis-server, points the Celery broker of this process (and of workers started by
`celery_worker_process`) at it, and can stop and start it again on the same port.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(self.directory), "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip
        self.proc = subprocess.Popen(command, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the private redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def use_broker(url: str) -> None:
    """Point this process's Celery app at ``url``, dropping pooled connections to the old one."""
    from config.celery import app

    app.conf.broker_url = app.conf.broker_write_url = app.conf.broker_read_url = url
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    app._after_fork()  # the one public-enough way Celery forgets its connection pools


@pytest.fixture
def private_redis(settings, tmp_path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (the Makefile installs it)")
    server = RedisServer(tmp_path, free_port())
    server.start()
    from config.celery import app

    original = (app.conf.broker_url, app.conf.broker_write_url, app.conf.broker_read_url)
    original_options = app.conf.broker_transport_options
    settings.CELERY_BROKER_URL = server.url
    use_broker(server.url)
    try:
        yield server
    finally:
        server.stop()
        app.conf.broker_url, app.conf.broker_write_url, app.conf.broker_read_url = original
        app.conf.broker_transport_options = original_options
        app._after_fork()
