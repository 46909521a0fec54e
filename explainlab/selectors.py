from __future__ import annotations

from typing import Any

from django.http import Http404

from explainlab.models import Embed, Job
from explainlab.storage import artifact_url


def get_job(job_id: int) -> Job:
    """Jobs hold no personal data (the spec and the model's explanation), so any id is readable."""
    job = Job.objects.filter(pk=job_id).first()
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
        "status": job.status,
        "progress": job.progress,
        "stage": job.stage,
        "cached": cached,
        "spec": job.spec,
        "result": result,
        "error": job.error or None,
        "url": reverse("api-explainlab-job", kwargs={"job_id": job.pk}),
    }


def page_embeds(page_id: int) -> list[Embed]:
    return list(Embed.objects.filter(page_id=page_id).select_related("job").order_by("index"))
