"""Talk to the sandbox server: ``run(code)`` and ``ping()``.

Cheap to import (no numpy); used by the web process, the Celery workers and the tests.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from sandbox.limits import Limits
from sandbox.protocol import MAX_RESPONSE_BYTES, ProtocolError, recv_frame, send_frame
from sandbox.result import RunResult

__all__ = [
    "Limits",
    "RunResult",
    "SandboxError",
    "SandboxRefused",
    "SandboxUnavailable",
    "default_socket_path",
    "ping",
    "run",
]

SOCKET_ENV = "GLASSBOOK_SANDBOX_SOCKET"
# Time allowed on top of the run's own wall limit for queueing behind other runs and transfer.
QUEUE_ALLOWANCE_SECONDS = 120.0


class SandboxError(Exception):
    """Base of the errors raised instead of a RunResult."""


class SandboxUnavailable(SandboxError):
    """The server could not be reached or did not answer in time (worth retrying later)."""


class SandboxRefused(SandboxError):
    """The server is up but refuses to run code: isolation cannot be set up on its machine and
    the operator did not allow unisolated runs. Retrying will not help; an operator must act."""


def default_socket_path() -> str:
    return os.environ.get(SOCKET_ENV) or os.path.join(os.getcwd(), "var", "sandbox.sock")


def _request(message: dict[str, Any], socket_path: str | None, timeout: float) -> dict[str, Any]:
    path = socket_path or default_socket_path()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(path)
        except OSError as exc:
            raise SandboxUnavailable(f"cannot connect to the sandbox server at {path}: {exc}") from exc
        try:
            send_frame(sock, message)
            reply = recv_frame(sock, MAX_RESPONSE_BYTES)
        except TimeoutError as exc:
            raise SandboxUnavailable(f"the sandbox server did not answer within {timeout:g} s") from exc
        except (OSError, ProtocolError) as exc:
            raise SandboxUnavailable(f"lost the connection to the sandbox server: {exc}") from exc
    finally:
        sock.close()
    if reply.get("ok"):
        return reply
    code, text = reply.get("error"), str(reply.get("message") or "")
    if code == "refused":
        raise SandboxRefused(text)
    if code == "bad_request":
        raise ValueError(text)
    raise SandboxUnavailable(f"the sandbox server failed: {code}: {text}")


def run(
    code: str,
    *,
    limits: Limits | None = None,
    harness: str | None = None,
    socket_path: str | None = None,
    timeout: float | None = None,
    request_id: str = "",
) -> RunResult:
    """Run learner ``code`` (then the trusted ``harness``, if any) in a fresh isolated child.

    The harness runs in the same process after the learner code, even when it raised, with
    ``learner_globals``, ``learner_error`` and ``emit(obj)`` in its namespace; the last emitted
    object becomes ``RunResult.harness_output``.

    Raises SandboxUnavailable when the server cannot be reached, SandboxRefused when it refuses
    to run unisolated code, ValueError for a request it rejects (e.g. code too large).
    """
    if not isinstance(code, str):
        raise TypeError("code must be a str")
    if harness is not None and not isinstance(harness, str):
        raise TypeError("harness must be a str or None")
    limits = limits or Limits()
    wait = timeout if timeout is not None else limits.wall_seconds + QUEUE_ALLOWANCE_SECONDS
    request = {"op": "run", "code": code, "harness": harness, "limits": limits.to_dict()}
    if request_id:
        request["request_id"] = request_id  # only for the server's log: one id across web, worker and sandbox
    reply = _request(request, socket_path, wait)
    return RunResult.from_dict(reply["result"])


def ping(*, socket_path: str | None = None, timeout: float = 5.0) -> dict[str, Any]:
    """Ask the server how it is: ``{"mode": "isolated"|"unisolated"|"refusing", "slots", ...}``.

    Raises SandboxUnavailable when nothing answers. A refusing server still answers a ping
    (with ``mode == "refusing"`` and ``reason``) so health checks can show why.
    """
    reply = _request({"op": "ping"}, socket_path, timeout)
    return {key: value for key, value in reply.items() if key != "ok"}
