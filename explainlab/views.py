from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from config.errors import InvalidInput
from explainlab import selectors, services
from explainlab.engine.catalog import catalog
from explainlab.forms import spec_from_form
from explainlab.models import Job

DEFAULT_SPEC = {
    "dataset": "breast_cancer",
    "model": "random_forest",
    "explanation": "shap_beeswarm",
    "params": {},
    "options": {},
}


def lab_url(spec: dict[str, Any]) -> str:
    """The lab with a spec filled in (the "try it yourself" link of chapter embeds)."""
    return f"{reverse('explainlab:lab')}?{urlencode({'spec': json.dumps(spec, separators=(',', ':'))})}"


def _initial_spec(request: HttpRequest) -> dict[str, Any]:
    raw = request.GET.get("spec")
    if raw:
        try:
            spec = json.loads(raw)
            if isinstance(spec, dict):
                return {**DEFAULT_SPEC, **spec}
        except ValueError:
            pass
    return dict(DEFAULT_SPEC)


def lab(request: HttpRequest) -> HttpResponse:
    cat = catalog()
    return render(
        request,
        "explainlab/lab.html",
        {"catalog": cat, "catalog_json": cat, "initial": _initial_spec(request), "errors": {}},
    )


@require_POST
@login_required
def submit(request: HttpRequest) -> HttpResponse:
    raw = spec_from_form(request.POST)
    try:
        spec = services.parse_spec(raw)
    except InvalidInput as exc:
        fields = exc.fields
        if request.headers.get("HX-Request"):
            return render(request, "explainlab/_errors.html", {"errors": fields}, status=400)
        cat = catalog()
        return render(
            request,
            "explainlab/lab.html",
            {"catalog": cat, "catalog_json": cat, "initial": {**DEFAULT_SPEC, **raw}, "errors": fields},
            status=400,
        )
    job, reused = services.request_job(user=request.user, spec=spec)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "explainlab/_job.html",
            {"job": selectors.job_payload(job, cached=reused), "lab_url": lab_url(job.spec)},
        )
    return redirect("explainlab:job", job_ref=job.key)


def job_panel(request: HttpRequest, job_ref: str) -> HttpResponse:
    job = selectors.get_job(job_ref, request.user)
    return render(request, "explainlab/_job.html", {"job": selectors.job_payload(job), "lab_url": lab_url(job.spec)})


def job_page(request: HttpRequest, job_ref: str) -> HttpResponse:
    job = selectors.get_job(job_ref, request.user)
    return render(
        request,
        "explainlab/job.html",
        {"job": selectors.job_payload(job), "lab_url": lab_url(job.spec), "refresh": job.status not in Job.FINAL},
    )
