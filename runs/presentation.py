"""What the output panel shows, built from a Run or from a Runnable's stored output.

One shape for both so the page's pre-filled output and a fresh run look the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from runs.models import FINAL_STATUSES, Run
from runs.sandbox_gateway import RUN_LIMITS
from runs.selectors import figure_urls
from sandbox.limits import format_bytes

EXCERPT_CONTEXT = 2  # lines shown either side of the line an error points at


@dataclass
class ExcerptLine:
    number: int
    text: str
    is_error: bool


@dataclass
class Panel:
    status: str
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    error: str = ""
    error_line: int | None = None
    kill_message: str = ""
    figures: list[str] = field(default_factory=list)
    duration_ms: int | None = None
    run_id: int | None = None
    stored: bool = False  # the import-time output of an example, not the reader's own run
    excerpt: list[ExcerptLine] = field(default_factory=list)

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def cut_at(self) -> str:
        return format_bytes(RUN_LIMITS.output_bytes)

    @property
    def poll_url(self) -> str:
        return reverse("runs:panel", args=[self.run_id]) if self.run_id else ""

    @property
    def headline(self) -> str:
        if self.status == "queued":
            return "Queued…"
        if self.status == "running":
            return "Running…"
        took = f" in {self.duration_ms} ms" if self.duration_ms is not None else ""
        if self.status == "succeeded":
            return "Output of this example" if self.stored else f"Ran{took}"
        if self.status == "failed":
            where = f" on line {self.error_line}" if self.error_line else ""
            return f"The code raised an error{where}"
        if self.status in {"timeout", "killed"}:
            fallback = (
                "The program took too long and was stopped." if self.status == "timeout" else "The program was stopped."
            )
            return self.kill_message or fallback
        return "The code could not be run"

    @property
    def has_output(self) -> bool:
        return bool(self.stdout or self.stderr or self.figures or self.error)

    @property
    def traceback(self) -> str:
        """The traceback, unless ``error`` is our own one-line message (status `error`)."""
        return self.error if self.status != "error" else ""

    @property
    def runner_message(self) -> str:
        return self.error if self.status == "error" else ""


def _excerpt(code: str, line: int | None) -> list[ExcerptLine]:
    if not line:
        return []
    lines = code.split("\n")
    if line > len(lines):
        return []
    start, end = max(1, line - EXCERPT_CONTEXT), min(len(lines), line + EXCERPT_CONTEXT)
    return [ExcerptLine(n, lines[n - 1], n == line) for n in range(start, end + 1)]


def panel_for_run(run: Run) -> Panel:
    return Panel(
        status=run.status,
        stdout=run.stdout,
        stderr=run.stderr,
        stdout_truncated=run.stdout_truncated,
        stderr_truncated=run.stderr_truncated,
        error=run.error,
        error_line=run.error_line,
        kill_message=run.kill_message,
        figures=figure_urls(run),
        duration_ms=run.duration_ms,
        run_id=run.pk,
        excerpt=_excerpt(run.code, run.error_line) if run.status in {"failed", "killed"} else [],
    )


def panel_for_output(output: dict[str, Any], code: str) -> Panel | None:
    """The stored output of an example, or None when it was never verified."""
    if not output or not output.get("status"):
        return None
    status = str(output["status"])
    return Panel(
        status=status,
        stdout=output.get("stdout", ""),
        stderr=output.get("stderr", ""),
        stdout_truncated=bool(output.get("stdout_truncated")),
        stderr_truncated=bool(output.get("stderr_truncated")),
        error=output.get("error", "") or "",
        error_line=output.get("error_line"),
        kill_message=output.get("kill_message", "") or "",
        figures=list(output.get("figures", [])),
        duration_ms=output.get("duration_ms"),
        stored=True,
        excerpt=_excerpt(code, output.get("error_line")) if status in {"failed", "killed"} else [],
    )
