"""Running code against an exercise's checks in the sandbox, and reading what came back.

The web process never runs learner code: ``run_against_checks`` only talks to the sandbox
server over its socket. ``interpret`` is pure and decides correctness: all checks passed, as
reported on the sandbox's private harness channel. Anything missing or malformed there is
an error, never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exercises import checklib
from runs import sandbox_gateway
from runs.sandbox_gateway import RunResult, SandboxRefused, SandboxUnavailable, client_timeout, socket_path

__all__ = [
    "GRADING_LIMITS",
    "Outcome",
    "RunResult",
    "SandboxRefused",
    "SandboxUnavailable",
    "client_timeout",
    "interpret",
    "ping_sandbox",
    "run_against_checks",
    "socket_path",
]

# What docs/content-format.md promises for all code: the same limits as any run.
GRADING_LIMITS = sandbox_gateway.RUN_LIMITS
MAX_STREAM_CHARS = 64 * 1024
MAX_MESSAGE_CHARS = 500


def ping_sandbox() -> dict[str, Any]:
    return sandbox_gateway.check()


def run_against_checks(code: str, *, checks: list[dict[str, Any]], solution: str, author: bool = False) -> RunResult:
    """Run ``code`` then the harness of ``checks``. Raises SandboxUnavailable / SandboxRefused."""
    harness = checklib.build_harness(checks, solution, author=author)
    return sandbox_gateway.run_code(code, limits=GRADING_LIMITS, harness=harness)


@dataclass
class Outcome:
    """What a run means for an attempt."""

    status: str  # "graded" or "error"
    correct: bool
    checks: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""  # why grading ended in an error, for the learner

    @property
    def failed_checks(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if not c["passed"]]


def _clip(text: Any, limit: int = MAX_MESSAGE_CHARS) -> str:
    text = str(text or "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_stream(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= MAX_STREAM_CHARS else text[:MAX_STREAM_CHARS] + "\n… (cut)"


def interpret(result: RunResult, checks: list[dict[str, Any]], *, author: bool = False) -> Outcome:
    """Correct only when the harness reported every one of ``checks``, in order, as passed.

    ``author``: the run verifies a course, so hidden checks keep their messages.
    """
    if result.status in ("timeout", "killed"):
        message = result.kill_message or "Your code was stopped before the checks could run."
        return Outcome(status="error", correct=False, message=_clip(message))
    if result.status == "error":
        return Outcome(status="error", correct=False, message="The code runner failed; please submit again.")
    reported = _validated(result.harness_output, checks, author=author)
    if reported is None:
        return Outcome(
            status="error", correct=False, message="The checks did not report a result; please submit again."
        )
    return Outcome(status="graded", correct=all(c["passed"] for c in reported), checks=reported)


def _validated(output: Any, checks: list[dict[str, Any]], *, author: bool) -> list[dict[str, Any]] | None:
    if not isinstance(output, dict) or not isinstance(output.get("checks"), list):
        return None
    items = output["checks"]
    if len(items) != len(checks):
        return None
    reported = []
    for item, check in zip(items, checks, strict=True):
        if not isinstance(item, dict) or item.get("name") != check["name"]:
            return None
        passed, message = item.get("passed"), item.get("message", "")
        if not isinstance(passed, bool) or not isinstance(message, str):
            return None
        # Hidden or not comes from the exercise, never from what the run said about itself; a
        # hidden check shows its name and pass/fail only.
        hidden = bool(check["hidden"])
        reported.append(
            {
                "name": check["name"],
                "passed": passed,
                "message": "" if hidden and not author else _clip(message),
                "hidden": hidden,
            }
        )
    return reported
