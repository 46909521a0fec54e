"""Server-side state of one run, and how it ended: what becomes a RunResult.

Kept apart from the server's plumbing because this is where a run's status is decided, from
three sources that each can be missing: the child's own reports (result channel), the output
pipes, and how its process exited (reported by the zygote).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from typing import Any

from sandbox.limits import Limits
from sandbox.protocol import EXIT_SETUP_FAILED, RecordParser
from sandbox.result import KillReason, RunResult, kill_message

# Everything a run may send on its result channel (figures, emitted values, tracebacks).
MAX_RESULT_BYTES = 64 * 1024 * 1024


class Run:
    """Server-side state of one run, fed by the child's pipes and the zygote's events."""

    def __init__(self, run_id: int, slot: int, code: str, harness: str | None, limits: Limits, isolated: bool) -> None:
        self.id = run_id
        self.slot = slot
        self.code = code
        self.harness = harness
        self.limits = limits
        self.isolated = isolated
        self.nonce = secrets.token_hex(16)
        self.started = time.monotonic()
        self.streams: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
        self.truncated = {"stdout": False, "stderr": False}
        self.parser = RecordParser(MAX_RESULT_BYTES)
        self.result_bytes = 0
        self.outcome: dict[str, Any] | None = None
        self.setup_error: str | None = None
        self.harness_sent = False
        self.harness_output: Any = None
        self.harness_error: str | None = None
        self.figures: list[bytes] = []
        self.finished = False
        self.kill_reason: str | None = None
        self.spawn_error: str | None = None
        self.exit_info: dict[str, Any] | None = None
        self.pid: int | None = None
        self.fds: dict[str, int] = {}
        self.pending_writes: list[memoryview] = []
        self.done = asyncio.Event()
        self.exited = asyncio.Event()
        self.duration_ms = 0

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)


def classify(run: Run) -> RunResult:
    """How the run ended, from what the child reported and how its process exited."""
    limits = run.limits
    result = RunResult(
        status="error",
        stdout=run.streams["stdout"].decode("utf-8", "replace"),
        stderr=run.streams["stderr"].decode("utf-8", "replace"),
        stdout_truncated=run.truncated["stdout"],
        stderr_truncated=run.truncated["stderr"],
        figures=list(run.figures),
        harness_output=run.harness_output,
        harness_error=run.harness_error,
        duration_ms=run.duration_ms,
        isolated=run.isolated,
        limits=limits.to_dict(),
    )
    exit_info = run.exit_info or {}
    status = exit_info.get("status")
    if (
        run.spawn_error
        or run.setup_error
        or (status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == EXIT_SETUP_FAILED)
    ):
        result.error = f"The sandbox could not start this run: {run.spawn_error or run.setup_error or 'setup failed'}"
        return result
    if run.kill_reason == "output":
        return _killed(result, "output", limits)
    if run.finished or (run.outcome is not None and status is not None and os.WIFEXITED(status)):
        if not run.finished and run.harness is not None and run.harness_error is None:
            result.harness_error = "The harness did not finish (the process ended during it)."
        return _from_outcome(result, run.outcome or {"outcome": "ok"}, limits)
    killed_by = exit_info.get("killed_by")
    if killed_by == "wall":
        return _killed(result, "wall", limits, status="timeout")
    if killed_by is not None or exit_info.get("lost"):
        result.error = "The sandbox server stopped during the run."
        return result
    if status is not None and os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        if signum == signal.SIGXCPU:
            return _killed(result, "cpu", limits, status="timeout")
        if exit_info.get("oom"):
            return _killed(result, "memory", limits)
        if signum == signal.SIGKILL and float(exit_info.get("cpu") or 0) >= limits.cpu_seconds - 0.05:
            return _killed(result, "cpu", limits, status="timeout")
        if signum == signal.SIGXFSZ:
            return _killed(result, "disk", limits)
        return _killed(result, "signal", limits, detail=signal.Signals(signum).name)
    code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None
    result.status = "failed"
    result.error = f"The program ended abruptly (exit code {code}) before it finished."
    return result


def _killed(
    result: RunResult, reason: KillReason, limits: Limits, status: str = "killed", detail: str | None = None
) -> RunResult:
    result.status = "timeout" if status == "timeout" else "killed"
    result.kill_reason = reason
    result.kill_message = kill_message(reason, limits, detail)
    return result


def _from_outcome(result: RunResult, outcome: dict[str, Any], limits: Limits) -> RunResult:
    if outcome.get("outcome") == "ok":
        result.status = "succeeded"
        return result
    result.error = str(outcome.get("error") or "")
    line = outcome.get("error_line")
    result.error_line = line if isinstance(line, int) else None
    hint = outcome.get("resource")
    if hint in ("memory", "processes", "disk", "open_files"):
        return _killed(result, hint, limits)
    result.status = "failed"
    return result
