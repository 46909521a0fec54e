"""The outcome of one run, as the server reports it and the client returns it."""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from sandbox.limits import Limits, format_bytes, format_seconds

Status = Literal["succeeded", "failed", "timeout", "killed", "error"]
STATUSES: tuple[Status, ...] = ("succeeded", "failed", "timeout", "killed", "error")

# Why a run was stopped. "timeout" runs use cpu/wall; "killed" runs use the others.
KillReason = Literal["cpu", "wall", "memory", "output", "processes", "disk", "open_files", "signal"]


@dataclass
class RunResult:
    status: Status
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    # For "failed" (and "killed" when the program raised): the traceback, learner frames only.
    error: str | None = None
    error_line: int | None = None
    kill_reason: KillReason | None = None
    kill_message: str | None = None
    # PNG bytes of every matplotlib figure left open, collected after the harness ran.
    figures: list[bytes] = field(default_factory=list)
    # The last object the harness passed to emit(), or None.
    harness_output: Any = None
    # The harness's own traceback when it raised (trusted code, shown in full).
    harness_error: str | None = None
    duration_ms: int = 0
    # False only on a server the operator started with --allow-unisolated and no isolation.
    isolated: bool = True
    # The limits the run actually had, after the server lowered them to its caps.
    limits: dict[str, float | int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict; figures become base64 strings."""
        data = asdict(self)
        data["figures"] = [base64.b64encode(png).decode("ascii") for png in self.figures]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["figures"] = [base64.b64decode(item) for item in values.get("figures") or []]
        return cls(**values)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"


def kill_message(reason: KillReason, limits: Limits, detail: str | None = None) -> str:
    """A sentence a learner can act on."""
    if reason == "cpu":
        return f"The program used more than {format_seconds(limits.cpu_seconds)} of CPU time and was stopped."
    if reason == "wall":
        return f"The program ran for more than {format_seconds(limits.wall_seconds)} and was stopped."
    if reason == "memory":
        return f"The program ran out of memory (limit: {format_bytes(limits.memory_bytes)})."
    if reason == "output":
        return (
            f"The program printed more than {format_bytes(limits.output_bytes)}; "
            "the output was cut there and the program stopped."
        )
    if reason == "processes":
        return f"The program tried to start too many processes or threads (limit: {limits.processes})."
    if reason == "disk":
        return (
            f"The program wrote too much to disk (limits: {format_bytes(limits.tmp_bytes)} in total, "
            f"{format_bytes(limits.file_size)} per file)."
        )
    if reason == "open_files":
        return f"The program opened too many files at once (limit: {limits.open_files})."
    return f"The program was stopped by the system ({detail or 'a signal'})."
