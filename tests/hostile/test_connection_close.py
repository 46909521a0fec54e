"""After refusing a body it did not read, the server says `Connection: close` and closes.

gunicorn drains at most 64 KB of an unread body before it reuses a kept-alive connection;
past that it dropped the connection silently, so a client's next request on it failed.
Tested against the real server the embedded default runs (gunicorn, threaded workers).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn_url(tmp_path_factory):
    port = _free_port()
    env = dict(os.environ, GLASSBOOK_VAR_DIR=str(tmp_path_factory.mktemp("var")), DEBUG="false", SECRET_KEY="x" * 60)
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--workers", "1", "--threads", "2", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    # Ready once a worker has loaded the site and answers (the master binds much earlier).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
                sock.sendall(b"GET /api/v1/nowhere/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if sock.recv(16).startswith(b"HTTP/1.1 404"):
                    break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("gunicorn did not start")
    yield ("127.0.0.1", port)
    server.terminate()
    server.wait(timeout=20)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response: {data[:200]!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def _send_in_background(sock: socket.socket, payload: bytes) -> threading.Thread:
    def send() -> None:
        try:
            sock.sendall(payload)
        except OSError:
            pass  # the server may stop reading once it has answered; that is the point

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/api/v1/auth/token/", "", 413),  # larger than the JSON cap: refused unread
        ("/api/v1/runs/", "", 401),  # no credentials: refused before the body is read
    ],
)
def test_a_refused_large_body_ends_the_connection_cleanly(gunicorn_url, path, headers, status):
    body = b'{"code": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{headers}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(gunicorn_url, timeout=20) as sock:
        _send_in_background(sock, request + body)
        code, response_headers, answer = _read_response(sock)
        assert code == status, answer[:300]
        assert response_headers["content-type"].startswith("application/json")
        # Either the server says it closes (and does), or the connection really is reusable.
        if response_headers.get("connection", "").lower() == "close":
            sock.settimeout(20)
            try:
                while sock.recv(65536):
                    pass
            except ConnectionResetError:
                pytest.fail("the server reset the connection instead of closing it")
            return
        sock.sendall(b"GET /api/v1/nowhere/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        second, _, _ = _read_response(sock)
        assert second == 404


def test_small_refused_bodies_keep_the_connection(gunicorn_url):
    """Closing is only for unread bodies: an ordinary error keeps the connection alive."""
    with socket.create_connection(gunicorn_url, timeout=20) as sock:
        for _ in range(3):
            sock.sendall(b"GET /api/v1/nowhere/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            code, headers, _ = _read_response(sock)
            assert code == 404 and headers.get("connection", "").lower() != "close"
