"""Every write of the runs app: requesting a run, recording its outcome, syncing examples."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage, storages
from django.db import transaction
from django.utils import timezone

from config.errors import Conflict, PayloadTooLarge
from config.errors import invalid as validation_error
from runs.models import FINAL_STATUSES, IN_FLIGHT_STATUSES, Run, Runnable, RunStatus
from runs.sandbox_gateway import UNAVAILABLE_MESSAGE, RunResult

logger = logging.getLogger(__name__)

# A run queued or running for longer than this lost its worker or its broker message; it no
# longer counts against the in-flight limit, so one lost message cannot lock a learner out.
IN_FLIGHT_STALE_AFTER = timedelta(minutes=5)


def sha256(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def clean_text(value: str | None) -> str:
    """PostgreSQL text and jsonb cannot hold NUL; learner output can."""
    return (value or "").replace("\x00", "\ufffd")


def validate_code(code: object, *, field: str = "code") -> str:
    """The checks every entry point shares: a non-empty string of at most CODE_MAX_BYTES."""
    if not isinstance(code, str):
        raise validation_error({field: "Must be a string of Python code."})
    if not code.strip():
        raise validation_error({field: "This field may not be blank: write some Python code to run."})
    try:
        size = len(code.encode("utf-8"))
    except UnicodeEncodeError as exc:  # lone surrogates from JSON "\ud800" escapes
        raise validation_error({field: "Must be valid Unicode text."}) from exc
    if size > settings.CODE_MAX_BYTES:
        raise PayloadTooLarge(
            f"The code is {size} bytes; at most {settings.CODE_MAX_BYTES} bytes (64 KB) can be run at once."
        )
    return code


def _optional_id(value: object, field: str) -> int | None:
    """An optional id from JSON (int) or a form (digits); anything else is a 400 naming ``field``."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise validation_error({field: "Must be an id (an integer)."})


def request_run(*, user: Any, code: object, page: object = None, runnable: object = None) -> Run:
    """Queue ``code`` for the sandbox on behalf of ``user``.

    400 for code that is not a non-empty string, 413 above CODE_MAX_BYTES, 404 for a page the
    user may not read, 409 Conflict when the user already has RUNS_IN_FLIGHT_PER_USER runs
    queued or running (a learner waits for a result; a client hammering Run gets a clear
    refusal instead of a growing queue). The task is sent only after the row is committed.
    """
    from courseware.selectors import get_page_for_reader

    code = validate_code(code)
    page_obj = None
    page_id = _optional_id(page, "page")
    if page_id is not None:
        page_obj = get_page_for_reader(user, page_id)
    runnable_obj = None
    runnable_id = _optional_id(runnable, "runnable")
    if runnable_id is not None and page_obj is not None:
        # The example only links the run to its block; an unknown one is not worth a 4xx.
        runnable_obj = Runnable.objects.filter(pk=runnable_id, page=page_obj).first()

    with transaction.atomic():
        # Serialises one user's requests so two concurrent POSTs cannot both pass the limit.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        limit = settings.RUNS_IN_FLIGHT_PER_USER
        since = timezone.now() - IN_FLIGHT_STALE_AFTER
        in_flight = Run.objects.filter(owner=user, status__in=IN_FLIGHT_STATUSES, created_at__gte=since).count()
        if in_flight >= limit:
            raise Conflict(f"You already have {in_flight} runs in progress (at most {limit}); wait for one to finish.")
        run = Run.objects.create(owner=user, page=page_obj, runnable=runnable_obj, code=code, code_sha256=sha256(code))
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from runs.tasks import execute_run

    try:
        execute_run.delay(run_id)
    except Exception:  # the broker is down: the learner gets a final answer, not a spinner forever
        if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
            raise
        logger.exception("could not queue run %s", run_id)
        fail_run(run_id, UNAVAILABLE_MESSAGE)


def claim_run(run_id: int) -> Run | None:
    """Mark a run `running` and return it; None when it is gone or already final.

    A row left in `running` by a worker that died is claimed again: acks_late redelivers its
    task and running it twice is harmless (the first final write wins, see ``finish_run``).
    """
    updated = Run.objects.filter(pk=run_id, status__in=IN_FLIGHT_STATUSES).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
    if not updated:
        return None
    return Run.objects.get(pk=run_id)


def requeue_run(run_id: int) -> None:
    """Back to `queued` while the task waits to retry an unreachable sandbox."""
    Run.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(status=RunStatus.QUEUED)


def private_storage() -> Storage:
    """Where files that belong to one learner live; never served without a check."""
    return storages["private"]


def files_key(run_id: int) -> str:
    """The unguessable folder of a run's files: stable per run, so a redelivered task overwrites."""
    message = f"run-files:{run_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def save_figures(prefix: str, figures: list[bytes], storage: Storage | None = None) -> list[str]:
    """Store PNGs as ``<prefix>/figure-N.png`` (replacing older files of the same name)."""
    storage = storage or default_storage
    names = []
    for number, png in enumerate(figures):
        name = f"{prefix}/figure-{number}.png"
        # Deleting first keeps the exact name: the storage would otherwise pick a new one.
        storage.delete(name)
        names.append(storage.save(name, ContentFile(png)))
    return names


def result_fields(result: RunResult) -> dict[str, Any]:
    """The columns of a Run (and keys of a Runnable's output) that come from a sandbox result."""
    return {
        "status": result.status,
        "stdout": clean_text(result.stdout),
        "stderr": clean_text(result.stderr),
        "stdout_truncated": bool(result.stdout_truncated),
        "stderr_truncated": bool(result.stderr_truncated),
        "error": clean_text(result.error),
        "error_line": result.error_line if result.error_line and result.error_line > 0 else None,
        "kill_reason": result.kill_reason or "",
        "kill_message": clean_text(result.kill_message),
        "duration_ms": max(0, int(result.duration_ms or 0)),
        "isolated": bool(getattr(result, "isolated", True)),
    }


def finish_run(run_id: int, result: RunResult) -> bool:
    """Record the sandbox's answer; False when the run was already final (a duplicate delivery)."""
    names = save_figures(f"runs/{files_key(run_id)}", result.figures, private_storage()) if result.figures else []
    fields = result_fields(result)
    if fields["status"] not in FINAL_STATUSES:
        fields["status"] = RunStatus.ERROR
        fields["error"] = fields["error"] or f"the code runner answered with an unknown status {result.status!r}"
    updated = Run.objects.filter(pk=run_id, status__in=IN_FLIGHT_STATUSES).update(
        **fields, figures=names, finished_at=timezone.now()
    )
    return bool(updated)


def fail_run(run_id: int, message: str) -> bool:
    """End a run with status `error` and a message for the learner (nothing ran, or we lost it)."""
    updated = Run.objects.filter(pk=run_id, status__in=IN_FLIGHT_STATUSES).update(
        status=RunStatus.ERROR, error=message, finished_at=timezone.now()
    )
    return bool(updated)


# --- runnable examples (driven by the {runnable} directive at import) ---------------------


def example_output(*, page_id: int, index: int, result: RunResult) -> dict[str, Any]:
    """A verified result as a Runnable's stored output, its figures saved to storage."""
    names = save_figures(f"runnables/{page_id}/{index}", result.figures) if result.figures else []
    output = result_fields(result)
    output.update(
        figure_names=names,
        figures=[default_storage.url(name) for name in names],
        ran_at=timezone.now().isoformat(),
    )
    return output


def sync_runnables(*, page: Any, examples: list[dict[str, Any]]) -> list[Runnable]:
    """Make the page's Runnable rows match ``examples`` ([{code, output}], in block order).

    ``output`` is a fresh stored output, or None to keep the row's current one when its code is
    unchanged (a re-import that reused it, or an import that skipped verification).
    """
    existing = {row.index: row for row in Runnable.objects.filter(page=page)}
    rows = []
    for index, example in enumerate(examples):
        code = example["code"]
        digest = sha256(code)
        row = existing.pop(index, None)
        output = example.get("output")
        if output is None:
            output = row.output if row is not None and row.code_sha256 == digest else {}
        if row is None:
            row = Runnable.objects.create(page=page, index=index, code=code, code_sha256=digest, output=output)
        elif (row.code, row.code_sha256, row.output) != (code, digest, output):
            row.code, row.code_sha256, row.output = code, digest, output
            row.save(update_fields=["code", "code_sha256", "output", "updated_at"])
        if example.get("output") is not None:
            # The import-time run, kept like any other (it has no owner, so no one can fetch it).
            Run.objects.create(
                page=page,
                runnable=row,
                code=code,
                code_sha256=digest,
                finished_at=timezone.now(),
                **{key: output[key] for key in _RUN_KEYS},
            )
        rows.append(row)
    stale = list(existing.values())
    stale_figures = [name for row in stale for name in row.output.get("figure_names", [])]
    Runnable.objects.filter(pk__in=[row.pk for row in stale]).delete()
    if stale_figures:
        transaction.on_commit(lambda: _delete_files(stale_figures))
    return rows


_RUN_KEYS = (
    "status", "stdout", "stderr", "stdout_truncated", "stderr_truncated", "error", "error_line",
    "kill_reason", "kill_message", "duration_ms", "isolated",
)  # fmt: skip


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
