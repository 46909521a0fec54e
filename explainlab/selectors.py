from __future__ import annotations

from typing import Any

from django.http import Http404

from explainlab.models import Embed, Job
from explainlab.storage import artifact_url


def get_job(reference: str, user: object = None) -> Job:
    """A job by its unguessable key: whoever holds the link may read it (it holds no personal data).

    An integer id still works for the job's own creator, so clients that kept ids keep
    working; for anyone else an id is 404, so counting ids finds nothing.
    """
    job = Job.objects.filter(key=reference).first() if reference else None
    if job is None and reference.isdigit() and getattr(user, "is_authenticated", False):
        job = Job.objects.filter(pk=int(reference), created_by_id=user.pk).first()  # type: ignore[attr-defined]
    if job is None:
        raise Http404("No such job.")
    return job


def job_payload(job: Job, *, cached: bool = False) -> dict[str, Any]:
    from django.urls import reverse

    result = None
    if job.status == Job.Status.SUCCEEDED:
        result = {
            "metrics": job.metrics,
            "data": job.data,
            "artifacts": [{"name": a["name"], "format": a["format"], "url": artifact_url(a)} for a in job.artifacts],
            "timings": job.timings,
        }
    return {
        "id": job.pk,
        "key": job.key,
        "status": job.status,
        "progress": job.progress,
        "stage": job.stage,
        "cached": cached,
        "spec": job.spec,
        "result": result,
        "error": job.error or None,
        "url": reverse("api-explainlab-job", kwargs={"job_ref": job.key}),
    }


def page_embeds(page_id: int) -> list[Embed]:
    return list(Embed.objects.filter(page_id=page_id).select_related("job").order_by("index"))
