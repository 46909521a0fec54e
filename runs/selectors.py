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
