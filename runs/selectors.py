"""Reads of runs and runnable examples. Views and the API call these, never bare .objects.get."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from runs.models import Run, Runnable

if TYPE_CHECKING:
    from courseware.models import Page


def get_run_for_user(user: object, run_id: int) -> Run:
    """The caller's own run; anyone else's (or a missing one) is 404 so ids reveal nothing."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such run.")
    run = Run.objects.filter(pk=run_id, owner_id=user.pk).first()  # type: ignore[attr-defined]
    if run is None:
        raise Http404("No such run.")
    return run


def figure_urls(run: Run) -> list[str]:
    """Where the owner fetches the run's figures: a view that checks, under the run's secret folder."""
    from django.urls import reverse

    urls = []
    for name in run.figures:
        _, key, filename = name.rsplit("/", 2)
        urls.append(reverse("runs:file", args=[run.pk, key, filename]))
    return urls


def get_run_file(user: object, run_id: int, key: str, filename: str) -> tuple[Run, str]:
    """(run, storage name) of one of the caller's run files; 404 for anything else."""
    run = get_run_for_user(user, run_id)
    name = f"runs/{key}/{filename}"
    if name not in run.figures:
        raise Http404("No such file.")
    return run, name


def runnables_of_page(page: Page) -> QuerySet[Runnable]:
    return Runnable.objects.filter(page=page).order_by("index")


def get_runnable(page_id: int, index: int) -> Runnable | None:
    return Runnable.objects.filter(page_id=page_id, index=index).first()


def runnable_has_output(runnable_id: object) -> bool:
    """Whether an example shows output stored when its page was published."""
    try:
        pk = int(str(runnable_id))
    except (TypeError, ValueError):
        return False
    output = Runnable.objects.filter(pk=pk).values_list("output", flat=True).first()
    return bool(output and output.get("status"))
